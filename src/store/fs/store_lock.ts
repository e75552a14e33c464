/**
 * Store lock and per-process sessions (cargo `util/cache_lock.rs`, uv's
 * cache `.lock`, deno's `.deno_sync_lock`).
 *
 * - `<store>/.lock` is an advisory OS lock (`Deno.FsFile.tryLock`): installs take it **shared**
 *   (they only add files, atomically, so they never block each other); `mochi cache prune` takes
 *   it **exclusive** (it deletes). The OS releases it when the holder dies, so a killed holder
 *   never blocks the next process. A waiter polls; after `noticeAfterMs` (1 s) it reports which
 *   pids hold the store, like cargo's "Blocking waiting for file lock".
 * - Every lock holder opens a **session**: `<store>/tmp/s-<id>.owner` (JSON `{pid, command}`,
 *   held with an exclusive OS lock for the session's life) and `<store>/tmp/s-<id>/`, where all
 *   its temp files and extraction dirs go. A session whose owner file can be locked by someone
 *   else belongs to a dead process: {@link cleanOrphanSessions} removes it. The owner file is
 *   locked under a temp name (`.creating`) and renamed into place, so a cleaner never sees an
 *   unlocked owner of a live session; a cleaner that locks a `.creating` file first (a dead
 *   creator, or the instant before the creator's own lock) deletes it, and the creator retries.
 *
 * @module
 */
import { join } from "node:path";
import { removeIfExists } from "./fs_atomic.ts";
import { lstatOrUndefined, mkdirInStore, plantedPathError } from "./_safe_path.ts";

/** Who holds (part of) the store. */
export interface StoreHolder {
  /** Process id. */
  pid: number;
  /** The command it runs, e.g. `install`, `cache prune`. */
  command: string;
}

/** Options of {@link acquireStoreLock}. */
export interface StoreLockOptions {
  /** Called once, after `noticeAfterMs` of waiting, with the processes holding the store. */
  onWait?: (holders: StoreHolder[], waitedMs: number) => void;
  /** When to call `onWait`, ms; default 1000. */
  noticeAfterMs?: number;
  /** Poll interval while waiting, ms; default 25. */
  pollMs?: number;
  /** This process's command, recorded in its session; default `"mochi"`. */
  command?: string;
}

/** A held store lock with its session. Release it (or let the process die). */
export interface StoreLock {
  /** `shared` (install) or `exclusive` (prune). */
  readonly mode: "shared" | "exclusive";
  /** This process's session directory for temp files: `<store>/tmp/s-<id>/`. */
  readonly sessionDir: string;
  /** True once {@link StoreLock.release} was called. */
  readonly released: boolean;
  /** Remove the session and release the lock. Idempotent. */
  release(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Take the store lock (creating the store root if needed), waiting as long as it takes, then
 * open a session in it.
 *
 * @param storeRoot the store root (`$MOCHI_HOME/store`)
 * @param mode `shared` to add to the store, `exclusive` to delete from it
 * @param options wait notice callback and timing, and this process's command name
 * @returns the held lock; call `release()` when done
 * @throws {MochiError} `STORE_E002` when `tmp` or `.lock` is a link planted in the store; the
 *   underlying `Deno.errors.*` when the store root cannot be created or opened
 */
export async function acquireStoreLock(
  storeRoot: string,
  mode: "shared" | "exclusive",
  options: StoreLockOptions = {},
): Promise<StoreLock> {
  await mkdirInStore(storeRoot, join(storeRoot, "tmp"));
  await refuseLink(join(storeRoot, ".lock"));
  const file = await Deno.open(join(storeRoot, ".lock"), {
    read: true,
    write: true,
    create: true,
  });
  const t0 = Date.now();
  let noticed = false;
  try {
    while (!(await file.tryLock(mode === "exclusive"))) {
      const waited = Date.now() - t0;
      if (!noticed && waited >= (options.noticeAfterMs ?? 1000)) {
        noticed = true;
        options.onWait?.(await liveSessions(storeRoot), waited);
      }
      await sleep(options.pollMs ?? 25);
    }
  } catch (e) {
    file.close();
    throw e;
  }
  let session: Session;
  try {
    session = await openSession(storeRoot, options.command ?? "mochi");
  } catch (e) {
    file.close(); // closing releases the OS lock
    throw e;
  }
  let released = false;
  return {
    mode,
    sessionDir: session.dir,
    get released() {
      return released;
    },
    async release() {
      if (released) return;
      released = true;
      try {
        await session.close();
      } finally {
        file.close();
      }
    },
  };
}

interface Session {
  dir: string;
  close(): Promise<void>;
}

async function openSession(storeRoot: string, command: string): Promise<Session> {
  // A cleaner may lock a `.creating` file in the instant between its creation and our lock:
  // then that name is abandoned (the cleaner deletes it) and we start over with a new one.
  for (let attempt = 1;; attempt++) {
    const s = await tryOpenSession(storeRoot, command);
    if (s !== undefined) return s;
    if (attempt >= 20) throw new Error(`could not open a session in ${storeRoot}/tmp`);
  }
}

async function tryOpenSession(storeRoot: string, command: string): Promise<Session | undefined> {
  const tmp = join(storeRoot, "tmp");
  const id = `s-${crypto.randomUUID()}`;
  const creating = join(tmp, `${id}.creating`);
  const owner = join(tmp, `${id}.owner`);
  const dir = join(tmp, id);
  const file = await Deno.open(creating, { read: true, write: true, createNew: true });
  try {
    if (!(await file.tryLock(true))) {
      file.close();
      return undefined;
    }
    await file.write(new TextEncoder().encode(JSON.stringify({ pid: Deno.pid, command }) + "\n"));
    try {
      await Deno.rename(creating, owner);
    } catch (e) {
      // A cleaner locked the `.creating` file before we did and deleted it: our lock holds an
      // unlinked file. That name is abandoned; start over with a new one.
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      file.close();
      return undefined;
    }
    await Deno.mkdir(dir);
  } catch (e) {
    file.close();
    await removeIfExists(creating).catch(() => {});
    await removeIfExists(owner).catch(() => {});
    throw e;
  }
  return {
    dir,
    async close() {
      try {
        await removeIfExists(dir);
        await removeIfExists(owner);
      } finally {
        file.close();
      }
    },
  };
}

/**
 * Refuse a symbolic link at `path` (a lock file opened with `create` would create or lock its
 * target outside the store).
 *
 * @param path a file inside the store
 * @throws {MochiError} `STORE_E002` when it is a link or not a regular file
 */
export async function refuseLink(path: string): Promise<void> {
  const st = await lstatOrUndefined(path);
  if (st === undefined || st.isFile) return;
  throw plantedPathError(path, st.isSymlink ? "a symbolic link" : "not a regular file");
}

/** Names in `dir`, sorted; none when `dir` is missing or is not a real directory (a link). */
async function listNames(dir: string): Promise<string[]> {
  if (!(await lstatOrUndefined(dir))?.isDirectory) return [];
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) out.push(e.name);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  return out.sort();
}

/**
 * The processes with a live session in the store (their owner file is locked).
 *
 * @param storeRoot the store root
 * @returns pid and command of each live session, sorted by pid
 */
export async function liveSessions(storeRoot: string): Promise<StoreHolder[]> {
  const tmp = join(storeRoot, "tmp");
  const out: StoreHolder[] = [];
  for (const name of await listNames(tmp)) {
    if (!name.endsWith(".owner")) continue;
    let f: Deno.FsFile;
    try {
      f = await Deno.open(join(tmp, name), { read: true, write: true });
    } catch {
      continue; // removed meanwhile
    }
    try {
      if (await f.tryLock(true)) continue; // nobody holds it: a dead session
      const text = await Deno.readTextFile(join(tmp, name)).catch(() => "");
      try {
        const info = JSON.parse(text) as StoreHolder;
        if (Number.isInteger(info.pid)) out.push({ pid: info.pid, command: String(info.command) });
      } catch {
        // being written: skip
      }
    } finally {
      f.close();
    }
  }
  return out.sort((a, b) => a.pid - b.pid);
}

/**
 * Remove the sessions of dead processes (owner file not locked by anyone): their temp files,
 * half-downloaded blobs and half-extracted trees. Live sessions are never touched.
 *
 * @param storeRoot the store root
 * @param dryRun only count
 * @returns the number of dead sessions removed (or found, with `dryRun`)
 */
export async function cleanOrphanSessions(storeRoot: string, dryRun = false): Promise<number> {
  const tmp = join(storeRoot, "tmp");
  let removed = 0;
  for (const name of await listNames(tmp)) {
    const suffix = name.endsWith(".owner")
      ? ".owner"
      : name.endsWith(".creating")
      ? ".creating"
      : "";
    if (suffix === "") continue;
    const owner = join(tmp, name);
    let f: Deno.FsFile;
    try {
      f = await Deno.open(owner, { read: true, write: true });
    } catch {
      continue;
    }
    try {
      // Locked: alive. Unlocked: dead — or a `.creating` file in the instant before its creator
      // locks it, which the creator then abandons (it retries under a new name).
      if (!(await f.tryLock(true))) continue;
      removed++;
      if (!dryRun) {
        await removeIfExists(join(tmp, name.slice(0, -suffix.length)));
        await removeIfExists(owner);
      }
    } finally {
      f.close();
    }
  }
  return removed;
}
