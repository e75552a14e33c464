/**
 * The Go bridge's pure core, following golang.org/x/mod: module paths and versions
 * (`module`), Go's semantic versions and pseudo-versions (`semver`), the `h1:` hash
 * (`sumdb/dirhash`), module zips (`zip`), signed notes (`sumdb/note`), the checksum database's
 * transparency log (`sumdb/tlog`) and go.mod files (`modfile`). Go's names, in camelCase.
 *
 * @module
 */
export {
  canonicalVersion,
  checkFilePath,
  checkImportPath,
  checkModule,
  checkPath,
  checkPathMajor,
  escapePath,
  escapeVersion,
  isPseudoVersion,
  isZeroPseudoVersion,
  matchPathMajor,
  matchPrefixPatterns,
  type ModuleVersion,
  pathMajorPrefix,
  PSEUDO_VERSION_TIMESTAMP_FORMAT,
  pseudoVersion,
  pseudoVersionBase,
  pseudoVersionRev,
  pseudoVersionTime,
  sortModuleVersions,
  splitPathVersion,
  unescapePath,
  unescapeVersion,
  zeroPseudoVersion,
} from "./module.ts";
export {
  semverBuild,
  semverCanonical,
  semverCompare,
  semverIsValid,
  semverMajor,
  semverMajorMinor,
  semverMax,
  semverPrerelease,
  semverSort,
} from "./semver.ts";
export { compareUtf8, hash1, type HashFile, hashGoMod } from "./dirhash.ts";
export {
  type BuildListEntry,
  type GoMainModule,
  type GoModProvider,
  type GoModSummary,
  type GoReplace,
  isPrunedGoVersion,
  loadModuleGraph,
  type LoadModuleGraphOptions,
  type ModuleGraph,
  replacementOf,
} from "./mvs.ts";
