/**
 * Cache maintenance: `mochi cache size` and `mochi cache prune` (cargo's
 * global cache tracker and `cargo clean gc`, uv's `cache prune`).
 *
 * Pruning takes the store lock **exclusively**, so it waits for every running install (which
 * holds it shared) and no install can start while it deletes: nothing an install is using is
 * ever removed. Each install records the last use of every blob it needs (the blob file's mtime),
 * and prune removes blobs unused for longer than `--older-than`, with their extracted trees, the
 * sessions of killed processes, and stray temp files older than an hour.
 *
 * @module
 */
import { FsStore, type PruneReport, type StoreSize, treeBytes } from "../store/fs/fs_store.ts";
import { acquireStoreLock, cleanOrphanSessions, type StoreHolder } from "../store/fs/store_lock.ts";

/** Default age for `mochi cache prune` without `--older-than`: 30 days. */
export const DEFAULT_PRUNE_AGE_MS: number = 30 * 86_400_000;

/** What `mochi cache size` reports. */
export interface CacheSize extends StoreSize {
  /** Bytes of the index cache (`$MOCHI_HOME/index`). */
  indexBytes: number;
}

/**
 * Measure the store and index cache of a mochi home (no lock: a snapshot while others run).
 *
 * @param mochiHome `$MOCHI_HOME`
 * @returns counts and bytes per part
 */
export async function cacheSize(mochiHome: string): Promise<CacheSize> {
  const store = await new FsStore(`${mochiHome}/store`).size();
  return { ...store, indexBytes: await treeBytes(`${mochiHome}/index`) };
}

/** Options of {@link cachePrune}. */
export interface CachePruneOptions {
  /** `$MOCHI_HOME`. */
  mochiHome: string;
  /** Remove blobs unused for at least this long, ms (default {@link DEFAULT_PRUNE_AGE_MS}). */
  olderThanMs?: number;
  /** Report only, delete nothing. */
  dryRun?: boolean;
  /** Called once when the store lock has been held by others for 1 s. */
  onWait?: (holders: StoreHolder[], waitedMs: number) => void;
}

/** What {@link cachePrune} removed. */
export interface CachePruneReport extends PruneReport {
  /** Sessions of killed processes removed. */
  orphanSessions: number;
  /** Stray temp entries (older than an hour) removed. */
  staleTemp: number;
}

/**
 * Prune the store under an exclusive store lock (see the module doc).
 *
 * @param options home, age, dry run, wait callback
 * @returns what was removed (or would be, with `dryRun`)
 * @throws the underlying `Deno.errors.*` when the store cannot be read or written
 */
export async function cachePrune(options: CachePruneOptions): Promise<CachePruneReport> {
  const root = `${options.mochiHome}/store`;
  const held = await acquireStoreLock(root, "exclusive", {
    command: "cache prune",
    ...(options.onWait ? { onWait: options.onWait } : {}),
  });
  try {
    const dryRun = options.dryRun ?? false;
    const orphanSessions = await cleanOrphanSessions(root, dryRun);
    const store = new FsStore(root);
    const staleTemp = dryRun ? 0 : await pruneStaleTemp(store, held.sessionDir);
    const r = await store.prune({
      olderThanMs: options.olderThanMs ?? DEFAULT_PRUNE_AGE_MS,
      dryRun,
    });
    return { ...r, orphanSessions, staleTemp };
  } finally {
    await held.release();
  }
}

/** Old temp entries that are not a live session's (under the exclusive lock, none is live). */
async function pruneStaleTemp(store: FsStore, ownSession: string): Promise<number> {
  const own = ownSession.slice(ownSession.lastIndexOf("/") + 1);
  let n = 0;
  const hourAgo = Date.now() - 3_600_000;
  try {
    for await (const e of Deno.readDir(store.tmpDir)) {
      if (e.name === own || e.name === `${own}.owner`) continue;
      const path = `${store.tmpDir}/${e.name}`;
      const st = await Deno.lstat(path).catch(() => undefined);
      if (!st || (st.mtime?.getTime() ?? 0) > hourAgo) continue;
      await Deno.remove(path, { recursive: true }).catch(() => {});
      n++;
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return n;
}
