/**
 * Worker half of the parallel digest (`digest.ts`, `parallel: true`): hashes the chunks it is sent
 * with BLAKE3 (hash-wasm) while the main thread runs SHA-256 over the same chunks (the two hashes
 * then run in parallel on two cores).
 *
 * Protocol: `{ chunk: Uint8Array }` (buffer transferred) → `{ ack: number }` (bytes hashed);
 * `{ finish: true }` → `{ blake3: string }` (lowercase hex) and the hasher restarts.
 *
 * @module
 */

// The ES module build (deno.json maps "hash-wasm" to it; its types from the package).
// @ts-types="hash-wasm-types"
import { createBLAKE3 } from "hash-wasm";

const hasher = createBLAKE3(256).then((h) => {
  h.init();
  return h;
});

// deno-lint-ignore no-explicit-any
const scope = self as any;
scope.onmessage = async (ev: MessageEvent) => {
  const h = await hasher;
  const msg = ev.data as { chunk?: Uint8Array; finish?: boolean };
  if (msg.chunk) {
    h.update(msg.chunk);
    scope.postMessage({ ack: msg.chunk.byteLength });
  } else if (msg.finish) {
    scope.postMessage({ blake3: h.digest("hex") });
    h.init();
  }
};
