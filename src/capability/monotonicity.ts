/**
 * Capability monotonicity: how a release may change what it requires (README.md §Capabilities).
 *
 * | bump  | may add?          | may remove? |
 * |-------|-------------------|-------------|
 * | patch | no (CAP_E002)     | yes         |
 * | minor | yes (`ffi` / `proc.spawn` flagged as suspicious) | yes |
 * | major | yes               | yes         |
 *
 * The check is one pure function, {@link checkCapabilityMonotonicity}, for `mochi publish`'s
 * preflight and the registry's publish API; {@link auditCapabilityHistory} runs it over a
 * package's whole history for `mochi audit capabilities`.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { compareVersions, formatVersion, parseVersion, type Version } from "../semver/mod.ts";
import { capabilitiesNotCovered, capabilityBase, SUSPICIOUS_ON_MINOR } from "./model.ts";

/** One release of a package and what it requires. */
export interface ReleaseCapabilities {
  /** SemVer version text. */
  readonly version: string;
  /** Its required capabilities (index record `c`). */
  readonly capabilities: readonly string[];
}

/** How a release's version moved from the previous release. */
export type ReleaseBump = "first" | "major" | "minor" | "patch";

/** The answer of {@link checkCapabilityMonotonicity}. */
export interface MonotonicityVerdict {
  /** False only when a patch release adds a capability. */
  readonly ok: boolean;
  /** The bump from {@link MonotonicityVerdict.previous} to the candidate. */
  readonly bump: ReleaseBump;
  /** The release compared against (the highest earlier release), if any. */
  readonly previous?: string;
  /** Candidate entries the previous release's set does not cover. */
  readonly added: readonly string[];
  /** Previous entries the candidate's set does not cover. */
  readonly removed: readonly string[];
  /** Added entries whose name is `ffi` or `proc.spawn` in a minor release (the xz pattern). */
  readonly suspicious: readonly string[];
  /** CAP_E002 naming the versions and capabilities when not {@link MonotonicityVerdict.ok}. */
  readonly error?: MochiError;
}

function bumpOf(prev: Version, next: Version): ReleaseBump {
  if (next.major !== prev.major) return "major";
  if (next.minor !== prev.minor) return "minor";
  return "patch";
}

/**
 * Checks a candidate release against the package's earlier releases.
 *
 * The release compared against is the highest version in `history` below the candidate
 * (build metadata ignored); a pre-release in `history` counts only when the candidate is
 * a pre-release too, so `1.0.0` may add to `1.0.0-rc.1`. The bump is the first of major, minor,
 * patch that differs. A patch bump that adds a capability is refused; narrowing a scope
 * (`fs.read` → `fs.read:/data`) or removing one is always allowed.
 *
 * @param history every earlier release (any order; yanked ones included: yanking does not
 *   reset what a package was seen to need); entries at or above the candidate are ignored
 * @param candidate the release being published
 * @returns the verdict; `error` holds CAP_E002 when the patch rule is broken
 * @throws {MochiError} SEMVER_E001 on a bad version, CAP_E003 on an unknown capability
 */
export function checkCapabilityMonotonicity(
  history: readonly ReleaseCapabilities[],
  candidate: ReleaseCapabilities,
): MonotonicityVerdict {
  const next = parseVersion(candidate.version);
  let best: { v: Version; r: ReleaseCapabilities } | undefined;
  for (const r of history) {
    const v = parseVersion(r.version);
    if (compareVersions(v, next) >= 0) continue;
    if (v.pre.length > 0 && next.pre.length === 0) continue;
    if (best === undefined || compareVersions(v, best.v) > 0) best = { v, r };
  }
  if (best === undefined) {
    return {
      ok: true,
      bump: "first",
      added: [...new Set(candidate.capabilities)],
      removed: [],
      suspicious: [],
    };
  }
  const bump = bumpOf(best.v, next);
  const added = capabilitiesNotCovered(candidate.capabilities, best.r.capabilities);
  const removed = capabilitiesNotCovered(best.r.capabilities, candidate.capabilities);
  const suspicious = bump === "minor"
    ? added.filter((c) => (SUSPICIOUS_ON_MINOR as readonly string[]).includes(capabilityBase(c)))
    : [];
  const previous = formatVersion(best.v);
  if (bump === "patch" && added.length > 0) {
    const list = added.map((c) => `"${c}"`).join(", ");
    return {
      ok: false,
      bump,
      previous,
      added,
      removed,
      suspicious,
      error: new MochiError(
        "CAP_E002",
        `patch release ${candidate.version} adds capabilit${
          added.length === 1 ? "y" : "ies"
        } ${list} that ${previous} did not require`,
        {
          hint: `publish it as a minor release (${next.major}.${
            next.minor + 1
          }.0) or drop ${list}; a patch release may only keep or remove capabilities`,
        },
      ),
    };
  }
  return { ok: true, bump, previous, added, removed, suspicious };
}

/** One finding of {@link auditCapabilityHistory}. */
export interface CapabilityAuditFinding {
  /** Package name. */
  readonly name: string;
  /** The release that changed. */
  readonly version: string;
  /** The release before it. */
  readonly previous: string;
  /** `"patch-adds"`: a monotonicity violation; `"suspicious-minor"`: the xz pattern. */
  readonly kind: "patch-adds" | "suspicious-minor";
  /** The capabilities concerned. */
  readonly capabilities: readonly string[];
}

/**
 * Walks a package's releases in version order and reports every patch release that added a
 * capability and, with `suspicious`, every minor release that added `ffi` or `proc.spawn`.
 *
 * @param name package name (for the findings)
 * @param releases every release of the package, any order
 * @param options `suspicious`: also report the xz pattern
 * @returns findings in version order
 * @throws {MochiError} SEMVER_E001, CAP_E003 as {@link checkCapabilityMonotonicity}
 */
export function auditCapabilityHistory(
  name: string,
  releases: readonly ReleaseCapabilities[],
  options: { suspicious?: boolean } = {},
): CapabilityAuditFinding[] {
  const sorted = [...releases].sort((a, b) =>
    compareVersions(parseVersion(a.version), parseVersion(b.version))
  );
  const out: CapabilityAuditFinding[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const v = checkCapabilityMonotonicity(sorted.slice(0, i), sorted[i]!);
    if (v.previous === undefined) continue;
    if (!v.ok) {
      out.push({
        name,
        version: sorted[i]!.version,
        previous: v.previous,
        kind: "patch-adds",
        capabilities: v.added,
      });
    } else if (options.suspicious && v.suspicious.length > 0) {
      out.push({
        name,
        version: sorted[i]!.version,
        previous: v.previous,
        kind: "suspicious-minor",
        capabilities: v.suspicious,
      });
    }
  }
  return out;
}

/**
 * One line for an audit finding: a patch addition is an `error[CAP_E002]`, the xz pattern a
 * `warning`.
 *
 * @param f a finding of {@link auditCapabilityHistory}
 * @returns the line, no trailing newline
 */
export function formatAuditFinding(f: CapabilityAuditFinding): string {
  const list = f.capabilities.map((c) => `"${c}"`).join(", ");
  const s = f.capabilities.length === 1 ? "y" : "ies";
  return f.kind === "patch-adds"
    ? `error[CAP_E002]: ${f.name} ${f.version} adds capabilit${s} ${list} in a patch release (${f.previous} → ${f.version})`
    : `warning: ${f.name} ${f.version} adds capabilit${s} ${list} in a minor release (${f.previous} → ${f.version}): the xz-utils pattern; audit the release before you accept it`;
}
