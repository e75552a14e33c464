/**
 * Version sets: the algebra the PubGrub solver runs on.
 *
 * A {@link VersionSet} is any set of versions that cargo requirements can describe, closed under
 * complement, intersection and union. Because cargo admits pre-releases only when a comparator
 * names one (see `requirement.ts`), a set is kept as two interval unions (the approach of
 * Eh2406's pubgrub-crates-benchmark `SemverPubgrub`): one applies to releases, one to
 * pre-releases. Each operation works on both parts, so the Boolean-algebra laws hold exactly.
 *
 * The release part is normalised to half-open intervals `[a, b)` over release versions, which
 * makes equality and emptiness exact there.
 *
 * @module
 */
import { compareVersions, formatVersion, makeVersion, type Version } from "./version.ts";
import { type Comparator, comparatorAdmitsPrerelease, type Requirement } from "./requirement.ts";

/** An interval end: a version and whether it is included. `null` means unbounded. */
interface Bound {
  readonly v: Version;
  readonly inc: boolean;
}

/** One interval `lo .. hi`. */
interface Segment {
  readonly lo: Bound | null;
  readonly hi: Bound | null;
}

type Segments = readonly Segment[];

function lowestPre(major: number, minor: number, patch: number): Version {
  return makeVersion(major, minor, patch, ["0"]);
}

function isRelease(v: Version): boolean {
  return v.pre.length === 0;
}

function cmpLower(a: Bound | null, b: Bound | null): number {
  if (a === null) return b === null ? 0 : -1;
  if (b === null) return 1;
  const c = compareVersions(a.v, b.v);
  if (c !== 0) return c;
  return a.inc === b.inc ? 0 : a.inc ? -1 : 1;
}

function cmpUpper(a: Bound | null, b: Bound | null): number {
  if (a === null) return b === null ? 0 : 1;
  if (b === null) return -1;
  const c = compareVersions(a.v, b.v);
  if (c !== 0) return c;
  return a.inc === b.inc ? 0 : a.inc ? 1 : -1;
}

function nonEmpty(lo: Bound | null, hi: Bound | null): boolean {
  if (lo === null || hi === null) return true;
  const c = compareVersions(lo.v, hi.v);
  return c < 0 || (c === 0 && lo.inc && hi.inc);
}

function segContains(segs: Segments, v: Version): boolean {
  // Binary search on the (sorted, disjoint) segments.
  let lo = 0, hi = segs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = segs[mid]!;
    if (s.lo !== null) {
      const c = compareVersions(v, s!.lo.v);
      if (c < 0 || (c === 0 && !s!.lo.inc)) {
        hi = mid - 1;
        continue;
      }
    }
    if (s!.hi !== null) {
      const c = compareVersions(v, s!.hi.v);
      if (c > 0 || (c === 0 && !s!.hi.inc)) {
        lo = mid + 1;
        continue;
      }
    }
    return true;
  }
  return false;
}

function segIntersect(a: Segments, b: Segments): Segments {
  const out: Segment[] = [];
  let i = 0, j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i], y = b[j]!;
    const lo = cmpLower(x!.lo, y!.lo) >= 0 ? x!.lo : y!.lo;
    const hiCmp = cmpUpper(x!.hi, y!.hi);
    const hi = hiCmp <= 0 ? x!.hi : y!.hi;
    if (nonEmpty(lo, hi)) out.push({ lo, hi });
    if (hiCmp <= 0) i++;
    if (hiCmp >= 0) j++;
  }
  return out;
}

function segComplement(a: Segments): Segments {
  const out: Segment[] = [];
  let start: Bound | null | undefined = null; // undefined: nothing left to cover
  for (const s of a) {
    if (s.lo !== null) out.push({ lo: start as Bound | null, hi: { v: s.lo.v, inc: !s.lo.inc } });
    if (s.hi === null) {
      start = undefined;
      break;
    }
    start = { v: s.hi.v, inc: !s.hi.inc };
  }
  if (start !== undefined) out.push({ lo: start, hi: null });
  return out;
}

function segUnion(a: Segments, b: Segments): Segments {
  return segComplement(segIntersect(segComplement(a), segComplement(b)));
}

function segEquals(a: Segments, b: Segments): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (cmpLower(a[i]!.lo, b[i]!.lo) !== 0 || cmpUpper(a[i]!.hi, b[i]!.hi) !== 0) return false;
  }
  return true;
}

const FULL: Segments = [{ lo: null, hi: null }];
const EMPTY: Segments = [];
let EMPTY_SET: VersionSet;
let FULL_SET: VersionSet;

/** Release part: turn any interval into `[a, b)` over release versions (exact for releases). */
function releaseSegment(lo: Bound | null, hi: Bound | null): Segments {
  let nlo: Bound | null = null;
  if (lo !== null) {
    const v = lo.v;
    const rel = isRelease(v)
      ? (lo.inc ? v : makeVersion(v.major, v.minor, v.patch + 1))
      : makeVersion(v.major, v.minor, v.patch);
    nlo = rel.major === 0 && rel.minor === 0 && rel.patch === 0 ? null : { v: rel, inc: true };
  }
  let nhi: Bound | null = null;
  if (hi !== null) {
    const v = hi.v;
    const rel = isRelease(v) && hi.inc
      ? makeVersion(v.major, v.minor, v.patch + 1)
      : makeVersion(v.major, v.minor, v.patch);
    nhi = { v: rel, inc: false };
  }
  return nonEmpty(nlo, nhi) ? [{ lo: nlo, hi: nhi }] : EMPTY;
}

/** Pre-release part: bounds on releases become the nearest equivalent pre-release bounds. */
function preSegment(lo: Bound | null, hi: Bound | null): Segments {
  let nlo = lo;
  if (lo !== null && isRelease(lo.v)) {
    // Pre-releases above a release M.m.p start at M.m.(p+1)-0.
    nlo = { v: lowestPre(lo.v.major, lo.v.minor, lo.v.patch + 1), inc: true };
  }
  if (nlo !== null && nlo.inc && compareVersions(nlo.v, lowestPre(0, 0, 0)) === 0) nlo = null;
  let nhi = hi;
  if (hi !== null && isRelease(hi.v)) nhi = { v: hi.v, inc: false };
  return nonEmpty(nlo, nhi) ? [{ lo: nlo, hi: nhi }] : EMPTY;
}

function comparatorInterval(c: Comparator): [Bound | null, Bound | null] {
  const M = c.major, m = c.minor, p = c.patch;
  if (M === undefined) return [null, null];
  const inc = (v: Version): Bound => ({ v, inc: true });
  const exc = (v: Version): Bound => ({ v, inc: false });
  const full = p !== undefined ? makeVersion(M, m!, p, c.pre) : undefined;
  // Lowest and just-past-highest versions sharing the written prefix.
  const prefixLo = lowestPre(M, m ?? 0, p ?? 0);
  const prefixEnd = m === undefined
    ? lowestPre(M + 1, 0, 0)
    : p === undefined
    ? lowestPre(M, m + 1, 0)
    : lowestPre(M, m, p + 1);
  switch (c.op) {
    case "=":
      return full ? [inc(full), inc(full)] : [inc(prefixLo), exc(prefixEnd)];
    case ">":
      return full ? [exc(full), null] : [inc(prefixEnd), null];
    case ">=":
      return [inc(full ?? prefixLo), null];
    case "<":
      return [null, exc(full ?? prefixLo)];
    case "<=":
      return full ? [null, inc(full)] : [null, exc(prefixEnd)];
    case "~": {
      const end = m === undefined ? lowestPre(M + 1, 0, 0) : lowestPre(M, m + 1, 0);
      return [inc(full ?? prefixLo), exc(end)];
    }
    case "^": {
      let end: Version;
      if (M > 0 || m === undefined) end = lowestPre(M + 1, 0, 0);
      else if (m > 0 || p === undefined) end = lowestPre(0, m + 1, 0);
      else end = lowestPre(0, 0, p + 1);
      return [inc(full ?? prefixLo), exc(end)];
    }
    case "*":
      return [inc(prefixLo), exc(prefixEnd)];
  }
}

/**
 * The interval a comparator gives pre-release versions, where it differs from its interval for
 * releases: a comparator without PATCH never equals a pre-release (semver crate `matches_exact`
 * compares the empty pre-release of `=1.2` with the version's), so `=1.2`, `1.*` and `~1.2` hold
 * none, `>=1.2` holds those of `>1.2` and `<=1.2` those of `<1.2`. `null` is the empty interval.
 */
function preInterval(
  c: Comparator,
  lo: Bound | null,
  hi: Bound | null,
): [Bound | null, Bound | null] | null {
  const M = c.major, m = c.minor;
  if (M === undefined || c.patch !== undefined) return [lo, hi];
  const prefixLo = lowestPre(M, m ?? 0, 0);
  const prefixEnd = m === undefined ? lowestPre(M + 1, 0, 0) : lowestPre(M, m + 1, 0);
  switch (c.op) {
    case "=":
    case "*":
    case "~":
      return null;
    case ">=":
      return [{ v: prefixEnd, inc: true }, null];
    case "<=":
      return [null, { v: prefixLo, inc: false }];
    default:
      return [lo, hi];
  }
}

/**
 * An immutable set of versions with exact complement, intersection and union.
 *
 * @example
 * ```ts
 * import { parseRequirement, parseVersion, VersionSet } from "@mochi/pkg/semver";
 * import assert from "node:assert/strict";
 *
 * const s = VersionSet.fromRequirement(parseRequirement("^1.2"));
 * assert.equal(s.contains(parseVersion("1.5.0")), true);
 * assert.equal(s.contains(parseVersion("2.0.0")), false);
 * assert.equal(s.complement().intersection(s).isEmpty(), true);
 * ```
 */
export class VersionSet {
  static {
    EMPTY_SET = new VersionSet(EMPTY, EMPTY);
    FULL_SET = new VersionSet(FULL, FULL);
  }
  readonly #release: Segments;
  readonly #pre: Segments;

  private constructor(release: Segments, pre: Segments) {
    this.#release = release;
    this.#pre = pre;
  }

  /**
   * The empty set.
   *
   * @returns the set with no versions
   */
  static empty(): VersionSet {
    return EMPTY_SET;
  }

  /**
   * The set of every version.
   *
   * @returns the set of every version, pre-releases included
   */
  static full(): VersionSet {
    return FULL_SET;
  }

  /**
   * The set holding one version.
   *
   * @param v a version
   * @returns the set holding exactly `v` (build metadata ignored)
   */
  static singleton(v: Version): VersionSet {
    const b: Bound = { v: { ...v, build: [] }, inc: true };
    return isRelease(v)
      ? new VersionSet(releaseSegment(b, b), EMPTY)
      : new VersionSet(EMPTY, [{ lo: b, hi: b }]);
  }

  /**
   * The versions a requirement accepts, exactly as {@link satisfies} decides them.
   *
   * @param r a parsed requirement
   * @returns the set
   */
  static fromRequirement(r: Requirement): VersionSet {
    let release: Segments = FULL;
    let pre: Segments = FULL;
    const allowedPre: Segment[] = [];
    for (const c of r.comparators) {
      const [lo, hi] = comparatorInterval(c);
      release = segIntersect(release, releaseSegment(lo, hi));
      const prerelease = preInterval(c, lo, hi);
      pre = prerelease === null ? EMPTY : segIntersect(pre, preSegment(...prerelease));
      if (c.pre.length > 0) {
        const v = makeVersion(c.major!, c.minor!, c.patch!);
        if (!allowedPre.some((s) => comparatorAdmitsPrerelease(c, s.lo!.v))) {
          allowedPre.push({
            lo: { v: lowestPre(v.major, v.minor, v.patch), inc: true },
            hi: { v, inc: false },
          });
        }
      }
    }
    allowedPre.sort((a, b) => cmpLower(a.lo, b.lo));
    pre = segIntersect(pre, allowedPre);
    return new VersionSet(release, pre);
  }

  /**
   * Every version of one cargo semver-compatibility bucket, pre-releases included
   * (`"1"` → `>=1.0.0-0, <2.0.0-0`; `"0.8"`; `"0.0.3"`).
   *
   * @param key a bucket key as returned by `compatibilityKey`
   * @returns the set
   */
  static compatibleWith(key: string): VersionSet {
    const parts = key.split(".").map(Number);
    let lo: Version, hi: Version;
    if (parts.length === 1) [lo, hi] = [lowestPre(parts[0]!, 0, 0), lowestPre(parts[0]! + 1, 0, 0)];
    else if (parts.length === 2) {
      [lo, hi] = [lowestPre(0, parts[1]!, 0), lowestPre(0, parts[1]! + 1, 0)];
    } else [lo, hi] = [lowestPre(0, 0, parts[2]!), lowestPre(0, 0, parts[2]! + 1)];
    const b1: Bound = { v: lo, inc: true }, b2: Bound = { v: hi, inc: false };
    return new VersionSet(releaseSegment(b1, b2), preSegment(b1, b2));
  }

  /**
   * The complement of this set.
   *
   * @returns every version not in this set
   */
  complement(): VersionSet {
    if (this === FULL_SET) return EMPTY_SET;
    if (this === EMPTY_SET) return FULL_SET;
    return new VersionSet(segComplement(this.#release), segComplement(this.#pre));
  }

  /**
   * The intersection of two sets.
   *
   * @param other another set
   * @returns the versions in both sets
   */
  intersection(other: VersionSet): VersionSet {
    if (this === FULL_SET || other === EMPTY_SET) return other;
    if (other === FULL_SET || this === EMPTY_SET) return this;
    return new VersionSet(
      segIntersect(this.#release, other.#release),
      segIntersect(this.#pre, other.#pre),
    );
  }

  /**
   * The union of two sets.
   *
   * @param other another set
   * @returns the versions in either set
   */
  union(other: VersionSet): VersionSet {
    if (this === EMPTY_SET || other === FULL_SET) return other;
    if (other === EMPTY_SET || this === FULL_SET) return this;
    return new VersionSet(segUnion(this.#release, other.#release), segUnion(this.#pre, other.#pre));
  }

  /**
   * Whether a version is in the set.
   *
   * @param v a version
   * @returns whether `v` is in the set (build metadata ignored)
   */
  contains(v: Version): boolean {
    return isRelease(v) ? segContains(this.#release, v) : segContains(this.#pre, v);
  }

  /**
   * Whether the set is empty.
   *
   * @returns whether the set has no versions
   */
  isEmpty(): boolean {
    return this.#release.length === 0 && this.#pre.length === 0;
  }

  /**
   * Whether the set holds every version.
   *
   * @returns whether the set has every version
   */
  isFull(): boolean {
    return segEquals(this.#release, FULL) && segEquals(this.#pre, FULL);
  }

  /**
   * Whether two sets are equal.
   *
   * @param other another set
   * @returns whether both sets hold the same versions
   */
  equals(other: VersionSet): boolean {
    return this === other ||
      (segEquals(this.#release, other.#release) && segEquals(this.#pre, other.#pre));
  }

  /**
   * Whether this set is a subset of another.
   *
   * @param other another set
   * @returns whether every version of this set is in `other`
   */
  subsetOf(other: VersionSet): boolean {
    return this.intersection(other).equals(this);
  }

  /**
   * Whether two sets are disjoint.
   *
   * @param other another set
   * @returns whether the sets share no version
   */
  isDisjoint(other: VersionSet): boolean {
    return this.intersection(other).isEmpty();
  }

  /**
   * The one version this set holds, if it holds exactly one release and nothing else, or exactly
   * one pre-release and nothing else.
   *
   * @returns that version, or undefined
   */
  singletonVersion(): Version | undefined {
    if (this.#pre.length === 0 && this.#release.length === 1) {
      const s = this.#release[0]!;
      if (s.hi) {
        // A lower bound of 0.0.0 is stored as unbounded (no release is below it).
        const v = s!.lo ? s!.lo.v : makeVersion(0, 0, 0);
        const next = makeVersion(v.major, v.minor, v.patch + 1);
        if (compareVersions(s!.hi.v, next) === 0) return v;
      }
    }
    if (this.#release.length === 0 && this.#pre.length === 1) {
      const s = this.#pre[0]!;
      if (s!.lo && s!.hi && s!.lo.inc && s!.hi.inc && compareVersions(s!.lo.v, s.hi.v) === 0) {
        return s!.lo.v;
      }
    }
    return undefined;
  }

  /**
   * A human form for reports: `"*"`, `"1.2.3"` (one version), `"^1.2.3"`, `">=1.0.0, <1.5.0"`,
   * `"<1.0.0 or >=2.0.0"`; pre-release parts are shown only when they are neither empty nor all
   * pre-releases. Not meant to be parsed back.
   *
   * @returns the text
   */
  toString(): string {
    if (this.isEmpty()) return "no versions";
    if (this.isFull()) return "*";
    const one = this.singletonVersion();
    if (one) return formatVersion(one);
    const parts = this.#release.map(formatReleaseSegment);
    if (this.#pre.length > 0 && !segEquals(this.#pre, FULL)) {
      parts.push(...this.#pre.map((s) => `pre-release ${formatGeneralSegment(s)}`));
    }
    return parts.length === 0 ? "no release versions" : parts.join(" or ");
  }
}

function caretEnd(v: Version): Version {
  if (v.major > 0) return makeVersion(v.major + 1, 0, 0);
  if (v.minor > 0) return makeVersion(0, v.minor + 1, 0);
  return makeVersion(0, 0, v.patch + 1);
}

function formatReleaseSegment(s: Segment): string {
  if (s.lo === null && s.hi === null) return "*";
  if (s.lo === null) return `<${formatVersion(s.hi!.v)}`;
  if (s.hi === null) return `>=${formatVersion(s.lo.v)}`;
  const lo = s.lo.v, hi = s.hi.v;
  if (compareVersions(hi, makeVersion(lo.major, lo.minor, lo.patch + 1)) === 0) {
    return formatVersion(lo);
  }
  if (compareVersions(hi, caretEnd(lo)) === 0) return `^${formatVersion(lo)}`;
  return `>=${formatVersion(lo)}, <${formatVersion(hi)}`;
}

function formatGeneralSegment(s: Segment): string {
  const lo = s.lo ? `${s.lo.inc ? ">=" : ">"}${formatVersion(s.lo.v)}` : "";
  const hi = s.hi ? `${s.hi.inc ? "<=" : "<"}${formatVersion(s.hi.v)}` : "";
  return [lo, hi].filter((x) => x !== "").join(", ") || "*";
}
