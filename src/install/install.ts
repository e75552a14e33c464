/**
 * The install pipeline as a short orchestration (uv's plan-then-act split):
 *
 * 1. read the project once ({@link readProject}: strict UTF-8, size caps);
 * 2. decide (pure, `decision.ts`): reuse `mochi.lock` when it still satisfies the manifest, else
 *    resolve against the registries (refusing a publisher change unless accepted); a reused lock
 *    must name configured registries only and agree with the index records when the index can be
 *    read;
 * 3. plan (pure, `plan.ts`): what is cached, what to fetch, what is corrupt, what to verify;
 *    `--offline` and `--require-signatures` refuse here, before any I/O;
 * 4. act (`executor.ts`): in a store session, download and verify, roll back on failure,
 *    extract, touch; only then write the lockfile (temp file, fsync, rename).
 *
 * Cargo's `--locked`, `--offline` and `--frozen` meanings (the cargo book, "cargo build" manifest
 * options).
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import type { InstallEvent } from "./events.ts";
import type { RetryNotice } from "../registry/client/index_client.ts";
import {
  formatLockfile,
  type LockedCrate,
  type LockedGoModule,
  type LockedPackage,
  type Lockfile,
} from "../lockfile/mod.ts";
import type { NewCapability } from "../capability/mod.ts";
import type { NetworkLimits } from "../registry/client/index_client.ts";
import { openRegistryClients } from "../registry/client/registry_clients.ts";
import { mochiHomeLayout } from "../store/fs/home.ts";
import { openStoreSession } from "../store/fs/session.ts";
import type { StoreHolder } from "../store/fs/store_lock.ts";
import { faultPoint } from "../store/fs/test_hooks.ts";
import type { InstallLimits } from "./limits.ts";
import {
  crateAddresses,
  diffCrates,
  fetchCrates,
  fetchLockedArtifacts,
  type FetchReport,
  lockCrates,
  rustRequirementsOf,
} from "./rust.ts";
import { type ImportScan, scanImportLines } from "./source_scan.ts";
import type { GoLockResult, GoStepOptions } from "./go.ts";
import { deferVerifiedRecords, refusePublisherChanges } from "./signatures.ts";
import { absoluteRegistryUrl, configuredRegistries, pinnedRegistries } from "./sources.ts";
import { type Project, readProject, writeLockfile } from "./project.ts";
import type { ProjectSources } from "./resolve.ts";
import {
  decideLock,
  type LockDecision,
  lockWouldChange,
  NOT_CANONICAL,
  refuseUnconfiguredSources,
} from "./decision.ts";
import { type Artifact, type InstallPlan, lockArtifacts, planFetch } from "./plan.ts";
import {
  gitArtifactSource,
  isLocalDependency,
  loadLocalPackages,
  type LocalPackage,
  pathLockProblem,
} from "./local_sources.ts";
import type { LockedPackage as LockedMochiPackage } from "../lockfile/mod.ts";
import type { PythonLockResult, PythonStepOptions } from "./python.ts";
import {
  describeLockMerge,
  diffPythonLock,
  formatPythonLockChange,
  markerHolds,
} from "../lockfile/mod.ts";
import { type Platform, platformOf } from "../manifest/platform.ts";
import {
  DEFAULT_MAX_BLOB_BYTES,
  executePlan,
  type ExecuteReport,
  readStoreState,
} from "./executor.ts";
import {
  checkedLockPath,
  checkLockAgainstIndex,
  lockWasChecked,
  mochiArtifactSource,
  rememberLockChecked,
} from "./mochi_source.ts";

export {
  type LockedProject,
  type Project,
  readLockedProject,
  readProject,
  writeLockfile,
} from "./project.ts";
export type { ProjectSources, ResolveOptions } from "./resolve.ts";

/**
 * `resolve.ts` (the solver, the capability gate, the manifest hints) loaded on first use: a run
 * that reuses the lock never evaluates it, which is most of a no-op install's start-up.
 */
async function resolver(): Promise<typeof import("./resolve.ts")> {
  return await import("./resolve.ts");
}
export { BLOB_STREAM_ATTEMPTS, DEFAULT_MAX_BLOB_BYTES } from "./executor.ts";

/** Options of {@link install} and {@link lock}. */
export interface InstallOptions {
  /** Directory holding `mochi.toml`. */
  projectDir: string;
  /** `$MOCHI_HOME` (store, index cache). */
  mochiHome: string;
  /** Registry URL used when the manifest has no `[registry] default` (`MOCHI_REGISTRY`). */
  registryUrl?: string;
  /**
   * Mirrors of the default registry used when the manifest has no `[registry] mirrors`
   * (`MOCHI_MIRRORS`, URLs separated by commas or spaces).
   */
  mirrors?: string[];
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
  /** Phases, items done and registry retries, for a progress display ({@link InstallEvent}). */
  onEvent?: (event: InstallEvent) => void;
  /** The crates-io index for Rust crates when the manifest names none (`MOCHI_CRATES_IO_INDEX`). */
  cratesIoIndex?: string;
  /** The PEP 691 index for Python distributions when the manifest names none (`MOCHI_PYPI_INDEX`). */
  pythonIndex?: string;
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
  /**
   * Take locked packages and crates from the manifest's `[registry] vendor` directory (default
   * true; `mochi vendor` itself sets false, as it fills that directory from the network).
   */
  useVendor?: boolean;
  /** Fail on an unsigned package instead of warning (`--require-signatures`). */
  requireSignatures?: boolean;
  /**
   * `--require-provenance-from <pattern>`: refuse, before anything is fetched or written, a
   * registry package that is unsigned or whose signer or SLSA source repository does not match
   * (`*` one path segment, `**` any; see `provenanceRefusals`).
   */
  requireProvenanceFrom?: string;
  /** Packages whose new publisher is accepted (`--accept-publisher <pkg>`). */
  acceptPublishers?: readonly string[];
  /**
   * Called once when the store lock has been held by others for 1 s (the CLI always prints
   * it): who holds it and for how long we waited.
   */
  onWait?: (holders: StoreHolder[], waitedMs: number) => void;
  /**
   * The platform to install for (`MOCHI_PLATFORM`): the lock's entries whose marker excludes it
   * are not fetched. Default: this machine's (`Deno.build`). Resolution never depends on it.
   */
  platform?: Platform;
  /** Install every platform's entries of the lock (`mochi vendor`: a universal vendor directory). */
  allPlatforms?: boolean;
  /** Archive limits and body caps overriding the defaults ({@link InstallLimits}). */
  limits?: InstallLimits;
  /**
   * Download idle timeout and deadline (`MOCHI_HTTP_IDLE_TIMEOUT`, `MOCHI_HTTP_DEADLINE`; see
   * `networkLimitsFromEnv`); the registry client's defaults when absent.
   */
  network?: NetworkLimits;
  /**
   * The Go settings: the module proxy list (`MOCHI_GOPROXY`, else `GOPROXY`), the checksum
   * database (`MOCHI_GOSUMDB`, else `GOSUMDB`, or `off`), and the patterns that skip it
   * (`GONOSUMDB`, else `GOPRIVATE`).
   */
  goEnv?: {
    GOPROXY?: string | undefined;
    GOSUMDB?: string | undefined;
    GONOSUMDB?: string | undefined;
    GOPRIVATE?: string | undefined;
  };
}

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
  /** `[[python-wheel]]` entries in the lockfile (each fetched into the store). */
  wheels: number;
  /** Whether the Python distributions were resolved (false: the lock's were kept, or none). */
  pythonResolved: boolean;
  /** The Python index the wheels come from, when the project has any. */
  pythonIndex?: string;
  /** Whether the Mochi packages were resolved (false: the lock's were kept). */
  packagesResolved: boolean;
  /** Whether the Rust crates were resolved (false: the lock's were kept, or there are none). */
  cratesResolved: boolean;
  /** The cargo index the crates come from, when the project has any. */
  cratesIndex?: string;
  /** `[[go-package]]` entries in the lock. */
  goModules: number;
  /** Whether the Go modules were resolved and verified now (false: the lock's were kept). */
  goResolved: boolean;
  /** The module proxy the Go modules were resolved through, when they were. */
  goProxy?: string;
  /** Go modules not checked in a checksum database, with why (GONOSUMDB, GOSUMDB=off). */
  goUnverified: string[];
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
  /**
   * Locked packages (`name version`) that could not be checked against the registry index
   * (offline, or the registry did not answer), sorted; the CLI says so.
   */
  unchecked: string[];
  /** CPU time spent verifying bundles (sum over packages), in milliseconds. */
  verifyMs: number;
  /**
   * When `mochi.lock` had git conflict markers: what the re-resolution chose where the sides
   * differed, and how many versions both sides agreed on and were kept (`describeLockMerge`).
   */
  merge?: { lines: string[]; agreed: number };
  /** The platform installed for (`options.platform`, else this machine's). */
  platform?: Platform;
  /** Locked packages (`name version`) whose marker excludes this platform: not installed. */
  otherPlatforms: string[];
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
  return configuredRegistries(project, fallback)[0]!.url;
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
    | "mochiHome"
    | "registryUrl"
    | "mirrors"
    | "offline"
    | "frozen"
    | "fetch"
    | "limits"
    | "network"
    | "onEvent"
  >,
): ProjectSources {
  const limits = options.limits ?? {};
  const registries = configuredRegistries(project, options.registryUrl);
  const pinned = pinnedRegistries(project, registries);
  const mirrorUrls = (project.manifest.registry.mirrors ?? options.mirrors ?? []).map((m) =>
    absoluteRegistryUrl(m, project.dir)
  );
  const clients = openRegistryClients({
    ...(mirrorUrls.length > 0 ? { mirrors: new Map([[registries[0]!.url, mirrorUrls]]) } : {}),
    mochiHome: options.mochiHome,
    offline: options.offline || options.frozen || false,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(limits.indexBytes !== undefined ? { maxIndexBytes: limits.indexBytes } : {}),
    ...(limits.retryBaseMs !== undefined ? { baseDelayMs: limits.retryBaseMs } : {}),
    ...(options.network ? { network: options.network } : {}),
    ...(options.onEvent
      ? { onRetry: (r: RetryNotice) => options.onEvent!({ kind: "retry", ...r }) }
      : {}),
  });
  return { registries, pinned, client: (url) => clients.client(url) };
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
  const ws = project.workspace;
  const needed = ws !== undefined
    ? ws.members.some((m) =>
      [...m.manifest.dependencies.values(), ...m.manifest.devDependencies.values()]
        .some((d) => !isLocalDependency(d))
    )
    : [...manifest.dependencies.values(), ...manifest.devDependencies.values()]
      .some((d) => !isLocalDependency(d));
  if (needed || manifest.registry.default !== undefined || options.registryUrl) return options;
  return { ...options, registryUrl: new URL(`file://${project.dir}/`).href };
}

/**
 * The Go step (`lockGoModules`), loaded only for a project that uses Go modules (its manifest,
 * its sources or its lock), so a project without them loads none of the Go bridge.
 *
 * @param project the project
 * @param importScan the one walk of its sources
 * @param options home, offline, fetch, Go settings; `fresh` re-resolves regardless
 * @returns what `lockGoModules` decided (nothing when the project uses no Go modules)
 * @throws {MochiError} what `lockGoModules` throws
 */
export async function lockGoStep(
  project: Project,
  importScan: ImportScan,
  options: GoStepOptions & { fresh?: boolean | undefined },
): Promise<GoLockResult> {
  const uses = project.manifest.goDependencies !== undefined ||
    importScan.imports.go.length > 0 || (project.lock?.goPackages?.length ?? 0) > 0;
  if (!uses) {
    return { modules: [], resolved: false, unverified: [], retracted: [], zips: new Map() };
  }
  const go = await import("./go.ts");
  return await go.lockGoModules(project, await go.goRequirementsOf(project, importScan), options);
}

/**
 * The Python step (`lockPython` in `python.ts`), loaded only for a project that uses Python
 * distributions (its manifest, its sources or its lock), so a project without them loads none of
 * the Python bridge (its index client, its resolver) at start-up.
 *
 * @param project the project
 * @param importScan the one walk of its sources
 * @param options home, offline, fetch, env index; `fresh` re-resolves, `unlocked` without
 *   preferring the locked versions (as `lockPython`)
 * @returns the Python entries and whether the resolver ran
 * @throws {MochiError} what `pythonRequirementsOf` and `lockPython` throw (`PY_E008`–`PY_E013`)
 */
export async function lockPythonStep(
  project: Project,
  importScan: ImportScan,
  options: PythonStepOptions & { fresh?: boolean | undefined; unlocked?: boolean | undefined },
): Promise<PythonLockResult> {
  const uses = project.manifest.pythonDependencies !== undefined ||
    importScan.imports.python.length > 0 || (project.lock?.pythonPackages?.length ?? 0) > 0 ||
    (project.lock?.pythonWheels?.length ?? 0) > 0;
  if (!uses) return { packages: [], wheels: [], resolved: false };
  const py = await import("./python.ts");
  return await py.lockPython(project, await py.pythonRequirementsOf(project, importScan), options);
}

/**
 * The lock with its Python entries replaced (absent when there are none).
 *
 * @param lock the lock
 * @param python the entries
 * @returns a new lock object
 */
export function withPython(
  lock: Lockfile,
  python: Pick<PythonLockResult, "packages" | "wheels">,
): Lockfile {
  const out: Lockfile = { ...lock };
  delete out.pythonPackages;
  delete out.pythonWheels;
  if (python.packages.length > 0) out.pythonPackages = python.packages;
  if (python.wheels.length > 0) out.pythonWheels = python.wheels;
  return out;
}

/**
 * The project's vendor directory as an artifact source, when `[registry] vendor` is set (and
 * `useVendor` is not false); loaded only then.
 *
 * @param project the project
 * @param options the command's options
 * @returns the source, or undefined
 * @throws {MochiError} `VENDOR_E001` when the directory or its `vendor.json` is missing or bad
 */
async function vendorSourceOf(
  project: Project,
  options: Pick<InstallOptions, "useVendor">,
): Promise<Awaited<ReturnType<typeof import("./vendor.ts").openVendorSource>> | undefined> {
  const dir = project.manifest.registry.vendor;
  if (dir === undefined || options.useVendor === false) return undefined;
  const v = await import("./vendor.ts");
  return await v.openVendorSource(v.vendorDirOf(project.dir, dir));
}

/** Whether the manifest takes any Mochi package from a path or a git repository. */
function hasLocalDependencies(project: Project): boolean {
  const m = project.manifest;
  return [...m.dependencies.values(), ...m.devDependencies.values()].some(isLocalDependency);
}

/**
 * The store's archive of a locked git commit, read straight from its blob file and trusted only
 * when both its digests equal the lock's (the store is re-checked, never trusted by name).
 *
 * @param storeRoot the store root
 * @returns the lookup `loadLocalPackages` takes
 */
export function storedGitArchive(
  storeRoot: string,
): (p: LockedMochiPackage) => Promise<Uint8Array | undefined> {
  return async (p) => {
    if (p.blake3 === undefined || p.sha256 === undefined) return undefined;
    const { FsStore } = await import("../store/fs/fs_store.ts");
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(new FsStore(storeRoot).blobPath(p.blake3));
    } catch {
      return undefined;
    }
    const { digestBytes } = await import("../store/digest.ts");
    const d = await digestBytes(bytes);
    return d.blake3 === p.blake3 && d.sha256 === p.sha256 ? bytes : undefined;
  };
}

/** The lock with its `[[go-package]]` entries replaced (absent when there are none). */
function withGoModules(lock: Lockfile, modules: LockedGoModule[]): Lockfile {
  const out: Lockfile = { ...lock };
  delete out.goPackages;
  if (modules.length > 0) out.goPackages = modules;
  return out;
}

/** The lock with its `[[rust-package]]` entries replaced (absent when there are none). */
function withCrates(lock: Lockfile, crates: LockedCrate[]): Lockfile {
  const out: Lockfile = { ...lock };
  delete out.rustPackages;
  if (crates.length > 0) out.rustPackages = crates;
  return out;
}

/**
 * Installs a project: see the module doc for the order of steps.
 *
 * @param options project, home, registry and cargo-style flags
 * @returns what happened ({@link InstallReport})
 * @throws {MochiError} LOCK_E002 when `--locked`/`--frozen` and the lockfile would change
 *   (including a lock that is not in canonical form); SOURCE_E002 a reused lock names a
 *   registry that is configured nowhere; BLOB_E009 / LOCK_E008 a reused lock disagrees with the
 *   index; BLOB_E001 (exit 4) when a blob does not match its digests; SIG_E009 unsigned with
 *   `--require-signatures`; BLOB_E007 offline and missing; INDEX_*, SOLVER_*, MANIFEST_*
 */
export async function install(options: InstallOptions): Promise<InstallReport> {
  const t0 = performance.now();
  const offline = options.offline || options.frozen || false;
  const locked = options.locked || options.frozen || false;
  // A lock with git conflict markers is merged and re-resolved (not with --locked/--frozen).
  const project = await readProject(options.projectDir, { mergeConflicts: !locked });
  const merging = project.conflict !== undefined;
  const limits = options.limits ?? {};
  const sources = openProjectSources(project, sourceOptions(project, options));
  const registryUrl = sources.registries[0]!.url;
  const storeRoot = mochiHomeLayout(options.mochiHome).store;
  // One walk of the .mochi sources; every bridge reads its import lines from it.
  const importScan = await scanImportLines(project.dir);
  const rustRequirements = await rustRequirementsOf(project, importScan);

  // Decide: reuse the lock or resolve (pure), then act on the decision.
  let decision: LockDecision = merging
    ? { action: "resolve", reason: "mochi.lock has git conflict markers: both sides re-resolved" }
    : decideLock({ ...project, pinned: sources.pinned, refresh: options.refresh });
  if (decision.action === "reuse" && project.lock !== undefined && hasLocalDependencies(project)) {
    // Path packages are read again on every install (cargo does): a changed one re-resolves.
    const paths = await loadLocalPackages(project.dir, project.manifest, project.lock, {
      pathsOnly: true,
    });
    const reason = pathLockProblem(paths, project.lock);
    if (reason !== undefined) decision = { action: "resolve", reason };
  }
  let lock: Lockfile;
  let solveMs = 0;
  let unchecked: string[] = [];
  let local: ReadonlyMap<string, LocalPackage> = new Map();
  if (decision.action === "resolve") {
    if (locked) throw lockWouldChange(project.lockPath, decision.reason);
    const { resolveProject } = await resolver();
    ({ lock, solveMs, local } = await resolveProject(project, sources, options.onProgress, {
      ...options,
      offline,
      cachedArchive: storedGitArchive(storeRoot),
    }));
    refusePublisherChanges(project.lock, lock, new Set(options.acceptPublishers ?? []));
  } else {
    lock = project.lock!;
    // Offline nothing is contacted, so nothing can be checked (the CLI says so); online the lock
    // may name configured registries only, and must agree with their index records.
    if (offline) {
      unchecked = lock.packages.filter((p) => p.source.startsWith("registry+"))
        .map((p) => `${p.name} ${p.version}`).sort();
    } else {
      refuseUnconfiguredSources(lock, sources.registries, project.lockPath);
      const record = checkedLockPath(
        mochiHomeLayout(options.mochiHome).state,
        project.lockText!,
        sources.registries.map((r) => r.url),
      );
      if (!(await lockWasChecked(record))) {
        unchecked = await checkLockAgainstIndex(lock, (u) => sources.client(u), project.lockPath);
        if (unchecked.length === 0) await rememberLockChecked(record);
      }
    }
    if (unchecked.length > 0) {
      options.onProgress?.(
        `could not check ${unchecked.length} locked package(s) against the registry index ` +
          `(${offline ? "offline" : "registry unreachable"}): ${unchecked.join(", ")}`,
      );
    }
  }
  const packagesResolved = decision.action === "resolve";
  const repair = merging ? { fresh: true, keepLocked: true } : {};
  const rust = await lockCrates(project, rustRequirements, { ...options, offline, ...repair });
  if (rust.resolved && locked) {
    throw lockWouldChange(project.lockPath, "its Rust crates changed");
  }
  lock = withCrates(lock, rust.crates);
  const go = await lockGoStep(project, importScan, { ...options, offline, ...repair });
  if (go.resolved && locked) {
    throw lockWouldChange(project.lockPath, "its Go modules changed");
  }
  lock = withGoModules(lock, go.modules);
  const python = await lockPythonStep(project, importScan, { ...options, offline, ...repair });
  if (python.resolved && locked) {
    throw lockWouldChange(project.lockPath, "its Python distributions changed");
  }
  lock = withPython(lock, python);
  const newLockText = formatLockfile(lock);
  const lockChanged = newLockText !== project.lockText;
  if (lockChanged && locked) throw lockWouldChange(project.lockPath, NOT_CANONICAL);
  const platform = options.platform ?? platformOf(Deno.build.os, Deno.build.arch);
  const neededHere = platform === undefined || options.allPlatforms
    ? lock.packages
    : lock.packages.filter((p) => markerHolds(p.marker, platform));
  const otherPlatforms = lock.packages.filter((p) => !neededHere.includes(p))
    .map((p) => `${p.name} ${p.version}`).sort();

  // Decided on the planned lock, before anything is fetched or written.
  if (options.requireProvenanceFrom !== undefined) {
    const { refuseWithoutProvenance } = await import("./provenance.ts");
    await refuseWithoutProvenance(lock.packages, options.requireProvenanceFrom, {
      mochiHome: options.mochiHome,
      ...(options.network ? { network: options.network } : {}),
      ...(options.trustedRootJson !== undefined
        ? { trustedRootJson: options.trustedRootJson }
        : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  // A vendor directory replaces every source of locked packages and crates (source
  // replacement): the files are checked against the lock while they are stored.
  const vendor = await vendorSourceOf(project, options);
  if (vendor !== undefined && (lock.rustPackages?.length ?? 0) > 0) {
    await fetchLockedArtifacts(lock, "crate", vendor, { ...options, offline: false });
  }

  // The store lock, shared: installs only add files, so they run side by side; `cache prune`
  // (exclusive) waits for them. Everything below writes temp files into this run's session.
  const session = await openStoreSession(options.mochiHome, "shared", {
    command: "install",
    archivePolicy: limits.archive ?? {},
    ...(options.onWait ? { onWait: options.onWait } : {}),
  });
  let outcome: ExecuteReport;
  let plan: InstallPlan;
  try {
    const orphans = session.orphansRemoved;
    if (orphans > 0) options.onProgress?.(`removed ${orphans} session(s) left by killed processes`);
    const store = session.store;
    // Mochi blobs and Python wheels (crates are fetched by mochi fetch, as cargo fetch does).
    // A universal lock: only the entries this platform needs (their marker holds here).
    const artifacts = lockArtifacts({ ...lock, packages: neededHere, rustPackages: [] });
    const addresses = crateAddresses(store);
    plan = planFetch(artifacts, await readStoreState(artifacts, store, addresses), {
      // Nothing is fetched from the network when a vendor directory supplies the bytes.
      offline: offline && vendor === undefined,
      requireSignatures: options.requireSignatures ?? false,
    });
    // Vendored blobs are checked against the lock's digests; their bundles were verified when
    // the vendoring machine installed them (cargo vendor trusts its checksums the same way).
    if (vendor !== undefined) plan = { ...plan, toVerify: [] };
    // Bundles verified before are not verified again; this run's records are written only once
    // every artifact is in (a refused install leaves the store as it was).
    const verified = deferVerifiedRecords(store);
    // Disposed when this block ends: its signature Workers end with it.
    using mochiSource = mochiArtifactSource({
      client: (url) => sources.client(url),
      lock,
      lockReused: !packagesResolved,
      verified,
      ...(options.trustedRootJson !== undefined
        ? { trustedRootJson: options.trustedRootJson }
        : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    const goSource = go.modules.length > 0
      ? (await import("./go.ts")).goZipSource({ ...options, offline }, go.zips)
      : undefined;
    const wheelSource = (lock.pythonWheels?.length ?? 0) > 0
      ? (await import("./python.ts")).wheelArtifactSource(lock, { ...options, offline })
      : undefined;
    const packedGit = new Map<string, Uint8Array>();
    for (const l of local.values()) {
      if (l.archive !== undefined) packedGit.set(l.record.blake3, l.archive);
    }
    const gitSource = gitArtifactSource({ packed: packedGit });
    const { verify, explain } = mochiSource;
    outcome = await executePlan(
      plan,
      store,
      {
        open: (a) =>
          a.kind === "go-zip"
            ? goSource!.open(a)
            : a.kind === "wheel"
            ? wheelSource!.open(a)
            : vendor !== undefined
            ? vendor.open(a)
            : a.source.startsWith("git+")
            ? gitSource.open(a)
            : mochiSource.open(a),
        ...(verify ? { verify: (a: Artifact) => verify.call(mochiSource, a) } : {}),
        ...(vendor !== undefined
          ? { explain: (e: unknown, a: Artifact) => vendor.explain!(e, a) }
          : explain
          ? {
            explain: (e: unknown, a: Artifact) =>
              a.kind === "mochi" && !a.source.startsWith("git+")
                ? explain.call(mochiSource, e, a)
                : Promise.resolve(e),
          }
          : {}),
      },
      {
        concurrency: options.concurrency ?? 16,
        maxBytes: limits.blobBytes ?? DEFAULT_MAX_BLOB_BYTES,
        addresses,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      },
    );
    await verified.flush();
    faultPoint("after-rename-before-lock-write");
    await writeLockfile(
      project,
      lockChanged ? newLockText : undefined,
      () => faultPoint("mid-lock-write"),
    );
    // A lock resolved just now came from the index records: it needs no check next time.
    if (packagesResolved && !offline) {
      await rememberLockChecked(
        checkedLockPath(
          mochiHomeLayout(options.mochiHome).state,
          newLockText,
          sources.registries.map((r) => r.url),
        ),
      );
    }
  } catch (e) {
    throw diskError(e, `the store (${storeRoot}) or ${project.lockPath}`);
  } finally {
    await session.release();
  }
  const fetchedUnsigned = new Set(
    plan.toFetch.filter((a) => a.signer === undefined).map((a) => a.label),
  );
  return {
    packages: lock.packages.length,
    crates: lock.rustPackages?.length ?? 0,
    goModules: lock.goPackages?.length ?? 0,
    goResolved: go.resolved,
    ...(go.proxy ? { goProxy: go.proxy.entries.map((e) => e.url).join(",") } : {}),
    goUnverified: go.unverified,
    wheels: lock.pythonWheels?.length ?? 0,
    pythonResolved: python.resolved,
    ...(python.indexUrl ? { pythonIndex: python.indexUrl } : {}),
    resolved: packagesResolved || rust.resolved || go.resolved || python.resolved,
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
    unsigned: plan.unsigned.filter((l) => fetchedUnsigned.has(l)),
    unchecked,
    verifyMs: outcome.verifyMs,
    ...(platform !== undefined ? { platform } : {}),
    otherPlatforms,
    ...(merging
      ? { merge: describeLockMerge(project.conflict!.ours, project.conflict!.theirs, lock) }
      : {}),
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
  /** `[[go-package]]` entries in the new lockfile. */
  goModules: number;
  /** Go modules not checked in a checksum database, with why (GONOSUMDB, GOSUMDB=off). */
  goUnverified: string[];
  /** `[[python-package]]` entries in the new lockfile. */
  pythonPackages: number;
  /** Path of `mochi.lock`. */
  lockPath: string;
  /** Whether a `mochi.lock` file existed before (for `lockCheckError`). */
  lockExists: boolean;
  /** Solver time in milliseconds. */
  solveMs: number;
  /** Newly required capabilities accepted with `--accept-capabilities`. */
  accepted: NewCapability[];
  /**
   * Why the `mochi.lock` on disk could not be read, when `--refresh` rewrote it anyway (conflict
   * markers, a malformed entry); undefined otherwise.
   */
  repaired?: string;
  /** When `mochi.lock` had git conflict markers: what the merge chose (see {@link InstallReport.merge}). */
  merge?: { lines: string[]; agreed: number };
}

/**
 * Resolves and writes `mochi.lock` without fetching blobs (`mochi lock`), or, with `check`,
 * compares what resolution gives with the lockfile on disk and writes nothing
 * (`mochi lock --check`). With `refresh`, a `mochi.lock` that cannot be read (git conflict
 * markers, a malformed or refused entry) is rewritten from the manifest, keeping the versions of
 * whichever side of a conflict parses: the recovery every lock error names.
 *
 * @param options project, home, registry, flags; `check` compares only
 * @returns a {@link LockReport}
 * @throws {MochiError} LOCK_E002 when `--locked` and the lockfile would change
 */
export async function lock(options: InstallOptions & { check?: boolean }): Promise<LockReport> {
  const writes = !options.check && !options.locked && !options.frozen;
  const project = await readProject(options.projectDir, {
    repairLock: options.refresh === true && writes,
    mergeConflicts: writes,
  });
  const merging = project.conflict !== undefined;
  const offline = options.offline || options.frozen || false;
  const sources = openProjectSources(project, sourceOptions(project, options));
  // One walk of the .mochi sources; every bridge reads its import lines from it.
  const importScan = await scanImportLines(project.dir);
  const rustRequirements = await rustRequirementsOf(project, importScan);
  const { resolveProject } = await resolver();
  const resolvedProject = await resolveProject(project, sources, options.onProgress, {
    ...options,
    offline,
    cachedArchive: storedGitArchive(mochiHomeLayout(options.mochiHome).store),
  });
  const { solveMs, accepted } = resolvedProject;
  const rust = await lockCrates(project, rustRequirements, {
    ...options,
    offline,
    fresh: options.check || options.refresh || merging,
    keepLocked: merging && !options.upgrade,
  });
  const go = await lockGoStep(project, importScan, {
    ...options,
    offline,
    fresh: options.check || options.refresh || merging,
  });
  const python = await lockPythonStep(project, importScan, {
    ...options,
    offline,
    fresh: options.check || options.refresh || options.upgrade || merging,
    unlocked: options.check || options.upgrade,
  });
  const next = withPython(
    withGoModules(withCrates(resolvedProject.lock, rust.crates), go.modules),
    python,
  );
  if (!options.check) {
    refusePublisherChanges(project.lock, next, new Set(options.acceptPublishers ?? []));
  }
  const text = formatLockfile(next);
  const retracted = go.retracted.map((r) =>
    `~ go ${r.replace(/: /, " (retracted: ")}` +
    (r.includes(": ") ? ")" : " (retracted)")
  );
  const upToDate = text === project.lockText && retracted.length === 0;
  // A merged conflict's changes are counted from the side merged into ("ours").
  const before = merging ? project.conflict!.ours : project.lock;
  const changes = [
    ...diffLocks(before, next),
    ...diffCrates(before?.rustPackages ?? [], next.rustPackages ?? []),
    ...(before?.goPackages ?? next.goPackages ?? []).length > 0
      ? (await import("./go.ts")).diffGoModules(
        before?.goPackages ?? [],
        next.goPackages ?? [],
      )
      : [],
    ...retracted,
    ...diffPythonLock(
      { packages: before?.pythonPackages ?? [], wheels: before?.pythonWheels ?? [] },
      { packages: next.pythonPackages ?? [], wheels: next.pythonWheels ?? [] },
    ).map(formatPythonLockChange),
  ];
  if (!upToDate && !options.check && (options.locked || options.frozen)) {
    throw lockWouldChange(
      project.lockPath,
      changes.length > 0 ? `${changes.length} change(s), first ${changes[0]}` : NOT_CANONICAL,
    );
  }
  const written = !upToDate && !options.check;
  if (written) await writeLockfile(project, text);
  return {
    upToDate,
    written,
    changes,
    crates: next.rustPackages?.length ?? 0,
    goModules: next.goPackages?.length ?? 0,
    goUnverified: go.unverified,
    pythonPackages: next.pythonPackages?.length ?? 0,
    packages: next.packages.length,
    lockPath: project.lockPath,
    lockExists: project.lockText !== undefined || project.lockProblem !== undefined,
    solveMs,
    accepted,
    ...(project.lockProblem ? { repaired: project.lockProblem.message } : {}),
    ...(merging
      ? { merge: describeLockMerge(project.conflict!.ours, project.conflict!.theirs, next) }
      : {}),
  };
}

/**
 * Differences between two lockfiles, one line per package identity.
 *
 * @param before old lockfile (or undefined)
 * @param after new lockfile
 * @returns sorted lines: `+ name version`, `- name version`, `~ name version (digest changed)`,
 *   `(dependencies changed)`, `(capabilities changed)` or `(platforms changed: <marker>)`
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
    } else if (o.marker !== p.marker) {
      out.push(`~ ${k} (platforms changed: ${p.marker ?? "every platform"})`);
    }
  }
  for (const k of old.keys()) if (!now.has(k)) out.push(`- ${k}`);
  return out.sort((a, b) => (a.slice(2) < b.slice(2) ? -1 : a.slice(2) > b.slice(2) ? 1 : 0));
}

/**
 * `mochi fetch`: bring `mochi.lock` up to date ({@link lock}), then download every locked Rust
 * `.crate` (`fetchCrates`) and Python wheel (`fetchWheels`) into the store, as `cargo fetch`
 * updates the lock then downloads.
 *
 * @param options as for {@link install}; `--offline`/`--frozen` fetch nothing over the network
 * @returns what `fetchCrates` did, and the time it all took in ms
 * @throws {MochiError} what {@link lock} and `fetchCrates` throw
 */
export async function fetchProject(
  options: InstallOptions,
): Promise<FetchReport & { wheels: number; elapsedMs: number }> {
  const t0 = performance.now();
  const offline = options.offline || options.frozen || false;
  const before = await readProject(options.projectDir);
  // From a vendor directory offline, a lock that still fits is used as it is (the index the
  // re-lock would read is not vendored): cargo fetch --offline with vendored sources.
  const vendored = offline && options.useVendor !== false &&
    before.manifest.registry.vendor !== undefined && before.lock !== undefined &&
    decideLock({ ...before, pinned: new Map() }).action === "reuse";
  if (!vendored) await lock(options);
  const project = vendored ? before : await readProject(options.projectDir);
  const vendor = await vendorSourceOf(project, options);
  const report = vendor !== undefined
    ? await fetchLockedArtifacts(project.lock!, "crate", vendor, { ...options, offline: false })
    : await fetchCrates(project, project.lock!, { ...options, offline });
  const wheels = (project.lock?.pythonWheels?.length ?? 0) > 0
    ? await (await import("./python.ts")).fetchWheels(project.lock!, { ...options, offline })
    : { crates: 0, fetched: 0, cached: 0, bytes: 0 };
  return {
    ...report,
    wheels: wheels.crates,
    fetched: report.fetched + wheels.fetched,
    cached: report.cached + wheels.cached,
    bytes: report.bytes + wheels.bytes,
    elapsedMs: performance.now() - t0,
  };
}

/**
 * `mochi vendor [DIR]` (cargo vendor): installs the project from its registries and git
 * repositories (never from an existing vendor directory), fetches every locked crate, then
 * copies every locked Mochi package and crate from the store into `DIR` with a `vendor.json` of
 * digests (`writeVendorDir`).
 *
 * @param options as for {@link install}; `dir` the vendor directory (default `vendor`, relative
 *   to the project directory)
 * @returns what was copied, and the directory relative to the project (for the manifest snippet)
 * @throws {MochiError} what {@link install} and `fetchCrates` throw; `VENDOR_E001`/`VENDOR_E002`
 *   from `writeVendorDir`
 */
export async function vendorProject(
  options: InstallOptions & { dir?: string | undefined },
): Promise<import("./vendor.ts").VendorReport & { relativeDir: string }> {
  const base: InstallOptions = { ...options, useVendor: false };
  // The lock is universal, so the vendor directory is too: every platform's packages.
  await install({ ...base, allPlatforms: true });
  const project = await readProject(options.projectDir);
  const offline = options.offline || options.frozen || false;
  if ((project.lock?.rustPackages?.length ?? 0) > 0) {
    await fetchCrates(project, project.lock!, { ...base, offline });
  }
  const v = await import("./vendor.ts");
  const dir = v.vendorDirOf(project.dir, options.dir ?? "vendor");
  const report = await v.writeVendorDir(project.lock!, project.lockText!, options.mochiHome, dir);
  const { relative } = await import("node:path");
  const rel = relative(project.dir, dir).split("\\").join("/");
  return { ...report, relativeDir: rel === "" ? "." : rel };
}
