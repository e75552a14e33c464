/**
 * Version and range mapping: a Mochi SemVer 2.0.0 version or cargo-grammar requirement, written
 * in each target ecosystem's own scheme so that the ecosystem's comparison orders the mapped
 * versions as SemVer orders the originals, and the mapped range admits the releases the Mochi
 * requirement admits.
 *
 * | ecosystem | version | `^1.2` | `=1.2.3` |
 * |---|---|---|---|
 * | npm, JSR | identity | `^1.2` | `=1.2.3` |
 * | crates | identity | `^1.2` | `=1.2.3` |
 * | Hex | identity | `>= 1.2.0 and < 2.0.0` | `== 1.2.3` |
 * | PyPI (PEP 440) | `1.2.0-rc.1` → `1.2.0rc1` | `>=1.2.0,<2.0.0` | `==1.2.3` |
 * | Maven | `1.2.0-rc.1` (ComparableVersion order) | `[1.2.0,2.0.0)` | `[1.2.3]` |
 * | NuGet (SemVer 2.0.0) | identity | `[1.2.0, 2.0.0)` | `[1.2.3]` |
 * | SwiftPM (SE-0292) | identity | `"1.2.0"..<"2.0.0"` | `exact: "1.2.3"` |
 *
 * PEP 440 and Maven take only the pre-releases `alpha.N`, `beta.N` and `rc.N` (PEP 440 `aN`,
 * `bN`, `rcN`; Maven's `alpha` < `beta` < `rc` < release); any other pre-release is refused
 * rather than guessed. Build metadata is refused where the ecosystem drops or ignores it (npm,
 * JSR, PyPI, Maven, NuGet), since two Mochi versions would then collide. NuGet compares
 * pre-release labels case-insensitively, so a pre-release with capitals is refused there.
 *
 * Sources: PEP 440 (pre-release spelling and `<V` excluding V's pre-releases); Maven's
 * `ComparableVersion` (qualifier order); NuGet's version-range syntax (docs "Package
 * versioning"); Elixir's `Version` requirement syntax (`and`, `==`); SwiftPM's
 * `PackageDescription` ranges (`..<`, `...`, `exact:`); npm's node-semver ranges (the same
 * caret, tilde and X-range meaning as cargo's).
 *
 * @module
 */

import { MochiError } from "../errors.ts";
import {
  type Comparator,
  compareVersions,
  formatComparator,
  formatVersion,
  makeVersion,
  parseRequirement,
  parseVersion,
  type Version,
} from "../semver/mod.ts";
import type { Ecosystem } from "./types.ts";

const PRE_MAPPABLE = /^(alpha|beta|rc)$/;
const PEP440_PRE: Record<string, string> = { alpha: "a", beta: "b", rc: "rc" };

function refuse(text: string, ecosystem: Ecosystem, why: string, hint: string): never {
  throw new MochiError(
    "FANOUT_E002",
    `version ${JSON.stringify(text)} cannot be mapped to ${ecosystem}: ${why}`,
    { hint },
  );
}

/** Checks the pre-release is `alpha.N`, `beta.N` or `rc.N` (PEP 440 and Maven). */
function checkRestrictedPre(text: string, v: Version, ecosystem: Ecosystem): void {
  if (v.pre.length === 0) return;
  if (v.pre.length !== 2 || !PRE_MAPPABLE.test(v.pre[0]!) || !/^(0|[1-9][0-9]*)$/.test(v.pre[1]!)) {
    refuse(
      text,
      ecosystem,
      `the pre-release "-${v.pre.join(".")}" has no counterpart that keeps the order`,
      "use -alpha.N, -beta.N or -rc.N (e.g. 1.2.0-rc.1), or do not target this ecosystem",
    );
  }
}

function versionOf(text: string | Version): { v: Version; text: string } {
  if (typeof text === "string") {
    try {
      return { v: parseVersion(text), text };
    } catch (e) {
      throw new MochiError("FANOUT_E002", `${(e as Error).message}`, {
        hint: "versions are MAJOR.MINOR.PATCH with optional -PRERELEASE, e.g. 1.4.0-rc.1",
        cause: e,
      });
    }
  }
  return { v: text, text: formatVersion(text) };
}

/**
 * The version `version` becomes on `ecosystem`.
 *
 * @example
 * ```ts
 * import { mapVersion } from "@mochi/pkg/fanout";
 * import assert from "node:assert/strict";
 *
 * assert.equal(mapVersion("pypi", "1.2.0-alpha.1"), "1.2.0a1");
 * assert.equal(mapVersion("maven", "1.2.0-rc.2"), "1.2.0-rc.2");
 * assert.equal(mapVersion("npm", "1.2.0-x.7"), "1.2.0-x.7");
 * assert.throws(() => mapVersion("pypi", "1.2.0-dev.1"), { code: "FANOUT_E002" });
 * ```
 *
 * @param ecosystem the target ecosystem
 * @param version a SemVer 2.0.0 version (text or parsed)
 * @returns the version in the ecosystem's scheme
 * @throws {MochiError} `FANOUT_E002` when the version is not SemVer or has no order-keeping
 *   counterpart there (a pre-release other than `alpha.N`/`beta.N`/`rc.N` for PyPI and Maven,
 *   build metadata where the ecosystem drops it, capitals in a NuGet pre-release)
 */
export function mapVersion(ecosystem: Ecosystem, version: string | Version): string {
  const { v, text } = versionOf(version);
  const release = `${v.major}.${v.minor}.${v.patch}`;
  const keepsBuild = ecosystem === "crates" || ecosystem === "hex" || ecosystem === "swiftpm";
  if (v.build.length > 0 && !keepsBuild) {
    refuse(
      text,
      ecosystem,
      `${ecosystem} drops or ignores build metadata ("+${v.build.join(".")}")`,
      "publish without +BUILD metadata, or fold it into the version",
    );
  }
  switch (ecosystem) {
    case "npm":
    case "jsr":
    case "crates":
    case "hex":
    case "swiftpm":
      return formatVersion(v);
    case "nuget":
      if (v.pre.some((p) => /[A-Z]/.test(p))) {
        refuse(
          text,
          ecosystem,
          "NuGet compares pre-release labels ignoring case, so the order could change",
          "write the pre-release in lower case",
        );
      }
      return formatVersion(v);
    case "pypi":
      checkRestrictedPre(text, v, ecosystem);
      return v.pre.length === 0 ? release : `${release}${PEP440_PRE[v.pre[0]!]}${v.pre[1]}`;
    case "maven":
      checkRestrictedPre(text, v, ecosystem);
      return v.pre.length === 0 ? release : `${release}-${v.pre[0]}.${v.pre[1]}`;
  }
}

/** One end of an interval: a version and whether it is included. */
export interface Bound {
  /** The version at the end. */
  version: Version;
  /** Whether the version itself is in the interval. */
  inclusive: boolean;
}

/** The interval a requirement admits: from `lower` up to `upper`; `undefined` = unbounded. */
export interface VersionInterval {
  /** The lowest end, or none. */
  lower?: Bound;
  /** The highest end, or none. */
  upper?: Bound;
}

function v3(major: number, minor: number, patch: number, pre: readonly string[] = []): Version {
  return makeVersion(major, minor, patch, pre);
}

/** The interval one cargo comparator admits (releases; pre-release names kept on the ends). */
function intervalOf(c: Comparator): VersionInterval {
  const M = c.major;
  if (M === undefined) return {};
  const m = c.minor;
  const p = c.patch;
  const lowFull = v3(M, m ?? 0, p ?? 0, c.pre);
  // The version just past the written precision: 1 → 2.0.0, 1.2 → 1.3.0.
  const past = m === undefined ? v3(M + 1, 0, 0) : v3(M, m + 1, 0);
  const incl = (version: Version): Bound => ({ version, inclusive: true });
  const excl = (version: Version): Bound => ({ version, inclusive: false });
  switch (c.op) {
    case "=":
    case "*":
      return p === undefined ? { lower: incl(lowFull), upper: excl(past) } : {
        lower: incl(lowFull),
        upper: incl(lowFull),
      };
    case ">":
      return p === undefined ? { lower: incl(past) } : { lower: excl(lowFull) };
    case ">=":
      return { lower: incl(lowFull) };
    case "<":
      return { upper: excl(lowFull) };
    case "<=":
      return p === undefined ? { upper: excl(past) } : { upper: incl(lowFull) };
    case "~":
      return {
        lower: incl(lowFull),
        upper: excl(m === undefined ? v3(M + 1, 0, 0) : v3(M, m + 1, 0)),
      };
    case "^": {
      let upper: Version;
      if (M > 0 || m === undefined) upper = v3(M + 1, 0, 0);
      else if (m > 0 || p === undefined) upper = v3(0, m + 1, 0);
      else upper = v3(0, 0, p + 1);
      return { lower: incl(lowFull), upper: excl(upper) };
    }
  }
}

function tighterLower(a: Bound | undefined, b: Bound | undefined): Bound | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const c = compareVersions(a.version, b.version);
  if (c !== 0) return c > 0 ? a : b;
  return a.inclusive ? b : a;
}

function tighterUpper(a: Bound | undefined, b: Bound | undefined): Bound | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const c = compareVersions(a.version, b.version);
  if (c !== 0) return c < 0 ? a : b;
  return a.inclusive ? b : a;
}

function requirementOf(requirement: string): readonly Comparator[] {
  try {
    return parseRequirement(requirement).comparators;
  } catch (e) {
    throw new MochiError("FANOUT_E003", (e as Error).message, {
      hint: "write the requirement in cargo's grammar, e.g. ^1.2 or >=1.2, <2",
      cause: e,
    });
  }
}

/**
 * The one interval a requirement admits (the intersection of its comparators' intervals).
 *
 * @param requirement a cargo-grammar requirement (`^1.2`, `>=1.2, <2`, `~0.3.1`, `*`)
 * @returns the interval; `{}` for `*`
 * @throws {MochiError} `FANOUT_E003` for an invalid requirement or one that admits nothing
 */
export function requirementInterval(requirement: string): VersionInterval {
  let lower: Bound | undefined;
  let upper: Bound | undefined;
  for (const c of requirementOf(requirement)) {
    const i = intervalOf(c);
    lower = tighterLower(lower, i.lower);
    upper = tighterUpper(upper, i.upper);
  }
  if (lower !== undefined && upper !== undefined) {
    const c = compareVersions(lower.version, upper.version);
    if (c > 0 || (c === 0 && !(lower.inclusive && upper.inclusive))) {
      throw new MochiError(
        "FANOUT_E003",
        `requirement ${JSON.stringify(requirement)} admits no version`,
        { hint: "fix the requirement's bounds" },
      );
    }
  }
  const out: VersionInterval = {};
  if (lower !== undefined) out.lower = lower;
  if (upper !== undefined) out.upper = upper;
  return out;
}

function mapBound(eco: Ecosystem, requirement: string, b: Bound): string {
  try {
    return mapVersion(eco, b.version);
  } catch (e) {
    throw new MochiError(
      "FANOUT_E003",
      `requirement ${JSON.stringify(requirement)} cannot be mapped to ${eco}: ${
        (e as Error).message
      }`,
      { hint: "use -alpha.N, -beta.N or -rc.N pre-releases in requirements", cause: e },
    );
  }
}

/**
 * The range `requirement` becomes on `ecosystem`, in its own syntax.
 *
 * @example
 * ```ts
 * import { mapRange } from "@mochi/pkg/fanout";
 * import assert from "node:assert/strict";
 *
 * assert.equal(mapRange("pypi", "^1.2"), ">=1.2.0,<2.0.0");
 * assert.equal(mapRange("maven", "^1.2"), "[1.2.0,2.0.0)");
 * assert.equal(mapRange("nuget", "=1.2.3"), "[1.2.3]");
 * assert.equal(mapRange("npm", ">=1.2, <2"), ">=1.2 <2");
 * assert.equal(mapRange("hex", "~1.2.3"), ">= 1.2.3 and < 1.3.0");
 * ```
 *
 * @param ecosystem the target ecosystem
 * @param requirement a cargo-grammar requirement
 * @returns the range in the ecosystem's syntax (npm/JSR: node-semver, crates: cargo, PyPI: PEP
 *   440 specifiers, Maven and NuGet: interval notation, Hex: Elixir requirement, SwiftPM: a
 *   `PackageDescription` requirement expression)
 * @throws {MochiError} `FANOUT_E003` for an invalid requirement, one admitting nothing, one whose
 *   ends have no counterpart there, or (SwiftPM) an exclusive pre-release lower end
 */
export function mapRange(ecosystem: Ecosystem, requirement: string): string {
  const comparators = requirementOf(requirement);
  switch (ecosystem) {
    case "npm":
    case "jsr":
      requirementInterval(requirement);
      // node-semver gives ^, ~, X-ranges and pre-release opt-in the meaning cargo gives them.
      return comparators.length === 0 ? "*" : comparators.map(formatComparator).join(" ");
    case "crates":
      requirementInterval(requirement);
      return comparators.length === 0 ? "*" : comparators.map(formatComparator).join(", ");
    default:
      break;
  }
  const { lower, upper } = requirementInterval(requirement);
  const lo = lower === undefined ? undefined : mapBound(ecosystem, requirement, lower);
  const hi = upper === undefined ? undefined : mapBound(ecosystem, requirement, upper);
  const exact = lower !== undefined && upper !== undefined &&
    compareVersions(lower.version, upper.version) === 0;
  switch (ecosystem) {
    case "pypi": {
      if (exact) return `==${lo}`;
      const parts: string[] = [];
      if (lower !== undefined) parts.push(`${lower.inclusive ? ">=" : ">"}${lo}`);
      if (upper !== undefined) parts.push(`${upper.inclusive ? "<=" : "<"}${hi}`);
      return parts.length === 0 ? ">=0" : parts.join(",");
    }
    case "hex": {
      if (exact) return `== ${lo}`;
      const parts: string[] = [];
      if (lower !== undefined) parts.push(`${lower.inclusive ? ">=" : ">"} ${lo}`);
      if (upper !== undefined) parts.push(`${upper.inclusive ? "<=" : "<"} ${hi}`);
      return parts.length === 0 ? ">= 0.0.0" : parts.join(" and ");
    }
    case "maven":
    case "nuget": {
      if (exact) return `[${lo}]`;
      const sep = ecosystem === "nuget" ? ", " : ",";
      const open = lower === undefined ? "(" : lower.inclusive ? "[" : "(";
      const close = upper === undefined ? ")" : upper.inclusive ? "]" : ")";
      if (lower === undefined && upper === undefined) {
        return ecosystem === "nuget" ? "0.0.0" : "[0,)";
      }
      return `${open}${lo ?? ""}${sep}${hi ?? ""}${close}`;
    }
    case "swiftpm": {
      if (exact) return `exact: "${lo}"`;
      let from = lo ?? "0.0.0";
      if (lower !== undefined && !lower.inclusive) {
        if (lower.version.pre.length > 0) {
          throw new MochiError(
            "FANOUT_E003",
            `requirement ${
              JSON.stringify(requirement)
            } cannot be mapped to swiftpm: a range cannot exclude a pre-release lower end`,
            { hint: "write >= instead of > for a pre-release lower end" },
          );
        }
        // Pre-releases of the next patch are outside cargo's `>1.2.3` too (not named by it).
        const v = lower.version;
        from = `${v.major}.${v.minor}.${v.patch + 1}`;
      }
      // SwiftPM has no open-ended range (`from:` stops at the next major): a far upper end.
      if (upper === undefined) return `"${from}"..<"${Number.MAX_SAFE_INTEGER}.0.0"`;
      return `"${from}"${upper.inclusive ? "..." : "..<"}"${hi}"`;
    }
  }
}
