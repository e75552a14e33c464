/**
 * The one table of size limits (pure data, no I/O). Every cap on bytes read from outside —
 * index files, blobs, bundles, uploads, unpacked archives — is defined here once and passed down
 * as an ordinary option (`maxIndexBytes`, `maxBlobBytes`, an `ArchivePolicy`…), so a caller or a
 * test changes a limit by passing a value, never through a test hook. Sizes are counted in
 * decoded bytes.
 *
 * The values follow cargo (unpack cap `max(512 MiB, 20 × compressed)`, 100 000 entries — cargo's
 * `src/cargo/sources/registry/mod.rs`) and the registries' own upload limits.
 *
 * @module
 */

/** Every size limit of mochi pkg, in bytes unless the name says otherwise. */
export interface Limits {
  /** One index file (decoded): 64 MiB. */
  readonly indexBytes: number;
  /** One index line: 1 000 000 bytes. */
  readonly indexLineBytes: number;
  /** One blob or `.crate` body when its size is not pinned: 1 GiB. */
  readonly blobBytes: number;
  /** One Sigstore bundle: 1 MiB. */
  readonly bundleBytes: number;
  /** One package archive (`mochi pack` refuses more, the publish API too): 50 MiB. */
  readonly packageBytes: number;
  /** Floor of the unpack cap of one archive: 512 MiB (cargo). */
  readonly unpackedBytes: number;
  /** Ratio of the unpack cap to the compressed size: 20 (cargo). */
  readonly unpackRatio: number;
  /** Entries (files and directories) of one archive: 100 000. */
  readonly archiveEntries: number;
  /** Compressed bytes the store extracts at once across all blobs of one process: 128 MiB. */
  readonly extractInFlightBytes: number;
}

const MiB = 1024 * 1024;

/**
 * The default limits.
 *
 * @example
 * ```ts
 * import { LIMITS } from "@mochi/pkg/store";
 * import assert from "node:assert/strict";
 * assert.equal(LIMITS.packageBytes, 50 * 1024 * 1024);
 * ```
 */
export const LIMITS: Limits = Object.freeze({
  indexBytes: 64 * MiB,
  indexLineBytes: 1_000_000,
  blobBytes: 1024 * MiB,
  bundleBytes: 1 * MiB,
  packageBytes: 50 * MiB,
  unpackedBytes: 512 * MiB,
  unpackRatio: 20,
  archiveEntries: 100_000,
  extractInFlightBytes: 128 * MiB,
});
