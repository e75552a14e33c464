/**
 * `mochi update [<pkg>…] [--precise <version>] [--dry-run]` and `mochi lock --upgrade <pkg>…`,
 * with cargo's meaning (`cargo update -p`): without names every locked package may move to the
 * newest version the requirements allow; with names, only those packages lose their locked
 * version, every other package keeps its own unless it must move for them. `--precise` sets one
 * package to an exact version (up or down). Nothing is fetched; `mochi.lock` is written last
 * (never with `dryRun`).
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { typoDistance } from "../manifest/similar_names.ts";
import { parseVersion } from "../semver/mod.ts";
import { type InstallOptions, readProject } from "./install.ts";
import type { LockChange } from "./changes.ts";
import { relockProject, writeRelock } from "./relock.ts";

/** Options of {@link updateLock}. */
export interface UpdateOptions extends InstallOptions {
  /** The packages to update; empty or absent: every package (and every Rust crate). */
  packages?: readonly string[];
  /** `--precise <version>`: the exact version the one named package must take. */
  precise?: string;
  /** `--dry-run`: compute and report, write nothing. */
  dryRun?: boolean;
}

/** What {@link updateLock} did (or, with `dryRun`, would do). */
export interface UpdateReport {
  /** Version changes, packages then crates ({@link LockChange}). */
  changes: LockChange[];
  /** Whether `mochi.lock` was written. */
  written: boolean;
  /** Whether this was a dry run. */
  dryRun: boolean;
  /** Path of `mochi.lock`. */
  lockPath: string;
  /** Packages in the new lock. */
  packages: number;
  /** `[[rust-package]]` entries in the new lock. */
  crates: number;
  /** Solver time in milliseconds. */
  solveMs: number;
}

/**
 * A "did you mean" hint for a name among `candidates`, when one is near: Damerau–Levenshtein
 * distance ({@link typoDistance}, a swap of two letters costs 1) at most a third of the name,
 * and at least 1 (cargo's rule for suggestions).
 *
 * @param name the name given
 * @param candidates the valid names
 * @returns `did you mean "x"?`, or undefined when none is near
 */
export function nearestNameHint(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = typoDistance(name, c);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(name.length / 3))
    ? `did you mean "${best}"?`
    : undefined;
}

/**
 * Updates `mochi.lock`: see the module doc.
 *
 * @param options project, home, registry and flags; `packages`, `precise`, `dryRun`
 * @returns the {@link UpdateReport}
 * @throws {MochiError} `PROJECT_E003` a named package is not in mochi.lock (with the nearest
 *   locked name); `CLI_E001` `precise` without exactly one package, or a Rust crate named (one
 *   crate cannot be updated alone yet); `SEMVER_E001` a bad `precise`; `SOLVER_E002` when the
 *   requirements (or `precise`) cannot be met; `LOCK_E002` with `--locked`/`--frozen`; the
 *   errors of {@link relockProject}
 *
 * @example
 * ```ts
 * import { nearestNameHint } from "./update.ts";
 * if (nearestNameHint("sered", ["serde", "rand"]) !== 'did you mean "serde"?') throw new Error();
 * ```
 */
export async function updateLock(options: UpdateOptions): Promise<UpdateReport> {
  const names = [...new Set(options.packages ?? [])];
  const project = await readProject(options.projectDir);
  const lock = project.lock;
  if (options.precise !== undefined && names.length !== 1) {
    throw new MochiError("CLI_E001", "--precise needs exactly one package", {
      hint: "mochi update <pkg> --precise <version>",
    });
  }
  if (options.precise !== undefined) parseVersion(options.precise);
  const lockedNames = [...new Set((lock?.packages ?? []).map((p) => p.name))].sort();
  const crateNames = new Set((lock?.rustPackages ?? []).map((c) => c.name));
  for (const name of names) {
    if (lockedNames.includes(name)) continue;
    if (crateNames.has(name)) {
      throw new MochiError(
        "CLI_E001",
        `${name} is a Rust crate; mochi update updates one Mochi package at a time, and Rust crates all together`,
        { hint: "run mochi update without names to update every crate within its requirement" },
      );
    }
    const near = nearestNameHint(name, lockedNames);
    throw new MochiError(
      "PROJECT_E003",
      lock === undefined
        ? `cannot update ${name}: there is no mochi.lock in ${project.dir}`
        : `cannot update ${name}: mochi.lock has no package named ${name}`,
      {
        hint: lock === undefined
          ? "run mochi lock (or mochi install) first"
          : near ?? "mochi tree lists the locked packages",
        file: project.lockPath,
      },
    );
  }
  const relock = await relockProject(project, {
    ...options,
    ...(names.length === 0 ? { upgrade: true, freshCrates: true } : { unlock: names }),
    ...(options.precise !== undefined ? { pins: new Map([[names[0]!, options.precise]]) } : {}),
  });
  const dryRun = options.dryRun === true;
  const written = dryRun ? false : await writeRelock(project, relock);
  return {
    changes: relock.changes,
    written,
    dryRun,
    lockPath: project.lockPath,
    packages: relock.lock.packages.length,
    crates: relock.lock.rustPackages?.length ?? 0,
    solveMs: relock.solveMs,
  };
}
