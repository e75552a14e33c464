/**
 * The install pipeline and the lockfile graph views.
 *
 * @module
 */
export type { InstallLimits } from "./limits.ts";
export {
  advisoryDatabaseOf,
  auditProject,
  type AuditProjectOptions,
  type ProjectAudit,
} from "./audit.ts";
export {
  diffLocks,
  fetchProject,
  install,
  type InstallOptions,
  type InstallReport,
  lock,
  type LockReport,
  openProjectSources,
  registryUrlFor,
  sourceOptions,
  storedGitArchive,
  vendorProject,
} from "./install.ts";
export { type ProjectSources, type ResolveOptions, resolveProject } from "./resolve.ts";
export {
  MAX_LOCK_BYTES,
  MAX_MANIFEST_BYTES,
  openWorkspace,
  type Project,
  readManifest,
  readProject,
  type ReadProjectOptions,
  writeLockfile,
} from "./project.ts";
export {
  expandMembers,
  findWorkspaceRoot,
  loadWorkspace,
  MAX_WORKSPACE_MEMBERS,
  type MemberPublish,
  memberRecords,
  type MemberSelection,
  memberSource,
  planWorkspacePublish,
  publishOrder,
  reparseMember,
  selectMembers,
  type Workspace,
  WORKSPACE_ROOT_NAME,
  workspaceManifest,
  type WorkspaceMember,
  workspacePolicyManifest,
} from "./workspace.ts";
export {
  decideLock,
  lockCheckError,
  type LockDecision,
  type LockDecisionInput,
  lockRecordError,
  lockRecordMismatch,
  lockWouldChange,
  NO_LOCK,
  NOT_CANONICAL,
  refuseUnconfiguredSources,
} from "./decision.ts";
export {
  type Artifact,
  type InstallPlan,
  lockArtifacts,
  planFetch,
  type PlanFlags,
  type StoreState,
} from "./plan.ts";
export {
  type AddressBook,
  addressOf,
  type ArtifactSource,
  type ExecuteOptions,
  executePlan,
  type ExecuteReport,
  readStoreState,
} from "./executor.ts";
export {
  checkLockAgainstIndex,
  mochiArtifactSource,
  type MochiSourceOptions,
} from "./mochi_source.ts";
export type { InstallEvent, InstallPhase } from "./events.ts";
export {
  formatTree,
  formatWhy,
  type LockGraph,
  lockGraph,
  memberGraph,
  type NodeId,
} from "./graph.ts";
export { type IndexSource, recordProblem, RegistryProvider } from "./registry_provider.ts";
export {
  crateAddresses,
  diffCrates,
  fetchCrates,
  type FetchCratesOptions,
  type FetchReport,
  lockCrates,
  openProjectCargoIndex,
  rustRequirementsOf,
  type RustStepOptions,
  scanProjectImports,
} from "./rust.ts";
export {
  diffGoModules,
  type GoEnv,
  goEnvOf,
  type GoLockResult,
  goRequirementsOf,
  type GoStepOptions,
  goZipSource,
  lockedGoSatisfies,
  lockGoModules,
  scanGoImports,
} from "./go.ts";
export {
  collectImportLines,
  IMPORT_LANGUAGES,
  type ImportLanguage,
  type ImportLine,
  type ImportScan,
  type ImportScanOptions,
  MAX_SOURCE_FILE_BYTES,
  scanImportLines,
  SKIPPED_SOURCE_DIRS,
} from "./source_scan.ts";
export {
  declaredPythonDependencies,
  diffPythonLines,
  fetchWheels,
  type FetchWheelsOptions,
  lockedPythonSatisfies,
  lockPython,
  projectPythonIndexUrl,
  type PythonLockResult,
  pythonRequirementsOf,
  type PythonStepOptions,
  scanProjectPythonImports,
  wheelArtifactSource,
} from "./python.ts";
export {
  auditCapabilities,
  type CapabilityAuditReport,
  compileProject,
  denoRunPlan,
  lowerProject,
  type LowerReport,
  runProject,
} from "./capabilities.ts";
export {
  absoluteRegistryUrl,
  configuredRegistries,
  lockedRegistries,
  lockSourceProblem,
  pinnedRegistries,
  type RegistrySource,
  registrySourceId,
  SourceRouter,
} from "./sources.ts";
export {
  addDependency,
  type AddOptions,
  type AddReport,
  checkRequirementMet,
  parseAddSpec,
} from "./add.ts";
export {
  type CacheOptions,
  cachePrune,
  type CachePruneOptions,
  type CachePruneReport,
  type CacheSize,
  cacheSize,
  DEFAULT_PRUNE_AGE_MS,
  verifyStore,
  type VerifyStoreOptions,
  type VerifyStoreReport,
} from "./cache.ts";
export { formatLockChange, type LockChange, lockChanges } from "./changes.ts";
export { type Relock, relockProject, writeRelock } from "./relock.ts";
export { nearestNameHint, updateLock, type UpdateOptions, type UpdateReport } from "./update.ts";
export {
  type InitOptions,
  initProject,
  type InitReport,
  NEW_PROJECT_COMPILER_RANGE,
  newManifestText,
  newProject,
  packageNameFromDir,
} from "./init.ts";
export { removeDependencies, type RemoveOptions, type RemoveReport } from "./remove.ts";
export { type OutdatedEntry, outdatedPackages, type OutdatedReport } from "./outdated.ts";
export { runPool } from "../concurrency.ts";
export {
  type DeferredVerifiedRecords,
  deferVerifiedRecords,
  loadSignatureVerifier,
  publisherChanges,
  refusePublisherChanges,
  signerOfRecord,
  type VerifiedRecords,
  verifiedSignatureKey,
  verifyLockedPackage,
  verifyLockedPackageOnce,
} from "./signatures.ts";
export { isCapabilityFailure, manifestHints } from "./hints.ts";
export {
  type GraphNodeJson,
  type TreeJson,
  treeJson,
  type WhyJson,
  whyJson,
} from "./graph_json.ts";
export { installWithChanges } from "./install_changes.ts";
export {
  fetchGitSource,
  GIT_TIMEOUT_MS,
  type GitCheckout,
  type GitFetchRequest,
} from "./git_fetch.ts";
export {
  gitArtifactSource,
  isLocalDependency,
  loadLocalPackages,
  type LocalPackage,
  type LocalSourceOptions,
  packGitSource,
  pathLockProblem,
  pathSourceId,
} from "./local_sources.ts";
export { type AuditFixPlan, fixCandidates, planAuditFix } from "./audit_fix.ts";
export {
  pickLockedPackage,
  type ProvenanceOptions,
  provenanceRefusals,
  verifiedProvenance,
} from "./provenance.ts";
export { rebuildFromSource, type RebuildResult } from "./rebuild.ts";
export { storeLicenses } from "./sbom_licenses.ts";
export {
  MAX_VENDOR_MANIFEST_BYTES,
  openVendorSource,
  parseVendorManifest,
  VENDOR_MANIFEST,
  vendorDirOf,
  type VendorEntry,
  type VendorManifest,
  type VendorReport,
  writeVendorDir,
} from "./vendor.ts";
export {
  executeFanoutPack,
  type FanoutPackEntry,
  type FanoutPackPlan,
  type FanoutReadLimits,
  planFanoutPack,
  type ReadFanoutOptions,
  readFanoutProject,
  selectEcosystems,
} from "./fanout.ts";
export {
  cargoTomlIndexLine,
  loadLocalCrate,
  type LocalCrate,
  localSourceOf,
  type RustLocalSource,
  withLocalCrates,
} from "./rust_local.ts";
