import assert from "node:assert/strict";
import { zstdDecompressSync } from "node:zlib";
import fc from "fast-check";
import { MochiError } from "../errors.ts";
import {
  archiveLimits,
  readArchiveAll,
  sourceDateEpoch,
  validateEntryPath,
  writeArchive,
} from "./archive.ts";
import {
  buildTar,
  buildTarZst,
  ESCAPE_TABLE,
  gnuLongName,
  HOSTILE_ARCHIVES,
  pax,
  zstd,
} from "./tar_builder_testing.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const streamOf = (b: Uint8Array) => ReadableStream.from([b]);
const isCode = (code: string, re?: RegExp) => (e: unknown) =>
  e instanceof MochiError && e.code === code && (re === undefined || re.test(e.message));

const SAMPLE = [
  { path: "src/lib.mochi", bytes: enc.encode("fun main() {}\n") },
  { path: "bin/run", bytes: enc.encode("#!/bin/sh\n"), executable: true },
  { path: "mochi.toml", bytes: enc.encode('[package]\nname = "x"\n') },
  { path: "docs/deep/" + "d".repeat(120) + "/notes.md", bytes: enc.encode("long path") },
  { path: "données/été.txt", bytes: enc.encode("utf-8 name") },
  { path: "empty.txt", bytes: new Uint8Array() },
];

Deno.test("writeArchive → readArchive round trip keeps files, modes and implied dirs", async () => {
  const archive = await writeArchive(SAMPLE);
  const entries = await readArchiveAll(streamOf(archive));
  const files = entries.filter((e) => e.type === "file");
  assert.equal(files.length, SAMPLE.length);
  for (const s of SAMPLE) {
    const got = files.find((f) => f.path === s.path);
    assert.ok(got, `missing ${s.path}`);
    assert.deepEqual(got.bytes, s.bytes);
    assert.equal(got.executable, s.executable === true);
  }
  const dirs = entries.filter((e) => e.type === "directory").map((e) => e.path);
  assert.deepEqual(
    dirs.sort(),
    [
      "bin",
      "docs",
      "docs/deep",
      "docs/deep/" + "d".repeat(120),
      "données",
      "src",
    ].sort(),
  );
  // Every directory comes before anything inside it; order is by UTF-8 bytes.
  const order = entries.map((e) => e.path);
  const bytesOrder = [...order].sort((a, b) => Buffer.compare(enc.encode(a), enc.encode(b)));
  assert.deepEqual(order, bytesOrder);
});

Deno.test("writeArchive is deterministic whatever the input order", async () => {
  const a = await writeArchive(SAMPLE, { mtimeSeconds: 1_700_000_000 });
  const b = await writeArchive([...SAMPLE].reverse(), { mtimeSeconds: 1_700_000_000 });
  assert.deepEqual(a, b);
  const c = await writeArchive(SAMPLE, { mtimeSeconds: 0 });
  assert.notDeepEqual(a, c, "mtime is part of the bytes");
});

Deno.test("property: any set of safe paths round-trips and is order-independent", async () => {
  const seg = fc.stringMatching(/^[a-z0-9_-]{1,8}$/).filter((s) => s !== "." && s !== "..");
  const arb = fc.uniqueArray(
    fc.record({
      path: fc.array(seg, { minLength: 1, maxLength: 4 }).map((s) => s.join("/")),
      bytes: fc.uint8Array({ maxLength: 64 }),
      executable: fc.boolean(),
    }),
    { selector: (e) => e.path, maxLength: 12 },
  ).filter((es) => {
    // Drop sets where one path is a prefix directory of another file (a file used as a dir).
    const paths = new Set(es.map((e) => e.path));
    return es.every((e) => ![...paths].some((p) => p.startsWith(e.path + "/")));
  });
  await fc.assert(
    fc.asyncProperty(arb, async (entries) => {
      const a = await writeArchive(entries);
      const b = await writeArchive([...entries].reverse());
      assert.deepEqual(a, b);
      const back = (await readArchiveAll(streamOf(a))).filter((e) => e.type === "file");
      assert.equal(back.length, entries.length);
      for (const e of entries) {
        const got = back.find((x) => x.path === e.path)!;
        assert.deepEqual(got.bytes, e.bytes);
        assert.equal(got.executable, e.executable);
      }
    }),
    { numRuns: 25 },
  );
});

Deno.test("the written tar is USTAR with uid/gid 0, fixed modes and the given mtime", async () => {
  const archive = await writeArchive([{ path: "a/b.txt", bytes: enc.encode("hi") }], {
    mtimeSeconds: 1234,
  });
  const tar = zstdDecompressSync(archive);
  const field = (off: number, len: number, block: number) =>
    dec.decode(tar.subarray(block * 512 + off, block * 512 + off + len)).replace(/\0.*$/s, "");
  // Block 0: directory "a/", block 1: file header "a/b.txt", block 2: body.
  assert.equal(field(0, 100, 0), "a/");
  assert.equal(field(156, 1, 0), "5");
  assert.equal(parseInt(field(100, 8, 0), 8), 0o755);
  assert.equal(field(0, 100, 1), "a/b.txt");
  assert.equal(parseInt(field(100, 8, 1), 8), 0o644);
  assert.equal(parseInt(field(108, 8, 1), 8), 0);
  assert.equal(parseInt(field(116, 8, 1), 8), 0);
  assert.equal(parseInt(field(136, 12, 1), 8), 1234);
  assert.equal(field(257, 6, 1), "ustar");
  assert.equal(field(265, 32, 1), "");
});

Deno.test("writeArchive rejects paths the reader would reject", async () => {
  for (const path of ["../x", "/abs", "a\\b", "C:x", "a//b", "./a"]) {
    await assert.rejects(writeArchive([{ path, bytes: new Uint8Array() }]), isCode("BLOB_E003"));
  }
  await assert.rejects(
    writeArchive([{ path: "A", bytes: new Uint8Array() }, { path: "a", bytes: new Uint8Array() }]),
    isCode("BLOB_E003", /collides/),
  );
});

for (const [name, raw] of Object.entries({ ...HOSTILE_ARCHIVES, ...ESCAPE_TABLE })) {
  Deno.test(`hostile archive rejected with BLOB_E003: ${name}`, async () => {
    const err = await readArchiveAll(streamOf(buildTarZst(raw))).then(
      () => undefined,
      (e) => e,
    );
    assert.ok(err instanceof MochiError, `expected a MochiError, got ${err}`);
    assert.equal(err.code, "BLOB_E003", err.message);
    assert.match(err.message, /archive entry "/, "the message names the entry");
  });
}

Deno.test("a benign hand-built archive with PAX and GNU long names is accepted", async () => {
  const long = "p/" + "q".repeat(150) + ".txt";
  const raw = buildTarZst([
    { name: "p/", type: "5", mode: 0o755 },
    gnuLongName(long),
    { name: "short", body: "content" },
    pax({ path: "p/ünï-" + "r".repeat(120) }),
    { name: "placeholder", body: "pax" },
  ]);
  const entries = await readArchiveAll(streamOf(raw));
  assert.deepEqual(entries.map((e) => [e.type, e.path]), [
    ["directory", "p"],
    ["file", long],
    ["file", "p/ünï-" + "r".repeat(120)],
  ]);
  assert.equal(dec.decode(entries[1]!.bytes), "content");
  assert.equal(dec.decode(entries[2]!.bytes), "pax");
});

Deno.test("validateEntryPath strips a directory's trailing slash only", () => {
  assert.equal(validateEntryPath("a/b/", "directory"), "a/b");
  assert.throws(() => validateEntryPath("a/b/", "file"), isCode("BLOB_E003", /empty path segment/));
  assert.throws(() => validateEntryPath("a\0b", "file"), isCode("BLOB_E003", /NUL/));
  assert.throws(
    () => validateEntryPath("x/".repeat(2100), "directory"),
    isCode("BLOB_E003", /longer than 4096/),
  );
});

Deno.test("limits: entry count, entry size and total size give BLOB_E004", async () => {
  const archive = await writeArchive([
    { path: "a.txt", bytes: new Uint8Array(600) },
    { path: "b.txt", bytes: new Uint8Array(600) },
    { path: "c.txt", bytes: new Uint8Array(10) },
  ]);
  assert.equal((await readArchiveAll(streamOf(archive), { maxUnpackedBytes: 1210 })).length, 3);
  await assert.rejects(
    readArchiveAll(streamOf(archive), { maxEntries: 2 }),
    isCode("BLOB_E004", /more than 2 entries/),
  );
  await assert.rejects(
    readArchiveAll(streamOf(archive), { maxEntryBytes: 500 }),
    isCode("BLOB_E004", /"a.txt" is 600 bytes/),
  );
  await assert.rejects(
    readArchiveAll(streamOf(archive), { maxUnpackedBytes: 1000 }),
    isCode("BLOB_E004", /more than 1000 bytes/),
  );
});

Deno.test("a header declaring a huge body is refused before reading it", async () => {
  const raw = buildTar([{ name: "big", size: 8 * 1024 ** 3, body: "tiny" }]);
  await assert.rejects(
    readArchiveAll(streamOf(zstd(raw)), { maxUnpackedBytes: 1 << 20 }),
    isCode("BLOB_E004"),
  );
});

Deno.test("a base-256 size field declaring 1 TiB is refused before any body is read", async () => {
  const raw = buildTar([{ name: "huge", size: 1024 ** 4, body: "tiny" }]);
  assert.equal(raw[124]! & 0x80, 0x80, "GNU base-256 size field");
  await assert.rejects(readArchiveAll(streamOf(zstd(raw))), isCode("BLOB_E004", /"huge"/));
});

Deno.test("a decompression bomb stops at the unpack cap", async () => {
  const bomb = await writeArchive([{ path: "zeros", bytes: new Uint8Array(4 * 1024 * 1024) }]);
  assert.ok(bomb.length < 4096, "4 MiB of zeros compresses to almost nothing");
  await assert.rejects(
    readArchiveAll(streamOf(bomb), { maxUnpackedBytes: 64 * 1024, maxEntries: 4 }),
    isCode("BLOB_E004"),
  );
});

Deno.test("default limits follow cargo: max(512 MiB, 20 × compressed)", () => {
  assert.equal(archiveLimits({ compressedSizeBytes: 1000 }).maxUnpackedBytes, 512 * 1024 * 1024);
  assert.equal(
    archiveLimits({ compressedSizeBytes: 100 * 1024 * 1024 }).maxUnpackedBytes,
    2000 * 1024 * 1024,
  );
});

Deno.test("corrupt zstd or tar gives BLOB_E005", async () => {
  const good = await writeArchive(SAMPLE);
  const flipped = Uint8Array.from(good);
  flipped[Math.floor(flipped.length / 2)]! ^= 0xff;
  const cases: Record<string, Uint8Array> = {
    "not zstd": enc.encode("hello, this is plain text, not an archive"),
    "flipped byte": flipped,
    "truncated": good.subarray(0, good.length - 20),
    "zstd of garbage": zstd(enc.encode("x".repeat(2048))),
    "tar cut short": zstd(buildTar([{ name: "f", body: "y".repeat(2000) }]).subarray(0, 1536)),
    "bad checksum": zstd(
      (() => {
        const t = buildTar([{ name: "f", body: "z" }]);
        t[0]! ^= 1;
        return t;
      })(),
    ),
  };
  for (const [name, bytes] of Object.entries(cases)) {
    await assert.rejects(readArchiveAll(streamOf(bytes)), isCode("BLOB_E005"), name);
  }
});

Deno.test("sourceDateEpoch parses the variable and rejects junk", () => {
  assert.equal(sourceDateEpoch(undefined), 0);
  assert.equal(sourceDateEpoch(""), 0);
  assert.equal(sourceDateEpoch("1700000000"), 1_700_000_000);
  assert.throws(() => sourceDateEpoch("-1"), isCode("CLI_E001"));
  assert.throws(() => sourceDateEpoch("yesterday"), isCode("CLI_E001"));
});
