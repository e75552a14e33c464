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
 * @returns new package objects, in the same order
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
  const byId = new Map(packages.map((p) => [`${p.name} ${p.version}`, p]));
  const reached = new Map<string, Set<Platform>>();
  for (const platform of PLATFORMS) {
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
  return packages.map((p) => {
    const out: LockedPackage = { ...p };
    delete out.marker;
    const set = reached.get(`${p.name} ${p.version}`);
    const marker = set === undefined || set.size === 0 ? undefined : formatMarker(set);
    if (marker !== undefined) out.marker = marker;
    return out;
  });
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
