/**
 * Store sessions: the one way to get a writable store (cargo's `CacheLock` modes, uv's
 * `Cache::with_exclusive_lock`). A session holds the store lock — **shared** to add to the store
 * (install, `mochi fetch`, `mochi verify`), **exclusive** to delete from it (`mochi cache
 * prune`) — and a private temp directory, and hands out an {@link FsStore} that writes only
 * while the session is open. Opening a session also removes the sessions of killed processes.
 *
 * @module
 */
import { FsStore } from "./fs_store.ts";
import { type MochiHomeLayout, mochiHomeLayout } from "./home.ts";
import { acquireStoreLock, cleanOrphanSessions, type StoreHolder } from "./store_lock.ts";
import type { ArchivePolicy } from "../archive.ts";

/** Options of {@link openStoreSession}. */
export interface StoreSessionOptions {
  /** This process's command, recorded for others that wait (`install`, `cache prune`…). */
  command?: string;
  /** Called once when the store lock has been held by others for `noticeAfterMs`. */
  onWait?: (holders: StoreHolder[], waitedMs: number) => void;
  /** When to call `onWait`, ms; default 1000. */
  noticeAfterMs?: number;
  /** Archive limits of the store's extractions (default: cargo's unpack cap). */
  archivePolicy?: ArchivePolicy;
  /** Remove the sessions of killed processes after taking the lock (default true). */
  cleanOrphans?: boolean;
}

/** An open store session; release it (or `await using` it). */
export interface StoreSession extends AsyncDisposable {
  /** `shared` (adds to the store) or `exclusive` (may delete from it). */
  readonly mode: "shared" | "exclusive";
  /** The mochi home's layout. */
  readonly layout: MochiHomeLayout;
  /** The writable store (read-only again once the session is released). */
  readonly store: FsStore;
  /** This session's private temp directory inside the store. */
  readonly sessionDir: string;
  /** Sessions of killed processes removed when this one opened. */
  readonly orphansRemoved: number;
  /** Remove the temp directory and release the lock. Idempotent. */
  release(): Promise<void>;
}

/**
 * Take the store lock of a mochi home (waiting as long as it takes) and open a session.
 *
 * @param mochiHome `$MOCHI_HOME`
 * @param mode `shared` to add to the store, `exclusive` to delete from it
 * @param options command name, wait notice, archive limits
 * @returns the open session
 * @throws {MochiError} `STORE_E002` when a link is planted at `store/tmp` or `store/.lock`; the
 *   underlying `Deno.errors.*` when the store cannot be created
 * @example
 * ```ts
 * import { openStoreSession } from "@mochi/pkg/store";
 * import assert from "node:assert/strict";
 * const home = await Deno.makeTempDir();
 * const session = await openStoreSession(home, "shared", { command: "example" });
 * try {
 *   assert.equal(session.store.mode, "shared");
 *   assert.equal(await session.store.hasBlob("0".repeat(64)), false);
 * } finally {
 *   await session.release();
 *   await Deno.remove(home, { recursive: true });
 * }
 * ```
 */
export async function openStoreSession(
  mochiHome: string,
  mode: "shared" | "exclusive",
  options: StoreSessionOptions = {},
): Promise<StoreSession> {
  const layout = mochiHomeLayout(mochiHome);
  const lock = await acquireStoreLock(layout.store, mode, {
    command: options.command ?? "mochi",
    ...(options.onWait ? { onWait: options.onWait } : {}),
    ...(options.noticeAfterMs !== undefined ? { noticeAfterMs: options.noticeAfterMs } : {}),
  });
  let orphansRemoved = 0;
  try {
    if (options.cleanOrphans ?? true) orphansRemoved = await cleanOrphanSessions(layout.store);
  } catch (e) {
    await lock.release();
    throw e;
  }
  const store = new FsStore(layout.store, {
    ...(options.archivePolicy ? { archivePolicy: options.archivePolicy } : {}),
    lock,
  });
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await lock.release();
  };
  return {
    mode,
    layout,
    store,
    sessionDir: lock.sessionDir,
    orphansRemoved,
    release,
    [Symbol.asyncDispose]: release,
  };
}

/**
 * Run `fn` inside a store session and release it afterwards, whatever happens.
 *
 * @param mochiHome `$MOCHI_HOME`
 * @param mode `shared` or `exclusive`
 * @param options as {@link openStoreSession}
 * @param fn the work; gets the open session
 * @returns what `fn` returns
 * @throws what {@link openStoreSession} or `fn` throws
 */
export async function withStoreSession<T>(
  mochiHome: string,
  mode: "shared" | "exclusive",
  options: StoreSessionOptions,
  fn: (session: StoreSession) => Promise<T>,
): Promise<T> {
  const session = await openStoreSession(mochiHome, mode, options);
  try {
    return await fn(session);
  } finally {
    await session.release();
  }
}
