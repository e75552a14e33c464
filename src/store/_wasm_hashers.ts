/**
 * The WebAssembly hashers of `hash-wasm`, in their own module so that it is loaded (about 10 ms
 * of CPU) only by a command that streams blobs without a native BLAKE3.
 *
 * @module
 */
// The ES module build (deno.json maps "hash-wasm" to it; its types from the package).
// @ts-types="hash-wasm-types"
export { createBLAKE3, type IHasher } from "hash-wasm";
