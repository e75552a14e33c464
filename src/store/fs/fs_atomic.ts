/**
 * Crash-safe file writes: temp file in the same directory, fsync, rename over the target, fsync
 * the directory (uv `uv_fs::write_atomic`, cargo's lockfile writes). A reader
 * sees either the old bytes or the new bytes, never a torn file; a failed write leaves no temp
 * file behind.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";

/** Options of {@link writeFileAtomic}. */
export interface WriteAtomicOptions {
  /** Permission bits of the new file (default 0o644, before the umask). */
  mode?: number;
  /** Called after the temp file is written and synced, just before the rename (fault tests). */
  beforeRename?: () => void;
  /**
   * `false` skips both fsyncs: the rename still makes the new file appear whole to readers, but
   * a power cut may leave it empty or short. Only for caches that are checked when read and can
   * be fetched again (the index cache, as cargo writes its own). Default `true`.
   */
  durable?: boolean;
}

/**
 * A fresh temp path next to `path` (same directory, so the rename stays on one filesystem):
 * `.<name>.<random>.tmp`.
 *
 * @param path the final path
 * @returns the temp path
 */
export function tempPathBeside(path: string): string {
  const rand = crypto.randomUUID().slice(0, 8);
  return join(dirname(path), `.${basename(path)}.${rand}.tmp`);
}

/**
 * fsync a directory so a rename inside it survives a power cut. Best effort: some platforms
 * (Windows) and filesystems cannot open or sync a directory; those errors are ignored.
 *
 * @param dir the directory
 */
export async function fsyncDir(dir: string): Promise<void> {
  let f: Deno.FsFile | undefined;
  try {
    f = await Deno.open(dir, { read: true });
    await f.sync();
  } catch {
    // best effort
  } finally {
    f?.close();
  }
}

/**
 * Remove a path, ignoring "not found".
 *
 * @param path file or directory (directories recursively)
 */
export async function removeIfExists(path: string): Promise<void> {
  try {
    await Deno.remove(path, { recursive: true });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

/**
 * Write `bytes` to `path` atomically: temp file beside it (created exclusively), write, fsync,
 * close, rename over `path`, fsync the directory (best effort). The temp file is removed when
 * any step fails.
 *
 * @param path destination; its directory must exist
 * @param bytes the whole new contents
 * @param options `mode` of the new file; `durable: false` skips the fsyncs (caches only)
 * @throws the underlying `Deno.errors.*` (e.g. `NotFound` for a missing directory,
 * `PermissionDenied`)
 */
export async function writeFileAtomic(
  path: string,
  bytes: Uint8Array,
  options: WriteAtomicOptions = {},
): Promise<void> {
  const tmp = tempPathBeside(path);
  let file: Deno.FsFile | undefined;
  try {
    file = await Deno.open(tmp, { write: true, createNew: true, mode: options.mode ?? 0o644 });
    let off = 0;
    while (off < bytes.length) off += await file.write(bytes.subarray(off));
    if (options.durable !== false) await file.sync();
    file.close();
    file = undefined;
    options.beforeRename?.();
    await Deno.rename(tmp, path);
  } catch (e) {
    try {
      file?.close();
    } catch {
      // already closed
    }
    await removeIfExists(tmp).catch(() => {});
    throw e;
  }
  if (options.durable !== false) await fsyncDir(dirname(path));
}
