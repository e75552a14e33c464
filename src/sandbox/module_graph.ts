/**
 * Confining module loading: Deno loads a program's static module graph (static imports, and
 * dynamic imports whose specifier is a string literal, `with { type: "text" | "bytes" | "json" }`
 * included) without checking `--allow-read`, so a package granted nothing could import
 * `../../../.ssh/id_rsa` as text. Only modules outside that graph (computed dynamic imports,
 * workers) are read-checked. `mochi run` and `mochi compile` therefore read the graph first
 * (`deno info --json`, the same resolution `deno run` does: same working directory, config and
 * import map) and refuse a program any of whose local files lies outside the allowed roots (the
 * project directory, the store, and mochi's own sources when it runs from files).
 *
 * Follows Deno's module graph (`deno info --json` output, version 1): every `file:` specifier of
 * a module or a dependency is checked, after resolving symbolic links.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { MochiError } from "../errors.ts";

/** One local file of a module graph and the module that imports it (absent for a root). */
export interface LocalModule {
  /** Absolute path of the file, as Deno resolved the specifier (before symbolic links). */
  readonly file: string;
  /** The importing module's specifier, or undefined for an entry point. */
  readonly importer?: string;
}

/** Longest `deno info --json` output read, in bytes. */
export const MAX_MODULE_GRAPH_BYTES = 64 * 1024 * 1024;

/** How long `deno info` may take, in milliseconds. */
export const MODULE_GRAPH_TIMEOUT_MS = 120_000;

function fileOf(specifier: unknown): string | undefined {
  if (typeof specifier !== "string" || !specifier.startsWith("file:")) return undefined;
  try {
    return fileURLToPath(specifier);
  } catch {
    return undefined;
  }
}

/**
 * The local files of a module graph: every `file:` specifier among the roots, the modules and
 * the targets of their dependencies (code and type), each with one importer. Pure.
 *
 * @param info the parsed output of `deno info --json <entry>`
 * @returns the files in first-seen order, without duplicates
 * @throws {MochiError} CAP_E011 when the value is not a module graph (no `modules` array)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { localModules } from "./module_graph.ts";
 * const graph = {
 *   roots: ["file:///p/main.ts"],
 *   modules: [{
 *     specifier: "file:///p/main.ts",
 *     dependencies: [{ specifier: "../k", code: { specifier: "file:///k" } }],
 *   }],
 * };
 * assert.deepEqual(localModules(graph), [
 *   { file: "/p/main.ts" },
 *   { file: "/k", importer: "file:///p/main.ts" },
 * ]);
 * ```
 */
export function localModules(info: unknown): LocalModule[] {
  const graph = info as { roots?: unknown; modules?: unknown };
  if (typeof info !== "object" || info === null || !Array.isArray(graph.modules)) {
    throw new MochiError("CAP_E011", "deno info --json did not describe a module graph", {
      hint: "run deno info --json <entry> in the project directory to see what Deno reports",
    });
  }
  const out = new Map<string, LocalModule>();
  const add = (specifier: unknown, importer?: string) => {
    const file = fileOf(specifier);
    if (file === undefined || out.has(file)) return;
    out.set(file, importer === undefined ? { file } : { file, importer });
  };
  for (const root of Array.isArray(graph.roots) ? graph.roots : []) add(root);
  for (const m of graph.modules as unknown[]) {
    if (typeof m !== "object" || m === null) continue;
    const mod = m as { specifier?: unknown; dependencies?: unknown };
    add(mod.specifier);
    const importer = typeof mod.specifier === "string" ? mod.specifier : undefined;
    for (const d of Array.isArray(mod.dependencies) ? mod.dependencies : []) {
      const dep = d as { code?: { specifier?: unknown }; type?: { specifier?: unknown } };
      add(dep?.code?.specifier, importer);
      add(dep?.type?.specifier, importer);
    }
  }
  return [...out.values()];
}

/**
 * Whether `path` is `root` or lies inside it (both absolute, symbolic links already resolved).
 *
 * @param root a directory
 * @param path a file or directory
 */
export function isWithin(root: string, path: string): boolean {
  const r = root.endsWith("/") ? root : `${root}/`;
  return path === root || path.startsWith(r);
}

/** The real path of `path`, resolving what exists of it (a missing tail is kept as written). */
async function realPathOf(path: string): Promise<string> {
  const parts: string[] = [];
  let at = path;
  for (;;) {
    try {
      const real = await Deno.realPath(at);
      return parts.length === 0 ? real : `${real.replace(/\/$/, "")}/${parts.join("/")}`;
    } catch {
      const slash = at.lastIndexOf("/");
      if (slash <= 0) return path;
      parts.unshift(at.slice(slash + 1));
      at = at.slice(0, slash);
    }
  }
}

/**
 * The directories of mochi's own sources (`src/`, `capabilities/`) when mochi runs from files,
 * so a program may import the library (`PackageWorker`); none when it runs from a URL or a
 * compiled binary.
 */
export function mochiSourceRoots(): string[] {
  const here = new URL("../../", import.meta.url);
  if (here.protocol !== "file:") return [];
  const root = fileURLToPath(here).replace(/\/$/, "");
  return [`${root}/src`, `${root}/capabilities`];
}

/**
 * An entry module as one argument Deno never reads as a flag: `./-x.ts` for `-x.ts`.
 *
 * @param entry the entry module as the user gave it
 * @returns the same path, prefixed with `./` when it starts with `-`
 */
export function safeEntry(entry: string): string {
  return entry.startsWith("-") ? `./${entry}` : entry;
}

/** Options of {@link checkModuleGraph}. */
export interface ModuleGraphOptions {
  /** The entry module, as given to `deno run`. */
  entry: string;
  /** The working directory of the run (the project directory). */
  cwd: string;
  /** Directories the graph may load files from (symbolic links are resolved here). */
  roots: readonly string[];
  /** Path of the deno executable (default: the running one). */
  denoPath?: string;
  /** Deadline for `deno info`, in milliseconds (default {@link MODULE_GRAPH_TIMEOUT_MS}). */
  timeoutMs?: number;
}

/**
 * Reads the program's module graph with `deno info --json --no-remote --no-npm` (remote and npm
 * modules are not files of this machine; `deno run --no-remote` refuses remote ones) and checks
 * that every local file, after resolving symbolic links, lies inside one of `roots`. Fails
 * closed: a graph that cannot be read refuses the run.
 *
 * @param options entry, working directory, allowed roots
 * @returns the number of local files checked
 * @throws {MochiError} CAP_E011 naming the first file outside the roots and its importer, or
 *   when `deno info` fails, times out or prints more than {@link MAX_MODULE_GRAPH_BYTES}
 */
export async function checkModuleGraph(options: ModuleGraphOptions): Promise<number> {
  const refuse = (what: string): never => {
    throw new MochiError("CAP_E011", what, {
      hint: "package code may read files only through its fs.read capability; remove the " +
        "import, or move the file into the project",
    });
  };
  const signal = AbortSignal.timeout(options.timeoutMs ?? MODULE_GRAPH_TIMEOUT_MS);
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(options.denoPath ?? Deno.execPath(), {
      args: ["info", "--json", "--no-remote", "--no-npm", safeEntry(options.entry)],
      cwd: options.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal,
    }).output();
  } catch (e) {
    return refuse(`could not read the module graph of ${JSON.stringify(options.entry)}: ${e}`);
  }
  if (signal.aborted) {
    return refuse(`deno info took longer than ${options.timeoutMs ?? MODULE_GRAPH_TIMEOUT_MS} ms`);
  }
  if (!out.success) {
    // deno-lint-ignore no-control-regex -- strips the colour codes deno prints
    const line = new TextDecoder().decode(out.stderr).replace(/\x1b\[[0-9;]*m/g, "")
      .split("\n").find((l) => l.trim() !== "") ?? `exit ${out.code}`;
    return refuse(
      `could not read the module graph of ${JSON.stringify(options.entry)}: ${line.trim()}`,
    );
  }
  if (out.stdout.length > MAX_MODULE_GRAPH_BYTES) {
    return refuse(`the module graph is larger than ${MAX_MODULE_GRAPH_BYTES} bytes`);
  }
  let info: unknown;
  try {
    info = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(out.stdout));
  } catch {
    return refuse("deno info --json printed something that is not JSON");
  }
  const roots = await Promise.all(options.roots.map(realPathOf));
  const files = localModules(info);
  for (const m of files) {
    const real = await realPathOf(m.file);
    if (roots.some((r) => isWithin(r, real))) continue;
    const by = m.importer === undefined
      ? "the entry point is"
      : `${JSON.stringify(m.importer)} imports`;
    refuse(
      `${by} ${JSON.stringify(real)}, outside the project and the store; Deno would load it ` +
        "without a read check",
    );
  }
  return files.length;
}
