/**
 * The lockfile's `manifest_hash`: BLAKE3 of the canonical manifest (`src/manifest/digest.ts`).
 *
 * @module
 */

import { smallBlake3Hex } from "../store/_small_digests.ts";
import { manifestDigestInput } from "../manifest/digest.ts";
import type { Manifest } from "../manifest/types.ts";

/** Prefix of every `manifest_hash` value. */
export const MANIFEST_HASH_PREFIX = "blake3-256:";

/**
 * Computes `manifest_hash`: BLAKE3-256 over the UTF-8 bytes of
 * {@link manifestDigestInput}, so it changes only when something that can change the resolution
 * changes (not comments, formatting, key order or `description`).
 *
 * Asynchronous for its callers' sake (it was computed by a WebAssembly hasher, instantiated on
 * first use); the digest is now computed synchronously by `@noble/hashes`, which costs less to
 * load than a WebAssembly instance costs to make.
 *
 * @param manifest a manifest from `parseManifest`
 * @returns `"blake3-256:<64 lowercase hex>"`
 */
export async function computeManifestHash(manifest: Manifest): Promise<string> {
  const bytes = new TextEncoder().encode(manifestDigestInput(manifest));
  return await Promise.resolve(MANIFEST_HASH_PREFIX + smallBlake3Hex(bytes));
}

/**
 * The `manifest_hash` of a workspace's one lock: BLAKE3-256 over the canonical digest input
 * (`manifestDigestInput`) of the root and of every member with its directory, so a change to
 * any member's resolution-relevant keys (or a member added, moved or removed) changes it.
 *
 * @param root the root's manifest
 * @param members each member's directory relative to the root and manifest (any order)
 * @returns `"blake3-256:<64 hex>"`
 */
export async function computeWorkspaceHash(
  root: Manifest,
  members: readonly { relDir: string; manifest: Manifest }[],
): Promise<string> {
  const parts = [...members]
    .sort((a, b) => (a.relDir < b.relDir ? -1 : a.relDir > b.relDir ? 1 : 0))
    .map((m) => [m.relDir, manifestDigestInput(m.manifest)]);
  const text = JSON.stringify({ members: parts, root: manifestDigestInput(root) });
  return await Promise.resolve(
    MANIFEST_HASH_PREFIX + smallBlake3Hex(new TextEncoder().encode(text)),
  );
}
