/**
 * The lockfile's `manifest_hash`: BLAKE3 of the canonical manifest (`src/manifest/digest.ts`).
 *
 * @module
 */

// The ES module build (deno.json maps "hash-wasm" to it; its types from the package).
// @ts-types="hash-wasm-types"
import { blake3 } from "hash-wasm";
import { manifestDigestInput } from "../manifest/digest.ts";
import type { Manifest } from "../manifest/types.ts";

/** Prefix of every `manifest_hash` value. */
export const MANIFEST_HASH_PREFIX = "blake3-256:";

/**
 * Computes `manifest_hash`: BLAKE3-256 over the UTF-8 bytes of
 * {@link manifestDigestInput}, so it changes only when something that can change the resolution
 * changes (not comments, formatting, key order or `description`).
 *
 * Asynchronous because `hash-wasm` instantiates its WebAssembly module on first use.
 *
 * @param manifest a manifest from `parseManifest`
 * @returns `"blake3-256:<64 lowercase hex>"`
 */
export async function computeManifestHash(manifest: Manifest): Promise<string> {
  const bytes = new TextEncoder().encode(manifestDigestInput(manifest));
  return MANIFEST_HASH_PREFIX + await blake3(bytes, 256);
}
