/**
 * Minimal version selection over a Go module graph, as the go command builds it
 * (cmd/go/internal/mvs and cmd/go/internal/modload: `readModGraph`, `goModSummary`,
 * `Replacement`): the main module's `require`, `exclude` and `replace` (only the main module's
 * `exclude` and `replace` count, as in Go), and module graph pruning for go ≥ 1.17.
 *
 * Pure: go.mod files come through a {@link GoModProvider} port (a module proxy client, a test's
 * map), so the same code runs against the loopback proxy in tests and the real one at install.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { Semaphore } from "../concurrency.ts";
import { compareUtf8 } from "./dirhash.ts";
import type { GoModFile } from "./gomod.ts";
import type { ModuleVersion } from "./module.ts";
import { semverCompare, semverIsValid } from "./semver.ts";

/**
 * What the graph needs of one go.mod (cmd/go/internal/modload `modFileSummary`): its `module`
 * path, its `go` version and its `require` lines.
 */
export interface GoModSummary {
  /** The `module` line's path; `undefined` when the file has none. */
  module?: string | undefined;
  /** The `go` line's version (`1.21`, `1.22.0`); `undefined` when the file has none. */
  goVersion?: string | undefined;
  /** The `require` lines, `// indirect` ones included. */
  require: readonly ModuleVersion[];
}

/**
 * One `replace` line of the main module (golang.org/x/mod/modfile `Replace`): `old.version` `""`
 * replaces every version of `old.path`; `new.version` `""` means `new.path` is a directory (a
 * filesystem replacement, whose go.mod the provider reads).
 */
export interface GoReplace {
  /** The replaced module (`version` `""`: every version). */
  old: ModuleVersion;
  /** The replacement (`version` `""`: a directory). */
  new: ModuleVersion;
}

/** The main module: the root of the graph, with the only `exclude` and `replace` that count. */
export interface GoMainModule {
  /** The main module's path. */
  path: string;
  /** Its `go` version; `undefined` (no `go` line) means an unpruned graph, as before go 1.17. */
  goVersion?: string | undefined;
  /** Its `require` lines: the roots of the graph (version `none`: no requirement, as in cmd/go). */
  require: readonly ModuleVersion[];
  /** Its `exclude` lines: requirements on these versions are dropped from every go.mod. */
  exclude?: readonly ModuleVersion[] | undefined;
  /** Its `replace` lines. */
  replace?: readonly GoReplace[] | undefined;
}

/**
 * The port MVS reads go.mod files through.
 */
export interface GoModProvider {
  /**
   * The go.mod summary of a module version: `m` is the module actually read, i.e. already the
   * replacement when a `replace` applies (a directory when `m.version` is `""`).
   *
   * @param m the module version (or replacement directory) whose go.mod is needed
   * @returns its summary
   */
  goMod(m: ModuleVersion): Promise<GoModSummary>;
}

/** One entry of the build list (one line of `go list -m all`). */
export interface BuildListEntry {
  /** Module path. */
  path: string;
  /** Selected version; `""` for the main module. */
  version: string;
  /** The replacement whose go.mod (and, at install, whose zip) stands for this version. */
  replace?: ModuleVersion;
}

/** The loaded module graph. */
export interface ModuleGraph {
  /** The build list: the main module first, then every other selected module by path. */
  buildList: BuildListEntry[];
  /**
   * The requirements (after `exclude`) of every module version whose go.mod was read, keyed
   * `path@version`; the main module's key is `path@`.
   */
  requirements: Map<string, readonly ModuleVersion[]>;
  /** The main module's requirements on versions it excludes, dropped as the go command does. */
  droppedRequirements: ModuleVersion[];
}

/** Options of {@link loadModuleGraph}. */
export interface LoadModuleGraphOptions {
  /** Most `goMod` calls in flight at once (default 8). */
  concurrency?: number;
}

/** The first go version whose go.mod files list every module providing a package (pruning). */
const EXPLICIT_INDIRECT_VERSION = [1, 17];

/**
 * The summary MVS needs of a dependency's parsed go.mod (cmd/go/internal/modload
 * `rawGoModSummary`: its module path, `go` version and requirements; the go command reads a
 * dependency's go.mod with `modfile.ParseLax`, i.e. `parseGoMod(data, { lax: true })`).
 *
 * @param file the parsed go.mod
 * @returns its summary
 *
 * @example
 * ```ts
 * import { goModSummaryOf, parseGoMod } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const s = goModSummaryOf(parseGoMod("module example.com/a\ngo 1.21\nrequire example.com/b v1.0.0\n", { lax: true }));
 * assert.deepEqual(s.require.map((r) => r.path), ["example.com/b"]);
 * assert.equal(s.goVersion, "1.21");
 * ```
 */
export function goModSummaryOf(file: GoModFile): GoModSummary {
  return {
    module: file.module?.path,
    goVersion: file.go,
    require: file.require.map((r) => ({ path: r.path, version: r.version })),
  };
}

/**
 * The main module of a parsed go.mod: its path, `go` version, requirements, exclusions and
 * replacements.
 *
 * @param file the parsed go.mod (strict parsing, as the go command reads the main module's)
 * @returns the main module
 * @throws {MochiError} `GO_E010` when the file has no `module` line
 *
 * @example
 * ```ts
 * import { mainModuleOf, parseGoMod } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const m = mainModuleOf(parseGoMod("module example.com/m\ngo 1.22\nexclude example.com/b v1.0.0\n"));
 * assert.equal(m.path, "example.com/m");
 * assert.deepEqual(m.exclude, [{ path: "example.com/b", version: "v1.0.0" }]);
 * ```
 */
export function mainModuleOf(file: GoModFile): GoMainModule {
  if (file.module === undefined) {
    throw new MochiError("GO_E010", "the main module's go.mod has no module line", {
      hint: "add a line `module <path>` at the top of the go.mod",
    });
  }
  return {
    path: file.module.path,
    goVersion: file.go,
    require: file.require.map((r) => ({ path: r.path, version: r.version })),
    exclude: file.exclude.map((r) => ({ path: r.path, version: r.version })),
    replace: file.replace.map((r) => ({ old: { ...r.old }, new: { ...r.new } })),
  };
}

/**
 * Whether a `go` version prunes the graph (cmd/go/internal/modload `pruningForGoVersion`): go
 * ≥ 1.17 does; an absent or older one does not.
 *
 * @param goVersion the go.mod `go` version, or `undefined`
 * @returns `true` for a pruned module
 *
 * @example
 * ```ts
 * import { isPrunedGoVersion } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 * assert.equal(isPrunedGoVersion("1.21"), true);
 * assert.equal(isPrunedGoVersion("1.17"), true);
 * assert.equal(isPrunedGoVersion("1.16"), false);
 * assert.equal(isPrunedGoVersion(undefined), false);
 * ```
 */
export function isPrunedGoVersion(goVersion: string | undefined): boolean {
  if (goVersion === undefined || goVersion === "") return false;
  const m = /^([0-9]+)(?:\.([0-9]+))?/.exec(goVersion);
  if (m === null) return false;
  const major = Number(m[1]);
  const minor = Number(m[2] ?? "0");
  return major > EXPLICIT_INDIRECT_VERSION[0]! ||
    (major === EXPLICIT_INDIRECT_VERSION[0]! && minor >= EXPLICIT_INDIRECT_VERSION[1]!);
}

function key(m: ModuleVersion): string {
  return `${m.path}@${m.version}`;
}

/**
 * The replacement of a module version (cmd/go/internal/modload `Replacement`): a `replace` naming
 * that exact version wins over one naming the whole module.
 *
 * @param replace the main module's `replace` lines
 * @param m the module version
 * @returns the replacement, or `undefined`
 *
 * @example
 * ```ts
 * import { replacementOf } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 * const replace = [
 *   { old: { path: "example.com/a", version: "" }, new: { path: "../a", version: "" } },
 *   { old: { path: "example.com/a", version: "v1.2.0" }, new: { path: "example.com/fork", version: "v1.2.1" } },
 * ];
 * assert.deepEqual(replacementOf(replace, { path: "example.com/a", version: "v1.2.0" }), {
 *   path: "example.com/fork",
 *   version: "v1.2.1",
 * });
 * assert.deepEqual(replacementOf(replace, { path: "example.com/a", version: "v1.0.0" }), { path: "../a", version: "" });
 * assert.equal(replacementOf(replace, { path: "example.com/b", version: "v1.0.0" }), undefined);
 * ```
 */
export function replacementOf(
  replace: readonly GoReplace[],
  m: ModuleVersion,
): ModuleVersion | undefined {
  let any: ModuleVersion | undefined;
  for (const r of replace) {
    if (r.old.path !== m.path) continue;
    if (r.old.version === m.version) return r.new;
    if (r.old.version === "") any = r.new;
  }
  return any;
}

/**
 * Loads the module graph from the main module and selects one version per path with minimal
 * version selection: the highest version any loaded go.mod requires.
 *
 * Follows cmd/go/internal/modload `readModGraph`: the main module's requirements are the roots.
 * When the main module's `go` is ≥ 1.17 the graph is pruned: a pruned module's (go ≥ 1.17)
 * requirements are read but not followed further; a module with an older or no `go` line has its
 * requirements followed transitively (and everything below it is loaded unpruned). When the main
 * module's `go` is older or absent, the whole graph is loaded. In a pruned graph a root that ends
 * up below its path's selected version is raised to it and the graph is read again, until every
 * root is selected (`expandGraph`, `updatePrunedRoots`; what `go list -m all` does with
 * `-mod=mod`). Requirements on versions the main module excludes are dropped from every go.mod
 * (`goModSummary`), the main module's own included (`rootsFromModFile`; they are reported in
 * `droppedRequirements`); `replace` changes which go.mod is read, never the selected version. The
 * build list is the main module, then every selected path in byte order (`gover.ModSort`), as
 * `go list -m all` prints it. Checked against `go list -m all` of the recorded main modules of
 * `fixtures/go/` (tests/go_oracle_test.ts).
 *
 * @param main the main module
 * @param provider where go.mod files come from
 * @param options concurrency
 * @returns the build list, the requirements read and the dropped root requirements
 * @throws {MochiError} `GO_E010` when a go.mod has no module line or declares a module path other
 *   than the one required (or its replacement; a directory replacement may declare any path, as
 *   in cmd/go), or the main module requires an invalid version; whatever the provider throws
 *
 * @example
 * ```ts
 * import { loadModuleGraph } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const mods: Record<string, string[]> = {
 *   "example.com/a@v1.0.0": ["example.com/c@v1.1.0"],
 *   "example.com/b@v1.2.0": ["example.com/c@v1.3.0"],
 *   "example.com/c@v1.1.0": [],
 *   "example.com/c@v1.3.0": [],
 * };
 * const graph = await loadModuleGraph(
 *   {
 *     path: "example.com/main",
 *     goVersion: "1.21",
 *     require: [
 *       { path: "example.com/a", version: "v1.0.0" },
 *       { path: "example.com/b", version: "v1.2.0" },
 *     ],
 *   },
 *   {
 *     goMod: (m) =>
 *       Promise.resolve({
 *         module: m.path,
 *         goVersion: "1.21",
 *         require: (mods[`${m.path}@${m.version}`] ?? []).map((s) => {
 *           const [path, version] = s.split("@");
 *           return { path: path!, version: version! };
 *         }),
 *       }),
 *   },
 * );
 * assert.deepEqual(graph.buildList.map((e) => `${e.path} ${e.version}`), [
 *   "example.com/main ",
 *   "example.com/a v1.0.0",
 *   "example.com/b v1.2.0",
 *   "example.com/c v1.3.0",
 * ]);
 * ```
 */
export async function loadModuleGraph(
  main: GoMainModule,
  provider: GoModProvider,
  options: LoadModuleGraphOptions = {},
): Promise<ModuleGraph> {
  const replace = main.replace ?? [];
  const excluded = new Set((main.exclude ?? []).map(key));
  const dropped: ModuleVersion[] = [];
  let roots: ModuleVersion[] = [];
  for (const r of main.require) {
    if (r.version !== "none" && !semverIsValid(r.version)) {
      throw new MochiError(
        "GO_E010",
        `the main module requires ${r.path} at an invalid version "${r.version}"`,
        {
          hint:
            "use a semantic version such as v1.2.3 (a query like latest must be resolved first)",
        },
      );
    }
    // modload rootsFromModFile: "dropping requirement on excluded version".
    if (excluded.has(key(r))) dropped.push(r);
    else roots.push(r);
  }

  // One go.mod read per module version, shared by every reload of the graph.
  const slots = new Semaphore(options.concurrency ?? 8);
  const summaries = new Map<string, Promise<GoModSummary>>();
  const summaryOf = (m: ModuleVersion): Promise<GoModSummary> => {
    const k = key(m);
    let p = summaries.get(k);
    if (p === undefined) {
      p = readSummary(m);
      summaries.set(k, p);
    }
    return p;
  };
  const readSummary = async (m: ModuleVersion): Promise<GoModSummary> => {
    const actual = replacementOf(replace, m) ?? m;
    const release = await slots.acquire();
    let s: GoModSummary;
    try {
      s = await provider.goMod(actual);
    } finally {
      release();
    }
    const replaced = actual === m
      ? ""
      : ` (replaced by ${actual.path}${actual.version === "" ? "" : ` ${actual.version}`})`;
    if (actual.version !== "" && s.module === undefined) {
      throw new MochiError(
        "GO_E010",
        `the go.mod of ${m.path} ${m.version}${replaced} has no module line`,
        {
          hint: "the module proxy served a go.mod that is not one; check the proxy",
        },
      );
    }
    // A directory replacement may declare any path (modload goModSummary: "anything goes").
    if (
      actual.version !== "" && s.module !== undefined && s.module !== m.path &&
      s.module !== actual.path
    ) {
      throw new MochiError(
        "GO_E010",
        `the go.mod of ${m.path} ${m.version}${replaced} declares its path as ${s.module}`,
        { hint: `require the module by the path its go.mod declares, or fix the replace line` },
      );
    }
    const require = excluded.size === 0
      ? s.require
      : s.require.filter((r) => !excluded.has(key(r)));
    return { module: s.module, goVersion: s.goVersion, require };
  };

  const mainPruned = isPrunedGoVersion(main.goVersion);
  let graph = await readModGraph(main.path, roots, mainPruned, summaryOf);
  // modload expandGraph / updatePrunedRoots: in a pruned graph a root that is not its path's
  // selected version is raised to it and the graph is read again from the new roots (which can
  // bring in requirements that were pruned out), until every root is selected.
  while (mainPruned) {
    const seen = new Set<string>();
    const next: ModuleVersion[] = [];
    let upgraded = false;
    for (const r of roots) {
      if (seen.has(r.path) || r.path === main.path) continue;
      seen.add(r.path);
      const v = graph.selected.get(r.path) ?? r.version;
      if (v !== r.version) upgraded = true;
      next.push({ path: r.path, version: v });
    }
    if (!upgraded) break;
    roots = next;
    graph = await readModGraph(main.path, roots, mainPruned, summaryOf);
  }

  const rest: BuildListEntry[] = [];
  for (const [path, version] of graph.selected) {
    if (path === main.path || version === "none") continue;
    const entry: BuildListEntry = { path, version };
    const r = replacementOf(replace, { path, version });
    if (r !== undefined) entry.replace = r;
    rest.push(entry);
  }
  rest.sort((a, b) => compareUtf8(a.path, b.path));
  graph.requirements.set(`${main.path}@`, roots);
  return {
    buildList: [{ path: main.path, version: "" }, ...rest],
    requirements: graph.requirements,
    droppedRequirements: dropped,
  };
}

/**
 * One read of the module graph from the roots (cmd/go/internal/modload `readModGraph`): the
 * selected version of each path and the requirements of each module version read.
 */
async function readModGraph(
  mainPath: string,
  roots: readonly ModuleVersion[],
  mainPruned: boolean,
  summaryOf: (m: ModuleVersion) => Promise<GoModSummary>,
): Promise<{ selected: Map<string, string>; requirements: Map<string, readonly ModuleVersion[]> }> {
  const selected = new Map<string, string>();
  const requirements = new Map<string, readonly ModuleVersion[]>();
  const note = (reqs: readonly ModuleVersion[]) => {
    for (const r of reqs) {
      if (r.path === mainPath) continue;
      const cur = selected.get(r.path);
      if (cur === undefined || semverCompare(r.version, cur) > 0) selected.set(r.path, r.version);
    }
  };
  note(roots);

  // A module may be loaded pruned, then again unpruned (readModGraph's dedupKey{m, pruning}).
  const loading = new Set<string>();
  const pending: Promise<void>[] = [];
  let failed = false;
  const enqueue = (m: ModuleVersion, pruned: boolean): void => {
    if (m.version === "none" || failed) return;
    const k = `${pruned ? "p" : "u"} ${key(m)}`;
    if (loading.has(k)) return;
    loading.add(k);
    pending.push((async () => {
      let s: GoModSummary;
      try {
        s = await summaryOf(m);
      } catch (e) {
        failed = true;
        throw e;
      }
      if (!requirements.has(key(m))) {
        requirements.set(key(m), s.require);
        note(s.require);
      }
      const depPruned = isPrunedGoVersion(s.goVersion);
      if (!pruned || !depPruned) {
        for (const r of s.require) enqueue(r, pruned ? depPruned : false);
      }
    })());
  };
  for (const r of roots) enqueue(r, mainPruned);
  // Every load is awaited (none is left to reject unhandled); after the first failure nothing new
  // starts and the first error is thrown.
  let failure: { reason: unknown } | undefined;
  while (pending.length > 0) {
    for (const r of await Promise.allSettled(pending.splice(0))) {
      if (r.status === "rejected" && failure === undefined) failure = { reason: r.reason };
    }
  }
  if (failure !== undefined) throw failure.reason;
  return { selected, requirements };
}
