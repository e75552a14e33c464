/**
 * The Python bridge in the install pipeline, on the Rust bridge's pattern (`rust.ts`): gather the
 * project's Python requirements (`[targets.python.ffi]` and `import python` lines from the one
 * walk of its sources), resolve them through the PEP 691 index with `resolvePython`, diff the
 * `[[python-package]]`/`[[python-wheel]]` entries, and fetch the chosen wheels into the store
 * through the one executor (`planFetch` + `executePlan`), each checked against the SHA-256 its
 * index published and the lock pins.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import type { InstallEvent } from "./events.ts";
import {
  diffPythonLock,
  formatPythonLockChange,
  type LockedPythonPackage,
  type LockedWheel,
  type Lockfile,
} from "../lockfile/mod.ts";
import {
  type DeclaredPythonDependency,
  mergePythonRequirements,
  parsePythonImportSpec,
  type PythonImport,
  pythonImportOfLine,
  type PythonImportRequirement,
} from "../python/imports.ts";
import { normalizePep440 } from "../python/pep440.ts";
import type { PythonPlatform } from "../python/resolve.ts";
import { parseSpecifierSet, specifierSetContains } from "../python/specifiers.ts";
import {
  openPythonIndex,
  type PythonIndexClient,
  pythonIndexUrl,
} from "../python/client/python_index_client.ts";
import {
  downloadUrlProblem,
  type NetworkLimits,
  openSparseFiles,
  type SparseFileClient,
} from "../registry/client/index_client.ts";
import { mochiHomeLayout } from "../store/fs/home.ts";
import type { StoreHolder } from "../store/fs/store_lock.ts";
import type { Project } from "./project.ts";
import type { Artifact } from "./plan.ts";
import type { ArtifactSource } from "./executor.ts";
import { fetchLockedArtifacts, type FetchReport } from "./rust.ts";
import { type ImportScan, scanImportLines } from "./source_scan.ts";
import type { InstallLimits } from "./limits.ts";

/**
 * Every `import python` line of the project's `.mochi` files, from the one walk of its sources.
 *
 * @param dir project directory
 * @param sources the walk's result if already done ({@link scanImportLines})
 * @returns the imports, file order then line order
 * @throws {MochiError} `PY_E010` on an invalid line (naming `file:line`)
 */
export async function scanProjectPythonImports(
  dir: string,
  sources?: ImportScan,
): Promise<PythonImport[]> {
  const walked = sources ?? await scanImportLines(dir);
  const out: PythonImport[] = [];
  for (const l of walked.imports.python) {
    const imp = pythonImportOfLine(l.text, l.file, l.line);
    if (imp !== undefined) out.push(imp);
  }
  return out;
}

/**
 * The project's Python requirements: `[targets.python.ffi]` merged with its sources' imports,
 * one per `(name, alias)`.
 *
 * @param project the project
 * @param sources the walk of its sources if already done
 * @returns the requirements sorted by name, then alias (empty when it uses no Python)
 * @throws {MochiError} `PY_E010` bad import line; `PY_E011` declarations that disagree
 */
export async function pythonRequirementsOf(
  project: Project,
  sources?: ImportScan,
): Promise<PythonImportRequirement[]> {
  const imports = await scanProjectPythonImports(project.dir, sources);
  return mergePythonRequirements("mochi.toml", declaredPythonDependencies(project), imports);
}

/**
 * The `[targets.python.ffi]` entries with their requirements parsed.
 *
 * @param project the project
 * @returns the entries, file order
 * @throws {MochiError} `PY_E010` at the entry's line and column when its requirement is invalid
 */
export function declaredPythonDependencies(project: Project): DeclaredPythonDependency[] {
  const out: DeclaredPythonDependency[] = [];
  for (const d of project.manifest.pythonDependencies?.values() ?? []) {
    try {
      out.push({
        name: d.name,
        alias: d.alias,
        spec: parsePythonImportSpec(d.requirement),
        line: d.line,
      });
    } catch (e) {
      const err = e as MochiError;
      throw new MochiError(
        "PY_E010",
        `${err.message} for distribution "${d.name}" in [targets.python.ffi]`,
        {
          hint: 'use PEP 440 specifiers: ">=0.27", "~=2.31", "==1.26.4", ">=1,<2" ("" or "*" for ' +
            "any), or a table of version, extras, and index, git + rev, or path",
          file: "mochi.toml",
          line: d.line,
          column: d.column,
        },
      );
    }
  }
  return out;
}

/** Options shared by the Python steps. */
export interface PythonStepOptions {
  /** `$MOCHI_HOME`. */
  mochiHome: string;
  /** Never touch the network. */
  offline?: boolean;
  /** Injected fetch (tests). */
  fetch?: typeof fetch;
  /** `MOCHI_PYPI_INDEX`: the index when the manifest's `[registry] pypi` names none. */
  pythonIndex?: string;
  /** Download idle timeout and deadline. */
  network?: NetworkLimits;
}

/**
 * The project's Python index URL: `[registry] pypi`, else `MOCHI_PYPI_INDEX`; a plain path is
 * resolved against the project directory.
 *
 * @param project the project
 * @param options the environment's index
 * @returns the simple index root, with a trailing slash
 * @throws {MochiError} `PY_E008` when neither names one
 */
export function projectPythonIndexUrl(project: Project, options: PythonStepOptions): string {
  let url = pythonIndexUrl(project.manifest.registry.pypi, options.pythonIndex);
  if (!/^[a-z][a-z0-9+.-]*:/i.test(url)) url = new URL(url, `file://${project.dir}/`).href;
  return url;
}

function openIndex(url: string, options: PythonStepOptions): PythonIndexClient {
  return openPythonIndex(url, {
    cacheDir: mochiHomeLayout(options.mochiHome).index,
    offline: options.offline ?? false,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.network ? { network: options.network } : {}),
  });
}

/** What {@link lockPython} decided. */
export interface PythonLockResult {
  /** The `[[python-package]]` entries. */
  packages: LockedPythonPackage[];
  /** The `[[python-wheel]]` entries. */
  wheels: LockedWheel[];
  /** Whether the resolver ran (false: the lock's entries were kept, or there are none). */
  resolved: boolean;
  /** The index, when the project has Python requirements. */
  indexUrl?: string;
}

function specifierOf(r: PythonImportRequirement): string | undefined {
  return r.spec.specifier === "" ? undefined : r.spec.specifier;
}

/**
 * Whether the lock's Python entries still answer the requirements (uv's and cargo's reuse
 * rule): the same `(name, alias)` set with the same source and specifier, every version inside
 * every specifier of its name, one wheel per locked name from the same index, and no extras
 * (what an extra pulls in is not written in the lock: {@link lockPython} checks such a lock by
 * resolving again preferring its versions, from the cached index pages first, and keeps it when
 * the result is the locked wheels).
 *
 * @param lock the lock's entries
 * @param requirements the project's requirements
 * @param indexUrl the index the project names now
 * @returns true when the lock can be kept
 */
export function lockedPythonSatisfies(
  lock: { packages: readonly LockedPythonPackage[]; wheels: readonly LockedWheel[] },
  requirements: readonly PythonImportRequirement[],
  indexUrl: string,
): boolean {
  return lockedPythonVerdict(lock, requirements, indexUrl) === "kept";
}

/**
 * {@link lockedPythonSatisfies} with one more answer: `"extras"` when everything holds but some
 * requirement asks for extras, whose distributions only a resolution can show.
 */
function lockedPythonVerdict(
  lock: { packages: readonly LockedPythonPackage[]; wheels: readonly LockedWheel[] },
  requirements: readonly PythonImportRequirement[],
  indexUrl: string,
): "kept" | "extras" | "changed" {
  let extras = false;
  if (lock.packages.length !== requirements.length) return "changed";
  const byKey = new Map(lock.packages.map((p) => [`${p.name}:${p.alias}`, p]));
  const wheels = new Map(lock.wheels.map((w) => [w.name, w]));
  for (const r of requirements) {
    const p = byKey.get(`${r.spec.normalizedName}:${r.alias}`);
    if (p === undefined || p.source !== r.spec.source) return "changed";
    if (r.spec.extras.length > 0) extras = true;
    if (p.specifier !== specifierOf(r)) return "changed";
    const w = wheels.get(p.name);
    if (w === undefined || w.index !== indexUrl || p.version !== w.version) return "changed";
    if (r.spec.specifier !== "") {
      try {
        if (!specifierSetContains(parseSpecifierSet(r.spec.specifier), w.version)) {
          return "changed";
        }
      } catch {
        return "changed";
      }
    }
  }
  if (![...wheels.values()].every((w) => w.index === indexUrl)) return "changed";
  return extras ? "extras" : "kept";
}

/** `[targets.python]`'s environment for `resolvePython` (nothing: the resolver's default). */
function environmentOf(
  project: Project,
  pythonEnvironment: typeof import("../python/resolve.ts").pythonEnvironment,
): { environment?: ReturnType<typeof pythonEnvironment> } {
  const t = project.manifest.pythonTarget;
  if (t === undefined) return {};
  return {
    environment: pythonEnvironment({
      ...(t.python !== undefined ? { pythonVersion: t.python } : {}),
      ...(t.platform !== undefined ? { platform: t.platform as PythonPlatform } : {}),
    }),
  };
}

function requirementStrings(requirements: readonly PythonImportRequirement[]): string[] {
  return requirements.map((r) =>
    `${r.spec.normalizedName}${
      r.spec.extras.length > 0 ? `[${r.spec.extras.join(",")}]` : ""
    }${r.spec.specifier}`
  );
}

/**
 * Whether a resolution preferring the locked versions picks exactly the locked wheels (same
 * names, versions, files and SHA-256). Tried from the cached index pages first (no request);
 * when they are not cached, from the index unless offline. Any failure means "no".
 */
async function lockedWheelsStillResolve(
  project: Project,
  wheels: readonly LockedWheel[],
  requirements: readonly PythonImportRequirement[],
  indexUrl: string,
  options: PythonStepOptions,
): Promise<boolean> {
  const { resolvePython, pythonEnvironment } = await import("../python/resolve.ts");
  const want = new Map(wheels.map((w) => [w.name, w]));
  const locked = Object.fromEntries(wheels.map((w) => [w.name, w.version]));
  for (const offline of options.offline ? [true] : [true, false]) {
    const client = openIndex(indexUrl, { ...options, offline });
    try {
      const resolution = await resolvePython(requirementStrings(requirements), {
        client,
        locked,
        ...environmentOf(project, pythonEnvironment),
      });
      if (resolution.packages.length !== want.size) return false;
      return resolution.packages.every((p) => {
        const w = want.get(p.name);
        return w !== undefined && w.version === normalizePep440(p.version) &&
          w.filename === p.file.filename && w.sha256 === p.file.sha256;
      });
    } catch {
      // Not cached (offline) or not resolvable: try the index, or re-resolve for real.
    } finally {
      await client.flush().catch(() => {});
    }
  }
  return false;
}

/**
 * The Python entries the lock should hold: the locked ones when they still answer the
 * requirements ({@link lockedPythonSatisfies}) and `fresh` is not asked, else a new resolution
 * through the project's index.
 *
 * @param project the project
 * @param requirements its Python requirements ({@link pythonRequirementsOf})
 * @param options home, offline, fetch, env index; `fresh` re-resolves regardless (`--refresh`),
 *   preferring the locked versions unless `unlocked` (`--check`, `--upgrade`)
 * @returns the entries and whether the resolver ran
 * @throws {MochiError} `PY_E008` no index configured; `PY_E009` a git, path or other-index
 *   source (not resolved yet); `PY_E013` a picked wheel without a SHA-256 on its page;
 *   `SOLVER_E002` no solution (the report in PEP 440 terms); index client errors
 */
export async function lockPython(
  project: Project,
  requirements: readonly PythonImportRequirement[],
  options: PythonStepOptions & { fresh?: boolean | undefined; unlocked?: boolean | undefined },
): Promise<PythonLockResult> {
  if (requirements.length === 0) return { packages: [], wheels: [], resolved: false };
  for (const r of requirements) {
    if (r.spec.source !== "registry") {
      throw new MochiError(
        "PY_E009",
        `python ${r.spec.normalizedName}:${r.alias} (${r.where}) comes from a ${r.spec.source} ` +
          "source; mochi pkg locks such entries but resolves only from the " +
          "project's index so far",
        { hint: "depend on a version from the index ([registry] pypi or MOCHI_PYPI_INDEX)" },
      );
    }
  }
  const indexUrl = projectPythonIndexUrl(project, options);
  const old = {
    packages: project.lock?.pythonPackages ?? [],
    wheels: project.lock?.pythonWheels ?? [],
  };
  if (!options.fresh) {
    const verdict = lockedPythonVerdict(old, requirements, indexUrl);
    if (
      verdict === "kept" ||
      (verdict === "extras" &&
        await lockedWheelsStillResolve(project, old.wheels, requirements, indexUrl, options))
    ) {
      return { packages: [...old.packages], wheels: [...old.wheels], resolved: false, indexUrl };
    }
  }
  const client = openIndex(indexUrl, options);
  let resolution;
  try {
    // Loaded on first use, as the Mochi resolver is: a run that keeps the lock never evaluates
    // the solver (start-up, issue 12).
    const { resolvePython, pythonEnvironment } = await import("../python/resolve.ts");
    resolution = await resolvePython(
      requirementStrings(requirements),
      {
        client,
        ...environmentOf(project, pythonEnvironment),
        // Without `fresh`, the lock's versions are tried first (cargo's and uv's rule), so a
        // changed requirement moves only what it must.
        ...(options.unlocked
          ? {}
          : { locked: Object.fromEntries(old.wheels.map((w) => [w.name, w.version])) }),
      },
    );
  } finally {
    await client.flush();
  }
  const wheels: LockedWheel[] = [];
  const versions = new Map<string, string>();
  for (const p of resolution.packages) {
    if (!/^[0-9a-f]{64}$/.test(p.file.sha256)) {
      throw new MochiError(
        "PY_E013",
        `the index ${indexUrl} gives no SHA-256 for ${p.file.filename} (${p.name} ${p.version})`,
        {
          hint: "mochi pins every wheel by the SHA-256 its index publishes; use an index that " +
            "lists hashes (PEP 691 hashes.sha256)",
        },
      );
    }
    const version = normalizePep440(p.version);
    versions.set(p.name, version);
    wheels.push({
      name: p.name,
      version,
      filename: p.file.filename,
      sha256: p.file.sha256,
      index: indexUrl,
    });
  }
  const oldByKey = new Map(old.packages.map((p) => [`${p.name}:${p.alias}`, p]));
  const packages: LockedPythonPackage[] = requirements.map((r) => {
    const entry: LockedPythonPackage = {
      name: r.spec.normalizedName,
      alias: r.alias,
      source: "registry",
    };
    const v = versions.get(r.spec.normalizedName);
    if (v !== undefined) entry.version = v;
    const s = specifierOf(r);
    if (s !== undefined) entry.specifier = s;
    // What the wrapper synthesiser recorded (`wrapper-sha256` and `capabilities`) belongs
    // to the version: kept while the entry resolves to the same one, dropped when it moves.
    const before = oldByKey.get(`${entry.name}:${entry.alias}`);
    if (before !== undefined && before.version === entry.version) {
      if (before.wrapperSha256 !== undefined) entry.wrapperSha256 = before.wrapperSha256;
      if (before.capabilities !== undefined) entry.capabilities = [...before.capabilities];
    }
    return entry;
  });
  return { packages, wheels, resolved: true, indexUrl };
}

/**
 * The `mochi lock --check` lines for the Python entries of two locks ({@link diffPythonLock}).
 *
 * @param before the lock on disk
 * @param after the new lock
 * @returns lines such as `~ python httpx:httpx 0.27.0 → 0.27.2 (changed: version)`
 */
export function diffPythonLines(before: Lockfile | undefined, after: Lockfile): string[] {
  return diffPythonLock(
    { packages: before?.pythonPackages ?? [], wheels: before?.pythonWheels ?? [] },
    { packages: after.pythonPackages ?? [], wheels: after.pythonWheels ?? [] },
  ).map(formatPythonLockChange);
}

/**
 * How the executor gets a locked wheel's bytes: the project page is read again (ETag-cached),
 * the locked file is found by name, its published SHA-256 must still be the lock's, and its URL
 * must be one the index may send downloads to (`downloadUrlProblem`); then it is streamed.
 *
 * @param lock the lock whose wheels are fetched
 * @param options home, offline, fetch, network
 * @returns the source for wheel artifacts
 */
export function wheelArtifactSource(
  lock: Lockfile,
  options: PythonStepOptions,
): Required<Pick<ArtifactSource, "open" | "explain">> {
  const bySha = new Map((lock.pythonWheels ?? []).map((w) => [w.sha256, w]));
  const clients = new Map<string, { index: PythonIndexClient; files: SparseFileClient }>();
  const clientFor = (url: string) => {
    let c = clients.get(url);
    if (c === undefined) {
      c = {
        index: openIndex(url, options),
        files: openSparseFiles(url, {
          cacheDir: mochiHomeLayout(options.mochiHome).index,
          offline: options.offline ?? false,
          ...(options.fetch ? { fetch: options.fetch } : {}),
          ...(options.network ? { network: options.network } : {}),
        }),
      };
      clients.set(url, c);
    }
    return c;
  };
  return {
    async open(a: Artifact) {
      const w = bySha.get(a.sha256);
      if (w === undefined) throw new Error(`no locked wheel for ${a.label}`);
      const { index, files } = clientFor(w.index);
      const page = await index.project(w.name);
      const file = page?.files.find((f) => f.filename === w.filename);
      if (file === undefined) {
        throw new MochiError(
          "PY_E013",
          `the index ${w.index} no longer lists ${w.filename} (${w.name} ${w.version})`,
          { hint: "run mochi lock --check to see what changed, then mochi lock" },
        );
      }
      if (file.sha256 !== w.sha256) {
        throw new MochiError(
          "PY_E012",
          `${w.filename}: the index now publishes SHA-256 ${file.sha256 || "(none)"}, but ` +
            `mochi.lock pins ${w.sha256}; nothing was downloaded`,
          {
            hint: "the index or a proxy changed the file; do not trust this mirror. If the " +
              "project legitimately re-uploaded it, run mochi lock --check to see the change",
          },
        );
      }
      const problem = downloadUrlProblem(new URL(files.url), new URL(file.url));
      if (problem !== undefined) {
        throw new MochiError(
          "PY_E013",
          `the index ${w.index} points ${w.filename} at ${
            file.url.slice(0, 200)
          }, which ${problem}`,
          { hint: "report it to the index operator; nothing was downloaded from it" },
        );
      }
      return await files.download(file.url);
    },
    explain(e: unknown) {
      return Promise.resolve(e);
    },
  };
}

/** Options of {@link fetchWheels}. */
export interface FetchWheelsOptions extends PythonStepOptions {
  /** Parallel downloads; default 16. */
  concurrency?: number;
  /** Progress callback. */
  onProgress?: (m: string) => void;
  /** Phases and items done, for a progress display. */
  onEvent?: (event: InstallEvent) => void;
  /** Called once when the store lock has been held by others for 1 s. */
  onWait?: (holders: StoreHolder[], waitedMs: number) => void;
  /** Archive limits and body caps overriding the defaults. */
  limits?: InstallLimits;
}

/**
 * Downloads every locked wheel through the one executor, as {@link fetchCrates} does for
 * `.crate` files: under the shared store lock, streamed with a cap, SHA-256 checked against the
 * lock (which holds what the index published) with BLAKE3 computed in the same pass, stored
 * under its BLAKE3 with a SHA-256 alias; a failure removes what this run added.
 *
 * @param lock the lockfile to fetch for
 * @param options home, offline, fetch, env index, concurrency, wait notice, limits
 * @returns counts (`crates` holds the number of wheels)
 * @throws {MochiError} `PY_E012` (exit 4) when bytes or the index's current digest differ from
 *   the lock; `PY_E013` the index no longer serves the wheel; `BLOB_E004` over the cap;
 *   `BLOB_E007` offline and missing
 */
export async function fetchWheels(
  lock: Lockfile,
  options: FetchWheelsOptions,
): Promise<FetchReport> {
  return await fetchLockedArtifacts(lock, "wheel", wheelArtifactSource(lock, options), options);
}
