/**
 * Incompatibilities: sets of terms that must not all be true, with the cause that produced them.
 *
 * External incompatibilities record facts (a dependency, a package without matching versions, a
 * version the provider excludes); derived ones come from conflict resolution and keep both
 * causes, forming the derivation graph the failure report is written from. Follows pub's
 * `doc/solver.md` §Incompatibility and pubgrub-rs `src/internal/incompatibility.rs`.
 *
 * @module
 */
import type { VersionSet } from "../semver/mod.ts";
import { Term } from "./term.ts";
import type { AnyVersionSet, VersionOf } from "./version_scheme.ts";

/**
 * Why an incompatibility holds.
 *
 * @typeParam S the scheme's version set (cargo SemVer by default)
 */
export type IncompatibilityCause<S extends AnyVersionSet = VersionSet> =
  /** `{not root v}`: the root package must be selected. */
  | { readonly kind: "root"; readonly version: VersionOf<S> }
  /**
   * `{depender S, not dependee T}`: every version of the depender in S depends on T, written
   * `requirement` when the provider gave the text (reports show it as written, as pub and uv do).
   */
  | {
    readonly kind: "dependency";
    readonly depender: string;
    readonly dependee: string;
    readonly dependeeSet: S;
    readonly requirement?: string;
  }
  /** `{pkg S}`: no version of pkg in S exists (or none may be used; `skipped` were yanked). */
  | {
    readonly kind: "noVersions";
    readonly missing: boolean;
    readonly skipped: readonly VersionOf<S>[];
  }
  /** `{pkg S}`: the versions in S were excluded for `reason` (target, compiler, ...). */
  | { readonly kind: "unavailable"; readonly reason: string }
  /** `{pkg S}`: the versions in S were excluded for a reason the provider defines and words. */
  | { readonly kind: "custom"; readonly custom: CustomCause }
  /** `{a S, b T}`: a version of a in S and one of b in T exclude each other (cargo `links`). */
  | { readonly kind: "conflict"; readonly reason: string }
  /** Derived by resolution from `conflict` and the satisfier's cause `other`. */
  | {
    readonly kind: "derived";
    readonly conflict: Incompatibility<S>;
    readonly other: Incompatibility<S>;
  };

/**
 * Why a provider excludes some versions, in its own terms (pubgrub-rs `Kind::Custom`, whose
 * metadata the reporter formats): the solver knows nothing of it but its {@link CustomCause.key}
 * and its words. Product rules (Mochi's capability pins, `src/capability/cause.ts`) come in
 * through it, so the solver carries no product policy.
 */
export interface CustomCause {
  /**
   * Equal keys mean equal causes: adjacent versions excluded by causes with one key are excluded
   * together, so the report names the range once.
   */
  readonly key: string;
  /**
   * The clause the report shows for the excluded versions (pubgrub-rs
   * `ReportFormatter::format_custom`).
   *
   * @param name the package's name as the report writes it
   * @param subject the versions as the report words them: `json >=1.2.0`, `every version of json`
   * @returns e.g. `app pins json with capabilities ["fs.read"], but json >=1.2.0 requires […]`
   */
  describe(name: string, subject: string): string;
}

/** How the partial solution relates to a whole incompatibility. */
export type IncompatibilityRelation =
  | { readonly kind: "satisfied" }
  | { readonly kind: "contradicted"; readonly key: string }
  | { readonly kind: "almostSatisfied"; readonly key: string }
  | { readonly kind: "inconclusive" };

const SATISFIED: IncompatibilityRelation = { kind: "satisfied" };
const INCONCLUSIVE: IncompatibilityRelation = { kind: "inconclusive" };

/**
 * A set of terms (at most one per package key) that are not all allowed to be true.
 *
 * @typeParam S the scheme's version set (cargo SemVer by default)
 */
export class Incompatibility<S extends AnyVersionSet = VersionSet> {
  /**
   * Creates an incompatibility (use the static constructors).
   *
   * @param id unique, increasing number (creation order; used for determinism)
   * @param terms package key → term, at most one per key, no "any" terms
   * @param cause why the terms are incompatible
   */
  constructor(
    readonly id: number,
    readonly terms: ReadonlyMap<string, Term<S>>,
    readonly cause: IncompatibilityCause<S>,
  ) {}

  /**
   * The term about one package.
   *
   * @param key package key
   * @returns the term, if any
   */
  get(key: string): Term<S> | undefined {
    return this.terms.get(key);
  }

  /** Whether the cause is external (not derived). */
  isExternal(): boolean {
    return this.cause.kind !== "derived";
  }

  /**
   * Whether this incompatibility says version solving failed: no terms, or one positive term on
   * the root package (pubgrub-rs `is_terminal`).
   *
   * @param rootKey the root package key
   * @param rootVersion the root version
   */
  isTerminal(rootKey: string, rootVersion: VersionOf<S>): boolean {
    if (this.terms.size === 0) return true;
    if (this.terms.size > 1) return false;
    const t = this.terms.get(rootKey);
    return t !== undefined && t.contains(rootVersion);
  }

  /**
   * Relation of the partial solution to this incompatibility.
   *
   * @param termFor the partial solution's term intersection for a key (undefined: no
   *   assignment, which relates to every kept term as "inconclusive")
   * @returns satisfied / contradicted (with the key) / almost satisfied (with the key) /
   *   inconclusive
   */
  relation(termFor: (key: string) => Term<S> | undefined): IncompatibilityRelation {
    let almost: string | undefined;
    for (const [key, term] of this.terms) {
      const ps = termFor(key);
      const rel = ps === undefined ? "inconclusive" : term.relationWith(ps);
      if (rel === "satisfied") continue;
      if (rel === "contradicted") return { kind: "contradicted", key };
      if (almost !== undefined) return INCONCLUSIVE;
      almost = key;
    }
    return almost === undefined ? SATISFIED : { kind: "almostSatisfied", key: almost };
  }

  /**
   * The external incompatibility `{not root v}` that starts solving.
   *
   * @param id new id
   * @param rootKey root key
   * @param version root version
   * @param set the set holding exactly the root version (its scheme's singleton)
   */
  static notRoot<S extends AnyVersionSet>(
    id: number,
    rootKey: string,
    version: VersionOf<S>,
    set: S,
  ): Incompatibility<S> {
    return new Incompatibility<S>(
      id,
      new Map([[rootKey, Term.neg(set)]]),
      { kind: "root", version },
    );
  }

  /**
   * `{depender S, not dependee T}` (pub `Incompatibility` for a dependency). A dependency on an
   * empty set keeps only the depender term: no version of the depender in S can be selected.
   *
   * @param id new id
   * @param depender key of the package that has the dependency
   * @param dependerSet versions of the depender sharing this dependency
   * @param dependee key of the package depended on
   * @param dependeeSet versions allowed by the requirement
   * @param requirement the requirement as written, when known (for reports)
   */
  static dependency<S extends AnyVersionSet>(
    id: number,
    depender: string,
    dependerSet: S,
    dependee: string,
    dependeeSet: S,
    requirement?: string,
  ): Incompatibility<S> {
    const terms = new Map<string, Term<S>>([[depender, Term.pos(dependerSet)]]);
    if (!dependeeSet.isEmpty()) terms.set(dependee, Term.neg(dependeeSet));
    return new Incompatibility<S>(
      id,
      terms,
      requirement === undefined
        ? { kind: "dependency", depender, dependee, dependeeSet }
        : { kind: "dependency", depender, dependee, dependeeSet, requirement },
    );
  }

  /**
   * `{a S, b T}`: no version of `a` in S may be selected together with one of `b` in T
   * (cargo's `links`: two crates linking one native library; The Cargo Book §links).
   *
   * @param id new id
   * @param a first package key
   * @param aSet its versions
   * @param b second package key (not `a`)
   * @param bSet its versions
   * @param reason why they exclude each other, e.g. `both link the native library "ssl"`
   */
  static conflict<S extends AnyVersionSet>(
    id: number,
    a: string,
    aSet: S,
    b: string,
    bSet: S,
    reason: string,
  ): Incompatibility<S> {
    return new Incompatibility<S>(
      id,
      new Map([[a, Term.pos(aSet)], [b, Term.pos(bSet)]]),
      { kind: "conflict", reason },
    );
  }

  /**
   * One positive term with an external cause (no versions, unavailable).
   *
   * @param id new id
   * @param key package key
   * @param set the excluded versions
   * @param cause the cause
   */
  static single<S extends AnyVersionSet>(
    id: number,
    key: string,
    set: S,
    cause: IncompatibilityCause<S>,
  ): Incompatibility<S> {
    return new Incompatibility<S>(id, new Map([[key, Term.pos(set)]]), cause);
  }

  /**
   * The prior cause of a conflict: resolution of `incompat` with the satisfier's cause on the
   * satisfier's package (`{q, r, t1 ∪ t2}`, pub `doc/solver.md` §Conflict Resolution;
   * pubgrub-rs `prior_cause`). Positive root terms are dropped from results with more than one
   * term, as pub does, because they always hold.
   *
   * @param id new id
   * @param incompat the conflicting incompatibility
   * @param satisfierCause the cause of the satisfier
   * @param key the satisfier's package key
   * @param rootKey the root key
   */
  static priorCause<S extends AnyVersionSet>(
    id: number,
    incompat: Incompatibility<S>,
    satisfierCause: Incompatibility<S>,
    key: string,
    rootKey: string,
  ): Incompatibility<S> {
    const terms = new Map<string, Term<S>>();
    for (const [k, t] of incompat.terms) if (k !== key) terms.set(k, t);
    for (const [k, t] of satisfierCause.terms) {
      if (k === key) continue;
      const prev = terms.get(k);
      terms.set(k, prev === undefined ? t : prev.intersection(t));
    }
    const t1 = incompat.terms.get(key)!;
    const t2 = satisfierCause.terms.get(key)!;
    const merged = t1.union(t2);
    if (!merged.isAny()) terms.set(key, merged);
    if (terms.size > 1) {
      const r = terms.get(rootKey);
      if (r !== undefined && r.positive) terms.delete(rootKey);
    }
    return new Incompatibility<S>(id, terms, {
      kind: "derived",
      conflict: incompat,
      other: satisfierCause,
    });
  }
}
