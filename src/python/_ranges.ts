/**
 * Version ranges over PEP 440 versions: sorted disjoint intervals whose bounds are versions or
 * boundary points between versions, the engine under specifier matching and
 * {@link Pep440VersionSet}.
 *
 * Follows pypa/packaging `src/packaging/_ranges.py` (bounds, `BoundaryVersion`,
 * `range_is_empty`, `least_version_above`, `standard_ranges`, `wildcard_ranges`) and the
 * canonical forms of `src/packaging/ranges.py` (`_union_ranges`, `_complement_ranges`,
 * `_canonical_floor`, `_predecessor_boundary`).
 *
 * A boundary point sits between real versions. For a version V:
 * `V < V+local < afterLocals(V) < V.post0 < … < afterPosts(V) < the next release`.
 * `afterLocals(V)` closes `<=V`, `==V` and `!=V` (locals of V belong to V); `afterPosts(V)` opens
 * `>V` (PEP 440: `>V` excludes V's post-releases). Points are totally ordered by one key: a
 * version's `(epoch, trimmed release, suffix, local)` and, for a boundary, a local label that
 * sorts above every real one (and, for `afterPosts`, a post number above every real one), which
 * gives the same answers as packaging's `_is_family` checks.
 *
 * @module
 */
import {
  compareLocal,
  comparePep440Versions,
  compareRelease,
  compareSuffix,
  formatPep440,
  isPep440Prerelease,
  makePep440Version,
  type Pep440Version,
  suffixKey,
} from "./pep440.ts";

/** Where a point sits: on a version, just above its locals, or just above its post-releases. */
export type PointKind = "version" | "afterLocals" | "afterPosts";

/** A point of the version line: a version or a boundary just above a version's family. */
export interface Point {
  /** The version the point is on or just above. */
  readonly version: Pep440Version;
  /** Which point. */
  readonly kind: PointKind;
}

/** A lower bound; `point` undefined is −∞ (then `inclusive` is false). */
export interface LowerBound {
  /** The bound's point, undefined for −∞. */
  readonly point: Point | undefined;
  /** Whether the point itself is in the interval. */
  readonly inclusive: boolean;
}

/** An upper bound; `point` undefined is +∞ (then `inclusive` is false). */
export interface UpperBound {
  /** The bound's point, undefined for +∞. */
  readonly point: Point | undefined;
  /** Whether the point itself is in the interval. */
  readonly inclusive: boolean;
}

/** One interval: `[lower, upper]` with the bounds' inclusiveness. */
export type Interval = readonly [LowerBound, UpperBound];

/** −∞ */
export const NEG_INF: LowerBound = Object.freeze({ point: undefined, inclusive: false });
/** +∞ */
export const POS_INF: UpperBound = Object.freeze({ point: undefined, inclusive: false });
/** Every version. */
export const FULL_RANGE: readonly Interval[] = Object.freeze([
  Object.freeze([NEG_INF, POS_INF] as const),
]);

/** The smallest PEP 440 version, `0.dev0`: nothing sorts below it. */
export const MIN_VERSION: Pep440Version = makePep440Version({ release: [0], dev: 0 });

/** A point on a version. */
export function at(version: Pep440Version): Point {
  return { version, kind: "version" };
}

/** Makes a lower bound; a boundary point's lower bound is always exclusive (canonical form). */
export function lower(point: Point | undefined, inclusive: boolean): LowerBound {
  if (point === undefined) return NEG_INF;
  return { point, inclusive: point.kind === "version" ? inclusive : false };
}

/** Makes an upper bound; a boundary point's upper bound is always inclusive (canonical form). */
export function upper(point: Point | undefined, inclusive: boolean): UpperBound {
  if (point === undefined) return POS_INF;
  return { point, inclusive: point.kind === "version" ? inclusive : true };
}

/**
 * Orders two points (packaging's `BoundaryVersion._order_key`, extended to plain versions).
 *
 * @returns negative, zero or positive
 */
export function comparePoints(a: Point, b: Point): number {
  if (a.kind === "version" && b.kind === "version") {
    return comparePep440Versions(a.version, b.version);
  }
  const av = a.version, bv = b.version;
  if (av.epoch !== bv.epoch) return av.epoch < bv.epoch ? -1 : 1;
  const r = compareRelease(av.release, bv.release);
  if (r !== 0) return r;
  const s = compareSuffix(pointSuffix(a), pointSuffix(b));
  if (s !== 0) return s;
  // A boundary's local sorts above every real local label.
  if (a.kind !== "version" && b.kind !== "version") return 0;
  if (a.kind !== "version") return 1;
  return -1;
}

function pointSuffix(p: Point): number[] {
  const s = suffixKey(p.version);
  if (p.kind === "afterPosts") return [s[0], s[1], 1, Infinity, 1, 0];
  return s;
}

/** Compares a point with a version: negative when the point sorts below it. */
export function comparePointVersion(p: Point, v: Pep440Version): number {
  return p.kind === "version" ? comparePep440Versions(p.version, v) : comparePoints(p, at(v));
}

/** Orders lower bounds: −∞ first; at one point an inclusive bound starts earlier. */
export function compareLower(a: LowerBound, b: LowerBound): number {
  if (a.point === undefined) return b.point === undefined ? 0 : -1;
  if (b.point === undefined) return 1;
  const c = comparePoints(a.point, b.point);
  if (c !== 0) return c;
  return a.inclusive === b.inclusive ? 0 : a.inclusive ? -1 : 1;
}

/** Orders upper bounds: +∞ last; at one point an exclusive bound ends earlier. */
export function compareUpper(a: UpperBound, b: UpperBound): number {
  if (a.point === undefined) return b.point === undefined ? 0 : 1;
  if (b.point === undefined) return -1;
  const c = comparePoints(a.point, b.point);
  if (c !== 0) return c;
  return a.inclusive === b.inclusive ? 0 : a.inclusive ? 1 : -1;
}

/** Whether `v` is at or above the lower bound. */
export function aboveLower(b: LowerBound, v: Pep440Version): boolean {
  if (b.point === undefined) return true;
  const c = comparePointVersion(b.point, v);
  return c < 0 || (c === 0 && b.inclusive);
}

/** Whether `v` is at or below the upper bound. */
export function belowUpper(b: UpperBound, v: Pep440Version): boolean {
  if (b.point === undefined) return true;
  const c = comparePointVersion(b.point, v);
  return c > 0 || (c === 0 && b.inclusive);
}

/** Whether `v` falls in any interval (packaging `matches_bounds_only`). */
export function rangesContain(ranges: readonly Interval[], v: Pep440Version): boolean {
  for (const [lo, hi] of ranges) {
    if (!aboveLower(lo, v)) return false;
    if (belowUpper(hi, v)) return true;
  }
  return false;
}

function replace(v: Pep440Version, parts: Partial<Pep440Version>): Pep440Version {
  return makePep440Version({ ...v, ...parts });
}

/** The smallest real version strictly above a boundary point, if any (`least_version_above`). */
export function leastVersionAbove(p: Point): Pep440Version | undefined {
  const base = p.version;
  if (p.kind === "afterLocals") {
    if (base.dev !== undefined) return replace(base, { dev: base.dev + 1, local: undefined });
    return replace(base, {
      post: base.post === undefined ? 0 : base.post + 1,
      dev: 0,
      local: undefined,
    });
  }
  if (p.kind === "afterPosts" && base.pre !== undefined) {
    return replace(base, {
      pre: [base.pre[0], base.pre[1] + 1],
      post: undefined,
      dev: 0,
      local: undefined,
    });
  }
  return undefined;
}

/** Whether an interval holds no version (packaging `range_is_empty`). */
export function intervalIsEmpty(lo: LowerBound, hi: UpperBound): boolean {
  if (hi.point === undefined) return false;
  if (lo.point === undefined) {
    return !hi.inclusive && hi.point.kind === "version" &&
      comparePep440Versions(hi.point.version, MIN_VERSION) <= 0;
  }
  if (lo.point.kind !== "version") {
    const successor = leastVersionAbove(lo.point);
    if (successor !== undefined) {
      const c = comparePoints(hi.point, at(successor));
      if (c === 0) return !hi.inclusive;
      return c < 0;
    }
  }
  const c = comparePoints(lo.point, hi.point);
  if (c === 0) return !(lo.inclusive && hi.inclusive);
  return c > 0;
}

/** Intersects two sorted disjoint interval lists (two-pointer merge). */
export function intersectRanges(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let i = 0, j = 0;
  while (i < a.length && j < b.length) {
    const [al, au] = a[i]!;
    const [bl, bu] = b[j]!;
    const lo = compareLower(al, bl) >= 0 ? al : bl;
    const hi = compareUpper(au, bu) <= 0 ? au : bu;
    if (!intervalIsEmpty(lo, hi)) out.push([lo, hi]);
    if (compareUpper(au, bu) < 0) i++;
    else j++;
  }
  return out;
}

/** Unions two sorted disjoint interval lists, merging touching intervals (`_union_ranges`). */
export function unionRanges(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  if (a.length === 0) return [...b];
  if (b.length === 0) return [...a];
  const all: Interval[] = [];
  let i = 0, j = 0;
  while (i < a.length && j < b.length) {
    if (compareLower(a[i]![0], b[j]![0]) <= 0) all.push(a[i++]!);
    else all.push(b[j++]!);
  }
  while (i < a.length) all.push(a[i++]!);
  while (j < b.length) all.push(b[j++]!);
  const merged: Interval[] = [all[0]!];
  for (const [lo, hi] of all.slice(1)) {
    const [plo, phi] = merged[merged.length - 1]!;
    let overlaps: boolean;
    if (phi.point === undefined || lo.point === undefined) overlaps = true;
    else {
      const c = comparePoints(phi.point, lo.point);
      if (c > 0) overlaps = true;
      else if (c === 0) overlaps = phi.inclusive || lo.inclusive;
      else {overlaps = intervalIsEmpty(
          lower(phi.point, !phi.inclusive),
          upper(lo.point, !lo.inclusive),
        );}
    }
    if (overlaps) merged[merged.length - 1] = [plo, compareUpper(phi, hi) >= 0 ? phi : hi];
    else merged.push([lo, hi]);
  }
  return merged;
}

/** The complement of a canonical sorted disjoint interval list (`_complement_ranges`). */
export function complementRanges(ranges: readonly Interval[]): Interval[] {
  if (ranges.length === 0) return [...FULL_RANGE];
  const out: Interval[] = [];
  let prev: UpperBound | undefined;
  for (const [lo, hi] of ranges) {
    if (prev === undefined) {
      if (lo.point !== undefined) out.push([NEG_INF, upper(lo.point, !lo.inclusive)]);
    } else {
      out.push([lower(prev.point, !prev.inclusive), upper(lo.point, !lo.inclusive)]);
    }
    prev = hi;
  }
  if (prev!.point !== undefined) out.push([lower(prev!.point, !prev!.inclusive), POS_INF]);
  return out;
}

/** The boundary whose least successor is `v`, if any (`_predecessor_boundary`). */
function predecessorBoundary(v: Pep440Version): Point | undefined {
  if (v.dev === undefined) return undefined;
  let candidate: Point | undefined;
  if (v.pre !== undefined && v.dev === 0 && v.post === undefined) {
    if (v.pre[1] >= 1) {
      candidate = {
        version: replace(v, { pre: [v.pre[0], v.pre[1] - 1], dev: undefined }),
        kind: "afterPosts",
      };
    }
  } else if (v.dev >= 1) {
    candidate = { version: replace(v, { dev: v.dev - 1 }), kind: "afterLocals" };
  } else if (v.dev === 0 && v.post !== undefined) {
    const base = v.post === 0
      ? replace(v, { post: undefined, dev: undefined })
      : replace(v, { post: v.post - 1, dev: undefined });
    candidate = { version: base, kind: "afterLocals" };
  }
  if (candidate === undefined) return undefined;
  const s = leastVersionAbove(candidate);
  return s !== undefined && comparePep440Versions(s, v) === 0 && sameParts(s, v)
    ? candidate
    : undefined;
}

function sameParts(a: Pep440Version, b: Pep440Version): boolean {
  return compareLocal(a.local, b.local) === 0 && a.local === undefined && b.local === undefined;
}

/**
 * The canonical form of a sorted disjoint interval list: empty intervals dropped, the floor
 * folded (`>=0.dev0` is −∞; `<0.dev0` is nothing), and least-successor bounds folded to their
 * boundary (`>=1.0a2.dev0` is `>1.0a1`), so equal sets have equal forms (packaging
 * `ranges.py` `_canonical_floor` and `_canonicalize`).
 */
export function canonicalRanges(ranges: readonly Interval[]): Interval[] {
  let out = ranges.filter(([lo, hi]) => !intervalIsEmpty(lo, hi));
  if (out.length > 0) {
    const [lo, hi] = out[0]!;
    if (intervalIsEmpty(NEG_INF, hi)) out = out.slice(1);
    else if (
      lo.inclusive && lo.point?.kind === "version" &&
      comparePep440Versions(lo.point.version, MIN_VERSION) <= 0
    ) out = [[NEG_INF, hi], ...out.slice(1)];
  }
  return out.map(([lo, hi]) => {
    let nlo = lo, nhi = hi;
    if (lo.point?.kind === "version" && lo.inclusive) {
      const b = predecessorBoundary(lo.point.version);
      if (b !== undefined) nlo = lower(b, false);
    }
    if (hi.point?.kind === "version" && !hi.inclusive) {
      const b = predecessorBoundary(hi.point.version);
      if (b !== undefined) nhi = upper(b, true);
    }
    return [nlo, nhi] as Interval;
  });
}

function nextPrefixDev0(v: Pep440Version): Pep440Version {
  const release = [...v.release.slice(0, -1), v.release[v.release.length - 1]! + 1];
  return makePep440Version({ epoch: v.epoch, release, dev: 0 });
}

/** The ranges of `==V.*` / `!=V.*` (`wildcard_ranges`): `==1.2.*` is `[1.2.dev0, 1.3.dev0)`. */
export function wildcardRanges(op: "==" | "!=", base: Pep440Version): Interval[] {
  const lo = makePep440Version({ epoch: base.epoch, release: base.release, dev: 0 });
  const hi = nextPrefixDev0(base);
  if (op === "==") return [[lower(at(lo), true), upper(at(hi), false)]];
  return [[NEG_INF, upper(at(lo), false)], [lower(at(hi), true), POS_INF]];
}

/**
 * The ranges of one standard operator (`standard_ranges`).
 *
 * @param op `>=`, `<=`, `>`, `<`, `==`, `!=` or `~=`
 * @param v the specifier's version
 * @param hasLocal whether the specifier's version text had a `+local` label
 */
export function standardRanges(op: string, v: Pep440Version, hasLocal: boolean): Interval[] {
  switch (op) {
    case ">=":
      return [[lower(at(v), true), POS_INF]];
    case "<=":
      return [[NEG_INF, upper({ version: v, kind: "afterLocals" }, true)]];
    case ">": {
      if (v.dev !== undefined) {
        return [[lower(at(replace(v, { dev: v.dev + 1, local: undefined })), true), POS_INF]];
      }
      if (v.post !== undefined) {
        const lo = replace(v, { post: v.post + 1, dev: 0, local: undefined });
        return [[lower(at(lo), true), POS_INF]];
      }
      return [[lower({ version: v, kind: "afterPosts" }, false), POS_INF]];
    }
    case "<": {
      const bound = isPep440Prerelease(v) ? v : replace(v, { dev: 0, local: undefined });
      if (comparePep440Versions(bound, MIN_VERSION) <= 0) return [];
      return [[NEG_INF, upper(at(bound), false)]];
    }
    case "==":
    case "!=": {
      const hi: Point = hasLocal ? at(v) : { version: v, kind: "afterLocals" };
      if (op === "==") return [[lower(at(v), true), upper(hi, true)]];
      return [[NEG_INF, upper(at(v), false)], [lower(hi, false), POS_INF]];
    }
    case "~=": {
      const prefix = replace(v, { release: v.release.slice(0, -1) });
      return [[lower(at(v), true), upper(at(nextPrefixDev0(prefix)), false)]];
    }
  }
  throw new Error(`unknown operator ${op}`);
}

/** The smallest non-pre-release at or above a point or −∞ (`_lowest_release_at_or_above`). */
function lowestReleaseAtOrAbove(p: Point | undefined): Pep440Version {
  if (p === undefined) return makePep440Version({ release: [0] });
  const v = p.version;
  if (p.kind !== "version") {
    if (isPep440Prerelease(v)) return nearestReleaseAbovePrerelease(v);
    return replace(v, { post: v.post === undefined ? 0 : v.post + 1, local: undefined });
  }
  return isPep440Prerelease(v) ? nearestReleaseAbovePrerelease(v) : v;
}

function nearestReleaseAbovePrerelease(v: Pep440Version): Pep440Version {
  if (v.pre !== undefined) {
    return replace(v, { pre: undefined, post: undefined, dev: undefined, local: undefined });
  }
  return replace(v, { dev: undefined, local: undefined });
}

/** Whether every interval holds only pre-releases (`ranges_are_prerelease_only`). */
export function rangesArePrereleaseOnly(ranges: readonly Interval[]): boolean {
  for (const [lo, hi] of ranges) {
    const nearest = lowestReleaseAtOrAbove(lo.point);
    if (hi.point === undefined) return false;
    const c = comparePoints(at(nearest), hi.point);
    if (c < 0) return false;
    if (c === 0 && hi.inclusive) return false;
  }
  return true;
}

function pointText(p: Point): string {
  return formatPep440(p.version);
}

/**
 * Text for an interval list in specifier words: `>=1.0, <2.0`, `==1.4`, `!=1.5`, joined by
 * ` or `; `*` for every version, `no versions` for none.
 */
export function formatRanges(ranges: readonly Interval[]): string {
  if (ranges.length === 0) return "no versions";
  if (
    ranges.length === 1 && ranges[0]![0].point === undefined && ranges[0]![1].point === undefined
  ) {
    return "*";
  }
  // `!=V` as the whole set: (−∞, V) ∪ (afterLocals(V), +∞).
  if (ranges.length === 2) {
    const [[l0, h0], [l1, h1]] = ranges as [Interval, Interval];
    if (
      l0.point === undefined && h1.point === undefined && h0.point?.kind === "version" &&
      !h0.inclusive && l1.point?.kind === "afterLocals" &&
      comparePoints(h0.point, at(l1.point.version)) === 0
    ) return `!=${pointText(h0.point)}`;
  }
  return ranges.map(([lo, hi]) => {
    if (
      lo.point?.kind === "version" && lo.inclusive && hi.point !== undefined &&
      comparePoints(lo.point, hi.point) === 0 && hi.inclusive
    ) return `==${pointText(lo.point)}`;
    if (
      lo.point?.kind === "version" && lo.inclusive && hi.point?.kind === "afterLocals" &&
      comparePoints(lo.point, at(hi.point.version)) === 0
    ) return `==${pointText(lo.point)}`;
    const parts: string[] = [];
    if (lo.point !== undefined) {
      if (lo.point.kind === "version") {
        parts.push(`${lo.inclusive ? ">=" : ">"}${pointText(lo.point)}`);
      } else if (lo.point.kind === "afterPosts") parts.push(`>${pointText(lo.point)}`);
      else parts.push(`>${pointText(lo.point)}+*`);
    }
    if (hi.point !== undefined) {
      if (hi.point.kind === "version") {
        parts.push(`${hi.inclusive ? "<=" : "<"}${pointText(hi.point)}`);
      } else if (hi.point.kind === "afterLocals") parts.push(`<=${pointText(hi.point)}`);
      else parts.push(`<=${pointText(hi.point)}.post*`);
    }
    return parts.join(", ");
  }).join(" or ");
}
