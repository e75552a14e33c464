/**
 * `@mochi/pkg/store`: the content-addressed store. Its pure core computes one-pass BLAKE3 +
 * SHA-256 digests and reads and writes deterministic, strictly checked `.tar.zst` archives; its
 * Deno I/O half (`fs/`) keeps blobs and extracted trees under `$MOCHI_HOME/store`, re-hashes what
 * it reads, and holds the store lock (shared for installs, exclusive for `cache prune`).
 *
 * The layout follows cargo's and uv's caches: blobs named by their digest, written to a temp file
 * and renamed into place, so a killed process leaves no half-written entry.
 *
 * @example
 * ```ts
 * import { digestBytes } from "@mochi/pkg/store";
 * import assert from "node:assert/strict";
 *
 * const d = await digestBytes(new TextEncoder().encode("abc"));
 * assert.equal(d.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
 * assert.equal(d.sizeBytes, 3);
 * ```
 *
 * @module
 */

export {
  type Blake3Engine,
  blake3Engine,
  createDualHasher,
  createStreamingSha256,
  type Digest,
  digestBytes,
  type DigestOptions,
  digestStream,
  DigestTransform,
  type DualHasher,
  isHexDigest,
  type NativeBlake3Hasher,
  type NativeBlake3Loader,
  provideNativeBlake3,
  sha256Hex,
} from "./digest.ts";
export { loadNapiBlake3 } from "./fs/native_blake3.ts";
export {
  type ArchiveEntry,
  type ArchiveInput,
  type ArchiveLimits,
  type ArchivePolicy,
  type ArchiveStreamEntry,
  readArchive,
  readArchiveAll,
  readArchiveStream,
  sourceDateEpoch,
  validateEntryPath,
  writeArchive,
  type WriteArchiveOptions,
} from "./archive.ts";
export { parseDuration } from "./duration.ts";
export { treeDigest, type TreeEntry } from "./tree.ts";
export {
  type BadAlias,
  type CorruptBlob,
  type CorruptTree,
  type ExpectedDigest,
  FsStore,
  type FsStoreOptions,
  type PruneOptions,
  type PruneReport,
  type PutResult,
  type SkippedEntry,
  type StoreSize,
  TEMP_MAX_AGE_MS,
  TOUCH_INTERVAL_MS,
  type VerifyReport,
} from "./fs/fs_store.ts";
export {
  type EnvLike,
  type MochiHomeLayout,
  mochiHomeLayout,
  resolveMochiHome,
  storeRootOf,
} from "./fs/home.ts";
export {
  openStoreSession,
  type StoreSession,
  type StoreSessionOptions,
  withStoreSession,
} from "./fs/session.ts";
export { LIMITS, type Limits } from "../limits.ts";
export {
  acquireStoreLock,
  cleanOrphanSessions,
  liveSessions,
  type StoreHolder,
  type StoreLock,
  type StoreLockOptions,
} from "./fs/store_lock.ts";
export {
  fsyncDir,
  removeIfExists,
  tempPathBeside,
  type WriteAtomicOptions,
  writeFileAtomic,
} from "./fs/fs_atomic.ts";
