/**
 * Cache maintenance: `mochi cache size`, `mochi cache prune` and `mochi verify` (cargo's global cache tracker and `cargo clean gc`, uv's `cache prune`).
 *
 * Each works inside a store session ({@link openStoreSession}). Pruning takes the store lock
 * **exclusively**, so it waits for every running install or fetch (which hold it shared) and no
 * install can start while it deletes: nothing an install is using is ever removed. Each install
 * records the last use of every blob it needs (the blob file's mtime), and prune removes blobs
 * unused for longer than `--older-than`, with their extracted trees and SHA-256 aliases, the
 * sessions of killed processes, and stray temp files older than an hour. `size` and `verify`
 * hold it shared: they see no half-pruned store.
 *
 * @module
 */
import {
  type PruneReport,
  type StoreSize,
  treeBytes,
  type VerifyReport,
} from "../store/fs/fs_store.ts";
import { removeIfExists } from "../store/fs/fs_atomic.ts";
import { openStoreSession } from "../store/fs/session.ts";
import { faultPoint } from "../store/fs/test_hooks.ts";
import { cleanOrphanSessions, type StoreHolder } from "../store/fs/store_lock.ts";
import { lstatOrUndefined } from "../store/fs/_safe_path.ts";

/** Default age for `mochi cache prune` without `--older-than`: 30 days. */
export const DEFAULT_PRUNE_AGE_MS: number = 30 * 86_400_000;

/** What `mochi cache size` reports. */
export interface CacheSize extends StoreSize {
  /** Bytes of the index cache (`$MOCHI_HOME/index`). */
  indexBytes: number;
}

/** Options shared by the cache commands. */
export interface CacheOptions {
  /** Called once when the store lock has been held by others for 1 s. */
  onWait?: (holders: StoreHolder[], waitedMs: number) => void;
}

/**
 * Measure the store and index cache of a mochi home, inside a shared store session.
 *
 * @param mochiHome `$MOCHI_HOME`
 * @param options wait callback
 * @returns counts and bytes per part
 * @throws {MochiError} `STORE_E002` when `store/tmp` or `store/.lock` is a planted link
 */
export async function cacheSize(mochiHome: string, options: CacheOptions = {}): Promise<CacheSize> {
  await using session = await openStoreSession(mochiHome, "shared", {
    command: "cache size",
    cleanOrphans: false,
    ...(options.onWait ? { onWait: options.onWait } : {}),
  });
  const store = await session.store.size();
  return { ...store, indexBytes: await treeBytes(session.layout.index) };
}

/** Options of {@link cachePrune}. */
export interface CachePruneOptions extends CacheOptions {
  /** `$MOCHI_HOME`. */
  mochiHome: string;
  /** Remove blobs unused for at least this long, ms (default {@link DEFAULT_PRUNE_AGE_MS}). */
  olderThanMs?: number;
  /** Report only, delete nothing. */
  dryRun?: boolean;
}

/** What {@link cachePrune} removed. */
export interface CachePruneReport extends PruneReport {
  /** Sessions of killed processes removed. */
  orphanSessions: number;
  /** Stray temp entries (older than an hour) removed. */
  staleTemp: number;
}

/**
 * Prune the store inside an exclusive store session (see the module doc). A dry run reports
 * exactly what a real run would remove; links planted in the store are never followed and are
 * listed in `skipped`.
 *
 * @param options home, age, dry run, wait callback
 * @returns what was removed (or would be, with `dryRun`)
 * @throws {MochiError} `STORE_E002` when `store/tmp` or `store/.lock` is a planted link; the
 *   underlying `Deno.errors.*` when the store cannot be read or written
 */
export async function cachePrune(options: CachePruneOptions): Promise<CachePruneReport> {
  const dryRun = options.dryRun ?? false;
  await using session = await openStoreSession(options.mochiHome, "exclusive", {
    command: "cache prune",
    cleanOrphans: false,
    ...(options.onWait ? { onWait: options.onWait } : {}),
  });
  faultPoint("prune-locked");
  const orphanSessions = await cleanOrphanSessions(session.layout.store, dryRun);
  const own = session.sessionDir.slice(session.sessionDir.lastIndexOf("/") + 1);
  const staleTemp = await session.store.pruneTemp({ keep: [own, `${own}.owner`], dryRun });
  const r = await session.store.prune({
    olderThanMs: options.olderThanMs ?? DEFAULT_PRUNE_AGE_MS,
    dryRun,
  });
  // The SHA-256 → BLAKE3 map `mochi fetch` kept before the store held aliases: unused now.
  const legacy = await lstatOrUndefined(session.layout.legacyCrates);
  if (legacy?.isDirectory && !dryRun) await removeIfExists(session.layout.legacyCrates);
  return { ...r, orphanSessions, staleTemp };
}

/** Options of {@link verifyStore}. */
export interface VerifyStoreOptions extends CacheOptions {
  /** `$MOCHI_HOME`. */
  mochiHome: string;
  /** Also delete the corrupt blobs (and their trees) found, so the next install fetches them. */
  repair?: boolean;
}

/** What {@link verifyStore} found. */
export interface VerifyStoreReport extends VerifyReport {
  /** The store checked. */
  storeDir: string;
  /** Corrupt blobs and changed trees removed (with `repair`). */
  removed: number;
  /** True when nothing is wrong (no corrupt blob, bad alias or planted link). */
  ok: boolean;
}

/**
 * Re-hash every blob of the store against its address and check every SHA-256 alias against
 * its blob (`mochi verify`; cargo's and go's `mod verify`), inside a shared store session so no
 * prune deletes what is being read.
 *
 * @param options home, repair, wait callback
 * @returns what was checked and what is wrong; `ok` false means exit 4 (`BLOB_E006`)
 * @throws {MochiError} `STORE_E002` when `store/tmp` or `store/.lock` is a planted link
 */
export async function verifyStore(options: VerifyStoreOptions): Promise<VerifyStoreReport> {
  await using session = await openStoreSession(options.mochiHome, "shared", {
    command: "verify",
    cleanOrphans: false, // install and prune do that; verify only reads and reports
    ...(options.onWait ? { onWait: options.onWait } : {}),
  });
  const r = await session.store.verify();
  const removed = options.repair
    ? await session.store.removeCorrupt(r.corrupt) + await session.store.removeTrees(r.corruptTrees)
    : 0;
  return {
    ...r,
    storeDir: session.layout.store,
    removed,
    ok: r.corrupt.length === 0 && r.badAliases.length === 0 && r.planted.length === 0 &&
      r.corruptTrees.length === 0,
  };
}
