/**
 * writeRegistrySnapshot over shared storage: concurrent re-signs after concurrent index
 * changes lose none of them (compare-and-swap on snapshot.json), and a file rewritten in place
 * with the same inode, mtime and size is hashed again (the digest cache's racily-clean rule).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { parseSnapshot } from "../../index/mod.ts";
import { generateSnapshotKey, writeRegistrySnapshot } from "./registry_snapshot.ts";
import { openStorage } from "./storage.ts";

const sha = (t: string) => createHash("sha256").update(t).digest("hex");

Deno.test("concurrent re-signs over one directory keep every index change", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const storage = await openStorage(dir);
    const enc = new TextEncoder();
    await storage.put("config.json", enc.encode('{"dl":"blobs/","api":null}'));
    const { privateKeyFile } = await generateSnapshotKey();
    await writeRegistrySnapshot(storage, { privateKeyFile });
    // Ten writers, each with its own storage handle (as separate servers would have).
    await Promise.all(Array.from({ length: 10 }, async (_, i) => {
      const own = await openStorage(dir);
      await own.put(`pk/g${i}/-/pkg${i}`, enc.encode(`{"v":"1.0.${i}"}\n`));
      await writeRegistrySnapshot(own, { privateKeyFile });
    }));
    const snap = parseSnapshot(await Deno.readTextFile(`${dir}/snapshot.json`), "snapshot.json");
    assert.equal(snap.signed.version, 11);
    assert.equal(Object.keys(snap.signed.files).length, 10);
    for (let i = 0; i < 10; i++) {
      assert.equal(snap.signed.files[`pk/g${i}/-/pkg${i}`]!.sha256, sha(`{"v":"1.0.${i}"}\n`));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a file rewritten in place with the same mtime and size is hashed again", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/config.json`, '{"dl":"blobs/","api":null}');
    await Deno.mkdir(`${dir}/ab/cd/-`, { recursive: true });
    const file = `${dir}/ab/cd/-/abcd`;
    await Deno.writeTextFile(file, "aaaa\n");
    const { mtime } = await Deno.stat(file);
    const { privateKeyFile } = await generateSnapshotKey();
    await writeRegistrySnapshot(dir, { privateKeyFile });
    await Deno.writeTextFile(file, "bbbb\n"); // same inode and size
    await Deno.utime(file, new Date(), mtime!); // and the same mtime: the same etag
    await writeRegistrySnapshot(dir, { privateKeyFile });
    const snap = parseSnapshot(await Deno.readTextFile(`${dir}/snapshot.json`), "snapshot.json");
    assert.equal(snap.signed.files["ab/cd/-/abcd"]!.sha256, sha("bbbb\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
