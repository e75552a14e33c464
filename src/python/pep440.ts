/**
 * PEP 440 versions: parsing, normalisation and ordering, exactly as pypa/packaging's
 * `packaging.version` (`src/packaging/version.py`: `VERSION_PATTERN`, `Version.__str__`,
 * `_cmpkey`).
 *
 * One deliberate difference: packaging's numbers are unbounded Python integers; here every
 * number (epoch, release part, pre/post/dev number, numeric local part) must be a safe integer
 * (at most 2^53 - 1), and a larger one is an invalid version (`PY_E001`). Version text is
 * capped at {@link MAX_PEP440_VERSION_LENGTH} characters.
 *
 * @module
 */
import { MochiError, quoteValue } from "../errors.ts";

/** The longest version text accepted, in characters (a hostile index cannot make us scan more). */
export const MAX_PEP440_VERSION_LENGTH = 1024;

/** A pre-release letter after normalisation (`alpha` → `a`, `beta` → `b`, `c`/`pre`/`preview` → `rc`). */
export type PreReleaseLetter = "a" | "b" | "rc";

/**
 * A parsed PEP 440 version (packaging's `Version`). Immutable; build one with
 * {@link parsePep440Version}.
 */
export interface Pep440Version {
  /** The epoch (`1!2.0` → 1); 0 when absent. */
  readonly epoch: number;
  /** The release segment as written, trailing zeros kept (`1.2.0` → `[1, 2, 0]`). */
  readonly release: readonly number[];
  /** The pre-release (`1.0rc2` → `["rc", 2]`), or undefined. */
  readonly pre: readonly [PreReleaseLetter, number] | undefined;
  /** The post-release number (`1.0.post3` and `1.0-3` → 3), or undefined. */
  readonly post: number | undefined;
  /** The development release number (`1.0.dev4` → 4), or undefined. */
  readonly dev: number | undefined;
  /**
   * The local label's parts (`1.0+ubuntu.1` → `["ubuntu", 1]`): numeric parts as numbers,
   * others lower-cased; undefined when there is no local label.
   */
  readonly local: readonly (string | number)[] | undefined;
}

// packaging/version.py `_VERSION_PATTERN` (the form without possessive quantifiers, which
// packaging itself uses on older Pythons), anchored, case-insensitive, surrounding whitespace
// allowed.
const VERSION_REGEXP = new RegExp(
  "^\\s*v?(?:(?:([0-9]+)!)?([0-9]+(?:\\.[0-9]+)*)" +
    "([._-]?(alpha|a|beta|b|preview|pre|c|rc)[._-]?([0-9]+)?)?" +
    "((?:-([0-9]+))|(?:[._-]?(post|rev|r)[._-]?([0-9]+)?))?" +
    "([._-]?(dev)[._-]?([0-9]+)?)?)" +
    "(?:\\+([a-z0-9]+(?:[._-][a-z0-9]+)*))?\\s*$",
  "i",
);
const SIMPLE_REGEXP = /^[0-9]+(?:\.[0-9]+)*$/;
const LETTERS: Readonly<Record<string, PreReleaseLetter | "post">> = {
  alpha: "a",
  a: "a",
  beta: "b",
  b: "b",
  c: "rc",
  pre: "rc",
  preview: "rc",
  rc: "rc",
  rev: "post",
  r: "post",
  post: "post",
};

function invalid(text: string, why?: string): never {
  throw new MochiError(
    "PY_E001",
    `invalid version ${quoteValue(text)}${why === undefined ? "" : `: ${why}`}`,
    {
      hint:
        "PEP 440 versions look like 1.4, 2!1.0rc1, 1.0.post2.dev3 or 1.0+local.7 (numbers at most 2^53 - 1)",
    },
  );
}

function num(digits: string, text: string): number {
  const n = Number(digits);
  if (!Number.isSafeInteger(n)) invalid(text, `the number ${digits.slice(0, 40)} is too large`);
  return n;
}

/**
 * Parses a PEP 440 version as `packaging.version.Version(text)` does (surrounding whitespace,
 * a leading `v`, any case, alternative spellings and separators are accepted).
 *
 * @param text the version text
 * @returns the parsed version
 * @throws {MochiError} `PY_E001` when the text is not a valid version, is longer than
 *   {@link MAX_PEP440_VERSION_LENGTH}, or holds a number above 2^53 - 1
 * @example
 * ```ts
 * import { parsePep440Version } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * assert.equal(parsePep440Version("1.0-1").post, 1);
 * assert.deepEqual(parsePep440Version("1!2.0RC1").pre, ["rc", 1]);
 * ```
 */
export function parsePep440Version(text: string): Pep440Version {
  const v = tryParsePep440Version(text);
  if (v === undefined) {
    if (typeof text === "string" && text.length > MAX_PEP440_VERSION_LENGTH) {
      invalid(text.slice(0, 40) + "…", `longer than ${MAX_PEP440_VERSION_LENGTH} characters`);
    }
    // Re-run the parse so an oversized number names itself.
    parseStrict(String(text));
    invalid(String(text));
  }
  return v;
}

/**
 * Like {@link parsePep440Version} but returns undefined instead of throwing (packaging's
 * `coerce_version` in `_ranges.py`).
 *
 * @param text the version text
 * @returns the version, or undefined when invalid
 *
 * @example
 * ```ts
 * import { tryParsePep440Version } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * assert.equal(tryParsePep440Version("not a version"), undefined);
 * assert.equal(tryParsePep440Version("1.0-1")?.post, 1);
 * ```
 */
export function tryParsePep440Version(text: string): Pep440Version | undefined {
  if (typeof text !== "string" || text.length > MAX_PEP440_VERSION_LENGTH) return undefined;
  try {
    return parseStrict(text);
  } catch (e) {
    if (e instanceof MochiError) return undefined;
    throw e;
  }
}

function parseStrict(text: string): Pep440Version {
  if (SIMPLE_REGEXP.test(text)) {
    return make(
      0,
      text.split(".").map((p) => num(p, text)),
      undefined,
      undefined,
      undefined,
      undefined,
    );
  }
  const m = VERSION_REGEXP.exec(text);
  if (m === null) invalid(text);
  const epoch = m[1] === undefined ? 0 : num(m[1], text);
  const release = m[2]!.split(".").map((p) => num(p, text));
  const pre = m[4] === undefined ? undefined : [
    LETTERS[m[4].toLowerCase()] as PreReleaseLetter,
    m[5] === undefined ? 0 : num(m[5], text),
  ] as const;
  let post: number | undefined;
  if (m[7] !== undefined) post = num(m[7], text);
  else if (m[8] !== undefined) post = m[9] === undefined ? 0 : num(m[9], text);
  const dev = m[11] === undefined ? undefined : m[12] === undefined ? 0 : num(m[12], text);
  const local = m[13] === undefined ? undefined : parseLocal(m[13], text);
  return make(epoch, release, pre, post, dev, local);
}

function parseLocal(local: string, text: string): (string | number)[] {
  return local.split(/[._-]/).map((p) => /^[0-9]+$/.test(p) ? num(p, text) : p.toLowerCase());
}

function make(
  epoch: number,
  release: readonly number[],
  pre: readonly [PreReleaseLetter, number] | undefined,
  post: number | undefined,
  dev: number | undefined,
  local: readonly (string | number)[] | undefined,
): Pep440Version {
  return Object.freeze({
    epoch,
    release: Object.freeze([...release]),
    pre: pre === undefined ? undefined : Object.freeze([pre[0], pre[1]] as const),
    post,
    dev,
    local: local === undefined ? undefined : Object.freeze([...local]),
  }) as Pep440Version;
}

/**
 * Builds a version from its parts (packaging's `Version.from_parts` / `__replace__`).
 *
 * @param parts epoch (default 0), release (non-empty), pre, post, dev, local parts
 * @returns the version
 * @throws {MochiError} `PY_E001` when a part is out of range (negative, not an integer,
 *   empty release, a local part that is not `[a-z0-9]+`)
 *
 * @example
 * ```ts
 * import { formatPep440, makePep440Version } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * const v = makePep440Version({ epoch: 1, release: [2, 0], pre: ["rc", 1], local: ["abc", 5] });
 * assert.equal(v.post, undefined);
 * assert.equal(formatPep440(v), "1!2.0rc1+abc.5");
 * assert.throws(() => makePep440Version({ release: [] }));
 * ```
 */
export function makePep440Version(parts: {
  epoch?: number;
  release: readonly number[];
  pre?: readonly [PreReleaseLetter, number] | undefined;
  post?: number | undefined;
  dev?: number | undefined;
  local?: readonly (string | number)[] | undefined;
}): Pep440Version {
  const ok = (n: number | undefined) => n === undefined || (Number.isSafeInteger(n) && n >= 0);
  const bad = (what: string): never => invalid(`${what}`, "a part is out of range");
  if (!ok(parts.epoch) || !ok(parts.post) || !ok(parts.dev)) bad("from parts");
  if (parts.release.length === 0 || !parts.release.every((n) => ok(n))) bad("release");
  let pre = parts.pre;
  if (pre !== undefined) {
    // packaging `normalize_pre`: any spelling of a letter, any case.
    const letter = typeof pre[0] === "string" ? LETTERS[pre[0].toLowerCase()] : undefined;
    if (!ok(pre[1]) || letter === undefined || letter === "post") bad("pre");
    pre = [letter as PreReleaseLetter, pre[1]];
  }
  if (
    parts.local !== undefined &&
    (parts.local.length === 0 ||
      !parts.local.every((p) => typeof p === "number" ? ok(p) : /^[a-z0-9]+$/.test(p)))
  ) bad("local");
  return make(
    parts.epoch ?? 0,
    parts.release,
    pre,
    parts.post,
    parts.dev,
    parts.local,
  );
}

/**
 * The normalised text of a version (`str(packaging.version.Version(...))`).
 *
 * @param v the version
 * @returns e.g. `1!2.0rc1.post3.dev4+ubuntu.1`
 *
 * @example
 * ```ts
 * import { formatPep440, parsePep440Version } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * assert.equal(formatPep440(parsePep440Version("1!2.0-RC1_post3-dev4+Ubuntu-1")), "1!2.0rc1.post3.dev4+ubuntu.1");
 * ```
 */
export function formatPep440(v: Pep440Version): string {
  let s = v.release.join(".");
  if (v.epoch !== 0) s = `${v.epoch}!${s}`;
  if (v.pre !== undefined) s += `${v.pre[0]}${v.pre[1]}`;
  if (v.post !== undefined) s += `.post${v.post}`;
  if (v.dev !== undefined) s += `.dev${v.dev}`;
  if (v.local !== undefined) s += `+${v.local.join(".")}`;
  return s;
}

/**
 * Normalises version text as `str(packaging.version.Version(text))`.
 *
 * @param text the version text
 * @returns the normalised text
 * @throws {MochiError} `PY_E001` when the text is not a valid version
 * @example
 * ```ts
 * import { normalizePep440 } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * assert.equal(normalizePep440("v1.0-Alpha_3.r4-DEV+Ubuntu-01"), "1.0a3.post4.dev0+ubuntu.1");
 * ```
 */
export function normalizePep440(text: string): string {
  return formatPep440(parsePep440Version(text));
}

/**
 * The public part of a version (no local label): `1.0+abc` → `1.0`.
 *
 * @example
 * ```ts
 * import { parsePep440Version, publicPep440 } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * assert.equal(publicPep440(parsePep440Version("1.0+abc.5")), "1.0");
 * ```
 */
export function publicPep440(v: Pep440Version): string {
  return formatPep440({ ...v, local: undefined });
}

/**
 * The base version: epoch and release only (`1!1.2.3.dev1+abc` → `1!1.2.3`).
 *
 * @example
 * ```ts
 * import { baseVersionPep440, parsePep440Version } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * assert.equal(baseVersionPep440(parsePep440Version("1!1.2.3rc1.dev1+abc")), "1!1.2.3");
 * ```
 */
export function baseVersionPep440(v: Pep440Version): string {
  const s = v.release.join(".");
  return v.epoch !== 0 ? `${v.epoch}!${s}` : s;
}

/**
 * Whether the version is a pre-release: it has a pre-release or a dev segment.
 *
 * @example
 * ```ts
 * import { isPep440Prerelease, parsePep440Version } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * assert.equal(isPep440Prerelease(parsePep440Version("1.0.dev0")), true);
 * assert.equal(isPep440Prerelease(parsePep440Version("1.0b2")), true);
 * assert.equal(isPep440Prerelease(parsePep440Version("1.0.post1")), false);
 * ```
 */
export function isPep440Prerelease(v: Pep440Version): boolean {
  return v.dev !== undefined || v.pre !== undefined;
}

/** The release without trailing zeros (one zero kept: `0.0` → `[0]`); packaging `trim_release`. */
export function trimRelease(release: readonly number[]): readonly number[] {
  let end = release.length;
  while (end > 1 && release[end - 1] === 0) end--;
  return end === release.length ? release : release.slice(0, end);
}

const PRE_RANK: Readonly<Record<PreReleaseLetter, number>> = { a: 0, b: 1, rc: 2 };

/**
 * The 6-number comparison suffix of packaging's `_cmpkey`:
 * `(pre_rank, pre_n, post_rank, post_n, dev_rank, dev_n)`.
 */
export function suffixKey(v: Pep440Version): [number, number, number, number, number, number] {
  let preRank: number, preN: number;
  if (v.pre === undefined && v.post === undefined && v.dev !== undefined) [preRank, preN] = [-1, 0];
  else if (v.pre === undefined) [preRank, preN] = [3, 0];
  else [preRank, preN] = [PRE_RANK[v.pre[0]], v.pre[1]];
  return [
    preRank,
    preN,
    v.post === undefined ? 0 : 1,
    v.post ?? 0,
    v.dev === undefined ? 1 : 0,
    v.dev ?? 0,
  ];
}

/** Compares release segments with trailing zeros ignored (`1.0.0` = `1`). */
export function compareRelease(a: readonly number[], b: readonly number[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? 0, y = b[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Compares two suffix keys ({@link suffixKey}) element by element. */
export function compareSuffix(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 6; i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return 0;
}

/**
 * Compares local labels as PEP 440 orders them: absent sorts first; part by part, strings
 * before numbers, strings lexicographically, numbers numerically; a shorter label that is a
 * prefix sorts first.
 */
export function compareLocal(
  a: readonly (string | number)[] | undefined,
  b: readonly (string | number)[] | undefined,
): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!, y = b[i]!;
    if (typeof x === "number") {
      if (typeof y === "string") return 1;
      if (x !== y) return x < y ? -1 : 1;
    } else {
      if (typeof y === "number") return -1;
      if (x !== y) return x < y ? -1 : 1;
    }
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/**
 * Orders two parsed versions as packaging's `Version` comparison (`_cmpkey`): epoch, release
 * (trailing zeros ignored), dev-only < a < b < rc < final, post, dev, then the local label.
 *
 * @returns negative, zero or positive
 *
 * @example
 * ```ts
 * import { comparePep440Versions, parsePep440Version } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * const v = parsePep440Version;
 * assert(comparePep440Versions(v("1.0.dev0"), v("1.0a1")) < 0);
 * assert(comparePep440Versions(v("1.0rc1"), v("1.0")) < 0);
 * assert.equal(comparePep440Versions(v("1.0"), v("1.0.0")), 0);
 * ```
 */
export function comparePep440Versions(a: Pep440Version, b: Pep440Version): number {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  return compareRelease(a.release, b.release) ||
    compareSuffix(suffixKey(a), suffixKey(b)) ||
    compareLocal(a.local, b.local);
}

/**
 * Compares two version texts as `packaging.version.Version` orders them.
 *
 * @param a a version text
 * @param b a version text
 * @returns negative when a < b, 0 when equal (`1.0` = `1.0.0`), positive when a > b
 * @throws {MochiError} `PY_E001` when either text is not a valid version
 * @example
 * ```ts
 * import { comparePep440 } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * assert(comparePep440("1.0.dev1", "1.0a1") < 0);
 * assert(comparePep440("1.0", "1.0.0") === 0);
 * assert(comparePep440("1.0+local", "1.0") > 0);
 * ```
 */
export function comparePep440(a: string, b: string): number {
  return comparePep440Versions(parsePep440Version(a), parsePep440Version(b));
}
