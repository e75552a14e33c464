/**
 * Cargo's semantics as a PubGrub {@link DependencyProvider}: features, optional dependencies,
 * renames, build dependencies of every target, yanked versions.
 *
 * Features are virtual packages, as in Eh2406's pubgrub-crates-benchmark and uv's extras: the
 * package `serde[derive]` has the versions of `serde` that define `derive`, and `serde[derive]`
 * at V depends on `serde` exactly at V plus whatever `derive` enables. `crate[default]` exists
 * for every version (an absent `default` feature enables nothing). One version per
 * semver-compatible range comes from the solver's `allowMultiVersion: "*"` buckets.
 *
 * Feature entries follow The Cargo Book §Features: `dep:d` activates the optional dependency
 * `d`; `d/f` activates `d` (when optional) and its feature `f`; `d?/f` enables `f` only when `d`
 * is activated otherwise (a weak dependency: see {@link CargoDependencyProvider.promoteWeak});
 * any other entry names a feature of the same crate; an optional dependency `d` that no feature
 * names as `dep:d` is also an implicit feature `d`. A weak entry `d?/f` is followed like `d/f`,
 * as cargo's dependency resolver does (rust-lang/cargo#10801).
 *
 * @module
 */
import type { DependencyProvider, ProviderConflict, RequirementRange } from "../solver/mod.ts";
import { formatVersion, parseRequirement, type Version, VersionSet } from "../semver/mod.ts";
import type { CrateDep, CrateIndexFile, CrateVersion } from "./index_file.ts";

/** Where crate versions come from: an index client, a directory, or memory. */
export interface CrateSource {
  /**
   * The index file of a crate (lazily parsed), or null when the index has no such crate.
   *
   * @param name crate name
   * @throws MochiError from the index client (network, malformed file)
   */
  versions(name: string): Promise<CrateIndexFile | null>;
}

/** A provider package name split into crate and feature (`serde[derive]` → serde, derive). */
export interface FeatureName {
  /** The crate name. */
  crate: string;
  /** The feature, or undefined for the crate itself. */
  feature?: string;
}

/**
 * Splits a provider package name.
 *
 * @param name `crate` or `crate[feature]`
 * @returns the parts
 */
export function splitFeatureName(name: string): FeatureName {
  name = name.replace(PROXY, "");
  const i = name.indexOf("[");
  if (i < 0 || !name.endsWith("]")) return { crate: name };
  return { crate: name.slice(0, i), feature: name.slice(i + 1, -1) };
}

/**
 * The provider package name of a crate's feature.
 *
 * @param crate crate name
 * @param feature feature name
 * @returns `crate[feature]`
 */
export function featureName(crate: string, feature: string): string {
  return `${crate}[${feature}]`;
}

/** `X~n`: a proxy of provider package X that carries one more requirement on it. */
const PROXY = /~\d+$/;

/**
 * The n-th proxy of a provider package: it has X's versions and depends on X exactly, so a
 * second requirement on X in another compatibility range can sit next to the first (a rename:
 * `rand07 = { package = "rand", version = "0.7" }` beside `rand = "0.8"`).
 *
 * @param name provider package name
 * @param n 1, 2, …
 * @returns `name~n`
 */
export function proxyName(name: string, n: number): string {
  return `${name}~${n}`;
}

interface Loaded {
  file: CrateIndexFile;
  /** Version text (build metadata dropped) → entry index. */
  byVersion: Map<string, number>;
  /** The entries' own Version objects (what listVersions hands the solver) → entry index. */
  byObject: Map<Version, number>;
  /** `deps` JSON text → the crate-level dependencies it gives (shared between versions). */
  depsCache: Map<string, Map<string, VersionSet | RequirementRange>>;
}

const reqCache = new Map<string, VersionSet | Error>();

function requirementSet(req: string): VersionSet | Error {
  let s = reqCache.get(req);
  if (s === undefined) {
    try {
      s = VersionSet.fromRequirement(parseRequirement(req));
    } catch (e) {
      s = e as Error;
    }
    reqCache.set(req, s);
  }
  return s;
}

function vkey(v: Version): string {
  return formatVersion({ ...v, build: [] });
}

/** The newest release (not yanked, not a pre-release) of a file, or undefined. */
function newestRelease(file: CrateIndexFile): CrateVersion | undefined {
  for (let i = file.entries.length - 1; i >= 0; i--) {
    const e = file.entries[i]!;
    if (e.yanked || e.version.pre.length > 0) continue;
    try {
      return file.get(i);
    } catch {
      return undefined; // a malformed line surfaces when the solver really needs it
    }
  }
  return undefined;
}

/** Whether `d` has an implicit feature of its own name in this version (no `dep:d` anywhere). */
function hasImplicitFeature(cv: CrateVersion, dep: string): boolean {
  if (!cv.deps.some((d) => d.optional && d.name === dep && d.kind !== "dev")) return false;
  for (const list of Object.values(cv.features)) {
    if (list.includes(`dep:${dep}`)) return false;
  }
  return true;
}

/**
 * Whether a feature request `f` is meaningful for one version: `default` always; a
 * plain name when the version defines it or has an implicit feature of that name; `d/f` and
 * `d?/f` when `d` is one of its (non-dev) dependencies.
 *
 * @param cv the crate version
 * @param feature the request
 * @returns true when the version can honour it
 */
export function hasFeature(cv: CrateVersion, feature: string): boolean {
  if (feature === "default") return true;
  const slash = feature.indexOf("/");
  if (slash >= 0) {
    const dep = feature.slice(0, slash).replace(/\?$/, "");
    return cv.deps.some((d) => d.name === dep && d.kind !== "dev");
  }
  if (feature.startsWith("dep:")) {
    return cv.deps.some((d) => d.optional && d.name === feature.slice(4) && d.kind !== "dev");
  }
  return Object.hasOwn(cv.features, feature) || hasImplicitFeature(cv, feature);
}

/** Options of {@link CargoDependencyProvider}. */
export interface CargoProviderOptions {
  /**
   * `crate version` texts the lock pins: a yanked version is offered only when pinned here
   * (The Cargo Book §Yanked: a lockfile keeps a yanked version, a new resolution never picks it).
   */
  pinned?: ReadonlySet<string>;
}

/**
 * A {@link DependencyProvider} over cargo index data with feature virtual packages.
 *
 * Package names are `crate` or `crate[feature]` ({@link splitFeatureName}). Dev-dependencies are
 * never followed; normal and build dependencies of every target are (Cargo.lock is
 * platform-independent).
 */
export class CargoDependencyProvider implements DependencyProvider {
  readonly #source: CrateSource;
  readonly #pinned: ReadonlySet<string>;
  readonly #loaded = new Map<string, Promise<Loaded | null>>();
  readonly #sync = new Map<string, Loaded | null>();
  /** Crate → features asked of it so far (by dependencies or the solver), for speculation. */
  readonly #wanted = new Map<string, Set<string>>();

  /**
   * Creates the provider.
   *
   * @param source where crate versions come from
   * @param options pinned (locked) versions that may be yanked
   */
  constructor(source: CrateSource, options: CargoProviderOptions = {}) {
    this.#source = source;
    this.#pinned = options.pinned ?? new Set();
  }

  /**
   * The loaded versions of a crate (after a solve, every crate it touched is loaded).
   *
   * @param crate crate name
   * @returns the index file, or undefined when not loaded or absent
   */
  loadedVersions(crate: string): CrateIndexFile | undefined {
    return this.#sync.get(crate)?.file;
  }

  /**
   * One loaded crate version.
   *
   * @param crate crate name
   * @param version the version
   * @returns the index data, or undefined
   */
  crateVersion(crate: string, version: Version): CrateVersion | undefined {
    const loaded = this.#sync.get(crate);
    if (loaded == null) return undefined;
    const i = loaded.byObject.get(version) ?? loaded.byVersion.get(vkey(version));
    return i === undefined ? undefined : loaded.file.get(i);
  }

  #load(crate: string, speculate = true): Promise<Loaded | null> {
    let p = this.#loaded.get(crate);
    if (p === undefined) {
      p = this.#source.versions(crate).then((file) => {
        if (file === null) {
          this.#sync.set(crate, null);
          return null;
        }
        const byVersion = new Map<string, number>();
        const byObject = new Map<Version, number>();
        file.entries.forEach((e, i) => {
          byVersion.set(vkey(e.version), i);
          byObject.set(e.version, i);
        });
        const loaded = { file, byVersion, byObject, depsCache: new Map() };
        this.#sync.set(crate, loaded);
        if (speculate) this.#speculate(crate, file);
        return loaded;
      });
      p.catch(() => this.#loaded.delete(crate));
      this.#loaded.set(crate, p);
    }
    return p;
  }

  /**
   * Follows the newest release of a crate just loaded before the solver asks (cargo fetches
   * index files in parallel while it resolves, and so do we): its non-optional normal and build
   * dependencies, and what each feature asked of the crate so far turns on (optional
   * dependencies and their features), are loaded at once, so the requests go out a level of the
   * graph at a time instead of one solver step at a time. A guess only: a crate never asked for
   * costs one request.
   */
  #speculate(crate: string, file: CrateIndexFile): void {
    const cv = newestRelease(file);
    if (cv === undefined) return;
    for (const d of cv.deps) {
      if (d.kind !== "dev" && !d.optional) this.#wantDep(d, []);
    }
    for (const f of this.#wanted.get(crate) ?? []) this.#speculateFeature(crate, cv, f);
  }

  /** Marks a crate (and a feature of it) as needed and starts loading it. */
  #want(crate: string, feature?: string): void {
    let set = this.#wanted.get(crate);
    if (set === undefined) this.#wanted.set(crate, set = new Set());
    if (feature === undefined || set.has(feature)) {
      this.#hint(crate);
      return;
    }
    set.add(feature);
    const loaded = this.#sync.get(crate);
    if (loaded === undefined) {
      // Not loaded yet: #speculate follows the feature once the file is in.
      this.#hint(crate);
      return;
    }
    if (loaded === null) return;
    const cv = newestRelease(loaded.file);
    if (cv !== undefined) this.#speculateFeature(crate, cv, feature);
  }

  /** Starts loading a crate, if not started; a hint: failures surface when it is needed. */
  #hint(crate: string): void {
    if (this.#loaded.has(crate)) return;
    try {
      this.#load(crate).catch(() => {});
    } catch {
      // as above
    }
  }

  #wantDep(d: CrateDep, extra: readonly string[]): void {
    this.#want(d.package);
    if (d.defaultFeatures) this.#want(d.package, "default");
    for (const f of d.features) if (f.length > 0) this.#want(d.package, f);
    for (const f of extra) if (f.length > 0) this.#want(d.package, f);
  }

  /** What feature `feature` of `cv` turns on, by the rules of {@link getDependencies}. */
  #speculateFeature(crate: string, cv: CrateVersion, feature: string): void {
    const activate = (name: string, extra: string[]) => {
      for (const d of cv.deps) if (d.name === name && d.kind !== "dev") this.#wantDep(d, extra);
    };
    const entry = (item: string) => {
      if (item.startsWith("dep:")) return activate(item.slice(4), []);
      const slash = item.indexOf("/");
      if (slash >= 0) {
        return activate(item.slice(0, slash).replace(/\?$/, ""), [item.slice(slash + 1)]);
      }
      if (Object.hasOwn(cv.features, item) || hasImplicitFeature(cv, item)) this.#want(crate, item);
    };
    if (feature.includes("/") || feature.startsWith("dep:")) return entry(feature);
    if (Object.hasOwn(cv.features, feature)) {
      for (const item of cv.features[feature]!) entry(item);
    } else if (feature !== "default" && hasImplicitFeature(cv, feature)) activate(feature, []);
  }

  /**
   * Cargo's `links` rule: a crate version that links a native library excludes the versions of
   * every loaded crate (other compatibility ranges of itself included) that link the same one.
   * A crate loaded later sees this one when it is decided, so every pair is covered.
   *
   * @param name provider package name (only plain crates have conflicts)
   * @param version the version being decided
   * @returns one conflict per crate linking the same library
   */
  conflicts(name: string, version: Version): ProviderConflict[] {
    if (name !== splitFeatureName(name).crate || PROXY.test(name)) return [];
    const cv = this.crateVersion(name, version);
    if (cv?.links === undefined) return [];
    const out: ProviderConflict[] = [];
    for (const [crate, loaded] of this.#sync) {
      if (loaded === null) continue;
      let set: VersionSet | undefined;
      for (const i of loaded.file.linking(cv.links)) {
        const w = loaded.file.entries[i]!.version;
        if (crate === name && vkey(w) === vkey(version)) continue;
        const one = VersionSet.singleton(w);
        set = set === undefined ? one : set.union(one);
      }
      if (set !== undefined) {
        out.push({ name: crate, set, reason: `both link the native library "${cv.links}"` });
      }
    }
    return out;
  }

  /**
   * Starts loading the index files of these packages' crates (a hint from the solver).
   *
   * @param names provider package names
   */
  prefetch(names: string[]): void {
    for (const n of names) {
      const { crate, feature } = splitFeatureName(n);
      try {
        this.#want(crate, feature);
      } catch {
        // A hint only: a malformed line surfaces when the solver really needs it.
      }
    }
  }

  /**
   * Versions of `crate` (yanked ones only when pinned) or of `crate[feature]` (the same, or
   * none when no line of the file can name the feature; {@link checkVersion} excludes the
   * versions without it).
   *
   * @param name provider package name
   * @returns the versions
   */
  async listVersions(name: string): Promise<Version[]> {
    if (PROXY.test(name)) return await this.listVersions(name.replace(PROXY, ""));
    const { crate, feature } = splitFeatureName(name);
    const loaded = await this.#load(crate);
    if (loaded === null) return [];
    const { file } = loaded;
    const word = feature === undefined || feature === "default"
      ? undefined
      : feature.replace(/^dep:/, "").split("/")[0]!.replace(/\?$/, "");
    // Versions lacking the feature are excluded lazily by checkVersion, when the solver
    // considers them: filtering here would parse every line of every crate with a feature.
    if (word !== undefined && !file.mentions(word)) return [];
    const out: Version[] = [];
    file.entries.forEach((e, i) => {
      if (e.yanked && !this.#pinned.has(`${crate} ${e.vers}`)) {
        if (this.#pinned.size === 0 || !this.#pinned.has(`${file.get(i).name} ${e.vers}`)) return;
      }
      out.push(e.version);
    });
    return out;
  }

  /**
   * Excludes versions that lack the requested feature or whose dependency requirements do not
   * parse.
   *
   * @param name provider package name
   * @param version candidate
   * @returns the reason, or undefined
   */
  checkVersion(name: string, version: Version): string | undefined {
    if (PROXY.test(name)) return undefined;
    const { crate, feature } = splitFeatureName(name);
    const loaded = this.#sync.get(crate);
    const at = loaded?.byObject.get(version) ?? loaded?.byVersion.get(vkey(version));
    if (at === undefined) return undefined;
    const file = loaded!.file;
    if (feature !== undefined && !hasFeature(file.get(at), feature)) {
      return `it has no feature "${feature}"`;
    }
    for (const d of file.deps(at)) {
      if (d.kind === "dev") continue;
      const set = requirementSet(d.req);
      if (set instanceof Error) {
        return `its dependency ${d.name} "${d.req}" is invalid: ${set.message}`;
      }
    }
    return undefined;
  }

  /**
   * The dependencies of `crate` at V (its non-optional normal and build dependencies) or of
   * `crate[feature]` at V (`crate` = V and what the feature enables).
   *
   * @param name provider package name
   * @param version the version
   * @returns provider name → version set
   */
  async getDependencies(
    name: string,
    version: Version,
  ): Promise<Map<string, VersionSet | RequirementRange>> {
    if (PROXY.test(name)) {
      return new Map([[name.replace(PROXY, ""), VersionSet.singleton(version)]]);
    }
    const { crate, feature } = splitFeatureName(name);
    const loaded = await this.#load(crate);
    // Versions whose `deps` text is identical share one answer, found without parsing the
    // line: the solver asks for many neighbouring versions to widen its incompatibilities.
    const at = loaded?.byObject.get(version) ?? loaded?.byVersion.get(vkey(version));
    const depsText = feature === undefined && at !== undefined
      ? loaded!.file.depsText(at)
      : undefined;
    if (depsText !== undefined) {
      const shared = loaded!.depsCache.get(depsText);
      if (shared !== undefined) return shared;
    }
    if (at === undefined) throw new Error(`unknown crate version ${crate} ${vkey(version)}`);
    // A crate's own dependencies need its `deps` array only, not the whole line.
    const cv = feature === undefined ? undefined : loaded!.file.get(at);
    const allDeps = cv?.deps ?? loaded!.file.deps(at);
    // One requirement on a key keeps its text for reports; two intersected ones do not.
    const out = new Map<string, VersionSet | RequirementRange>();
    if (depsText !== undefined) loaded!.depsCache.set(depsText, out);
    const setOf = (r: VersionSet | RequirementRange) => r instanceof VersionSet ? r : r.set;
    const add = (key: string, set: VersionSet, requirement?: string): void => {
      const prev = out.get(key);
      if (prev === undefined) {
        out.set(key, requirement === undefined ? set : { set, requirement });
        return;
      }
      const both = setOf(prev).intersection(set);
      if (!both.isEmpty() && both.equals(setOf(prev))) return;
      if (!both.isEmpty()) {
        out.set(key, both);
        return;
      }
      // Two requirements on one crate in different compatibility ranges (a rename): the
      // second goes through a proxy package, which depends on the first exactly.
      for (let n = 1;; n++) {
        const proxy = proxyName(key, n);
        const p = out.get(proxy);
        if (p === undefined) {
          out.set(proxy, requirement === undefined ? set : { set, requirement });
          return;
        }
        const both2 = setOf(p).intersection(set);
        if (!both2.isEmpty() && both2.equals(setOf(p))) return;
        if (!both2.isEmpty()) {
          out.set(proxy, both2);
          return;
        }
      }
    };
    const edge = (dep: CrateDep, extra: string[]): void => {
      const set = requirementSet(dep.req);
      if (set instanceof Error) return; // checkVersion already excluded this version
      add(dep.package, set, dep.req);
      if (dep.defaultFeatures) add(featureName(dep.package, "default"), set, dep.req);
      for (const f of [...dep.features, ...extra]) {
        if (f.length > 0) add(featureName(dep.package, f), set, dep.req);
      }
    };
    const depsNamed = (d: string): CrateDep[] =>
      allDeps.filter((x) => x.name === d && x.kind !== "dev");
    const activate = (d: string, extra: string[]): void => {
      for (const dep of depsNamed(d)) edge(dep, extra);
    };
    if (feature === undefined || cv === undefined) {
      for (const dep of allDeps) {
        if (dep.kind !== "dev" && !dep.optional) edge(dep, []);
      }
      return out;
    }
    const self = VersionSet.singleton(version);
    out.set(crate, self);
    const entry = (item: string): void => {
      if (item.startsWith("dep:")) {
        activate(item.slice(4), []);
        return;
      }
      const slash = item.indexOf("/");
      if (slash >= 0) {
        let d = item.slice(0, slash);
        const f = item.slice(slash + 1);
        // A weak entry `d?/f` is followed like `d/f`: cargo's dependency resolver does the same
        // (rust-lang/cargo#10801: the optional dependency lands in Cargo.lock although the
        // feature resolver later leaves it unbuilt), and the lock must match cargo's.
        if (d.endsWith("?")) d = d.slice(0, -1);
        activate(d, [f]);
        return;
      }
      if (Object.hasOwn(cv.features, item) || hasImplicitFeature(cv, item)) {
        add(featureName(crate, item), self);
      }
    };
    if (feature === "default" && !Object.hasOwn(cv.features, "default")) {
      return out;
    }
    if (feature.includes("/") || feature.startsWith("dep:")) {
      entry(feature);
      return out;
    }
    if (Object.hasOwn(cv.features, feature)) {
      for (const item of cv.features[feature]!) entry(item);
    } else if (hasImplicitFeature(cv, feature)) activate(feature, []);
    return out;
  }
}
