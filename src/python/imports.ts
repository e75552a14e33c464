/**
 * Python requirements from Mochi sources (`import python "<requirement>" as <alias>`) and from
 * `[targets.python.ffi]`, and their reconciliation into the `(name, alias)` entries of
 * `mochi.lock`'s `[[python-package]]` table (README §Python distributions). Pure: the install
 * pipeline hands in the lines its one walk of the project found (`src/install/source_scan.ts`).
 *
 * The requirement is PEP 508's name, extras and version specifiers (`httpx[http2]>=0.27,<1`),
 * or a name with one of these source qualifiers after `@`: `name@git+<url>#<rev>`,
 * `name@path+<relative dir>`, `name@index+<simple-index url>`; `name@<specifiers>` is the same
 * as `name<specifiers>`.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { parseSpecifierSet } from "./specifiers.ts";
import { normalizePythonName } from "./names.ts";

/** Where a Python requirement is resolved from (the `source` of a `[[python-package]]`). */
export type PythonImportSource = "registry" | "index" | "git" | "path";

/** A parsed Python requirement as an import line or `[targets.python.ffi]` writes it. */
export interface PythonImportSpec {
  /** The distribution name as written. */
  name: string;
  /** Its PEP 503 normal form (`typing-extensions`). */
  normalizedName: string;
  /** Extras, PEP 685-normalised, sorted, without duplicates. */
  extras: string[];
  /** The version specifiers without white space (`>=0.27,<1`), or `""` for any version. */
  specifier: string;
  /** The source. */
  source: PythonImportSource;
  /** The simple-index URL of an `index` source. */
  indexUrl?: string;
  /** The repository URL of a `git` source (without `git+`). */
  gitUrl?: string;
  /** The revision after `#` of a `git` source. */
  gitRev?: string;
  /** The relative directory of a `path` source. */
  localPath?: string;
}

/** One `import python` line of a source file. */
export interface PythonImport {
  /** The requirement. */
  spec: PythonImportSpec;
  /** The alias after `as`. */
  alias: string;
  /** The text between the quotes, as written. */
  text: string;
  /** File the line is in (relative to the project). */
  file: string;
  /** 1-based line number. */
  line: number;
}

/** Longest requirement text accepted, in characters. */
export const MAX_PYTHON_REQUIREMENT_LENGTH = 8192;

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,198}[A-Za-z0-9])?/;
const EXTRA = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const ALIAS = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const GIT_REV = /^[A-Za-z0-9._/][A-Za-z0-9._/+-]{0,199}$/;
const LINE = /^\s*import\s+python\s+"([^"]*)"(?:\s+as\s+([^\s]+))?/;
const HINT =
  'write import python "<requirement>" as <alias>, e.g. import python "httpx>=0.27" as httpx';

/**
 * The Mochi alias a `[targets.python.ffi]` key gets: the name with every run of `-`, `_` and `.`
 * made one `_` (`typing-extensions` → `typing_extensions`, as the module is usually named).
 *
 * @param name the key
 * @returns the alias, or undefined when the result is not a Mochi identifier (a leading digit)
 *
 * @example
 * ```ts
 * import { pythonAliasOf } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * assert.equal(pythonAliasOf("typing-extensions"), "typing_extensions");
 * assert.equal(pythonAliasOf("zope.interface"), "zope_interface");
 * assert.equal(pythonAliasOf("2to3"), undefined);
 * ```
 */
export function pythonAliasOf(name: string): string | undefined {
  const alias = name.replace(/[-_.]+/g, "_");
  return ALIAS.test(alias) ? alias : undefined;
}

/**
 * The problem with a PEP 440 specifier set as written (`>=0.27, <1`), or undefined, as
 * `packaging.specifiers.SpecifierSet` judges it (`parseSpecifierSet`).
 *
 * @param text the specifiers, `""` for any version
 * @returns a reason, or undefined
 *
 * @example
 * ```ts
 * import { pep440SpecifierProblem } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * assert.equal(pep440SpecifierProblem(">=0.27, <1"), undefined);
 * assert.equal(pep440SpecifierProblem(""), undefined);
 * assert.equal(typeof pep440SpecifierProblem("~=1"), "string"); // ~= needs two release parts
 * ```
 */
export function pep440SpecifierProblem(text: string): string | undefined {
  if (text.trim() === "") return undefined;
  try {
    parseSpecifierSet(text);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  return undefined;
}

function problem(text: string, what: string): MochiError {
  const shown = text.length > 120 ? `${text.slice(0, 120)}…` : text;
  return new MochiError("PY_E010", `invalid Python requirement ${JSON.stringify(shown)}: ${what}`, {
    hint: HINT,
  });
}

/** Longest URL accepted in a requirement, a manifest or a lock, in characters. */
const MAX_URL = 2000;

/**
 * The problem with a URL from an import line, a manifest or a lock, or undefined when it is
 * acceptable: an absolute URL of one of `schemes`, 1 to 2,000 characters, with no credentials,
 * no white space and no control characters. The one check both the requirement reader and the
 * lock reader (`src/lockfile/python.ts`) apply.
 *
 * @param url the text
 * @param schemes the schemes allowed, without `:`
 * @returns a reason, or undefined
 *
 * @example
 * ```ts
 * import { pythonUrlProblem } from "./imports.ts";
 * import assert from "node:assert/strict";
 * assert.equal(pythonUrlProblem("https://git.example/r.git", ["https"]), undefined);
 * assert.equal(pythonUrlProblem("https://u:p@git.example/r", ["https"]), "carries credentials (user:password@)");
 * assert.equal(pythonUrlProblem("ftp://git.example/r", ["https", "http"]), 'has scheme "ftp", not https, http');
 * assert.equal(pythonUrlProblem("r.git", ["https"]), "is not an absolute URL");
 * ```
 */
export function pythonUrlProblem(url: string, schemes: readonly string[]): string | undefined {
  if (url.length === 0 || url.length > MAX_URL) return `must be 1 to ${MAX_URL} characters`;
  // deno-lint-ignore no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(url)) return "contains white space or a control character";
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "is not an absolute URL";
  }
  const scheme = u.protocol.slice(0, -1);
  if (!schemes.includes(scheme)) return `has scheme "${scheme}", not ${schemes.join(", ")}`;
  if (u.username !== "" || u.password !== "") return "carries credentials (user:password@)";
  return undefined;
}

/**
 * Parses a Python requirement as an import line or `[targets.python.ffi]` writes it (see the
 * module doc for the forms).
 *
 * @param text the requirement
 * @returns the parsed requirement
 * @throws {MochiError} `PY_E010` naming the text and what is wrong
 *
 * @example
 * ```ts
 * import { parsePythonImportSpec } from "./imports.ts";
 * import assert from "node:assert/strict";
 * const s = parsePythonImportSpec("Typing_Extensions[Extra] >= 4.0, <5");
 * assert.equal(s.normalizedName, "typing-extensions");
 * assert.equal(s.specifier, ">=4.0,<5");
 * assert.equal(parsePythonImportSpec("mylib@git+https://git.example/r#v1").gitRev, "v1");
 * ```
 */
export function parsePythonImportSpec(text: string): PythonImportSpec {
  if (text.length > MAX_PYTHON_REQUIREMENT_LENGTH) {
    throw problem(text, `longer than ${MAX_PYTHON_REQUIREMENT_LENGTH} characters`);
  }
  const s = text.trim();
  const m = NAME.exec(s);
  if (m === null) throw problem(text, "it does not start with a distribution name");
  const name = m[0];
  let rest = s.slice(name.length).trimStart();
  const spec: PythonImportSpec = {
    name,
    normalizedName: normalizePythonName(name),
    extras: [],
    specifier: "",
    source: "registry",
  };
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    if (close < 0) throw problem(text, "the extras have no closing ]");
    const extras = rest.slice(1, close).split(",").map((e) => e.trim()).filter((e) => e !== "");
    for (const e of extras) {
      if (!EXTRA.test(e)) throw problem(text, `"${e.slice(0, 60)}" is not an extra name`);
    }
    spec.extras = [...new Set(extras.map(normalizePythonName))].sort();
    rest = rest.slice(close + 1).trimStart();
  }
  if (rest.startsWith("@")) {
    const q = rest.slice(1).trim();
    if (q.startsWith("git+")) {
      const hash = q.indexOf("#");
      const url = hash < 0 ? q.slice(4) : q.slice(4, hash);
      const bad = pythonUrlProblem(url, ["https", "http", "ssh", "git", "file"]);
      if (bad !== undefined) throw problem(text, `the git URL ${bad}`);
      spec.source = "git";
      spec.gitUrl = url;
      if (hash >= 0) {
        const rev = q.slice(hash + 1);
        if (!GIT_REV.test(rev) || rev.includes("..")) {
          throw problem(text, `"${rev.slice(0, 60)}" is not a branch, tag or commit name`);
        }
        spec.gitRev = rev;
      }
      return spec;
    }
    if (q.startsWith("path+")) {
      const p = q.slice(5);
      if (
        // deno-lint-ignore no-control-regex
        p === "" || /[\u0000-\u001f\u007f\\]/.test(p) || p.startsWith("/") || /^[A-Za-z]:/.test(p)
      ) {
        throw problem(text, "the path must be a relative directory with / separators");
      }
      spec.source = "path";
      spec.localPath = p;
      return spec;
    }
    if (q.startsWith("index+")) {
      const url = q.slice(6);
      const bad = pythonUrlProblem(url, ["https", "http", "file"]);
      if (bad !== undefined) throw problem(text, `the index URL ${bad}`);
      spec.source = "index";
      spec.indexUrl = url;
      return spec;
    }
    rest = q;
  }
  const bad = pep440SpecifierProblem(rest);
  if (bad !== undefined) throw problem(text, bad);
  spec.specifier = rest.split(",").map((c) => c.replace(/\s+/g, "")).filter((c) => c !== "")
    .join(",");
  return spec;
}

/**
 * The `import python "<requirement>" as <alias>` of one source line, if it is one.
 *
 * @param text one line of a source file
 * @param file the path reported in errors and in {@link PythonImport.file}
 * @param line the line's 1-based number
 * @returns the import, or undefined when the line is not an `import python` line
 * @throws {MochiError} `PY_E010` naming `file:line` when the requirement is invalid or the
 *   alias is missing or not a Mochi identifier
 *
 * @example
 * ```ts
 * import { pythonImportOfLine } from "./imports.ts";
 * import assert from "node:assert/strict";
 * const imp = pythonImportOfLine('import python "httpx>=0.27" as web', "src/main.mochi", 3);
 * assert.equal(imp?.spec.normalizedName, "httpx");
 * assert.equal(imp?.alias, "web");
 * assert.equal(pythonImportOfLine("let x = 1", "src/main.mochi", 4), undefined);
 * ```
 */
export function pythonImportOfLine(
  text: string,
  file: string,
  line: number,
): PythonImport | undefined {
  const m = LINE.exec(text);
  if (m === null) return undefined;
  const [, body = "", alias] = m;
  const where = `${file}:${line}`;
  let spec: PythonImportSpec;
  try {
    spec = parsePythonImportSpec(body);
  } catch (e) {
    const err = e as MochiError;
    throw new MochiError("PY_E010", `${err.message} in import at ${where}`, {
      hint: err.hint ?? HINT,
      file,
      line,
    });
  }
  if (alias === undefined) {
    throw new MochiError(
      "PY_E010",
      `import python "${body.slice(0, 120)}" at ${where} has no alias; write it ` +
        `import python "<requirement>" as <alias>`,
      { hint: `add as <alias>, e.g. as ${pythonAliasOf(spec.name) ?? "lib"}`, file, line },
    );
  }
  if (!ALIAS.test(alias)) {
    throw new MochiError(
      "PY_E010",
      `alias ${JSON.stringify(alias.slice(0, 80))} at ${where} is not a Mochi identifier`,
      { hint: "an alias is a letter or _, then letters, digits or _ (at most 64)", file, line },
    );
  }
  return { spec, alias, text: body, file, line };
}

/**
 * Every `import python` line of one source text.
 *
 * @param text the file's text
 * @param file the path reported in errors
 * @returns the imports in line order
 * @throws {MochiError} `PY_E010` as {@link pythonImportOfLine}
 *
 * @example
 * ```ts
 * import { scanPythonImports } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * const text = 'import python "httpx>=0.27" as httpx\nlet x = 1\nimport python "PyYAML" as yaml\n';
 * const found = scanPythonImports(text, "src/main.mochi");
 * assert.deepEqual(found.map((i) => [i.alias, i.spec.normalizedName, i.line]), [
 *   ["httpx", "httpx", 1],
 *   ["yaml", "pyyaml", 3],
 * ]);
 * assert.throws(() => scanPythonImports('import python "httpx" as 9x', "src/main.mochi"));
 * ```
 */
export function scanPythonImports(text: string, file: string): PythonImport[] {
  const out: PythonImport[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const imp = pythonImportOfLine(lines[i]!.replace(/\r$/, ""), file, i + 1);
    if (imp !== undefined) out.push(imp);
  }
  return out;
}

/** A `[targets.python.ffi]` entry as the manifest reader gives it (structurally). */
export interface DeclaredPythonDependency {
  /** The key as written (the distribution name). */
  name: string;
  /** The alias the key gives ({@link pythonAliasOf}). */
  alias: string;
  /** The requirement. */
  spec: PythonImportSpec;
  /** 1-based line in mochi.toml. */
  line: number;
}

/** One `(name, alias)` the project requires: a future `[[python-package]]` entry. */
export interface PythonImportRequirement {
  /** The requirement (name, extras, specifier, source). */
  spec: PythonImportSpec;
  /** The alias. */
  alias: string;
  /** Where it is declared, for messages (`mochi.toml:12`, `src/main.mochi:3`). */
  where: string;
}

function sameSpec(a: PythonImportSpec, b: PythonImportSpec): boolean {
  return a.specifier === b.specifier && a.source === b.source && a.indexUrl === b.indexUrl &&
    a.gitUrl === b.gitUrl && a.gitRev === b.gitRev && a.localPath === b.localPath &&
    a.extras.join() === b.extras.join();
}

function isBare(s: PythonImportSpec): boolean {
  return s.source === "registry" && s.specifier === "" && s.extras.length === 0;
}

function describeSpec(s: PythonImportSpec): string {
  const extras = s.extras.length > 0 ? `[${s.extras.join(",")}]` : "";
  const where = s.gitUrl !== undefined
    ? `@git+${s.gitUrl}${s.gitRev !== undefined ? `#${s.gitRev}` : ""}`
    : s.localPath !== undefined
    ? `@path+${s.localPath}`
    : s.indexUrl !== undefined
    ? `@index+${s.indexUrl}`
    : s.specifier;
  return `${s.normalizedName}${extras}${where}`;
}

/**
 * Merges `[targets.python.ffi]` with the `import python` lines into the `(name, alias)`
 * requirements to resolve and lock. The same distribution under two aliases is two requirements
 * (two `[[python-package]]` entries); the same `(name, alias)` twice must say the same thing, and
 * one distribution must come from one source.
 *
 * @param manifestPath path of mochi.toml, for messages
 * @param declared `[targets.python.ffi]` entries
 * @param imports lines from the sources
 * @returns the requirements sorted by name, then alias
 * @throws {MochiError} `PY_E011` naming both places when two declarations of one `(name, alias)`
 *   differ, or one distribution is required from two sources
 *
 * @example
 * ```ts
 * import { mergePythonRequirements, scanPythonImports } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * const imports = scanPythonImports(
 *   'import python "httpx" as httpx\nimport python "httpx>=0.27" as httpx\nimport python "httpx" as h2\n',
 *   "src/main.mochi",
 * );
 * const merged = mergePythonRequirements("mochi.toml", [], imports);
 * assert.deepEqual(merged.map((r) => [r.alias, r.spec.specifier]), [["h2", ""], ["httpx", ">=0.27"]]);
 * const clash = scanPythonImports(
 *   'import python "httpx>=0.27" as httpx\nimport python "httpx<0.20" as httpx\n',
 *   "src/main.mochi",
 * );
 * assert.throws(() => mergePythonRequirements("mochi.toml", [], clash));
 * ```
 */
export function mergePythonRequirements(
  manifestPath: string,
  declared: Iterable<DeclaredPythonDependency>,
  imports: readonly PythonImport[],
): PythonImportRequirement[] {
  const byKey = new Map<string, PythonImportRequirement>();
  const bySource = new Map<string, PythonImportRequirement>();
  const add = (r: PythonImportRequirement, file: string, line: number): void => {
    const key = `${r.spec.normalizedName}:${r.alias}`;
    const prev = byKey.get(key);
    if (prev !== undefined) {
      // A bare name (any version, default index, no extras) agrees with anything, as an
      // `import rust` without a requirement does; the more precise one is kept.
      if (isBare(r.spec)) return;
      if (isBare(prev.spec)) {
        byKey.set(key, r);
        bySource.set(r.spec.normalizedName, r);
        return;
      }
      if (!sameSpec(prev.spec, r.spec)) {
        throw new MochiError(
          "PY_E011",
          `python ${key} is required as "${describeSpec(prev.spec)}" at ${prev.where} but as ` +
            `"${describeSpec(r.spec)}" at ${r.where}`,
          { hint: "make both say the same requirement", file, line },
        );
      }
      return;
    }
    const other = bySource.get(r.spec.normalizedName);
    if (
      other !== undefined &&
      (other.spec.source !== r.spec.source || other.spec.indexUrl !== r.spec.indexUrl ||
        other.spec.gitUrl !== r.spec.gitUrl || other.spec.gitRev !== r.spec.gitRev ||
        other.spec.localPath !== r.spec.localPath)
    ) {
      throw new MochiError(
        "PY_E011",
        `python ${r.spec.normalizedName} comes from "${describeSpec(other.spec)}" at ` +
          `${other.where} but from "${describeSpec(r.spec)}" at ${r.where}; one environment ` +
          "holds one copy of a distribution",
        { hint: "import it from one source everywhere", file, line },
      );
    }
    bySource.set(r.spec.normalizedName, r);
    byKey.set(key, r);
  };
  for (const d of declared) {
    add({ spec: d.spec, alias: d.alias, where: `${manifestPath}:${d.line}` }, manifestPath, d.line);
  }
  const sorted = [...imports].sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line
  );
  for (const imp of sorted) {
    add({ spec: imp.spec, alias: imp.alias, where: `${imp.file}:${imp.line}` }, imp.file, imp.line);
  }
  return [...byKey.values()].sort((a, b) =>
    a.spec.normalizedName < b.spec.normalizedName
      ? -1
      : a.spec.normalizedName > b.spec.normalizedName
      ? 1
      : a.alias < b.alias
      ? -1
      : a.alias > b.alias
      ? 1
      : 0
  );
}
