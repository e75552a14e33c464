import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { MochiError } from "../errors.ts";
import {
  createDualHasher,
  digestBytes,
  digestStream,
  DigestTransform,
  isHexDigest,
  sha256Hex,
} from "./digest.ts";

const enc = new TextEncoder();
// Published test vectors: BLAKE3 ("abc") from the BLAKE3 reference, SHA-256 ("abc") FIPS 180-2.
const ABC_B3 = "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85";
const ABC_SHA = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return ReadableStream.from(parts);
}

function pseudoRandom(n: number, seed = 7): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

Deno.test("digestBytes matches the published abc vectors", async () => {
  const d = await digestBytes(enc.encode("abc"));
  assert.equal(d.blake3, ABC_B3);
  assert.equal(d.sha256, ABC_SHA);
  assert.equal(d.sizeBytes, 3);
  assert.ok(isHexDigest(d.blake3) && isHexDigest(d.sha256));
});

Deno.test("digestStream over odd chunk sizes equals the whole-buffer digest", async () => {
  const bytes = pseudoRandom(300_001);
  const whole = await digestBytes(bytes);
  assert.equal(whole.sha256, createHash("sha256").update(bytes).digest("hex"));
  for (const size of [1, 511, 65_536, 1 << 20]) {
    const d = await digestStream(chunked(bytes, size));
    assert.deepEqual(d, whole, `chunk size ${size}`);
  }
});

Deno.test("the Worker path gives the same digests as one thread", async () => {
  const bytes = pseudoRandom(3 * 1024 * 1024 + 17, 99);
  const local = await digestStream(chunked(bytes, 1 << 20), { parallel: false });
  const worker = await createDualHasher({ parallel: true });
  assert.equal(worker.parallel, true);
  for (let i = 0; i < bytes.length; i += 100_000) {
    await worker.update(bytes.subarray(i, i + 100_000));
  }
  // The caller keeps its chunk: the Worker got a copy.
  assert.equal(bytes.byteLength, 3 * 1024 * 1024 + 17);
  assert.deepEqual(await worker.finish(), local);
  const viaStream = await digestStream(chunked(bytes, 1 << 20), { parallel: true });
  assert.deepEqual(viaStream, local);
});

Deno.test("maxSizeBytes stops an endless stream with BLOB_E004", async () => {
  for (const parallel of [false, true]) {
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++;
        c.enqueue(new Uint8Array(1000));
      },
    });
    await assert.rejects(
      digestStream(endless, { maxSizeBytes: 10_500, parallel }),
      (e: unknown) => e instanceof MochiError && e.code === "BLOB_E004" && /10500/.test(e.message),
    );
    assert.ok(pulled <= 20, `stopped early (pulled ${pulled})`);
  }
});

Deno.test("a failing source rejects digestStream with the source's error", async () => {
  const boom = new Error("socket closed");
  const s = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new Uint8Array([1, 2, 3]));
      c.error(boom);
    },
  });
  await assert.rejects(digestStream(s), (e: unknown) => e === boom);
});

Deno.test("DigestTransform passes bytes through unchanged and records the digest", async () => {
  const bytes = pseudoRandom(200_000, 3);
  const t = new DigestTransform();
  assert.equal(t.digest, undefined);
  const out = new Uint8Array(await new Response(chunked(bytes, 4096).pipeThrough(t)).arrayBuffer());
  assert.deepEqual(out, bytes);
  assert.deepEqual(t.digest, await digestBytes(bytes));
});

Deno.test("DigestTransform errors the stream past maxSizeBytes", async () => {
  const t = new DigestTransform({ maxSizeBytes: 100 });
  await assert.rejects(
    new Response(chunked(new Uint8Array(1000), 64).pipeThrough(t)).arrayBuffer(),
    (e: unknown) => e instanceof MochiError && e.code === "BLOB_E004",
  );
  assert.equal(t.digest, undefined);
});

Deno.test("sha256Hex equals node:crypto's SHA-256 on bytes and on UTF-8 strings of every size class", () => {
  const node = (d: Uint8Array | string) => createHash("sha256").update(d).digest("hex");
  for (const n of [0, 1, 55, 56, 63, 64, 65, 1000, 1 << 20]) {
    const bytes = new Uint8Array(n).map((_, i) => (i * 31 + n) & 0xff);
    assert.equal(sha256Hex(bytes), node(bytes), `${n} bytes`);
  }
  for (const s of ["", "abc", "é\u{1F600}\n", "x".repeat(100_000)]) {
    assert.equal(sha256Hex(s), node(s), JSON.stringify(s.slice(0, 10)));
  }
  assert.equal(
    sha256Hex("abc"),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", // FIPS 180-4 example
  );
});
