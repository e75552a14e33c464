/**
 * The storage interface over both backends: a directory and a real S3-compatible server (moto
 * on loopback, `tests/s3_server.ts`), the same assertions for each: whole reads with a cap,
 * compare-and-swap writes (create-only, replace-the-version-read), listing with dot entries left
 * out, and concurrent read-modify-write loops that lose no increment.
 */
import assert from "node:assert/strict";
import { openStorage } from "./storage.ts";
import type { RegistryStorage } from "./storage_types.ts";
import { s3ServerMissing, startS3Server } from "../../../tests/s3_server.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

async function contract(s: RegistryStorage, writers: number): Promise<void> {
  assert.equal(await s.get("a/missing", 10), undefined);
  assert.equal(await s.head("a/missing"), undefined);
  const e1 = await s.put("a/b/c", enc.encode("one"));
  assert.ok(e1);
  const got = await s.get("a/b/c", 100);
  assert.equal(dec.decode(got!.bytes), "one");
  assert.equal(got!.etag, e1);
  assert.equal((await s.head("a/b/c"))!.sizeBytes, 3);
  await assert.rejects(() => s.get("a/b/c", 2), { code: "REGISTRY_E003" });
  // create-only
  assert.equal(
    await s.put("a/b/c", enc.encode("x"), { condition: { ifNoneMatch: "*" } }),
    undefined,
  );
  assert.ok(await s.put("a/new", enc.encode("n"), { condition: { ifNoneMatch: "*" } }));
  // replace-the-version-read
  assert.equal(
    await s.put("a/b/c", enc.encode("x"), { condition: { ifMatch: '"nope"' } }),
    undefined,
  );
  const e2 = await s.put("a/b/c", enc.encode("two"), { condition: { ifMatch: e1! } });
  assert.ok(e2 && e2 !== e1);
  assert.equal(
    await s.put("a/b/c", enc.encode("three"), { condition: { ifMatch: e1! } }),
    undefined,
  );
  assert.equal(dec.decode((await s.get("a/b/c", 100))!.bytes), "two");
  // listing
  await s.put(".hidden/k", enc.encode("h"));
  await s.put("a/.tmpfile", enc.encode("t"));
  const all = (await Array.fromAsync(s.list(""))).map((o) => o.key).sort();
  assert.deepEqual(all, ["a/b/c", "a/new"]);
  assert.deepEqual((await Array.fromAsync(s.list("a/b"))).map((o) => o.key), ["a/b/c"]);
  assert.deepEqual((await Array.fromAsync(s.list(".hidden/"))).map((o) => o.key), [".hidden/k"]);
  const listed = (await Array.fromAsync(s.list("a/b/")))[0]!;
  assert.equal(listed.etag, e2);
  assert.equal(listed.sizeBytes, 3);
  // streaming
  const opened = await s.open("a/b/c");
  assert.equal(dec.decode(await new Response(opened!.body).bytes()), "two");
  await s.delete("a/new");
  await s.delete("a/new");
  assert.equal(await s.head("a/new"), undefined);
  await assert.rejects(() => s.get("../x", 1), { code: "REGISTRY_E002" });

  // Concurrent read-modify-write loops of 3 increments each: none lost.
  await s.put("counter", enc.encode("0"));
  await Promise.all(Array.from({ length: writers }, async () => {
    for (let k = 0; k < 3; k++) {
      for (;;) {
        const cur = (await s.get("counter", 100))!;
        const next = String(Number(dec.decode(cur.bytes)) + 1);
        if (await s.put("counter", enc.encode(next), { condition: { ifMatch: cur.etag } })) break;
      }
    }
  }));
  assert.equal(dec.decode((await s.get("counter", 100))!.bytes), String(writers * 3));
}

Deno.test("directory storage: reads, compare-and-swap writes, listing, no lost update", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const s = await openStorage(dir);
    assert.equal(s.kind, "directory");
    await contract(s, 40);
    assert.equal(await s.directUrl("a/b/c", 60), undefined);
    // file:// URLs name the same directory
    const viaUrl = await openStorage(new URL(`file://${dir}/`).href);
    assert.equal(dec.decode((await viaUrl.get("a/b/c", 10))!.bytes), "two");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openStorage refuses other URL schemes and s3 URLs without settings", async () => {
  await assert.rejects(() => openStorage("http://127.0.0.1:1/x"), { code: "REGISTRY_E002" });
  await assert.rejects(() => openStorage("s3://Bad_Bucket/x", { env: {} }), {
    code: "REGISTRY_E002",
  });
  await assert.rejects(() => openStorage("s3://bucket/x", { env: {} }), {
    code: "REGISTRY_E002",
    message: /no S3 endpoint/,
  });
  await assert.rejects(
    () => openStorage("s3://bucket/x", { env: { AWS_ENDPOINT_URL: "http://127.0.0.1:9" } }),
    { code: "REGISTRY_E002", message: /no S3 credentials/ },
  );
});

Deno.test({
  name: "S3 storage on a real S3-compatible server (moto): the same contract, presigned GETs",
  ignore: s3ServerMissing() !== undefined,
  async fn() {
    await using server = await startS3Server();
    await server.createBucket("reg");
    const s = await openStorage("s3://reg/some/prefix", { env: server.env });
    assert.equal(s.kind, "s3");
    await contract(s, 12);
    // The prefix is honoured: a second storage at the bucket root sees the keys under it.
    const rootView = await openStorage("s3://reg", { env: server.env });
    assert.ok((await rootView.head("some/prefix/a/b/c")) !== undefined);
    // A presigned URL downloads without credentials.
    const url = await s.directUrl("a/b/c", 60);
    const res = await fetch(url!);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "two");
    // Credentials from the shared credentials file
    const home = await Deno.makeTempDir();
    try {
      await Deno.mkdir(`${home}/.aws`);
      await Deno.writeTextFile(
        `${home}/.aws/credentials`,
        `[default]\naws_access_key_id = ${server.env.AWS_ACCESS_KEY_ID}\n` +
          `aws_secret_access_key = ${server.env.AWS_SECRET_ACCESS_KEY}\n`,
      );
      const viaFile = await openStorage("s3://reg/some/prefix", {
        env: { HOME: home, AWS_ENDPOINT_URL: server.endpoint },
      });
      assert.equal(dec.decode((await viaFile.get("a/b/c", 10))!.bytes), "two");
    } finally {
      await Deno.remove(home, { recursive: true });
    }
  },
});

if (s3ServerMissing() !== undefined) console.warn(`S3 tests skipped: ${s3ServerMissing()}`);
