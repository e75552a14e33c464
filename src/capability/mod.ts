/**
 * Capabilities: the closed set (data in `capabilities/set.json`), scoped entries and the cover
 * rule, consumer pins, the update gate and the monotonicity rule.
 *
 * @module
 */
export {
  CAPABILITIES,
  capabilitiesNotCovered,
  type Capability,
  CAPABILITY_NAMES,
  capabilityBase,
  capabilityCovers,
  type CapabilityInfo,
  type CapabilityName,
  capabilityProblem,
  didYouMean,
  formatCapability,
  isCapabilityName,
  normaliseCapability,
  parseCapability,
  scopeCovers,
  type ScopeKind,
  sortCapabilities,
  SUSPICIOUS_ON_MINOR,
} from "./model.ts";
export {
  MAX_CAPABILITY_SCOPE_LENGTH,
  normaliseScope,
  pathCovers,
  type ScopeGrammar,
  scopeProblem,
} from "./scope.ts";
export { CapabilityCause, capabilityList } from "./cause.ts";
export {
  type CapabilityDeclaration,
  type CapabilityExclusion,
  CapabilityPolicy,
  type PolicyManifest,
  requiredWithFeatures,
} from "./pin.ts";
export {
  capabilityGate,
  CapabilityGateError,
  formatGateWarnings,
  type GateInput,
  type GatePackage,
  type GateResult,
  type NewCapability,
} from "./gate.ts";
export {
  auditCapabilityHistory,
  type CapabilityAuditFinding,
  checkCapabilityMonotonicity,
  formatAuditFinding,
  type MonotonicityVerdict,
  type ReleaseBump,
  type ReleaseCapabilities,
} from "./monotonicity.ts";
export { type CapabilityUser, formatWhyCapability, whyCapability } from "./why.ts";
