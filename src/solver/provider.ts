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
import type { VersionSet } from "../semver/mod.ts";
import {
  type AnyVersionSet,
  semverScheme,
  type VersionOf,
  type VersionScheme,
} from "./version_scheme.ts";

/** A package a version excludes ({@link DependencyProvider.conflicts}). */
export interface ProviderConflict<S extends AnyVersionSet = VersionSet> {
  /** The other package's name. */
  name: string;
  /** Its versions that conflict. */
  set: S;
  /** Why, e.g. `both link the native library "openssl"`. */
  reason: string;
}

/**
 * One dependency as a provider may give it: the allowed versions and the requirement as written
 * (`"<=2.0.0"`), which failure reports show instead of the normalised range (`<2.0.1`), as pub and
 * uv do. A provider may give a bare {@link VersionSet} instead.
 */
export interface RequirementRange<S extends AnyVersionSet = VersionSet> {
  /** The versions the requirement allows. */
  readonly set: S;
  /** The requirement text as written in the manifest or index. */
  readonly requirement: string;
}

/**
 * Where the solver gets package versions and dependencies from.
 *
 * @typeParam S the version set of the provider's scheme (cargo SemVer's `VersionSet` by
 *   default; a PEP 440 provider gives `Pep440VersionSet`s and is solved with `resolveWith`)
 */
export interface DependencyProvider<S extends AnyVersionSet = VersionSet> {
  /**
   * All versions of `name` (any order); `[]` when the package has none or does not exist.
   *
   * @param name package name
   * @throws anything: a non-{@link MochiError} is wrapped in `SOLVER_E003`
   */
  listVersions(name: string): Promise<VersionOf<S>[]> | VersionOf<S>[];
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
    version: VersionOf<S>,
  ):
    | Promise<Map<string, S | RequirementRange<S>>>
    | Map<string, S | RequirementRange<S>>;
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
  checkVersion?(name: string, version: VersionOf<S>): string | CustomCause | undefined;
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
    version: VersionOf<S>,
  ): ProviderConflict<S>[] | Promise<ProviderConflict<S>[]>;
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
 * Versions and requirements are in the scheme given to the constructor (cargo SemVer by
 * default).
 *
 * @example
 * ```ts
 * const p = new OfflineDependencyProvider();
 * p.add("foo", "1.0.0", { bar: "^1" });
 * p.add("bar", "1.2.0", {});
 * ```
 */
export class OfflineDependencyProvider<S extends AnyVersionSet = VersionSet>
  implements DependencyProvider<S> {
  readonly #packages = new Map<
    string,
    Map<string, [VersionOf<S>, Map<string, RequirementRange<S>>]>
  >();
  readonly #checks = new Map<string, string>();
  readonly #scheme: VersionScheme<VersionOf<S>, S>;

  /**
   * Creates an empty provider.
   *
   * @param scheme the version scheme of its versions and requirements (default: cargo SemVer)
   */
  constructor(scheme?: VersionScheme<VersionOf<S>, S>) {
    this.#scheme = scheme ?? (semverScheme as unknown as VersionScheme<VersionOf<S>, S>);
  }

  /**
   * Adds (or replaces) one version.
   *
   * @param name package name
   * @param version version text (SemVer 2.0.0 by default; the scheme's grammar)
   * @param dependencies name → requirement string (cargo's grammar by default)
   * @throws MochiError SEMVER_E001 / SEMVER_E002 (or the scheme's codes) on a bad version or
   *   requirement
   */
  add(name: string, version: string, dependencies: Record<string, string>): void {
    const v = this.#scheme.parseVersion(version);
    const deps = new Map<string, RequirementRange<S>>();
    for (const [dep, req] of Object.entries(dependencies)) {
      deps.set(dep, { set: this.#scheme.parseRequirement(req), requirement: req });
    }
    let versions = this.#packages.get(name);
    if (versions === undefined) this.#packages.set(name, versions = new Map());
    versions.set(this.#scheme.key(v), [v, deps]);
  }

  /**
   * Marks one version as excluded with a reason (reported through {@link checkVersion}).
   *
   * @param name package name
   * @param version version text
   * @param reason human cause, e.g. "requires capability net.dial outside the pin"
   */
  exclude(name: string, version: string, reason: string): void {
    this.#checks.set(`${name}@${this.#scheme.key(this.#scheme.parseVersion(version))}`, reason);
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
  listVersions(name: string): VersionOf<S>[] {
    const versions = this.#packages.get(name);
    if (versions === undefined) return [];
    return [...versions.values()].map(([v]) => v).sort((a, b) => this.#scheme.compare(a, b));
  }

  /**
   * The dependencies of one added version, with their requirement text.
   *
   * @param name package name
   * @param version the version
   * @throws Error when the version was never added
   */
  getDependencies(name: string, version: VersionOf<S>): Map<string, RequirementRange<S>> {
    const entry = this.#packages.get(name)?.get(this.#scheme.key(version));
    if (entry === undefined) {
      throw new Error(`unknown package version ${name} ${this.#scheme.format(version)}`);
    }
    return entry[1];
  }

  /**
   * The reason given to {@link exclude} for this version, if any.
   *
   * @param name package name
   * @param version the version
   */
  checkVersion(name: string, version: VersionOf<S>): string | undefined {
    if (this.#checks.size === 0) return undefined;
    return this.#checks.get(`${name}@${this.#scheme.key(version)}`);
  }
}
