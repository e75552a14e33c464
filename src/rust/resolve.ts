/**
 * Resolving Rust crates the way cargo does, with the PubGrub solver and
 * {@link CargoDependencyProvider}: one version per semver-compatible range, features unified per
 * crate version, `links` unique.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { closestName } from "../edit_distance.ts";
import { compareVersions, formatVersion, parseVersion, type Version } from "../semver/mod.ts";
import { NoSolutionError, resolve, type ResolvedPackage } from "../solver/mod.ts";
import { type LockedCrate, sortCrates } from "../lockfile/mod.ts";
import type { CrateVersion } from "./index_file.ts";
import {
  CargoDependencyProvider,
  type CrateSource,
  featureName,
  proxyName,
  splitFeatureName,
} from "./provider.ts";

/** One Rust dependency of the project (a `[targets.rust.ffi]` entry or an `import rust` line). */
export interface RustRequirement {
  /** The name the project uses for it (the key, or the import alias's crate). */
  name: string;
  /** The crate on the registry (`package = "…"` for renames, else {@link RustRequirement.name}). */
  package: string;
  /** Cargo requirement text. */
  requirement: string;
  /** Features to enable. */
  features: string[];
  /** Whether the `default` feature is enabled. */
  defaultFeatures: boolean;
  /** A `[targets.rust.ffi]` `path` or `git` source instead of the registry. */
  local?: { path: string } | { git: { url: string; rev?: string; tag?: string; branch?: string } };
}

/** Options of {@link resolveCrates}. */
export interface ResolveCratesOptions {
  /** The index URL recorded as each crate's source (`sparse+http://…/`). */
  indexUrl: string;
  /** Locked crates: tried first, and their yanked versions stay available. */
  locked?: readonly LockedCrate[];
  /** Solver watchdog: wall-clock budget in milliseconds (default 60,000). */
  timeoutMs?: number;
  /**
   * Versions to try first for some crates, over their locked ones (crate name → version), as
   * `cargo update --precise` asks without requiring it: the solver still picks another version
   * when this one cannot be part of a solution. Yanked versions stay unavailable.
   */
  prefer?: ReadonlyMap<string, string>;
}

/** The outcome of {@link resolveCrates}. */
export interface CrateResolution {
  /** Every crate picked, sorted by name then version, ready for `[[rust-package]]`. */
  crates: LockedCrate[];
}

/**
 * Resolves Rust requirements against a cargo index.
 *
 * Cargo's rules (The Cargo Book §Dependency Resolution, §Features): several versions of one
 * crate only in different semver-compatibility ranges; normal and build dependencies of every
 * target; dev-dependencies of dependencies never; features unified per crate version; weak
 * `d?/f` entries followed like `d/f` (rust-lang/cargo#10801); yanked
 * versions only when locked; a `links` value at most once in the graph.
 *
 * @param source where crate versions come from
 * @param requirements the project's Rust dependencies
 * @param options index URL for the lock entries, locked crates, watchdog
 * @returns the picked crates with their activated features and exact dependencies
 * @throws NoSolutionError (`SOLVER_E002`) when cargo would fail too, naming crates, versions
 *   and features (`serde[derive]` reads "serde with feature derive")
 * @throws {MochiError} `RUST_E005` when two picked crates link the same native library;
 *   `SOLVER_E001` watchdog; index client errors as they come
 */
export async function resolveCrates(
  source: CrateSource,
  requirements: readonly RustRequirement[],
  options: ResolveCratesOptions,
): Promise<CrateResolution> {
  const pinned = new Set((options.locked ?? []).map((c) => `${c.name} ${c.version}`));
  const provider = new CargoDependencyProvider(source, { pinned });
  const root = rootDependencies(requirements);
  let resolved;
  try {
    resolved = await resolve(
      provider,
      { name: "(root)", version: "0.0.0", dependencies: root },
      {
        allowMultiVersion: "*",
        timeoutMs: options.timeoutMs,
        locked: preferred(options.locked, options.prefer),
      },
    );
  } catch (e) {
    if (e instanceof NoSolutionError) {
      throw e.with({ rewrite: (report) => suggestFeatures(rustWords(report), provider) });
    }
    throw e;
  }
  const crates = collect(provider, resolved);
  checkLinks(crates);
  const out: LockedCrate[] = [];
  for (const c of crates.values()) {
    const entry: LockedCrate = {
      name: c.cv.name,
      version: c.cv.vers,
      source: { kind: "registry", index: options.indexUrl },
      checksumSha256: c.cv.cksum,
      dependencies: [...c.dependencies].sort(),
      features: [...c.features].sort(),
    };
    if (c.cv.yanked) entry.yanked = true;
    out.push(entry);
  }
  return { crates: sortCrates(out) };
}

/**
 * The root's provider dependencies: `crate`, `crate[default]` and `crate[f]` per requirement.
 * A second, different requirement on one crate (a rename to another range, or a build
 * dependency on another major) goes through proxies `crate~1`, `crate[f]~1` so both can hold.
 *
 * @param requirements the project's Rust dependencies
 * @returns provider name → requirement text
 */
export function rootDependencies(requirements: readonly RustRequirement[]): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  const ranges = new Map<string, string[]>();
  for (const r of requirements) {
    // The n-th distinct requirement on one crate goes through proxies `crate~n`, `crate[f]~n`.
    const seen = ranges.get(r.package) ?? [];
    let n = seen.indexOf(r.requirement);
    if (n < 0) {
      n = seen.length;
      seen.push(r.requirement);
      ranges.set(r.package, seen);
    }
    const key = (k: string) => (n === 0 ? k : proxyName(k, n));
    out[key(r.package)] = r.requirement;
    if (r.defaultFeatures) out[key(featureName(r.package, "default"))] = r.requirement;
    for (const f of r.features) out[key(featureName(r.package, f))] = r.requirement;
  }
  return out;
}

/**
 * The locked versions the solver tries first (cargo keeps Cargo.lock entries a change does not
 * touch): each crate's highest locked version, for the crate and its feature packages.
 */
function preferred(
  locked: readonly LockedCrate[] | undefined,
  prefer: ReadonlyMap<string, string> = new Map(),
): Record<string, string> {
  // Null prototype: crate names come from the lock ("constructor" is a valid crate name).
  const out: Record<string, string> = Object.create(null);
  const features = new Map<string, Set<string>>();
  for (const c of locked ?? []) {
    const set = features.get(c.name) ?? new Set(["default"]);
    c.features.forEach((f) => set.add(f));
    features.set(c.name, set);
    const v = parseVersion(c.version);
    const prev = out[c.name];
    if (prev !== undefined && compareVersions(parseVersion(prev), v) >= 0) continue;
    for (const key of [c.name, ...["default", ...c.features].map((f) => featureName(c.name, f))]) {
      out[key] = c.version;
    }
  }
  for (const [name, version] of prefer) {
    for (const f of features.get(name) ?? ["default"]) out[featureName(name, f)] = version;
    out[name] = version;
  }
  return out;
}

/**
 * A report in cargo's words: `clap[wrap_help]` reads `clap (feature "wrap_help")`, the proxy
 * suffixes `~n` disappear, the root is "the project".
 *
 * @param report a report written with provider package names
 * @returns the same report for people
 */
export function rustWords(report: string): string {
  return report
    .replaceAll("(root)", "the project")
    .replace(/([A-Za-z0-9_-]+)\[([^\]\s]+)\](~\d+)?/g, '$1 (feature "$2")')
    .replace(/([A-Za-z0-9_-]+)~\d+/g, "$1")
    .replace(
      /([A-Za-z0-9_-]+) \(feature "([^"]+)"\) is not in the registry: check the name and the configured registry/g,
      'no version of $1 has the feature "$2": check the feature name against the crate\'s [features]',
    )
    .replace(
      /([A-Za-z0-9_-]+) \(feature "([^"]+)"\) (\S+) which doesn't exist/g,
      '$1 $3 with the feature "$2", which no version has',
    );
}

/**
 * For each feature no version has, names the closest feature the crate's newest version defines
 * and drops the "relax the requirement" option, which cannot help.
 */
function suggestFeatures(report: string, provider: CargoDependencyProvider): string {
  const missing = [...report.matchAll(/no version of (\S+) has the feature "([^"]+)"/g)];
  let out = report;
  for (const [line, crate, feature] of missing) {
    const file = provider.loadedVersions(crate!);
    const newest = file && file.entries.length > 0 ? file.get(file.entries.length - 1) : undefined;
    const names = newest
      ? [
        ...Object.keys(newest.features),
        ...newest.deps.filter((d) => d.optional).map((d) => d.name),
      ]
      : [];
    if (names.length > 0) {
      out = out.replace(line, `${line} (did you mean "${closestName(feature!, names)}"?)`);
    }
    out = out.replace(
      new RegExp(
        `\\n  - relax the root requirement on ${escapeRegExp(crate!)} \\(feature "${
          escapeRegExp(feature!)
        }"\\)[^\\n]*`,
      ),
      "",
    );
  }
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

interface Picked {
  cv: CrateVersion;
  features: Set<string>;
  dependencies: Set<string>;
}

function collect(
  provider: CargoDependencyProvider,
  resolved: ResolvedPackage[],
): Map<string, Picked> {
  const out = new Map<string, Picked>();
  const get = (crate: string, v: Version): Picked => {
    const cv = provider.crateVersion(crate, v);
    if (cv === undefined) {
      throw new MochiError("INTERNAL_E001", `rust: ${crate} ${formatVersion(v)} not loaded`, {
        hint: "this is a bug in mochi pkg; please report it with the manifest",
      });
    }
    const key = `${cv.name} ${cv.vers}`;
    let p = out.get(key);
    if (p === undefined) out.set(key, p = { cv, features: new Set(), dependencies: new Set() });
    return p;
  };
  for (const r of resolved) {
    const { crate, feature } = splitFeatureName(r.name);
    const p = get(crate, r.version);
    if (
      feature !== undefined && !feature.includes("/") && !feature.startsWith("dep:") &&
      (feature !== "default" || Object.hasOwn(p.cv.features, "default"))
    ) {
      p.features.add(feature);
    }
    for (const [dep, v] of r.dependencies) {
      const d = splitFeatureName(dep).crate;
      if (d === crate && formatVersion(v) === formatVersion(r.version)) continue;
      const target = provider.crateVersion(d, v);
      p.dependencies.add(`${target?.name ?? d} ${target?.vers ?? formatVersion(v)}`);
    }
  }
  return out;
}

function checkLinks(crates: Map<string, Picked>): void {
  const byLinks = new Map<string, string>();
  for (const c of crates.values()) {
    if (c.cv.links === undefined) continue;
    const other = byLinks.get(c.cv.links);
    const me = `${c.cv.name} ${c.cv.vers}`;
    if (other !== undefined) {
      throw new MochiError(
        "RUST_E005",
        `${other} and ${me} both link the native library "${c.cv.links}"; cargo allows one ` +
          `crate per links value in a graph`,
        {
          hint: `require versions of ${c.cv.name} and ${
            other.split(" ")[0]
          } that share one links owner, or drop one of the dependencies that pull them in`,
        },
      );
    }
    byLinks.set(c.cv.links, me);
  }
}
