/**
 * The partial solution: the ordered assignments (decisions and derivations) the solver currently
 * believes, with decision levels, satisfier search and backtracking.
 *
 * Layout follows pubgrub-rs `src/internal/partial_solution.rs`: assignments are grouped per
 * package, each derivation keeps the running intersection of the package's assignments so the
 * satisfier of a term is found by binary search, and a global index orders assignments across
 * packages. Semantics follow pub's `doc/solver.md` §Partial Solution and §Conflict Resolution.
 *
 * @module
 */
import type { VersionSet } from "../semver/mod.ts";
import type { Incompatibility } from "./incompatibility.ts";
import { Term } from "./term.ts";
import type { AnyVersionSet, VersionOf } from "./version_scheme.ts";

/** A derivation: a term implied by its cause and earlier assignments. */
interface DatedDerivation<S extends AnyVersionSet> {
  readonly globalIndex: number;
  readonly level: number;
  readonly cause: Incompatibility<S>;
  /** Intersection of this package's derivations up to and including this one. */
  readonly accumulated: Term<S>;
}

/** All assignments about one package. */
export interface PackageAssignments<S extends AnyVersionSet = VersionSet> {
  /** Decision level of the first assignment. */
  smallestLevel: number;
  /** Decision level of the last assignment. */
  highestLevel: number;
  /** Derivations in order. */
  readonly derivations: DatedDerivation<S>[];
  /** The decision, once one is made. */
  decision: { readonly globalIndex: number; readonly version: VersionOf<S> } | undefined;
  /** Intersection of every assignment (the exact version once decided). */
  intersection: Term<S>;
}

/** The satisfier of a conflicting incompatibility and what conflict resolution does with it. */
export interface SatisfierSearch<S extends AnyVersionSet = VersionSet> {
  /** Package key of the satisfier. */
  readonly key: string;
  /** The satisfier's cause (undefined when the satisfier is a decision). */
  readonly cause: Incompatibility<S> | undefined;
  /** Decision level of the satisfier. */
  readonly level: number;
  /** Decision level of the previous satisfier (at least 1). */
  readonly previousLevel: number;
}

interface Found<S extends AnyVersionSet> {
  readonly cause: Incompatibility<S> | undefined;
  readonly globalIndex: number;
  readonly level: number;
}

/**
 * Mutable partial solution of one solve.
 */
export class PartialSolution<S extends AnyVersionSet = VersionSet> {
  #nextGlobalIndex = 0;
  #level = 0;
  readonly #packages = new Map<string, PackageAssignments<S>>();
  /** Keys of {@link PartialSolution.packages} without a decision, kept as assignments change. */
  readonly #undecided = new Set<string>();

  /** @param singleton the scheme's set of exactly one version */
  constructor(readonly singleton: (v: VersionOf<S>) => S) {}

  /** @returns the current decision level (0 before the root decision) */
  get level(): number {
    return this.#level;
  }

  /** @returns the per-package assignments (insertion order; read-only use) */
  get packages(): ReadonlyMap<string, PackageAssignments<S>> {
    return this.#packages;
  }

  /** @returns the keys of the packages without a decision (read-only use) */
  get undecided(): ReadonlySet<string> {
    return this.#undecided;
  }

  /** @param key package key @returns intersection of its assignments, if any */
  termFor(key: string): Term<S> | undefined {
    return this.#packages.get(key)?.intersection;
  }

  /**
   * Adds a decision at a new decision level.
   *
   * @param key package key (must have a positive derivation and no decision)
   * @param version the chosen version
   */
  addDecision(key: string, version: VersionOf<S>): void {
    const pa = this.#packages.get(key);
    if (pa === undefined || pa.decision !== undefined) {
      throw new Error(`internal: decision on ${key} without derivation or twice`);
    }
    this.#level++;
    this.#undecided.delete(key);
    pa.decision = { globalIndex: this.#nextGlobalIndex++, version };
    pa.highestLevel = this.#level;
    pa.intersection = Term.pos(this.singleton(version));
  }

  /**
   * Adds the derivation `not t` where `t` is `cause`'s term for `key`.
   *
   * @param key package key
   * @param cause the almost-satisfied incompatibility
   */
  addDerivation(key: string, cause: Incompatibility<S>): void {
    const term = cause.get(key)!.negate();
    const globalIndex = this.#nextGlobalIndex++;
    const level = this.#level;
    const pa = this.#packages.get(key);
    if (pa === undefined) {
      this.#packages.set(key, {
        smallestLevel: level,
        highestLevel: level,
        derivations: [{ globalIndex, level, cause, accumulated: term }],
        decision: undefined,
        intersection: term,
      });
      this.#undecided.add(key);
      return;
    }
    if (pa.decision !== undefined) throw new Error(`internal: derivation on decided ${key}`);
    const accumulated = pa.intersection.intersection(term);
    pa.derivations.push({ globalIndex, level, cause, accumulated });
    pa.highestLevel = level;
    pa.intersection = accumulated;
  }

  /**
   * Removes every assignment above `level` (pubgrub-rs `backtrack`).
   *
   * @param level the decision level to return to
   */
  backtrack(level: number): void {
    this.#level = level;
    for (const [key, pa] of this.#packages) {
      if (pa.smallestLevel > level) {
        this.#packages.delete(key);
        this.#undecided.delete(key);
      } else if (pa.highestLevel > level) {
        pa.decision = undefined;
        this.#undecided.add(key);
        let n = pa.derivations.length;
        while (n > 0 && pa.derivations[n - 1]!.level > level) n--;
        pa.derivations.length = n;
        const last = pa.derivations[n - 1]!;
        pa.highestLevel = last.level;
        pa.intersection = last!.accumulated;
      }
    }
  }

  /**
   * Finds the satisfier of a satisfied incompatibility and the level of the previous satisfier
   * (pubgrub-rs `satisfier_search` / `find_previous_satisfier`).
   *
   * @param incompat an incompatibility the partial solution satisfies
   * @returns the satisfier search result
   */
  satisfierSearch(incompat: Incompatibility<S>): SatisfierSearch<S> {
    const found = new Map<string, Found<S>>();
    let satKey = "";
    let sat: Found<S> | undefined;
    for (const [key, term] of incompat.terms) {
      const f = this.#satisfier(key, term.negate());
      found.set(key, f);
      if (sat === undefined || f.globalIndex > sat.globalIndex) {
        sat = f;
        satKey = key;
      }
    }
    const pa = this.#packages.get(satKey)!;
    const satTerm = sat!.cause !== undefined ? sat!.cause.get(satKey)!.negate() : pa.intersection;
    const incTerm = incompat.get(satKey)!;
    found.set(satKey, this.#satisfier(satKey, satTerm.intersection(incTerm.negate())));
    let prev: Found<S> | undefined;
    for (const f of found.values()) {
      if (prev === undefined || f.globalIndex > prev.globalIndex) prev = f;
    }
    return {
      key: satKey,
      cause: sat!.cause,
      level: sat!.level,
      previousLevel: Math.max(prev!.level, 1),
    };
  }

  /** First assignment of `key` whose running intersection is disjoint with `start`. */
  #satisfier(key: string, start: Term<S>): Found<S> {
    const pa = this.#packages.get(key)!;
    const ds = pa.derivations;
    let lo = 0, hi = ds.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ds[mid]!.accumulated.isDisjoint(start)) hi = mid;
      else lo = mid + 1;
    }
    if (lo < ds.length) {
      const d = ds[lo]!;
      return { cause: d!.cause, globalIndex: d!.globalIndex, level: d.level };
    }
    if (pa.decision === undefined) throw new Error(`internal: no satisfier for ${key}`);
    return { cause: undefined, globalIndex: pa.decision.globalIndex, level: pa.highestLevel };
  }

  /**
   * Whether a candidate decision would satisfy one of its own new incompatibilities
   * (pubgrub-rs `add_version` check).
   *
   * @param key the package key
   * @param version the candidate version
   * @param incompats the candidate's dependency incompatibilities
   * @returns true when none is satisfied
   */
  canDecide(
    key: string,
    version: VersionOf<S>,
    incompats: readonly Incompatibility<S>[],
  ): boolean {
    const exact = Term.pos(this.singleton(version));
    const lookup = (k: string) => (k === key ? exact : this.termFor(k));
    return incompats.every((i) => i.relation(lookup).kind !== "satisfied");
  }

  /** @returns package key → decided version, in decision order */
  decisions(): Map<string, VersionOf<S>> {
    const out: [number, string, VersionOf<S>][] = [];
    for (const [key, pa] of this.#packages) {
      if (pa.decision) out.push([pa.decision.globalIndex, key, pa.decision.version]);
    }
    out.sort((a, b) => a[0] - b[0]);
    return new Map(out.map(([, k, v]) => [k, v]));
  }
}
