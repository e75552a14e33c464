/**
 * The limits an install or fetch may override (cargo's `__CARGO_TEST_MAX_UNPACK_SIZE` knobs, made
 * ordinary options): archive limits for extraction and the body caps of index files and blobs.
 * Absent fields keep the defaults of the one limits table (`LIMITS`).
 *
 * @module
 */
import type { ArchivePolicy } from "../store/archive.ts";

/** Limits of one install or fetch; every field is optional (absent: the default). */
export interface InstallLimits {
  /** Archive limits for extraction (absent or empty: cargo's defaults). */
  archive?: ArchivePolicy;
  /** Cap on one index file's body, bytes (absent: the registry client's default). */
  indexBytes?: number;
  /** Cap on one blob's or `.crate`'s body when the lock does not give its size, bytes. */
  blobBytes?: number;
  /** Backoff base of the registry client's retries, ms (absent: its default). */
  retryBaseMs?: number;
}
