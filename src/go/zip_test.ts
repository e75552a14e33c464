/**
 * Tests of src/go/zip.ts and the zip container reader. The txtar cases under
 * fixtures/go-xmod-zip/ are golang.org/x/mod's own (repository github.com/golang/mod,
 * zip/testdata/{check_files,check_zip,create,unzip}; see fixtures/README.md), run the way
 * zip/zip_test.go runs them (TestCheckFiles, TestCheckZip, TestCreate, TestUnzip).
 */
import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { MochiError } from "../errors.ts";
import { writeZip } from "./_zipformat.ts";
import {
  type CheckedFiles,
  checkedFilesError,
  checkFiles,
  checkZip,
  createModuleZip,
  hash1,
  hashModuleZip,
  readModuleZip,
} from "./mod.ts";

const DIR = new URL("../../fixtures/go-xmod-zip/", import.meta.url);
const te = new TextEncoder();
const td = new TextDecoder();

interface Txtar {
  comment: string;
  files: { name: string; data: Uint8Array }[];
}

/** golang.org/x/tools/txtar's format: a comment, then `-- name --` marker lines. */
function parseTxtar(bytes: Uint8Array): Txtar {
  const text = td.decode(bytes);
  const lines = text.split(/(?<=\n)/);
  const out: Txtar = { comment: "", files: [] };
  let cur: { name: string; body: string } | undefined;
  for (const line of lines) {
    const m = /^-- (.+) --\n?$/.exec(line);
    if (m !== null) {
      if (cur) out.files.push({ name: cur.name, data: te.encode(cur.body) });
      cur = { name: m[1]!.trim(), body: "" };
    } else if (cur) cur.body += line;
    else out.comment += line;
  }
  if (cur) out.files.push({ name: cur.name, data: te.encode(cur.body) });
  return out;
}

interface Case {
  name: string;
  path: string;
  version: string;
  wantErr: string;
  hash: string;
  files: { name: string; data: Uint8Array }[];
}

function readCases(sub: string): Case[] {
  const cases: Case[] = [];
  for (
    const e of [...Deno.readDirSync(new URL(`${sub}/`, DIR))].sort((a, b) =>
      a.name < b.name ? -1 : 1
    )
  ) {
    const arc = parseTxtar(Deno.readFileSync(new URL(`${sub}/${e.name}`, DIR)));
    const c: Case = {
      name: e.name,
      path: "",
      version: "",
      wantErr: "",
      hash: "",
      files: arc.files,
    };
    for (let line of arc.comment.split("\n")) {
      const hashAt = line.indexOf("#");
      if (hashAt >= 0) line = line.slice(0, hashAt);
      line = line.trim();
      if (line === "") continue;
      const eq = line.indexOf("=");
      const k = line.slice(0, eq).trim();
      const v = line.slice(eq + 1).trim();
      if (k === "path") c.path = v;
      else if (k === "version") c.version = v;
      else if (k === "wantErr") c.wantErr = v;
      else if (k === "hash") c.hash = v;
    }
    // invalid_utf8_mod_path.txt holds the byte 0xFF as its path (decoded here as U+FFFD; Go's
    // message quotes it as "\xff", ours as the replacement character).
    if (c.path.includes("\uFFFD")) c.path = "\uDCFF";
    cases.push(c);
  }
  return cases;
}

function formatCheckedFiles(cf: CheckedFiles): string {
  let s = "valid:\n";
  for (const f of cf.valid) s += `${f}\n`;
  s += "\nomitted:\n";
  for (const f of cf.omitted) s += `${f.path}: ${f.err}\n`;
  s += "\ninvalid:\n";
  for (const f of cf.invalid) s += `${f.path}: ${f.err}\n`;
  return s;
}

function errorText(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof MochiError) return e.message;
    throw e;
  }
  return "";
}

Deno.test("checkFiles: x/mod zip_test.go TestCheckFiles over testdata/check_files", () => {
  const cases = readCases("check_files");
  assertEquals(cases.length, 4);
  for (const c of cases) {
    const want = td.decode(c.files.find((f) => f.name === "want")!.data);
    const files = c.files.filter((f) => f.name !== "want").map((f) => ({
      path: f.name,
      size: f.data.length,
      data: f.data,
    }));
    const cf = checkFiles(files);
    assertEquals(formatCheckedFiles(cf), want, c.name);
    const err = checkedFilesError(cf);
    assertEquals(err ?? "", cf.invalid.map((e) => `${e.path}: ${e.err}`).join("\n"));
  }
});

Deno.test("checkZip: x/mod zip_test.go TestCheckZip over testdata/check_zip", () => {
  const cases = readCases("check_zip");
  assertEquals(cases.length, 2);
  for (const c of cases) {
    const want = td.decode(c.files.find((f) => f.name === "want")!.data);
    const entries = c.files.filter((f) => f.name !== "want").map((f) => ({
      name: f.name,
      size: f.data.length,
    }));
    const cf = checkZip({ path: c.path, version: c.version }, entries);
    assertEquals(formatCheckedFiles(cf), want, c.name);
  }
});

Deno.test("createModuleZip: x/mod zip_test.go TestCreate over testdata/create (hashes equal)", () => {
  const cases = readCases("create");
  assertEquals(cases.length, 16);
  for (const c of cases) {
    const m = { path: c.path, version: c.version };
    const files = c.files.map((f) => ({ path: f.name, data: f.data }));
    const err = errorText(() => createModuleZip(m, files));
    if (c.wantErr !== "" && !c.wantErr.includes("\\xff")) {
      assert(err.includes(c.wantErr), `${c.name}: got ${JSON.stringify(err)}, want ${c.wantErr}`);
      continue;
    }
    if (c.wantErr !== "") {
      assert(err.includes("malformed module path") && err.includes("invalid UTF-8"), c.name);
      continue;
    }
    assertEquals(err, "", c.name);
    assertEquals(hashModuleZip(m, createModuleZip(m, files)), c.hash, c.name);
  }
});

Deno.test("readModuleZip: x/mod zip_test.go TestUnzip over testdata/unzip (errors and hashes)", () => {
  const cases = readCases("unzip");
  assertEquals(cases.length, 15);
  for (const c of cases) {
    const m = { path: c.path, version: c.version };
    const zip = writeZip(c.files);
    const err = errorText(() => readModuleZip(m, zip));
    if (c.wantErr !== "" && !c.wantErr.includes("\\xff")) {
      assert(err.includes(c.wantErr), `${c.name}: got ${JSON.stringify(err)}, want ${c.wantErr}`);
      continue;
    }
    if (c.wantErr !== "") {
      assert(err.includes("invalid UTF-8"), c.name);
      continue;
    }
    assertEquals(err, "", c.name);
    assertEquals(hashModuleZip(m, zip), c.hash, c.name);
    assertEquals(hash1(c.files), c.hash, c.name);
  }
});

const M = { path: "example.com/m", version: "v1.0.0" };
const P = "example.com/m@v1.0.0/";

Deno.test("readModuleZip: caps on entries, zip size and decoded size; bombs refused", () => {
  const zip = writeZip([{ name: `${P}go.mod`, data: te.encode("module example.com/m\n") }, {
    name: `${P}a.go`,
    data: new Uint8Array(50_000),
  }]);
  readModuleZip(M, zip);
  assertEquals(
    assertThrows(() => readModuleZip(M, zip, { maxEntries: 1 }), MochiError).code,
    "GO_E003",
  );
  assertEquals(
    assertThrows(() => readModuleZip(M, zip, { maxZipBytes: 100 }), MochiError).code,
    "GO_E003",
  );
  assertEquals(
    assertThrows(() => readModuleZip(M, zip, { maxDecodedBytes: 10_000 }), MochiError).code,
    "GO_E003",
  );
  // A zip whose entry declares 10 bytes but inflates to 50 000 is refused while inflating.
  const lying = zip.slice();
  const view = new DataView(lying.buffer);
  const cd = view.getUint32(lying.length - 22 + 16, true);
  // Second central-directory entry: skip the first (46 + name length).
  const second = cd + 46 + view.getUint16(cd + 28, true);
  view.setUint32(second + 24, 10, true);
  const e = assertThrows(() => readModuleZip(M, lying), MochiError);
  assert(e.message.includes("declared 10 bytes"), e.message);
  // A flipped data byte fails the CRC-32 (stored entry) or the inflate.
  const flipped = writeZip([{ name: `${P}a.txt`, data: te.encode("abc") }]);
  flipped[30 + `${P}a.txt`.length]! ^= 1;
  assert(errorText(() => readModuleZip(M, flipped)).includes("CRC-32"));
  // Not a zip at all.
  assertEquals(
    assertThrows(() => readModuleZip(M, te.encode("hello")), MochiError).code,
    "GO_E003",
  );
  assertEquals(assertThrows(() => readModuleZip(M, new Uint8Array(0)), MochiError).code, "GO_E003");
});

Deno.test("readModuleZip: a symbolic-link entry mode is data for a regular file, as in Go's Unzip", () => {
  const zip = writeZip([{ name: `${P}link.go`, data: te.encode("../../etc/passwd") }]);
  // Mark the entry as a symbolic link (Unix mode 0120777 in the external attributes).
  const view = new DataView(zip.buffer);
  const cd = view.getUint32(zip.length - 22 + 16, true);
  view.setUint32(cd + 38, (0o120777 << 16) >>> 0, true);
  const { files } = readModuleZip(M, zip);
  assertEquals(files.map((f) => [f.path, td.decode(f.data)]), [["link.go", "../../etc/passwd"]]);
});

Deno.test("readModuleZip: hostile entry names are refused before anything is decoded", () => {
  for (
    const name of [
      `${P}../escape.go`,
      `${P}/abs.go`,
      "../../etc/passwd",
      `${P}a/./b.go`,
      `${P}con.go`,
      `${P}a\\b.go`,
    ]
  ) {
    const zip = writeZip([{ name, data: te.encode("x") }]);
    assertEquals(assertThrows(() => readModuleZip(M, zip), MochiError, name).code, "GO_E003");
  }
});

Deno.test("checkFiles: symlinks and special files omitted; sizes over the limits", () => {
  const cf = checkFiles([
    { path: "link.go", size: 1, kind: "symlink" },
    { path: "fifo", size: 0, kind: "other" },
    { path: "go.mod", size: 16 * 1024 * 1024 + 1 },
    { path: "LICENSE", size: 16 * 1024 * 1024 + 1 },
    { path: "big.bin", size: 500 * 1024 * 1024 },
  ]);
  assertEquals(cf.omitted.map((e) => e.err), ["file is a symbolic link", "not a regular file"]);
  assertEquals(cf.invalid.map((e) => e.path), ["go.mod", "LICENSE"]);
  assert(cf.sizeError?.startsWith("module source tree too large"));
  // Kelvin sign folds with k (Go's simple folding), dotless i does not fold with i.
  assertEquals(
    checkFiles([{ path: "k.go", size: 1 }, { path: "\u212A.go", size: 1 }]).invalid.length,
    1,
  );
  assertEquals(
    checkFiles([{ path: "i.go", size: 1 }, { path: "\u0131.go", size: 1 }]).invalid.length,
    0,
  );
});
