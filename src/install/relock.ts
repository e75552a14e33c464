/**
 * Re-resolving a project's `mochi.lock` for the commands that edit what is locked: `mochi add`,
 * `mochi remove` and `mochi update` (and `mochi lock --upgrade <pkg>`). Every locked version
 * stays preferred except the ones the command unlocks, so only what the command is about, and
 * what must move with it, changes (cargo's conservative update; uv's `add`/`remove` relock).
 *
 * Decide first, then act: {@link relockProject} computes the new lock and its changes without
 * writing; {@link writeRelock} writes it.
 *
 * @module
 */
import { formatLockfile, type Lockfile } from "../lockfile/mod.ts";
import type { NewCapability } from "../capability/mod.ts";
import {
  type InstallOptions,
  lockGoStep,
  lockPythonStep,
  openProjectSources,
  type Project,
  sourceOptions,
  storedGitArchive,
  withPython,
  writeLockfile,
} from "./install.ts";
import { mochiHomeLayout } from "../store/fs/home.ts";
import { resolveProject } from "./resolve.ts";
import { lockCrates, rustRequirementsOf } from "./rust.ts";
import { scanImportLines } from "./source_scan.ts";
import { refusePublisherChanges } from "./signatures.ts";
import { formatLockChange, type LockChange, lockChanges } from "./changes.ts";
import { lockWouldChange, NOT_CANONICAL } from "./decision.ts";

/** The lock a command would write, computed before anything is written. */
export interface Relock {
  /** The new lockfile. */
  lock: Lockfile;
  /** Its canonical text. */
  text: string;
  /** Whether the text differs from `mochi.lock` on disk. */
  changed: boolean;
  /** Version changes against the lock on disk ({@link lockChanges}). */
  changes: LockChange[];
  /** Newly required capabilities accepted with `--accept-capabilities`. */
  accepted: NewCapability[];
  /** Solver time in milliseconds. */
  solveMs: number;
}

/**
 * Resolves a project (possibly with an edited manifest not yet on disk) into the lock it would
 * get: Mochi packages through the registries, Rust crates through the cargo index.
 *
 * @param project the project; its `manifest` and `manifestHash` may be the edited ones, its
 *   `lock` is the lock on disk
 * @param options the command's options; `unlock`/`pins` say which packages may move
 *   (`upgrade` lets every one move); `freshCrates` re-resolves the Rust crates too;
 *   `cratePreferences` re-resolves them trying these versions first (crate name → version)
 * @returns the {@link Relock}
 * @throws {MochiError} `SOLVER_E002`/`CAP_E001` unsolvable (with the report); `LOCK_E006`
 *   ({@link CapabilityGateError}); `SIG_E008` a publisher changed; `LOCK_E002` when
 *   `--locked`/`--frozen` and the lock would change; registry and index errors
 */
export async function relockProject(
  project: Project,
  options: InstallOptions & {
    freshCrates?: boolean;
    cratePreferences?: ReadonlyMap<string, string>;
  },
): Promise<Relock> {
  const offline = options.offline || options.frozen || false;
  const sources = openProjectSources(project, sourceOptions(project, options));
  // One walk of the .mochi sources; every bridge reads its import lines from it.
  const importScan = await scanImportLines(project.dir);
  const rustRequirements = await rustRequirementsOf(project, importScan);
  const resolved = await resolveProject(project, sources, options.onProgress, {
    ...options,
    offline,
    cachedArchive: storedGitArchive(mochiHomeLayout(options.mochiHome).store),
  });
  const rust = await lockCrates(project, rustRequirements, {
    ...options,
    offline,
    fresh: options.freshCrates === true,
    prefer: options.cratePreferences,
  });
  const python = await lockPythonStep(project, importScan, { ...options, offline });
  const go = await lockGoStep(project, importScan, { ...options, offline });
  const lock: Lockfile = withPython({ ...resolved.lock }, python);
  delete lock.rustPackages;
  if (rust.crates.length > 0) lock.rustPackages = rust.crates;
  delete lock.goPackages;
  if (go.modules.length > 0) lock.goPackages = go.modules;
  refusePublisherChanges(project.lock, lock, new Set(options.acceptPublishers ?? []));
  const text = formatLockfile(lock);
  const changed = text !== project.lockText;
  if (changed && (options.locked || options.frozen)) {
    const changes = lockChanges(project.lock, lock);
    throw lockWouldChange(
      project.lockPath,
      changes.length > 0
        ? `${changes.length} change(s), first ${formatLockChange(changes[0]!)}`
        : NOT_CANONICAL,
      "or --no-lock to leave the lock alone",
    );
  }
  return {
    lock,
    text,
    changed,
    changes: lockChanges(project.lock, lock),
    accepted: resolved.accepted,
    solveMs: resolved.solveMs,
  };
}

/**
 * Writes a {@link Relock}'s lock when it changed (temp file, fsync, rename, under the
 * manifest's file lock).
 *
 * @param project the project
 * @param relock what {@link relockProject} returned
 * @returns whether `mochi.lock` was written
 */
export async function writeRelock(project: Project, relock: Relock): Promise<boolean> {
  if (!relock.changed) return false;
  await writeLockfile(project, relock.text);
  return true;
}
