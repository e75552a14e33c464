/**
 * The registry index, pure: index records (JSONL with short keys), the index path rule, package
 * name validation and the registry `config.json` (the cargo book, "Registry Index").
 *
 * No I/O here; `src/registry/client/index_client.ts` fetches and caches, and
 * `src/registry/server/registry_server.ts` serves the same layout.
 *
 * @module
 */
export { indexPath, MAX_NAME_LENGTH, MAX_SCOPE_LENGTH, validatePackageName } from "./index_path.ts";
export {
  formatIndexRecord,
  type IndexProvenance,
  type IndexRecord,
  MAX_INDEX_LINE_BYTES,
  parseIndexFile,
} from "./record.ts";
export { formatRegistryConfig, parseRegistryConfig, type RegistryConfig } from "./config.ts";
export {
  advancedTrust,
  checkIndexFile,
  checkSnapshotFreshness,
  formatPublicKey,
  formatSnapshot,
  parsePublicKey,
  parseSnapshot,
  publicKeyId,
  type SignedSnapshot,
  signSnapshot,
  type Snapshot,
  SNAPSHOT_PATH,
  snapshotDigest,
  type SnapshotFile,
  type SnapshotKeyInput,
  snapshotKeyPolicy,
  snapshotSigningBytes,
  type TrustedSnapshot,
  verifySnapshotSignature,
} from "./snapshot.ts";
