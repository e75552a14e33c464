/**
 * "Does this lock still satisfy the manifest?" — the cheap check `install` runs before deciding to
 * re-resolve, and `--locked` runs before failing (cargo's `--locked`, the cargo book "cargo
 * build").
 *
 * @module
 */

import type { Dependency, Manifest } from "../manifest/types.ts";
import { parseRequirement, satisfies, tryParseVersion } from "../semver/mod.ts";
import { compareText } from "./format.ts";
import type { Lockfile } from "./types.ts";

/** The answer of {@link lockSatisfiesManifest}: ok, or the first reason it is not. */
export type LockCheck = { ok: true } | { ok: false; reason: string };

/**
 * Checks that a lock can be used for a manifest without re-resolving:
 * 1. `lock.manifestHash` equals `manifestHash` (the manifest did not change);
 * 2. every direct dependency that is in effect (`[dependencies]` and `[dev-dependencies]`;
 *    an optional one only when the `default` feature enables it) has a locked package of that
 *    name, and, when the entry gives a `version`, one whose version satisfies the requirement
 *    (path, git and `workspace = true` entries without `version` need only the name);
 * 3. the locked graph is closed: every `"name version"` in a package's `dependencies` is itself
 *    locked.
 *
 * Checks run in that order, dependencies sorted by name, so the reason is deterministic.
 *
 * @param lock a parsed lockfile
 * @param manifest the parsed manifest
 * @param manifestHash `computeManifestHash(manifest)`
 * @returns `{ ok: true }` or `{ ok: false, reason }` with a one-line reason naming the package
 */
export function lockSatisfiesManifest(
  lock: Lockfile,
  manifest: Manifest,
  manifestHash: string,
): LockCheck {
  if (lock.manifestHash !== manifestHash) {
    return {
      ok: false,
      reason:
        `manifest_hash differs (lock ${lock.manifestHash}, manifest ${manifestHash}): mochi.toml changed since the lock was written`,
    };
  }
  const byName = new Map<string, string[]>();
  for (const p of lock.packages) {
    const list = byName.get(p.name) ?? [];
    list.push(p.version);
    byName.set(p.name, list);
  }
  const enabled = enabledOptionalDependencies(manifest);
  const direct: [string, Dependency][] = [
    ...[...manifest.dependencies].map(([n, d]) =>
      [`[dependencies] ${n}`, d] as [string, Dependency]
    ),
    ...[...manifest.devDependencies].map(([n, d]) =>
      [`[dev-dependencies] ${n}`, d] as [string, Dependency]
    ),
  ].sort((a, b) => compareText(a[1].name, b[1].name) || compareText(a[0], b[0]));
  for (const [where, dep] of direct) {
    if (dep.optional && !enabled.has(dep.name)) continue;
    const versions = byName.get(dep.name);
    if (versions === undefined) {
      return { ok: false, reason: `${where} is not in the lock` };
    }
    if (!dep.versionGiven) continue;
    const req = parseRequirement(dep.requirement);
    const fits = versions.some((v) => {
      const parsed = tryParseVersion(v);
      return parsed !== undefined && satisfies(parsed, req);
    });
    if (!fits) {
      return {
        ok: false,
        reason: `${where} requires "${dep.requirement}" but the lock has ${dep.name} ${
          versions.join(", ")
        }`,
      };
    }
  }
  const ids = new Set(lock.packages.map((p) => `${p.name} ${p.version}`));
  const sorted = [...lock.packages].sort((a, b) =>
    compareText(a.name, b.name) || compareText(a.version, b.version)
  );
  for (const p of sorted) {
    for (const d of [...p.dependencies].sort(compareText)) {
      if (!ids.has(d)) {
        return {
          ok: false,
          reason: `${p.name} ${p.version} depends on ${d}, which is not in the lock`,
        };
      }
    }
  }
  return { ok: true };
}

/**
 * The optional dependencies the manifest's `default` feature turns on, following cargo's
 * feature syntax: `"feat"` (another feature), `"dep:name"`, `"name"` (an optional dependency's
 * implicit feature), `"name/feat"` (enables `name`); `"name?/feat"` does not enable `name`.
 *
 * @param manifest the parsed manifest
 * @returns names of optional dependencies that are enabled by default
 */
export function enabledOptionalDependencies(manifest: Manifest): Set<string> {
  const optional = new Set(
    [...manifest.dependencies.values(), ...manifest.devDependencies.values()]
      .filter((d) => d.optional).map((d) => d.name),
  );
  const enabled = new Set<string>();
  const visited = new Set<string>();
  const features = manifest.features;
  const visit = (feature: string) => {
    if (visited.has(feature) || !Object.hasOwn(features, feature)) return;
    visited.add(feature);
    for (const entry of features[feature]!) {
      if (entry.startsWith("dep:")) {
        enabled.add(entry.slice(4));
        continue;
      }
      const slashes = entry.split("/").length - 1;
      if (entry.startsWith("@") ? slashes >= 2 : slashes >= 1) {
        // "name/feat" or "@scope/name/feat"; "name?/feat" is weak and enables nothing.
        const dep = entry.slice(0, entry.lastIndexOf("/"));
        if (!dep.endsWith("?")) enabled.add(dep);
        continue;
      }
      if (optional.has(entry)) enabled.add(entry);
      else visit(entry);
    }
  };
  visit("default");
  return enabled;
}
