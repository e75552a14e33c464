/**
 * The OSV format (ossf/osv-schema, docs/schema.md): reading one advisory as hostile input, and
 * deciding whether a version is affected exactly as the schema's "Evaluation" pseudocode does
 * (`IsVulnerable`, `IncludedInVersions`, `IncludedInRanges`, `BeforeLimits`): `SEMVER` and
 * `ECOSYSTEM` ranges, events sorted by version with `"0"` before every version, `introduced`,
 * `fixed`, `last_affected` and `limit` (`"*"` is infinity; no limit means an implicit `"*"`), and
 * the `versions` list. `GIT` ranges need a repository's commit graph and are not evaluated (the
 * `versions` list of such an entry still is).
 *
 * @module
 */
import { MochiError, quoteValue } from "../errors.ts";
import { compareVersions, parseVersion } from "../semver/mod.ts";

/** One event of a range: exactly one of the four keys (the schema's requirement). */
export type OsvEvent =
  | { introduced: string }
  | { fixed: string }
  | { last_affected: string }
  | { limit: string };

/** One `affected[].ranges[]` entry. */
export interface OsvRange {
  /** `SEMVER`, `ECOSYSTEM` or `GIT`. */
  type: "SEMVER" | "ECOSYSTEM" | "GIT";
  /** The events, in the record's order. */
  events: OsvEvent[];
}

/** One `severity[]` entry. */
export interface OsvSeverity {
  /** `CVSS_V2`, `CVSS_V3`, `CVSS_V4` or another scoring method. */
  type: string;
  /** The vector (or score) string. */
  score: string;
}

/** One `affected[]` entry. */
export interface OsvAffected {
  /** The package's ecosystem (`crates.io`, `Mochi`, …). */
  ecosystem: string;
  /** The package's name in that ecosystem. */
  name: string;
  /** The ranges. */
  ranges: OsvRange[];
  /** Versions listed one by one. */
  versions: string[];
  /** Per-package severities (the schema forbids them together with the top-level ones). */
  severity: OsvSeverity[];
  /** `database_specific.severity` when it is a string (GitHub's `HIGH`, `MODERATE`, …). */
  databaseSeverity?: string;
}

/** One advisory, with the fields `mochi audit` uses. */
export interface OsvRecord {
  /** Its identifier (`RUSTSEC-2021-0003`, `GHSA-…`, `MOCHI-2026-0001`). */
  id: string;
  /** Last modification time, as written. */
  modified: string;
  /** Set when the advisory was withdrawn: the time, as written. */
  withdrawn?: string;
  /** Other identifiers of the same vulnerability. */
  aliases: string[];
  /** One-line summary (may be empty). */
  summary: string;
  /** Top-level severities. */
  severity: OsvSeverity[];
  /** `database_specific.severity` when it is a string. */
  databaseSeverity?: string;
  /** The affected packages. */
  affected: OsvAffected[];
}

/** Caps on one advisory (counts of items; the caller caps the bytes). */
export const OSV_LIMITS = {
  /** Longest identifier or alias, in characters. */
  idChars: 256,
  /** Longest version string, in characters. */
  versionChars: 256,
  /** Longest summary kept, in characters (longer ones are cut). */
  summaryChars: 1024,
  /** Most `affected`, `ranges`, `events`, `versions`, `aliases` or `severity` items per list. */
  listItems: 10_000,
} as const;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Reads one OSV record from its parsed JSON. Unknown fields are ignored; what `mochi audit` uses
 * is checked: types, lengths, list sizes, one key per event, a known range type.
 *
 * @param value the parsed JSON
 * @param source where it came from (a file path or URL), for messages
 * @returns the record
 * @throws {MochiError} `AUDIT_E001` naming the source and the field when it is not valid OSV
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isAffected, readOsv, semverOrder } from "@mochi/pkg/audit";
 * const rec = readOsv({
 *   id: "MOCHI-2026-0001",
 *   modified: "2026-01-01T00:00:00Z",
 *   affected: [{
 *     package: { ecosystem: "Mochi", name: "left-pad" },
 *     ranges: [{ type: "SEMVER", events: [{ introduced: "0" }, { fixed: "1.0.1" }] }],
 *   }],
 * }, "example.json");
 * assert.equal(isAffected(rec.affected[0]!, "1.0.0", semverOrder), true);
 * assert.equal(isAffected(rec.affected[0]!, "1.0.1", semverOrder), false);
 * ```
 */
export function readOsv(value: unknown, source: string): OsvRecord {
  const fail = (field: string, what: string): never => {
    throw new MochiError("AUDIT_E001", `${source}: ${field} ${what}`, {
      hint: "fix or remove that advisory file (the OSV schema: ossf/osv-schema docs/schema.md)",
    });
  };
  const str = (v: unknown, field: string, max: number): string => {
    if (typeof v !== "string") return fail(field, "must be a string");
    if (v.length === 0 || v.length > max) {
      return fail(field, `must be 1 to ${max} characters, got ${quoteValue(v, 40)}`);
    }
    return v;
  };
  const list = (v: unknown, field: string): unknown[] => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) return fail(field, "must be an array");
    if (v.length > OSV_LIMITS.listItems) {
      return fail(field, `has ${v.length} items, more than ${OSV_LIMITS.listItems}`);
    }
    return v;
  };
  const severities = (v: unknown, field: string): OsvSeverity[] =>
    list(v, field).map((s, i) => {
      if (!isObject(s)) return fail(`${field}[${i}]`, "must be an object");
      return {
        type: str(s.type, `${field}[${i}].type`, 64),
        score: str(s.score, `${field}[${i}].score`, 1024),
      };
    });
  const dbSeverity = (v: unknown): string | undefined =>
    isObject(v) && typeof v.severity === "string" && v.severity.length <= 32
      ? v.severity
      : undefined;

  if (!isObject(value)) return fail("the record", "must be a JSON object");
  const id = str(value.id, "id", OSV_LIMITS.idChars);
  const modified = typeof value.modified === "string" ? value.modified.slice(0, 64) : "";
  const aliases = list(value.aliases, "aliases").map((a, i) =>
    str(a, `aliases[${i}]`, OSV_LIMITS.idChars)
  );
  const summary = typeof value.summary === "string"
    ? value.summary.slice(0, OSV_LIMITS.summaryChars)
    : "";
  const affected = list(value.affected, "affected").map((a, i): OsvAffected => {
    const at = `affected[${i}]`;
    if (!isObject(a)) return fail(at, "must be an object");
    if (!isObject(a.package)) return fail(`${at}.package`, "must be an object");
    const ranges = list(a.ranges, `${at}.ranges`).map((r, j): OsvRange => {
      const rat = `${at}.ranges[${j}]`;
      if (!isObject(r)) return fail(rat, "must be an object");
      if (r.type !== "SEMVER" && r.type !== "ECOSYSTEM" && r.type !== "GIT") {
        return fail(
          `${rat}.type`,
          `must be SEMVER, ECOSYSTEM or GIT, got ${quoteValue(String(r.type), 40)}`,
        );
      }
      const events = list(r.events, `${rat}.events`).map((e, k): OsvEvent => {
        const eat = `${rat}.events[${k}]`;
        if (!isObject(e)) return fail(eat, "must be an object");
        const keys = ["introduced", "fixed", "last_affected", "limit"].filter((key) =>
          Object.hasOwn(e, key)
        );
        if (keys.length !== 1) {
          return fail(eat, "must have exactly one of introduced, fixed, last_affected, limit");
        }
        const key = keys[0]!;
        const v = str(e[key], `${eat}.${key}`, OSV_LIMITS.versionChars);
        return { [key]: v } as OsvEvent;
      });
      if (!events.some((e) => "introduced" in e)) {
        return fail(`${rat}.events`, "must have at least one introduced event");
      }
      return { type: r.type, events };
    });
    const out: OsvAffected = {
      ecosystem: str(a.package.ecosystem, `${at}.package.ecosystem`, 128),
      name: str(a.package.name, `${at}.package.name`, 512),
      ranges,
      versions: list(a.versions, `${at}.versions`).map((v, j) =>
        str(v, `${at}.versions[${j}]`, OSV_LIMITS.versionChars)
      ),
      severity: severities(a.severity, `${at}.severity`),
    };
    const ds = dbSeverity(a.database_specific);
    if (ds !== undefined) out.databaseSeverity = ds;
    return out;
  });
  const rec: OsvRecord = {
    id,
    modified,
    aliases,
    summary,
    severity: severities(value.severity, "severity"),
    affected,
  };
  if (typeof value.withdrawn === "string" && value.withdrawn.length > 0) {
    rec.withdrawn = value.withdrawn.slice(0, 64);
  }
  const ds = dbSeverity(value.database_specific);
  if (ds !== undefined) rec.databaseSeverity = ds;
  return rec;
}

/**
 * A total order on an ecosystem's version strings: negative, zero or positive; throws for a
 * string that is not a version of the scheme.
 */
export type VersionOrder = (a: string, b: string) => number;

/**
 * The version of an event, whatever its kind.
 *
 * @example
 * ```ts
 * import { eventVersion } from "@mochi/pkg/audit";
 * import assert from "node:assert/strict";
 * assert.equal(eventVersion({ introduced: "0" }), "0");
 * assert.equal(eventVersion({ fixed: "1.0.1" }), "1.0.1");
 * assert.equal(eventVersion({ last_affected: "0.9.0" }), "0.9.0");
 * assert.equal(eventVersion({ limit: "*" }), "*");
 * ```
 */
export function eventVersion(e: OsvEvent): string {
  return "introduced" in e
    ? e.introduced
    : "fixed" in e
    ? e.fixed
    : "last_affected" in e
    ? e.last_affected
    : e.limit;
}

/** Compares two event versions: `"0"` (introduced) first, `"*"` (limit) last. */
function compareEventVersions(a: string, b: string, order: VersionOrder): number {
  if (a === b) return 0;
  if (a === "0") return -1;
  if (b === "0") return 1;
  if (a === "*") return 1;
  if (b === "*") return -1;
  return order(a, b);
}

/**
 * Whether `version` lies in one `SEMVER` or `ECOSYSTEM` range: the schema's `BeforeLimits` and
 * the loop of `IncludedInRanges` over the events sorted by version (stable: equal versions keep
 * the record's order).
 *
 * @param range the range
 * @param version the version asked about
 * @param order the ecosystem's version order
 * @returns true when affected
 * @throws whatever `order` throws for a string it cannot read
 *
 * @example
 * ```ts
 * import { rangeIncludes, semverOrder } from "@mochi/pkg/audit";
 * import assert from "node:assert/strict";
 * const range = {
 *   type: "SEMVER" as const,
 *   events: [{ introduced: "1.0.0" }, { fixed: "1.2.0" }, { introduced: "2.0.0" }, { last_affected: "2.1.0" }],
 * };
 * assert.equal(rangeIncludes(range, "0.9.0", semverOrder), false);
 * assert.equal(rangeIncludes(range, "1.1.5", semverOrder), true);
 * assert.equal(rangeIncludes(range, "1.2.0", semverOrder), false);
 * assert.equal(rangeIncludes(range, "2.1.0", semverOrder), true); // last_affected is included
 * assert.equal(rangeIncludes(range, "2.1.1", semverOrder), false);
 * ```
 */
export function rangeIncludes(range: OsvRange, version: string, order: VersionOrder): boolean {
  const limits = range.events.filter((e): e is { limit: string } => "limit" in e);
  if (
    limits.length > 0 &&
    !limits.some((e) => e.limit === "*" || order(version, e.limit) < 0)
  ) {
    return false;
  }
  const sorted = [...range.events].sort((a, b) =>
    compareEventVersions(eventVersion(a), eventVersion(b), order)
  );
  let vulnerable = false;
  for (const e of sorted) {
    if ("introduced" in e) {
      if (e.introduced === "0" || order(version, e.introduced) >= 0) vulnerable = true;
    } else if ("fixed" in e) {
      if (order(version, e.fixed) >= 0) vulnerable = false;
    } else if ("last_affected" in e) {
      if (order(version, e.last_affected) > 0) vulnerable = false;
    }
  }
  return vulnerable;
}

/**
 * The schema's `IsVulnerable` for one `affected` entry: listed in `versions`, or inside one of its
 * `SEMVER`/`ECOSYSTEM` ranges.
 *
 * @param affected the entry
 * @param version the version asked about
 * @param order the ecosystem's version order
 * @returns true when affected
 * @throws whatever `order` throws for a string it cannot read
 *
 * @example
 * ```ts
 * import { isAffected, semverOrder } from "@mochi/pkg/audit";
 * import assert from "node:assert/strict";
 * const affected = {
 *   ecosystem: "crates.io",
 *   name: "demo",
 *   ranges: [{ type: "SEMVER" as const, events: [{ introduced: "0" }, { fixed: "0.3.0" }] }],
 *   versions: ["1.0.0"],
 *   severity: [],
 * };
 * assert.equal(isAffected(affected, "0.2.9", semverOrder), true);
 * assert.equal(isAffected(affected, "0.3.0", semverOrder), false);
 * assert.equal(isAffected(affected, "1.0.0", semverOrder), true); // listed one by one
 * ```
 */
export function isAffected(affected: OsvAffected, version: string, order: VersionOrder): boolean {
  if (affected.versions.includes(version)) return true;
  return affected.ranges.some((r) => r.type !== "GIT" && rangeIncludes(r, version, order));
}

/**
 * The fixed versions an entry names, in the record's order, without repeats.
 *
 * @example
 * ```ts
 * import { fixedVersions } from "@mochi/pkg/audit";
 * import assert from "node:assert/strict";
 * const affected = {
 *   ecosystem: "Mochi",
 *   name: "demo",
 *   ranges: [
 *     { type: "SEMVER" as const, events: [{ introduced: "0" }, { fixed: "1.0.1" }] },
 *     { type: "ECOSYSTEM" as const, events: [{ introduced: "2.0.0" }, { fixed: "2.0.3" }] },
 *     { type: "GIT" as const, events: [{ introduced: "0" }, { fixed: "abc123" }] },
 *   ],
 *   versions: [],
 *   severity: [],
 * };
 * assert.deepEqual(fixedVersions(affected), ["1.0.1", "2.0.3"]);
 * ```
 */
export function fixedVersions(affected: OsvAffected): string[] {
  const out: string[] = [];
  for (const r of affected.ranges) {
    if (r.type === "GIT") continue;
    for (const e of r.events) if ("fixed" in e && !out.includes(e.fixed)) out.push(e.fixed);
  }
  return out;
}

/**
 * The last-affected versions an entry names, in the record's order, without repeats.
 *
 * @example
 * ```ts
 * import { lastAffectedVersions } from "@mochi/pkg/audit";
 * import assert from "node:assert/strict";
 * const affected = {
 *   ecosystem: "Mochi",
 *   name: "demo",
 *   ranges: [{ type: "SEMVER" as const, events: [{ introduced: "0" }, { last_affected: "1.4.2" }] }],
 *   versions: [],
 *   severity: [],
 * };
 * assert.deepEqual(lastAffectedVersions(affected), ["1.4.2"]);
 * ```
 */
export function lastAffectedVersions(affected: OsvAffected): string[] {
  const out: string[] = [];
  for (const r of affected.ranges) {
    if (r.type === "GIT") continue;
    for (const e of r.events) {
      if ("last_affected" in e && !out.includes(e.last_affected)) out.push(e.last_affected);
    }
  }
  return out;
}

/**
 * SemVer 2.0.0 precedence (build metadata ignored), the order of `SEMVER` ranges and of the
 * `Mochi` and `crates.io` ecosystems.
 *
 * @param a a version
 * @param b another
 * @returns negative, zero or positive
 * @throws {MochiError} `SEMVER_E001` when either is not a SemVer version
 *
 * @example
 * ```ts
 * import { semverOrder } from "@mochi/pkg/audit";
 * import assert from "node:assert/strict";
 * assert(semverOrder("1.0.0-rc.1", "1.0.0") < 0);
 * assert.equal(semverOrder("1.0.0+build.5", "1.0.0"), 0);
 * assert.throws(() => semverOrder("1.0", "1.0.0"));
 * ```
 */
export function semverOrder(a: string, b: string): number {
  return compareVersions(parseVersion(a), parseVersion(b));
}
