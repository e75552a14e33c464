/**
 * Path and git sources of Mochi packages (cargo's `path` and `git` dependencies, the cargo book
 * "Specifying Dependencies"): each becomes one candidate of the solver, read from the package's
 * own `mochi.toml`, and one `[[package]]` entry of the lock.
 *
 * - `{ path = "../x" }`: the directory's manifest is read on every resolution; the lock records
 *   `source = "path+../x"` (relative to the project, `/` separators) and no digests; nothing is
 *   copied into the store (the files are used where they are, as cargo does).
 * - `{ git = "…", rev | tag | branch = "…" }`: the repository is fetched with `git`
 *   (`fetchGitSource`), the commit's tree is packed exactly as `mochi pack` packs a package
 *   (byte-reproducible `.tar.zst`), and the lock records `source = "git+<url>?<kind>=<ref>#<commit>"`
 *   with the BLAKE3 and SHA-256 of that archive: the tree's content address in the store. Every
 *   install checks the store's copy against those digests, and a refetch must pack to the same
 *   bytes (`GIT_E003`, exit 4). The locked commit is kept until `mochi update <pkg>` (or
 *   `lock --upgrade`) moves it, or the manifest changes the URL or ref.
 *
 * A path package's own path and git dependencies are followed (paths relative to it); a git
 * package's path dependencies are refused (its checkout is not kept).
 *
 * @module
 */
import { isAbsolute, join, normalize, relative, resolve as resolvePath } from "node:path";
import { MochiError, quoteValue } from "../errors.ts";
import type { IndexRecord } from "../index/mod.ts";
import type { Dependency, Manifest } from "../manifest/mod.ts";
import type { Platform } from "../manifest/platform.ts";
import { dependencyTables } from "../manifest/tables.ts";
import { parseManifest } from "../manifest/parse.ts";
import { decodeUtf8Strict } from "../manifest/utf8.ts";
import {
  formatGitSourceId,
  gitRefOf,
  type GitSourceId,
  parseGitSourceId,
} from "../manifest/git_source.ts";
import type { LockedPackage, Lockfile } from "../lockfile/mod.ts";
import { parseRequirement, satisfies, tryParseVersion } from "../semver/mod.ts";
import { fetchGitSource } from "./git_fetch.ts";
import type { Artifact } from "./plan.ts";

/** Largest `mochi.toml` of a path or git package read, in bytes. */
const MAX_MANIFEST_BYTES = 1024 * 1024;

/** One package taken from a path or a git repository. */
export interface LocalPackage {
  /** Package name (its manifest's, equal to the dependency's name). */
  name: string;
  /** Its manifest's version. */
  version: string;
  /** The lock's `source`: `path+<relative dir>` or `git+<url>?<kind>=<ref>#<commit>`. */
  source: string;
  /** The solver's view of it: the one version, its dependencies and required capabilities. */
  record: IndexRecord;
  /** Path packages: the absolute directory. */
  dir?: string;
  /** Git packages: the packed commit, to put into the store. */
  archive?: Uint8Array;
  /**
   * Its manifest, when it has `[target.'cfg(…)']` tables: {@link localRecordFor} gives one
   * platform's record from it, and the resolver marks the edges only some platforms take.
   */
  manifest?: Manifest;
}

/**
 * A path or git package as one fork of a forked resolution sees it: its dependencies with only
 * the `[target.'cfg(…)']` tables that hold on `platform`.
 *
 * @param pkg the package ({@link loadLocalPackages})
 * @param platform the fork's platform
 * @returns the record (`pkg.record` itself when the package has no platform tables)
 */
export function localRecordFor(pkg: LocalPackage, platform: Platform): IndexRecord {
  if (pkg.manifest === undefined) return pkg.record;
  return recordOf(pkg.manifest, pkg.record, platform);
}

/** Options of {@link loadLocalPackages}. */
export interface LocalSourceOptions {
  /** Packages whose locked commit is not kept (`mochi update <pkg>`). */
  unlock?: readonly string[] | undefined;
  /** `lock --upgrade`: no locked commit is kept. */
  upgrade?: boolean | undefined;
  /** `--offline`/`--frozen`: a git source that must be fetched is refused. */
  offline?: boolean | undefined;
  /** Deadline of each git command, in milliseconds. */
  gitTimeoutMs?: number | undefined;
  /** Read path packages only (git ones are skipped): the check of a reused lock. */
  pathsOnly?: boolean | undefined;
  /**
   * The packed archive of a locked git commit, when the store holds it (saves the fetch); the
   * bytes are checked against the lock's digests by the caller's store.
   */
  cachedArchive?: (p: LockedPackage) => Promise<Uint8Array | undefined>;
}

/** Whether a manifest entry takes its package from a path or a git repository. */
export function isLocalDependency(dep: Dependency): boolean {
  return dep.path !== undefined || dep.git !== undefined;
}

/**
 * The lock's `source` of a path package: `path+<dir relative to the project>`, `/` separators.
 *
 * @param projectDir the project directory
 * @param dir the package directory (absolute)
 * @returns the source text
 */
export function pathSourceId(projectDir: string, dir: string): string {
  const rel = relative(projectDir, dir).split("\\").join("/");
  return `path+${rel === "" ? "." : rel}`;
}

function gitIdOf(dep: Dependency): Omit<GitSourceId, "commit"> {
  const g = dep.git!;
  const ref = gitRefOf(g);
  return ref === undefined ? { url: g.url } : { url: g.url, ref };
}

function sameGitSource(a: Omit<GitSourceId, "commit">, b: Omit<GitSourceId, "commit">): boolean {
  return a.url === b.url && a.ref?.kind === b.ref?.kind && a.ref?.value === b.ref?.value;
}

async function readManifestIn(dir: string, what: string): Promise<Manifest> {
  const file = join(dir, "mochi.toml");
  let bytes: Uint8Array;
  try {
    const info = await Deno.stat(file);
    if (!info.isFile || info.size > MAX_MANIFEST_BYTES) {
      throw new MochiError(
        "SOURCE_E003",
        `${file} (${what}) is not a file of at most ${MAX_MANIFEST_BYTES} bytes`,
      );
    }
    bytes = await Deno.readFile(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new MochiError("SOURCE_E003", `${what} has no mochi.toml (looked for ${file})`, {
        hint: "point the dependency at the directory (or repository root) of a Mochi package",
      });
    }
    throw e;
  }
  return parseManifest(decodeUtf8Strict(bytes, file, "MANIFEST_E001", "save it as UTF-8"), file)
    .manifest;
}

function recordOf(
  m: Manifest,
  digests?: { blake3: string; sha256: string },
  platform?: Platform,
): IndexRecord {
  const deps: Record<string, string> = Object.create(null);
  // Its `[target.'cfg(…)'.dependencies]` too: every table (the universal resolution) or the
  // ones holding on `platform` (one fork); markers come from `localConditional`.
  const tables = (m.platformDependencies ?? [])
    .filter((t) => platform === undefined || t.platforms.includes(platform))
    .map((t) => t.dependencies);
  for (const table of [m.dependencies, ...tables]) {
    for (const [name, dep] of table) {
      if (dep.optional) continue;
      deps[name] = deps[name] ? `${deps[name]}, ${dep.requirement}` : dep.requirement;
    }
  }
  return {
    version: m.package.version,
    blake3: digests?.blake3 ?? "",
    sha256: digests?.sha256 ?? "",
    dependencies: deps,
    yanked: false,
    capabilities: [...m.capabilities.required],
    extra: {},
  };
}

function checkIdentity(m: Manifest, dep: Dependency, what: string, where: string): void {
  if (m.package.name !== dep.name) {
    throw new MochiError(
      "SOURCE_E003",
      `${what} holds the package ${m.package.name}, not ${dep.name} (${where})`,
      { hint: `rename the dependency to "${m.package.name}", or point it at ${dep.name}` },
    );
  }
  if (dep.versionGiven) {
    const v = tryParseVersion(m.package.version);
    if (v === undefined || !satisfies(v, parseRequirement(dep.requirement))) {
      throw new MochiError(
        "SOURCE_E003",
        `${what} is ${dep.name} ${m.package.version}, which does not meet the requirement ` +
          `${quoteValue(dep.requirement)} (${where})`,
        { hint: "change the version requirement, or point the dependency elsewhere" },
      );
    }
  }
}

/**
 * Reads every path and git package a project depends on, directly or through path packages.
 *
 * @param projectDir the project directory
 * @param manifest the project's manifest
 * @param lock the current lock (its git commits are kept unless unlocked)
 * @param options unlock, upgrade, offline, deadline, store lookup
 * @returns package name → the package
 * @throws {MochiError} `SOURCE_E003` (not the named package, a version outside the requirement,
 *   two sources for one name, a path inside a git package); `GIT_E001`/`GIT_E002` from the
 *   fetch; `BLOB_E007` offline when a git commit must be fetched; `MANIFEST_*` from the
 *   package's manifest
 */
export async function loadLocalPackages(
  projectDir: string,
  manifest: Manifest,
  lock: Lockfile | undefined,
  options: LocalSourceOptions = {},
): Promise<Map<string, LocalPackage>> {
  const out = new Map<string, LocalPackage>();
  const origin = new Map<string, string>();
  const visit = async (fromDir: string | undefined, m: Manifest, where: string, dev: boolean) => {
    // Every `[target.'cfg(…)']` table too (the lock is universal).
    const entries = dependencyTables(m, { dev }).flatMap((t) => [...t.values()]);
    for (const dep of entries) {
      if (!isLocalDependency(dep)) continue;
      let pkg: LocalPackage;
      let next: Manifest | undefined;
      if (dep.path !== undefined) {
        if (fromDir === undefined) {
          throw new MochiError(
            "SOURCE_E003",
            `${where} depends on ${dep.name} by path (${quoteValue(dep.path)}), but a git ` +
              "package's path dependencies are not followed",
            { hint: `give ${dep.name} a version or a git source in that package` },
          );
        }
        const dir = normalize(isAbsolute(dep.path) ? dep.path : resolvePath(fromDir, dep.path));
        const what = `the path dependency ${dep.name} (${quoteValue(dep.path)})`;
        next = await readManifestIn(dir, what);
        checkIdentity(next, dep, what, where);
        pkg = {
          name: dep.name,
          version: next.package.version,
          source: pathSourceId(projectDir, dir),
          record: recordOf(next),
          dir,
        };
      } else {
        if (options.pathsOnly) continue;
        const want = gitIdOf(dep);
        const locked = options.upgrade || options.unlock?.includes(dep.name)
          ? undefined
          : lock?.packages.find((p) => {
            if (p.name !== dep.name || !p.source.startsWith("git+")) return false;
            const id = parseGitSourceId(p.source);
            return typeof id !== "string" && sameGitSource(id, want);
          });
        const what = `the git dependency ${dep.name} (${want.url})`;
        let archive = locked ? await options.cachedArchive?.(locked) : undefined;
        let commit = locked ? (parseGitSourceId(locked.source) as GitSourceId).commit : undefined;
        let digests = archive && locked?.blake3 && locked.sha256
          ? { blake3: locked.blake3, sha256: locked.sha256 }
          : undefined;
        if (archive === undefined) {
          if (options.offline) {
            throw new MochiError(
              "BLOB_E007",
              `${what} is not in the store and --offline forbids fetching it`,
              { hint: "run once without --offline/--frozen to fill the store" },
            );
          }
          const packed = await packGitSource(want, commit, options.gitTimeoutMs);
          archive = packed.archive;
          commit = packed.commit;
          digests = packed.digests;
          if (locked && (locked.blake3 !== digests.blake3 || locked.sha256 !== digests.sha256)) {
            throw gitDigestMismatch(dep.name, locked, digests);
          }
        }
        next = await manifestOfArchive(archive);
        checkIdentity(next, dep, what, where);
        pkg = {
          name: dep.name,
          version: next.package.version,
          source: formatGitSourceId({ ...want, commit: commit! }),
          record: recordOf(next, digests),
          archive,
        };
      }
      const prev = origin.get(dep.name);
      if (prev !== undefined && prev !== pkg.source) {
        throw new MochiError(
          "SOURCE_E003",
          `${dep.name} comes from two sources: ${prev} and ${pkg.source}`,
          { hint: "point every dependency on it at the same path or git source" },
        );
      }
      if (prev !== undefined) continue;
      if ((next.platformDependencies ?? []).length > 0) pkg.manifest = next;
      origin.set(dep.name, pkg.source);
      out.set(dep.name, pkg);
      await visit(pkg.dir, next, `${dep.name} ${pkg.version}`, false);
    }
  };
  await visit(projectDir, manifest, "mochi.toml", true);
  return out;
}

/** The error of a git commit that no longer packs to the locked bytes. */
function gitDigestMismatch(
  name: string,
  locked: Pick<LockedPackage, "source" | "blake3" | "sha256" | "version">,
  got: { blake3: string; sha256: string },
): MochiError {
  return new MochiError(
    "GIT_E003",
    `${name} ${locked.version} from ${locked.source} packs to blake3 ${got.blake3}, but ` +
      `mochi.lock pins blake3 ${locked.blake3}: the commit's files changed or were rewritten`,
    {
      hint: "someone rewrote the repository's history or edited mochi.lock; nothing was " +
        "installed. Review it, then `mochi update " + name +
        "` to lock what the repository holds now",
    },
  );
}

/**
 * Fetches a git source and packs the commit's tree as `mochi pack` does (no publish checks).
 *
 * @param id the URL and ref
 * @param commit the locked commit, when there is one
 * @param timeoutMs deadline of each git command
 * @returns the commit, the archive and its digests
 * @throws {MochiError} what `fetchGitSource` and `packPackage` throw
 */
export async function packGitSource(
  id: Omit<GitSourceId, "commit">,
  commit: string | undefined,
  timeoutMs?: number,
): Promise<{ commit: string; archive: Uint8Array; digests: { blake3: string; sha256: string } }> {
  await using checkout = await fetchGitSource({
    url: id.url,
    ref: id.ref,
    commit,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
  const { packPackage } = await import("../publish/client/pack.ts");
  let packed;
  try {
    packed = await packPackage({ projectDir: checkout.dir, skipPreflight: true });
  } catch (e) {
    if (e instanceof MochiError && e.code === "MANIFEST_E011") {
      throw new MochiError(
        "SOURCE_E003",
        `${id.url} at ${checkout.commit} has no mochi.toml at its root`,
        { hint: "point the dependency at a repository whose root is a Mochi package" },
      );
    }
    throw e;
  }
  return {
    commit: checkout.commit,
    archive: packed.archive,
    digests: { blake3: packed.digest.blake3, sha256: packed.digest.sha256 },
  };
}

async function manifestOfArchive(archive: Uint8Array): Promise<Manifest> {
  const { readArchiveBytes } = await import("../store/archive.ts");
  for await (const e of readArchiveBytes(archive)) {
    if (e.path !== "mochi.toml" || e.type !== "file") continue;
    const parts: Uint8Array[] = [];
    for await (const c of e.body()) parts.push(c);
    const bytes = new Uint8Array(await new Blob(parts as Uint8Array<ArrayBuffer>[]).arrayBuffer());
    const file = "mochi.toml (git source)";
    return parseManifest(decodeUtf8Strict(bytes, file, "MANIFEST_E001", "save it as UTF-8"), file)
      .manifest;
  }
  throw new MochiError("SOURCE_E003", "a packed git source has no mochi.toml");
}

/**
 * The artifact source of locked git packages whose archive is not in the store: fetch the
 * locked commit, pack it, and hand the bytes to the executor, which stores them only when both
 * digests match the lock (a mismatch is `GIT_E003`, exit 4, before any byte is stored).
 *
 * @param options deadline of each git command
 * @returns `open` for the executor
 */
export function gitArtifactSource(
  options: { gitTimeoutMs?: number | undefined; packed?: ReadonlyMap<string, Uint8Array> } = {},
): { open(a: Artifact): Promise<ReadableStream<Uint8Array>> } {
  return {
    async open(a: Artifact): Promise<ReadableStream<Uint8Array>> {
      const ready = a.blake3 !== undefined ? options.packed?.get(a.blake3) : undefined;
      if (ready !== undefined) return new Blob([ready as Uint8Array<ArrayBuffer>]).stream();
      const id = parseGitSourceId(a.source);
      if (typeof id === "string") {
        throw new MochiError("LOCK_E005", `mochi.lock source of ${a.label} is refused: ${id}`);
      }
      const packed = await packGitSource(id, id.commit, options.gitTimeoutMs);
      if (packed.digests.blake3 !== a.blake3 || packed.digests.sha256 !== a.sha256) {
        throw gitDigestMismatch(a.name, {
          source: a.source,
          version: a.version,
          ...(a.blake3 !== undefined ? { blake3: a.blake3 } : {}),
          sha256: a.sha256,
        }, packed.digests);
      }
      return new Blob([packed.archive as Uint8Array<ArrayBuffer>]).stream();
    },
  };
}

/**
 * Why a reused lock no longer matches the project's path packages (their manifests are read
 * again on every install, as cargo reads path dependencies), or undefined when it does.
 *
 * @param local from {@link loadLocalPackages} over the path packages only
 * @param lock the lock
 * @returns a one-line reason naming the package
 */
export function pathLockProblem(
  local: ReadonlyMap<string, LocalPackage>,
  lock: Lockfile,
): string | undefined {
  for (const p of local.values()) {
    if (p.dir === undefined) continue;
    const entry = lock.packages.find((e) => e.name === p.name && e.source === p.source);
    if (entry === undefined) return `the path package ${p.name} (${p.source}) is not in the lock`;
    if (entry.version !== p.version) {
      return `the path package ${p.name} is now ${p.version} (the lock has ${entry.version})`;
    }
    // A universal lock may hold one name at several versions (a forked resolution), and leaves
    // out what a platform table names for platforms that never reach the package: the locked
    // names must be the record's, and must include every one it needs on every platform.
    const names = new Set(Object.keys(p.record.dependencies));
    const locked = new Set(entry.dependencies.map((d) => d.split(" ")[0]!));
    const everywhere = p.manifest === undefined
      ? [...names]
      : [...p.manifest.dependencies.values()].filter((d) => !d.optional).map((d) => d.name);
    if ([...locked].some((n) => !names.has(n)) || everywhere.some((n) => !locked.has(n))) {
      return `the dependencies of the path package ${p.name} changed`;
    }
    const caps = [...p.record.capabilities].sort().join(",");
    if (caps !== entry.capabilities.join(",")) {
      return `the capabilities of the path package ${p.name} changed`;
    }
  }
  return undefined;
}
