/**
 * The PubGrub version solver (pub `doc/solver.md`; pubgrub-rs layout).
 *
 * @module
 */
export {
  type DependencyProvider,
  OfflineDependencyProvider,
  type ProviderConflict,
} from "./provider.ts";
export {
  compactReport,
  NoSolutionError,
  resolve,
  type ResolvedPackage,
  type RootPackage,
  solve,
  type SolveOptions,
} from "./solver.ts";
export { type KeyInfo, type ReportContext } from "./report.ts";
export {
  type CapabilityCause,
  Incompatibility,
  type IncompatibilityCause,
  type IncompatibilityRelation,
} from "./incompatibility.ts";
export { Term, type TermRelation } from "./term.ts";
