/**
 * Version requirements in cargo's grammar and semantics.
 *
 * Follows the Rust `semver` crate 1.x (`VersionReq`), which cargo uses: comparators joined by `,`
 * (AND), operators `=`, `>`, `>=`, `<`, `<=`, `~`, `^`, a bare version meaning `^`, partial
 * versions (`1`, `1.2`), wildcards (`*`, `1.*`, `1.2.*`, also `x`/`X`). A pre-release version
 * matches only when some comparator names a pre-release of the same `major.minor.patch`
 * (semver crate `matches_prerelease`). There is no `||`.
 *
 * @module
 */
import { MochiError, quoteValue } from "../errors.ts";
import { compareVersions, parseNumericPart, parseVersion, type Version } from "./version.ts";

/** A comparator operator. `"*"` is a wildcard comparator (`*`, `1.*`, `1.2.*`). */
export type Operator = "=" | ">" | ">=" | "<" | "<=" | "~" | "^" | "*";

/** One comparator of a requirement, e.g. `>=1.2` is `{ op: ">=", major: 1, minor: 2 }`. */
export interface Comparator {
  /** The operator; a bare version is stored as `"^"`, a wildcard as `"*"`. */
  readonly op: Operator;
  /** MAJOR; `undefined` only for the full wildcard `*`. */
  readonly major: number | undefined;
  /** MINOR, or undefined when not written. */
  readonly minor: number | undefined;
  /** PATCH, or undefined when not written. */
  readonly patch: number | undefined;
  /** Pre-release identifiers; non-empty only when PATCH is written. */
  readonly pre: readonly string[];
}

/** A parsed requirement: the AND of its comparators. */
export interface Requirement {
  /** The comparators, in written order. */
  readonly comparators: readonly Comparator[];
}

const OPS = [">=", "<=", "=", ">", "<", "~", "^"] as const;
const WILDCARDS = new Set(["*", "x", "X"]);

function fail(text: string, why: string): never {
  throw new MochiError("SEMVER_E002", `invalid requirement ${quoteValue(text)}: ${why}`, {
    hint: 'use cargo syntax, e.g. "1.2", "^1.2.3", ">=1.0, <2.0", "~0.4", "=1.0.0" or "*"',
  });
}

function parseComparator(part: string, text: string): Comparator {
  let rest = part.trim();
  if (rest === "") fail(text, "empty comparator");
  let op: Operator | undefined;
  for (const candidate of OPS) {
    if (rest.startsWith(candidate)) {
      op = candidate;
      rest = rest.slice(candidate.length).trim();
      break;
    }
  }
  if (rest === "") fail(text, `operator "${op}" has no version`);
  if (/\s/.test(rest)) fail(text, `unexpected space in "${part.trim()}"`);
  if (rest.includes("+")) fail(text, `build metadata is not allowed in "${part.trim()}"`);
  const dash = rest.indexOf("-");
  const core = dash >= 0 ? rest.slice(0, dash) : rest;
  const preText = dash >= 0 ? rest.slice(dash + 1) : undefined;
  const pieces = core.split(".");
  if (pieces.length > 3) fail(text, `"${core}" has more than three parts`);
  const nums: (number | undefined)[] = [];
  let wildcardAt = -1;
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i];
    if (WILDCARDS.has(piece)) {
      if (wildcardAt < 0) wildcardAt = i;
      nums.push(undefined);
      continue;
    }
    if (wildcardAt >= 0) fail(text, `a number follows a wildcard in "${core}"`);
    try {
      nums.push(parseNumericPart(piece, text, ["major", "minor", "patch"][i]));
    } catch (e) {
      fail(text, (e as Error).message.replace(/^invalid version "[^"]*": /, ""));
    }
  }
  let pre: readonly string[] = [];
  if (preText !== undefined) {
    if (pieces.length !== 3 || wildcardAt >= 0) {
      fail(text, `a pre-release needs a full MAJOR.MINOR.PATCH version in "${part.trim()}"`);
    }
    try {
      pre = parseVersion(`0.0.0-${preText}`).pre;
    } catch (e) {
      fail(text, (e as Error).message.replace(/^invalid version "[^"]*": /, ""));
    }
  }
  const [major, minor, patch] = [nums[0], nums[1], nums[2]];
  if (wildcardAt >= 0) {
    // `*`, `1.*`, `1.2.*`: the operator (if any) applies to the written prefix.
    if (op === undefined || op === "=") op = "*";
    else if (major === undefined) fail(text, `operator "${op}" cannot take a bare wildcard`);
    return { op, major, minor, patch: undefined, pre };
  }
  return { op: op ?? "^", major, minor, patch, pre };
}

/**
 * Parses a requirement in cargo's grammar.
 *
 * @param text e.g. `"1.2"`, `">=1.0, <2.0"`, `"~0.4.1"`, `"*"`
 * @returns the parsed {@link Requirement}
 * @throws {MochiError} SEMVER_E002 naming the text and the reason
 * @example
 * ```ts
 * import { parseRequirement } from "./requirement.ts";
 * console.assert(parseRequirement(">=1.0, <2").comparators.length === 2);
 * ```
 */
export function parseRequirement(text: string): Requirement {
  if (typeof text !== "string") fail(String(text), "not a string");
  if (text.trim() === "") fail(text, "empty requirement");
  if (text.includes("||")) fail(text, `"||" is not part of cargo's grammar`);
  const comparators = text.split(",").map((part) => parseComparator(part, text));
  return { comparators };
}

/**
 * Parses a requirement, returning `undefined` instead of throwing.
 *
 * @param text the requirement text
 * @returns the requirement, or undefined when invalid
 */
export function tryParseRequirement(text: string): Requirement | undefined {
  try {
    return parseRequirement(text);
  } catch {
    // Expected absence: invalid input is the documented undefined result.
    return undefined;
  }
}

/**
 * Formats one comparator canonically (`^1.2.3`, `>=1.2`, `1.*`, `*`).
 *
 * @param c the comparator
 * @returns its text
 */
export function formatComparator(c: Comparator): string {
  if (c.op === "*") {
    if (c.major === undefined) return "*";
    return c.minor === undefined ? `${c.major}.*` : `${c.major}.${c.minor}.*`;
  }
  let v = `${c.major}`;
  if (c.minor !== undefined) v += `.${c.minor}`;
  if (c.patch !== undefined) v += `.${c.patch}`;
  if (c.pre.length > 0) v += `-${c.pre.join(".")}`;
  return `${c.op}${v}`;
}

/**
 * Formats a requirement canonically: comparators joined by `", "`.
 *
 * @param r the requirement
 * @returns text that {@link parseRequirement} reads back to an equal requirement
 */
export function formatRequirement(r: Requirement): string {
  return r.comparators.map(formatComparator).join(", ");
}

function cmpPre(a: readonly string[], b: readonly string[]): number {
  return compareVersions(
    { major: 0, minor: 0, patch: 0, pre: a, build: [] },
    { major: 0, minor: 0, patch: 0, pre: b, build: [] },
  );
}

function matchesExact(c: Comparator, v: Version): boolean {
  if (v.major !== c.major) return false;
  if (c.minor !== undefined && v.minor !== c.minor) return false;
  if (c.patch !== undefined && v.patch !== c.patch) return false;
  return cmpPre(v.pre, c.pre) === 0;
}

function matchesGreater(c: Comparator, v: Version): boolean {
  if (v.major !== c.major) return v.major > c.major!;
  if (c.minor === undefined) return false;
  if (v.minor !== c.minor) return v.minor > c.minor;
  if (c.patch === undefined) return false;
  if (v.patch !== c.patch) return v.patch > c.patch;
  return cmpPre(v.pre, c.pre) > 0;
}

function matchesLess(c: Comparator, v: Version): boolean {
  if (v.major !== c.major) return v.major < c.major!;
  if (c.minor === undefined) return false;
  if (v.minor !== c.minor) return v.minor < c.minor;
  if (c.patch === undefined) return false;
  if (v.patch !== c.patch) return v.patch < c.patch;
  return cmpPre(v.pre, c.pre) < 0;
}

function matchesTilde(c: Comparator, v: Version): boolean {
  if (v.major !== c.major) return false;
  if (c.minor !== undefined && v.minor !== c.minor) return false;
  if (c.patch !== undefined && v.patch !== c.patch) return v.patch > c.patch;
  return cmpPre(v.pre, c.pre) >= 0;
}

function matchesCaret(c: Comparator, v: Version): boolean {
  if (v.major !== c.major) return false;
  const minor = c.minor;
  if (minor === undefined) return true;
  const patch = c.patch;
  if (patch === undefined) return c.major! > 0 ? v.minor >= minor : v.minor === minor;
  if (c.major! > 0) {
    if (v.minor !== minor) return v.minor > minor;
    if (v.patch !== patch) return v.patch > patch;
  } else if (minor > 0) {
    if (v.minor !== minor) return false;
    if (v.patch !== patch) return v.patch > patch;
  } else if (v.minor !== minor || v.patch !== patch) {
    return false;
  }
  return cmpPre(v.pre, c.pre) >= 0;
}

function matchesComparator(c: Comparator, v: Version): boolean {
  switch (c.op) {
    case "=":
      return matchesExact(c, v);
    case ">":
      return matchesGreater(c, v);
    case ">=":
      return matchesExact(c, v) || matchesGreater(c, v);
    case "<":
      return matchesLess(c, v);
    case "<=":
      return matchesExact(c, v) || matchesLess(c, v);
    case "~":
      return matchesTilde(c, v);
    case "^":
      return matchesCaret(c, v);
    case "*":
      if (c.major === undefined) return true;
      if (v.major !== c.major) return false;
      return c.minor === undefined || v.minor === c.minor;
  }
}

/**
 * Whether a comparator admits pre-releases of `v`'s `major.minor.patch` (cargo's rule: the
 * comparator names a pre-release of exactly that release).
 *
 * @param c the comparator
 * @param v a pre-release version
 * @returns true when `c` names a pre-release with the same major, minor and patch
 */
export function comparatorAdmitsPrerelease(c: Comparator, v: Version): boolean {
  return c.pre.length > 0 && c.major === v.major && c.minor === v.minor && c.patch === v.patch;
}

/**
 * Whether a version satisfies a requirement, with cargo's semantics (semver crate
 * `VersionReq::matches`): every comparator matches, and a pre-release matches only when some
 * comparator names a pre-release of the same `major.minor.patch`. Build metadata is ignored.
 *
 * @param version the candidate version
 * @param requirement the requirement
 * @returns true when the version is accepted
 * @example
 * ```ts
 * import { parseRequirement, satisfies } from "./requirement.ts";
 * import { parseVersion } from "./version.ts";
 * console.assert(satisfies(parseVersion("1.9.0"), parseRequirement("^1.2")));
 * console.assert(!satisfies(parseVersion("2.0.0-rc.1"), parseRequirement("<2")));
 * ```
 */
export function satisfies(version: Version, requirement: Requirement): boolean {
  for (const c of requirement.comparators) {
    if (!matchesComparator(c, version)) return false;
  }
  if (version.pre.length === 0) return true;
  return requirement.comparators.some((c) => comparatorAdmitsPrerelease(c, version));
}
