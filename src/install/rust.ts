/**
 * The Rust bridge in the install pipeline: gather the project's Rust requirements
 * (`[targets.rust.ffi]` and `import rust` lines), resolve them against the crates-io sparse
 * index, diff `[[rust-package]]` entries, and fetch `.crate` files into the store
 * (`mochi fetch`).
 *
 * @module
 */
import { join, relative } from "node:path";
import { MochiError } from "../errors.ts";
import type { LockedCrate, Lockfile } from "../lockfile/mod.ts";
import {
  lockedCratesSatisfy,
  mergeRustRequirements,
  resolveCrates,
  type RustImport,
  type RustRequirement,
  scanRustImports,
} from "../rust/mod.ts";
import { digestBytes } from "../store/digest.ts";
import {
  type CargoIndexClient,
  cratesIoIndexUrl,
  openCargoIndex,
} from "../adapters/cargo_index_client.ts";
import { FsStore } from "../store/fs/fs_store.ts";
import { runPool } from "./pool.ts";
import { writeFileAtomic } from "../store/fs/fs_atomic.ts";
import type { Project } from "./install.ts";

const SKIP_DIRS = new Set(["node_modules", "target", "vendor"]);

/**
 * Every `import rust` line in the project's `.mochi` files (hidden directories, `node_modules`,
 * `target` and `vendor` skipped), paths relative to the project directory, sorted.
 *
 * @param dir project directory
 * @returns the imports
 * @throws {MochiError} `RUST_E002` on an invalid import line
 */
export async function scanProjectImports(dir: string): Promise<RustImport[]> {
  const out: RustImport[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries: Deno.DirEntry[] = [];
    for await (const e of Deno.readDir(d)) entries.push(e);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      const p = join(d, e.name);
      if (e.isDirectory && !SKIP_DIRS.has(e.name)) await walk(p);
      else if (e.isFile && e.name.endsWith(".mochi")) {
        out.push(...scanRustImports(await Deno.readTextFile(p), relative(dir, p)));
      }
    }
  };
  await walk(dir);
  return out;
}

/**
 * The project's Rust requirements: `[targets.rust.ffi]` merged with its sources' imports.
 *
 * @param project the project
 * @returns the requirements (empty when it uses no Rust crates)
 * @throws {MochiError} `RUST_E002` bad import line; `RUST_E003` manifest and import disagree
 */
export async function rustRequirementsOf(project: Project): Promise<RustRequirement[]> {
  const imports = await scanProjectImports(project.dir);
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
    cacheDir: `${options.mochiHome}/index`,
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
 * @param options home, offline, fetch, env; `fresh` re-resolves regardless (lock --check)
 * @returns the entries and whether the solver ran
 * @throws NoSolutionError `SOLVER_E002`; `RUST_E005`; index client errors
 */
export async function lockCrates(
  project: Project,
  requirements: readonly RustRequirement[],
  options: RustStepOptions & { fresh?: boolean },
): Promise<{ crates: LockedCrate[]; resolved: boolean; index?: CargoIndexClient }> {
  const old = project.lock?.rustPackages ?? [];
  if (requirements.length === 0) return { crates: [], resolved: false };
  const index = openProjectCargoIndex(project, options);
  if (!options.fresh && old.length > 0) {
    if (lockedCratesSatisfy(old, requirements, index.url).ok) {
      return { crates: [...old], resolved: false, index };
    }
  }
  try {
    const { crates } = await resolveCrates(index, requirements, {
      indexUrl: index.url,
      locked: options.fresh ? [] : old,
    });
    return { crates, resolved: true, index };
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
    } else if (o.source.index !== c.source.index) {
      out.push(`~ crate ${k} (index ${o.source.index} → ${c.source.index})`);
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

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Downloads every locked `.crate` through the index's `dl` template, checks its SHA-256 against
 * the lock (which was checked against the index `cksum` when it was written), computes BLAKE3
 * too, and stores it in the content-addressed store under its BLAKE3 address. The SHA-256 →
 * BLAKE3 map lives in `$MOCHI_HOME/crates/<sha256>` so later runs skip stored crates. A crate
 * whose bytes do not match is refused and never stored.
 *
 * @param project the project (its lock must hold the crates)
 * @param lock the lockfile to fetch for
 * @param options home, offline, fetch, env, concurrency
 * @returns counts
 * @throws {MochiError} `RUST_E004` (exit 4) on a checksum mismatch, naming the crate, both
 *   digests and the URL; `RUST_E006` download failure; `BLOB_E007` offline and missing
 */
export async function fetchCrates(
  project: Project,
  lock: Lockfile,
  options: RustStepOptions & { concurrency?: number; onProgress?: (m: string) => void },
): Promise<FetchReport> {
  const crates = lock.rustPackages ?? [];
  const report: FetchReport = { crates: crates.length, fetched: 0, cached: 0, bytes: 0 };
  if (crates.length === 0) return report;
  const store = new FsStore(`${options.mochiHome}/store`);
  const mapDir = `${options.mochiHome}/crates`;
  await Deno.mkdir(mapDir, { recursive: true });
  const index = openProjectCargoIndex(project, options);
  const todo: LockedCrate[] = [];
  for (const c of crates) {
    let b3: string | undefined;
    try {
      b3 = (await Deno.readTextFile(`${mapDir}/${c.checksumSha256}`)).trim();
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    if (b3 !== undefined && HEX64.test(b3) && await store.hasBlob(b3)) report.cached++;
    else todo.push(c);
  }
  if (todo.length > 0 && options.offline) {
    throw new MochiError(
      "BLOB_E007",
      `${todo.length} crate(s) are not in the store and --offline forbids fetching them (first: ${
        todo[0].name
      } ${todo[0].version})`,
      { hint: "run mochi fetch once without --offline/--frozen" },
    );
  }
  await runPool(todo, options.concurrency ?? 16, async (c) => {
    const stream = await index.download(c.name, c.version, c.checksumSha256);
    const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
    const digest = await digestBytes(bytes);
    if (digest.sha256 !== c.checksumSha256) {
      throw new MochiError(
        "RUST_E004",
        `${c.name} ${c.version}: the downloaded .crate has SHA-256 ${digest.sha256}, but ` +
          `mochi.lock (checksum-sha256, from the index cksum) says ${c.checksumSha256}; ` +
          `it was not stored`,
        {
          hint: "the registry or a proxy served other bytes; do not trust this mirror. If " +
            "the crate was legitimately republished, run mochi lock --check to see the change",
        },
      );
    }
    await store.putBytes(
      bytes,
      { blake3: digest.blake3, sha256: digest.sha256 },
      `${c.name} ${c.version}`,
    );
    await writeFileAtomic(
      `${mapDir}/${c.checksumSha256}`,
      new TextEncoder().encode(`${digest.blake3}\n`),
    );
    report.fetched++;
    report.bytes += bytes.length;
    options.onProgress?.(
      `fetched ${c.name} ${c.version} (blake3 ${digest.blake3.slice(0, 12)}…)`,
    );
  });
  return report;
}
