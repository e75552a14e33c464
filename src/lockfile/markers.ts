/**
 * Platform markers of a universal lock (uv's universal resolution: one lock for every platform,
 * each entry marked with where it is needed): which platforms reach each locked package from the
 * root through edges that may hold on some platforms only (`[target.'cfg(…)'.dependencies]`).
 *
 * Pure.
 *
 * @module
 */
import { formatMarker, parseCfg, type Platform, PLATFORMS } from "../manifest/platform.ts";
import type { LockedPackage } from "./types.ts";

/**
 * The locked packages with their `marker` set from reachability: for each platform, a walk from
 * `rootIds` over every package's `dependencies`, leaving out an edge `conditional` says holds on
 * other platforms only; a package every platform reaches has no marker.
 *
 * @param packages the locked packages (their `marker` is ignored and recomputed)
 * @param rootIds the ids (`"name version"`) the root depends on
 * @param conditional node id (`""` for the root) → dependency name → the platforms that edge
 *   holds on; an edge not listed holds everywhere
 * @returns new package objects, in the same order, leaving out those no platform reaches (a
 *   dependency's platform table for platforms that never reach it) and the edges to them
 *
 * @example
 * ```ts
 * import { markPlatforms } from "@mochi/pkg/lockfile";
 * import { deepEqual as assertEquals } from "node:assert/strict";
 * const pkg = (name: string, dependencies: string[] = []) => ({
 *   name, version: "1.0.0", source: "registry+file:///r/", capabilities: [], dependencies,
 * });
 * const out = markPlatforms(
 *   [pkg("a", ["c 1.0.0"]), pkg("w", ["c 1.0.0"]), pkg("c")],
 *   ["a 1.0.0", "w 1.0.0"],
 *   new Map([["", new Map([["w", ["windows-x86_64", "windows-aarch64"] as const]])]]),
 * );
 * assertEquals(out.map((p) => p.marker), [undefined, 'cfg(os = "windows")', undefined]);
 * ```
 */
export function markPlatforms(
  packages: readonly LockedPackage[],
  rootIds: readonly string[],
  conditional: ReadonlyMap<string, ReadonlyMap<string, readonly Platform[]>>,
): LockedPackage[] {
  const reached = platformsReaching(packages, rootIds, conditional, PLATFORMS);
  return withoutUnreached(
    packages.map((p) => withMarker(p, reached.get(`${p.name} ${p.version}`))),
    reached,
  );
}

/**
 * The packages some platform reaches, with the edges to the others removed: a dependency's
 * platform table for platforms that never reach that dependency locks nothing.
 */
function withoutUnreached(
  packages: readonly LockedPackage[],
  reached: ReadonlyMap<string, ReadonlySet<Platform>>,
): LockedPackage[] {
  const kept = (id: string) => (reached.get(id)?.size ?? 0) > 0;
  return packages.filter((p) => kept(`${p.name} ${p.version}`))
    .map((p) =>
      p.dependencies.every(kept) ? p : { ...p, dependencies: p.dependencies.filter(kept) }
    );
}

/**
 * The platforms (of `platforms`) on which each locked package is reached from the root: the walk
 * of {@link markPlatforms}, one per platform, without writing markers.
 *
 * @param packages the locked packages
 * @param rootIds the ids (`"name version"`) the root depends on
 * @param conditional as in {@link markPlatforms}
 * @param platforms the platforms to walk for (a fork's; every platform by default)
 * @returns id (`"name version"`) → the platforms reaching it; an id no platform reaches is absent
 */
export function platformsReaching(
  packages: readonly LockedPackage[],
  rootIds: readonly string[],
  conditional: ReadonlyMap<string, ReadonlyMap<string, readonly Platform[]>>,
  platforms: readonly Platform[] = PLATFORMS,
): Map<string, Set<Platform>> {
  const byId = new Map(packages.map((p) => [`${p.name} ${p.version}`, p]));
  const reached = new Map<string, Set<Platform>>();
  for (const platform of platforms) {
    const holds = (from: string, to: string): boolean => {
      const only = conditional.get(from)?.get(to.slice(0, to.lastIndexOf(" ")));
      return only === undefined || only.includes(platform);
    };
    const seen = new Set<string>();
    const stack = rootIds.filter((id) => holds("", id));
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      for (const d of byId.get(id)?.dependencies ?? []) if (holds(id, d)) stack.push(d);
    }
    for (const id of seen) {
      const set = reached.get(id) ?? new Set<Platform>();
      set.add(platform);
      reached.set(id, set);
    }
  }
  return reached;
}

function withMarker(p: LockedPackage, platforms: ReadonlySet<Platform> | undefined): LockedPackage {
  const out: LockedPackage = { ...p };
  delete out.marker;
  const marker = platforms === undefined || platforms.size === 0
    ? undefined
    : formatMarker(platforms);
  if (marker !== undefined) out.marker = marker;
  return out;
}

/** One fork of a forked universal resolution: its platforms and what it locked. */
export interface PlatformFork {
  /** The fork's platforms (disjoint from every other fork's). */
  readonly platforms: readonly Platform[];
  /** The packages its resolution locked (markers ignored). */
  readonly packages: readonly LockedPackage[];
  /** id (`"name version"`) → the fork's platforms reaching it ({@link platformsReaching}). */
  readonly reached: ReadonlyMap<string, ReadonlySet<Platform>>;
}

/**
 * The one universal package list of a forked resolution (uv's fork merge): an entry several
 * forks locked at the same version is written once with the union of their platforms as its
 * marker and the union of their dependency edges (the forks prefer each other's versions, so
 * the edges rarely differ); a name locked at different versions in different forks gets one
 * entry per version, whose markers are disjoint because the forks' platforms are. The result
 * depends only on the forks' contents, not on the order they are given in or on the machine.
 *
 * @param forks the forks, each resolved and walked for its own platforms
 * @returns the merged packages, sorted by name then version text, with canonical markers
 *
 * @example
 * ```ts
 * import { mergePlatformForks } from "@mochi/pkg/lockfile";
 * import { deepEqual as assertEquals } from "node:assert/strict";
 * const pkg = (name: string, version: string) => ({
 *   name, version, source: "registry+file:///r/", capabilities: [], dependencies: [],
 * });
 * const win = ["windows-x86_64", "windows-aarch64"] as const;
 * const lin = ["linux-x86_64", "linux-aarch64"] as const;
 * const out = mergePlatformForks([
 *   { platforms: win, packages: [pkg("foo", "1.0.0")], reached: new Map([["foo 1.0.0", new Set(win)]]) },
 *   { platforms: lin, packages: [pkg("foo", "2.0.0")], reached: new Map([["foo 2.0.0", new Set(lin)]]) },
 * ]);
 * assertEquals(out.map((p) => `${p.name} ${p.version} ${p.marker}`), [
 *   'foo 1.0.0 cfg(os = "windows")',
 *   'foo 2.0.0 cfg(os = "linux")',
 * ]);
 * ```
 */
export function mergePlatformForks(forks: readonly PlatformFork[]): LockedPackage[] {
  const merged = new Map<string, { pkg: LockedPackage; deps: Set<string>; on: Set<Platform> }>();
  for (const fork of forks) {
    for (const p of fork.packages) {
      const id = `${p.name} ${p.version}`;
      const on = fork.reached.get(id);
      // What no platform of this fork reaches is not this fork's (nor are edges to it).
      if (on === undefined || on.size === 0) continue;
      const had = merged.get(id) ?? { pkg: p, deps: new Set<string>(), on: new Set<Platform>() };
      for (const d of p.dependencies) if ((fork.reached.get(d)?.size ?? 0) > 0) had.deps.add(d);
      for (const platform of on) had.on.add(platform);
      merged.set(id, had);
    }
  }
  return [...merged.values()]
    .map(({ pkg, deps, on }) => withMarker({ ...pkg, dependencies: [...deps].sort(byText) }, on))
    .sort((a, b) => byText(a.name, b.name) || byText(a.version, b.version));
}

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Whether a locked package is needed on a platform: no marker, or a marker that holds there.
 *
 * @param marker the entry's `marker` (canonical `cfg(…)`), or undefined
 * @param platform the platform
 * @returns whether install takes the entry
 *
 * @example
 * ```ts
 * import { markerHolds } from "@mochi/pkg/lockfile";
 * import { ok as assert } from "node:assert/strict";
 * assert(markerHolds('cfg(os = "macos")', "macos-aarch64"));
 * assert(!markerHolds('cfg(os = "macos")', "linux-x86_64"));
 * ```
 */
export function markerHolds(marker: string | undefined, platform: Platform): boolean {
  if (marker === undefined) return true;
  const parsed = parseCfg(marker);
  return "error" in parsed ? true : parsed.platforms.includes(platform);
}
