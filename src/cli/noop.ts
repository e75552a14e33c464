/**
 * The no-op fast path (issue 17 goal 4): `mochi install` with everything in place and
 * `mochi lock --check --offline` with a fresh lock, answered before the rest of the CLI loads.
 *
 * Like cargo's fingerprints: after a full run of one of these commands found nothing to do, the
 * dispatcher records a stamp (`$MOCHI_HOME/state/noop/<project>.json`, written by
 * `noop_record.ts`) of exactly what that answer depended on. The next run of the same command
 * line reads the same inputs again and answers from the stamp only when they are all the same;
 * anything else, and any error, takes the full path, which prints and exits as before:
 *
 * - the key ({@link probeNoop}): the command line, the project directory, `$MOCHI_HOME`, the
 *   environment variables mochi reads (`MOCHI_*`, `GO*`, `HOME`, `XDG_CACHE_HOME`, proxies), the
 *   SHA-256 of `mochi.toml` and of `mochi.lock`, this module's URL and the version. Only a project
 *   with no `mochi.toml` above it (no workspace can claim it), no temp lockfile left by a killed
 *   run, and no `import rust|go|python` line in its sources (the same walk the full path makes)
 *   is probed; the recorder adds its own conditions (registry packages only, no vendor directory,
 *   no platform markers);
 * - `install`: the store is re-checked as the full no-op re-checks it, under the same shared store
 *   lock: every locked blob re-hashed to its BLAKE3, every extracted tree's `lstat` stamp equal
 *   to its record (a racily clean or changed tree takes the full path, which re-digests it), the
 *   lock's index check still recorded, no session directory in `store/tmp`; blobs whose last-use
 *   record is older than `TOUCH_INTERVAL_MS` are touched, as the full path touches them;
 * - `lock --check --offline`: the index data offline resolution reads (each `file:` registry's
 *   directory but its blobs, `$MOCHI_HOME/index`, `$MOCHI_HOME/state` but its stamps and lock
 *   checks) has the same `lstat` stamp as when the stamp was written (entries changed within a
 *   second before the recorded run started give no stamp: git's racy-clean rule).
 *
 * A stamp is trusted only when this user owns it and nobody else can write it. The module imports
 * no `node:` module and none of the install pipeline: its graph is the store's stamp helpers
 * (SHA-256 from WebCrypto), the source walk and the summary phrases; `install` loads BLAKE3 from
 * `@noble/hashes` when it re-hashes the blobs. It decides and returns the line; the
 * dispatcher (`cli.ts`) prints it. `MOCHI_NO_FAST_PATH=1` turns it off.
 *
 * @module
 */
import {
  diskTreeEntries,
  hexOf,
  TOUCH_INTERVAL_MS,
  treeStamp,
  webSha256Hex,
} from "../store/fs/_stamps.ts";
import { scanImportLines } from "../install/source_scan.ts";
import { installUpToDateLine, type LockCounts, lockUpToDateLine } from "./phrases.ts";
import { VERSION } from "./version.ts";

/** The commands the fast path answers: `install`, and `lock --check --offline`. */
export type NoopCommand = "install" | "lock-check";

/** What {@link probeNoop} read: the inputs a stamp must match. */
export interface NoopProbe {
  /** Which command. */
  command: NoopCommand;
  /** The project directory (the working directory, holding `mochi.toml`). */
  projectDir: string;
  /** `$MOCHI_HOME`, as `resolveMochiHome` finds it. */
  mochiHome: string;
  /** Where this project's stamp for this command is. */
  stampPath: string;
  /** SHA-256 over every input (see the module doc). */
  key: string;
  /** When the probe read the inputs, epoch ms (before any full run). */
  startedMs: number;
}

/** A recorded no-op (the JSON of a stamp file). */
export interface NoopStamp {
  /** The stamp format ({@link STAMP_FORMAT}). */
  format: number;
  /** {@link NoopProbe.key} of the inputs the full run found up to date. */
  key: string;
  /** Which command. */
  command: NoopCommand;
  /** The lock's counts, for the line. */
  counts: LockCounts;
  /** `install`: the BLAKE3 of every locked blob, each re-checked in the store. */
  blobs: string[];
  /** `install`: the record of the lock's check against the index, which must still exist. */
  checkedLock?: string;
  /** `lock --check`: the trees of index data whose stamp must be unchanged. */
  watched: WatchedTree[];
  /** `lock --check`: {@link watchedStamp} of {@link NoopStamp.watched} when recorded. */
  watchedStamp?: string;
}

/** A directory whose entries' `lstat` data a `lock --check` stamp depends on. */
export interface WatchedTree {
  /** The directory (absent is a state too). */
  dir: string;
  /** Names directly inside it that are not walked (a registry's `blobs`, the stamps). */
  skip: string[];
}

/** The stamp format: a stamp of another format is ignored. */
export const STAMP_FORMAT = 1;

/** Largest `mochi.toml`, `mochi.lock` or stamp the fast path reads; bigger ones take the full path. */
const MAX_INPUT_BYTES = 4 * 1024 * 1024;

/**
 * Most entries {@link watchedStamp} walks before giving up (no stamp: the full path runs, which
 * reads only the index files it needs). About 10 ms of `lstat`s.
 */
const MAX_WATCHED_ENTRIES = 5_000;

/** Blob bytes re-hashed with the pure-TypeScript BLAKE3 before the WebAssembly one is loaded. */
const SMALL_HASH_BYTES = 512 * 1024;

/** Largest blob the fast path re-hashes (read whole); a bigger one takes the full path. */
const MAX_BLOB_BYTES = 64 * 1024 * 1024;

/** Environment variables outside `MOCHI_*` and `GO*` whose value is part of the key. */
const KEYED_ENV = new Set([
  "HOME",
  "USERPROFILE",
  "XDG_CACHE_HOME",
  "LOCALAPPDATA",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
]);

const TEMP_LOCKFILE = /^\.mochi\.lock\.[0-9a-f]{8}\.tmp$/;
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * The command a command line is, when the fast path may answer it: exactly `install`, or
 * `lock --check --offline` (either order). Any other option (`-v`, `--json`, `-C`…) takes the
 * full path.
 *
 * @param argv the arguments after the program name
 * @returns the command, or undefined
 */
export function noopCommandOf(argv: readonly string[]): NoopCommand | undefined {
  if (argv.length === 1 && argv[0] === "install") return "install";
  if (
    argv.length === 3 && argv[0] === "lock" &&
    new Set(argv.slice(1)).size === 2 && argv.includes("--check") && argv.includes("--offline")
  ) {
    return "lock-check";
  }
  return undefined;
}

/**
 * `$MOCHI_HOME` as `resolveMochiHome` finds it, without `node:path` (POSIX only: undefined on
 * Windows and when no variable gives it, and the full path decides).
 *
 * @param env the environment
 * @returns the directory, or undefined
 */
export function noopMochiHome(env: Record<string, string | undefined>): string | undefined {
  if (Deno.build.os === "windows") return undefined;
  const get = (k: string) => env[k] === "" ? undefined : env[k];
  const explicit = get("MOCHI_HOME");
  if (explicit) return explicit;
  const xdg = get("XDG_CACHE_HOME");
  if (xdg && xdg.startsWith("/")) return `${xdg.replace(/\/+$/, "")}/mochi`;
  const home = get("HOME") ?? get("USERPROFILE");
  return home ? `${home.replace(/\/+$/, "")}/.cache/mochi` : undefined;
}

function lstatOrUndefined(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.lstatSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** A regular file's bytes, or undefined when it is missing, not a regular file, or too big. */
function readSmall(path: string, maxBytes = MAX_INPUT_BYTES): Uint8Array | undefined {
  const st = lstatOrUndefined(path);
  if (st === undefined || !st.isFile || st.size > maxBytes) return undefined;
  const bytes = Deno.readFileSync(path);
  return bytes.length > maxBytes ? undefined : bytes;
}

/**
 * Reads the inputs of a no-op for this command line, when the fast path may answer it (see the
 * module doc); reads nothing else and writes nothing.
 *
 * @param argv the arguments after the program name
 * @param env the environment
 * @param cwd the working directory
 * @returns the probe, or undefined when the full path must run
 * @throws the file system's errors (the caller takes the full path)
 */
export async function probeNoop(
  argv: readonly string[],
  env: Record<string, string>,
  cwd: string,
): Promise<NoopProbe | undefined> {
  const startedMs = Date.now();
  const command = noopCommandOf(argv);
  if (command === undefined || env.MOCHI_NO_FAST_PATH) return undefined;
  // The test hooks (fault points, small limits) act inside the full path.
  if (Object.keys(env).some((k) => k.startsWith("MOCHI_TEST_"))) return undefined;
  const mochiHome = noopMochiHome(env);
  if (mochiHome === undefined || !cwd.startsWith("/")) return undefined;
  const projectDir = cwd.length > 1 ? cwd.replace(/\/+$/, "") : cwd;
  const manifest = readSmall(`${projectDir}/mochi.toml`);
  const lock = readSmall(`${projectDir}/mochi.lock`);
  if (manifest === undefined || lock === undefined) return undefined;
  // A mochi.toml above could make this directory a workspace member.
  for (let d = projectDir; d !== "/";) {
    d = d.slice(0, d.lastIndexOf("/")) || "/";
    if (lstatOrUndefined(`${d === "/" ? "" : d}/mochi.toml`) !== undefined) return undefined;
  }
  // A temp lockfile a killed run left: the full path removes it under the manifest's lock.
  for (const e of Deno.readDirSync(projectDir)) if (TEMP_LOCKFILE.test(e.name)) return undefined;
  // The same walk the full path makes: an import of another language means its bridge runs.
  const scan = await scanImportLines(projectDir);
  if (Object.values(scan.imports).some((lines) => lines.length > 0)) return undefined;
  const keyedEnv = Object.entries(env)
    .filter(([k]) => k.startsWith("MOCHI_") || k.startsWith("GO") || KEYED_ENV.has(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const key = await webSha256Hex(JSON.stringify([
    STAMP_FORMAT,
    VERSION,
    import.meta.url,
    Deno.build.os,
    Deno.build.arch,
    command,
    projectDir,
    mochiHome,
    keyedEnv,
    await webSha256Hex(manifest),
    await webSha256Hex(lock),
  ]));
  const name = await webSha256Hex(`${command}\n${projectDir}`);
  return {
    command,
    projectDir,
    mochiHome,
    stampPath: `${mochiHome}/state/noop/${name}.json`,
    key,
    startedMs,
  };
}

/**
 * The stamp at the probe's path when this user owns it, nobody else can write it, and it parses
 * with the expected shape; undefined otherwise.
 *
 * @param path the stamp's path
 * @returns the stamp, or undefined
 */
export function readStamp(path: string): NoopStamp | undefined {
  const st = lstatOrUndefined(path);
  const uid = Deno.uid();
  if (st === undefined || !st.isFile || uid === null || st.uid !== uid) return undefined;
  if (((st.mode ?? 0o777) & 0o022) !== 0) return undefined;
  const bytes = readSmall(path);
  if (bytes === undefined) return undefined;
  let s: unknown;
  try {
    s = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
  const o = s as Partial<NoopStamp> | null;
  const count = (n: unknown) => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
  const ok = o !== null && typeof o === "object" && o.format === STAMP_FORMAT &&
    typeof o.key === "string" && (o.command === "install" || o.command === "lock-check") &&
    typeof o.counts === "object" && o.counts !== null && count(o.counts.packages) &&
    count(o.counts.crates) && count(o.counts.goModules) &&
    Array.isArray(o.blobs) && o.blobs.every((b) => typeof b === "string" && HEX64.test(b)) &&
    (o.checkedLock === undefined || typeof o.checkedLock === "string") &&
    Array.isArray(o.watched) &&
    o.watched.every((w) =>
      typeof w?.dir === "string" && Array.isArray(w.skip) &&
      w.skip.every((n: unknown) => typeof n === "string")
    ) &&
    (o.watchedStamp === undefined || typeof o.watchedStamp === "string");
  return ok ? o as NoopStamp : undefined;
}

/**
 * A stamp of the `lstat` data of every entry below the watched trees (links not followed, the
 * skipped names not walked), or undefined when there are too many entries or, with `notAfterMs`,
 * one changed at or after that time (racily clean: its change may postdate what a run read).
 *
 * @param trees the trees
 * @param notAfterMs refuse entries whose ctime or mtime is not before this, epoch ms
 * @returns `stat-<sha256 hex>`, or undefined
 * @throws the file system's errors other than a missing directory
 */
export async function watchedStamp(
  trees: readonly WatchedTree[],
  notAfterMs?: number,
): Promise<string | undefined> {
  let text = "";
  let n = 0;
  const line = (path: string, st: Deno.FileInfo): boolean => {
    // A directory by its entries (walked), not its times: a skipped name's changes do not count.
    if (st.isDirectory) {
      text += `${path}\td\n`;
      return ++n <= MAX_WATCHED_ENTRIES;
    }
    const ctime = st.ctime?.getTime();
    const mtime = st.mtime?.getTime();
    if (ctime === undefined || mtime === undefined) return false;
    if (notAfterMs !== undefined && (ctime >= notAfterMs || mtime >= notAfterMs)) return false;
    const type = st.isFile ? "f" : st.isSymlink ? "l" : "o";
    text += `${path}\t${type}\t${st.size}\t${st.mode}\t${st.ino}\t${mtime}\t${ctime}\n`;
    return ++n <= MAX_WATCHED_ENTRIES;
  };
  const walk = (dir: string, skip: readonly string[]): boolean => {
    const names: string[] = [];
    for (const e of Deno.readDirSync(dir)) if (!skip.includes(e.name)) names.push(e.name);
    names.sort();
    for (const name of names) {
      const path = `${dir}/${name}`;
      const st = Deno.lstatSync(path);
      if (!line(path, st)) return false;
      if (st.isDirectory && !walk(path, [])) return false;
    }
    return true;
  };
  for (const tree of trees) {
    const st = lstatOrUndefined(tree.dir);
    if (st === undefined) {
      text += `${tree.dir}\tabsent\n`;
      continue;
    }
    if (!line(tree.dir, st)) return undefined;
    if (st.isDirectory && !walk(tree.dir, tree.skip)) return undefined;
  }
  return `stat-${await webSha256Hex(text)}`;
}

/** A directory inside the store that is really one (not a link, not a file). */
function realDir(path: string): boolean {
  const st = lstatOrUndefined(path);
  return st !== undefined && st.isDirectory && !st.isSymlink;
}

/**
 * BLAKE3 of a blob's bytes: `@noble/hashes` (pure TypeScript, as `_small_digests.ts`, without its
 * SHA-256, whose module builds SHA-512's tables as it loads) up to `budget.left` bytes, then
 * WebAssembly. Loaded here, on first use: `lock --check` hashes no blob.
 */
async function blake3Of(bytes: Uint8Array, budget: { left: number }): Promise<string> {
  if (bytes.length <= budget.left) {
    budget.left -= bytes.length;
    const { blake3 } = await import("@noble/hashes/blake3.js");
    return hexOf(blake3(bytes));
  }
  const { createBLAKE3 } = await import("../store/_wasm_hashers.ts");
  const h = await createBLAKE3(256);
  h.init();
  h.update(bytes);
  return h.digest("hex");
}

/**
 * The store checks of a no-op install, under the store's shared lock (as the full path holds
 * it): undefined as soon as one fails, else after touching stale last-use records.
 */
async function storeStillHolds(
  mochiHome: string,
  stamp: NoopStamp,
): Promise<boolean> {
  if (stamp.checkedLock === undefined || !lstatOrUndefined(stamp.checkedLock)?.isFile) {
    return false;
  }
  const store = `${mochiHome}/store`;
  const lockPath = `${store}/.lock`;
  if (!lstatOrUndefined(lockPath)?.isFile) return false;
  const lock = Deno.openSync(lockPath, { read: true });
  try {
    // `cache prune` holds it exclusively: the full path waits for it (and says so).
    if (!lock.tryLockSync(false)) return false;
    // A session left by a killed process (the full path removes it) or a live one.
    if (!realDir(`${store}/tmp`)) return false;
    for (const _ of Deno.readDirSync(`${store}/tmp`)) return false;
    for (const d of ["blobs", "extracted", "trees"]) if (!realDir(`${store}/${d}`)) return false;
    const dirs = new Set<string>();
    const budget = { left: SMALL_HASH_BYTES };
    const stale: string[] = [];
    for (const b3 of stamp.blobs) {
      const bucket = `${store}/blobs/${b3.slice(0, 2)}`;
      for (const d of [bucket, `${bucket}/${b3.slice(2, 4)}`]) {
        if (!dirs.has(d) && !realDir(d)) return false;
        dirs.add(d);
      }
      const blob = `${bucket}/${b3.slice(2, 4)}/${b3}`;
      const bytes = readSmall(blob, MAX_BLOB_BYTES);
      if (bytes === undefined || await blake3Of(bytes, budget) !== b3) return false;
      const now = Date.now();
      const mtime = lstatOrUndefined(blob)?.mtime?.getTime();
      if (mtime === undefined || mtime > now || now - mtime >= TOUCH_INTERVAL_MS) stale.push(blob);
      // The extracted tree, as `FsStore.extract` finds it on a no-op: its stamp as recorded.
      const tree = `${store}/extracted/${b3}`;
      if (!realDir(tree)) return false;
      const record = readSmall(`${store}/trees/${b3}`, 4096);
      if (record === undefined) return false;
      const recorded = new TextDecoder().decode(record).trim().split("\n")[1];
      const entries = diskTreeEntries(tree);
      if (entries === undefined) return false;
      const stamp = await treeStamp(entries, Date.now());
      if (stamp === undefined || stamp !== recorded) return false;
    }
    // Decided: every check passed. Act as the full path does, recording each blob's last use.
    const t = new Date();
    for (const blob of stale) Deno.utimeSync(blob, t, t);
    return true;
  } finally {
    lock.close();
  }
}

/**
 * The line a no-op prints, when the probe's stamp still holds (see the module doc); undefined
 * when the full path must run. Touches stale last-use records of an install's blobs, as the full
 * path does; writes nothing else.
 *
 * @param probe from {@link probeNoop}
 * @param startedMs when the command started (`performance.now()`), for the install's timing
 * @returns the line to print, or undefined
 * @throws the file system's errors (the caller takes the full path)
 */
export async function answerNoop(
  probe: NoopProbe,
  startedMs: number,
): Promise<string | undefined> {
  const stamp = readStamp(probe.stampPath);
  if (stamp === undefined || stamp.key !== probe.key || stamp.command !== probe.command) {
    return undefined;
  }
  if (probe.command === "install") {
    if (!(await storeStillHolds(probe.mochiHome, stamp))) return undefined;
    return installUpToDateLine(stamp.counts, performance.now() - startedMs);
  }
  if (
    stamp.watchedStamp === undefined || await watchedStamp(stamp.watched) !== stamp.watchedStamp
  ) {
    return undefined;
  }
  return lockUpToDateLine(stamp.counts);
}
