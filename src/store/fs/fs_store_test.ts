import assert from "node:assert/strict";
import { join } from "node:path";
import { MochiError } from "../../errors.ts";
import { writeArchive } from "../archive.ts";
import { digestBytes } from "../digest.ts";
import { buildTarZst, HOSTILE_ARCHIVES } from "../tar_builder_testing.ts";
import {
  type FsStore,
  readFileChunks,
  resolveMochiHome,
  storeRootOf,
  TOUCH_INTERVAL_MS,
} from "./fs_store.ts";
import { withStoreSession } from "./session.ts";
import { guardedTest } from "../../../tests/stray.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const isCode = (code: string, re?: RegExp) => (e: unknown) =>
  e instanceof MochiError && e.code === code && (re === undefined || re.test(e.message));

/** Every file and dir under `dir`, relative, sorted ("" when missing). */
async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string, rel: string) {
    let entries: Deno.DirEntry[] = [];
    try {
      for await (const e of Deno.readDir(d)) entries.push(e);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return;
      throw e;
    }
    entries = entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      out.push(e.isDirectory ? r + "/" : r);
      if (e.isDirectory) await walk(join(d, e.name), r);
    }
  }
  await walk(dir, "");
  return out;
}

async function withStore(fn: (store: FsStore, dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await withStoreSession(dir, "shared", {}, (session) => fn(session.store, dir));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Everything in the store except empty bookkeeping dirs. */
async function storeFiles(store: FsStore): Promise<string[]> {
  return (await tree(store.root)).filter((p) =>
    !p.endsWith("/") && p !== ".lock" && !p.startsWith("locks/") && !p.startsWith("tmp/s-") &&
    !p.startsWith("trees/")
  );
}

const SAMPLE = [
  { path: "mochi.toml", bytes: enc.encode('[package]\nname = "demo"\n') },
  { path: "src/lib.mochi", bytes: enc.encode("fun add(a: int, b: int): int { return a + b }\n") },
  { path: "bin/tool", bytes: enc.encode("#!/bin/sh\necho hi\n"), executable: true },
];

guardedTest(
  "putBytes stores a verified blob under blobs/aa/bb/<hex> and extract unpacks it",
  async () => {
    await withStore(async (store) => {
      const archive = await writeArchive(SAMPLE);
      const d = await digestBytes(archive);
      assert.equal(await store.hasBlob(d.blake3), false);
      const put = await store.putBytes(archive, d, "demo 1.0.0");
      assert.equal(put.written, true);
      assert.equal(put.sizeBytes, archive.length);
      assert.equal(
        put.path,
        join(store.root, "blobs", d.blake3.slice(0, 2), d.blake3.slice(2, 4), d.blake3),
      );
      assert.deepEqual(await Deno.readFile(put.path), archive);
      assert.equal(await store.hasBlob(d.blake3), true);
      assert.deepEqual(await tree(store.workDir), [], "no temp file left");

      const dir = await store.extract(d.blake3);
      assert.equal(dir, join(store.root, "extracted", d.blake3));
      assert.deepEqual(await tree(dir), [
        "bin/",
        "bin/tool",
        "mochi.toml",
        "src/",
        "src/lib.mochi",
      ]);
      assert.equal(
        dec.decode(await Deno.readFile(join(dir, "src/lib.mochi"))),
        dec.decode(SAMPLE[1]!.bytes),
      );
      if (Deno.build.os !== "windows") {
        assert.equal((await Deno.stat(join(dir, "bin/tool"))).mode! & 0o7777, 0o755);
        assert.equal((await Deno.stat(join(dir, "mochi.toml"))).mode! & 0o7777, 0o644);
        assert.equal((await Deno.stat(dir)).mode! & 0o7777, 0o755);
      }
      // Idempotent: a second call returns the same, unchanged tree without re-extracting it.
      const ino = (await Deno.stat(join(dir, "mochi.toml"))).ino;
      assert.equal(await store.extract(d.blake3), dir);
      assert.equal((await Deno.stat(join(dir, "mochi.toml"))).ino, ino);
      // A tree changed since it was extracted (a file added) is extracted again.
      await Deno.writeFile(join(dir, "marker"), enc.encode("planted"));
      assert.equal(await store.extract(d.blake3), dir);
      await assert.rejects(Deno.stat(join(dir, "marker")), Deno.errors.NotFound);
      assert.deepEqual(await tree(store.workDir), []);
    });
  },
);

guardedTest("putBlob of a blob already stored cancels the stream and writes nothing", async () => {
  await withStore(async (store) => {
    const archive = await writeArchive(SAMPLE);
    const d = await digestBytes(archive);
    await store.putBytes(archive, d, "demo 1.0.0");
    let cancelled = false;
    const s = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(new Uint8Array(10));
      },
      cancel() {
        cancelled = true;
      },
    });
    const again = await store.putBlob(s, d, "demo 1.0.0");
    assert.equal(again.written, false);
    assert.equal(cancelled, true);
  });
});

guardedTest(
  "a flipped byte gives BLOB_E001 naming the label and both digests; nothing stored",
  async () => {
    await withStore(async (store) => {
      const archive = await writeArchive(SAMPLE);
      const d = await digestBytes(archive);
      const bad = Uint8Array.from(archive);
      bad[bad.length >> 1]! ^= 0x01;
      const actual = await digestBytes(bad);
      const err = await store.putBytes(bad, d, "serde 1.0.1").then(() => undefined, (e) => e);
      assert.ok(err instanceof MochiError);
      assert.equal(err.code, "BLOB_E001");
      for (const s of ["serde 1.0.1", d.blake3, actual.blake3, d.sha256, actual.sha256]) {
        assert.ok(err.message.includes(s), `message names ${s}: ${err.message}`);
      }
      assert.deepEqual(await storeFiles(store), []);
      assert.equal(await store.hasBlob(d.blake3), false);
    });
  },
);

guardedTest(
  "only the SHA-256 differing is still BLOB_E001 (both digests are checked)",
  async () => {
    await withStore(async (store) => {
      const archive = await writeArchive(SAMPLE);
      const d = await digestBytes(archive);
      const wrongSha = { blake3: d.blake3, sha256: "0".repeat(64) };
      await assert.rejects(
        store.putBytes(archive, wrongSha, "x 1.0.0"),
        (e: unknown) =>
          isCode("BLOB_E001", /sha256 expected 0{64}, got/)(e) &&
          !(e as Error).message.includes("blake3 expected"),
      );
      const wrongB3 = { blake3: "f".repeat(64), sha256: d.sha256 };
      await assert.rejects(
        store.putBytes(archive, wrongB3, "x 1.0.0"),
        (e: unknown) =>
          isCode("BLOB_E001", /blake3 expected f{64}, got/)(e) &&
          !(e as Error).message.includes("sha256 expected"),
      );
      assert.deepEqual(await storeFiles(store), []);
    });
  },
);

guardedTest("a stream that fails midway gives BLOB_E002 and leaves no .part file", async () => {
  await withStore(async (store) => {
    const archive = await writeArchive(SAMPLE);
    const d = await digestBytes(archive);
    let pulls = 0;
    const s = new ReadableStream<Uint8Array>({
      pull(c) {
        if (pulls++ === 0) c.enqueue(archive.subarray(0, 50));
        else c.error(new Error("connection reset"));
      },
    });
    await assert.rejects(
      store.putBlob(s, d, "demo 1.0.0"),
      isCode("BLOB_E002", /demo 1\.0\.0.*after 50 bytes.*connection reset/),
    );
    assert.deepEqual(await storeFiles(store), []);
  });
});

guardedTest("a stream that ends early gives BLOB_E002 when the size is known", async () => {
  await withStore(async (store) => {
    const archive = await writeArchive(SAMPLE);
    const d = await digestBytes(archive);
    await assert.rejects(
      store.putBytes(archive.subarray(0, 40), { ...d, sizeBytes: archive.length }, "demo 1.0.0"),
      isCode("BLOB_E002", new RegExp(`got 40 of ${archive.length} bytes`)),
    );
    // Without a size the short stream is caught by the digests.
    const noSize = { blake3: d.blake3, sha256: d.sha256 };
    await assert.rejects(
      store.putBytes(archive.subarray(0, 40), noSize, "demo"),
      isCode("BLOB_E001"),
    );
    // An endless stream stops at the declared size.
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++;
        c.enqueue(new Uint8Array(1024));
      },
    });
    await assert.rejects(
      store.putBlob(endless, { ...d, sizeBytes: 4096 }, "demo"),
      isCode("BLOB_E001", /longer than the expected 4096/),
    );
    assert.ok(pulled < 10);
    assert.deepEqual(await storeFiles(store), []);
  });
});

guardedTest("malformed digests are refused with BLOB_E008 before touching the disk", async () => {
  await withStore(async (store) => {
    assert.throws(() => store.blobPath("../../etc/passwd"), isCode("BLOB_E008"));
    assert.throws(() => store.blobPath("A".repeat(64)), isCode("BLOB_E008"));
    await assert.rejects(
      store.putBytes(new Uint8Array(1), { blake3: "a".repeat(64), sha256: "xyz" }, "x"),
      isCode("BLOB_E008"),
    );
    await assert.rejects(store.extract("../x"), isCode("BLOB_E008"));
    assert.deepEqual(await storeFiles(store), []);
  });
});

for (const [name, raw] of Object.entries(HOSTILE_ARCHIVES)) {
  guardedTest(`extract rejects a hostile archive (${name}) and leaves nothing behind`, async () => {
    await withStore(async (store, dir) => {
      const sentinel = join(dir, "sentinel");
      await Deno.mkdir(sentinel);
      await Deno.writeFile(join(sentinel, "keep"), enc.encode("untouched"));
      const archive = buildTarZst(raw);
      const d = await digestBytes(archive);
      await store.putBytes(archive, d, "evil 6.6.6");
      await assert.rejects(store.extract(d.blake3), isCode("BLOB_E003", /archive entry "/));
      assert.deepEqual(await tree(join(store.root, "extracted")), []);
      assert.deepEqual(await tree(store.workDir), []);
      assert.deepEqual(await tree(sentinel), ["keep"]);
      const outside = (await tree(dir)).filter((p) => !p.startsWith("store/"));
      assert.deepEqual(outside, ["sentinel/", "sentinel/keep"]);
    });
  });
}

guardedTest("extract enforces injected limits with BLOB_E004 and cleans up", async () => {
  await withStore(async (store) => {
    const archive = await writeArchive(SAMPLE);
    const d = await digestBytes(archive);
    await store.putBytes(archive, d, "demo 1.0.0");
    await assert.rejects(store.extract(d.blake3, { maxEntries: 2 }), isCode("BLOB_E004"));
    await assert.rejects(store.extract(d.blake3, { maxEntryBytes: 10 }), isCode("BLOB_E004"));
    await assert.rejects(store.extract(d.blake3, { maxUnpackedBytes: 50 }), isCode("BLOB_E004"));
    assert.deepEqual(await tree(join(store.root, "extracted")), []);
    assert.deepEqual(await tree(store.workDir), []);
    // The same blob extracts fine with the default limits.
    assert.ok(await store.extract(d.blake3));
  });
});

guardedTest("extract of a missing blob is BLOB_E007", async () => {
  await withStore(async (store) => {
    await assert.rejects(store.extract("a".repeat(64)), isCode("BLOB_E007"));
  });
});

guardedTest(
  "verify finds a corrupted blob; extract refuses and removes it; removeCorrupt tolerates that",
  async () => {
    await withStore(async (store) => {
      const good = await writeArchive(SAMPLE);
      const other = await writeArchive([{ path: "x.txt", bytes: enc.encode("other") }]);
      const dg = await digestBytes(good);
      const dO = await digestBytes(other);
      await store.putBytes(good, dg, "good 1.0.0");
      const { path } = await store.putBytes(other, dO, "other 1.0.0");
      assert.deepEqual(await store.verify(), {
        checked: 2,
        corrupt: [],
        aliasesChecked: 0,
        badAliases: [],
        planted: [],
        treesChecked: 0,
        corruptTrees: [],
      });

      // Corrupt "other" in place, as bit rot or a bad tool would.
      const bytes = await Deno.readFile(path);
      bytes[bytes.length - 1]! ^= 0xff;
      await Deno.writeFile(path, bytes);
      const actual = await digestBytes(bytes);
      const report = await store.verify();
      assert.equal(report.checked, 2);
      assert.deepEqual(report.corrupt, [{ b3: dO.blake3, path, actualBlake3: actual.blake3 }]);

      // A corrupt blob is never trusted because of its path.
      await assert.rejects(store.extract(dO.blake3), isCode("BLOB_E006", /no longer matches/));
      assert.deepEqual(await tree(store.workDir), []);
      assert.equal(await store.hasBlob(dO.blake3), false, "extract removed the corrupt blob");

      assert.equal(await store.removeCorrupt(report.corrupt), 0, "already gone");
      assert.equal(await store.hasBlob(dg.blake3), true);
      assert.deepEqual(await store.verify(), {
        checked: 1,
        corrupt: [],
        aliasesChecked: 0,
        badAliases: [],
        planted: [],
        treesChecked: 0,
        corruptTrees: [],
      });
    });
  },
);

guardedTest(
  "extract re-hashes the blob: a swapped blob with a valid archive is BLOB_E006",
  async () => {
    await withStore(async (store) => {
      const a = await writeArchive([{ path: "a.txt", bytes: enc.encode("a") }]);
      const b = await writeArchive([{ path: "b.txt", bytes: enc.encode("b") }]);
      const da = await digestBytes(a);
      const { path } = await store.putBytes(a, da, "a 1.0.0");
      await Deno.writeFile(path, b); // a valid archive, but not the one this address names
      await assert.rejects(store.extract(da.blake3), isCode("BLOB_E006"));
      assert.deepEqual(await tree(join(store.root, "extracted")), []);
      assert.deepEqual(await tree(store.workDir), []);
    });
  },
);

guardedTest("two racing extractions both succeed with one complete tree", async () => {
  await withStore(async (store) => {
    const files = Array.from({ length: 40 }, (_, i) => ({
      path: `dir${i % 5}/file${i}.txt`,
      bytes: enc.encode(`content ${i}\n`.repeat(50)),
    }));
    const archive = await writeArchive(files);
    const d = await digestBytes(archive);
    await store.putBytes(archive, d, "race 1.0.0");
    // a second "process" sharing the root
    const [x, y, z] = await withStoreSession(
      join(store.root, ".."),
      "shared",
      {},
      (other) =>
        Promise.all([
          store.extract(d.blake3),
          other.store.extract(d.blake3),
          store.extract(d.blake3),
        ]),
    );
    assert.equal(x, y);
    assert.equal(y, z);
    const t = (await tree(x)).filter((p) => !p.endsWith("/"));
    assert.equal(t.length, 40);
    assert.deepEqual(await tree(store.workDir), []);
  });
});

guardedTest("two racing putBlob calls store one valid blob", async () => {
  await withStore(async (store) => {
    const archive = await writeArchive(SAMPLE);
    const d = await digestBytes(archive);
    const chunks = (n: number) => {
      const parts: Uint8Array[] = [];
      for (let i = 0; i < archive.length; i += n) parts.push(archive.subarray(i, i + n));
      return ReadableStream.from(parts);
    };
    await withStoreSession(join(store.root, ".."), "shared", {}, (other) =>
      Promise.all([
        store.putBlob(chunks(7), d, "demo"),
        other.store.putBlob(chunks(13), d, "demo"),
      ]));
    assert.deepEqual(await store.verify(), {
      checked: 1,
      corrupt: [],
      aliasesChecked: 0,
      badAliases: [],
      planted: [],
      treesChecked: 0,
      corruptTrees: [],
    });
    assert.deepEqual(await tree(store.workDir), []);
  });
});

guardedTest("pruneTemp removes only old leftovers, and only under the exclusive lock", async () => {
  const home = await Deno.makeTempDir();
  try {
    const tmp = join(home, "store", "tmp");
    await Deno.mkdir(join(tmp, "x-old"), { recursive: true });
    await Deno.writeFile(join(tmp, "old.part"), enc.encode("x"));
    await Deno.writeFile(join(tmp, "new.part"), enc.encode("x"));
    const past = new Date(Date.now() - 48 * 3600 * 1000);
    await Deno.utime(join(tmp, "x-old"), past, past);
    await Deno.utime(join(tmp, "old.part"), past, past);
    await withStoreSession(home, "shared", {}, async (s) => {
      await assert.rejects(s.store.pruneTemp(), isCode("INTERNAL_E001"));
    });
    await withStoreSession(home, "exclusive", {}, async (s) => {
      const own = s.sessionDir.slice(s.sessionDir.lastIndexOf("/") + 1);
      assert.equal(await s.store.pruneTemp({ keep: [own, `${own}.owner`] }), 2);
    });
    assert.deepEqual(await tree(tmp), ["new.part"]);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

guardedTest("readFileChunks yields the whole file in chunks of the given size", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bytes = new Uint8Array(2500).map((_, i) => i % 251);
    await Deno.writeFile(join(dir, "f"), bytes);
    const sizes: number[] = [];
    const parts: number[] = [];
    for await (const c of await readFileChunks(join(dir, "f"), 1000)) {
      sizes.push(c.length);
      parts.push(...c);
    }
    assert.deepEqual(sizes, [1000, 1000, 500]);
    assert.deepEqual(new Uint8Array(parts), bytes);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

guardedTest("resolveMochiHome: MOCHI_HOME, then absolute XDG_CACHE_HOME, then ~/.cache", () => {
  assert.equal(
    resolveMochiHome({ MOCHI_HOME: "/m", XDG_CACHE_HOME: "/x", HOME: "/h" }, "linux"),
    "/m",
  );
  assert.equal(resolveMochiHome({ XDG_CACHE_HOME: "/x", HOME: "/h" }, "linux"), "/x/mochi");
  assert.equal(resolveMochiHome({ XDG_CACHE_HOME: "rel", HOME: "/h" }, "linux"), "/h/.cache/mochi");
  assert.equal(resolveMochiHome({ MOCHI_HOME: "", HOME: "/h" }, "linux"), "/h/.cache/mochi");
  assert.equal(storeRootOf("/m"), "/m/store");
  const env = new Map([["HOME", "/home/u"]]);
  assert.equal(
    resolveMochiHome({ get: (k: string) => env.get(k) }, "linux"),
    "/home/u/.cache/mochi",
  );
  assert.throws(() => resolveMochiHome({}, "linux"), isCode("CLI_E001"));
});

guardedTest(
  "extract's stat stamp: a settled tree is stamped, and an edit after the stamp is still caught",
  async () => {
    await withStore(async (store) => {
      const archive = await writeArchive(SAMPLE);
      const d = await digestBytes(archive);
      await store.putBytes(archive, d, "demo 1.0.0");
      const dir = await store.extract(d.blake3);
      const record = join(store.root, "trees", d.blake3);
      // Just extracted: racily clean, so no stamp yet (one line, the tree digest).
      assert.equal((await Deno.readTextFile(record)).trim().split("\n").length, 1);
      await new Promise((r) => setTimeout(r, 3200));
      assert.equal(await store.extract(d.blake3), dir);
      const stamped = (await Deno.readTextFile(record)).trim().split("\n");
      assert.equal(stamped.length, 2);
      assert.match(stamped[1]!, /^stat-[0-9a-f]{64}$/);
      // Same size, same mtime restored: the ctime still moves, so the stamp no longer matches,
      // the files are hashed, and the tree is extracted again.
      const file = join(dir, "src/lib.mochi");
      const before = await Deno.readFile(file);
      const st = await Deno.lstat(file);
      const edited = before.map((b, i) => (i === 0 ? b ^ 1 : b));
      await Deno.writeFile(file, edited);
      await Deno.utime(file, st.atime!, st.mtime!);
      assert.equal(await store.extract(d.blake3), dir);
      assert.deepEqual(await Deno.readFile(file), before);
      // verify's full check still reads every file.
      assert.equal(await store.checkTree(d.blake3), "ok");
    });
  },
);

guardedTest(
  "directories checked once per session: a parent swapped for a link is refused by the next session, and the blob itself is checked every time",
  async () => {
    const dir = await Deno.makeTempDir();
    const outside = await Deno.makeTempDir();
    try {
      const archive = await writeArchive(SAMPLE);
      const d = await digestBytes(archive);
      const b3 = d.blake3;
      await withStoreSession(dir, "shared", {}, async ({ store }) => {
        await store.putBytes(archive, d, "demo 1.0.0");
        assert.equal(await store.checkBlob(b3), "ok");
        // Within the session the blob's own path is still checked on every use: a link planted
        // in its place is refused although its directories were checked before.
        const blob = store.blobPath(b3);
        await Deno.rename(blob, `${outside}/saved`);
        await Deno.symlink(`${outside}/saved`, blob);
        await assert.rejects(() => store.checkBlob(b3), isCode("STORE_E002", /symbolic link/));
        await Deno.remove(blob);
        await Deno.rename(`${outside}/saved`, blob);
        assert.equal(await store.checkBlob(b3), "ok");
      });
      // Between sessions a co-user swaps the bucket directory for a link to a copy of it: the
      // next session checks the directories again and refuses it, reading nothing through it.
      const root = storeRootOf(dir);
      const bucket = join(root, "blobs", b3.slice(0, 2));
      await Deno.rename(bucket, `${outside}/bucket`);
      await Deno.symlink(`${outside}/bucket`, bucket);
      await withStoreSession(dir, "shared", {}, async ({ store }) => {
        for (const check of [() => store.checkBlob(b3), () => store.hasBlob(b3)]) {
          await assert.rejects(check, isCode("STORE_E002", /symbolic link/));
        }
        await assert.rejects(() => store.touch(b3), isCode("STORE_E002", /symbolic link/));
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
      await Deno.remove(outside, { recursive: true });
    }
  },
);

guardedTest(
  "touch writes the last-use record only when it is older than TOUCH_INTERVAL_MS (or in the future)",
  async () => {
    await withStore(async (store) => {
      const archive = await writeArchive(SAMPLE);
      const d = await digestBytes(archive);
      await store.putBytes(archive, d, "demo 1.0.0");
      const path = store.blobPath(d.blake3);
      const mtime = async () => (await Deno.lstat(path)).mtime!.getTime();
      const now = Date.now();
      const recent = new Date(now - TOUCH_INTERVAL_MS / 2);
      await Deno.utime(path, recent, recent);
      await store.touch(d.blake3, now);
      assert.equal(await mtime(), recent.getTime(), "recent enough: left as it is");
      const stale = new Date(now - TOUCH_INTERVAL_MS - 1000);
      await Deno.utime(path, stale, stale);
      await store.touch(d.blake3, now);
      assert.equal(await mtime(), now, "stale: recorded again");
      await store.touch(d.blake3, now - 40 * 86_400_000);
      assert.equal(await mtime(), now - 40 * 86_400_000, "a time before the record is written");
    });
  },
);
