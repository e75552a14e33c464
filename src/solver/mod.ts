/**
 * The PubGrub version solver (pub `doc/solver.md`; pubgrub-rs layout).
 *
 * @module
 */
export {
  type DependencyProvider,
  OfflineDependencyProvider,
  type ProviderConflict,
  type RequirementRange,
} from "./provider.ts";
export {
  compactReport,
  type FailureNotes,
  NoSolutionError,
  resolve,
  type ResolvedPackage,
  resolveWith,
  type RootPackage,
  solve,
  type SolveOptions,
} from "./solver.ts";
export {
  type Derivation,
  genericHints,
  type KeyInfo,
  type ReportContext,
  reportWords,
  walkDerivation,
} from "./report.ts";
export {
  type CustomCause,
  Incompatibility,
  type IncompatibilityCause,
  type IncompatibilityRelation,
} from "./incompatibility.ts";
export { Term, type TermRelation } from "./term.ts";
export {
  type AnyVersionSet,
  semverScheme,
  type SolverVersionSet,
  type VersionOf,
  type VersionScheme,
} from "./version_scheme.ts";
