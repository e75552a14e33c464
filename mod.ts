/**
 * mochi pkg: the package manager of the Mochi language, as a Deno library.
 *
 * - Versions and requirements in cargo's grammar ({@link parseVersion}, {@link parseRequirement},
 *   {@link satisfies}) and the {@link VersionSet} algebra.
 * - A PubGrub solver ({@link solve}, {@link resolve}, {@link OfflineDependencyProvider},
 *   {@link NoSolutionError}) with pub-style failure reports.
 * - The manifest (`mochi.toml`), the canonical lockfile (`mochi.lock`), the sparse index, the
 *   content-addressed store (BLAKE3 + SHA-256) and a registry server.
 * - The install pipeline ({@link install}, {@link lock}) that `cli.ts` drives.
 *
 * @example
 * ```ts
 * import { OfflineDependencyProvider, solve } from "@mochi/pkg";
 * const p = new OfflineDependencyProvider();
 * p.add("a", "1.0.0", { b: "^1" });
 * p.add("b", "1.2.0", {});
 * const picked = await solve(p, { name: "root", version: "0.1.0", dependencies: { a: "1" } });
 * console.assert(picked.get("b") === "1.2.0");
 * ```
 *
 * @module
 */
export * from "./src/errors.ts";
export * from "./src/semver/mod.ts";
export * from "./src/solver/mod.ts";
export * from "./src/manifest/mod.ts";
export * from "./src/lockfile/mod.ts";
export {
  formatIndexRecord,
  formatRegistryConfig,
  indexPath,
  type IndexProvenance,
  type IndexRecord,
  MAX_INDEX_LINE_BYTES,
  parseIndexFile,
  parseRegistryConfig,
  type RegistryConfig as RegistryConfigFile,
  validatePackageName,
} from "./src/index/mod.ts";
export * from "./src/store/mod.ts";
export * from "./src/store/fs/fs_store.ts";
export * from "./src/adapters/index_client.ts";
export * from "./src/adapters/registry_server.ts";
export * from "./src/install/mod.ts";
export {
  type ArtifactDigestAlgorithm,
  parseArtifactDigest,
  PRODUCTION_TRUSTED_ROOT,
  type SigstoreArtifact,
  type SigstoreErrorCode,
  type SigstoreSigner,
  type SigstoreVerifyOptions,
  type SigstoreVerifyResult,
  verifySigstoreBundle,
} from "./src/adapters/sigstore/verify.ts";
// The Rust bridge: cargo sparse index, cargo semantics in the solver, [[rust-package]] entries.
export * from "./src/rust/mod.ts";
export {
  type CargoIndexClient,
  CRATES_IO_SPARSE,
  cratesIoIndexUrl,
  openCargoIndex,
} from "./src/adapters/cargo_index_client.ts";

// Capabilities (src/capability): the closed set, pins, the update gate, monotonicity.
export * from "./src/capability/mod.ts";
// Lowering (src/lowering): capabilities → Deno permission sets, flags, deno.json; other targets.
export * from "./src/lowering/mod.ts";
export {
  classifyCompileFailure,
  compileDeno,
  type CompileFailure,
  type DenoProcessOptions,
  runDeno,
} from "./src/adapters/deno_runner.ts";
export {
  PackageWorker,
  PackageWorkerError,
  type PackageWorkerOptions,
} from "./src/adapters/package_worker.ts";

// Trusted publishing (issue 5): pack, publish API, signing, publish client
export * from "./src/pack/mod.ts";
export * from "./src/adapters/pack.ts";
export * from "./src/publish/mod.ts";
export * from "./src/adapters/publish_api.ts";
export { signStatement, type SignStatementOptions } from "./src/adapters/sigstore/sign.ts";
export {
  type AttestationVerifyOptions,
  type InTotoStatement,
  type VerifiedAttestation,
  verifySigstoreAttestation,
} from "./src/adapters/sigstore/verify.ts";
export * from "./src/adapters/oidc.ts";
export * from "./src/adapters/publish.ts";
export * from "./src/install/signatures.ts";

// Reliability (issue 7, items 7–10): signed index snapshot, registry sources, name collisions,
// strict UTF-8 and bounded error messages.
export { MAX_MESSAGE_CHARS, quoteValue } from "./src/errors.ts";
export * from "./src/index/snapshot.ts";
export * from "./src/adapters/registry_snapshot.ts";
export { TrustStore } from "./src/adapters/trust_state.ts";
export { decodeUtf8Strict } from "./src/manifest/utf8.ts";

// Reliability (issue 7a): the store lock and sessions, test hooks (fault points, limits)
export {
  acquireStoreLock,
  cleanOrphanSessions,
  liveSessions,
  type StoreHolder,
  type StoreLock,
  type StoreLockOptions,
} from "./src/store/fs/store_lock.ts";
export {
  enospcError,
  FAULT_POINTS,
  type FaultAction,
  type FaultPoint,
  NO_TEST_HOOKS,
  type TestHooks,
  testHooksFromEnv,
} from "./src/store/fs/test_hooks.ts";
export { BLOB_STREAM_ATTEMPTS, DEFAULT_MAX_BLOB_BYTES, diskError } from "./src/install/install.ts";
