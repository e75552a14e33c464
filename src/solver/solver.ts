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
import {
  compareVersions,
  compatibilityKey,
  formatVersion,
  makeVersion,
  parseRequirement,
  parseVersion,
  type Version,
  VersionSet,
} from "../semver/mod.ts";
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

/** Options of {@link resolve} and {@link solve}. */
export interface SolveOptions {
  /** name → version to try first when the partial solution still allows it (a lockfile). */
  locked?: Record<string, string>;
  /** Names (or `"*"` for all) whose versions may coexist, one per cargo compatibility bucket. */
  allowMultiVersion?: string[] | "*";
  /** Step budget of the watchdog (default 1,000,000). Exceeding it throws `SOLVER_E001`. */
  maxSteps?: number;
  /** Wall-clock budget of the watchdog in milliseconds (default 60,000); `SOLVER_E001`. */
  timeoutMs?: number | undefined;
  /** Yanked versions are skipped unless locked. */
  yanked?: (name: string, v: Version) => boolean;
}

/** One selected package version. */
export interface ResolvedPackage {
  /** Package name. */
  name: string;
  /** Selected version. */
  version: Version;
  /** Each dependency name of this version → the version selected for that edge. */
  dependencies: Map<string, Version>;
}

/** The root of a solve: the project being resolved. */
export interface RootPackage {
  /** Root package name (never a key of the result). */
  name: string;
  /** Root version text. */
  version: string;
  /** name → requirement string (cargo grammar). */
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
 */
export class NoSolutionError extends MochiError {
  /** The terminal incompatibility whose derivation the report explains. */
  readonly incompatibility: Incompatibility;
  /** What the solve knew about keys and versions (names, listed versions, buckets). */
  readonly context: ReportContext;
  /** The one walk of the derivation (externals and use counts). */
  readonly derivation: Derivation;
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
    incompatibility: Incompatibility,
    context: ReportContext,
    notes: FailureNotes = {},
    walked?: Derivation,
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
  get externals(): readonly Incompatibility[] {
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
  with(notes: FailureNotes): NoSolutionError {
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
    return new NoSolutionError(this.incompatibility, this.context, merged, this.derivation);
  }
}

const DEFAULT_MAX_STEPS = 1_000_000;
const DEFAULT_TIMEOUT_MS = 60_000;

type Choice =
  | { kind: "ok"; version: Version }
  | { kind: "none"; skipped: Version[] }
  | { kind: "excluded"; version: Version; reason: string | CustomCause };

function vkey(v: Version): string {
  return formatVersion({ ...v, build: [] });
}

function bucketVersion(bucket: string): Version {
  const p = bucket.split(".").map(Number);
  if (p.length === 1) return makeVersion(p[0]!, 0, 0);
  if (p.length === 2) return makeVersion(0, p[1]!, 0);
  return makeVersion(0, 0, p[2]!);
}

function isThenable<T>(x: T | Promise<T>): x is Promise<T> {
  return typeof (x as { then?: unknown })?.then === "function";
}

const reqSetCache = new Map<string, VersionSet>();
function reqSet(text: string): VersionSet {
  let s = reqSetCache.get(text);
  if (s === undefined) {
    s = VersionSet.fromRequirement(parseRequirement(text));
    if (reqSetCache.size > 50_000) reqSetCache.clear();
    reqSetCache.set(text, s);
  }
  return s;
}

/** The state of one solve. */
class Solver implements ReportContext {
  readonly rootKey: string;
  readonly rootVersion: Version;
  readonly #rootDeps: Map<string, VersionSet>;
  readonly #provider: DependencyProvider;
  readonly #locked = new Map<string, Version>();
  readonly #multiAll: boolean;
  readonly #multi: Set<string>;
  readonly #yanked: ((name: string, v: Version) => boolean) | undefined;
  readonly #maxSteps: number;
  readonly #timeoutMs: number;
  readonly #start = Date.now();
  #steps = 0;

  readonly #ps = new PartialSolution();
  #nextId = 0;
  readonly #byKey = new Map<string, Incompatibility[]>();
  readonly #contradicted = new Map<number, number>();
  readonly #depsAdded = new Set<string>();

  readonly #keys = new Map<string, KeyInfo>();
  readonly #names = new Map<string, Version[]>();
  readonly #keyVersions = new Map<string, Version[]>();
  readonly #deps = new Map<string, Map<string, VersionSet>>();
  readonly #checks = new Map<string, string | CustomCause | undefined>();
  /** `name@version` → dependency name → requirement text, when the provider gave it. */
  readonly #texts = new Map<string, Map<string, string>>();
  readonly #rootTexts = new Map<string, string>();
  readonly #wide = new Map<string, { set: VersionSet; key: string }[]>();
  readonly #counts = new WeakMap<Term, number>();
  readonly #prefetched = new Set<string>();
  readonly #bucketsOf = new WeakMap<VersionSet, Map<string, string[]>>();

  constructor(provider: DependencyProvider, root: RootPackage, options: SolveOptions) {
    this.#provider = provider;
    this.rootKey = root.name;
    this.rootVersion = parseVersion(root.version);
    this.#rootDeps = new Map();
    for (const name of Object.keys(root.dependencies).sort()) {
      this.#rootDeps.set(name, reqSet(root.dependencies[name]!));
      this.#rootTexts.set(name, root.dependencies[name]!);
    }
    for (const [name, text] of Object.entries(options.locked ?? {})) {
      this.#locked.set(name, parseVersion(text));
    }
    this.#multiAll = options.allowMultiVersion === "*";
    this.#multi = new Set(
      Array.isArray(options.allowMultiVersion) ? options.allowMultiVersion : [],
    );
    this.#yanked = options.yanked;
    this.#maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#keys.set(this.rootKey, { kind: "root", name: root.name });
    this.#keyVersions.set(this.rootKey, [this.rootVersion]);
  }

  // ---------------------------------------------------------------- main loop

  /** Runs the solver; returns key → version of every decision (root included). */
  async run(): Promise<Map<string, Version>> {
    this.#prefetch([...this.#rootDeps.keys()]);
    this.#addIncompatibility(
      Incompatibility.notRoot(this.#nextId++, this.rootKey, this.rootVersion),
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
          Incompatibility.single(this.#nextId++, next, missing ? VersionSet.full() : set, {
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
            ? Incompatibility.single(this.#nextId++, next, VersionSet.singleton(choice.version), {
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
      const added = `${next}@${vkey(v)}`;
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

  #addIncompatibility(inc: Incompatibility): void {
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
      let conflict: Incompatibility | undefined;
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
  #conflictResolution(incompat: Incompatibility): [string, Incompatibility] {
    let current = incompat;
    let changed = false;
    for (;;) {
      this.#tick(false);
      if (current.isTerminal(this.rootKey, this.rootVersion)) {
        throw new NoSolutionError(current, this);
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
    for (const [key, pa] of this.#ps.packages) {
      if (pa.decision === undefined && pa.intersection.positive) pending.push(key);
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

  #isYankedSkip(info: KeyInfo, v: Version): boolean {
    if (this.#yanked === undefined || info.kind === "root" || info.kind === "wide") return false;
    if (!this.#yanked(info.name, v)) return false;
    const locked = this.#locked.get(info.name);
    return locked === undefined || compareVersions(locked, v) !== 0;
  }

  async #chooseVersion(key: string, set: VersionSet): Promise<Choice> {
    const info = this.#keys.get(key)!;
    const versions = await this.#versionsOfKey(key);
    const candidates: Version[] = [];
    const locked = info.kind === "root" ? undefined : this.#locked.get(info.name);
    if (locked !== undefined) {
      if (info.kind === "wide") {
        if (info.set.contains(locked)) {
          const b = bucketVersion(compatibilityKey(locked));
          const found = versions.find((v) => compareVersions(v, b) === 0);
          if (found && set.contains(found)) candidates.push(found);
        }
      } else {
        const found = versions.find((v) => compareVersions(v, locked) === 0);
        if (found && set.contains(found)) candidates.push(found);
      }
    }
    for (let i = versions.length - 1; i >= 0; i--) {
      const v = versions[i]!;
      if (set.contains(v!) && (candidates.length === 0 || v !== candidates[0])) candidates.push(v);
    }
    const skipped: Version[] = [];
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
    skipped.sort(compareVersions);
    return { kind: "none", skipped };
  }

  /**
   * The listed versions around `v` that the provider excludes with a custom cause of the same
   * key, as one version set (contiguous in the listed versions, unbounded at either end).
   */
  async #sameCustomCause(
    key: string,
    v: Version,
    cause: CustomCause,
  ): Promise<VersionSet> {
    const info = this.#keys.get(key)!;
    const versions = await this.#versionsOfKey(key);
    const same = (w: Version) => {
      const c = this.#check(info.name, w);
      return typeof c === "object" && c.key === cause.key;
    };
    const idx = versions.findIndex((w) => compareVersions(w, v) === 0);
    if (idx < 0) return VersionSet.singleton(v);
    let lo = idx, hi = idx;
    while (lo > 0 && same(versions[lo - 1]!)) lo--;
    while (hi + 1 < versions.length && same(versions[hi + 1]!)) hi++;
    return this.#range(lo === 0 ? undefined : versions[lo], versions[hi + 1], versions);
  }

  #check(name: string, v: Version): string | CustomCause | undefined {
    if (this.#provider.checkVersion === undefined) return undefined;
    const k = `${name}@${vkey(v)}`;
    if (this.#checks.has(k)) return this.#checks.get(k);
    let reason: string | CustomCause | undefined;
    try {
      reason = this.#provider.checkVersion(name, v);
    } catch (e) {
      throw wrapProviderError(e, `checking ${name} ${vkey(v)}`);
    }
    this.#checks.set(k, reason);
    return reason;
  }

  // ---------------------------------------------------------------- dependencies

  /**
   * The dependency incompatibilities of `key` at `v`, each depender range widened to the
   * adjacent versions with the same dependency (pub `package_lister.dart`).
   */
  async #dependencyIncompatibilities(key: string, v: Version): Promise<Incompatibility[]> {
    const info = this.#keys.get(key)!;
    if (info.kind === "wide") {
      const bucket = this.#bucketKey(info.name, compatibilityKey(v));
      return [
        Incompatibility.dependency(
          this.#nextId++,
          key,
          VersionSet.singleton(v),
          bucket,
          info.set,
        ),
      ];
    }
    const raw = info.kind === "root" ? this.#rootDeps : await this.#rawDeps(info.name, v);
    const names = [...raw.keys()].sort();
    this.#prefetch(names);
    const lower = new Map<string, Version | undefined>();
    const upper = new Map<string, Version | undefined>();
    if (info.kind !== "root" && names.length > 0) {
      const versions = await this.#versionsOfKey(key);
      const idx = versions.findIndex((w) => compareVersions(w, v) === 0);
      await this.#walk(info.name, raw, versions, idx, -1, lower);
      await this.#walk(info.name, raw, versions, idx, +1, upper);
    }
    const out: Incompatibility[] = [];
    const versions = this.#keyVersions.get(key)!;
    for (const name of names) {
      const set = raw.get(name)!;
      const depKey = await this.#depKey(key, name, set);
      const dependerSet = info.kind === "root"
        ? VersionSet.singleton(v)
        : this.#range(lower.get(name), upper.get(name), versions);
      if (depKey === key) {
        if (!set.contains(v)) {
          out.push(
            Incompatibility.single(this.#nextId++, key, VersionSet.singleton(v), {
              kind: "unavailable",
              reason: `depends on itself with ${set.toString()}`,
            }),
          );
        }
        continue;
      }
      const depSet = this.#keys.get(depKey)!.kind === "wide" ? VersionSet.full() : set;
      const text = info.kind === "root"
        ? this.#rootTexts.get(name)
        : this.#texts.get(`${info.name}@${vkey(v)}`)?.get(name);
      out.push(
        Incompatibility.dependency(this.#nextId++, key, dependerSet, depKey, depSet, text),
      );
    }
    return out;
  }

  /** `{key v, other S}` for each conflict the provider reports (per bucket of `other`). */
  async #conflictIncompatibilities(key: string, v: Version): Promise<Incompatibility[]> {
    const info = this.#keys.get(key)!;
    if (this.#provider.conflicts === undefined || info.kind === "root" || info.kind === "wide") {
      return [];
    }
    let list;
    try {
      list = this.#provider.conflicts(info.name, v);
      if (isThenable(list)) list = await list;
    } catch (e) {
      throw wrapProviderError(e, `reading the conflicts of ${info.name} ${vkey(v)}`);
    }
    const out: Incompatibility[] = [];
    for (const c of list) {
      const keys: string[] = [];
      if (this.#isMulti(c.name)) {
        const buckets = new Set<string>();
        for (const w of await this.#listVersions(c.name)) {
          if (c.set.contains(w)) buckets.add(compatibilityKey(w));
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
            VersionSet.singleton(v),
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
    raw: Map<string, VersionSet>,
    versions: Version[],
    idx: number,
    dir: 1 | -1,
    bounds: Map<string, Version | undefined>,
  ): Promise<void> {
    const pending = new Set(raw.keys());
    for (let i = idx + dir; i >= 0 && i < versions.length && pending.size > 0; i += dir) {
      let other: Map<string, VersionSet> | undefined;
      try {
        other = await this.#rawDeps(name, versions[i]!);
      } catch {
        other = undefined;
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
  #range(lo: Version | undefined, hi: Version | undefined, versions: Version[]): VersionSet {
    if (lo === undefined && hi === undefined) return VersionSet.full();
    const parts: string[] = [];
    if (lo !== undefined) parts.push(`>=${vkey(lo)}`);
    if (hi !== undefined) parts.push(`<${vkey(hi)}`);
    let set = reqSet(parts.join(", "));
    for (const w of versions) {
      if (lo !== undefined && compareVersions(w, lo) < 0) continue;
      if (hi !== undefined && compareVersions(w, hi) >= 0) break;
      if (!set.contains(w)) set = set.union(VersionSet.singleton(w));
    }
    return set;
  }

  /** The solver key a dependency edge `from → name S` points at. */
  async #depKey(from: string, name: string, set: VersionSet): Promise<string> {
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
        const b = compatibilityKey(v);
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

  async #listVersions(name: string): Promise<Version[]> {
    let vs = this.#names.get(name);
    if (vs !== undefined) return vs;
    let result: Version[] | Promise<Version[]>;
    try {
      result = this.#provider.listVersions(name);
      if (isThenable(result)) result = await result;
    } catch (e) {
      throw wrapProviderError(e, `listing the versions of ${name}`);
    }
    vs = [...(result as Version[])].sort(compareVersions);
    this.#names.set(name, vs);
    return vs;
  }

  async #versionsOfKey(key: string): Promise<Version[]> {
    let vs = this.#keyVersions.get(key);
    if (vs !== undefined) return vs;
    const info = this.#keys.get(key)!;
    const all = await this.#listVersions(info.name);
    if (info.kind === "plain") vs = all;
    else if (info.kind === "bucket") vs = all.filter((v) => compatibilityKey(v) === info.bucket);
    else if (info.kind === "wide") {
      const buckets: string[] = [];
      for (const v of all) {
        if (!info.set.contains(v)) continue;
        const b = compatibilityKey(v);
        if (!buckets.includes(b)) buckets.push(b);
      }
      vs = buckets.map(bucketVersion).sort(compareVersions);
    } else vs = [this.rootVersion];
    this.#keyVersions.set(key, vs);
    return vs;
  }

  async #rawDeps(name: string, v: Version): Promise<Map<string, VersionSet>> {
    const k = `${name}@${vkey(v)}`;
    let deps = this.#deps.get(k);
    if (deps !== undefined) return deps;
    let result: ReturnType<DependencyProvider["getDependencies"]>;
    try {
      result = this.#provider.getDependencies(name, v);
      if (isThenable(result)) result = await result;
    } catch (e) {
      throw wrapProviderError(e, `reading the dependencies of ${name} ${vkey(v)}`);
    }
    deps = new Map();
    let texts: Map<string, string> | undefined;
    for (const [dep, range] of result as Map<string, VersionSet | RequirementRange>) {
      if (range instanceof VersionSet) deps.set(dep, range);
      else {
        deps.set(dep, range.set);
        (texts ??= new Map()).set(dep, range.requirement);
      }
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
  async resolved(decisions: Map<string, Version>): Promise<ResolvedPackage[]> {
    const out: ResolvedPackage[] = [];
    for (const [key, version] of decisions) {
      const info = this.#keys.get(key)!;
      if (info.kind === "root" || info.kind === "wide") continue;
      const raw = await this.#rawDeps(info.name, version);
      const dependencies = new Map<string, Version>();
      for (const name of [...raw.keys()].sort()) {
        let depKey = await this.#depKey(key, name, raw.get(name)!);
        const depInfo = this.#keys.get(depKey)!;
        if (depInfo.kind === "wide") {
          const b = decisions.get(depKey);
          if (b === undefined) throw internal(`no bucket decided for ${depKey}`);
          depKey = this.#bucketKey(name, compatibilityKey(b));
        }
        const picked = depKey === this.rootKey ? this.rootVersion : decisions.get(depKey);
        if (picked === undefined) throw internal(`no version decided for ${depKey}`);
        dependencies.set(name, picked);
      }
      out.push({ name: info.name, version, dependencies });
    }
    out.sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : compareVersions(a.version, b.version)
    );
    return out;
  }

  // ---------------------------------------------------------------- report context

  /** @inheritdoc */
  keyInfo(key: string): KeyInfo {
    return this.#keys.get(key) ?? { kind: "plain", name: key };
  }

  /** @inheritdoc */
  listedVersions(key: string): readonly Version[] | undefined {
    return this.#keyVersions.get(key);
  }

  /** @inheritdoc */
  isMulti(name: string): boolean {
    return this.#isMulti(name);
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
 * Resolves the dependency graph of `root` with PubGrub.
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
export async function resolve(
  provider: DependencyProvider,
  root: RootPackage,
  options: SolveOptions = {},
): Promise<ResolvedPackage[]> {
  const solver = new Solver(provider, root, options);
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
    const key = counts.get(p.name)! > 1 ? `${p.name}#${compatibilityKey(p.version)}` : p.name;
    out.set(key, vkey(p.version));
  }
  return out;
}
