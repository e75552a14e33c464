/**
 * SemVer 2.0.0 versions: parsing, formatting and precedence.
 *
 * Follows semver.org 2.0.0 §2–§11 and the Rust `semver` crate that cargo uses: no leading zeros in
 * numeric parts or numeric pre-release identifiers, build metadata kept but ignored for ordering.
 *
 * @module
 */
import { MochiError, quoteValue } from "../errors.ts";

/** A parsed SemVer 2.0.0 version. Immutable. */
export interface Version {
  /** MAJOR, a non-negative safe integer. */
  readonly major: number;
  /** MINOR, a non-negative safe integer. */
  readonly minor: number;
  /** PATCH, a non-negative safe integer. */
  readonly patch: number;
  /** Pre-release identifiers (`["rc", "1"]` for `-rc.1`); empty for a release. */
  readonly pre: readonly string[];
  /** Build metadata identifiers (`["build", "42"]`); ignored for ordering and matching. */
  readonly build: readonly string[];
}

const NUMERIC_REGEXP = /^(0|[1-9][0-9]*)$/;
const IDENT_REGEXP = /^[0-9A-Za-z-]+$/;
const DIGITS_REGEXP = /^[0-9]+$/;

function fail(text: string, why: string): never {
  throw new MochiError("SEMVER_E001", `invalid version ${quoteValue(text)}: ${why}`, {
    hint: "versions are MAJOR.MINOR.PATCH with optional -PRERELEASE and +BUILD, e.g. 1.4.0-rc.1",
  });
}

/**
 * Parses one numeric version part (major, minor or patch).
 *
 * @param part the digits
 * @param text the whole input, for the error message
 * @param what which part it is
 * @returns the number
 * @throws {MochiError} SEMVER_E001 when not a number without leading zeros, or not a safe integer
 */
export function parseNumericPart(part: string, text: string, what: string): number {
  if (!NUMERIC_REGEXP.test(part)) {
    fail(
      text,
      part === ""
        ? `${what} is empty`
        : DIGITS_REGEXP.test(part)
        ? `${what} "${part}" has a leading zero`
        : `${what} "${part}" is not a number`,
    );
  }
  const n = Number(part);
  if (!Number.isSafeInteger(n)) fail(text, `${what} "${part}" is too large`);
  return n;
}

function parseIdentifiers(part: string, text: string, what: string, numericRule: boolean) {
  const ids = part.split(".");
  for (const id of ids) {
    if (id === "") fail(text, `${what} has an empty identifier`);
    if (!IDENT_REGEXP.test(id)) {
      fail(text, `${what} identifier "${id}" has a character outside [0-9A-Za-z-]`);
    }
    if (numericRule && DIGITS_REGEXP.test(id) && id.length > 1 && id[0] === "0") {
      fail(text, `${what} identifier "${id}" has a leading zero`);
    }
  }
  return ids;
}

/**
 * Parses a SemVer 2.0.0 version such as `1.2.3`, `1.0.0-rc.1` or `2.0.0+build.5`.
 *
 * @param text the version text; surrounding whitespace is not allowed
 * @returns the parsed {@link Version}
 * @throws {MochiError} SEMVER_E001 naming the text and what is wrong
 * @example
 * ```ts
 * import { parseVersion } from "@mochi/pkg/semver";
 * import assert from "node:assert/strict";
 *
 * const v = parseVersion("1.2.3-rc.1");
 * assert.deepEqual([v.major, v.minor, v.patch, v.pre[0]], [1, 2, 3, "rc"]);
 * assert.throws(() => parseVersion("1.2"), { code: "SEMVER_E001" });
 * ```
 */
export function parseVersion(text: string): Version {
  if (typeof text !== "string") fail(String(text), "not a string");
  let rest = text;
  let build: string[] = [];
  const plus = rest.indexOf("+");
  if (plus >= 0) {
    build = parseIdentifiers(rest.slice(plus + 1), text, "build metadata", false);
    rest = rest.slice(0, plus);
  }
  let pre: string[] = [];
  const dash = rest.indexOf("-");
  if (dash >= 0) {
    pre = parseIdentifiers(rest.slice(dash + 1), text, "pre-release", true);
    rest = rest.slice(0, dash);
  }
  const parts = rest.split(".");
  if (parts.length !== 3) {
    fail(
      text,
      `expected MAJOR.MINOR.PATCH, found ${parts.length} part${parts.length === 1 ? "" : "s"}`,
    );
  }
  return {
    major: parseNumericPart(parts[0]!, text, "major"),
    minor: parseNumericPart(parts[1]!, text, "minor"),
    patch: parseNumericPart(parts[2]!, text, "patch"),
    pre,
    build,
  };
}

/**
 * Parses a version, returning `undefined` instead of throwing.
 *
 * @param text the version text
 * @returns the version, or undefined when `text` is not valid SemVer 2.0.0
 */
export function tryParseVersion(text: string): Version | undefined {
  try {
    return parseVersion(text);
  } catch {
    // Expected absence: invalid input is the documented undefined result.
    return undefined;
  }
}

/**
 * Formats a version in its canonical SemVer text (`1.2.3-rc.1+build`).
 *
 * @param v the version
 * @returns the text, which {@link parseVersion} reads back to an equal version
 */
export function formatVersion(v: Version): string {
  let s = `${v.major}.${v.minor}.${v.patch}`;
  if (v.pre.length > 0) s += `-${v.pre.join(".")}`;
  if (v.build.length > 0) s += `+${v.build.join(".")}`;
  return s;
}

function compareIdentifier(a: string, b: string): number {
  const an = DIGITS_REGEXP.test(a);
  const bn = DIGITS_REGEXP.test(b);
  if (an && bn) {
    // Numeric identifiers compare numerically; compare by length first to stay exact past 2^53.
    if (a.length !== b.length) return a.length < b.length ? -1 : 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (an) return -1; // numeric identifiers have lower precedence (semver §11.4.3)
  if (bn) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Compares two versions by SemVer precedence (semver.org §11); build metadata is ignored.
 *
 * @param a first version
 * @param b second version
 * @returns a negative number when a < b, 0 when equal, positive when a > b
 */
export function compareVersions(a: Version, b: Version): number {
  if (a.major !== b.major) return a.major < b.major ? -1 : 1;
  if (a.minor !== b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch !== b.patch) return a.patch < b.patch ? -1 : 1;
  const ap = a.pre, bp = b.pre;
  if (ap.length === 0 || bp.length === 0) {
    if (ap.length === bp.length) return 0;
    return ap.length === 0 ? 1 : -1; // a release ranks above its pre-releases
  }
  const n = Math.min(ap.length, bp.length);
  for (let i = 0; i < n; i++) {
    const c = compareIdentifier(ap[i]!, bp[i]!);
    if (c !== 0) return c;
  }
  return ap.length === bp.length ? 0 : ap.length < bp.length ? -1 : 1;
}

/**
 * Whether two versions are equal by precedence (build metadata ignored).
 *
 * @param a first version
 * @param b second version
 * @returns true when {@link compareVersions} is 0
 */
export function versionsEqual(a: Version, b: Version): boolean {
  return compareVersions(a, b) === 0;
}

/**
 * Cargo's semver-compatibility bucket of a version: `"1"` for 1.x.y, `"0.8"` for 0.8.y,
 * `"0.0.3"` for 0.0.3 (cargo `SemverCompatibility`). Versions in one bucket cannot coexist in a
 * graph; versions of different buckets can, where `allow-multi-version` permits.
 *
 * @param v the version
 * @returns the bucket key
 */
export function compatibilityKey(v: Version): string {
  if (v.major > 0) return `${v.major}`;
  if (v.minor > 0) return `0.${v.minor}`;
  return `0.0.${v.patch}`;
}

/**
 * Builds a release version from its three numbers.
 *
 * @param major MAJOR
 * @param minor MINOR
 * @param patch PATCH
 * @param pre pre-release identifiers, default none
 * @returns the version
 */
export function makeVersion(
  major: number,
  minor: number,
  patch: number,
  pre: readonly string[] = [],
): Version {
  return { major, minor, patch, pre, build: [] };
}
