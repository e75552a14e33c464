/**
 * `mochi.lock`: the canonical writer, the reader with positioned errors, the manifest hash and
 * the "does the lock still satisfy the manifest" check (cargo's and uv's lock reuse rules).
 *
 * Writing the file to disk (temp file, fsync, rename) is `src/store/fs/fs_atomic.ts`'s job.
 *
 * @module
 */
export {
  type GoSumdbProof,
  type LockedCrate,
  type LockedGoModule,
  type LockedPackage,
  type Lockfile,
  LOCKFILE_FORMAT,
} from "./types.ts";
export {
  formatLockfile,
  LOCKFILE_HEADER,
  sortCrates,
  sortGoModules,
  sortPackages,
} from "./format.ts";
export { parseLockfile } from "./parse.ts";
export {
  markerHolds,
  markPlatforms,
  mergePlatformForks,
  type PlatformFork,
  platformsReaching,
} from "./markers.ts";
export {
  type ConflictedLock,
  conflictSides,
  describeLockMerge,
  mergeLockSides,
  readConflictedLock,
} from "./merge.ts";
export { computeManifestHash, computeWorkspaceHash, MANIFEST_HASH_PREFIX } from "./hash.ts";
export { enabledOptionalDependencies, type LockCheck, lockSatisfiesManifest } from "./satisfy.ts";
export {
  diffPythonLock,
  formatPythonLockChange,
  type LockedPythonPackage,
  type LockedWheel,
  PYTHON_CAPABILITY_TOKENS,
  PYTHON_LOCK_SCHEMA_VERSION,
  PYTHON_SOURCES,
  type PythonLockChange,
  type PythonLockSections,
  pythonPackageKey,
  type PythonSource,
  sortPythonPackages,
  sortWheels,
} from "./python.ts";
