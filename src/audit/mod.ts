/**
 * Advisories for `mochi audit`: the OSV format read as hostile input, OSV's evaluation of
 * `SEMVER`/`ECOSYSTEM` ranges and `versions` lists exactly as the schema defines it, CVSS base
 * scores and ratings, and the matching of a lock's packages, crates, Go modules and wheels.
 *
 * @module
 */
export {
  eventVersion,
  fixedVersions,
  isAffected,
  lastAffectedVersions,
  OSV_LIMITS,
  type OsvAffected,
  type OsvEvent,
  type OsvRange,
  type OsvRecord,
  type OsvSeverity,
  rangeIncludes,
  readOsv,
  semverOrder,
  type VersionOrder,
} from "./osv.ts";
export {
  cvssBaseScore,
  meetsThreshold,
  ratingOf,
  type Severity,
  SEVERITY_LEVELS,
  type SeverityLevel,
  severityOf,
} from "./severity.ts";
export {
  type AuditEcosystem,
  type AuditFinding,
  auditLock,
  type AuditReport,
  type AuditTarget,
  auditTargets,
  ECOSYSTEM_ORDER,
  pathsTo,
} from "./audit.ts";
