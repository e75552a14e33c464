import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { gunzipSync, unzipSync } from "fflate";
import { parseCoreMetadata } from "../python/metadata.ts";
import { packPypi, pypiFileNamePart } from "./pypi.ts";
import type { FanoutPackage } from "./types.ts";
import { ACME_PACKAGE, assertRefused, builtFromManifest } from "./pack_testing.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function pkg(over: Partial<FanoutPackage> = {}): FanoutPackage {
  return {
    ecosystem: "pypi",
    name: "mochi-greet",
    version: "1.2.0rc1",
    mochi: { name: "@mochi/greet", version: "1.2.0-rc.1" },
    description: "Greets people",
    license: "MIT OR Apache-2.0",
    authors: ["Ada Lovelace <ada@example.org>", "Grace Hopper"],
    repository: "https://example.org/mochi/greet",
    keywords: ["greeting", "demo"],
    readme: { path: "README.md", bytes: enc.encode("# greet\n\nSays hello.\n") },
    dependencies: [
      { name: "idna", range: ">=3.4,<4", kind: "normal" },
      { name: "pytest", range: ">=7", kind: "dev" },
    ],
    files: [
      {
        path: "mochi_greet/__init__.py",
        bytes: enc.encode("def greet(n):\n    return 'Hello, ' + n\n"),
        executable: false,
      },
      {
        path: "mochi_greet/tool.py",
        bytes: enc.encode("#!/usr/bin/env python3\n"),
        executable: true,
      },
    ],
    capabilities: [{ path: "mochi_caps.json", bytes: enc.encode('{"net":[]}\n') }],
    extra: { "requires-python": ">=3.9", classifiers: ["Programming Language :: Python :: 3"] },
    ...over,
  };
}

/** Zip entry names in archive order (fflate's unzipSync keeps insertion order of its object). */
function zipNames(bytes: Uint8Array): string[] {
  return Object.keys(unzipSync(bytes));
}

/** Tar entries of an uncompressed ustar (enough for the paths and sizes this packer writes). */
function tarEntries(tar: Uint8Array): { name: string; mode: number; bytes: Uint8Array }[] {
  const out: { name: string; mode: number; bytes: Uint8Array }[] = [];
  let off = 0;
  while (off + 512 <= tar.length && tar[off] !== 0) {
    const h = tar.subarray(off, off + 512);
    const str = (a: number, n: number) => dec.decode(h.subarray(a, a + n)).replace(/\0.*$/s, "");
    const prefix = str(345, 155);
    const name = (prefix ? `${prefix}/` : "") + str(0, 100);
    const size = parseInt(str(124, 12).trim() || "0", 8);
    const mode = parseInt(str(100, 8).trim(), 8);
    out.push({ name, mode, bytes: tar.subarray(off + 512, off + 512 + size) });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

Deno.test("wheel: PEP 427 layout, RECORD hashes recomputed, dist-info last, RECORD last", async () => {
  const [wheel] = await packPypi(pkg());
  assert.equal(wheel!.fileName, "mochi_greet-1.2.0rc1-py3-none-any.whl");
  assert.equal(wheel!.role, "primary");
  assert.equal(wheel!.sha256, createHash("sha256").update(wheel!.bytes).digest("hex"));
  const names = zipNames(wheel!.bytes);
  const di = "mochi_greet-1.2.0rc1.dist-info";
  assert.deepEqual(names, [
    "mochi_greet/__init__.py",
    "mochi_greet/tool.py",
    `${di}/METADATA`,
    `${di}/WHEEL`,
    `${di}/mochi_caps.json`,
    `${di}/RECORD`,
  ]);
  const files = unzipSync(wheel!.bytes);
  const record = dec.decode(files[`${di}/RECORD`]).trimEnd().split("\n");
  assert.equal(record.length, 6);
  assert.equal(record.at(-1), `${di}/RECORD,,`);
  for (const line of record.slice(0, -1)) {
    const [path, hash, size] = line.split(",");
    const bytes = files[path!]!;
    const want = createHash("sha256").update(bytes).digest("base64").replace(/=+$/, "")
      .replace(/\+/g, "-").replace(/\//g, "_");
    assert.equal(hash, `sha256=${want}`, path);
    assert.equal(Number(size), bytes.byteLength, path);
  }
  assert.equal(
    dec.decode(files[`${di}/WHEEL`]),
    "Wheel-Version: 1.0\nGenerator: mochi pkg\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
  );
});

Deno.test("wheel: Core Metadata 2.4 fields, read back by the project's own metadata parser", async () => {
  const [wheel] = await packPypi(pkg());
  const meta = unzipSync(wheel!.bytes)["mochi_greet-1.2.0rc1.dist-info/METADATA"]!;
  const text = dec.decode(meta);
  const cut = text.indexOf("\n\n");
  const head = text.slice(0, cut);
  const body = text.slice(cut + 2);
  assert.deepEqual(head.split("\n"), [
    "Metadata-Version: 2.4",
    "Name: mochi-greet",
    "Version: 1.2.0rc1",
    "Summary: Greets people",
    "Keywords: greeting,demo",
    "Author: Grace Hopper",
    "Author-email: Ada Lovelace <ada@example.org>",
    "License-Expression: MIT OR Apache-2.0",
    "Classifier: Programming Language :: Python :: 3",
    "Requires-Python: >=3.9",
    "Project-URL: Repository, https://example.org/mochi/greet",
    "Requires-Dist: idna>=3.4,<4",
    'Requires-Dist: pytest>=7; extra == "dev"',
    "Provides-Extra: dev",
    "Description-Content-Type: text/markdown; charset=UTF-8",
  ]);
  assert.equal(body, "# greet\n\nSays hello.\n");
  const parsed = parseCoreMetadata(meta, "wheel");
  assert.equal(parsed.metadataVersion, "2.4");
  assert.equal(parsed.requiresDist.length, 2);
  assert.deepEqual(parsed.providesExtra, ["dev"]);
});

Deno.test("wheel and sdist are byte-identical across runs and input orders", async () => {
  const a = await packPypi(pkg());
  const p = pkg();
  p.files.reverse();
  const b = await packPypi(p);
  assert.deepEqual(a.map((x) => x.sha256), b.map((x) => x.sha256));
});

Deno.test("sdist: PEP 625 name, one top folder, PKG-INFO = METADATA, pyproject, backend, modes", async () => {
  const [wheel, sdist] = await packPypi(pkg());
  assert.equal(sdist!.fileName, "mochi_greet-1.2.0rc1.tar.gz");
  const entries = tarEntries(gunzipSync(sdist!.bytes));
  const top = "mochi_greet-1.2.0rc1/";
  for (const e of entries) assert.ok(e.name.startsWith(top), e.name);
  const byName = new Map(entries.map((e) => [e.name, e]));
  const meta = unzipSync(wheel!.bytes)["mochi_greet-1.2.0rc1.dist-info/METADATA"]!;
  assert.deepEqual(byName.get(`${top}PKG-INFO`)!.bytes, meta);
  assert.ok(byName.has(`${top}README.md`));
  assert.ok(byName.has(`${top}_mochi_build/mochi_build.py`));
  assert.equal(byName.get(`${top}src/mochi_greet/tool.py`)!.mode, 0o755);
  assert.equal(byName.get(`${top}src/mochi_greet/__init__.py`)!.mode, 0o644);
  assert.ok(byName.has(`${top}_mochi_build/dist-info/mochi_caps.json`));
  const pyproject = dec.decode(byName.get(`${top}pyproject.toml`)!.bytes);
  assert.match(pyproject, /build-backend = "mochi_build"/);
  assert.match(pyproject, /requires = \[\]/);
  assert.match(pyproject, /license = "MIT OR Apache-2.0"/);
  assert.match(pyproject, /dependencies = \[ "idna>=3.4,<4" \]/);
});

function refused(over: Partial<FanoutPackage>, code: string, re: RegExp): Promise<void> {
  return assertRefused(() => packPypi(pkg(over)), code, re);
}

Deno.test("hostile metadata is refused, never written as extra header lines", async () => {
  await refused({ description: "ok\nRequires-Dist: evil" }, "FANOUT_E008", /line break/);
  await refused({ authors: ["Eve <e@x>\r\nRequires-Dist: evil"] }, "FANOUT_E008", /line break/);
  await refused({ license: "MIT\nX: y" }, "FANOUT_E008", /line break/);
  await refused({ repository: "javascript:alert(1)" }, "FANOUT_E008", /http\(s\) URL/);
  await refused(
    { dependencies: [{ name: "idna", range: ">=3; extra=='x'", kind: "normal" }] },
    "FANOUT_E003",
    /extra marker/,
  );
  await refused(
    { dependencies: [{ name: "idna", range: " @ https://x/y.whl", kind: "normal" }] },
    "FANOUT_E003",
    /direct URL/,
  );
  await refused(
    { dependencies: [{ name: "idna", range: ">=3; os_name=='nt'\nX: y", kind: "normal" }] },
    "FANOUT_E008",
    /line break/,
  );
  await refused({ name: "-bad-" }, "FANOUT_E004", /PyPI project name/);
  await refused({ version: "1.2.0-alpha.1+x y" }, "FANOUT_E002", /PEP 440/);
});

Deno.test("extra keys: closed set with did-you-mean; requires-python and classifiers checked", async () => {
  await refused({ extra: { "require-python": ">=3.9" } }, "FANOUT_E008", /requires-python/);
  await refused({ extra: { "requires-python": ">=3.9,<<4" } }, "FANOUT_E008", /specifier/);
  await refused({ extra: { classifiers: ["Not a classifier"] } }, "FANOUT_E008", /Trove/);
  await refused({ extra: { classifiers: "x" } }, "FANOUT_E008", /array of strings/);
});

Deno.test("native code needs a platform wheel-tag and is not purelib", async () => {
  const so = {
    path: "mochi_greet/_speed.cpython-312-x86_64-linux-gnu.so",
    bytes: new Uint8Array([0x7f]),
    executable: true,
  };
  await refused({ files: [so] }, "FANOUT_E008", /native code.*wheel-tag/);
  await refused(
    { files: [so], extra: { "wheel-tag": "py3-none-any" } },
    "FANOUT_E008",
    /any platform/,
  );
  const [wheel] = await packPypi(
    pkg({
      files: [so],
      extra: { "wheel-tag": "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64" },
    }),
  );
  assert.equal(
    wheel!.fileName,
    "mochi_greet-1.2.0rc1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
  );
  const w = dec.decode(unzipSync(wheel!.bytes)["mochi_greet-1.2.0rc1.dist-info/WHEEL"]);
  assert.match(
    w,
    /Root-Is-Purelib: false\nTag: cp312-cp312-manylinux_2_17_x86_64\nTag: cp312-cp312-manylinux2014_x86_64\n$/,
  );
});

Deno.test("output inside the wheel's own folders is refused", async () => {
  await refused(
    { files: [{ path: "x-1.dist-info/METADATA", bytes: new Uint8Array(), executable: false }] },
    "FANOUT_E001",
    /wheel's own folder/,
  );
});

Deno.test("file-name escaping follows PEP 503 then - to _", () => {
  assert.equal(pypiFileNamePart("Mochi.Greet__lib"), "mochi_greet_lib");
});

Deno.test("a capability file cannot replace the wheel's own metadata files", async () => {
  await refused(
    { capabilities: [{ path: "RECORD", bytes: new Uint8Array() }] },
    "FANOUT_E001",
    /wheel's own RECORD/,
  );
});

Deno.test("environment markers are kept, and joined with the dev extra", async () => {
  const [wheel, sdist] = await packPypi(pkg({
    dependencies: [
      { name: "tomli", range: ">=1; python_version<'3.11'", kind: "normal" },
      { name: "rich[jupyter]", range: ">=13", kind: "normal" },
      { name: "pytest", range: ">=7; os_name == 'posix'", kind: "dev" },
    ],
  }));
  const meta = dec.decode(unzipSync(wheel!.bytes)["mochi_greet-1.2.0rc1.dist-info/METADATA"]);
  const reqs = meta.split("\n").filter((l) => l.startsWith("Requires-Dist: "));
  assert.deepEqual(reqs, [
    'Requires-Dist: tomli>=1; python_version < "3.11"',
    "Requires-Dist: rich[jupyter]>=13",
    'Requires-Dist: pytest>=7; (os_name == "posix") and extra == "dev"',
  ]);
  const parsed = parseCoreMetadata(enc.encode(meta), "wheel");
  assert.equal(parsed.requiresDist.length, 3);
  const pyproject = dec.decode(
    tarEntries(gunzipSync(sdist!.bytes)).find((e) => e.name.endsWith("pyproject.toml"))!.bytes,
  );
  assert.match(
    pyproject,
    /dependencies = \[ "tomli>=1; python_version < \\"3.11\\"", "rich\[jupyter\]>=13" \]/,
  );
  assert.match(pyproject, /dev = \[ "pytest>=7; os_name == \\"posix\\"" \]/);
});

Deno.test("authors: a quoted display name is unquoted, then quoted once where the header needs it", async () => {
  const [wheel] = await packPypi(pkg({ authors: ['"Lovelace, Ada" <ada@example.org>'] }));
  const meta = dec.decode(unzipSync(wheel!.bytes)["mochi_greet-1.2.0rc1.dist-info/METADATA"]);
  assert.match(meta, /\nAuthor-email: "Lovelace, Ada" <ada@example.org>\n/);
});

Deno.test("from mochi.toml: buildFanoutPackage's python package packs, metadata keys included", async () => {
  const manifest = ACME_PACKAGE + `authors = ["Ada <ada@example.org>"]
repository = "https://example.org/acme/greet"

[capabilities]
required = ["env"]

[targets.python]
out = "target/python"
[targets.python.ffi]
"rich" = { version = ">=13", extras = ["jupyter"] }
[targets.python.metadata]
requires-python = ">=3.10"
classifiers = ["Typing :: Typed"]
urls = { Documentation = "https://example.org/acme/greet/docs" }
`;
  const built = builtFromManifest(manifest, "pypi", "python", [{
    path: "acme_greet/__init__.py",
    bytes: enc.encode("X = 1\n"),
    executable: false,
  }], ["env"]);
  const [wheel, sdist] = await packPypi(built);
  assert.equal(wheel!.fileName, "acme_greet-2.0.0b3-py3-none-any.whl");
  assert.equal(sdist!.fileName, "acme_greet-2.0.0b3.tar.gz");
  const files = unzipSync(wheel!.bytes);
  const meta = dec.decode(files["acme_greet-2.0.0b3.dist-info/METADATA"]);
  for (
    const line of [
      "Name: acme-greet",
      "Version: 2.0.0b3",
      "Requires-Python: >=3.10",
      "Classifier: Typing :: Typed",
      "Project-URL: Documentation, https://example.org/acme/greet/docs",
      "Requires-Dist: rich[jupyter]>=13",
      "License-Expression: Apache-2.0",
    ]
  ) assert.ok(meta.split("\n").includes(line), `${line}\n---\n${meta}`);
  const caps = JSON.parse(dec.decode(files["acme_greet-2.0.0b3.dist-info/mochi_caps.json"]));
  assert.deepEqual(caps.capabilities, ["env"]);
});
