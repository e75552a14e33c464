/**
 * `import go "<module>@<version>" as <alias>` lines of Mochi sources (issue 14 item 2), and
 * their merge with `[targets.go.ffi]`: pure, the lines come from the install pipeline's one walk
 * of the project's sources.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { modulePathProblem, parseGoQuery } from "./query.ts";

/** One `import go` line. */
export interface GoImport {
  /** Module path. */
  module: string;
  /** The version query after `@`. */
  query: string;
  /** The alias after `as`. */
  alias: string;
  /** Source file, relative to the project. */
  file: string;
  /** 1-based line. */
  line: number;
}

/** One Go module the project asks for, and where. */
export interface GoRequirement {
  /** Module path. */
  module: string;
  /** Version query ({@link parseGoQuery}). */
  query: string;
  /** Where it is declared: `mochi.toml:12` or `src/main.mochi:3`. */
  where: string;
}

const IMPORT = /^\s*import\s+go\s+"([^"]*)"\s+as\s+([A-Za-z_][A-Za-z0-9_]*)\s*(?:\/\/.*)?$/;
const HINT = 'write import go "<module>@<version>" as <alias>, e.g. ' +
  '"github.com/google/uuid@v1.6.0" as uuid';

/**
 * The `import go` of one source line, if it is one.
 *
 * @param text one line
 * @param file the path reported in errors
 * @param line its 1-based number
 * @returns the import, or undefined when the line is not an `import go "…"` line
 * @throws {MochiError} `GO_E011` naming file and line when the line starts like an `import go`
 *   but its module path, version or alias is invalid
 * @example
 * ```ts
 * import { goImportOfLine } from "@mochi/pkg/go";
 * const imp = goImportOfLine('import go "github.com/google/uuid@v1.6.0" as uuid', "a.mochi", 1);
 * if (imp?.module !== "github.com/google/uuid" || imp.query !== "v1.6.0") throw new Error();
 * ```
 */
export function goImportOfLine(text: string, file: string, line: number): GoImport | undefined {
  if (!/^\s*import\s+go\s+"/.test(text)) return undefined;
  const where = `${file}:${line}`;
  const fail = (why: string): never => {
    throw new MochiError("GO_E011", `invalid import go line at ${where}: ${why}`, {
      hint: HINT,
      file,
      line,
    });
  };
  const m = IMPORT.exec(text);
  if (m === null) return fail('expected import go "<module>@<version>" as <alias>');
  const spec = m[1]!;
  const at = spec.lastIndexOf("@");
  if (at <= 0) return fail(`"${spec.slice(0, 200)}" has no @<version>`);
  const module = spec.slice(0, at);
  const query = spec.slice(at + 1);
  const problem = modulePathProblem(module);
  if (problem !== undefined) return fail(problem);
  const q = parseGoQuery(query);
  if (typeof q === "string") return fail(`version "${query.slice(0, 200)}": ${q}`);
  return { module, query, alias: m[2]!, file, line };
}

/**
 * The project's Go requirements: `[targets.go.ffi]` entries (file order), then modules only
 * imported (sorted by path). A module both declare must have the same query in both places.
 *
 * @param manifestPath the manifest's name in messages (`mochi.toml`)
 * @param declared `[targets.go.ffi]`
 * @param imports the sources' `import go` lines
 * @returns the requirements
 * @throws {MochiError} `GO_E012` naming both places when they disagree
 * @example
 * ```ts
 * import { mergeGoRequirements } from "@mochi/pkg/go";
 * const reqs = mergeGoRequirements("mochi.toml", undefined, [
 *   { module: "example.com/a", query: "v1.0.0", alias: "a", file: "m.mochi", line: 1 },
 * ]);
 * if (reqs.length !== 1 || reqs[0]!.where !== "m.mochi:1") throw new Error();
 * ```
 */
export function mergeGoRequirements(
  manifestPath: string,
  declared: ReadonlyMap<string, { module: string; query: string; line: number }> | undefined,
  imports: readonly GoImport[],
): GoRequirement[] {
  const out: GoRequirement[] = [];
  const seen = new Map<string, GoRequirement>();
  for (const d of declared?.values() ?? []) {
    const r = { module: d.module, query: d.query, where: `${manifestPath}:${d.line}` };
    out.push(r);
    seen.set(d.module, r);
  }
  const imported: GoRequirement[] = [];
  for (const imp of imports) {
    const prev = seen.get(imp.module);
    const where = `${imp.file}:${imp.line}`;
    if (prev !== undefined) {
      if (prev.query !== imp.query) {
        throw new MochiError(
          "GO_E012",
          `Go module ${imp.module} is required as "${prev.query}" at ${prev.where} but as ` +
            `"${imp.query}" at ${where}`,
          {
            hint: `make both say the same version, e.g. "${imp.module}@${prev.query}"`,
            file: imp.file,
            line: imp.line,
          },
        );
      }
      continue;
    }
    const r = { module: imp.module, query: imp.query, where };
    seen.set(imp.module, r);
    imported.push(r);
  }
  imported.sort((a, b) => (a.module < b.module ? -1 : a.module > b.module ? 1 : 0));
  return [...out, ...imported];
}
