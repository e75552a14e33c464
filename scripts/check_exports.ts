/**
 * The export check (`deno task check` runs it), from the same table as the layer check
 * (`scripts/_rooms.ts`). It fails when
 *
 * - `deno.json` `exports` differs from the table's entry points;
 * - an entry point uses `export *` (each has an explicit export list);
 * - an entry point exports a name declared in a test-only file (fault points, hostile-input
 *   builders), or the root facade exports more than its budget of names;
 * - a public file is missing from its `mod.ts`: every `.ts` file of a folder that has a `mod.ts`
 *   (and of its subfolders without one) is imported by that `mod.ts`, unless its name starts with
 *   `_` (private to the folder) or it is a test or test-support file.
 *
 * `deno run -A scripts/check_exports.ts [--json]`.
 *
 * @module
 */
import {
  ENTRY_POINTS,
  type ImportGraph,
  isTestFile,
  loadGraph,
  PENDING,
  REPO_ROOT,
  ROOT_FACADE_MAX,
  TEST_ONLY,
} from "./_rooms.ts";
import { stripComments } from "./check_layers.ts";

/** One broken rule. */
export interface ExportFinding {
  /** `error` fails the check; `warn` (a pending fix) is printed only. */
  level: "warn" | "error";
  /** `entries`, `export-star`, `test-only`, `facade-size` or `public-file`. */
  rule: "entries" | "export-star" | "test-only" | "facade-size" | "public-file";
  /** The file the finding is about. */
  at: string;
  /** What is wrong and what to do. */
  message: string;
}

/** One exported name of an entry point and the file that declares it. */
export interface ExportedSymbol {
  /** The exported name. */
  name: string;
  /** Repository-relative path of the declaring file. */
  file: string;
}

/** What the export check reads. */
export interface ExportInputs {
  /** Every repository-relative `.ts` path under `src/` (tests included; they are skipped). */
  files: readonly string[];
  /** The import graph (for what each `mod.ts` imports). */
  graph: ImportGraph;
  /** `deno.json` `exports`. */
  denoExports: Readonly<Record<string, string>>;
  /** Entry point path → its source text. */
  entrySources: ReadonlyMap<string, string>;
  /** Entry point path → its exported names (`deno doc --json`). */
  entrySymbols: ReadonlyMap<string, readonly ExportedSymbol[]>;
}

/**
 * Checks the public surface against the table.
 *
 * @param inputs what was read from the repository
 * @param entries `deno.json` export key → file (default: {@link ENTRY_POINTS})
 * @param pending known findings to report as warnings (default: {@link PENDING})
 * @returns every finding, sorted by file
 */
export function checkExports(
  inputs: ExportInputs,
  entries: Readonly<Record<string, string>> = ENTRY_POINTS,
  pending: ReadonlyMap<string, string> = PENDING,
): ExportFinding[] {
  const findings: ExportFinding[] = [];
  const have = inputs.denoExports;
  for (const key of new Set([...Object.keys(entries), ...Object.keys(have)])) {
    const want = entries[key] === undefined ? undefined : `./${entries[key]}`;
    if (have[key] !== want) {
      findings.push({
        level: "error",
        rule: "entries",
        at: "deno.json",
        message: `deno.json exports[${JSON.stringify(key)}] is ${
          have[key] ?? "missing"
        }, the table (scripts/_rooms.ts ENTRY_POINTS) says ${want ?? "none"}`,
      });
    }
  }
  for (const [key, file] of Object.entries(entries)) {
    if (key === "./cli") continue;
    const source = stripComments(inputs.entrySources.get(file) ?? "");
    if (/\bexport\s*\*/.test(source)) {
      findings.push({
        level: "error",
        rule: "export-star",
        at: file,
        message: `${file} (entry point ${key}) uses export *: list each public name`,
      });
    }
    const symbols = inputs.entrySymbols.get(file) ?? [];
    for (const s of symbols) {
      if (TEST_ONLY.some((r) => r.test(s.file))) {
        findings.push({
          level: "error",
          rule: "test-only",
          at: file,
          message: `${file} (entry point ${key}) exports ${s.name} from the test-only ${s.file}`,
        });
      }
    }
    if (key === "." && symbols.length > ROOT_FACADE_MAX) {
      findings.push({
        level: "error",
        rule: "facade-size",
        at: file,
        message: `the root facade exports ${symbols.length} names (at most ${ROOT_FACADE_MAX}): ` +
          `move the rest to a subpath`,
      });
    }
  }
  const mods = new Set(inputs.files.filter((f) => f.endsWith("/mod.ts")));
  for (const file of inputs.files) {
    const name = file.slice(file.lastIndexOf("/") + 1);
    if (
      !file.endsWith(".ts") || name === "mod.ts" || name.startsWith("_") || isTestFile(file) ||
      TEST_ONLY.some((r) => r.test(file))
    ) continue;
    const mod = ownerMod(file, mods);
    if (mod === undefined) continue;
    const imports = inputs.graph.get(mod) ?? [];
    if (!imports.some((e) => e.to === file)) {
      findings.push({
        level: "error",
        rule: "public-file",
        at: file,
        message: `${file} is missing from ${mod}: export its public names there, or rename it ` +
          `${file.slice(0, file.length - name.length)}_${name} if it is private to the folder`,
      });
    }
  }
  for (const f of findings) {
    const why = pending.get(`${f.rule} ${f.at}`);
    if (why !== undefined) {
      f.level = "warn";
      f.message += ` (pending: ${why})`;
    }
  }
  return findings.sort((a, b) => a.at.localeCompare(b.at) || a.message.localeCompare(b.message));
}

/** The nearest `mod.ts` in the file's folder or an ancestor folder under `src/`. */
function ownerMod(file: string, mods: ReadonlySet<string>): string | undefined {
  let dir = file.slice(0, file.lastIndexOf("/"));
  while (dir.startsWith("src/")) {
    if (mods.has(`${dir}/mod.ts`)) return `${dir}/mod.ts`;
    dir = dir.slice(0, dir.lastIndexOf("/"));
  }
  return undefined;
}

/** The exported names of an entry point and their declaring files, from `deno doc --json`. */
async function exportedSymbols(root: string, file: string): Promise<ExportedSymbol[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", file],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`deno doc failed: ${new TextDecoder().decode(out.stderr)}`);
  const doc = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    nodes: Record<string, { symbols?: { name: string; declarations: DocDeclaration[] }[] }>;
  };
  const prefix = new URL(`file://${root}/`).href;
  const symbols: ExportedSymbol[] = [];
  for (const node of Object.values(doc.nodes)) {
    for (const s of node.symbols ?? []) {
      const at = s.declarations[0]?.location.filename ?? "";
      symbols.push({ name: s.name, file: at.startsWith(prefix) ? at.slice(prefix.length) : at });
    }
  }
  return symbols;
}

interface DocDeclaration {
  location: { filename: string };
}

if (import.meta.main) {
  const graph = await loadGraph(REPO_ROOT);
  const files: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(`${REPO_ROOT}/${dir}`)) {
      if (e.isDirectory) await walk(`${dir}/${e.name}`);
      else if (e.isFile && e.name.endsWith(".ts")) files.push(`${dir}/${e.name}`);
    }
  };
  await walk("src");
  const config = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}/deno.json`));
  const entrySources = new Map<string, string>();
  const entrySymbols = new Map<string, ExportedSymbol[]>();
  for (const [key, file] of Object.entries(ENTRY_POINTS)) {
    entrySources.set(file, await Deno.readTextFile(`${REPO_ROOT}/${file}`));
    if (key !== "./cli") entrySymbols.set(file, await exportedSymbols(REPO_ROOT, file));
  }
  const findings = checkExports({
    files,
    graph,
    denoExports: config.exports ?? {},
    entrySources,
    entrySymbols,
  });
  if (Deno.args.includes("--json")) {
    console.log(JSON.stringify(findings, null, 2));
  } else {
    for (const f of findings) console.error(`${f.level}[${f.rule}]: ${f.message}`);
    const errors = findings.filter((f) => f.level === "error").length;
    const sizes = [...entrySymbols].map(([file, s]) => `${file} ${s.length}`).join(", ");
    console.error(
      `check_exports: ${errors} error(s), ${findings.length - errors} warning(s); names: ${sizes}`,
    );
  }
  if (findings.some((f) => f.level === "error")) Deno.exit(1);
}
