/**
 * `mochi remove <pkg>…` (alias `rm`): take dependencies (Mochi packages, and Rust crates of
 * `[targets.rust.ffi]`) out of `mochi.toml`, keeping every other
 * byte of it, then resolve again and update `mochi.lock` so that what only they needed leaves
 * it (cargo `remove`, uv `remove`). Every other locked version stays. `mochi.toml` is written
 * only once the resolution succeeded, then `mochi.lock`: a failed remove changes no file.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { removeDependencyFromText } from "../manifest/edit.ts";
import { writeFileAtomic } from "../store/fs/fs_atomic.ts";
import { type InstallOptions, type Project, readProject } from "./install.ts";
import { editedManifestOf, withEditedManifest } from "./project.ts";
import type { LockChange } from "./changes.ts";
import { relockProject, writeRelock } from "./relock.ts";
import { nearestNameHint } from "./update.ts";

/** Options of {@link removeDependencies}. */
export interface RemoveOptions extends InstallOptions {
  /** The dependencies to remove (at least one). */
  packages: readonly string[];
  /** `--no-lock`: only edit `mochi.toml`; leave `mochi.lock` alone. */
  noLock?: boolean;
}

/** What {@link removeDependencies} did. */
export interface RemoveReport {
  /**
   * Each removed name with the tables it left (`dependencies`, `dev-dependencies`,
   * `targets.rust.ffi`).
   */
  removed: { name: string; tables: string[] }[];
  /** Path of the manifest written. */
  manifestPath: string;
  /** Whether `mochi.lock` was resolved again (false with `noLock`). */
  relocked: boolean;
  /** Whether `mochi.lock` was written. */
  lockWritten: boolean;
  /** Path of `mochi.lock`. */
  lockPath: string;
  /** What changed in `mochi.lock`. */
  changes: LockChange[];
}

/**
 * Removes dependencies: see the module doc.
 *
 * @param options project, home, registry options; `packages`, `noLock`
 * @returns what was removed and what changed in the lock
 * @throws {MochiError} `PROJECT_E002` a name is not a dependency in mochi.toml (with the
 *   nearest one); `CLI_E001` no name given; `LOCK_E002` with `--locked`; the errors of
 *   {@link relockProject}. Nothing is written when it throws.
 */
export async function removeDependencies(options: RemoveOptions): Promise<RemoveReport> {
  const names = [...new Set(options.packages)];
  if (names.length === 0) {
    throw new MochiError("CLI_E001", "mochi remove needs at least one package", {
      hint: "mochi remove <pkg>...",
    });
  }
  const project = await readProject(options.projectDir);
  // In a workspace: the member of the directory the command runs in.
  const { manifestPath, manifest, workspace } = editedManifestOf(project, options.projectDir);
  const tablesOf: [string, readonly string[], ReadonlyMap<string, unknown>][] = [
    ["dependencies", ["dependencies"], manifest.dependencies],
    ["dev-dependencies", ["dev-dependencies"], manifest.devDependencies],
    ["targets.rust.ffi", ["targets", "rust", "ffi"], manifest.rustDependencies ?? new Map()],
  ];
  const declared = [...new Set(tablesOf.flatMap(([, , deps]) => [...deps.keys()]))].sort();
  for (const name of names) {
    if (declared.includes(name)) continue;
    throw new MochiError(
      "PROJECT_E002",
      `${name} is not a dependency in ${manifestPath}`,
      {
        hint: nearestNameHint(name, declared) ??
          (declared.length === 0
            ? "mochi.toml declares no dependencies"
            : `its dependencies: ${declared.join(", ")}`),
        file: manifestPath,
      },
    );
  }
  let text = await Deno.readTextFile(manifestPath);
  const removed: RemoveReport["removed"] = [];
  for (const name of names) {
    const tables: string[] = [];
    for (const [label, table, deps] of tablesOf) {
      if (!deps.has(name)) continue;
      text = removeDependencyFromText(text, name, {
        file: manifestPath,
        table,
        ...(workspace !== undefined ? { workspace } : {}),
      });
      tables.push(label);
    }
    removed.push({ name, tables });
  }
  const base = { removed, manifestPath, lockPath: project.lockPath };
  if (options.noLock) {
    await writeFileAtomic(manifestPath, new TextEncoder().encode(text));
    return { ...base, relocked: false, lockWritten: false, changes: [] };
  }
  const edited: Project = await withEditedManifest(project, manifestPath, text);
  const relock = await relockProject(edited, options);
  await writeFileAtomic(manifestPath, new TextEncoder().encode(text));
  const lockWritten = await writeRelock(edited, relock);
  return { ...base, relocked: true, lockWritten, changes: relock.changes };
}
