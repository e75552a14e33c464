/**
 * Version requirements in cargo's grammar and semantics.
 *
 * Follows the Rust `semver` crate 1.x (`VersionReq`), which cargo uses: comparators joined by `,`
 * (AND), operators `=`, `>`, `>=`, `<`, `<=`, `~`, `^`, a bare version meaning `^`, partial
 * versions (`1`, `1.2`), wildcards (`*`, `1.*`, `1.2.*`, also `x`/`X`), build metadata accepted
 * and ignored, at most 32 comparators, a bare `*` alone. A pre-release version matches only when
 * some comparator names a pre-release of the same `major.minor.patch` (semver crate
 * `matches_prerelease`). There is no `||`.
 *
 * @module
 */
import { MochiError, quoteValue } from "../errors.ts";
import { compareVersions, type Version } from "./version.ts";

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

/**
 * The most comparators one requirement may have (semver crate `MAX_COMPARATORS`): a 33rd is
 * refused, which bounds the work a hostile requirement string can cause.
 */
export const MAX_COMPARATORS = 32;

const WILDCARDS = new Set(["*", "x", "X"]);

function fail(text: string, why: string): never {
  throw new MochiError("SEMVER_E002", `invalid requirement ${quoteValue(text)}: ${why}`, {
    hint: 'use cargo syntax, e.g. "1.2", "^1.2.3", ">=1.0, <2.0", "~0.4", "=1.0.0" or "*"',
  });
}

/** Drops leading spaces (only U+0020, as the semver crate does; a tab is an error). */
function skipSpaces(s: string): string {
  let i = 0;
  while (s.charCodeAt(i) === 0x20) i++;
  return s.slice(i);
}

function found(s: string): string {
  return s === "" ? "the end of the input" : `${JSON.stringify(s[0])}`;
}

/** A MAJOR, MINOR or PATCH number at the start of `s` (no leading zero, a safe integer). */
function numeric(s: string, text: string, what: string): [number, string] {
  const digits = /^[0-9]+/.exec(s)?.[0];
  if (digits === undefined) fail(text, `expected the ${what} version number, found ${found(s)}`);
  if (digits.length > 1 && digits[0] === "0") {
    fail(text, `the ${what} version number ${digits} has a leading zero`);
  }
  const n = Number(digits);
  if (!Number.isSafeInteger(n)) fail(text, `the ${what} version number ${digits} is too large`);
  return [n, s.slice(digits.length)];
}

/**
 * Dot-separated identifiers `[0-9A-Za-z-]+` at the start of `s` (semver crate `identifier`):
 * a pre-release identifier of digits only has no leading zero; build metadata may.
 */
function identifiers(
  s: string,
  text: string,
  what: string,
  numericRule: boolean,
): [string[], string] {
  const m = /^[0-9A-Za-z-]*(?:\.[0-9A-Za-z-]*)*/.exec(s)![0];
  const ids = m.split(".");
  for (const id of ids) {
    if (id === "") fail(text, `the ${what} has an empty identifier`);
    if (numericRule && /^0[0-9]+$/.test(id)) {
      fail(text, `the ${what} identifier ${id} has a leading zero`);
    }
  }
  return [ids, s.slice(m.length)];
}

/**
 * One comparator at the start of `input`, and what follows it (spaces skipped). Mirrors the
 * semver crate's `comparator`: an operator, spaces, MAJOR[.MINOR[.PATCH]] where MINOR and PATCH
 * may be wildcards (a bare one makes a wildcard comparator; after an operator it just ends the
 * version: `>=1.*` is `>=1`), then, after a full version only, `-PRERELEASE` and `+BUILD` (build
 * metadata is read and ignored, as cargo does: `=0.11.0+wasi-snapshot-preview1`).
 */
function comparator(input: string, text: string): [Comparator, string] {
  let op: Operator | undefined;
  let s = input;
  if (s.startsWith(">=") || s.startsWith("<=")) {
    op = s.slice(0, 2) as Operator;
    s = s.slice(2);
  } else if (/^[=><~^]/.test(s)) {
    op = s[0] as Operator;
    s = s.slice(1);
  }
  const bare = op === undefined;
  s = skipSpaces(s);
  let major: number, minor: number | undefined, patch: number | undefined;
  [major, s] = numeric(s, text, "major");
  let wildcard = false;
  if (s.startsWith(".")) {
    s = s.slice(1);
    if (WILDCARDS.has(s[0]!)) {
      wildcard = true;
      s = s.slice(1);
    } else [minor, s] = numeric(s, text, "minor");
  }
  if (s.startsWith(".")) {
    s = s.slice(1);
    if (WILDCARDS.has(s[0]!)) {
      wildcard = true;
      s = s.slice(1);
    } else if (wildcard) {
      fail(text, "a version number follows a wildcard");
    } else [patch, s] = numeric(s, text, "patch");
  }
  let pre: readonly string[] = [];
  if (patch !== undefined && s.startsWith("-")) {
    [pre, s] = identifiers(s.slice(1), text, "pre-release", true);
  }
  if (patch !== undefined && s.startsWith("+")) {
    [, s] = identifiers(s.slice(1), text, "build metadata", false);
  }
  if (wildcard && bare) op = "*";
  return [{ op: op ?? "^", major, minor, patch, pre }, skipSpaces(s)];
}

/**
 * Parses a requirement in cargo's grammar (the semver crate's `VersionReq::from_str`, which
 * cargo uses, case for case: its `test_version_req.rs` runs in `semver_test.ts`).
 *
 * Comparators are joined by `,`; spaces (U+0020 only) may surround operators and commas. A bare
 * `*` (or `x`, `X`) must be the whole requirement. Build metadata on a comparator is accepted
 * and ignored. At most {@link MAX_COMPARATORS} comparators. There is no `||`.
 *
 * @param text e.g. `"1.2"`, `">=1.0, <2.0"`, `"~0.4.1"`, `"*"`, `"=0.11.0+wasi-snapshot-preview1"`
 * @returns the parsed {@link Requirement}
 * @throws {MochiError} SEMVER_E002 naming the text and the reason
 * @example
 * ```ts
 * import { parseRequirement } from "@mochi/pkg/semver";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseRequirement(">=1.0, <2").comparators.length, 2);
 * assert.throws(() => parseRequirement(">=1.0 <2"), { code: "SEMVER_E002" });
 * ```
 */
export function parseRequirement(text: string): Requirement {
  if (typeof text !== "string") fail(String(text), "not a string");
  let s = skipSpaces(text);
  if (WILDCARDS.has(s[0]!)) {
    const rest = skipSpaces(s.slice(1));
    if (rest === "") return { comparators: [STAR] };
    if (rest.startsWith(",")) {
      fail(text, `a wildcard (${s[0]}) must be the only comparator of the requirement`);
    }
    fail(text, `unexpected ${found(rest)} after the wildcard`);
  }
  if (s === "") fail(text, "empty requirement");
  const comparators: Comparator[] = [];
  for (;;) {
    let c: Comparator;
    try {
      [c, s] = comparator(s, text);
    } catch (e) {
      if (WILDCARDS.has(s[0]!) && /^(,|$)/.test(skipSpaces(s.slice(1)))) {
        fail(text, `a wildcard (${s[0]}) must be the only comparator of the requirement`);
      }
      throw e;
    }
    comparators.push(c);
    if (s === "") return { comparators };
    if (!s.startsWith(",")) {
      fail(
        text,
        s.startsWith("|")
          ? `"||" is not part of cargo's grammar; write one requirement`
          : `expected a comma after the version, found ${found(s)}`,
      );
    }
    if (comparators.length === MAX_COMPARATORS) {
      fail(text, `more than ${MAX_COMPARATORS} comparators`);
    }
    s = skipSpaces(s.slice(1));
  }
}

const STAR: Comparator = {
  op: "*",
  major: undefined,
  minor: undefined,
  patch: undefined,
  pre: [],
};

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
      // semver crate: Op::Wildcard matches as Op::Exact does (`1.*` is `=1`), so a pre-release
      // of 1.x is not in `1.*`; the full wildcard `*` has no comparator in the crate
      return c.major === undefined || matchesExact(c, v);
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
 * import { parseRequirement, parseVersion, satisfies } from "@mochi/pkg/semver";
 * import assert from "node:assert/strict";
 *
 * assert.equal(satisfies(parseVersion("1.9.0"), parseRequirement("^1.2")), true);
 * assert.equal(satisfies(parseVersion("2.0.0-rc.1"), parseRequirement("<2")), false);
 * ```
 */
export function satisfies(version: Version, requirement: Requirement): boolean {
  for (const c of requirement.comparators) {
    if (!matchesComparator(c, version)) return false;
  }
  if (version.pre.length === 0) return true;
  return requirement.comparators.some((c) => comparatorAdmitsPrerelease(c, version));
}
