/**
 * Synchronous BLAKE3-256 and SHA-256 of small inputs, from `@noble/hashes` (audited pure
 * TypeScript, ES modules; about 5 ms to load, against 15-25 ms for instantiating a WebAssembly
 * hasher at start-up). Slower per byte than the WebAssembly and native engines of
 * `src/store/digest.ts` (measured ~45 MB/s BLAKE3, ~120 MB/s SHA-256), so they serve records,
 * names, stamps, the manifest hash and small store files; blobs and downloads stream through
 * {@link createDualHasher}. Same digests as every other engine (tested on the official BLAKE3
 * vectors and random data).
 *
 * @module
 */
import { blake3 } from "@noble/hashes/blake3.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";

const encoder = new TextEncoder();

/**
 * SHA-256 of bytes, or of a string as UTF-8.
 *
 * @param data the input
 * @returns 64 lowercase hex digits
 */
export function smallSha256Hex(data: Uint8Array | string): string {
  return bytesToHex(sha256(typeof data === "string" ? encoder.encode(data) : data));
}

/**
 * BLAKE3-256 of bytes, or of a string as UTF-8.
 *
 * @param data the input
 * @returns 64 lowercase hex digits
 */
export function smallBlake3Hex(data: Uint8Array | string): string {
  return bytesToHex(blake3(typeof data === "string" ? encoder.encode(data) : data));
}
