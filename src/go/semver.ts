/**
 * Go's semantic versions, as `golang.org/x/mod/semver` defines them: a leading `v`, shorthands
 * `v1` and `v1.2` (meaning `v1.0.0` and `v1.2.0`), pre-release and build suffixes as in SemVer
 * 2.0.0. Invalid strings compare equal to each other and less than every valid version. Build
 * metadata (`+incompatible` included) is ignored by {@link semverCompare}.
 *
 * The functions take the package name as a prefix (`semverCompare` is Go's `semver.Compare`), so
 * they do not clash with the `./semver` entry point's cargo versions.
 *
 * @module
 */

interface Parsed {
  major: string;
  minor: string;
  patch: string;
  short: string;
  prerelease: string;
  build: string;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

function isIdentChar(c: string): boolean {
  return (c >= "A" && c <= "Z") || (c >= "a" && c <= "z") || (c >= "0" && c <= "9") || c === "-";
}

function isBadNum(v: string): boolean {
  return /^[0-9]+$/.test(v) && v.length > 1 && v[0] === "0";
}

function isNum(v: string): boolean {
  return /^[0-9]*$/.test(v);
}

/** [number, rest] or undefined; no leading zeros. */
function parseInt10(v: string): [string, string] | undefined {
  if (!isDigit(v[0])) return undefined;
  let i = 1;
  while (i < v.length && isDigit(v[i])) i++;
  if (v[0] === "0" && i !== 1) return undefined;
  return [v.slice(0, i), v.slice(i)];
}

function parsePrerelease(v: string): [string, string] | undefined {
  if (v[0] !== "-") return undefined;
  let i = 1;
  let start = 1;
  while (i < v.length && v[i] !== "+") {
    const c = v[i]!;
    if (!isIdentChar(c) && c !== ".") return undefined;
    if (c === ".") {
      if (start === i || isBadNum(v.slice(start, i))) return undefined;
      start = i + 1;
    }
    i++;
  }
  if (start === i || isBadNum(v.slice(start, i))) return undefined;
  return [v.slice(0, i), v.slice(i)];
}

function parseBuild(v: string): [string, string] | undefined {
  if (v[0] !== "+") return undefined;
  let i = 1;
  let start = 1;
  while (i < v.length) {
    const c = v[i]!;
    if (!isIdentChar(c) && c !== ".") return undefined;
    if (c === ".") {
      if (start === i) return undefined;
      start = i + 1;
    }
    i++;
  }
  if (start === i) return undefined;
  return [v.slice(0, i), v.slice(i)];
}

function parse(v: string): Parsed | undefined {
  if (typeof v !== "string" || v === "" || v[0] !== "v") return undefined;
  const p: Parsed = { major: "", minor: "", patch: "", short: "", prerelease: "", build: "" };
  let r = parseInt10(v.slice(1));
  if (r === undefined) return undefined;
  let rest: string;
  [p.major, rest] = r;
  if (rest === "") {
    p.minor = "0";
    p.patch = "0";
    p.short = ".0.0";
    return p;
  }
  if (rest[0] !== ".") return undefined;
  r = parseInt10(rest.slice(1));
  if (r === undefined) return undefined;
  [p.minor, rest] = r;
  if (rest === "") {
    p.patch = "0";
    p.short = ".0";
    return p;
  }
  if (rest[0] !== ".") return undefined;
  r = parseInt10(rest.slice(1));
  if (r === undefined) return undefined;
  [p.patch, rest] = r;
  if (rest[0] === "-") {
    const pre = parsePrerelease(rest);
    if (pre === undefined) return undefined;
    [p.prerelease, rest] = pre;
  }
  if (rest[0] === "+") {
    const b = parseBuild(rest);
    if (b === undefined) return undefined;
    [p.build, rest] = b;
  }
  return rest === "" ? p : undefined;
}

/**
 * Whether `v` is a valid Go semantic version (`v1`, `v1.2`, `v1.2.3-pre+build`).
 *
 * Follows golang.org/x/mod/semver IsValid.
 *
 * @param v the version text
 * @returns true when valid
 *
 * @example
 * ```ts
 * import { semverIsValid } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.equal(semverIsValid("v1.2"), true);
 * assert.equal(semverIsValid("1.2.3"), false);
 * assert.equal(semverIsValid("v1.2-pre"), false);
 * ```
 */
export function semverIsValid(v: string): boolean {
  return parse(v) !== undefined;
}

/**
 * The canonical form of `v`: shorthands completed, build metadata dropped; `""` when invalid.
 *
 * Follows golang.org/x/mod/semver Canonical.
 *
 * @param v the version text
 * @returns the canonical version or `""`
 *
 * @example
 * ```ts
 * import { semverCanonical } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.equal(semverCanonical("v1.2"), "v1.2.0");
 * assert.equal(semverCanonical("v2.0.0+incompatible"), "v2.0.0");
 * assert.equal(semverCanonical("bad"), "");
 * ```
 */
export function semverCanonical(v: string): string {
  const p = parse(v);
  if (p === undefined) return "";
  if (p.build !== "") return v.slice(0, v.length - p.build.length);
  if (p.short !== "") return v + p.short;
  return v;
}

/**
 * The major version prefix of `v` (`"v2"` for `v2.1.0`); `""` when invalid.
 *
 * Follows golang.org/x/mod/semver Major.
 *
 * @param v the version text
 * @returns `v<major>` or `""`
 *
 * @example
 * ```ts
 * import { semverMajor } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.equal(semverMajor("v2.1.0"), "v2");
 * assert.equal(semverMajor("2.1.0"), "");
 * ```
 */
export function semverMajor(v: string): string {
  const p = parse(v);
  return p === undefined ? "" : v.slice(0, 1 + p.major.length);
}

/**
 * The major.minor prefix of `v` (`"v2.1"` for `v2.1.0`); `""` when invalid.
 *
 * Follows golang.org/x/mod/semver MajorMinor.
 *
 * @param v the version text
 * @returns `v<major>.<minor>` or `""`
 *
 * @example
 * ```ts
 * import { semverMajorMinor } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.equal(semverMajorMinor("v2.1.0"), "v2.1");
 * assert.equal(semverMajorMinor("v2"), "v2.0");
 * ```
 */
export function semverMajorMinor(v: string): string {
  const p = parse(v);
  if (p === undefined) return "";
  const i = 1 + p.major.length;
  const j = i + 1 + p.minor.length;
  if (j <= v.length && v[i] === "." && v.slice(i + 1, j) === p.minor) return v.slice(0, j);
  return `${v.slice(0, i)}.${p.minor}`;
}

/**
 * The pre-release suffix of `v` with its leading `-` (`"-rc.1"`); `""` when none or invalid.
 *
 * Follows golang.org/x/mod/semver Prerelease.
 *
 * @param v the version text
 * @returns the suffix or `""`
 *
 * @example
 * ```ts
 * import { semverPrerelease } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.equal(semverPrerelease("v1.2.3-rc.1+meta"), "-rc.1");
 * ```
 */
export function semverPrerelease(v: string): string {
  return parse(v)?.prerelease ?? "";
}

/**
 * The build suffix of `v` with its leading `+` (`"+incompatible"`); `""` when none or invalid.
 *
 * Follows golang.org/x/mod/semver Build.
 *
 * @param v the version text
 * @returns the suffix or `""`
 *
 * @example
 * ```ts
 * import { semverBuild } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.equal(semverBuild("v2.0.0+incompatible"), "+incompatible");
 * ```
 */
export function semverBuild(v: string): string {
  return parse(v)?.build ?? "";
}

function compareInt(x: string, y: string): number {
  if (x === y) return 0;
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : 1;
}

function nextIdent(x: string): [string, string] {
  const i = x.indexOf(".");
  return i < 0 ? [x, ""] : [x.slice(0, i), x.slice(i)];
}

function comparePrerelease(x: string, y: string): number {
  if (x === y) return 0;
  if (x === "") return 1;
  if (y === "") return -1;
  while (x !== "" && y !== "") {
    let dx: string;
    let dy: string;
    [dx, x] = nextIdent(x.slice(1));
    [dy, y] = nextIdent(y.slice(1));
    if (dx !== dy) {
      const ix = isNum(dx);
      const iy = isNum(dy);
      if (ix !== iy) return ix ? -1 : 1;
      if (ix && dx.length !== dy.length) return dx.length < dy.length ? -1 : 1;
      return dx < dy ? -1 : 1;
    }
  }
  return x === "" ? -1 : 1;
}

/**
 * Compares two versions: -1, 0 or +1. Invalid versions are equal to each other and below every
 * valid one; build metadata is ignored.
 *
 * Follows golang.org/x/mod/semver Compare.
 *
 * @param v the first version
 * @param w the second version
 * @returns -1 when v < w, 0 when equal, +1 when v > w
 *
 * @example
 * ```ts
 * import { semverCompare } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.equal(semverCompare("v1.0.0-rc.1", "v1.0.0"), -1);
 * assert.equal(semverCompare("v1.2", "v1.2.0+meta"), 0);
 * assert.equal(semverCompare("bad", "v0.0.1"), -1);
 * ```
 */
export function semverCompare(v: string, w: string): number {
  const pv = parse(v);
  const pw = parse(w);
  if (pv === undefined && pw === undefined) return 0;
  if (pv === undefined) return -1;
  if (pw === undefined) return 1;
  return compareInt(pv.major, pw.major) || compareInt(pv.minor, pw.minor) ||
    compareInt(pv.patch, pw.patch) || comparePrerelease(pv.prerelease, pw.prerelease);
}

/**
 * The larger of two versions, in canonical form (`""` when both are invalid).
 *
 * Follows golang.org/x/mod/semver Max.
 *
 * @param v the first version
 * @param w the second version
 * @returns the canonical form of the larger one
 *
 * @example
 * ```ts
 * import { semverMax } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.equal(semverMax("v1.2", "v1.1.9"), "v1.2.0");
 * ```
 */
export function semverMax(v: string, w: string): string {
  const cv = semverCanonical(v);
  const cw = semverCanonical(w);
  return semverCompare(cv, cw) > 0 ? cv : cw;
}

/**
 * Sorts a list of versions in place, by {@link semverCompare} then by the text (so the order is
 * total and stable for equal versions spelled differently).
 *
 * Follows golang.org/x/mod/semver Sort.
 *
 * @param list the versions (sorted in place)
 * @returns the same array
 *
 * @example
 * ```ts
 * import { semverSort } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(semverSort(["v1.10.0", "v1.2.0", "bad", "v1.2"]), [
 *   "bad",
 *   "v1.2",
 *   "v1.2.0",
 *   "v1.10.0",
 * ]);
 * ```
 */
export function semverSort(list: string[]): string[] {
  return list.sort((a, b) => semverCompare(a, b) || (a < b ? -1 : a > b ? 1 : 0));
}
