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
