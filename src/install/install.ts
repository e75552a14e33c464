/**
 * The install pipeline: manifest → (lockfile or PubGrub) → store.
 *
 * `install()` reads `mochi.toml`, reuses `mochi.lock` when it still satisfies the manifest
 * (no resolution, no index traffic), otherwise resolves against the registry, then fetches every
 * missing blob into the content-addressed store (both digests checked in one pass before the blob
 * gets its final name), extracts it, and only then writes the lockfile (temp file, fsync, rename).
 * A failure at any step leaves the project's lockfile and the store as they were.
 *
 * Cargo's `--locked`, `--offline` and `--frozen` meanings (decisions.md §Lockfile).
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { type Manifest, parseManifest } from "../manifest/mod.ts";
import {
  computeManifestHash,
  formatLockfile,
  type LockedPackage,
  type Lockfile,
  lockSatisfiesManifest,
  parseLockfile,
} from "../lockfile/mod.ts";
import { compareVersions, formatVersion, parseVersion, type Version } from "../semver/mod.ts";
import { resolve, type ResolvedPackage } from "../solver/mod.ts";
import { openRegistry, type RegistryClient } from "../adapters/index_client.ts";
import { FsStore } from "../adapters/fs_store.ts";
import { writeFileAtomic } from "../adapters/fs_atomic.ts";
import { acquireStoreLock, cleanOrphanSessions, type StoreHolder } from "../adapters/store_lock.ts";
import { NO_TEST_HOOKS, type TestHooks } from "../adapters/test_hooks.ts";
import { RegistryProvider } from "./registry_provider.ts";

/** Options of {@link install} and {@link lock}. */
export interface InstallOptions {
  /** Directory holding `mochi.toml`. */
  projectDir: string;
  /** `$MOCHI_HOME` (store, index cache). */
  mochiHome: string;
  /** Registry URL used when the manifest has no `[registry] default` (`MOCHI_REGISTRY`). */
  registryUrl?: string;
  /** Never touch the network (cargo `--offline`). */
  offline?: boolean;
  /** Fail if the lockfile would change (cargo `--locked`). */
  locked?: boolean;
  /** `--locked` and `--offline` together (cargo `--frozen`). */
  frozen?: boolean;
  /** Re-resolve even when the lockfile still satisfies the manifest (keeps locked versions). */
  refresh?: boolean;
  /** Parallel blob downloads; default 16. */
  concurrency?: number;
  /** Injected fetch for tests. */
  fetch?: typeof fetch;
  /** Progress callback (the CLI prints these with --verbose). */
  onProgress?: (message: string) => void;
  /**
   * Called once when the store lock has been held by others for 1 s (the CLI always prints
   * it): who holds it and for how long we waited.
   */
  onWait?: (holders: StoreHolder[], waitedMs: number) => void;
  /** Fault points and injected limits (tests; see `testHooksFromEnv`). */
  hooks?: TestHooks;
}

/** Default cap on one blob download when its size is not pinned: 1 GiB. */
export const DEFAULT_MAX_BLOB_BYTES: number = 1024 * 1024 * 1024;

/** Attempts per blob when the body is cut off mid-stream (cargo retries `partial_file`). */
export const BLOB_STREAM_ATTEMPTS = 3;

/**
 * Map an OS "disk full" error to `STORE_E001`; anything else is returned as is.
 *
 * @param e the error
 * @param where what was being written
 * @returns the error to throw
 */
export function diskError(e: unknown, where: string): unknown {
  const code = (e as { code?: unknown } | null)?.code;
  const msg = (e as Error | null)?.message ?? "";
  if (code === "ENOSPC" || /os error 28\b/.test(msg)) {
    return new MochiError("STORE_E001", `no space left on the device while writing ${where}`, {
      hint: "free disk space and run the command again; nothing half-written was kept (the " +
        "next run removes this run's temp files)",
      cause: e,
    });
  }
  return e;
}

/** What an install did. */
export interface InstallReport {
  /** Packages in the lockfile (root excluded). */
  packages: number;
  /** Whether the solver ran (false: the lockfile was reused). */
  resolved: boolean;
  /** Blobs downloaded and verified this run. */
  fetched: number;
  /** Blobs that were already in the store. */
  cached: number;
  /** Whether `mochi.lock` was written with new bytes. */
  lockChanged: boolean;
  /** Path of `mochi.lock`. */
  lockPath: string;
  /** Store root directory. */
  storeDir: string;
  /** Wall time of the whole install, in milliseconds. */
  elapsedMs: number;
  /** Solver wall time, in milliseconds (0 when it did not run). */
  solveMs: number;
  /** Registry the packages came from. */
  registry: string;
  /** Index requests made, and how many were answered 304 or served from cache. */
  indexStats?: unknown;
}

/** A project read from disk: its manifest, manifest digest and lockfile (if any). */
export interface Project {
  /** Directory holding `mochi.toml`. */
  dir: string;
  /** Parsed manifest. */
  manifest: Manifest;
  /** `blake3-256:<hex>` of the manifest's resolution-relevant parts. */
  manifestHash: string;
  /** Path of `mochi.lock`. */
  lockPath: string;
  /** Exact bytes of `mochi.lock`, or undefined when there is none. */
  lockText: string | undefined;
  /** Parsed lockfile, or undefined when there is none. */
  lock: Lockfile | undefined;
}

/**
 * Reads `mochi.toml` and `mochi.lock` of a project.
 *
 * @param dir project directory
 * @returns the {@link Project}
 * @throws {MochiError} MANIFEST_E011 when there is no `mochi.toml`; manifest and lockfile codes
 */
export async function readProject(dir: string): Promise<Project> {
  const manifestPath = `${dir}/mochi.toml`;
  let text: string;
  try {
    text = await Deno.readTextFile(manifestPath);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new MochiError("MANIFEST_E011", `could not find mochi.toml in ${dir}`, {
        hint: "run mochi in the directory of your package, or create a mochi.toml there",
      });
    }
    throw e;
  }
  const { manifest } = parseManifest(text, manifestPath);
  const lockPath = `${dir}/mochi.lock`;
  let lockText: string | undefined;
  try {
    lockText = await Deno.readTextFile(lockPath);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const lock = lockText === undefined ? undefined : parseLockfile(lockText, lockPath);
  return {
    dir,
    manifest,
    manifestHash: await computeManifestHash(manifest),
    lockPath,
    lockText,
    lock,
  };
}

/**
 * The registry URL for a project: the manifest's `[registry] default`, else `fallback`
 * (`MOCHI_REGISTRY`). Plain paths are resolved against the project directory.
 *
 * @param project the project
 * @param fallback URL or path from the environment
 * @returns an absolute URL (`http(s)://…` or `file://…`) ending in `/`
 * @throws {MochiError} INDEX_E007 when neither is set
 */
export function registryUrlFor(project: Project, fallback: string | undefined): string {
  const raw = project.manifest.registry.default ?? fallback;
  if (!raw) {
    throw new MochiError("INDEX_E007", "no registry is configured", {
      hint: 'add [registry] default = "<url>" to mochi.toml, or set MOCHI_REGISTRY',
    });
  }
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? new URL(raw) : new URL(
    raw,
    new URL(`file://${project.dir.endsWith("/") ? project.dir : project.dir + "/"}`),
  );
  const href = url.href;
  return href.endsWith("/") ? href : href + "/";
}

function rootDependencies(manifest: Manifest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const deps of [manifest.dependencies, manifest.devDependencies]) {
    for (const [name, dep] of deps) {
      if (dep.path !== undefined || dep.git !== undefined) {
        throw new MochiError(
          "MANIFEST_E007",
          `dependency ${name} uses a path or git source, which mochi pkg does not install yet`,
          {
            hint: `depend on ${name} through the registry with a version requirement`,
          },
        );
      }
      out[name] = out[name] ? `${out[name]}, ${dep.requirement}` : dep.requirement;
    }
  }
  return out;
}

function lockedVersions(lock: Lockfile | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of lock?.packages ?? []) {
    // With several versions of one name, prefer the highest as the solver's first pick.
    const prev = out[p.name];
    if (!prev || compareVersions(parseVersion(p.version), parseVersion(prev)) > 0) {
      out[p.name] = p.version;
    }
  }
  return out;
}

/**
 * Resolves a project against its registry and builds the lockfile it would get.
 *
 * @param project the project
 * @param registry an open registry client
 * @param onProgress progress callback
 * @returns the lockfile and the solver time in milliseconds
 * @throws {MochiError} SOLVER_E002 (unsolvable, with the report), INDEX_* and others
 */
export async function resolveProject(
  project: Project,
  registry: RegistryClient,
  onProgress?: (m: string) => void,
): Promise<{ lock: Lockfile; solveMs: number }> {
  const provider = new RegistryProvider(registry);
  const { manifest } = project;
  const t0 = performance.now();
  const root = {
    name: manifest.package.name,
    version: manifest.package.version,
    dependencies: rootDependencies(manifest),
  };
  provider.prefetch(Object.keys(root.dependencies));
  const solution: ResolvedPackage[] = await resolve(provider, root, {
    locked: lockedVersions(project.lock),
    allowMultiVersion: manifest.allowMultiVersion,
    yanked: (name: string, v: Version) => provider.isYanked(name, v),
  });
  const solveMs = performance.now() - t0;
  onProgress?.(`resolved ${solution.length} packages in ${solveMs.toFixed(0)} ms`);
  const source = `registry+${registry.url}`;
  const packages: LockedPackage[] = solution.map((p) => {
    const rec = provider.record(p.name, p.version);
    if (!rec) {
      throw new MochiError(
        "INTERNAL_E001",
        `solver picked ${p.name} ${formatVersion(p.version)} which the index never listed`,
      );
    }
    const pkg: LockedPackage = {
      name: p.name,
      version: formatVersion(p.version),
      source,
      blake3: rec.blake3,
      sha256: rec.sha256,
      capabilities: [...(rec.capabilities)].sort(),
      dependencies: [...p.dependencies].map(([n, v]) => `${n} ${formatVersion(v)}`).sort(),
    };
    if (rec.yanked) pkg.yanked = true;
    return pkg;
  });
  const capabilitiesSeen = new Map<string, string[]>();
  for (const p of packages) {
    const seen = new Set([...(capabilitiesSeen.get(p.name) ?? []), ...p.capabilities]);
    capabilitiesSeen.set(p.name, [...seen].sort());
  }
  return {
    lock: { version: 1, manifestHash: project.manifestHash, packages, capabilitiesSeen },
    solveMs,
  };
}

function blobDigests(p: LockedPackage): { blake3: string; sha256: string } {
  if (!p.blake3 || !p.sha256) {
    throw new MochiError(
      "LOCK_E005",
      `mochi.lock has no digests for ${p.name} ${p.version} (source ${p.source})`,
      {
        hint: "only registry packages can be installed; run mochi lock --refresh",
      },
    );
  }
  return { blake3: p.blake3, sha256: p.sha256 };
}

async function runPool<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed: unknown;
  async function worker() {
    while (failed === undefined && next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (e) {
        failed ??= e;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== undefined) throw failed;
}

/**
 * Write `mochi.lock` atomically (temp file, fsync, rename) while holding an OS lock on the
 * project's `mochi.toml`, and first remove temp lockfiles (`.mochi.lock.*.tmp`) a killed run left
 * behind: any writer holds the same lock, so under it every such file is an orphan.
 *
 * @param project the project
 * @param text the new lockfile, or undefined to only clean up
 * @param hooks fault points (`mid-lock-write`)
 */
async function writeLockfile(
  project: Project,
  text: string | undefined,
  hooks: TestHooks,
): Promise<void> {
  const manifest = await Deno.open(`${project.dir}/mochi.toml`, { read: true });
  try {
    await manifest.lock(true);
    for await (const e of Deno.readDir(project.dir)) {
      if (e.isFile && /^\.mochi\.lock\.[0-9a-f]{8}\.tmp$/.test(e.name)) {
        await Deno.remove(`${project.dir}/${e.name}`).catch(() => {});
      }
    }
    if (text !== undefined) {
      await writeFileAtomic(project.lockPath, new TextEncoder().encode(text), {
        beforeRename: () => hooks.fault("mid-lock-write"),
      });
    }
  } finally {
    manifest.close();
  }
}

interface FetchOptions {
  offline: boolean;
  lockReused: boolean;
  concurrency: number;
  maxBlobBytes: number;
  onProgress?: (message: string) => void;
}

/**
 * Bring every locked blob into the store, verified, and extract it. A blob already in the store
 * is re-hashed first and re-fetched when it no longer matches its address (never trusted because
 * of its path). A body cut off mid-stream is fetched again, up to {@link BLOB_STREAM_ATTEMPTS}
 * times. Every blob used is touched (last-use record for `mochi cache prune`).
 */
async function fetchAndExtract(
  lock: Lockfile,
  store: FsStore,
  registry: RegistryClient,
  o: FetchOptions,
): Promise<{ fetched: number; cached: number }> {
  const missing: LockedPackage[] = [];
  let cached = 0;
  for (const p of lock.packages) {
    const b3 = blobDigests(p).blake3;
    const state = await store.checkBlob(b3);
    if (state === "ok") {
      cached++;
      continue;
    }
    if (state === "corrupt") {
      o.onProgress?.(
        `store blob of ${p.name} ${p.version} no longer matches ${b3}: fetching again`,
      );
      await store.removeBlob(b3);
    }
    missing.push(p);
  }
  if (missing.length > 0 && o.offline) {
    throw new MochiError(
      "BLOB_E007",
      `${missing.length} package(s) are not in the store and --offline forbids fetching them (first: ${
        missing[0].name
      } ${missing[0].version})`,
      { hint: "run once without --offline/--frozen to fill the store" },
    );
  }
  // One download per blob across processes sharing the store: under the blob's download lock,
  // a blob another process stored meanwhile is not fetched again. A blob whose lock is busy
  // (another process is fetching it) is left for a second pass, so we fetch the others first.
  const deferred: LockedPackage[] = [];
  const fetchOne = (wait: boolean) => async (p: LockedPackage) => {
    const digests = blobDigests(p);
    const label = `${p.name} ${p.version}`;
    const release = await store.lockBlob(digests.blake3, { wait });
    if (release === undefined) {
      deferred.push(p);
      return;
    }
    try {
      if (await store.hasBlob(digests.blake3)) {
        o.onProgress?.(`fetched ${label} (already stored by another process)`);
        return;
      }
      for (let attempt = 1;; attempt++) {
        const stream = await registry.fetchBlob(digests.blake3);
        try {
          const put = await store.putBlob(
            stream,
            { ...digests, maxBytes: o.maxBlobBytes },
            label,
          );
          o.onProgress?.(
            `fetched ${label}${put.written ? " (stored)" : " (already stored by another process)"}`,
          );
          return;
        } catch (e) {
          const cut = e instanceof MochiError && e.code === "BLOB_E002";
          if (!cut || attempt >= BLOB_STREAM_ATTEMPTS) throw e;
          o.onProgress?.(`download of ${label} was cut off (attempt ${attempt}); retrying`);
        }
      }
    } catch (e) {
      throw o.lockReused ? await lockVersusIndex(e, p, registry) : e;
    } finally {
      release();
    }
  };
  await runPool(missing, o.concurrency, fetchOne(false));
  await runPool(deferred.splice(0), o.concurrency, fetchOne(true));
  await runPool(lock.packages, 8, async (p) => {
    await store.extract(blobDigests(p).blake3);
  });
  for (const p of lock.packages) await store.touch(blobDigests(p).blake3);
  return { fetched: missing.length, cached };
}

/**
 * When a locked blob cannot be fetched or verified, say whether the registry index now records
 * other digests for that version: the lockfile wins (nothing is installed from the index's
 * digests), and the error names both (`BLOB_E009`). Otherwise the original error is returned.
 */
async function lockVersusIndex(
  e: unknown,
  p: LockedPackage,
  registry: RegistryClient,
): Promise<unknown> {
  if (!(e instanceof MochiError) || (e.code !== "BLOB_E001" && e.code !== "BLOB_E002")) return e;
  let rec: { blake3: string; sha256: string } | undefined;
  try {
    rec = (await registry.records(p.name))?.find((r) => r.version === p.version);
  } catch {
    return e; // the index is unreachable too: the original error says enough
  }
  if (!rec || (rec.blake3 === p.blake3 && rec.sha256 === p.sha256)) return e;
  return new MochiError(
    "BLOB_E009",
    `${p.name} ${p.version}: mochi.lock pins blake3 ${p.blake3} sha256 ${p.sha256}, but the ` +
      `registry index now records blake3 ${rec.blake3} sha256 ${rec.sha256}; the lockfile wins, ` +
      `and the locked blob could not be installed: ${e.message}`,
    {
      hint: "the version was re-published with other bytes (or the registry is compromised). " +
        "If you trust the new bytes, remove the package from mochi.lock and run mochi install",
      cause: e,
    },
  );
}

/**
 * Installs a project: see the module doc for the order of steps.
 *
 * @param options project, home, registry and cargo-style flags
 * @returns what happened ({@link InstallReport})
 * @throws {MochiError} LOCK_E002 when `--locked`/`--frozen` and the lockfile would change;
 *   BLOB_E001 (exit 4) when a blob does not match its digests; INDEX_*, SOLVER_*, MANIFEST_*
 */
export async function install(options: InstallOptions): Promise<InstallReport> {
  const t0 = performance.now();
  const offline = options.offline || options.frozen || false;
  const locked = options.locked || options.frozen || false;
  const project = await readProject(options.projectDir);
  const registryUrl = registryUrlFor(project, options.registryUrl);
  const hooks = options.hooks ?? NO_TEST_HOOKS;
  const registry = openRegistry(registryUrl, {
    cacheDir: `${options.mochiHome}/index`,
    offline,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(hooks.maxIndexBytes !== undefined ? { maxIndexBytes: hooks.maxIndexBytes } : {}),
    ...(hooks.retryBaseMs !== undefined ? { baseDelayMs: hooks.retryBaseMs } : {}),
  });
  const storeRoot = `${options.mochiHome}/store`;

  let lock = project.lock;
  let resolved = false;
  let solveMs = 0;
  const verdict = lock && !options.refresh
    ? lockSatisfiesManifest(lock, project.manifest, project.manifestHash)
    : undefined;
  if (!lock || !verdict?.ok) {
    if (locked) {
      throw new MochiError(
        "LOCK_E002",
        lock
          ? `mochi.lock needs to be updated: ${
            verdict?.ok === false ? verdict.reason : "refresh requested"
          }`
          : "mochi.lock does not exist",
        {
          hint: "run mochi install (or mochi lock) without --locked/--frozen to update it",
          file: project.lockPath,
        },
      );
    }
    ({ lock, solveMs } = await resolveProject(project, registry, options.onProgress));
    resolved = true;
  }
  const newLockText = formatLockfile(lock);

  // The store lock, shared: installs only add files, so they run side by side; `cache prune`
  // (exclusive) waits for them. Everything below writes temp files into this run's session.
  const held = await acquireStoreLock(storeRoot, "shared", {
    command: "install",
    ...(options.onWait ? { onWait: options.onWait } : {}),
  });
  let fetched = 0;
  let cached = 0;
  let lockChanged = false;
  try {
    const orphans = await cleanOrphanSessions(storeRoot);
    if (orphans > 0) options.onProgress?.(`removed ${orphans} session(s) left by killed processes`);
    const store = new FsStore(storeRoot, { hooks, workDir: held.sessionDir });
    ({ fetched, cached } = await fetchAndExtract(lock, store, registry, {
      offline,
      lockReused: !resolved,
      concurrency: options.concurrency ?? 16,
      maxBlobBytes: hooks.maxBlobBytes ?? DEFAULT_MAX_BLOB_BYTES,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    }));
    lockChanged = newLockText !== project.lockText;
    hooks.fault("after-rename-before-lock-write");
    await writeLockfile(project, lockChanged ? newLockText : undefined, hooks);
  } catch (e) {
    throw diskError(e, `the store (${storeRoot}) or ${project.lockPath}`);
  } finally {
    await held.release();
  }
  return {
    packages: lock.packages.length,
    resolved,
    fetched,
    cached,
    lockChanged,
    lockPath: project.lockPath,
    storeDir: storeRoot,
    elapsedMs: performance.now() - t0,
    solveMs,
    registry: registryUrl,
    indexStats: registry.stats,
  };
}

/** Result of {@link lock}. */
export interface LockReport {
  /** Whether the lockfile on disk equals what resolution gives. */
  upToDate: boolean;
  /** Whether the file was written (never with `check`). */
  written: boolean;
  /** Lines describing added, removed and changed packages (`+ name ver`, `- name ver`). */
  changes: string[];
  /** Packages in the new lockfile. */
  packages: number;
  /** Path of `mochi.lock`. */
  lockPath: string;
  /** Solver time in milliseconds. */
  solveMs: number;
}

/**
 * Resolves and writes `mochi.lock` without fetching blobs (`mochi lock`), or, with `check`,
 * compares what resolution gives with the lockfile on disk and writes nothing
 * (`mochi lock --check`).
 *
 * @param options project, home, registry, flags; `check` compares only
 * @returns a {@link LockReport}
 * @throws {MochiError} LOCK_E002 when `--locked` and the lockfile would change
 */
export async function lock(options: InstallOptions & { check?: boolean }): Promise<LockReport> {
  const project = await readProject(options.projectDir);
  const registry = openRegistry(registryUrlFor(project, options.registryUrl), {
    cacheDir: `${options.mochiHome}/index`,
    offline: options.offline || options.frozen || false,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const { lock: next, solveMs } = await resolveProject(project, registry, options.onProgress);
  const text = formatLockfile(next);
  const upToDate = text === project.lockText;
  const changes = diffLocks(project.lock, next);
  if (!upToDate && !options.check && (options.locked || options.frozen)) {
    throw new MochiError("LOCK_E002", "mochi.lock would change", {
      hint: "run mochi lock without --locked/--frozen to update it",
      file: project.lockPath,
    });
  }
  const written = !upToDate && !options.check;
  if (written) await writeLockfile(project, text, NO_TEST_HOOKS);
  return {
    upToDate,
    written,
    changes,
    packages: next.packages.length,
    lockPath: project.lockPath,
    solveMs,
  };
}

/**
 * Differences between two lockfiles, one line per package identity.
 *
 * @param before old lockfile (or undefined)
 * @param after new lockfile
 * @returns sorted lines: `+ name version`, `- name version`, `~ name version (blake3 changed)`
 */
export function diffLocks(before: Lockfile | undefined, after: Lockfile): string[] {
  const key = (p: LockedPackage) => `${p.name} ${p.version}`;
  const old = new Map((before?.packages ?? []).map((p) => [key(p), p]));
  const now = new Map(after.packages.map((p) => [key(p), p]));
  const out: string[] = [];
  for (const [k, p] of now) {
    const o = old.get(k);
    if (!o) out.push(`+ ${k}`);
    else if (o.blake3 !== p.blake3 || o.sha256 !== p.sha256) out.push(`~ ${k} (digest changed)`);
    else if (o.dependencies.join() !== p.dependencies.join()) {
      out.push(`~ ${k} (dependencies changed)`);
    }
  }
  for (const k of old.keys()) if (!now.has(k)) out.push(`- ${k}`);
  return out.sort((a, b) => (a.slice(2) < b.slice(2) ? -1 : a.slice(2) > b.slice(2) ? 1 : 0));
}
