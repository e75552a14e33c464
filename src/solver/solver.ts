/**
 * The PubGrub version solver: unit propagation, decision making, conflict resolution that derives
 * new incompatibilities, and backjumping.
 *
 * Follows Natalie Weizenbaum's description (Dart pub `doc/solver.md`) and pubgrub-rs
 * `src/internal/core.rs` / `src/solver.rs`. Dependencies of adjacent versions that are identical
 * are collapsed into one incompatibility, as pub's `package_lister.dart` does. Decision order:
 * the undecided package with the fewest candidate versions, ties by key; the highest allowed
 * version (a locked one first). Cargo's `allow-multi-version` is modelled as in Eh2406's
 * pubgrub-crates-benchmark: one solver key per semver-compatibility bucket (`name#1`,
 * `name#0.8`) and, for a requirement that spans several buckets, a virtual "wide" package whose
 * versions each pick one bucket.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import type { VersionSet } from "../semver/mod.ts";
import { type CustomCause, Incompatibility } from "./incompatibility.ts";
import { PartialSolution } from "./_partial_solution.ts";
import type { DependencyProvider, RequirementRange } from "./provider.ts";
import {
  type Derivation,
  explain,
  genericHints,
  type KeyInfo,
  type ReportContext,
  walkDerivation,
} from "./report.ts";
import type { Term } from "./term.ts";
import {
  type AnyVersionSet,
  semverScheme,
  type VersionOf,
  type VersionScheme,
} from "./version_scheme.ts";

/** Options of {@link resolve} and {@link solve} (`S`: the scheme's version set). */
export interface SolveOptions<S extends AnyVersionSet = VersionSet> {
  /** name → version to try first when the partial solution still allows it (a lockfile). */
  locked?: Record<string, string>;
  /**
   * Names (or `"*"` for all) whose versions may coexist, one per cargo compatibility bucket
   * (only for a scheme with `compatibilityKey`).
   */
  allowMultiVersion?: string[] | "*";
  /** Step budget of the watchdog (default 1,000,000). Exceeding it throws `SOLVER_E001`. */
  maxSteps?: number;
  /** Wall-clock budget of the watchdog in milliseconds (default 60,000); `SOLVER_E001`. */
  timeoutMs?: number | undefined;
  /** Yanked versions are skipped unless locked. */
  yanked?: (name: string, v: VersionOf<S>) => boolean;
  /**
   * Collapse identical dependencies of adjacent versions (pub's `package_lister.dart`) only over
   * versions whose dependencies this solve already read, never asking the provider for more
   * (default false: neighbours are read until their dependencies differ). For providers where
   * each version's dependencies cost a request (a Python index's PEP 658 metadata files).
   */
  knownNeighboursOnly?: boolean;
}

/** One selected package version (`S`: the scheme's version set). */
export interface ResolvedPackage<S extends AnyVersionSet = VersionSet> {
  /** Package name. */
  name: string;
  /** Selected version. */
  version: VersionOf<S>;
  /** Each dependency name of this version → the version selected for that edge. */
  dependencies: Map<string, VersionOf<S>>;
}

/** The root of a solve: the project being resolved. */
export interface RootPackage {
  /** Root package name (never a key of the result). */
  name: string;
  /** Root version text. */
  version: string;
  /** name → requirement string (the scheme's grammar: cargo's by default). */
  dependencies: Record<string, string>;
}

/** Lines of a derivation kept at the start and at the end when a report is compacted. */
const REPORT_HEAD_LINES = 16;
const REPORT_TAIL_LINES = 24;

/**
 * Shortens a long failure report for display: when the derivation (the part before
 * `Fix options:`) has more than 60 lines, keeps its first 16 and last 24 and says how many were
 * left out. Long chains come from exact-version dependencies (feature packages, cargo `=x.y.z`
 * pins) that repeat one step per version; the first steps show the pattern, the last ones the
 * conclusion, and `Fix options:` names every root cause.
 *
 * @param report the full report
 * @returns the report, shortened when long
 */
export function compactReport(report: string): string {
  const cut = report.indexOf("\n\nFix options:");
  const derivation = cut < 0 ? report : report.slice(0, cut);
  const rest = cut < 0 ? "" : report.slice(cut);
  const lines = derivation.split("\n");
  if (lines.length <= 60) return report;
  const left = lines.length - REPORT_HEAD_LINES - REPORT_TAIL_LINES;
  return [
    ...lines.slice(0, REPORT_HEAD_LINES),
    `     … ${left} more lines of the same derivation (NoSolutionError.report has them all) …`,
    ...lines.slice(-REPORT_TAIL_LINES),
  ].join("\n") + rest;
}

/** What a caller adds to a {@link NoSolutionError} ({@link NoSolutionError.with}). */
export interface FailureNotes {
  /**
   * Fix options of the caller's own (uv's `PubGrubHint`: the project's manifest, its policies),
   * listed before the solver's generic ones.
   */
  readonly hints?: readonly string[];
  /** A rewrite of the whole report text in the caller's terms (the Rust bridge's feature keys). */
  readonly rewrite?: (report: string) => string;
}

/**
 * Version solving failed: no set of versions satisfies the requirements.
 *
 * It holds the derivation (the terminal {@link NoSolutionError.incompatibility} and the
 * {@link ReportContext} that names its keys), walked once when the error is made: the report's
 * text, the hints and a caller's choice of error code all read that one walk. The text is built when first asked for:
 * {@link NoSolutionError.report} is the explanation in pub's wording, then a `Fix options:` block
 * (the caller's hints, then the solver's generic ones); `message` is the same, shortened by
 * {@link compactReport} when long. The solver knows no product: a caller adds what it knows with
 * {@link NoSolutionError.with}.
 *
 * @typeParam S the version set of the solve's scheme (cargo SemVer by default)
 */
export class NoSolutionError<S extends AnyVersionSet = VersionSet> extends MochiError {
  /** The terminal incompatibility whose derivation the report explains. */
  readonly incompatibility: Incompatibility<S>;
  /** What the solve knew about keys and versions (names, listed versions, buckets). */
  readonly context: ReportContext<S>;
  /** The one walk of the derivation (externals and use counts). */
  readonly derivation: Derivation<S>;
  readonly #notes: FailureNotes;
  #report: string | undefined;

  /**
   * Creates the error.
   *
   * @param incompatibility the terminal incompatibility
   * @param context what the solve knows about keys and versions
   * @param notes the caller's hints and rewrite
   * @param walked the walk when already made (by {@link NoSolutionError.with})
   */
  constructor(
    incompatibility: Incompatibility<S>,
    context: ReportContext<S>,
    notes: FailureNotes = {},
    walked?: Derivation<S>,
  ) {
    super("SOLVER_E002", "version solving failed", {
      hint: "apply one of the fix options above, then run the command again",
    });
    this.name = "NoSolutionError";
    this.incompatibility = incompatibility;
    this.context = context;
    this.derivation = walked ?? walkDerivation(incompatibility);
    this.#notes = notes;
    Object.defineProperty(this, "message", {
      get: () => compactReport(this.report),
      configurable: true,
      enumerable: false,
    });
  }

  /**
   * The external incompatibilities of the derivation (dependencies, missing versions, custom
   * causes, …), each once, depth first: what hints and error-code choices look at.
   */
  get externals(): readonly Incompatibility<S>[] {
    return this.derivation.externals;
  }

  /** The full report: the explanation, a blank line, `Fix options:` and one `  - ` line each. */
  get report(): string {
    if (this.#report === undefined) {
      const hints = [
        ...new Set([...(this.#notes.hints ?? []), ...genericHints(this.externals, this.context)]),
      ];
      if (hints.length === 0) hints.push("relax the requirements named above");
      const text = `${
        explain(this.incompatibility, this.context, this.derivation)
      }\n\nFix options:\n${hints.map((h) => `  - ${h}`).join("\n")}`;
      this.#report = this.#notes.rewrite === undefined ? text : this.#notes.rewrite(text);
    }
    return this.#report;
  }

  /**
   * The same failure with the caller's notes added: hints go before the ones already there, a
   * rewrite runs after the one already there.
   *
   * @param notes hints and a rewrite
   * @returns a new error over the same derivation (no second walk)
   */
  with(notes: FailureNotes): NoSolutionError<S> {
    const before = this.#notes.rewrite;
    const after = notes.rewrite;
    const rewrite = before === undefined
      ? after
      : after === undefined
      ? before
      : (t: string) => after(before(t));
    const merged: FailureNotes = {
      hints: [...(notes.hints ?? []), ...(this.#notes.hints ?? [])],
      ...(rewrite === undefined ? {} : { rewrite }),
    };
    return new NoSolutionError<S>(this.incompatibility, this.context, merged, this.derivation);
  }
}

const DEFAULT_MAX_STEPS = 1_000_000;
const DEFAULT_TIMEOUT_MS = 60_000;

type Choice<V> =
  | { kind: "ok"; version: V }
  | { kind: "none"; skipped: V[] }
  | { kind: "excluded"; version: V; reason: string | CustomCause };

function isThenable<T>(x: T | Promise<T>): x is Promise<T> {
  return typeof (x as { then?: unknown })?.then === "function";
}

/** The state of one solve. */
class Solver<S extends AnyVersionSet> implements ReportContext<S> {
  readonly rootKey: string;
  readonly rootVersion: VersionOf<S>;
  readonly #scheme: VersionScheme<VersionOf<S>, S>;
  readonly #rootDeps: Map<string, S>;
  readonly #provider: DependencyProvider<S>;
  readonly #locked = new Map<string, VersionOf<S>>();
  readonly #multiAll: boolean;
  readonly #multi: Set<string>;
  readonly #yanked: ((name: string, v: VersionOf<S>) => boolean) | undefined;
  readonly #knownNeighboursOnly: boolean;
  readonly #maxSteps: number;
  readonly #timeoutMs: number;
  readonly #start = Date.now();
  #steps = 0;

  readonly #ps: PartialSolution<S>;
  #nextId = 0;
  readonly #byKey = new Map<string, Incompatibility<S>[]>();
  readonly #contradicted = new Map<number, number>();
  readonly #depsAdded = new Set<string>();

  readonly #keys = new Map<string, KeyInfo<S>>();
  readonly #names = new Map<string, VersionOf<S>[]>();
  readonly #keyVersions = new Map<string, VersionOf<S>[]>();
  readonly #deps = new Map<string, Map<string, S>>();
  /** Provider answers already converted by #rawDeps (shared by the versions that share one). */
  readonly #converted = new WeakMap<
    object,
    { deps: Map<string, S>; texts: Map<string, string> | undefined }
  >();
  readonly #checks = new Map<string, string | CustomCause | undefined>();
  /** `name@version` → dependency name → requirement text, when the provider gave it. */
  readonly #texts = new Map<string, Map<string, string>>();
  readonly #rootTexts = new Map<string, string>();
  readonly #wide = new Map<string, { set: S; key: string }[]>();
  readonly #counts = new WeakMap<Term<S>, number>();
  readonly #prefetched = new Set<string>();
  readonly #bucketsOf = new WeakMap<S, Map<string, string[]>>();

  constructor(
    scheme: VersionScheme<VersionOf<S>, S>,
    provider: DependencyProvider<S>,
    root: RootPackage,
    options: SolveOptions<S>,
  ) {
    this.#scheme = scheme;
    this.#ps = new PartialSolution<S>((v) => scheme.singleton(v));
    this.#provider = provider;
    this.rootKey = root.name;
    this.rootVersion = scheme.parseVersion(root.version);
    this.#rootDeps = new Map();
    for (const name of Object.keys(root.dependencies).sort()) {
      this.#rootDeps.set(name, scheme.parseRequirement(root.dependencies[name]!));
      this.#rootTexts.set(name, root.dependencies[name]!);
    }
    for (const [name, text] of Object.entries(options.locked ?? {})) {
      this.#locked.set(name, scheme.parseVersion(text));
    }
    this.#multiAll = options.allowMultiVersion === "*";
    this.#multi = new Set(
      Array.isArray(options.allowMultiVersion) ? options.allowMultiVersion : [],
    );
    if (
      (this.#multiAll || this.#multi.size > 0) &&
      (scheme.compatibilityKey === undefined || scheme.bucketVersion === undefined)
    ) {
      throw internal(
        `allow-multi-version needs compatibility buckets, which ${scheme.name} has not`,
      );
    }
    this.#yanked = options.yanked;
    this.#knownNeighboursOnly = options.knownNeighboursOnly ?? false;
    this.#maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#keys.set(this.rootKey, { kind: "root", name: root.name });
    this.#keyVersions.set(this.rootKey, [this.rootVersion]);
  }

  // ---------------------------------------------------------------- main loop

  /** Runs the solver; returns key → version of every decision (root included). */
  async run(): Promise<Map<string, VersionOf<S>>> {
    this.#prefetch([...this.#rootDeps.keys()]);
    this.#addIncompatibility(
      Incompatibility.notRoot(
        this.#nextId++,
        this.rootKey,
        this.rootVersion,
        this.#scheme.singleton(this.rootVersion),
      ),
    );
    let next = this.rootKey;
    for (;;) {
      this.#tick(true);
      this.#unitPropagation(next);
      const pick = await this.#pickNext();
      if (pick === undefined) return this.#ps.decisions();
      next = pick;
      const set = this.#ps.termFor(next)!.set;
      const choice = await this.#chooseVersion(next, set);
      if (choice.kind === "none") {
        const info = this.#keys.get(next)!;
        const missing = info.kind !== "root" && info.kind !== "wide" &&
          (await this.#listVersions(info.name)).length === 0;
        this.#addIncompatibility(
          Incompatibility.single(this.#nextId++, next, missing ? this.#scheme.full() : set, {
            kind: "noVersions",
            missing,
            skipped: choice.skipped,
          }),
        );
        continue;
      }
      if (choice.kind === "excluded") {
        const reason = choice.reason;
        this.#addIncompatibility(
          typeof reason === "string"
            ? Incompatibility.single(this.#nextId++, next, this.#scheme.singleton(choice.version), {
              kind: "unavailable",
              reason,
            })
            : Incompatibility.single(
              this.#nextId++,
              next,
              await this.#sameCustomCause(next, choice.version, reason),
              { kind: "custom", custom: reason },
            ),
        );
        continue;
      }
      const v = choice.version;
      const added = `${next}@${this.#key(v)}`;
      if (this.#depsAdded.has(added)) {
        this.#ps.addDecision(next, v);
        continue;
      }
      const incompats = await this.#dependencyIncompatibilities(next, v);
      incompats.push(...await this.#conflictIncompatibilities(next, v));
      this.#depsAdded.add(added);
      for (const inc of incompats) this.#addIncompatibility(inc);
      if (this.#ps.canDecide(next, v, incompats)) this.#ps.addDecision(next, v);
    }
  }

  #tick(checkClock: boolean): void {
    this.#steps++;
    if (this.#steps > this.#maxSteps) {
      throw new MochiError(
        "SOLVER_E001",
        `version solving for ${this.rootKey} stopped after ${this.#maxSteps} steps`,
        { hint: "the dependency graph is pathological; pin some dependencies or raise maxSteps" },
      );
    }
    if ((checkClock || (this.#steps & 255) === 0) && Date.now() - this.#start > this.#timeoutMs) {
      throw new MochiError(
        "SOLVER_E001",
        `version solving for ${this.rootKey} stopped after ${this.#timeoutMs} ms (${this.#steps} steps)`,
        { hint: "the dependency graph is pathological; pin some dependencies or raise timeoutMs" },
      );
    }
  }

  #addIncompatibility(inc: Incompatibility<S>): void {
    for (const key of inc.terms.keys()) {
      let list = this.#byKey.get(key);
      if (list === undefined) this.#byKey.set(key, list = []);
      list.push(inc);
    }
  }

  /** pub `doc/solver.md` §Unit Propagation; pubgrub-rs `unit_propagation`. */
  #unitPropagation(start: string): void {
    const ps = this.#ps;
    const termFor = (k: string) => ps.termFor(k);
    const buffer = [start];
    while (buffer.length > 0) {
      const current = buffer.pop()!;
      let conflict: Incompatibility<S> | undefined;
      const list = this.#byKey.get(current);
      if (list !== undefined) {
        for (let i = list.length - 1; i >= 0; i--) {
          const inc = list[i]!;
          if (this.#contradicted.has(inc.id)) continue;
          const rel = inc!.relation(termFor);
          if (rel.kind === "satisfied") {
            conflict = inc;
            break;
          }
          if (rel.kind === "almostSatisfied") {
            if (!buffer.includes(rel.key)) buffer.push(rel.key);
            ps.addDerivation(rel.key, inc!);
            this.#contradicted.set(inc!.id, ps.level);
          } else if (rel.kind === "contradicted") {
            this.#contradicted.set(inc!.id, ps.level);
          }
        }
      }
      if (conflict !== undefined) {
        const [key, cause] = this.#conflictResolution(conflict);
        buffer.length = 0;
        buffer.push(key);
        ps.addDerivation(key, cause);
        this.#contradicted.set(cause.id, ps.level);
      }
    }
  }

  /** pub `doc/solver.md` §Conflict Resolution; pubgrub-rs `conflict_resolution`. */
  #conflictResolution(incompat: Incompatibility<S>): [string, Incompatibility<S>] {
    let current = incompat;
    let changed = false;
    for (;;) {
      this.#tick(false);
      if (current.isTerminal(this.rootKey, this.rootVersion)) {
        throw new NoSolutionError<S>(current, this);
      }
      const s = this.#ps.satisfierSearch(current);
      if (s.previousLevel < s.level) {
        this.#ps.backtrack(s.previousLevel);
        for (const [id, level] of this.#contradicted) {
          if (level > s.previousLevel) this.#contradicted.delete(id);
        }
        if (changed) this.#addIncompatibility(current);
        return [s.key, current];
      }
      current = Incompatibility.priorCause(
        this.#nextId++,
        current,
        s.cause!,
        s.key,
        this.rootKey,
      );
      changed = true;
    }
  }

  // ---------------------------------------------------------------- decisions

  /** The undecided package with a positive derivation and the fewest candidates; ties by key. */
  async #pickNext(): Promise<string | undefined> {
    const pending: string[] = [];
    const packages = this.#ps.packages;
    for (const key of this.#ps.undecided) {
      if (packages.get(key)!.intersection.positive) pending.push(key);
    }
    if (pending.length === 0) return undefined;
    const missing = pending.filter((k) => !this.#keyVersions.has(k));
    if (missing.length > 0) await Promise.all(missing.map((k) => this.#versionsOfKey(k)));
    let best: string | undefined;
    let bestCount = Infinity;
    for (const key of pending) {
      const term = this.#ps.termFor(key)!;
      let count = this.#counts.get(term);
      if (count === undefined) {
        count = 0;
        const info = this.#keys.get(key)!;
        for (const v of this.#keyVersions.get(key)!) {
          if (term.set.contains(v) && !this.#isYankedSkip(info, v)) count++;
        }
        this.#counts.set(term, count);
      }
      if (count < bestCount || (count === bestCount && key < best!)) {
        best = key;
        bestCount = count;
      }
    }
    return best;
  }

  #key(v: VersionOf<S>): string {
    return this.#scheme.key(v);
  }

  #compare = (a: VersionOf<S>, b: VersionOf<S>): number => this.#scheme.compare(a, b);

  #compatibilityKey(v: VersionOf<S>): string {
    return this.#scheme.compatibilityKey!(v);
  }

  #isYankedSkip(info: KeyInfo<S>, v: VersionOf<S>): boolean {
    if (this.#yanked === undefined || info.kind === "root" || info.kind === "wide") return false;
    if (!this.#yanked(info.name, v)) return false;
    const locked = this.#locked.get(info.name);
    return locked === undefined || this.#compare(locked, v) !== 0;
  }

  async #chooseVersion(key: string, set: S): Promise<Choice<VersionOf<S>>> {
    const info = this.#keys.get(key)!;
    const versions = await this.#versionsOfKey(key);
    const candidates: VersionOf<S>[] = [];
    const locked = info.kind === "root" ? undefined : this.#locked.get(info.name);
    if (locked !== undefined) {
      if (info.kind === "wide") {
        if (info.set.contains(locked)) {
          const b = this.#scheme.bucketVersion!(this.#compatibilityKey(locked));
          const found = versions.find((v) => this.#compare(v, b) === 0);
          if (found && set.contains(found)) candidates.push(found);
        }
      } else {
        const found = versions.find((v) => this.#compare(v, locked) === 0);
        if (found && set.contains(found)) candidates.push(found);
      }
    }
    for (let i = versions.length - 1; i >= 0; i--) {
      const v = versions[i]!;
      if (set.contains(v!) && (candidates.length === 0 || v !== candidates[0])) candidates.push(v);
    }
    const skipped: VersionOf<S>[] = [];
    for (const v of candidates) {
      if (this.#isYankedSkip(info, v)) {
        skipped.push(v);
        continue;
      }
      if (info.kind !== "root" && info.kind !== "wide") {
        const reason = this.#check(info.name, v);
        if (reason !== undefined) return { kind: "excluded", version: v, reason };
      }
      return { kind: "ok", version: v };
    }
    skipped.sort(this.#compare);
    return { kind: "none", skipped };
  }

  /**
   * The listed versions around `v` that the provider excludes with a custom cause of the same
   * key, as one version set (contiguous in the listed versions, unbounded at either end).
   */
  async #sameCustomCause(
    key: string,
    v: VersionOf<S>,
    cause: CustomCause,
  ): Promise<S> {
    const info = this.#keys.get(key)!;
    const versions = await this.#versionsOfKey(key);
    const same = (w: VersionOf<S>) => {
      const c = this.#check(info.name, w);
      return typeof c === "object" && c.key === cause.key;
    };
    const idx = versions.findIndex((w) => this.#compare(w, v) === 0);
    if (idx < 0) return this.#scheme.singleton(v);
    let lo = idx, hi = idx;
    while (lo > 0 && same(versions[lo - 1]!)) lo--;
    while (hi + 1 < versions.length && same(versions[hi + 1]!)) hi++;
    return this.#range(lo === 0 ? undefined : versions[lo], versions[hi + 1], versions);
  }

  #check(name: string, v: VersionOf<S>): string | CustomCause | undefined {
    if (this.#provider.checkVersion === undefined) return undefined;
    const k = `${name}@${this.#key(v)}`;
    if (this.#checks.has(k)) return this.#checks.get(k);
    let reason: string | CustomCause | undefined;
    try {
      reason = this.#provider.checkVersion(name, v);
    } catch (e) {
      throw wrapProviderError(e, `checking ${name} ${this.#key(v)}`);
    }
    this.#checks.set(k, reason);
    return reason;
  }

  // ---------------------------------------------------------------- dependencies

  /**
   * The dependency incompatibilities of `key` at `v`, each depender range widened to the
   * adjacent versions with the same dependency (pub `package_lister.dart`).
   */
  async #dependencyIncompatibilities(
    key: string,
    v: VersionOf<S>,
  ): Promise<Incompatibility<S>[]> {
    const info = this.#keys.get(key)!;
    if (info.kind === "wide") {
      const bucket = this.#bucketKey(info.name, this.#compatibilityKey(v));
      return [
        Incompatibility.dependency(
          this.#nextId++,
          key,
          this.#scheme.singleton(v),
          bucket,
          info.set,
        ),
      ];
    }
    const raw = info.kind === "root" ? this.#rootDeps : await this.#rawDeps(info.name, v);
    const names = [...raw.keys()].sort();
    this.#prefetch(names);
    const lower = new Map<string, VersionOf<S> | undefined>();
    const upper = new Map<string, VersionOf<S> | undefined>();
    if (info.kind !== "root" && names.length > 0) {
      const versions = await this.#versionsOfKey(key);
      const idx = versions.findIndex((w) => this.#compare(w, v) === 0);
      await this.#walk(info.name, raw, versions, idx, -1, lower);
      await this.#walk(info.name, raw, versions, idx, +1, upper);
    }
    const out: Incompatibility<S>[] = [];
    const versions = this.#keyVersions.get(key)!;
    for (const name of names) {
      const set = raw.get(name)!;
      const depKey = await this.#depKey(key, name, set);
      const dependerSet = info.kind === "root"
        ? this.#scheme.singleton(v)
        : this.#range(lower.get(name), upper.get(name), versions);
      if (depKey === key) {
        if (!set.contains(v)) {
          out.push(
            Incompatibility.single(this.#nextId++, key, this.#scheme.singleton(v), {
              kind: "unavailable",
              reason: `depends on itself with ${set.toString()}`,
            }),
          );
        }
        continue;
      }
      const depSet = this.#keys.get(depKey)!.kind === "wide" ? this.#scheme.full() : set;
      const text = info.kind === "root"
        ? this.#rootTexts.get(name)
        : this.#texts.get(`${info.name}@${this.#key(v)}`)?.get(name);
      out.push(
        Incompatibility.dependency(this.#nextId++, key, dependerSet, depKey, depSet, text),
      );
    }
    return out;
  }

  /** `{key v, other S}` for each conflict the provider reports (per bucket of `other`). */
  async #conflictIncompatibilities(
    key: string,
    v: VersionOf<S>,
  ): Promise<Incompatibility<S>[]> {
    const info = this.#keys.get(key)!;
    if (this.#provider.conflicts === undefined || info.kind === "root" || info.kind === "wide") {
      return [];
    }
    let list;
    try {
      list = this.#provider.conflicts(info.name, v);
      if (isThenable(list)) list = await list;
    } catch (e) {
      throw wrapProviderError(e, `reading the conflicts of ${info.name} ${this.#key(v)}`);
    }
    const out: Incompatibility<S>[] = [];
    for (const c of list) {
      const keys: string[] = [];
      if (this.#isMulti(c.name)) {
        const buckets = new Set<string>();
        for (const w of await this.#listVersions(c.name)) {
          if (c.set.contains(w)) buckets.add(this.#compatibilityKey(w));
        }
        for (const b of [...buckets].sort()) keys.push(this.#bucketKey(c.name, b));
      } else {
        if (!this.#keys.has(c.name)) this.#keys.set(c.name, { kind: "plain", name: c.name });
        keys.push(c.name);
      }
      for (const other of keys) {
        if (other === key) continue;
        out.push(
          Incompatibility.conflict(
            this.#nextId++,
            key,
            this.#scheme.singleton(v),
            other,
            c.set,
            c.reason,
          ),
        );
      }
    }
    return out;
  }

  /** Walks from `idx` in `dir` until each dependency differs; records the bound per name. */
  async #walk(
    name: string,
    raw: Map<string, S>,
    versions: VersionOf<S>[],
    idx: number,
    dir: 1 | -1,
    bounds: Map<string, VersionOf<S> | undefined>,
  ): Promise<void> {
    const pending = new Set(raw.keys());
    for (let i = idx + dir; i >= 0 && i < versions.length && pending.size > 0; i += dir) {
      let other: Map<string, S> | undefined;
      if (this.#knownNeighboursOnly) {
        other = this.#deps.get(`${name}@${this.#key(versions[i]!)}`);
      } else {
        try {
          other = await this.#rawDeps(name, versions[i]!);
        } catch {
          other = undefined;
        }
      }
      for (const dep of [...pending]) {
        const a = raw.get(dep)!;
        const b = other?.get(dep);
        if (b === undefined || (a !== b && !a.equals(b))) {
          bounds.set(dep, dir === -1 ? versions[i + 1] : versions[i]);
          pending.delete(dep);
        }
      }
    }
    for (const dep of pending) bounds.set(dep, undefined);
  }

  /** `[lo, hi)` over the listed versions (unbounded when undefined), exact on listed ones. */
  #range(
    lo: VersionOf<S> | undefined,
    hi: VersionOf<S> | undefined,
    versions: VersionOf<S>[],
  ): S {
    if (lo === undefined && hi === undefined) return this.#scheme.full();
    let set = this.#scheme.between(lo, hi);
    for (const w of versions) {
      if (lo !== undefined && this.#compare(w, lo) < 0) continue;
      if (hi !== undefined && this.#compare(w, hi) >= 0) break;
      if (!set.contains(w)) set = set.union(this.#scheme.singleton(w));
    }
    return set;
  }

  /** The solver key a dependency edge `from → name S` points at. */
  async #depKey(from: string, name: string, set: S): Promise<string> {
    if (!this.#isMulti(name) || name === this.rootKey) {
      if (!this.#keys.has(name)) this.#keys.set(name, { kind: "plain", name });
      return name;
    }
    // The buckets a set reaches, per (set, name): version sets are shared by every edge with
    // the same requirement text, so most edges find their answer here.
    let byName = this.#bucketsOf.get(set);
    if (byName === undefined) this.#bucketsOf.set(set, byName = new Map());
    let buckets = byName.get(name);
    if (buckets === undefined) {
      buckets = [];
      for (const v of await this.#listVersions(name)) {
        if (!set.contains(v)) continue;
        const b = this.#compatibilityKey(v);
        if (!buckets.includes(b)) buckets.push(b);
      }
      byName.set(name, buckets);
    }
    if (buckets.length <= 1) return this.#bucketKey(name, buckets[0] ?? "none");
    const base = `${name}#(${set.toString()})<-${from}`;
    let list = this.#wide.get(base);
    if (list === undefined) this.#wide.set(base, list = []);
    let entry = list.find((w) => w.set === set || w.set.equals(set));
    if (entry === undefined) {
      entry = { set, key: list.length === 0 ? base : `${base}~${list.length}` };
      list.push(entry);
      this.#keys.set(entry.key, { kind: "wide", name, set, from });
    }
    return entry.key;
  }

  #isMulti(name: string): boolean {
    return this.#multiAll || this.#multi.has(name);
  }

  #bucketKey(name: string, bucket: string): string {
    const key = `${name}#${bucket}`;
    if (!this.#keys.has(key)) this.#keys.set(key, { kind: "bucket", name, bucket });
    return key;
  }

  // ---------------------------------------------------------------- provider access

  async #listVersions(name: string): Promise<VersionOf<S>[]> {
    let vs = this.#names.get(name);
    if (vs !== undefined) return vs;
    let result: VersionOf<S>[] | Promise<VersionOf<S>[]>;
    try {
      result = this.#provider.listVersions(name);
      if (isThenable(result)) result = await result;
    } catch (e) {
      throw wrapProviderError(e, `listing the versions of ${name}`);
    }
    vs = [...(result as VersionOf<S>[])].sort(this.#compare);
    this.#names.set(name, vs);
    return vs;
  }

  async #versionsOfKey(key: string): Promise<VersionOf<S>[]> {
    let vs = this.#keyVersions.get(key);
    if (vs !== undefined) return vs;
    const info = this.#keys.get(key)!;
    const all = await this.#listVersions(info.name);
    if (info.kind === "plain") vs = all;
    else if (info.kind === "bucket") {
      vs = all.filter((v) => this.#compatibilityKey(v) === info.bucket);
    } else if (info.kind === "wide") {
      const buckets: string[] = [];
      for (const v of all) {
        if (!info.set.contains(v)) continue;
        const b = this.#compatibilityKey(v);
        if (!buckets.includes(b)) buckets.push(b);
      }
      vs = buckets.map((b) => this.#scheme.bucketVersion!(b)).sort(this.#compare);
    } else vs = [this.rootVersion];
    this.#keyVersions.set(key, vs);
    return vs;
  }

  async #rawDeps(name: string, v: VersionOf<S>): Promise<Map<string, S>> {
    const k = `${name}@${this.#key(v)}`;
    let deps = this.#deps.get(k);
    if (deps !== undefined) return deps;
    let result: ReturnType<DependencyProvider<S>["getDependencies"]>;
    try {
      result = this.#provider.getDependencies(name, v);
      if (isThenable(result)) result = await result;
    } catch (e) {
      throw wrapProviderError(e, `reading the dependencies of ${name} ${this.#key(v)}`);
    }
    // A provider may hand the same map for versions with the same dependencies (the cargo
    // provider does): convert it once, and the walk over neighbours compares them by identity.
    const given = result as Map<string, S | RequirementRange<S>>;
    const seen = this.#converted.get(given);
    let texts: Map<string, string> | undefined;
    if (seen !== undefined) ({ deps, texts } = seen);
    else {
      deps = new Map();
      for (const [dep, range] of given) {
        if (this.#scheme.isSet(range)) deps.set(dep, range);
        else {
          deps.set(dep, range.set);
          (texts ??= new Map()).set(dep, range.requirement);
        }
      }
      this.#converted.set(given, { deps, texts });
    }
    this.#deps.set(k, deps);
    if (texts !== undefined) this.#texts.set(k, texts);
    return deps;
  }

  #prefetch(names: string[]): void {
    if (this.#provider.prefetch === undefined) return;
    const fresh = names.filter((n) => !this.#names.has(n) && !this.#prefetched.has(n));
    if (fresh.length === 0) return;
    for (const n of fresh) this.#prefetched.add(n);
    try {
      this.#provider.prefetch(fresh);
    } catch {
      // A hint only: a failing prefetch surfaces again when the data is really needed.
    }
  }

  // ---------------------------------------------------------------- results

  /** Builds the resolved packages from the decisions (root and virtual keys left out). */
  async resolved(decisions: Map<string, VersionOf<S>>): Promise<ResolvedPackage<S>[]> {
    const out: ResolvedPackage<S>[] = [];
    for (const [key, version] of decisions) {
      const info = this.#keys.get(key)!;
      if (info.kind === "root" || info.kind === "wide") continue;
      const raw = await this.#rawDeps(info.name, version);
      const dependencies = new Map<string, VersionOf<S>>();
      for (const name of [...raw.keys()].sort()) {
        let depKey = await this.#depKey(key, name, raw.get(name)!);
        const depInfo = this.#keys.get(depKey)!;
        if (depInfo.kind === "wide") {
          const b = decisions.get(depKey);
          if (b === undefined) throw internal(`no bucket decided for ${depKey}`);
          depKey = this.#bucketKey(name, this.#compatibilityKey(b));
        }
        const picked = depKey === this.rootKey ? this.rootVersion : decisions.get(depKey);
        if (picked === undefined) throw internal(`no version decided for ${depKey}`);
        dependencies.set(name, picked);
      }
      out.push({ name: info.name, version, dependencies });
    }
    out.sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : this.#compare(a.version, b.version)
    );
    return out;
  }

  // ---------------------------------------------------------------- report context

  /** @inheritdoc */
  keyInfo(key: string): KeyInfo<S> {
    return this.#keys.get(key) ?? { kind: "plain", name: key };
  }

  /** @inheritdoc */
  listedVersions(key: string): readonly VersionOf<S>[] | undefined {
    return this.#keyVersions.get(key);
  }

  /** @inheritdoc */
  isMulti(name: string): boolean {
    return this.#isMulti(name);
  }

  /** @inheritdoc */
  formatVersion(v: VersionOf<S>): string {
    return this.#scheme.format(v);
  }

  /** @inheritdoc */
  formatRequirement(text: string): string {
    return this.#scheme.formatRequirement === undefined
      ? text.trim()
      : this.#scheme.formatRequirement(text);
  }
}

function internal(message: string): MochiError {
  return new MochiError("INTERNAL_E001", `solver: ${message}`, {
    hint: "this is a bug in mochi pkg; please report it with the manifest",
  });
}

function wrapProviderError(e: unknown, what: string): MochiError {
  if (e instanceof MochiError) return e;
  const detail = e instanceof Error ? e.message : String(e);
  return new MochiError("SOLVER_E003", `the dependency provider failed while ${what}: ${detail}`, {
    cause: e,
    hint: "check the registry or index the packages come from, then retry",
  });
}

/**
 * Resolves the dependency graph of `root` with PubGrub over cargo's SemVer (the scheme of Mochi
 * packages and of the Rust bridge): {@link resolveWith} with `semverScheme`.
 *
 * @param provider where versions and dependencies come from
 * @param root the root package (name, version, requirements in cargo grammar)
 * @param options locked versions, allow-multi-version, watchdog budgets, yanked filter
 * @returns every selected package version (root excluded), sorted by name then version, each
 *   with the version selected for each of its dependency edges
 * @throws NoSolutionError (`SOLVER_E002`) when no solution exists, with pub-style report
 * @throws MochiError `SOLVER_E001` when the watchdog stops the solve (steps or time)
 * @throws MochiError `SOLVER_E003` when the provider fails (a provider MochiError is rethrown)
 * @throws MochiError `SEMVER_E001`/`SEMVER_E002` on a bad root version or requirement
 */
export function resolve(
  provider: DependencyProvider,
  root: RootPackage,
  options: SolveOptions = {},
): Promise<ResolvedPackage[]> {
  return resolveWith(semverScheme, provider, root, options);
}

/**
 * Resolves the dependency graph of `root` with PubGrub over any version scheme: the one solver,
 * given the scheme's versions and version sets ({@link VersionScheme}; cargo SemVer is
 * `semverScheme`, PEP 440 is the Python bridge's `pep440Scheme`). The root's requirements and
 * locked versions are in the scheme's grammar; `allowMultiVersion` needs a scheme with
 * compatibility buckets.
 *
 * @param scheme the version scheme
 * @param provider where versions and dependencies come from (in the scheme's sets)
 * @param root the root package
 * @param options locked versions, allow-multi-version, watchdog budgets, yanked filter
 * @returns every selected package version (root excluded), sorted by name then version
 * @throws NoSolutionError (`SOLVER_E002`) when no solution exists, with pub-style report
 * @throws MochiError `SOLVER_E001` (watchdog), `SOLVER_E003` (provider), the scheme's codes on
 *   a bad root version or requirement, `INTERNAL_E001` for `allowMultiVersion` on a scheme
 *   without compatibility buckets
 */
export async function resolveWith<S extends AnyVersionSet>(
  scheme: VersionScheme<VersionOf<S>, S>,
  provider: DependencyProvider<S>,
  root: RootPackage,
  options: SolveOptions<S> = {},
): Promise<ResolvedPackage<S>[]> {
  const solver = new Solver<S>(scheme, provider, root, options);
  const decisions = await solver.run();
  return await solver.resolved(decisions);
}
/**
 * Resolves like {@link resolve} and returns name → version text. A name with several selected
 * versions (allow-multi-version) appears once per bucket as `name#<bucket>` (`serde#1`,
 * `rand#0.8`); otherwise as `name`.
 *
 * @param provider where versions and dependencies come from
 * @param root the root package
 * @param options as for {@link resolve}
 * @returns name (or `name#bucket`) → version text, root excluded
 * @throws as {@link resolve}
 */
export async function solve(
  provider: DependencyProvider,
  root: RootPackage,
  options: SolveOptions = {},
): Promise<Map<string, string>> {
  const packages = await resolve(provider, root, options);
  const counts = new Map<string, number>();
  for (const p of packages) counts.set(p.name, (counts.get(p.name) ?? 0) + 1);
  const out = new Map<string, string>();
  for (const p of packages) {
    const key = counts.get(p.name)! > 1
      ? `${p.name}#${semverScheme.compatibilityKey!(p.version)}`
      : p.name;
    out.set(key, semverScheme.key(p.version));
  }
  return out;
}
