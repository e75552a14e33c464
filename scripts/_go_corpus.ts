/**
 * Reads the recorded Go corpus of `fixtures/go/` (written by `scripts/record_go_corpus.ts`; see
 * `fixtures/README.md`). Test-side helper: no checks beyond the shape, the tests do those.
 *
 * @module
 */

/** The corpus folder. */
export const GO_CORPUS_DIR = new URL("../fixtures/go", import.meta.url).pathname;

/** One corpus module and its go.sum lines as `go mod download -json` reported them. */
export interface GoCorpusModule {
  /** Module path. */
  path: string;
  /** Version. */
  version: string;
  /** `h1:` of the zip. */
  sum: string;
  /** `h1:` of the go.mod. */
  goModSum: string;
}

/** One line of `go list -m all`. */
export interface GoListLine {
  /** Module path. */
  path: string;
  /** Selected version; `""` for the main module. */
  version: string;
  /** The replacement (`=> path version`, or `=> ./dir` with `version` `""`). */
  replace?: { path: string; version: string };
}

/** One recorded main module. */
export interface GoMainCase {
  /** Folder name under `main/`. */
  name: string;
  /** The main module's go.mod as the go command left it. */
  goMod: string;
  /** Its go.sum (may be empty). */
  goSum: string;
  /** `go list -m all`, in order (the main module first); empty when it failed. */
  list: GoListLine[];
  /** `go list -m all`'s error output when the go command refused the main module. */
  listError?: string | undefined;
  /** The main module's directory (for its directory replacements). */
  dir: string;
  /** `go mod verify`'s exit status. */
  verifyExit: number;
  /** `go mod verify`'s output after the status line. */
  verifyOutput: string;
}

/** The module-proxy escaping of a path or version (`A` → `!a`), as the corpus's file names use. */
export function proxyEscape(s: string): string {
  return s.replace(/[A-Z]/g, (c) => "!" + c.toLowerCase());
}

/** The file `proxy/<escaped path>/@v/<escaped version>.<ext>` of the corpus. */
export function proxyFile(path: string, version: string, ext: "info" | "mod" | "zip"): string {
  return `${GO_CORPUS_DIR}/proxy/${proxyEscape(path)}/@v/${proxyEscape(version)}.${ext}`;
}

/** Parses `go list -m all`'s text. */
export function parseGoList(text: string): GoListLine[] {
  const out: GoListLine[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const [left, right] = line.split(" => ");
    const [path, version = ""] = left!.trim().split(/\s+/);
    const entry: GoListLine = { path: path!, version };
    if (right !== undefined) {
      const [rp, rv = ""] = right.trim().split(/\s+/);
      entry.replace = { path: rp!, version: rv };
    }
    out.push(entry);
  }
  return out;
}

/** Reads `corpus.json`. */
export async function loadGoCorpusModules(): Promise<GoCorpusModule[]> {
  return JSON.parse(await Deno.readTextFile(`${GO_CORPUS_DIR}/corpus.json`)) as GoCorpusModule[];
}

/** Reads every `main/<name>/`, sorted by name. */
export async function loadGoMainCases(): Promise<GoMainCase[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(`${GO_CORPUS_DIR}/main`)) {
    if (e.isDirectory) names.push(e.name);
  }
  names.sort();
  const out: GoMainCase[] = [];
  for (const name of names) {
    const dir = `${GO_CORPUS_DIR}/main/${name}`;
    const verify = await Deno.readTextFile(`${dir}/verify.txt`);
    const nl = verify.indexOf("\n");
    out.push({
      name,
      goMod: await Deno.readTextFile(`${dir}/go.mod`),
      goSum: await Deno.readTextFile(`${dir}/go.sum`).catch(() => ""),
      list: parseGoList(await Deno.readTextFile(`${dir}/list.txt`).catch(() => "")),
      listError: await Deno.readTextFile(`${dir}/list-error.txt`).catch(() => undefined),
      dir,
      verifyExit: Number(verify.slice(0, nl).replace(/^exit /, "")),
      verifyOutput: verify.slice(nl + 1),
    });
  }
  return out;
}

/** What the oracle tests need of a go.mod: a small reader of the directives MVS uses. */
export interface GoModLite {
  /** `module` path. */
  module?: string;
  /** `go` version. */
  goVersion?: string;
  /** `require` lines. */
  require: { path: string; version: string }[];
  /** `exclude` lines. */
  exclude: { path: string; version: string }[];
  /** `replace` lines (`version` `""`: every version on the left, a directory on the right). */
  replace: { old: { path: string; version: string }; new: { path: string; version: string } }[];
}

function unquote(s: string): string {
  return s.startsWith('"') ? JSON.parse(s) as string : s;
}

/**
 * Reads the directives MVS needs from a go.mod text (test-side; the product reader is
 * `src/go/`'s). Comments, blocks and quoted paths as golang.org/x/mod/modfile writes them.
 */
export function readGoModLite(text: string): GoModLite {
  const out: GoModLite = { require: [], exclude: [], replace: [] };
  let block: string | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\/\/.*$/, "").trim();
    if (line === "") continue;
    if (block !== undefined) {
      if (line === ")") {
        block = undefined;
        continue;
      }
      directive(block, line.split(/\s+/).map(unquote));
      continue;
    }
    const words = line.split(/\s+/).map(unquote);
    if (words[1] === "(" && words.length === 2) {
      block = words[0];
      continue;
    }
    directive(words[0]!, words.slice(1));
  }
  return out;

  function directive(verb: string, args: string[]): void {
    if (verb === "module") out.module = args[0]!;
    else if (verb === "go") out.goVersion = args[0]!;
    else if (verb === "require") out.require.push({ path: args[0]!, version: args[1]! });
    else if (verb === "exclude") out.exclude.push({ path: args[0]!, version: args[1]! });
    else if (verb === "replace") {
      const arrow = args.indexOf("=>");
      const left = args.slice(0, arrow);
      const right = args.slice(arrow + 1);
      out.replace.push({
        old: { path: left[0]!, version: left[1] ?? "" },
        new: { path: right[0]!, version: right[1] ?? "" },
      });
    }
  }
}
