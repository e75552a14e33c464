/**
 * `mochi.toml`: the parsed {@link Manifest}, its parser with positioned errors, the canonical
 * digest input for the lockfile's `manifest_hash`, and the package-name rules (capability names:
 * `src/capability`).
 *
 * @module
 */
export type {
  Capabilities,
  Dependency,
  FanoutTarget,
  FanoutTargetName,
  GitSource,
  GoDependency,
  InheritablePackage,
  KeyPosition,
  Manifest,
  ManifestWarning,
  PackageInfo,
  PlatformDependencies,
  PythonDependency,
  PythonTarget,
  RegistryConfig,
  RustDependency,
  WorkspaceConfig,
  WorkspaceContext,
} from "./types.ts";
export {
  ALLOW_MULTI_VERSION_KEY,
  EDITION,
  parseManifest,
  type ParseManifestOptions,
  TOP_LEVEL_TABLES,
} from "./parse.ts";
export {
  formatMarker,
  parseCfg,
  type Platform,
  PLATFORM_ARCHES,
  PLATFORM_OSES,
  platformOf,
  PLATFORMS,
} from "./platform.ts";
export {
  globSegmentMatches,
  INHERITABLE_PACKAGE_KEYS,
  inheritDependency,
  isGlobSegment,
  memberPatternMatches,
  memberPatternProblem,
  WORKSPACE_DEPENDENCY_OVERRIDES,
  WORKSPACE_KEYS,
} from "./workspace.ts";
export { canonicalJson, manifestDigestInput } from "./digest.ts";
export { FANOUT_TARGET_NAMES } from "./fanout_targets.ts";
export {
  closestName,
  editDistance,
  MAX_NAME_LENGTH,
  MAX_SCOPE_LENGTH,
  packageNameProblem,
} from "./names.ts";
export { locateToml, type SourcePosition, type TomlLocator } from "./toml_locator.ts";
export {
  assertNoNameCollision,
  checkNameCollision,
  type NameCollision,
  normalizePackageName,
  typoDistance,
} from "./similar_names.ts";
export {
  addDependencyToText,
  type DependencyEditOptions,
  removeDependencyFromText,
  setDependencyInText,
} from "./edit.ts";
export { decodeUtf8Strict } from "./utf8.ts";
export { dependencyTables } from "./tables.ts";
export {
  formatGitSourceId,
  GIT_URL_SCHEMES,
  type GitRefKind,
  gitRefProblem,
  type GitSourceId,
  gitUrlProblem,
  isCommitId,
  MAX_GIT_TEXT,
  parseGitSourceId,
} from "./git_source.ts";
