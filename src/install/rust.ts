/**
 * The Rust bridge in the install pipeline: gather the project's Rust requirements
 * (`[targets.rust.ffi]` and `import rust` lines), resolve them against the crates-io sparse
 * index, diff `[[rust-package]]` entries, and fetch `.crate` files into the store
 * (`mochi fetch`).
 *
 * @module
 */
import type { InstallEvent } from "./events.ts";
import type { LockedCrate, Lockfile } from "../lockfile/mod.ts";
import { crateSourceKey } from "../lockfile/format.ts";
// The light parts of the Rust room directly; its resolver (provider, PubGrub) is loaded only
// when crates are resolved, so an install that reuses its lock never evaluates it.
import { mergeRustRequirements, type RustImport, rustImportOfLine } from "../rust/imports.ts";
import { lockedCratesSatisfy } from "../rust/satisfy.ts";
import type { RustRequirement } from "../rust/resolve.ts";
import { type ImportScan, scanImportLines } from "./source_scan.ts";
import {
  type CargoIndexClient,
  cratesIoIndexUrl,
  openCargoIndex,
} from "../registry/client/cargo_index_client.ts";
import type { FsStore } from "../store/fs/fs_store.ts";
import { mochiHomeLayout } from "../store/fs/home.ts";
import { openStoreSession } from "../store/fs/session.ts";
import type { Project } from "./project.ts";
import { type Artifact, lockArtifacts, planFetch } from "./plan.ts";
import {
  type AddressBook,
  type ArtifactSource,
  DEFAULT_MAX_BLOB_BYTES,
  executePlan,
  readStoreState,
} from "./executor.ts";
import type { StoreHolder } from "../store/fs/store_lock.ts";
import type { InstallLimits } from "./limits.ts";

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Every `import rust` line in the project's `.mochi` files (hidden directories, `node_modules`,
 * `target` and `vendor` skipped), paths relative to the project directory, sorted.
 *
 * @param dir project directory
 * @param sources the project's sources if already walked ({@link scanImportLines})
 * @returns the imports
 * @throws {MochiError} `RUST_E002` on an invalid import line; `PROJECT_E005` a source file over
 *   the size cap
 */
export async function scanProjectImports(
  dir: string,
  sources?: ImportScan,
): Promise<RustImport[]> {
  const walked = sources ?? await scanImportLines(dir);
  const out: RustImport[] = [];
  for (const l of walked.imports.rust) {
    const imp = rustImportOfLine(l.text, l.file, l.line);
    if (imp !== undefined) out.push(imp);
  }
  return out;
}

/**
 * The project's Rust requirements: `[targets.rust.ffi]` merged with its sources' imports.
 *
 * @param project the project
 * @param sources the project's sources if already walked ({@link scanImportLines}), so the
 *   bridges share one walk
 * @returns the requirements (empty when it uses no Rust crates)
 * @throws {MochiError} `RUST_E002` bad import line; `RUST_E003` manifest and import disagree
 */
export async function rustRequirementsOf(
  project: Project,
  sources?: ImportScan,
): Promise<RustRequirement[]> {
  const imports = await scanProjectImports(project.dir, sources);
  return mergeRustRequirements("mochi.toml", project.manifest.rustDependencies, imports);
}

/** Options shared by the Rust steps. */
export interface RustStepOptions {
  /** `$MOCHI_HOME`. */
  mochiHome: string;
  /** Never touch the network. */
  offline?: boolean;
  /** Injected fetch (tests). */
  fetch?: typeof fetch;
  /** `MOCHI_CRATES_IO_INDEX`. */
  cratesIoIndex?: string;
}

/**
 * Opens the project's crates-io index.
 *
 * @param project the project
 * @param options home, offline, fetch, env override
 * @returns the client
 */
export function openProjectCargoIndex(
  project: Project,
  options: RustStepOptions,
): CargoIndexClient {
  let url = cratesIoIndexUrl(project.manifest.registry.cratesIo, options.cratesIoIndex);
  if (!/^[a-z][a-z0-9+.-]*:/i.test(url)) url = new URL(url, `file://${project.dir}/`).href;
  return openCargoIndex(url, {
    cacheDir: mochiHomeLayout(options.mochiHome).index,
    offline: options.offline ?? false,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/**
 * The `[[rust-package]]` entries the lock should hold: the locked ones when they still answer
 * the requirements (and `fresh` is not asked), else a new resolution.
 *
 * @param project the project
 * @param requirements its Rust requirements
 * @param options home, offline, fetch, env; `fresh` re-resolves regardless (lock --check);
 *   `prefer` re-resolves trying these crate versions first (the others keep their locked ones);
 *   `keepLocked` keeps the locked versions preferred even with `fresh` (the repair of a
 *   conflicted lock)
 * @returns the entries and whether the solver ran
 * @throws NoSolutionError `SOLVER_E002`; `RUST_E005`; index client errors
 */
export async function lockCrates(
  project: Project,
  requirements: readonly RustRequirement[],
  options: RustStepOptions & {
    fresh?: boolean | undefined;
    prefer?: ReadonlyMap<string, string> | undefined;
    keepLocked?: boolean | undefined;
  },
): Promise<{ crates: LockedCrate[]; resolved: boolean; index?: CargoIndexClient }> {
  const old = project.lock?.rustPackages ?? [];
  if (requirements.length === 0) return { crates: [], resolved: false };
  const index = openProjectCargoIndex(project, options);
  const prefer = options.prefer ?? new Map<string, string>();
  if (!options.fresh && old.length > 0 && prefer.size === 0) {
    if (lockedCratesSatisfy(old, requirements, index.url).ok) {
      return { crates: [...old], resolved: false, index };
    }
  }
  try {
    // Path and git crates: each the one version of its name (rust_local.ts), read from its
    // directory or its locked commit (a fresh resolution fetches the ref again).
    const local = new Map<string, import("./rust_local.ts").LocalCrate>();
    const localReqs = requirements.filter((r) => r.local !== undefined);
    let source: import("../rust/provider.ts").CrateSource = index;
    if (localReqs.length > 0) {
      const rl = await import("./rust_local.ts");
      const { crateSourceFits } = await import("../rust/satisfy.ts");
      for (const r of localReqs) {
        if (local.has(r.package)) continue;
        const kept = options.fresh
          ? undefined
          : old.find((c) => c.name === r.package && crateSourceFits(c, r));
        local.set(
          r.package,
          await rl.loadLocalCrate(project.dir, r.package, rl.localSourceOf(r.local!), kept, {
            offline: options.offline,
          }),
        );
      }
      source = rl.withLocalCrates(index, local);
    }
    const { resolveCrates } = await import("../rust/resolve.ts");
    const { crates } = await resolveCrates(source, requirements, {
      indexUrl: index.url,
      locked: options.fresh && !options.keepLocked ? [] : old,
      ...(prefer.size > 0 ? { prefer } : {}),
    });
    const out = crates.map((c) => {
      const l = local.get(c.name);
      return l !== undefined && l.version === c.version
        ? { ...c, source: l.source, checksumSha256: l.checksumSha256 }
        : c;
    });
    return { crates: out, resolved: true, index };
  } finally {
    await index.flush();
  }
}

/**
 * Differences between two sets of `[[rust-package]]` entries.
 *
 * @param before old entries
 * @param after new entries
 * @returns lines `+ crate name ver`, `- crate name ver`,
 *   `~ crate name ver (checksum a… → b…)` / `(yanked)` / `(dependencies changed)` /
 *   `(features changed)`, sorted by crate
 */
export function diffCrates(
  before: readonly LockedCrate[],
  after: readonly LockedCrate[],
): string[] {
  const key = (c: LockedCrate) => `${c.name} ${c.version}`;
  const old = new Map(before.map((c) => [key(c), c]));
  const now = new Map(after.map((c) => [key(c), c]));
  const out: string[] = [];
  for (const [k, c] of now) {
    const o = old.get(k);
    if (o === undefined) out.push(`+ crate ${k}`);
    else if (o.checksumSha256 !== c.checksumSha256) {
      out.push(
        `~ crate ${k} (checksum ${o.checksumSha256.slice(0, 12)}… → ${
          c.checksumSha256.slice(0, 12)
        }…)`,
      );
    } else if ((o.yanked ?? false) !== (c.yanked ?? false)) {
      out.push(`~ crate ${k} (${c.yanked ? "yanked" : "no longer yanked"})`);
    } else if (o.dependencies.join() !== c.dependencies.join()) {
      out.push(`~ crate ${k} (dependencies changed)`);
    } else if (o.features.join() !== c.features.join()) {
      out.push(`~ crate ${k} (features [${o.features.join(", ")}] → [${c.features.join(", ")}])`);
    } else if (crateSourceKey(o.source) !== crateSourceKey(c.source)) {
      out.push(`~ crate ${k} (source ${crateSourceKey(o.source)} → ${crateSourceKey(c.source)})`);
    }
  }
  for (const [k, o] of old) {
    if (!now.has(k)) {
      // A yank shows as the locked version leaving: say why when the index still lists it.
      out.push(`- crate ${k}${o.yanked ? " (yanked)" : ""}`);
    }
  }
  return out.sort((a, b) => (a.slice(2) < b.slice(2) ? -1 : a.slice(2) > b.slice(2) ? 1 : 0));
}

/** What {@link fetchCrates} did. */
export interface FetchReport {
  /** Crates in the lock. */
  crates: number;
  /** Downloaded and verified this run. */
  fetched: number;
  /** Already in the store. */
  cached: number;
  /** Bytes downloaded. */
  bytes: number;
}

/**
 * The SHA-256 → BLAKE3 records of `.crate` files (the cargo index and the lock pin a crate's
 * SHA-256; the store addresses blobs by BLAKE3): the store's SHA-256 aliases
 * (`<store>/aliases/sha256/<sha256>`, {@link FsStore.resolveAlias}), which `mochi verify` checks
 * and `mochi cache prune` prunes with their blobs.
 *
 * @param store the store, opened in this run's session
 * @returns the address book the executor reads and writes
 */
export function crateAddresses(store: FsStore): AddressBook {
  return {
    async get(sha256) {
      if (!HEX64.test(sha256)) return undefined;
      return await store.resolveAlias(sha256);
    },
    async set(sha256, blake3) {
      await store.putAlias(sha256, blake3);
    },
  };
}

/** Options of {@link fetchCrates}. */
export interface FetchCratesOptions extends RustStepOptions {
  /** Parallel downloads; default 16. */
  concurrency?: number;
  /** Progress callback. */
  onProgress?: (m: string) => void;
  /** Phases and items done, for a progress display. */
  onEvent?: (event: InstallEvent) => void;
  /** Called once when the store lock has been held by others for 1 s. */
  onWait?: (holders: StoreHolder[], waitedMs: number) => void;
  /** Archive limits and body caps overriding the defaults (`blobBytes`, `archive`). */
  limits?: InstallLimits;
}

/**
 * Downloads every locked `.crate` through the same executor as Mochi blobs: under the shared
 * store lock (so `mochi cache prune` and `mochi fetch` exclude each other), streamed with a cap
 * counted in bytes, SHA-256 checked against the lock (which was checked against the index
 * `cksum` when it was written) and BLAKE3 computed in the same pass, stored under its BLAKE3
 * address with a SHA-256 alias in the store ({@link crateAddresses}); every crate used is touched
 * (so `cache prune` keeps it); a failure removes what this run added.
 *
 * @param project the project (its lock must hold the crates)
 * @param lock the lockfile to fetch for
 * @param options home, offline, fetch, env, concurrency, wait notice, limits
 * @returns counts
 * @throws {MochiError} `RUST_E004` (exit 4) on a checksum mismatch, naming the crate and both
 *   digests; `RUST_E006` download failure; `BLOB_E004` over the cap; `BLOB_E007` offline and
 *   missing
 */
export async function fetchCrates(
  project: Project,
  lock: Lockfile,
  options: FetchCratesOptions,
): Promise<FetchReport> {
  let index: CargoIndexClient | undefined;
  return await fetchLockedArtifacts(lock, "crate", {
    open: (a) =>
      (index ??= openProjectCargoIndex(project, options)).download(a.name, a.version, a.sha256),
  }, options);
}

/**
 * The bridges' shared fetch (`.crate` files, wheels): every artifact of one kind in the lock,
 * planned against the store and run through the one executor under the shared store lock, with
 * a SHA-256 alias per blob ({@link crateAddresses}). Only that kind is planned, so a project that
 * also locks Go zips or wheels never asks this source for them.
 *
 * @param lock the lockfile
 * @param kind the artifact kind to fetch
 * @param source opens an artifact's bytes
 * @param options home, offline, concurrency, progress, wait notice, limits
 * @returns counts (`crates` holds the number of artifacts of that kind)
 * @throws {MochiError} what the source and the executor throw (`BLOB_E004` over the cap,
 *   `BLOB_E007` offline and missing, a digest mismatch)
 */
export async function fetchLockedArtifacts(
  lock: Lockfile,
  kind: Artifact["kind"],
  source: ArtifactSource,
  options: Omit<FetchCratesOptions, "cratesIoIndex" | "fetch">,
): Promise<FetchReport> {
  const artifacts = lockArtifacts({ ...lock, packages: [] }).filter((a) => a.kind === kind);
  const report: FetchReport = { crates: artifacts.length, fetched: 0, cached: 0, bytes: 0 };
  if (artifacts.length === 0) return report;
  const limits = options.limits ?? {};
  const session = await openStoreSession(options.mochiHome, "shared", {
    command: "fetch",
    archivePolicy: limits.archive ?? {},
    ...(options.onWait ? { onWait: options.onWait } : {}),
  });
  try {
    const store = session.store;
    const addresses = crateAddresses(store);
    const plan = planFetch(artifacts, await readStoreState(artifacts, store, addresses), {
      offline: options.offline ?? false,
      requireSignatures: false,
    });
    const done = await executePlan(plan, store, source, {
      concurrency: options.concurrency ?? 16,
      maxBytes: limits.blobBytes ?? DEFAULT_MAX_BLOB_BYTES,
      addresses,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
    return { ...report, fetched: done.fetched, cached: done.cached, bytes: done.bytes };
  } finally {
    await session.release();
  }
}
