/**
 * Rust requirements from Mochi sources (`import rust "<crate>@<requirement>" as <alias>`) and
 * their reconciliation with `[targets.rust.ffi]`.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import type { RustDependency } from "../manifest/mod.ts";
import { formatRequirement, parseRequirement } from "../semver/mod.ts";
import type { RustRequirement } from "./resolve.ts";

/** One `import rust` line found in a source file. */
export interface RustImport {
  /** Crate name. */
  crate: string;
  /** Requirement text after `@` (`"*"` when the line gives none). */
  requirement: string;
  /** Whether the line gave a requirement. */
  requirementGiven: boolean;
  /** The alias after `as`, if any. */
  alias?: string;
  /** File the line is in (as given). */
  file: string;
  /** 1-based line number. */
  line: number;
}

const IMPORT = /^\s*import\s+rust\s+"([^"@]*)(?:@([^"]*))?"(?:\s+as\s+([A-Za-z_][A-Za-z0-9_]*))?/;

/**
 * Finds the `import rust "<crate>@<requirement>" as <alias>` lines of one source file.
 *
 * @param text the file's text
 * @param file the path reported in errors and in {@link RustImport.file}
 * @returns the imports in line order
 * @throws {MochiError} `RUST_E002` naming file and line when the crate name or requirement is
 *   invalid
 */
export function scanRustImports(text: string, file: string): RustImport[] {
  const out: RustImport[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const entry = rustImportOfLine(lines[i]!, file, i + 1);
    if (entry !== undefined) out.push(entry);
  }
  return out;
}

/**
 * The `import rust "<crate>@<requirement>" as <alias>` of one source line, if it is one (the
 * per-line step of {@link scanRustImports}, for callers that hold the lines already, such as the
 * install pipeline's one walk of a project's sources).
 *
 * @example
 * ```ts
 * import { rustImportOfLine } from "@mochi/pkg/rust";
 * import assert from "node:assert/strict";
 *
 * const imp = rustImportOfLine('import rust "tokio@1" as tokio', "src/main.mochi", 7);
 * assert.equal(imp?.crate, "tokio");
 * assert.equal(imp?.line, 7);
 * assert.equal(rustImportOfLine("let x = 1", "src/main.mochi", 8), undefined);
 * ```
 *
 * @param text one line of a source file
 * @param file the path reported in errors and in {@link RustImport.file}
 * @param line the line's 1-based number
 * @returns the import, or undefined when the line is not an `import rust` line
 * @throws {MochiError} `RUST_E002` naming file and line when the crate name or requirement is
 *   invalid
 */
export function rustImportOfLine(
  text: string,
  file: string,
  line: number,
): RustImport | undefined {
  const m = IMPORT.exec(text);
  if (m === null) return undefined;
  const [, crate, req, alias] = m;
  const where = `${file}:${line}`;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(crate!)) {
    throw new MochiError("RUST_E002", `invalid crate name "${crate}" in import at ${where}`, {
      hint: 'write import rust "<crate>@<requirement>" as <alias>, e.g. "tokio@1"',
      file,
      line,
    });
  }
  const requirement = req === undefined || req.length === 0 ? "*" : req;
  try {
    parseRequirement(requirement);
  } catch (e) {
    throw new MochiError(
      "RUST_E002",
      `invalid requirement "${requirement}" for crate ${crate} at ${where}: ${
        (e as Error).message
      }`,
      { hint: 'use cargo requirement syntax after "@": "tokio@1", "serde@^1.0.100"', file },
    );
  }
  const entry: RustImport = {
    crate: crate!,
    requirement,
    requirementGiven: req !== undefined && req.length > 0,
    file,
    line,
  };
  if (alias !== undefined) entry.alias = alias;
  return entry;
}

function canonical(req: string): string {
  return formatRequirement(parseRequirement(req));
}

/**
 * Merges `[targets.rust.ffi]` with the `import rust` lines into the requirements to resolve.
 *
 * A crate imported without a manifest entry is resolved with the import's requirement and
 * default features. Where both name a crate (by its registry name), their requirements must
 * agree (compared in canonical form; an import without `@` agrees with anything), and so must
 * two imports of the same crate.
 *
 * @param manifestPath path of mochi.toml, for messages
 * @param declared `[targets.rust.ffi]` entries
 * @param imports lines from the sources
 * @returns the requirements, manifest entries first (file order), then imported-only crates
 *   sorted by name
 * @throws {MochiError} `RUST_E003` naming both places and both requirements on a disagreement
 */
export function mergeRustRequirements(
  manifestPath: string,
  declared: ReadonlyMap<string, RustDependency> | undefined,
  imports: readonly RustImport[],
): RustRequirement[] {
  const out: RustRequirement[] = [];
  const byCrate = new Map<string, { req: string; where: string }>();
  for (const d of declared?.values() ?? []) {
    out.push({
      name: d.name,
      package: d.package,
      requirement: d.requirement,
      features: [...d.features],
      defaultFeatures: d.defaultFeatures,
      ...(d.path !== undefined
        ? { local: { path: d.path } }
        : d.git !== undefined
        ? { local: { git: { ...d.git } } }
        : {}),
    });
    byCrate.set(d.package, {
      req: d.requirement,
      where: `${manifestPath}:${d.line} ([targets.rust.ffi] ${d.name} = "${d.requirement}")`,
    });
  }
  const imported = new Map<string, RustImport>();
  for (
    const imp of [...imports].sort((a, b) =>
      a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line
    )
  ) {
    const here = `${imp.file}:${imp.line} (import rust "${imp.crate}@${imp.requirement}")`;
    const prev = byCrate.get(imp.crate);
    if (prev !== undefined) {
      if (imp.requirementGiven && canonical(prev.req) !== canonical(imp.requirement)) {
        throw new MochiError(
          "RUST_E003",
          `crate ${imp.crate} is required as "${prev.req}" at ${prev.where} but as "${imp.requirement}" at ${here}`,
          {
            hint:
              `make both say the same requirement (cargo syntax), e.g. change the import to "${imp.crate}@${prev.req}"`,
            file: imp.file,
            line: imp.line,
          },
        );
      }
      continue;
    }
    if (!imported.has(imp.crate)) imported.set(imp.crate, imp);
    if (imp.requirementGiven) byCrate.set(imp.crate, { req: imp.requirement, where: here });
  }
  for (const crate of [...imported.keys()].sort()) {
    const imp = imported.get(crate)!;
    const req = byCrate.get(crate)?.req ?? imp.requirement;
    out.push({
      name: crate,
      package: crate,
      requirement: req,
      features: [],
      defaultFeatures: true,
    });
  }
  return out;
}
