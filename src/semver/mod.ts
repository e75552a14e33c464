/**
 * Versions, requirements and version sets.
 *
 * SemVer 2.0.0 versions, requirements in cargo's grammar and semantics (one implementation
 * serves Mochi packages and the Rust bridge), and {@link VersionSet}, the exact set algebra the
 * PubGrub solver runs on.
 *
 * @module
 */
export {
  compareVersions,
  compatibilityKey,
  formatVersion,
  makeVersion,
  parseVersion,
  tryParseVersion,
  type Version,
  versionsEqual,
} from "./version.ts";
export {
  type Comparator,
  formatComparator,
  formatRequirement,
  MAX_COMPARATORS,
  type Operator,
  parseRequirement,
  type Requirement,
  satisfies,
  tryParseRequirement,
} from "./requirement.ts";
export { VersionSet } from "./version_set.ts";
