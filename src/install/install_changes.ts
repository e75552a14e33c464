/**
 * `mochi install` with what it changed in `mochi.lock` (uv prints `+`/`-`/`~` lines after a
 * sync): the lock is read before and after {@link install}, and the version changes between the
 * two are returned with the install's report.
 *
 * @module
 */
import { type Lockfile, parseLockfile } from "../lockfile/mod.ts";
import { install, type InstallOptions, type InstallReport } from "./install.ts";
import { type LockChange, lockChanges } from "./changes.ts";

async function readLockQuietly(path: string): Promise<Lockfile | undefined> {
  try {
    return parseLockfile(await Deno.readTextFile(path), path);
  } catch {
    // No lock, or one install will replace (conflict markers, a newer format): every entry of
    // the new lock counts as added.
    return undefined;
  }
}

/**
 * Runs {@link install} and reports the lock's version changes too.
 *
 * @param options as {@link install}
 * @returns the install's report and the changes ({@link lockChanges}); empty when the lock was
 *   kept
 * @throws the errors of {@link install}
 */
export async function installWithChanges(
  options: InstallOptions,
): Promise<InstallReport & { changes: LockChange[] }> {
  const lockPath = `${options.projectDir}/mochi.lock`;
  const before = await readLockQuietly(lockPath);
  const report = await install(options);
  if (!report.lockChanged) return { ...report, changes: [] };
  const after = await readLockQuietly(report.lockPath);
  return { ...report, changes: after === undefined ? [] : lockChanges(before, after) };
}
