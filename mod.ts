/**
 * mochi pkg: the package manager of the Mochi language, as a Deno library.
 *
 * The root exports what a program driving mochi pkg needs first: the install pipeline
 * (`mochi install`, `mochi lock`, `mochi add`, `mochi update` as functions, loaded on first call)
 * and the error catalogue, with the types of the manifest, the lockfile and capabilities. Reading
 * and writing those files is in `@mochi/pkg/manifest` and `@mochi/pkg/lockfile`, capabilities in
 * `@mochi/pkg/capability`. The root loads little, because `deno run -A jsr:@mochi/pkg <command>`
 * enters the CLI through it. Each part has its own entry point with the rest of its API;
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
 * | `@mochi/pkg/capability`   | the closed capability set, scopes, pins and the update gate       |
 * | `@mochi/pkg/lowering`     | capabilities lowered to Deno permissions and other targets        |
 * | `@mochi/pkg/rust`         | cargo's rules: crate index files, features, crate resolution      |
 * | `@mochi/pkg/go`           | Go's module rules, h1 hashes, signed notes, the checksum log, MVS |
 * | `@mochi/pkg/python`       | PEP 440, Python requirements, index pages, resolution             |
 * | `@mochi/pkg/cli`          | the `mochi` command line                                          |
 *
 * Errors are {@link MochiError}s with a stable code from one catalogue (docs/errors.md) and an
 * exit status ({@link exitStatusOf}).
 *
 * @example Errors carry a catalogue code and an exit status (capabilities from their entry point)
 * ```ts
 * import { exitStatusOf, MochiError } from "@mochi/pkg";
 * import { capabilityCovers } from "@mochi/pkg/capability";
 * import assert from "node:assert/strict";
 *
 * assert.equal(capabilityCovers("fs.read", "fs.read:/data"), true);
 * assert.equal(capabilityCovers("fs.read:/data", "fs.read"), false);
 * try {
 *   capabilityCovers("fs.read", "not a capability");
 *   assert.fail("expected CAP_E003");
 * } catch (e) {
 *   assert.ok(e instanceof MochiError);
 *   assert.equal(e.code, "CAP_E003");
 *   assert.equal(typeof exitStatusOf(e), "number");
 * }
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
import type {
  AddOptions,
  AddReport,
  InstallOptions,
  InstallReport,
  LockReport,
  UpdateOptions,
  UpdateReport,
} from "./src/install/mod.ts";

export {
  ERROR_CATALOGUE,
  type ErrorCode,
  type ExitStatus,
  exitStatusOf,
  MochiError,
} from "./src/errors.ts";
export type { Manifest } from "./src/manifest/mod.ts";
export type { Lockfile } from "./src/lockfile/mod.ts";
export type { Capability, NewCapability } from "./src/capability/mod.ts";
export type {
  AddOptions,
  AddReport,
  InstallEvent,
  InstallLimits,
  InstallOptions,
  InstallPhase,
  InstallReport,
  LockChange,
  LockReport,
  UpdateOptions,
  UpdateReport,
} from "./src/install/mod.ts";

// The install pipeline, the store and the registry clients load on the first call, not when the
// root is imported: `deno run -A jsr:@mochi/pkg <command>` goes through this module, so its static
// graph stays as small as `cli.ts`'s (tests/startup_graph_test.ts).
const pipeline = () => import("./src/install/mod.ts");

/**
 * Installs a project (`mochi install`): reads `mochi.toml` and `mochi.lock`, decides a plan
 * (resolve only when the lock no longer satisfies the manifest), fetches and verifies every blob
 * into the store, extracts, and writes the lock. Loads the install pipeline on first use.
 *
 * @param options project, home, registry and cargo-style flags (`locked`, `offline`, `frozen`)
 * @returns what happened ({@link InstallReport})
 * @throws {MochiError} LOCK_E002 when `locked`/`frozen` and the lockfile would change;
 *   SOURCE_E002, BLOB_E009, LOCK_E008 when a reused lock disagrees with the configuration or the
 *   index; BLOB_E001 (exit 4) when a blob does not match its digests; BLOB_E007 offline and
 *   missing; INDEX_*, SOLVER_*, MANIFEST_* otherwise (docs/errors.md)
 */
export async function install(options: InstallOptions): Promise<InstallReport> {
  return (await pipeline()).install(options);
}

/**
 * Resolves and writes `mochi.lock` without fetching blobs (`mochi lock`), or, with `check`,
 * compares what resolution gives with the lock on disk and writes nothing
 * (`mochi lock --check`). Loads the install pipeline on first use.
 *
 * @param options project, home, registry and flags; `check` compares only
 * @returns a {@link LockReport}
 * @throws {MochiError} LOCK_E002 when `locked` and the lockfile would change
 */
export async function lock(options: InstallOptions & { check?: boolean }): Promise<LockReport> {
  return (await pipeline()).lock(options);
}

/**
 * Adds a dependency to `mochi.toml` and the lock (`mochi add`), editing the manifest in place
 * (comments and order kept) only after resolution succeeds. Loads the install pipeline on first
 * use.
 *
 * @param options the spec (`name`, `name@requirement`), the project and flags
 * @returns the {@link AddReport}
 * @throws {MochiError} MANIFEST_E003/SEMVER_E002 a bad spec; INDEX_E002 no configured registry
 *   has the package; PROJECT_E001 no published version meets the requirement; SOLVER_E002 the
 *   project cannot be resolved with the new entry. Nothing is written when it throws.
 */
export async function addDependency(options: AddOptions): Promise<AddReport> {
  return (await pipeline()).addDependency(options);
}

/**
 * Moves locked packages to newer versions their requirements allow (`mochi update`), all of them
 * or the named ones and what must move with them. Loads the install pipeline on first use.
 *
 * @param options the project, the packages to move, `precise`, flags
 * @returns the {@link UpdateReport}
 * @throws {MochiError} PROJECT_E003 a named package is not in mochi.lock; CLI_E001 `precise`
 *   without exactly one package; SOLVER_E002 when the requirements (or `precise`) cannot be met;
 *   LOCK_E002 with `locked`/`frozen`
 */
export async function updateLock(options: UpdateOptions): Promise<UpdateReport> {
  return (await pipeline()).updateLock(options);
}

// `deno run -A jsr:@mochi/pkg <command>` (or `deno run -A mod.ts <command>`) runs the CLI; importing
// this module runs nothing and loads no CLI code.
if (import.meta.main) {
  import("./cli.ts").then(async ({ main }) => Deno.exit(await main(Deno.args)));
}
