import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { smallBlake3Hex, smallSha256Hex } from "./_small_digests.ts";
import { digestBytes } from "./digest.ts";

// The official BLAKE3 test vectors (fixtures/README.md says where they come from).
const VECTORS = JSON.parse(
  await Deno.readTextFile(new URL("../../fixtures/blake3/test_vectors.json", import.meta.url)),
) as { cases: { input_len: number; hash: string }[] };

function vectorInput(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = i % 251;
  return out;
}

Deno.test("small digests give the official BLAKE3 vectors and node:crypto's SHA-256", () => {
  assert.equal(VECTORS.cases.length, 35);
  for (const c of VECTORS.cases) {
    const input = vectorInput(c.input_len);
    assert.equal(smallBlake3Hex(input), c.hash.slice(0, 64), `${c.input_len} bytes`);
    assert.equal(
      smallSha256Hex(input),
      createHash("sha256").update(input).digest("hex"),
      `${c.input_len} bytes`,
    );
  }
  assert.equal(smallSha256Hex("abc"), smallSha256Hex(new TextEncoder().encode("abc")));
  assert.equal(smallBlake3Hex("h\u00e9"), smallBlake3Hex(new TextEncoder().encode("h\u00e9")));
});

Deno.test("small digests agree with the WebAssembly and native engines on random data", async () => {
  for (let i = 0; i < 40; i++) {
    const n = i < 20 ? i * 97 : Math.floor(Math.random() * 300_000);
    const bytes = crypto.getRandomValues(new Uint8Array(Math.min(n, 65536)));
    const data = n > 65536 ? new Uint8Array(n).map((_, j) => bytes[j % bytes.length]!) : bytes;
    for (const blake3 of ["wasm", "auto"] as const) {
      const want = await digestBytes(data, { blake3 });
      assert.equal(smallBlake3Hex(data), want.blake3, `${blake3}, ${n} bytes`);
      assert.equal(smallSha256Hex(data), want.sha256, `${n} bytes`);
    }
  }
});
