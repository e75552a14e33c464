/**
 * `@mochi/pkg/registry`: the sparse registry, from both sides. The format (index records, one
 * JSON line per version, at cargo's index path rule; `config.json`); the client that reads a
 * registry over `file://` or http(s) with a size cap on every body, revalidation and bounded
 * retries; the cargo sparse-index client for Rust crates; and the server (`mochi registry
 * serve`) with its publish API and snapshot signer.
 *
 * The layout and the client's caching follow cargo's sparse registry protocol (the cargo book,
 * "Registry Index"); `snapshot.json` follows TUF's snapshot role (theupdateframework.io
 * specification §4.4).
 *
 * @example
 * ```ts
 * import { formatIndexRecord, indexPath, parseIndexFile } from "@mochi/pkg/registry";
 * import assert from "node:assert/strict";
 *
 * assert.equal(indexPath("serde"), "se/rd/-/serde");
 * const line = formatIndexRecord({
 *   version: "1.0.0",
 *   blake3: "a".repeat(64),
 *   sha256: "b".repeat(64),
 *   dependencies: {},
 *   yanked: false,
 *   capabilities: [],
 *   extra: {},
 * });
 * assert.equal(parseIndexFile("serde", line)[0]?.version, "1.0.0");
 * ```
 *
 * @module
 */

export {
  formatIndexRecord,
  formatRegistryConfig,
  indexPath,
  type IndexProvenance,
  type IndexRecord,
  MAX_INDEX_LINE_BYTES,
  parseIndexFile,
  parseRegistryConfig,
  type RegistryConfig,
  validatePackageName,
} from "../index/mod.ts";
export {
  DEFAULT_DEADLINE_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_INDEX_BYTES,
  downloadUrlProblem,
  type NetworkLimits,
  networkLimitsFromEnv,
  openRegistry,
  type RegistryClient,
  type RegistryClientOptions,
  type RegistryClientStats,
  type RetryNotice,
} from "./client/index_client.ts";
export { failoverFetch, type FailoverOptions } from "./client/mirror_fetch.ts";
export {
  openRegistryClients,
  type RegistryClients,
  type RegistryClientsOptions,
} from "./client/registry_clients.ts";
export {
  type CargoIndexClient,
  CRATES_IO_SPARSE,
  cratesIoIndexUrl,
  openCargoIndex,
} from "./client/cargo_index_client.ts";
export {
  openPythonIndex,
  type PythonIndexClient,
  type PythonIndexOptions,
  pythonIndexUrl,
} from "../python/client/mod.ts";
export {
  createRegistryHandler,
  type RegistryHandlerOptions,
  type RegistryServer,
  serveRegistry,
  type ServeRegistryOptions,
} from "./server/registry_server.ts";
export {
  createPublishApi,
  MAX_UPLOAD_BYTES,
  type PublishApiAnswer,
  type PublishApiOptions,
} from "./server/publish_api.ts";
export {
  generateSnapshotKey,
  readSnapshotKeyFile,
  type SnapshotKeyPair,
  writeRegistrySnapshot,
  writeSnapshotKeyFile,
  type WriteSnapshotOptions,
  type WrittenSnapshot,
} from "./server/registry_snapshot.ts";
export {
  auditMirror,
  type MirrorAudit,
  type MirrorDivergence,
  type MirrorOptions,
  type MirrorSyncResult,
  syncMirror,
} from "./server/mirror.ts";
export { DirectoryStorage, openStorage, type OpenStorageOptions } from "./server/storage.ts";
export {
  checkStorageKey,
  type ObjectInfo,
  type OpenedObject,
  type PutCondition,
  type PutOptions,
  type RegistryStorage,
  type S3Settings,
  type StoredObject,
} from "./server/storage_types.ts";
