/**
 * The solver's port to package data: {@link DependencyProvider}, and an in-memory
 * {@link OfflineDependencyProvider} for tests, fixtures and lockfile checks.
 *
 * Shaped after pubgrub-rs `DependencyProvider` / `OfflineDependencyProvider` (`src/provider.rs`):
 * the solver asks for the versions of a package and the dependencies of one version, and may hint
 * which packages it will need next so a registry-backed provider can fetch index files in
 * parallel.
 *
 * @module
 */
import type { CustomCause } from "./incompatibility.ts";
import {
  compareVersions,
  formatVersion,
  parseRequirement,
  parseVersion,
  type Version,
  VersionSet,
} from "../semver/mod.ts";

/** A package a version excludes ({@link DependencyProvider.conflicts}). */
export interface ProviderConflict {
  /** The other package's name. */
  name: string;
  /** Its versions that conflict. */
  set: VersionSet;
  /** Why, e.g. `both link the native library "openssl"`. */
  reason: string;
}

/**
 * One dependency as a provider may give it: the allowed versions and the requirement as written
 * (`"<=2.0.0"`), which failure reports show instead of the normalised range (`<2.0.1`), as pub and
 * uv do. A provider may give a bare {@link VersionSet} instead.
 */
export interface RequirementRange {
  /** The versions the requirement allows. */
  readonly set: VersionSet;
  /** The requirement text as written in the manifest or index. */
  readonly requirement: string;
}

/**
 * Where the solver gets package versions and dependencies from.
 */
export interface DependencyProvider {
  /**
   * All versions of `name` (any order); `[]` when the package has none or does not exist.
   *
   * @param name package name
   * @throws anything: a non-{@link MochiError} is wrapped in `SOLVER_E003`
   */
  listVersions(name: string): Promise<Version[]> | Version[];
  /**
   * The dependencies of one version as name → allowed versions (with the requirement text
   * when known, see {@link RequirementRange}).
   *
   * @param name package name
   * @param version one of its versions
   * @throws anything to signal failure: a non-MochiError is wrapped in `SOLVER_E003`
   */
  getDependencies(
    name: string,
    version: Version,
  ):
    | Promise<Map<string, VersionSet | RequirementRange>>
    | Map<string, VersionSet | RequirementRange>;
  /**
   * Optional: a reason a version must not be picked (target unsupported, compiler range not
   * met, a product rule such as a capability pin). Return a short human cause ("needs target
   * jvm") or a {@link CustomCause} that words itself, or undefined to allow it. Adjacent versions
   * excluded by custom causes with one key are excluded together, so the report names the range
   * once.
   *
   * @param name package name
   * @param version candidate version
   */
  checkVersion?(name: string, version: Version): string | CustomCause | undefined;
  /**
   * Optional: packages that must not be selected together with this version (cargo `links`).
   * The solver adds one incompatibility `{name version, other S}` per conflict (per
   * compatibility bucket of `other` under allow-multi-version), so it backtracks instead of
   * failing.
   *
   * @param name package name
   * @param version the version being decided
   * @returns the conflicting packages with their versions and the reason
   */
  conflicts?(
    name: string,
    version: Version,
  ): ProviderConflict[] | Promise<ProviderConflict[]>;
  /**
   * Optional hint: the solver will soon ask about these names.
   *
   * @param names package names, deduplicated, in a deterministic order
   */
  prefetch?(names: string[]): void;
}

/**
 * An in-memory registry: versions and their dependencies added with {@link add}.
 *
 * @example
 * ```ts
 * const p = new OfflineDependencyProvider();
 * p.add("foo", "1.0.0", { bar: "^1" });
 * p.add("bar", "1.2.0", {});
 * ```
 */
export class OfflineDependencyProvider implements DependencyProvider {
  readonly #packages = new Map<string, Map<string, [Version, Map<string, RequirementRange>]>>();
  readonly #sets = new Map<string, VersionSet>();
  readonly #checks = new Map<string, string>();

  /**
   * Adds (or replaces) one version.
   *
   * @param name package name
   * @param version version text (SemVer 2.0.0)
   * @param dependencies name → requirement string in cargo's grammar
   * @throws MochiError SEMVER_E001 / SEMVER_E002 on a bad version or requirement
   */
  add(name: string, version: string, dependencies: Record<string, string>): void {
    const v = parseVersion(version);
    const deps = new Map<string, RequirementRange>();
    for (const [dep, req] of Object.entries(dependencies)) {
      deps.set(dep, { set: this.#set(req), requirement: req });
    }
    let versions = this.#packages.get(name);
    if (versions === undefined) this.#packages.set(name, versions = new Map());
    versions.set(formatVersion({ ...v, build: [] }), [v, deps]);
  }

  /**
   * Marks one version as excluded with a reason (reported through {@link checkVersion}).
   *
   * @param name package name
   * @param version version text
   * @param reason human cause, e.g. "requires capability net.dial outside the pin"
   */
  exclude(name: string, version: string, reason: string): void {
    this.#checks.set(`${name}@${formatVersion({ ...parseVersion(version), build: [] })}`, reason);
  }

  /** Every package name, sorted. */
  packages(): string[] {
    return [...this.#packages.keys()].sort();
  }

  /**
   * All added versions of `name`, ascending.
   *
   * @param name package name
   */
  listVersions(name: string): Version[] {
    const versions = this.#packages.get(name);
    if (versions === undefined) return [];
    return [...versions.values()].map(([v]) => v).sort(compareVersions);
  }

  /**
   * The dependencies of one added version, with their requirement text.
   *
   * @param name package name
   * @param version the version
   * @throws Error when the version was never added
   */
  getDependencies(name: string, version: Version): Map<string, RequirementRange> {
    const entry = this.#packages.get(name)?.get(formatVersion({ ...version, build: [] }));
    if (entry === undefined) {
      throw new Error(`unknown package version ${name} ${formatVersion(version)}`);
    }
    return entry[1];
  }

  /**
   * The reason given to {@link exclude} for this version, if any.
   *
   * @param name package name
   * @param version the version
   */
  checkVersion(name: string, version: Version): string | undefined {
    if (this.#checks.size === 0) return undefined;
    return this.#checks.get(`${name}@${formatVersion({ ...version, build: [] })}`);
  }

  #set(req: string): VersionSet {
    let s = this.#sets.get(req);
    if (s === undefined) this.#sets.set(req, s = VersionSet.fromRequirement(parseRequirement(req)));
    return s;
  }
}
