/**
 * PEP 440 version sets for the one PubGrub solver: sorted disjoint intervals in PEP 440 order
 * ({@link Pep440VersionSet}) and the scheme that plugs them into the solver
 * ({@link pep440Scheme}).
 *
 * The intervals are the ones pypa/packaging computes for a specifier set (`_ranges.py`): `>V`
 * starts above V's post-releases, `<=V`/`==V`/`!=V` cover V's local versions, `<V` stops before
 * V's pre-releases, `==1.2.*` is `[1.2.dev0, 1.3.dev0)`. Set algebra and canonical forms follow
 * packaging's `ranges.py` (union, complement, floor and least-successor folding), so equal sets
 * have equal forms and {@link Pep440VersionSet.equals} is exact.
 *
 * **Pre-releases are a filter on top of the intervals, not part of them.** A specifier set's
 * pre-release rule ("no pre-releases unless asked for or nothing else matches") depends on the
 * candidates, so it cannot be an interval set. As in uv's PubGrub ranges (uv's
 * `PrereleaseStrategy`, applied when versions are chosen), a set built from a specifier set
 * holds every version its intervals hold, pre-releases included; the provider applies the
 * policy when it lists candidate versions (`DependencyProvider.listVersions`: leave out
 * pre-releases unless a requirement on the package names one — {@link SpecifierSet.prereleases}
 * — or the package has no final release), or excludes them with `checkVersion`.
 * `===V` (arbitrary equality, a string comparison) becomes the versions equal to V when V is a
 * PEP 440 version, and no version otherwise.
 *
 * @module
 */
import type { SolverVersionSet, VersionScheme } from "../solver/version_scheme.ts";
import {
  comparePep440Versions,
  formatPep440,
  parsePep440Version,
  type Pep440Version,
  tryParsePep440Version,
} from "./pep440.ts";
import {
  at,
  canonicalRanges,
  comparePoints,
  complementRanges,
  formatRanges,
  FULL_RANGE,
  intersectRanges,
  type Interval,
  lower,
  NEG_INF,
  POS_INF,
  rangesContain,
  unionRanges,
  upper,
} from "./_ranges.ts";
import { parseSpecifierSet, type SpecifierSet } from "./specifiers.ts";

/**
 * An immutable set of PEP 440 versions: sorted disjoint intervals in canonical form, with exact
 * union, intersection and complement (the operations PubGrub needs).
 *
 * @example
 * ```ts
 * import { parsePep440Version, parseSpecifierSet, Pep440VersionSet } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 *
 * const s = Pep440VersionSet.fromSpecifierSet(parseSpecifierSet(">=1.0, !=1.5.*, <2"));
 * assert.equal(s.contains(parsePep440Version("1.5.3")), false);
 * assert.equal(s.contains(parsePep440Version("1.6")), true);
 * assert.equal(s.complement().intersection(s).isEmpty(), true);
 * assert.equal(String(s), ">=1.0, <1.5.dev0 or >=1.6.dev0, <2.dev0");
 * ```
 */
export class Pep440VersionSet implements SolverVersionSet<Pep440Version, Pep440VersionSet> {
  static readonly #EMPTY: Pep440VersionSet = new Pep440VersionSet([]);
  static readonly #FULL: Pep440VersionSet = new Pep440VersionSet(FULL_RANGE);
  readonly #ranges: readonly Interval[];

  private constructor(ranges: readonly Interval[]) {
    this.#ranges = ranges;
  }

  static #of(ranges: readonly Interval[]): Pep440VersionSet {
    return new Pep440VersionSet(canonicalRanges(ranges));
  }

  /** The set of no version. */
  static empty(): Pep440VersionSet {
    return Pep440VersionSet.#EMPTY;
  }

  /** The set of every version. */
  static full(): Pep440VersionSet {
    return Pep440VersionSet.#FULL;
  }

  /**
   * The set of exactly `v` (and the versions equal to it: `1.0` = `1.0.0`).
   *
   * @param v a version
   */
  static singleton(v: Pep440Version): Pep440VersionSet {
    return Pep440VersionSet.#of([[lower(at(v), true), upper(at(v), true)]]);
  }

  /**
   * `[lo, hi)`; an end left undefined is open.
   *
   * @param lo the lowest version in the set
   * @param hi the lowest version above the set
   */
  static between(lo: Pep440Version | undefined, hi: Pep440Version | undefined): Pep440VersionSet {
    return Pep440VersionSet.#of([[
      lo === undefined ? NEG_INF : lower(at(lo), true),
      hi === undefined ? POS_INF : upper(at(hi), false),
    ]]);
  }

  /**
   * The versions a specifier set's intervals hold (pre-releases included: see the module notes
   * for how the pre-release rule is applied).
   *
   * @param set a parsed specifier set
   */
  static fromSpecifierSet(set: SpecifierSet): Pep440VersionSet {
    let ranges: readonly Interval[] = set.ranges();
    for (const s of set.specifiers) {
      if (s.operator !== "===") continue;
      const v = tryParsePep440Version(s.version);
      ranges = v === undefined
        ? []
        : intersectRanges(ranges, [[lower(at(v), true), upper(at(v), true)]]);
    }
    return Pep440VersionSet.#of(ranges);
  }

  /**
   * Parses a specifier set's text into its version set.
   *
   * @param text e.g. `>=1.0, <2`
   * @throws {MochiError} `PY_E002` on an invalid specifier
   */
  static parse(text: string): Pep440VersionSet {
    return Pep440VersionSet.fromSpecifierSet(parseSpecifierSet(text));
  }

  /** Whether no version is in the set. */
  isEmpty(): boolean {
    return this.#ranges.length === 0;
  }

  /** Whether every version is in the set. */
  isFull(): boolean {
    const r = this.#ranges;
    return r.length === 1 && r[0]![0].point === undefined && r[0]![1].point === undefined;
  }

  /**
   * Whether `v` is in the set.
   *
   * @param v a version
   */
  contains(v: Pep440Version): boolean {
    return rangesContain(this.#ranges, v);
  }

  /**
   * The versions in this set or `o`.
   *
   * @param o another set
   */
  union(o: Pep440VersionSet): Pep440VersionSet {
    if (this.isEmpty() || o.isFull()) return o;
    if (o.isEmpty() || this.isFull()) return this;
    return Pep440VersionSet.#of(unionRanges(this.#ranges, o.#ranges));
  }

  /**
   * The versions in both.
   *
   * @param o another set
   */
  intersection(o: Pep440VersionSet): Pep440VersionSet {
    if (this.isEmpty() || o.isFull()) return this;
    if (o.isEmpty() || this.isFull()) return o;
    return Pep440VersionSet.#of(intersectRanges(this.#ranges, o.#ranges));
  }

  /** The versions not in this set. */
  complement(): Pep440VersionSet {
    if (this.isEmpty()) return Pep440VersionSet.#FULL;
    if (this.isFull()) return Pep440VersionSet.#EMPTY;
    return Pep440VersionSet.#of(complementRanges(this.#ranges));
  }

  /**
   * Whether every version of this set is in `o`.
   *
   * @param o another set
   */
  subsetOf(o: Pep440VersionSet): boolean {
    return this.intersection(o.complement()).isEmpty();
  }

  /**
   * Whether no version is in both.
   *
   * @param o another set
   */
  isDisjoint(o: Pep440VersionSet): boolean {
    return this.intersection(o).isEmpty();
  }

  /**
   * Whether both hold the same versions (exact: forms are canonical).
   *
   * @param o another set
   */
  equals(o: Pep440VersionSet): boolean {
    if (this === o) return true;
    const a = this.#ranges, b = o.#ranges;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      const [al, au] = a[i]!, [bl, bu] = b[i]!;
      if (!sameBound(al, bl) || !sameBound(au, bu)) return false;
    }
    return true;
  }

  /** Specifier-like text: `>=1.0, <2.dev0`, `==1.4`, `!=1.5`, `*`, joined by ` or `. */
  toString(): string {
    return formatRanges(this.#ranges);
  }
}

function sameBound(
  a: { point: Interval[0]["point"]; inclusive: boolean },
  b: { point: Interval[0]["point"]; inclusive: boolean },
): boolean {
  if (a.point === undefined || b.point === undefined) return a.point === b.point;
  return a.inclusive === b.inclusive && comparePoints(a.point, b.point) === 0;
}

const requirementCache = new Map<string, Pep440VersionSet>();

/**
 * PEP 440 as a solver version scheme: run the one PubGrub solver (`resolveWith` of
 * `@mochi/pkg/solver`) over Python versions. Requirements are specifier sets (`>=1.0, <2`);
 * version identity is the normalised text; no compatibility buckets (`allowMultiVersion` is
 * cargo's).
 *
 * @example
 * ```ts
 * import { pep440Scheme } from "@mochi/pkg/python";
 * import { OfflineDependencyProvider, resolveWith } from "@mochi/pkg/solver";
 * import assert from "node:assert/strict";
 *
 * const p = new OfflineDependencyProvider(pep440Scheme);
 * p.add("httpx", "0.27.0", { anyio: ">=3, <5" });
 * p.add("anyio", "4.4.0", {});
 * p.add("anyio", "5.0.0", {});
 * const picked = await resolveWith(pep440Scheme, p, {
 *   name: "app",
 *   version: "0",
 *   dependencies: { httpx: ">=0.27" },
 * });
 * assert.deepEqual(picked.map((r) => `${r.name} ${pep440Scheme.format(r.version)}`), [
 *   "anyio 4.4.0",
 *   "httpx 0.27.0",
 * ]);
 * ```
 */
export const pep440Scheme: VersionScheme<Pep440Version, Pep440VersionSet> = {
  name: "pep440",
  empty: () => Pep440VersionSet.empty(),
  full: () => Pep440VersionSet.full(),
  singleton: (v) => Pep440VersionSet.singleton(v),
  between: (lo, hi) => Pep440VersionSet.between(lo, hi),
  isSet: (x): x is Pep440VersionSet => x instanceof Pep440VersionSet,
  compare: comparePep440Versions,
  key: formatPep440,
  format: formatPep440,
  parseVersion: parsePep440Version,
  parseRequirement(text) {
    let s = requirementCache.get(text);
    if (s === undefined) {
      s = Pep440VersionSet.parse(text);
      if (requirementCache.size > 50_000) requirementCache.clear();
      requirementCache.set(text, s);
    }
    return s;
  },
};
