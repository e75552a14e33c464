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
import { MAX_LOCK_BYTES } from "./project.ts";

/** The lock's text, or undefined when there is none or it is over the lock cap. */
async function readLockText(path: string): Promise<string | undefined> {
  try {
    if ((await Deno.lstat(path)).size > MAX_LOCK_BYTES) return undefined;
    return await Deno.readTextFile(path);
  } catch {
    return undefined;
  }
}

function parseQuietly(text: string | undefined, path: string): Lockfile | undefined {
  if (text === undefined) return undefined;
  try {
    return parseLockfile(text, path);
  } catch {
    // One install replaced (conflict markers, a newer format): every entry of the new lock
    // counts as added.
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
  // Only the text is read before: a no-op install (the lock kept) parses nothing more.
  const beforeText = await readLockText(lockPath);
  const report = await install(options);
  // A merged conflict reports its own choices (`report.merge`).
  if (!report.lockChanged || report.merge !== undefined) return { ...report, changes: [] };
  const before = parseQuietly(beforeText, lockPath);
  const after = parseQuietly(await readLockText(report.lockPath), report.lockPath);
  return { ...report, changes: after === undefined ? [] : lockChanges(before, after) };
}
