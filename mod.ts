/**
 * mochi pkg: the package manager of the Mochi language, as a Deno library.
 *
 * The root exports what a program driving mochi pkg needs first: the manifest and the lockfile,
 * the install pipeline (`mochi install`, `mochi lock`, `mochi add`, `mochi update` as functions),
 * capabilities, the store, the registry client and the error catalogue. Each part has its own entry point with the rest of its API;
 * importing one loads only what it needs (`@mochi/pkg/semver` does not load the archive or
 * Sigstore libraries):
 *
 * | entry point               | what it holds                                                     |
 * | ------------------------- | ----------------------------------------------------------------- |
 * | `@mochi/pkg/semver`       | versions, requirements, the version-set algebra                   |
 * | `@mochi/pkg/solver`       | the PubGrub solver, the dependency-provider port, failure reports |
 * | `@mochi/pkg/manifest`     | `mochi.toml`: strict reading with positions, names, in-place edits |
 * | `@mochi/pkg/lockfile`     | `mochi.lock`: the canonical writer and reader                     |
 * | `@mochi/pkg/registry`     | index records, the registry client, the cargo index client, the server |
 * | `@mochi/pkg/store`        | digests, archives, the on-disk store and its lock                 |
 * | `@mochi/pkg/trust`        | Sigstore verification, signed snapshots, publisher bindings       |
 * | `@mochi/pkg/publish`      | pack, sign, upload, yank; the registry's publish rules            |
 * | `@mochi/pkg/lowering`     | capabilities lowered to Deno permissions and other targets        |
 * | `@mochi/pkg/rust`         | cargo's rules: crate index files, features, crate resolution      |
 * | `@mochi/pkg/go`           | Go's module rules, h1 hashes, signed notes, the checksum log, MVS |
 * | `@mochi/pkg/python`       | PEP 440, Python requirements, index pages, resolution             |
 * | `@mochi/pkg/cli`          | the `mochi` command line                                          |
 *
 * Errors are {@link MochiError}s with a stable code from one catalogue (docs/errors.md) and an
 * exit status ({@link exitStatusOf}).
 *
 * @example Read a manifest
 * ```ts
 * import { parseManifest } from "@mochi/pkg";
 * import assert from "node:assert/strict";
 *
 * const { manifest } = parseManifest(
 *   '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2026"\nmochi = ">=0.7"\n',
 * );
 * assert.equal(manifest.package.name, "app");
 * ```
 *
 * @example Resolve a dependency graph (the solver's own entry point)
 * ```ts
 * import { OfflineDependencyProvider, solve } from "@mochi/pkg/solver";
 * import assert from "node:assert/strict";
 *
 * const p = new OfflineDependencyProvider();
 * p.add("a", "1.0.0", { b: "^1" });
 * p.add("b", "1.2.0", {});
 * p.add("b", "2.0.0", {});
 * const picked = await solve(p, { name: "root", version: "0.1.0", dependencies: { a: "1" } });
 * assert.equal(picked.get("b"), "1.2.0");
 * ```
 *
 * @example Versions and requirements in cargo's grammar (the semver entry point)
 * ```ts
 * import { parseRequirement, parseVersion, satisfies } from "@mochi/pkg/semver";
 * import assert from "node:assert/strict";
 *
 * assert.equal(satisfies(parseVersion("1.4.2"), parseRequirement("^1.2")), true);
 * assert.equal(satisfies(parseVersion("2.0.0"), parseRequirement("^1.2")), false);
 * ```
 *
 * @module
 */
export {
  ERROR_CATALOGUE,
  type ErrorCode,
  type ExitStatus,
  exitStatusOf,
  MochiError,
} from "./src/errors.ts";
export { type Manifest, parseManifest } from "./src/manifest/mod.ts";
export { formatLockfile, type Lockfile, parseLockfile } from "./src/lockfile/mod.ts";
export {
  addDependency,
  type AddOptions,
  type AddReport,
  install,
  type InstallEvent,
  type InstallLimits,
  type InstallOptions,
  type InstallPhase,
  type InstallReport,
  lock,
  type LockChange,
  type LockReport,
  updateLock,
  type UpdateOptions,
  type UpdateReport,
} from "./src/install/mod.ts";
export {
  type Capability,
  capabilityCovers,
  type NewCapability,
  parseCapability,
} from "./src/capability/mod.ts";
export { FsStore } from "./src/store/mod.ts";
export { openRegistry } from "./src/registry/mod.ts";

// `deno run -A jsr:@mochi/pkg <command>` (or `deno run -A mod.ts <command>`) runs the CLI; importing
// this module runs nothing and loads no CLI code.
if (import.meta.main) {
  import("./cli.ts").then(async ({ main }) => Deno.exit(await main(Deno.args)));
}
