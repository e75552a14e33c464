/**
 * The dependency tables of a manifest, taken together (pure).
 *
 * @module
 */
import type { Dependency, Manifest } from "./types.ts";

/**
 * Every dependency table of a manifest, in file order: `[dependencies]`, then (with `dev`)
 * `[dev-dependencies]`, then each `[target.'cfg(…)']` table's `dependencies` (and, with `dev`, its
 * `dev-dependencies`). A universal lock resolves them all, whatever platform reads them.
 *
 * @param manifest the parsed manifest (only its dependency tables are read)
 * @param options `dev`: include the dev-dependency tables (default true)
 * @returns the tables, keyed by dependency name as in the manifest
 *
 * @example
 * ```ts
 * import { dependencyTables, parseManifest } from "@mochi/pkg/manifest";
 * import { deepEqual as assertEquals } from "node:assert/strict";
 * const { manifest } = parseManifest(
 *   '[package]\nname = "app"\nversion = "1.0.0"\nedition = "2026"\nmochi = ">=0.7"\n' +
 *     '[dependencies]\njson = "1"\n[dev-dependencies]\nprobe = "1"\n' +
 *     "[target.'cfg(os = \"windows\")'.dependencies]\nwinio = \"1\"\n",
 * );
 * assertEquals(dependencyTables(manifest).map((t) => [...t.keys()]), [
 *   ["json"], ["probe"], ["winio"], [],
 * ]);
 * assertEquals(dependencyTables(manifest, { dev: false }).map((t) => [...t.keys()]), [
 *   ["json"], ["winio"],
 * ]);
 * ```
 */
export function dependencyTables(
  manifest: Pick<Manifest, "dependencies" | "devDependencies" | "platformDependencies">,
  options: { dev?: boolean } = {},
): Map<string, Dependency>[] {
  const dev = options.dev ?? true;
  return [
    manifest.dependencies,
    ...(dev ? [manifest.devDependencies] : []),
    ...(manifest.platformDependencies ?? []).flatMap((t) =>
      dev ? [t.dependencies, t.devDependencies] : [t.dependencies]
    ),
  ];
}
