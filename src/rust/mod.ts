/**
 * The Rust bridge's pure core: cargo sparse-index files, cargo's semantics as a PubGrub
 * dependency provider (features as virtual packages), and crate resolution for `mochi.lock`.
 *
 * @module
 */
export {
  type CargoRegistryConfig,
  type CrateDep,
  type CrateDepKind,
  crateDownloadUrl,
  type CrateIndexEntry,
  CrateIndexFile,
  crateIndexPath,
  type CrateVersion,
  MAX_INDEX_SCHEMA,
  parseCargoConfig,
  parseCrateIndexFile,
  parseCrateLine,
} from "./index_file.ts";
export {
  CargoDependencyProvider,
  type CargoProviderOptions,
  type CrateSource,
  type FeatureName,
  featureName,
  hasFeature,
  proxyName,
  splitFeatureName,
} from "./provider.ts";
export {
  type CrateResolution,
  resolveCrates,
  type ResolveCratesOptions,
  rootDependencies,
  type RustRequirement,
  rustWords,
} from "./resolve.ts";
export {
  mergeRustRequirements,
  type RustImport,
  rustImportOfLine,
  scanRustImports,
} from "./imports.ts";
export { lockedCratesSatisfy } from "./satisfy.ts";
export {
  CARGO_TOML_CAP_BYTES,
  cargoLicenseExpression,
  CRATE_UNPACKED_CAP_BYTES,
  crateLicense,
} from "./crate_file.ts";
