import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { MochiError } from "../../errors.ts";
import {
  blake3Engine,
  createDualHasher,
  digestBytes,
  digestStream,
  provideNativeBlake3,
} from "../digest.ts";
import { loadNapiBlake3 } from "./native_blake3.ts";

// The official BLAKE3 test vectors (fixtures/README.md says where they come from).
interface VectorCase {
  input_len: number;
  hash: string;
}
const VECTORS = JSON.parse(
  await Deno.readTextFile(new URL("../../../fixtures/blake3/test_vectors.json", import.meta.url)),
) as { cases: VectorCase[] };

/** The vectors' input: the repeating sequence 0, 1, …, 250. */
function vectorInput(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = i % 251;
  return out;
}

// The npm package ships a prebuilt Node-API module for linux x86_64 (glibc): here it must load.
const NATIVE_EXPECTED = Deno.build.os === "linux" && Deno.build.arch === "x86_64";

Deno.test("the native BLAKE3 loads here and is what digests use by default", async () => {
  const make = await loadNapiBlake3();
  if (!NATIVE_EXPECTED) return;
  assert.ok(make !== undefined, "@napi-rs/blake-hash did not load");
  assert.equal(await blake3Engine(), "native");
  const h = await createDualHasher();
  assert.equal(h.engine, "native");
  h.abort();
  assert.equal((await createDualHasher({ blake3: "wasm" })).engine, "wasm");
  const worker = await createDualHasher({ parallel: true, blake3: "native" });
  assert.equal(worker.parallel, true); // the Worker path is WebAssembly whatever is asked
  assert.equal(worker.engine, "wasm");
  worker.abort();
});

Deno.test("native and WebAssembly BLAKE3 give the official test vectors' digests", async () => {
  assert.equal(VECTORS.cases.length, 35);
  const engines = NATIVE_EXPECTED ? (["native", "wasm"] as const) : (["wasm"] as const);
  for (const c of VECTORS.cases) {
    const input = vectorInput(c.input_len);
    const want = c.hash.slice(0, 64); // the default output is the extended output's first 32 bytes
    for (const blake3 of engines) {
      const whole = await digestBytes(input, { blake3 });
      assert.equal(whole.blake3, want, `${blake3}, ${c.input_len} bytes`);
      assert.equal(whole.sizeBytes, c.input_len);
      // Streamed in pieces that cross BLAKE3's 64-byte blocks and 1024-byte chunks.
      const parts: Uint8Array[] = [];
      for (let i = 0; i < input.length; i += 1000) parts.push(input.subarray(i, i + 1000));
      const streamed = await digestStream(ReadableStream.from(parts), { blake3 });
      assert.deepEqual(streamed, whole, `${blake3} streamed, ${c.input_len} bytes`);
    }
  }
});

Deno.test("native and WebAssembly BLAKE3 agree on random data in random pieces", async () => {
  if (!NATIVE_EXPECTED) return;
  let seed = 0x5eed;
  const next = () => (seed = (seed * 1103515245 + 12345) >>> 0);
  for (const size of [0, 1, 1023, 1025, 65_537, 1_000_003, 4 * 1024 * 1024 + 7]) {
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i += 65_536) {
      crypto.getRandomValues(bytes.subarray(i, Math.min(size, i + 65_536)));
    }
    const results = [];
    for (const blake3 of ["native", "wasm"] as const) {
      const h = await createDualHasher({ blake3 });
      for (let i = 0; i < size;) {
        const n = 1 + (next() % 300_000);
        await h.update(bytes.subarray(i, i + n));
        i += n;
      }
      results.push(await h.finish());
    }
    assert.deepEqual(results[0], results[1], `${size} bytes`);
    assert.equal(results[0]!.sha256, createHash("sha256").update(bytes).digest("hex"));
    assert.equal(results[0]!.sizeBytes, size);
  }
});

Deno.test("without a native BLAKE3, auto is WebAssembly and native is refused", async () => {
  try {
    provideNativeBlake3(undefined);
    assert.equal(await blake3Engine(), "wasm");
    assert.equal((await createDualHasher()).engine, "wasm");
    await assert.rejects(
      createDualHasher({ blake3: "native" }),
      (e: unknown) => e instanceof MochiError && e.code === "INTERNAL_E001",
    );
    provideNativeBlake3(() => Promise.reject(new Error("no build for this platform")));
    assert.equal(await blake3Engine(), "wasm");
  } finally {
    provideNativeBlake3(loadNapiBlake3);
  }
});
