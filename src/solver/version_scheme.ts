/**
 * The version scheme the solver runs over: what a version is and the set algebra PubGrub needs.
 *
 * The solver is one PubGrub implementation; a scheme plugs a kind of version into it, as
 * pubgrub-rs does with its `VersionSet` trait (`src/version_set.rs`: `empty`, `singleton`,
 * `complement`, `intersection`, `contains`, plus `full`, `union`, `is_disjoint`, `subset_of`)
 * and uv with its PEP 440 `Ranges`. {@link semverScheme} is cargo's SemVer (`src/semver/`,
 * Mochi packages and the Rust bridge); the Python bridge's PEP 440 scheme lives in
 * `src/python/version_set.ts` (`pep440Scheme`).
 *
 * @module
 */
import {
  compareVersions,
  compatibilityKey,
  formatRequirement,
  formatVersion,
  makeVersion,
  parseRequirement,
  parseVersion,
  tryParseRequirement,
  type Version,
  VersionSet,
} from "../semver/mod.ts";

/**
 * An immutable set of versions of one scheme: the operations PubGrub needs. Every operation
 * must be exact (no approximation): terms are compared by {@link SolverVersionSet.equals} and
 * emptiness decides conflicts.
 *
 * @typeParam V the scheme's version
 * @typeParam S the set type itself (operations take and return sets of the same scheme)
 */
export interface SolverVersionSet<V, S> {
  /** Whether no version is in the set. */
  isEmpty(): boolean;
  /** Whether every version is in the set. */
  isFull(): boolean;
  /** Whether `v` is in the set. */
  contains(v: V): boolean;
  /** The set of versions in this set or `o`. */
  union(o: S): S;
  /** The set of versions in both. */
  intersection(o: S): S;
  /** The set of versions not in this set. */
  complement(): S;
  /** Whether every version of this set is in `o`. */
  subsetOf(o: S): boolean;
  /** Whether no version is in both. */
  isDisjoint(o: S): boolean;
  /** Whether both hold the same versions. */
  equals(o: S): boolean;
  /** Text for failure reports (`^1.2.0`, `>=1.0, <2.0`). */
  toString(): string;
}

/**
 * A kind of version the solver can run over: version identity, order and text, and the sets'
 * constructors.
 *
 * @typeParam V the version
 * @typeParam S its version set
 */
export interface VersionScheme<V, S extends SolverVersionSet<V, S>> {
  /** A short name for messages (`semver`, `pep440`). */
  readonly name: string;
  /** The empty set. */
  empty(): S;
  /** The set of every version. */
  full(): S;
  /** The set holding exactly `v`. */
  singleton(v: V): S;
  /** `[lo, hi)` (either end open when undefined). */
  between(lo: V | undefined, hi: V | undefined): S;
  /** Whether a value is one of this scheme's sets (as opposed to a requirement with text). */
  isSet(x: unknown): x is S;
  /** Orders versions (negative, zero, positive). */
  compare(a: V, b: V): number;
  /** The identity of a version: equal keys are one version of a package. */
  key(v: V): string;
  /** The display text of a version. */
  format(v: V): string;
  /**
   * Parses version text (the root version, locked versions).
   *
   * @throws {MochiError} the scheme's invalid-version code
   */
  parseVersion(text: string): V;
  /**
   * Parses requirement text in the scheme's grammar (the root's dependencies).
   *
   * @throws {MochiError} the scheme's invalid-requirement code
   */
  parseRequirement(text: string): S;
  /**
   * Optional: the compatibility bucket of a version (cargo `allow-multi-version`: one selected
   * version per bucket). A scheme without it cannot solve with `allowMultiVersion`.
   */
  compatibilityKey?(v: V): string;
  /** Optional, with {@link compatibilityKey}: the smallest version standing for a bucket. */
  bucketVersion?(bucket: string): V;
  /**
   * Optional: a requirement as failure reports write it (default: the text trimmed).
   *
   * @param text the requirement as the provider gave it
   */
  formatRequirement?(text: string): string;
}

/** Any scheme's version set (the solver's internals are generic over the set type). */
// deno-lint-ignore no-explicit-any
export type AnyVersionSet = SolverVersionSet<any, any>;

/** The version type of a version set type. */
export type VersionOf<S> = S extends SolverVersionSet<infer V, infer _> ? V : never;

const reqSetCache = new Map<string, VersionSet>();

/**
 * Keys of the Version objects seen (the solver asks for the same versions' keys many times; a
 * provider hands out one object per version, never changed after).
 */
const versionKeys = new WeakMap<Version, string>();

/**
 * Cargo's SemVer: versions and requirements of `src/semver/` (the scheme of Mochi packages and
 * of the Rust bridge, and the default of {@link resolve}).
 *
 * @example
 * ```ts
 * import { semverScheme } from "@mochi/pkg/solver";
 * import assert from "node:assert/strict";
 * const s = semverScheme.parseRequirement("^1.2");
 * assert.equal(s.contains(semverScheme.parseVersion("1.9.0")), true);
 * assert.equal(semverScheme.between(undefined, semverScheme.parseVersion("1.5.0")).contains(
 *   semverScheme.parseVersion("1.9.0"),
 * ), false);
 * ```
 */
export const semverScheme: VersionScheme<Version, VersionSet> = {
  name: "semver",
  empty: () => VersionSet.empty(),
  full: () => VersionSet.full(),
  singleton: (v) => VersionSet.singleton(v),
  between(lo, hi) {
    if (lo === undefined && hi === undefined) return VersionSet.full();
    const parts: string[] = [];
    if (lo !== undefined) parts.push(`>=${semverScheme.key(lo)}`);
    if (hi !== undefined) parts.push(`<${semverScheme.key(hi)}`);
    return semverScheme.parseRequirement(parts.join(", "));
  },
  isSet: (x): x is VersionSet => x instanceof VersionSet,
  compare: compareVersions,
  key: (v) => {
    let k = versionKeys.get(v);
    if (k === undefined) versionKeys.set(v, k = formatVersion({ ...v, build: [] }));
    return k;
  },
  format: formatVersion,
  parseVersion,
  parseRequirement(text) {
    let s = reqSetCache.get(text);
    if (s === undefined) {
      s = VersionSet.fromRequirement(parseRequirement(text));
      if (reqSetCache.size > 50_000) reqSetCache.clear();
      reqSetCache.set(text, s);
    }
    return s;
  },
  compatibilityKey,
  formatRequirement(text) {
    const r = tryParseRequirement(text);
    return r === undefined ? text.trim() : formatRequirement(r);
  },
  bucketVersion(bucket) {
    const p = bucket.split(".").map(Number);
    if (p.length === 1) return makeVersion(p[0]!, 0, 0);
    if (p.length === 2) return makeVersion(0, p[1]!, 0);
    return makeVersion(0, 0, p[2]!);
  },
};
