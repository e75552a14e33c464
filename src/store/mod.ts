/**
 * The store's pure core: one-pass BLAKE3 + SHA-256 digests and deterministic, strictly checked
 * `.tar.zst` archives (decisions.md §Store). The on-disk store is `src/store/fs/fs_store.ts`.
 *
 * @module
 */

export * from "./digest.ts";
export * from "./archive.ts";
export * from "./duration.ts";
