/**
 * What a no-op install re-checks in the store without reading whole trees: the `lstat` stamp of
 * an extracted tree (git's index trick: size, mode, inode, mtime and ctime of every entry, hashed;
 * entries changed within {@link RACY_STAMP_MS} are "racily clean" and get no stamp) and the
 * interval within which a blob's last-use record (its mtime) is fresh enough to leave alone.
 *
 * Used by `FsStore` and by the CLI's no-op fast path (`src/cli/noop.ts`), which must load little:
 * this module imports nothing (its SHA-256 is WebCrypto's, native: nothing to load or compile).
 *
 * @module
 */

/**
 * SHA-256 through WebCrypto (native; no library to load, which matters on a no-op's start).
 *
 * @param data bytes, or a string as UTF-8
 * @returns 64 lowercase hex digits
 */
export async function webSha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  return hexOf(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource)));
}

/**
 * Lowercase hex of bytes.
 *
 * @param bytes the bytes
 * @returns two hex digits per byte
 */
export function hexOf(bytes: Uint8Array): string {
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return hex;
}

/**
 * How stale a blob's last-use record (its mtime) may get before `FsStore.touch` writes it
 * again: 10 minutes, in milliseconds. `mochi cache prune --older-than` is exact to within this.
 */
export const TOUCH_INTERVAL_MS: number = 10 * 60 * 1000;

/** How recent a change makes a tree entry "racily clean" (no stamp is recorded), in ms. */
export const RACY_STAMP_MS = 3000;

/** One entry of a tree on disk, with its `lstat`. */
export interface DiskTreeEntry {
  /** Path relative to the tree's root, `/`-separated. */
  path: string;
  /** The path on disk. */
  full: string;
  /** What it is (a tree holds nothing else). */
  type: "file" | "directory";
  /** Its `lstat`, read during the walk. */
  st: Deno.FileInfo;
}

/**
 * The entries of a directory on disk, walked with `lstat` in name order; undefined when it holds
 * a link or anything but regular files and directories (an extracted tree never does). A missing
 * directory has no entries.
 *
 * @param dir the tree's root
 * @returns the entries, parents before children, or undefined
 * @throws the underlying `Deno.errors.*` other than `NotFound` of the root
 */
export function diskTreeEntries(dir: string): DiskTreeEntry[] | undefined {
  // Synchronous inside, as lstatOrUndefined: a tree of a few dozen entries is listed in
  // microseconds, where one async op per entry waits on the worker threads.
  const entries: DiskTreeEntry[] = [];
  const walk = (d: string, rel: string): boolean => {
    for (const e of listDirSync(d)) {
      const full = `${d}/${e.name}`;
      const path = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isSymlink) return false;
      const st = Deno.lstatSync(full);
      if (st.isDirectory) {
        entries.push({ path, full, type: "directory", st });
        if (!walk(full, path)) return false;
      } else if (st.isFile) {
        entries.push({ path, full, type: "file", st });
      } else return false;
    }
    return true;
  };
  return walk(dir, "") ? entries : undefined;
}

/**
 * A stamp of the entries' `lstat` data, or undefined when one changed within
 * {@link RACY_STAMP_MS} of `nowMs` or has no ctime.
 *
 * @param entries from {@link diskTreeEntries}
 * @param nowMs the time now, epoch ms
 * @returns `stat-<sha256 hex>`, or undefined
 */
export async function treeStamp(
  entries: readonly DiskTreeEntry[],
  nowMs: number,
): Promise<string | undefined> {
  let text = "";
  for (const e of entries) {
    const ctime = e.st.ctime?.getTime();
    if (ctime === undefined || nowMs - ctime < RACY_STAMP_MS) return undefined;
    text += `${e.path}\t${e.type}\t${e.st.size}\t${e.st.mode}\t${e.st.ino}\t` +
      `${e.st.mtime?.getTime()}\t${ctime}\n`;
  }
  return `stat-${await webSha256Hex(text)}`;
}

function listDirSync(path: string): Deno.DirEntry[] {
  const out: Deno.DirEntry[] = [];
  try {
    for (const e of Deno.readDirSync(path)) out.push(e);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out;
}
