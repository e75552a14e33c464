/**
 * Terms: statements about one package that a selection of versions makes true or false.
 *
 * A positive term `foo ^1.0.0` holds when a version of `foo` in the set is selected; a negative
 * term `not foo ^1.0.0` holds when no version of `foo` in the set is selected (including when
 * `foo` is not selected at all). Follows pub's `doc/solver.md` §Term and pubgrub-rs
 * `src/term.rs`.
 *
 * @module
 */
import { type Version, VersionSet } from "../semver/mod.ts";
import type { AnyVersionSet, VersionOf } from "./version_scheme.ts";

/** How a set of terms relates to one term (pub `doc/solver.md` §Term). */
export type TermRelation = "satisfied" | "contradicted" | "inconclusive";

/**
 * A positive or negative statement about the selected version of one package.
 *
 * Immutable. Set operations follow pubgrub-rs `Term` exactly: negative terms also admit
 * "not selected", so `not foo ∅` is the term that is always true ({@link Term.isAny}).
 *
 * @typeParam S the version set of the scheme (cargo SemVer's {@link VersionSet} by default;
 *   any `SolverVersionSet`)
 */
export class Term<S extends AnyVersionSet = VersionSet> {
  /**
   * Creates a term.
   *
   * @param positive true for `foo S`, false for `not foo S`
   * @param set the version set S
   */
  constructor(readonly positive: boolean, readonly set: S) {}

  /**
   * The positive term `foo S`.
   *
   * @param set S
   * @returns the term
   */
  static pos<S extends AnyVersionSet>(set: S): Term<S> {
    return new Term<S>(true, set);
  }

  /**
   * The negative term `not foo S`.
   *
   * @param set S
   * @returns the term
   */
  static neg<S extends AnyVersionSet>(set: S): Term<S> {
    return new Term<S>(false, set);
  }

  /**
   * The positive term of exactly one SemVer version, `foo v` (other schemes:
   * `Term.pos(scheme.singleton(v))`).
   *
   * @param v the version
   * @returns the term
   */
  static exact(v: Version): Term {
    return new Term(true, VersionSet.singleton(v));
  }

  /** The inverse term (`not t`). */
  negate(): Term<S> {
    return new Term<S>(!this.positive, this.set);
  }

  /** Whether this term is always true (`not foo ∅`). */
  isAny(): boolean {
    return !this.positive && this.set.isEmpty();
  }

  /** Whether this term can never be true (`foo ∅`). */
  isEmpty(): boolean {
    return this.positive && this.set.isEmpty();
  }

  /**
   * Whether selecting a version makes this term true.
   *
   * @param v a version
   * @returns whether selecting `v` makes this term true
   */
  contains(v: VersionOf<S>): boolean {
    return this.set.contains(v) === this.positive;
  }

  /**
   * Intersection of two terms.
   *
   * @param o another term about the same package
   * @returns the term true exactly when both are
   */
  intersection(o: Term<S>): Term<S> {
    if (this.positive) {
      if (o.positive) return Term.pos<S>(this.set.intersection(o.set));
      return Term.pos<S>(this.set.intersection(o.set.complement()));
    }
    if (o.positive) return Term.pos<S>(o.set.intersection(this.set.complement()));
    return Term.neg<S>(this.set.union(o.set));
  }

  /**
   * Union of two terms.
   *
   * @param o another term about the same package
   * @returns the term true when either is
   */
  union(o: Term<S>): Term<S> {
    return this.negate().intersection(o.negate()).negate();
  }

  /**
   * Whether this term satisfies `o` (every selection making this true makes `o` true).
   *
   * @param o another term about the same package
   * @returns true when this ⊆ o
   */
  subsetOf(o: Term<S>): boolean {
    if (this.positive) return o.positive ? this.set.subsetOf(o.set) : this.set.isDisjoint(o.set);
    return o.positive ? false : o.set.subsetOf(this.set);
  }

  /**
   * Whether no selection makes both terms true.
   *
   * @param o another term about the same package
   * @returns true when this ∩ o is empty
   */
  isDisjoint(o: Term<S>): boolean {
    if (this.positive) return o.positive ? this.set.isDisjoint(o.set) : this.set.subsetOf(o.set);
    return o.positive ? o.set.subsetOf(this.set) : false;
  }

  /**
   * How the partial solution's term for a package relates to this (incompatibility) term.
   *
   * @param ps the intersection of the partial solution's assignments for the package
   * @returns "satisfied" when ps ⊆ this, "contradicted" when disjoint, else "inconclusive"
   */
  relationWith(ps: Term<S>): TermRelation {
    if (ps.subsetOf(this)) return "satisfied";
    if (ps.isDisjoint(this)) return "contradicted";
    return "inconclusive";
  }

  /**
   * Whether both terms hold for the same selections.
   *
   * @param o another term
   */
  equals(o: Term<S>): boolean {
    return this.positive === o.positive && this.set.equals(o.set);
  }

  /** Text without the package name: `"^1.0.0"` or `"not ^1.0.0"`. */
  toString(): string {
    return this.positive ? this.set.toString() : `not ${this.set.toString()}`;
  }
}
