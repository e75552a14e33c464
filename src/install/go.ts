/**
 * The Go bridge in the install pipeline (issue 14): gather the project's Go requirements
 * (`[targets.go.ffi]` and `import go` lines), turn each query into a version through the module
 * proxy, select the build list with minimal version selection ({@link loadModuleGraph}), then for
 * every selected module download its go.mod and zip, hash both (`h1:`, as go.sum), prove them in
 * the checksum database (signed tree head, inclusion, consistency with the tree seen before) and
 * write `[[go-package]]` entries; the zips reach the store through the one executor
 * ({@link goZipSource}).
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import type { LockedGoModule } from "../lockfile/mod.ts";
import {
  formatHash,
  type GoImport,
  goImportOfLine,
  type GoModSummary,
  type GoRequirement,
  hashGoMod,
  hashModuleZip,
  loadModuleGraph,
  mergeGoRequirements,
  parseGoMod,
  parseGoQuery,
  retractionOf,
  selectGoVersion,
  semverCompare,
} from "../go/mod.ts";
import {
  type GoProxyClient,
  MAX_GO_ZIP_BYTES,
  openGoProxy,
  openGoSumdb,
  parseGoSumdb,
  sumdbSkippedBy,
} from "../go/client/mod.ts";
import type { GoSumdbClient } from "../go/client/mod.ts";
import { mochiHomeLayout } from "../store/fs/home.ts";
import { digestBytes } from "../store/digest.ts";
import { runPool } from "../concurrency.ts";
import { readAtMost } from "../registry/client/_bounded_read.ts";
import type { Project } from "./project.ts";
import { type ImportScan, scanImportLines } from "./source_scan.ts";
import type { Artifact } from "./plan.ts";

/** The Go settings of the environment (cmd/go's variables; `MOCHI_GO*` win). */
export interface GoEnv {
  /** `MOCHI_GOPROXY`, else `GOPROXY`: the module proxy list. */
  GOPROXY?: string | undefined;
  /** `MOCHI_GOSUMDB`, else `GOSUMDB`: the checksum database, or `off`. */
  GOSUMDB?: string | undefined;
  /** Module path patterns that skip the checksum database. */
  GONOSUMDB?: string | undefined;
  /** Private module patterns (the GONOSUMDB default). */
  GOPRIVATE?: string | undefined;
}

/**
 * The Go settings from an environment.
 *
 * @param env the environment variables
 * @returns the settings
 */
export function goEnvOf(env: Record<string, string | undefined>): GoEnv {
  return {
    GOPROXY: env.MOCHI_GOPROXY || env.GOPROXY,
    GOSUMDB: env.MOCHI_GOSUMDB || env.GOSUMDB,
    GONOSUMDB: env.GONOSUMDB,
    GOPRIVATE: env.GOPRIVATE,
  };
}

/**
 * The project's `import go` lines.
 *
 * @param dir project directory
 * @param sources the project's sources if already walked
 * @returns the imports
 * @throws {MochiError} `GO_E011` on an invalid line
 */
export async function scanGoImports(dir: string, sources?: ImportScan): Promise<GoImport[]> {
  const walked = sources ?? await scanImportLines(dir);
  const out: GoImport[] = [];
  for (const l of walked.imports.go) {
    const imp = goImportOfLine(l.text, l.file, l.line);
    if (imp !== undefined) out.push(imp);
  }
  return out;
}

/**
 * The project's Go requirements: `[targets.go.ffi]` merged with its sources' imports.
 *
 * @param project the project
 * @param sources the project's sources if already walked
 * @returns the requirements (empty when it uses no Go modules)
 * @throws {MochiError} `GO_E011` bad import line; `GO_E012` manifest and import disagree
 */
export async function goRequirementsOf(
  project: Project,
  sources?: ImportScan,
): Promise<GoRequirement[]> {
  const imports = await scanGoImports(project.dir, sources);
  return mergeGoRequirements("mochi.toml", project.manifest.goDependencies, imports);
}

/** Options of the Go steps. */
export interface GoStepOptions {
  /** `$MOCHI_HOME`. */
  mochiHome: string;
  /** Never touch the network. */
  offline?: boolean;
  /** Injected fetch (tests). */
  fetch?: typeof fetch;
  /** The Go settings ({@link goEnvOf}). */
  goEnv?: GoEnv;
  /** Parallel module downloads (default 8). */
  concurrency?: number;
  /**
   * Most zip bytes kept in memory for the executor after locking (default
   * {@link MAX_KEPT_GO_ZIP_BYTES}); zips past it are dropped once hashed, and the executor
   * downloads them again (checked against the BLAKE3 the lock pins).
   */
  maxKeptZipBytes?: number;
}

/** Default {@link GoStepOptions.maxKeptZipBytes}: 256 MiB. */
export const MAX_KEPT_GO_ZIP_BYTES = 256 << 20;

/** What {@link lockGoModules} decided. */
export interface GoLockResult {
  /** The `[[go-package]]` entries. */
  modules: LockedGoModule[];
  /** Whether they were resolved now (not the lock's). */
  resolved: boolean;
  /** Modules not checked in a checksum database, with why (`GONOSUMDB`, `GOSUMDB=off`). */
  unverified: string[];
  /** Locked versions the module's newest go.mod retracts (`module version: rationale`). */
  retracted: string[];
  /**
   * Zip bytes downloaded while locking, by BLAKE3, for the executor to store: at most
   * {@link GoStepOptions.maxKeptZipBytes} in total (the rest are downloaded again).
   */
  zips: Map<string, Uint8Array>;
  /** The proxy client, when one was opened. */
  proxy?: GoProxyClient;
}

/**
 * Whether locked entries still answer the requirements: every required module is locked at a
 * version its query accepts.
 *
 * @param locked the lock's entries
 * @param requirements the project's requirements
 * @returns true when the lock can be kept
 */
export function lockedGoSatisfies(
  locked: readonly LockedGoModule[],
  requirements: readonly GoRequirement[],
): boolean {
  const byModule = new Map(locked.map((m) => [m.module, m.version]));
  return requirements.every((r) => {
    const v = byModule.get(r.module);
    const q = parseGoQuery(r.query);
    return v !== undefined && typeof q !== "string" && selectGoVersion(q, [v]) === v;
  });
}

/** The main module MVS starts from: go ≥ 1.17, so the graph is pruned as `go mod` does. */
const MAIN_GO_VERSION = "1.21";

/**
 * The `[[go-package]]` entries the lock should hold: the locked ones when they still answer the
 * requirements (and `fresh` is not asked), else a new resolution, every module verified.
 *
 * @param project the project
 * @param requirements its Go requirements
 * @param options home, offline, fetch, Go settings; `fresh` re-resolves regardless (lock --check)
 *   and then also reports retracted versions
 * @returns the entries, whether they were resolved, what was not checked, the zips
 * @throws {MochiError} `GO_E013` no such module/version; `GO_E004` (exit 4) a zip or go.mod whose
 *   h1 differs from the checksum database; `GO_E006`, `GO_E016`, `GO_E017` (exit 4) the
 *   database's answer is not signed, not proven, or forked; `GO_E014`/`GO_E015` network and
 *   settings; `GO_E010` the module graph
 */
export async function lockGoModules(
  project: Project,
  requirements: readonly GoRequirement[],
  options: GoStepOptions & { fresh?: boolean | undefined },
): Promise<GoLockResult> {
  const old = project.lock?.goPackages ?? [];
  const empty: GoLockResult = {
    modules: [],
    resolved: false,
    unverified: [],
    retracted: [],
    zips: new Map(),
  };
  if (requirements.length === 0) return empty;
  if (!options.fresh && old.length > 0 && lockedGoSatisfies(old, requirements)) {
    return { ...empty, modules: [...old] };
  }
  if (options.offline) {
    throw new MochiError(
      "INDEX_E006",
      "the Go modules must be resolved, and --offline forbids reaching the module proxy",
      { hint: "run once without --offline (or --frozen)" },
    );
  }
  const env = options.goEnv ?? {};
  const layout = mochiHomeLayout(options.mochiHome);
  const clientOptions = {
    cacheDir: layout.index,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  const proxy = openGoProxy(env.GOPROXY ?? "", clientOptions);
  const sumdbConfig = parseGoSumdb(env.GOSUMDB, proxy.entries[0]!.url);
  const sumdb: GoSumdbClient | undefined = sumdbConfig === "off"
    ? undefined
    : openGoSumdb(sumdbConfig, { ...clientOptions, stateDir: layout.state });

  const mods = new Map<
    string,
    Promise<{ bytes: Uint8Array; proxy: string; summary: GoModSummary }>
  >();
  const goModOf = (path: string, version: string) => {
    const k = `${path}@${version}`;
    let p = mods.get(k);
    if (p === undefined) {
      p = proxy.mod(path, version).then(({ value, proxy: from }) => {
        const f = parseGoMod(value, { lax: true, file: `${path}@${version}/go.mod` });
        return {
          bytes: value,
          proxy: from,
          summary: { module: f.module?.path, goVersion: f.go, require: f.require },
          file: f,
        };
      });
      mods.set(k, p);
    }
    return p;
  };
  const retractionsOf = async (path: string, listed: readonly string[]) => {
    // cmd/go reads retractions from the go.mod of the module's latest version.
    const newest = [...listed].sort(semverCompare).at(-1);
    if (newest === undefined) return () => undefined;
    const f = parseGoMod((await goModOf(path, newest)).bytes, { lax: true });
    return (v: string) => retractionOf(f, v);
  };

  try {
    const roots = await Promise.all(requirements.map(async (r) => {
      const q = parseGoQuery(r.query);
      if (typeof q === "string") {
        throw new MochiError("GO_E011", `${r.where}: ${r.module}@${r.query}: ${q}`, {
          hint: 'write a version such as "v1.2.3"',
        });
      }
      if (q.kind === "exact") return { path: r.module, version: q.version };
      const listed = (await proxy.list(r.module)).value;
      const retracted = await retractionsOf(r.module, listed);
      let version = selectGoVersion(q, listed, (v) => retracted(v) !== undefined);
      if (version === undefined && q.kind === "latest") {
        version = (await proxy.latest(r.module))?.value.version;
      }
      if (version === undefined) {
        throw new MochiError(
          "GO_E013",
          `no version of ${r.module} matches "${r.query}" (${r.where}); the proxy lists ` +
            `${listed.length === 0 ? "none" : listed.slice(-5).join(", ")}`,
          { hint: "choose a listed version, or check the GOPROXY list (MOCHI_GOPROXY)" },
        );
      }
      return { path: r.module, version };
    }));
    const graph = await loadModuleGraph(
      { path: "mochi.invalid/main", goVersion: MAIN_GO_VERSION, require: roots },
      { goMod: async (m) => (await goModOf(m.path, m.version)).summary },
    );
    const selected = new Map(graph.buildList.slice(1).map((e) => [e.path, e.version]));
    const unverified: string[] = [];
    const retracted: string[] = [];
    const zips = new Map<string, Uint8Array>();
    // Each zip may be up to MAX_GO_ZIP_BYTES: keep only a bounded total for the executor.
    const keepBudget = options.maxKeptZipBytes ?? MAX_KEPT_GO_ZIP_BYTES;
    let kept = 0;
    const modules: LockedGoModule[] = [];
    await runPool(graph.buildList.slice(1), options.concurrency ?? 8, async (e) => {
      const m = { path: e.path, version: e.version };
      const { bytes: gomod, proxy: zipFrom, summary } = await goModOf(m.path, m.version);
      const gomodH1 = hashGoMod(gomod);
      const zip = await readAtMost(await proxy.zip(zipFrom, m.path, m.version), {
        bytes: MAX_GO_ZIP_BYTES,
        error: () =>
          new MochiError(
            "GO_E018",
            `${m.path}@${m.version}.zip is larger than ${MAX_GO_ZIP_BYTES} bytes; stopped reading`,
            { hint: "a module zip is at most 500 MiB (golang.org/x/mod/zip); report the proxy" },
          ),
      });
      const zipH1 = hashModuleZip(m, zip);
      const entry: LockedGoModule = {
        module: m.path,
        version: m.version,
        source: { kind: "module-proxy", url: zipFrom },
        zipH1,
        gomodH1,
        zipBlake3: (await digestBytes(zip)).blake3,
        dependencies: [],
      };
      const skippedBy = sumdb === undefined ? "GOSUMDB=off" : sumdbSkippedBy(m.path, env);
      if (skippedBy !== undefined || sumdb === undefined) {
        unverified.push(`${m.path}@${m.version} (${skippedBy ?? "GOSUMDB=off"})`);
      } else {
        const proven = await sumdb.lookup(m.path, m.version);
        for (
          const [what, got, logged] of [
            ["zip", zipH1, proven.zipH1],
            ["go.mod", gomodH1, proven.gomodH1],
          ] as const
        ) {
          if (got !== logged) {
            throw new MochiError(
              "GO_E004",
              `${m.path}@${m.version}: the ${what} from ${zipFrom} hashes to ${got}, but the ` +
                `checksum database ${sumdb.config.name} records ${logged} (record ` +
                `${proven.recordId}); nothing was stored`,
              {
                hint: "the module proxy served other bytes than the log holds: do not trust " +
                  "this proxy, and report it",
              },
            );
          }
        }
        entry.sumdb = {
          origin: sumdb.config.name,
          treeSize: proven.tree.n,
          rootHash: formatHash(proven.tree.hash),
        };
      }
      // Its go.mod's requirements at the versions selected (a pruned graph does not follow a
      // module's requirements, but its go.mod was read here all the same); a requirement the
      // build list does not hold is not a dependency of this build.
      const reqs = graph.requirements.get(`${m.path}@${m.version}`) ?? summary.require;
      entry.dependencies = [
        ...new Set(
          reqs.filter((r) => selected.has(r.path)).map((r) => `${r.path} ${selected.get(r.path)}`),
        ),
      ];
      if (options.fresh) {
        const listed = await proxy.list(m.path).then((l) => l.value, () => [] as string[]);
        const why = (await retractionsOf(m.path, listed))(m.version);
        if (why !== undefined) {
          retracted.push(
            `${m.path} ${m.version}${why.rationale ? `: ${printable(why.rationale)}` : ""}`,
          );
        }
      }
      if (kept + zip.length <= keepBudget) {
        kept += zip.length;
        zips.set(entry.zipBlake3, zip);
      }
      modules.push(entry);
    });
    modules.sort((a, b) => (a.module < b.module ? -1 : a.module > b.module ? 1 : 0));
    unverified.sort();
    retracted.sort();
    return { modules, resolved: true, unverified, retracted, zips, proxy };
  } finally {
    await proxy.flush();
    await sumdb?.flush();
  }
}

/**
 * A retraction rationale as it may be printed: it comes from a module's go.mod, so control
 * characters are shown escaped (`\x1b`) and it is cut at 200 characters.
 */
function printable(text: string): string {
  const shown = text.replace(
    // deno-lint-ignore no-control-regex -- finds the control characters to escape
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
  return shown.length > 200 ? `${shown.slice(0, 200)}…` : shown;
}

/**
 * Differences between two sets of `[[go-package]]` entries.
 *
 * @param before old entries
 * @param after new entries
 * @returns lines `+ go module version`, `- go module version`,
 *   `~ go module version (zip-h1 a → b)` / `(gomod-h1 …)` / `(dependencies changed)` /
 *   `(proxy a → b)`, sorted by module
 */
export function diffGoModules(
  before: readonly LockedGoModule[],
  after: readonly LockedGoModule[],
): string[] {
  const key = (m: LockedGoModule) => `${m.module} ${m.version}`;
  const old = new Map(before.map((m) => [key(m), m]));
  const now = new Map(after.map((m) => [key(m), m]));
  const out: string[] = [];
  for (const [k, m] of now) {
    const o = old.get(k);
    if (o === undefined) out.push(`+ go ${k}`);
    else if (o.zipH1 !== m.zipH1) out.push(`~ go ${k} (zip-h1 ${o.zipH1} → ${m.zipH1})`);
    else if (o.gomodH1 !== m.gomodH1) out.push(`~ go ${k} (gomod-h1 ${o.gomodH1} → ${m.gomodH1})`);
    else if (o.zipBlake3 !== m.zipBlake3) {
      out.push(
        `~ go ${k} (zip-blake3 ${o.zipBlake3.slice(0, 12)}… → ${m.zipBlake3.slice(0, 12)}…)`,
      );
    } else if (o.dependencies.join() !== m.dependencies.join()) {
      out.push(`~ go ${k} (dependencies changed)`);
    } else if (o.source.url !== m.source.url) {
      out.push(`~ go ${k} (proxy ${o.source.url} → ${m.source.url})`);
    }
  }
  for (const k of old.keys()) if (!now.has(k)) out.push(`- go ${k}`);
  return out.sort((a, b) => (a.slice(2) < b.slice(2) ? -1 : a.slice(2) > b.slice(2) ? 1 : 0));
}

/**
 * The executor's source of Go module zips: the bytes downloaded while locking when this run
 * locked them, else a download from the entry's proxy. The executor checks the BLAKE3 the lock
 * pins (computed from bytes whose `h1:` the checksum database proved).
 *
 * @param options home, fetch, Go settings
 * @param zips bytes already downloaded, by BLAKE3
 * @returns `open` for `go-zip` artifacts
 */
export function goZipSource(
  options: GoStepOptions,
  zips: ReadonlyMap<string, Uint8Array>,
): { open(a: Artifact): Promise<ReadableStream<Uint8Array>> } {
  let proxy: GoProxyClient | undefined;
  return {
    open(a) {
      const bytes = a.blake3 === undefined ? undefined : zips.get(a.blake3);
      if (bytes !== undefined) {
        return Promise.resolve(
          new ReadableStream<Uint8Array>({
            start(c) {
              c.enqueue(bytes);
              c.close();
            },
          }),
        );
      }
      proxy ??= openGoProxy(a.source, {
        cacheDir: mochiHomeLayout(options.mochiHome).index,
        offline: options.offline ?? false,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
      return proxy.zip(proxy.entries[0]!.url, a.name, a.version);
    },
  };
}
