/**
 * Serving a registry from object storage (issue 19, "Serving"): index files and blobs out of an
 * S3 bucket (moto on loopback) with the headers a CDN needs (`Cache-Control`, `ETag`, 304 on
 * `If-None-Match`), blob downloads redirected to a presigned bucket URL (the bytes never pass
 * through the server) or to a public base URL, and dot paths never served.
 */
import assert from "node:assert/strict";
import { serveRegistry } from "../src/registry/server/registry_server.ts";
import { openStorage } from "../src/registry/server/storage.ts";
import { syncMirror } from "../src/registry/server/mirror.ts";
import {
  writeRegistrySnapshot,
  writeSnapshotKeyFile,
} from "../src/registry/server/registry_snapshot.ts";
import { writeRegistry } from "./helpers.ts";
import { s3ServerMissing, startS3Server } from "./s3_server.ts";

const enc = new TextEncoder();
const BLOB = "ab".repeat(32);

Deno.test({
  name: "registry served from an S3 bucket: CDN headers, 304, presigned blob redirects",
  ignore: s3ServerMissing() !== undefined,
  async fn() {
    await using s3 = await startS3Server();
    await s3.createBucket("serve");
    const storage = await openStorage("s3://serve/reg", { env: s3.env });
    await storage.put("config.json", enc.encode('{"dl":"blobs/","api":null}'));
    await storage.put("al/ph/-/alpha", enc.encode('{"v":"1.0.0"}\n'));
    await storage.put(`blobs/${BLOB}`, enc.encode("blob bytes"));
    await storage.put(".publishers/al/ph/-/alpha.json", enc.encode("{}"));

    const plain = serveRegistry(storage);
    const redirecting = serveRegistry(storage, { redirectBlobs: {} });
    const cdn = serveRegistry(storage, {
      redirectBlobs: { publicBaseUrl: "http://127.0.0.1:9/cdn/" },
    });
    try {
      const idx = await fetch(`${plain.url}al/ph/-/alpha`);
      assert.equal(idx.status, 200);
      assert.equal(await idx.text(), '{"v":"1.0.0"}\n');
      assert.equal(idx.headers.get("cache-control"), "public, max-age=300");
      const etag = idx.headers.get("etag")!;
      assert.match(etag, /^"[^"]+"$/);
      const again = await fetch(`${plain.url}al/ph/-/alpha`, {
        headers: { "If-None-Match": etag },
      });
      await again.body?.cancel();
      assert.equal(again.status, 304);
      const config = await fetch(`${plain.url}config.json`);
      assert.equal(config.headers.get("content-type"), "application/json");
      await config.body?.cancel();

      const blob = await fetch(`${plain.url}blobs/${BLOB}`);
      assert.equal(blob.status, 200);
      assert.equal(blob.headers.get("cache-control"), "public, max-age=31536000, immutable");
      assert.equal(blob.headers.get("etag"), `"${BLOB}"`);
      assert.equal(await blob.text(), "blob bytes");

      // Dot paths (publisher bindings) and missing files.
      const hidden = await fetch(`${plain.url}.publishers/al/ph/-/alpha.json`);
      await hidden.body?.cancel();
      assert.equal(hidden.status, 400);
      const missing = await fetch(`${plain.url}blobs/${"cd".repeat(32)}`);
      await missing.body?.cancel();
      assert.equal(missing.status, 404);

      // Redirected: 302 to a presigned URL of the bucket, which serves the bytes itself.
      const r = await fetch(`${redirecting.url}blobs/${BLOB}`, { redirect: "manual" });
      await r.body?.cancel();
      assert.equal(r.status, 302);
      const location = r.headers.get("location")!;
      assert.ok(location.startsWith(`${s3.endpoint}/serve/reg/blobs/${BLOB}?`), location);
      assert.match(location, /X-Amz-Signature=/);
      assert.equal(await (await fetch(location)).text(), "blob bytes");
      // fetch's default redirect handling gets the bytes in one call.
      assert.equal(await (await fetch(`${redirecting.url}blobs/${BLOB}`)).text(), "blob bytes");
      const gone = await fetch(`${redirecting.url}blobs/${"cd".repeat(32)}`, {
        redirect: "manual",
      });
      await gone.body?.cancel();
      assert.equal(gone.status, 404);
      // Index files are never redirected.
      const idx2 = await fetch(`${redirecting.url}al/ph/-/alpha`, { redirect: "manual" });
      assert.equal(idx2.status, 200);
      await idx2.body?.cancel();

      const c = await fetch(`${cdn.url}blobs/${BLOB}`, { redirect: "manual" });
      await c.body?.cancel();
      assert.equal(c.status, 302);
      assert.equal(c.headers.get("location"), `http://127.0.0.1:9/cdn/blobs/${BLOB}`);
    } finally {
      await Promise.all([plain.shutdown(), redirecting.shutdown(), cdn.shutdown()]);
    }
  },
});

Deno.test("a directory registry redirects blobs only to a public base URL", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/config.json`, '{"dl":"blobs/","api":null}');
    await Deno.mkdir(`${dir}/blobs`);
    await Deno.writeTextFile(`${dir}/blobs/${BLOB}`, "x");
    const presignedOnly = serveRegistry(dir, { redirectBlobs: {} });
    const cdn = serveRegistry(dir, { redirectBlobs: { publicBaseUrl: "http://127.0.0.1:9/" } });
    try {
      const a = await fetch(`${presignedOnly.url}blobs/${BLOB}`, { redirect: "manual" });
      assert.equal(a.status, 200); // a directory has no presigned URLs: served directly
      assert.equal(await a.text(), "x");
      const b = await fetch(`${cdn.url}blobs/${BLOB}`, { redirect: "manual" });
      await b.body?.cancel();
      assert.equal(b.status, 302);
      assert.equal(b.headers.get("location"), `http://127.0.0.1:9/blobs/${BLOB}`);
    } finally {
      await Promise.all([presignedOnly.shutdown(), cdn.shutdown()]);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "mochi mirror sync into an S3 bucket, served from it; a second sync copies nothing",
  ignore: s3ServerMissing() !== undefined,
  async fn() {
    const tmp = await Deno.makeTempDir();
    await using s3 = await startS3Server();
    try {
      await s3.createBucket("mirror");
      await writeRegistry(`${tmp}/primary`, [
        { name: "serde", version: "1.0.0" },
        { name: "rand", version: "0.8.5", deps: { serde: "^1" } },
      ]);
      await writeSnapshotKeyFile(`${tmp}/k`);
      await writeRegistrySnapshot(`${tmp}/primary`, {
        privateKeyFile: await Deno.readTextFile(`${tmp}/k`),
      });
      const primary = serveRegistry(`${tmp}/primary`);
      const dest = await openStorage("s3://mirror/m", { env: s3.env });
      try {
        const first = await syncMirror(primary.url, dest);
        assert.deepEqual([first.upToDate, first.indexFiles, first.blobs], [false, 2, 2]);
        const second = await syncMirror(primary.url, dest);
        assert.equal(second.upToDate, true);
        const mirror = serveRegistry(dest);
        try {
          const a = await fetch(`${primary.url}se/rd/-/serde`);
          const b = await fetch(`${mirror.url}se/rd/-/serde`);
          assert.equal(await b.text(), await a.text());
          const snapA = await (await fetch(`${primary.url}snapshot.json`)).text();
          const snapB = await (await fetch(`${mirror.url}snapshot.json`)).text();
          assert.equal(snapB, snapA, "the mirror serves the primary's signed snapshot unchanged");
        } finally {
          await mirror.shutdown();
        }
      } finally {
        await primary.shutdown();
      }
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
