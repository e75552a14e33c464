/**
 * The install pipeline: manifest → (lockfile or PubGrub) → store.
 *
 * `install()` reads `mochi.toml`, reuses `mochi.lock` when it still satisfies the manifest
 * (no resolution, no index traffic), otherwise resolves against the registry (refusing a package
 * whose publisher changed unless accepted). Then, for every missing blob, it verifies the
 * package's Sigstore bundle against the signer in the lock while the blob downloads into a
 * private staging store (both digests checked in one pass), moves the blobs into the
 * content-addressed store only when every bundle and blob verified, extracts them, and only then
 * writes the lockfile (temp file, fsync, rename).
 *
 * Cargo's `--locked`, `--offline` and `--frozen` meanings (decisions.md §Lockfile).
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { type Manifest, parseManifest } from "../manifest/mod.ts";
import { decodeUtf8Strict } from "../manifest/utf8.ts";
import {
  computeManifestHash,
  formatLockfile,
  type LockedCrate,
  type LockedPackage,
  type Lockfile,
  lockSatisfiesManifest,
  parseLockfile,
} from "../lockfile/mod.ts";
import { compareVersions, formatVersion, parseVersion, type Version } from "../semver/mod.ts";
import {
  type Incompatibility,
  NoSolutionError,
  resolve,
  type ResolvedPackage,
} from "../solver/mod.ts";
import {
  capabilityGate,
  CapabilityGateError,
  CapabilityPolicy,
  type NewCapability,
} from "../capability/mod.ts";
import { openRegistry, type RegistryClient } from "../adapters/index_client.ts";
import { FsStore } from "../store/fs/fs_store.ts";
import { writeFileAtomic } from "../store/fs/fs_atomic.ts";
import { acquireStoreLock, cleanOrphanSessions, type StoreHolder } from "../store/fs/store_lock.ts";
import { NO_TEST_HOOKS, type TestHooks } from "../store/fs/test_hooks.ts";
import { RegistryProvider } from "./registry_provider.ts";
import { runPool } from "./pool.ts";
import { readAtMost } from "../adapters/bounded_read.ts";
import { diffCrates, lockCrates, rustRequirementsOf } from "./rust.ts";
import {
  loadSignatureVerifier,
  refusePublisherChanges,
  signerOfRecord,
  verifyLockedPackage,
} from "./signatures.ts";
import {
  configuredRegistries,
  lockedRegistries,
  lockSourceProblem,
  pinnedRegistries,
  type RegistrySource,
  registrySourceId,
  SourceRouter,
} from "./sources.ts";

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
  /** The crates-io index for Rust crates when the manifest names none (`MOCHI_CRATES_IO_INDEX`). */
  cratesIoIndex?: string;
  /**
   * `--accept-capabilities[=<pkg>]`: accept newly required capabilities for every package
   * (`"all"`) or the named ones; without it an update that adds one fails with LOCK_E006.
   */
  acceptCapabilities?: "all" | string[];
  /** `mochi lock --upgrade`: resolve without preferring the locked versions. */
  upgrade?: boolean;
  /**
   * `mochi update <pkg>…`: these packages lose their locked-version preference; every other
   * package keeps it, so only they and what must move with them change (cargo `update -p`).
   */
  unlock?: readonly string[];
  /** `mochi update <pkg> --precise <v>`: package name → the exact version it must take. */
  pins?: ReadonlyMap<string, string>;
  /** Trusted root JSON bundles are verified against; the public-good root when absent. */
  trustedRootJson?: string;
  /** Fail on an unsigned package instead of warning (`--require-signatures`). */
  requireSignatures?: boolean;
  /** Packages whose new publisher is accepted (`--accept-publisher <pkg>`). */
  acceptPublishers?: readonly string[];
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
  /** `[[rust-package]]` entries in the lockfile. */
  crates: number;
  /** Whether the Mochi packages were resolved (false: the lock's were kept). */
  packagesResolved: boolean;
  /** Whether the Rust crates were resolved (false: the lock's were kept, or there are none). */
  cratesResolved: boolean;
  /** The cargo index the crates come from, when the project has any. */
  cratesIndex?: string;
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
  /** Sigstore bundles verified this run (one per fetched signed package). */
  verifiedSignatures: number;
  /** Fetched packages that have no signature (`name version`), sorted; the CLI warns. */
  unsigned: string[];
  /** CPU time spent verifying bundles (sum over packages), in milliseconds. */
  verifyMs: number;
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
    text = decodeUtf8Strict(
      await Deno.readFile(manifestPath),
      manifestPath,
      "MANIFEST_E001",
      "save mochi.toml as UTF-8",
    );
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
  let lockBytes: Uint8Array | undefined;
  try {
    lockBytes = await Deno.readFile(lockPath);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  if (lockBytes !== undefined) {
    lockText = decodeUtf8Strict(
      lockBytes,
      lockPath,
      "LOCK_E005",
      "run `mochi lock --refresh` to rewrite mochi.lock from mochi.toml",
    );
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
  return configuredRegistries(project, fallback)[0].url;
}

/** The registries of one command: configured order, manifest pins, one client per URL. */
export interface ProjectSources {
  /** Configured registries, default first ({@link configuredRegistries}). */
  readonly registries: RegistrySource[];
  /** Dependency name → registry URL named in the manifest ({@link pinnedRegistries}). */
  readonly pinned: Map<string, string>;
  /** The client of a registry URL, opened on first use. */
  client(url: string): RegistryClient;
}

/**
 * Opens the registries of a project (lazily: a registry is contacted only when asked).
 *
 * @param project the project
 * @param options home, fallback registry, offline mode, injected fetch
 * @returns the configured registries, the manifest's pins and a client per URL; every client
 *   checks the registry's signed snapshot with trust state in `$MOCHI_HOME/state`
 * @throws {MochiError} `INDEX_E007` no registry; `SOURCE_E001` a dependency names an unknown
 *   registry
 */
export function openProjectSources(
  project: Project,
  options: Pick<
    InstallOptions,
    "mochiHome" | "registryUrl" | "offline" | "frozen" | "fetch" | "hooks"
  >,
): ProjectSources {
  const hooks = options.hooks ?? NO_TEST_HOOKS;
  const registries = configuredRegistries(project, options.registryUrl);
  const pinned = pinnedRegistries(project, registries);
  const clients = new Map<string, RegistryClient>();
  return {
    registries,
    pinned,
    client(url: string): RegistryClient {
      let c = clients.get(url);
      if (c === undefined) {
        c = openRegistry(url, {
          cacheDir: `${options.mochiHome}/index`,
          trust: { stateDir: `${options.mochiHome}/state` },
          offline: options.offline || options.frozen || false,
          ...(options.fetch ? { fetch: options.fetch } : {}),
          ...(hooks.maxIndexBytes !== undefined ? { maxIndexBytes: hooks.maxIndexBytes } : {}),
          ...(hooks.retryBaseMs !== undefined ? { baseDelayMs: hooks.retryBaseMs } : {}),
        });
        clients.set(url, c);
      }
      return c;
    },
  };
}

/**
 * The options for {@link openProjectSources}: a project with no Mochi dependencies (Rust crates
 * only) needs no Mochi registry, so the project directory stands in for one (never read).
 *
 * @param project the project
 * @param options the command's options
 * @returns `options`, with a stand-in `registryUrl` when the project needs no registry
 */
export function sourceOptions(project: Project, options: InstallOptions): InstallOptions {
  const { manifest } = project;
  const needed = manifest.dependencies.size + manifest.devDependencies.size > 0;
  if (needed || manifest.registry.default !== undefined || options.registryUrl) return options;
  return { ...options, registryUrl: new URL(`file://${project.dir}/`).href };
}

/** The lock with its `[[rust-package]]` entries replaced (absent when there are none). */
function withCrates(lock: Lockfile, crates: LockedCrate[]): Lockfile {
  const out: Lockfile = { ...lock };
  delete out.rustPackages;
  if (crates.length > 0) out.rustPackages = crates;
  return out;
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

function lockedVersions(
  lock: Lockfile | undefined,
  unlock: readonly string[] = [],
  pins: ReadonlyMap<string, string> = new Map(),
): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [name, version] of pins) out[name] = version;
  for (const p of lock?.packages ?? []) {
    if (unlock.includes(p.name) || pins.has(p.name)) continue;
    // With several versions of one name, prefer the highest as the solver's first pick.
    const prev = out[p.name];
    if (!prev || compareVersions(parseVersion(p.version), parseVersion(prev)) > 0) {
      out[p.name] = p.version;
    }
  }
  return out;
}

/**
 * Resolves a project against its registries and builds the lockfile it would get. Each package
 * name is taken from one owner registry only ({@link SourceRouter}: manifest pin, else the
 * lock's source, else the first registry that has it), and the lock records it as `source`.
 *
 * @param project the project
 * @param sources the project's registries ({@link openProjectSources})
 * @param onProgress progress callback
 * @param options `acceptCapabilities` for the update gate; `upgrade` ignores locked versions
 * @returns the lockfile, the solver time in milliseconds, and the newly required capabilities
 *   that `acceptCapabilities` let through
 * @throws {MochiError} SOLVER_E002 (unsolvable, with the report); CAP_E001 (unsolvable because
 *   of a capability pin, same report); {@link CapabilityGateError} LOCK_E006 when a package
 *   newly requires a capability nobody accepted; INDEX_*, SNAPSHOT_* and others
 */
export async function resolveProject(
  project: Project,
  sources: ProjectSources,
  onProgress?: (m: string) => void,
  options: Pick<InstallOptions, "acceptCapabilities" | "upgrade" | "unlock" | "pins"> = {},
): Promise<{ lock: Lockfile; solveMs: number; accepted: NewCapability[] }> {
  const router = new SourceRouter(
    sources.registries,
    (url) => sources.client(url),
    sources.pinned,
    lockedRegistries(project.lock, sources.registries),
  );
  const provider = new RegistryProvider(router, CapabilityPolicy.fromManifest(project.manifest));
  const { manifest } = project;
  const t0 = performance.now();
  const root = {
    name: manifest.package.name,
    version: manifest.package.version,
    dependencies: rootDependencies(manifest),
  };
  for (const [name, version] of options.pins ?? []) {
    const req = `=${version}`;
    root.dependencies[name] = root.dependencies[name] ? `${root.dependencies[name]}, ${req}` : req;
  }
  provider.prefetch(Object.keys(root.dependencies));
  let solution: ResolvedPackage[];
  try {
    solution = await resolve(provider, root, {
      locked: options.upgrade ? {} : lockedVersions(project.lock, options.unlock, options.pins),
      allowMultiVersion: manifest.allowMultiVersion,
      yanked: (name: string, v: Version) => provider.isYanked(name, v),
    });
  } catch (e) {
    if (e instanceof NoSolutionError && hasCapabilityCause(e.incompatibility)) {
      throw new MochiError("CAP_E001", e.report, {
        cause: e,
        hint: "apply one of the fix options above, then run the command again",
      });
    }
    throw e;
  }
  const solveMs = performance.now() - t0;
  onProgress?.(`resolved ${solution.length} packages in ${solveMs.toFixed(0)} ms`);
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
      source: registrySourceId(router.ownerOf(p.name)!),
      blake3: rec.blake3,
      sha256: rec.sha256,
      capabilities: [...(rec.capabilities)].sort(),
      dependencies: [...p.dependencies].map(([n, v]) => `${n} ${formatVersion(v)}`).sort(),
    };
    if (rec.yanked) pkg.yanked = true;
    const signer = signerOfRecord(rec);
    if (signer !== undefined) Object.assign(pkg, signer);
    return pkg;
  });
  const gate = capabilityGate({
    previousSeen: project.lock?.capabilitiesSeen,
    packages,
    manifestChanged: project.lock?.manifestHash !== project.manifestHash,
    ...(options.acceptCapabilities ? { accept: options.acceptCapabilities } : {}),
  });
  if (gate.blocked.length > 0) throw new CapabilityGateError(gate.blocked);
  return {
    lock: {
      version: 1,
      manifestHash: project.manifestHash,
      packages,
      capabilitiesSeen: gate.seen,
    },
    solveMs,
    accepted: gate.accepted,
  };
}

/** Whether a failure's derivation contains a capability-pin exclusion. */
function hasCapabilityCause(root: Incompatibility): boolean {
  const seen = new Set<Incompatibility>();
  const stack = [root];
  while (stack.length > 0) {
    const inc = stack.pop()!;
    if (seen.has(inc)) continue;
    seen.add(inc);
    if (inc.cause.kind === "capability") return true;
    if (inc.cause.kind === "derived") stack.push(inc.cause.conflict, inc.cause.other);
  }
  return false;
}

/** The registry URL of a locked registry package (`registry+<url>`). */
function registryUrlOf(p: LockedPackage): string {
  if (!p.source.startsWith("registry+")) {
    throw new MochiError(
      "LOCK_E005",
      `mochi.lock gives ${p.name} ${p.version} the source ${p.source}, not a registry`,
      { hint: "only registry packages can be installed; run mochi lock --refresh" },
    );
  }
  return p.source.slice("registry+".length);
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

/**
 * Write `mochi.lock` atomically (temp file, fsync, rename) while holding an OS lock on the
 * project's `mochi.toml`, and first remove temp lockfiles (`.mochi.lock.*.tmp`) a killed run left
 * behind: any writer holds the same lock, so under it every such file is an orphan.
 *
 * @param project the project
 * @param text the new lockfile, or undefined to only clean up
 * @param hooks fault points (`mid-lock-write`)
 */
/**
 * Writes `mochi.lock` (temp file, fsync, rename) while holding an exclusive lock on
 * `mochi.toml`, removing temp files earlier runs left.
 *
 * @param project the project (its directory and lock path)
 * @param text the new lockfile text, or undefined to only clean up
 * @param hooks fault points (tests)
 */
export async function writeLockfile(
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
  requireSignatures: boolean;
  trustedRootJson?: string;
  onProgress?: (message: string) => void;
}

/** What {@link fetchAndExtract} did. */
interface FetchOutcome {
  fetched: number;
  cached: number;
  verifiedSignatures: number;
  unsigned: string[];
  verifyMs: number;
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
  sources: ProjectSources,
  o: FetchOptions,
): Promise<FetchOutcome> {
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
  // Signatures: every signed package about to be fetched has its bundle verified (chain, log,
  // DSSE, subject = the locked digests, signer = the lock's) before anything is extracted.
  const unsigned = missing.filter((p) => p.signer === undefined).map((p) =>
    `${p.name} ${p.version}`
  ).sort();
  if (unsigned.length > 0 && o.requireSignatures) {
    throw new MochiError(
      "SIG_E009",
      `${unsigned.length} package(s) have no signature: ${unsigned.join(", ")}`,
      {
        hint:
          "drop --require-signatures to install them with a warning, or depend on signed versions",
      },
    );
  }
  const signed = missing.filter((p) => p.signer !== undefined);
  let verifyMs = 0;
  const verifyAll = async (): Promise<void> => {
    if (signed.length === 0) return;
    await loadSignatureVerifier();
    await runPool(signed, o.concurrency, async (p) => {
      let stream: ReadableStream<Uint8Array>;
      try {
        stream = await sources.client(registryUrlOf(p)).fetchBundle(blobDigests(p).blake3);
      } catch (e) {
        if (!(e instanceof MochiError) || e.code !== "BLOB_E002") throw e;
        throw new MochiError(
          "BLOB_E002",
          `${p.name} ${p.version} is signed (mochi.lock or the index says so), but its Sigstore bundle could not be fetched: ${e.message}`,
          {
            hint:
              "the registry must serve <blake3>.sigstore next to the blob; nothing was added to the store",
            cause: e,
          },
        );
      }
      const bundleJson = await readBundleText(stream, `${p.name} ${p.version}`);
      const t = performance.now();
      verifyLockedPackage(p, bundleJson, o.trustedRootJson);
      verifyMs += performance.now() - t;
      o.onProgress?.(`verified the signature of ${p.name} ${p.version} (${p.signer})`);
    });
  };
  // Blobs this run adds: removed again if the run fails, so a failed install leaves the store's
  // blobs as they were (a blob that does not match its digests is never stored at all).
  const added: string[] = [];
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
      const registry = sources.client(registryUrlOf(p));
      for (let attempt = 1;; attempt++) {
        const stream = await registry.fetchBlob(digests.blake3);
        try {
          const put = await store.putBlob(
            stream,
            { ...digests, maxBytes: o.maxBlobBytes },
            label,
          );
          if (put.written) added.push(digests.blake3);
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
      throw o.lockReused ? await lockVersusIndex(e, p, sources.client(registryUrlOf(p))) : e;
    } finally {
      release();
    }
  };
  const fetchAll = async (): Promise<void> => {
    await runPool(missing, o.concurrency, fetchOne(false));
    await runPool(deferred.splice(0), o.concurrency, fetchOne(true));
  };
  // Bundles verify while blobs download; both run to the end, and if either failed the blobs
  // this run added are removed before the error (a signature failure first) is reported.
  const [verified, fetched] = await Promise.allSettled([verifyAll(), fetchAll()]);
  if (verified.status === "rejected" || fetched.status === "rejected") {
    for (const b3 of added) await store.removeBlob(b3).catch(() => {});
    throw verified.status === "rejected"
      ? verified.reason
      : (fetched as PromiseRejectedResult).reason;
  }
  await runPool(lock.packages, 8, async (p) => {
    await store.extract(blobDigests(p).blake3);
  });
  for (const p of lock.packages) await store.touch(blobDigests(p).blake3);
  return { fetched: missing.length, cached, verifiedSignatures: signed.length, unsigned, verifyMs };
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
  const hooks = options.hooks ?? NO_TEST_HOOKS;
  const sources = openProjectSources(project, sourceOptions(project, options));
  const registryUrl = sources.registries[0].url;
  const storeRoot = `${options.mochiHome}/store`;
  const rustRequirements = await rustRequirementsOf(project);

  let lock = project.lock;
  let resolved = false;
  let solveMs = 0;
  let verdict = lock && !options.refresh
    ? lockSatisfiesManifest(lock, project.manifest, project.manifestHash)
    : undefined;
  // A dependency moved to another registry in mochi.toml: the lock must not keep the old one,
  // and under --locked the error names the source change.
  const sourceProblem = lock ? lockSourceProblem(lock, sources.pinned) : undefined;
  if (sourceProblem !== undefined) verdict = { ok: false, reason: sourceProblem };
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
    ({ lock, solveMs } = await resolveProject(project, sources, options.onProgress, options));
    refusePublisherChanges(project.lock, lock, new Set(options.acceptPublishers ?? []));
    resolved = true;
  }
  const rust = await lockCrates(project, rustRequirements, { ...options, offline });
  if (rust.resolved && locked) {
    throw new MochiError("LOCK_E002", "mochi.lock needs to be updated: its Rust crates changed", {
      hint: "run mochi install (or mochi lock) without --locked/--frozen to update it",
      file: project.lockPath,
    });
  }
  lock = withCrates(lock, rust.crates);
  const packagesResolved = resolved;
  resolved ||= rust.resolved;
  const newLockText = formatLockfile(lock);

  // The store lock, shared: installs only add files, so they run side by side; `cache prune`
  // (exclusive) waits for them. Everything below writes temp files into this run's session.
  const held = await acquireStoreLock(storeRoot, "shared", {
    command: "install",
    ...(options.onWait ? { onWait: options.onWait } : {}),
  });
  let outcome: FetchOutcome;
  let lockChanged = false;
  try {
    const orphans = await cleanOrphanSessions(storeRoot);
    if (orphans > 0) options.onProgress?.(`removed ${orphans} session(s) left by killed processes`);
    const store = new FsStore(storeRoot, { hooks, workDir: held.sessionDir });
    outcome = await fetchAndExtract(lock, store, sources, {
      offline,
      lockReused: !packagesResolved,
      concurrency: options.concurrency ?? 16,
      maxBlobBytes: hooks.maxBlobBytes ?? DEFAULT_MAX_BLOB_BYTES,
      requireSignatures: options.requireSignatures ?? false,
      ...(options.trustedRootJson !== undefined
        ? { trustedRootJson: options.trustedRootJson }
        : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
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
    crates: lock.rustPackages?.length ?? 0,
    resolved,
    packagesResolved,
    cratesResolved: rust.resolved,
    ...(rust.index ? { cratesIndex: rust.index.url } : {}),
    fetched: outcome.fetched,
    cached: outcome.cached,
    lockChanged,
    lockPath: project.lockPath,
    storeDir: storeRoot,
    elapsedMs: performance.now() - t0,
    solveMs,
    registry: registryUrl,
    indexStats: sources.client(registryUrl).stats,
    verifiedSignatures: outcome.verifiedSignatures,
    unsigned: outcome.unsigned,
    verifyMs: outcome.verifyMs,
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
  /** `[[rust-package]]` entries in the new lockfile. */
  crates: number;
  /** Path of `mochi.lock`. */
  lockPath: string;
  /** Solver time in milliseconds. */
  solveMs: number;
  /** Newly required capabilities accepted with `--accept-capabilities`. */
  accepted: NewCapability[];
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
  const offline = options.offline || options.frozen || false;
  const sources = openProjectSources(project, sourceOptions(project, options));
  const rustRequirements = await rustRequirementsOf(project);
  const resolvedProject = await resolveProject(
    project,
    sources,
    options.onProgress,
    options,
  );
  const { solveMs, accepted } = resolvedProject;
  const rust = await lockCrates(project, rustRequirements, {
    ...options,
    offline,
    fresh: options.check || options.refresh,
  });
  const next = withCrates(resolvedProject.lock, rust.crates);
  if (!options.check) {
    refusePublisherChanges(project.lock, next, new Set(options.acceptPublishers ?? []));
  }
  const text = formatLockfile(next);
  const upToDate = text === project.lockText;
  const changes = [
    ...diffLocks(project.lock, next),
    ...diffCrates(project.lock?.rustPackages ?? [], next.rustPackages ?? []),
  ];
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
    crates: next.rustPackages?.length ?? 0,
    packages: next.packages.length,
    lockPath: project.lockPath,
    solveMs,
    accepted,
  };
}

/**
 * Differences between two lockfiles, one line per package identity.
 *
 * @param before old lockfile (or undefined)
 * @param after new lockfile
 * @returns sorted lines: `+ name version`, `- name version`, `~ name version (digest changed)`,
 *   `(dependencies changed)` or `(capabilities changed)`
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
    } else if (o.capabilities.join() !== p.capabilities.join()) {
      out.push(`~ ${k} (capabilities changed)`);
    }
  }
  for (const k of old.keys()) if (!now.has(k)) out.push(`- ${k}`);
  return out.sort((a, b) => (a.slice(2) < b.slice(2) ? -1 : a.slice(2) > b.slice(2) ? 1 : 0));
}

/** Largest Sigstore bundle install reads, in bytes. */
const MAX_BUNDLE_BYTES = 1024 * 1024;

async function readBundleText(stream: ReadableStream<Uint8Array>, label: string): Promise<string> {
  const bytes = await readAtMost(stream, {
    bytes: MAX_BUNDLE_BYTES,
    error: () =>
      new MochiError(
        "SIG_E001",
        `${label}: its Sigstore bundle is larger than ${MAX_BUNDLE_BYTES} bytes`,
        {
          hint:
            "the registry serves something that is not a bundle; nothing was added to the store",
        },
      ),
  });
  return new TextDecoder().decode(bytes);
}
