/**
 * go.mod files, as `golang.org/x/mod/modfile` reads them: its lexer (identifiers, quoted strings,
 * `//` comments, `( ) [ ] { } ,` punctuation), statements and `( … )` blocks, and the directives
 * `module` (with its `Deprecated:` comment), `go`, `toolchain`, `godebug`, `require` (with
 * `// indirect`), `exclude`, `replace`, `retract` (single versions and `[low, high]` intervals, with
 * their rationale), `tool` and `ignore`. Strict parsing is `Parse` (for a main module); lax parsing
 * is `ParseLax` (for dependencies: only `module`, `go`, `require`, `retract` and `ignore` are read,
 * anything else ignored).
 *
 * Versions are canonicalised as modfile does without a version fixer (`v1.2` → `v1.2.0`);
 * retraction versions are kept as written, as modfile keeps them.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import {
  canonicalVersion,
  checkPathMajor,
  type ModuleVersion,
  splitPathVersion,
} from "./module.ts";
import { semverCompare } from "./semver.ts";

/** One `require` line. */
export interface GoModRequire extends ModuleVersion {
  /** Whether the line carries a `// indirect` comment. */
  indirect: boolean;
}

/** One `replace` line (`old.version` `""`: every version; `new.version` `""`: a directory). */
export interface GoModReplace {
  /** The replaced module. */
  old: ModuleVersion;
  /** The replacement module, or a directory path with version `""`. */
  new: ModuleVersion;
}

/** One `retract` line: the closed interval `[low, high]` and its rationale comment. */
export interface GoModRetract {
  /** Lowest retracted version. */
  low: string;
  /** Highest retracted version (equal to `low` for a single version). */
  high: string;
  /** The comment text above or after the line (or its block), `//` removed. */
  rationale: string;
}

/** A parsed go.mod (the parts of golang.org/x/mod/modfile File that module resolution uses). */
export interface GoModFile {
  /** The `module` line, with the `Deprecated:` paragraph of its comment (`""` when none). */
  module?: { path: string; deprecated: string };
  /** The `go` line's version (`1.21`, `1.22.0`, `1.21rc1`). */
  go?: string;
  /** The `toolchain` line's name (`go1.22.1`, `default`). */
  toolchain?: string;
  /** `godebug key=value` lines. */
  godebug: { key: string; value: string }[];
  /** `require` lines, in file order. */
  require: GoModRequire[];
  /** `exclude` lines. */
  exclude: ModuleVersion[];
  /** `replace` lines. */
  replace: GoModReplace[];
  /** `retract` lines. */
  retract: GoModRetract[];
  /** `tool` lines (package paths). */
  tool: string[];
  /** `ignore` lines (directory paths). */
  ignore: string[];
}

/** Options of {@link parseGoMod}. */
export interface ParseGoModOptions {
  /** Lax parsing, as modfile.ParseLax does for dependencies' go.mod files (default false). */
  lax?: boolean;
  /** File name for messages (default `go.mod`). */
  file?: string;
}

/** Largest go.mod {@link parseGoMod} reads, in bytes (x/mod/zip MaxGoMod, 16 MiB). */
export const MAX_GO_MOD_BYTES = 16 << 20;

// ---- lexer ----

type TokKind = "ident" | "string" | "eolcomment" | "comment" | "nl" | "eof" | "punct";

interface Tok {
  kind: TokKind;
  text: string;
  line: number;
  col: number;
}

const PRINT = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
const SPACE = /^\p{White_Space}$/u;

function isIdent(c: string): boolean {
  if (" ()[]{},".includes(c)) return false;
  return !SPACE.test(c) && PRINT.test(c);
}

class SyntaxError extends Error {}

function lex(text: string, file: string): Tok[] {
  const toks: Tok[] = [];
  const chars = [...text];
  let i = 0;
  let line = 1;
  let col = 1;
  const err = (msg: string): never => {
    throw new MochiError("GO_E009", `${file}:${line}:${col}: ${msg}`, {
      hint: "fix the go.mod (its syntax is golang.org/x/mod/modfile's)",
    });
  };
  const advance = () => {
    const c = chars[i++]!;
    if (c === "\n") {
      line++;
      col = 1;
    } else col++;
    return c;
  };
  let lineHasToken = false;
  while (i < chars.length) {
    const c = chars[i]!;
    if (c === " " || c === "\t" || c === "\r") {
      advance();
      continue;
    }
    const start = { line, col };
    if (c === "/" && chars[i + 1] === "/") {
      // Like modfile's lexer, the comment takes its newline with it.
      let t = "";
      while (i < chars.length && chars[i] !== "\n") t += advance();
      if (i < chars.length) advance();
      toks.push({
        kind: lineHasToken ? "eolcomment" : "comment",
        text: t.replace(/\r$/, ""),
        ...start,
      });
      lineHasToken = false;
      continue;
    }
    if (c === "/" && chars[i + 1] === "*") {
      err("mod files must use // comments (not /* */ comments)");
    }
    if (c === "\n") {
      advance();
      toks.push({ kind: "nl", text: "\n", ...start });
      lineHasToken = false;
      continue;
    }
    lineHasToken = true;
    if ("()[]{},".includes(c)) {
      advance();
      toks.push({ kind: "punct", text: c, ...start });
      continue;
    }
    if (c === '"' || c === "`") {
      let t = advance();
      for (;;) {
        if (i >= chars.length) err("unexpected EOF in string");
        if (chars[i] === "\n") err("unexpected newline in string");
        const d = advance();
        t += d;
        if (d === c) break;
        if (d === "\\" && c !== "`") {
          if (i >= chars.length) err("unexpected EOF in string");
          t += advance();
        }
      }
      toks.push({ kind: "string", text: t, ...start });
      continue;
    }
    if (!isIdent(c)) err(`unexpected input character ${JSON.stringify(c)}`);
    let t = "";
    while (i < chars.length && isIdent(chars[i]!)) {
      if (chars[i] === "/" && chars[i + 1] === "/") break;
      if (chars[i] === "/" && chars[i + 1] === "*") {
        err("mod files must use // comments (not /* */ comments)");
      }
      t += advance();
    }
    toks.push({ kind: "ident", text: t, ...start });
  }
  toks.push({ kind: "eof", text: "", line, col });
  return toks;
}

// ---- syntax ----

interface Line {
  tokens: string[];
  line: number;
  col: number;
  before: string[];
  suffix: string[];
}

interface Block {
  tokens: string[];
  line: number;
  col: number;
  before: string[];
  lines: Line[];
}

type Stmt = { line: Line } | { block: Block };

function isEol(t: Tok): boolean {
  return t.kind === "eof" || t.kind === "eolcomment" || t.kind === "nl";
}

function parseSyntax(toks: Tok[], file: string): Stmt[] {
  let p = 0;
  const stmts: Stmt[] = [];
  const peek = () => toks[p]!;
  const next = () => (toks[p]!.kind === "eof" ? toks[p]! : toks[p++]!);
  const err = (t: Tok, msg: string): never => {
    throw new MochiError("GO_E009", `${file}:${t.line}:${t.col}: ${msg}`, {
      hint: "fix the go.mod (its syntax is golang.org/x/mod/modfile's)",
    });
  };
  const eolSuffix = (t: Tok, target: string[]) => {
    if (t.kind === "eolcomment") target.push(t.text);
  };
  let pending: string[] = [];
  for (;;) {
    const t = peek();
    if (t.kind === "nl") {
      next();
      pending = [];
      continue;
    }
    if (t.kind === "comment") {
      next();
      pending.push(t.text);
      continue;
    }
    if (t.kind === "eof") return stmts;
    if (t.kind === "eolcomment") {
      next();
      continue;
    }
    // A statement.
    const first = next();
    const tokens = [first.text];
    const before = pending;
    pending = [];
    for (;;) {
      const u = next();
      if (isEol(u)) {
        const l: Line = { tokens, line: first.line, col: first.col, before, suffix: [] };
        eolSuffix(u, l.suffix);
        stmts.push({ line: l });
        break;
      }
      if (u.text === "(" && u.kind === "punct") {
        if (isEol(peek())) {
          stmts.push({ block: parseBlock(first, tokens, before) });
          break;
        }
        if (peek().text === ")" && peek().kind === "punct") {
          const r = next();
          if (isEol(peek())) {
            next();
            stmts.push({
              block: { tokens, line: first.line, col: first.col, before, lines: [] },
            });
            break;
          }
          tokens.push(u.text, r.text);
          continue;
        }
      }
      tokens.push(u.text);
    }
  }

  function parseBlock(first: Tok, tokens: string[], before: string[]): Block {
    const b: Block = { tokens, line: first.line, col: first.col, before, lines: [] };
    let comments: string[] = [];
    // The end of the "(" line: an end-of-line comment there belongs to the parenthesis.
    next();
    for (;;) {
      const t = peek();
      if (t.kind === "eolcomment") {
        next();
        continue;
      }
      if (t.kind === "nl") {
        next();
        if (
          (comments.length === 0 && b.lines.length > 0) ||
          (comments.length > 0 && comments.at(-1) !== "")
        ) {
          comments.push("");
        }
        continue;
      }
      if (t.kind === "comment") {
        next();
        comments.push(t.text);
        continue;
      }
      if (t.kind === "eof") {
        err(t, `syntax error (unterminated block started at ${file}:${b.line}:${b.col})`);
      }
      if (t.kind === "punct" && t.text === ")") {
        next();
        if (!isEol(peek())) err(peek(), "syntax error (expected newline after closing paren)");
        next();
        return b;
      }
      const lf = next();
      const l: Line = {
        tokens: [lf.text],
        line: lf.line,
        col: lf.col,
        before: comments,
        suffix: [],
      };
      comments = [];
      for (;;) {
        const u = next();
        if (isEol(u)) {
          eolSuffix(u, l.suffix);
          break;
        }
        l.tokens.push(u.text);
      }
      b.lines.push(l);
    }
  }
}

// ---- directives ----

const GO_VERSION = /^([1-9][0-9]*)\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?([a-z]+[0-9]+)?$/;
const LAX_GO_VERSION = /^v?(([1-9][0-9]*)\.(0|[1-9][0-9]*))([^0-9].*)$/;
const TOOLCHAIN = /^default$|^go1($|\.)/;
const DEPRECATED = /(?:^|\n\n)Deprecated: *([\s\S]*?)(?:$|\n\n)/;

/** Go's strconv.Unquote for a double-quoted string; undefined when invalid. */
function goUnquote(s: string): string | undefined {
  if (s.length < 2 || !s.startsWith('"') || !s.endsWith('"')) return undefined;
  const body = [...s.slice(1, -1)];
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '"' || c === "\n") return undefined;
    if (c !== "\\") {
      out += c;
      continue;
    }
    const e = body[++i];
    const simple: Record<string, string> = {
      a: "\x07",
      b: "\b",
      f: "\f",
      n: "\n",
      r: "\r",
      t: "\t",
      v: "\v",
      "\\": "\\",
      '"': '"',
    };
    if (e === undefined) return undefined;
    if (Object.hasOwn(simple, e)) {
      out += simple[e];
      continue;
    }
    const hex = (n: number) => {
      const h = body.slice(i + 1, i + 1 + n).join("");
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) return undefined;
      i += n;
      return parseInt(h, 16);
    };
    if (e === "x") {
      const v = hex(2);
      if (v === undefined || v > 0x7f) return undefined; // a raw byte that is not UTF-8 alone
      out += String.fromCharCode(v);
    } else if (e === "u" || e === "U") {
      const v = hex(e === "u" ? 4 : 8);
      if (v === undefined || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return undefined;
      out += String.fromCodePoint(v);
    } else if (e >= "0" && e <= "7") {
      const o = body.slice(i, i + 3).join("");
      if (!/^[0-7]{3}$/.test(o) || parseInt(o, 8) > 0x7f) return undefined;
      i += 2;
      out += String.fromCharCode(parseInt(o, 8));
    } else return undefined;
  }
  return out;
}

function parseString(t: string): string {
  if (t.startsWith('"')) {
    const u = goUnquote(t);
    if (u === undefined) throw new SyntaxError(`invalid quoted string: invalid syntax`);
    return u;
  }
  if (/["'`]/.test(t)) {
    throw new SyntaxError("invalid quoted string: unquoted string cannot contain quote");
  }
  return t;
}

function parseVersion(verb: string, path: string, t: string): string {
  const s = parseString(t);
  const cv = canonicalVersion(s);
  if (cv === "") {
    throw new SyntaxError(
      `${verb} ${path}: version ${JSON.stringify(s)} invalid: must be of the form v1.2.3`,
    );
  }
  return cv;
}

function pathMajorOf(path: string): string {
  const split = splitPathVersion(path);
  if (split === undefined) throw new SyntaxError(`${path}: invalid module path`);
  return split.pathMajor;
}

function checkMajor(verb: string, path: string, v: string, pathMajor: string): void {
  try {
    checkPathMajor(v, pathMajor);
  } catch (e) {
    const why = (e as Error).message.replace(/^.*?: invalid version: /, "");
    throw new SyntaxError(`${verb} ${path}: version ${JSON.stringify(v)} invalid: ${why}`);
  }
}

function isDirectoryPath(ns: string): boolean {
  return ns === "." || ns.startsWith("./") || ns.startsWith(".\\") || ns === ".." ||
    ns.startsWith("../") || ns.startsWith("..\\") || ns.startsWith("/") || ns.startsWith("\\") ||
    (ns.length >= 2 && /^[A-Za-z]:/.test(ns));
}

function commentText(groups: string[][]): string {
  const lines: string[] = [];
  for (const g of groups) {
    for (const c of g) {
      if (!c.startsWith("//")) continue;
      lines.push(c.slice(2).trim());
    }
  }
  return lines.join("\n");
}

function directiveComment(block: Block | undefined, line: Line): string {
  if (block !== undefined && line.before.length === 0 && line.suffix.length === 0) {
    return commentText([block.before]);
  }
  return commentText([line.before, line.suffix]);
}

function isIndirect(line: Line): boolean {
  if (line.suffix.length === 0) return false;
  const f = line.suffix[0]!.replace(/^\/\//, "").trim().split(/\s+/).filter((x) => x !== "");
  return (f.length === 1 && f[0] === "indirect") || (f.length > 1 && f[0] === "indirect;");
}

function parseVersionInterval(
  verb: string,
  args: string[],
): { low: string; high: string; rest: string[] } {
  // Retraction versions are kept as written (modfile's dontFixRetract), after unquoting.
  let toks = args;
  if (toks.length === 0 || toks[0] === "(") throw new SyntaxError("expected '[' or version");
  if (toks[0] !== "[") {
    const v = parseString(toks[0]!);
    return { low: v, high: v, rest: toks.slice(1) };
  }
  toks = toks.slice(1);
  if (toks.length === 0) throw new SyntaxError("expected version after '['");
  const low = parseString(toks[0]!);
  toks = toks.slice(1);
  if (toks.length === 0 || toks[0] !== ",") throw new SyntaxError("expected ',' after version");
  toks = toks.slice(1);
  if (toks.length === 0) throw new SyntaxError("expected version after ','");
  const high = parseString(toks[0]!);
  toks = toks.slice(1);
  if (toks.length === 0 || toks[0] !== "]") throw new SyntaxError("expected ']' after version");
  void verb;
  return { low, high, rest: toks.slice(1) };
}

/**
 * Parses a go.mod.
 *
 * Follows golang.org/x/mod/modfile Parse (strict) and ParseLax (`lax: true`), with no version
 * fixer.
 *
 * @param data the file's bytes or text (at most {@link MAX_GO_MOD_BYTES})
 * @param options lax parsing and the file name for messages
 * @returns the parsed file
 * @throws {MochiError} `GO_E009` listing every error as `<file>:<line>:<col>: <message>`
 *
 * @example
 * ```ts
 * import { parseGoMod } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const f = parseGoMod(
 *   "module example.com/m\n\ngo 1.21\n\nrequire (\n\tgolang.org/x/text v0.14.0 // indirect\n)\n",
 * );
 * assert.equal(f.module?.path, "example.com/m");
 * assert.deepEqual(f.require, [{ path: "golang.org/x/text", version: "v0.14.0", indirect: true }]);
 * assert.throws(() => parseGoMod("module m\nsurprise\n"), { code: "GO_E009" });
 * assert.equal(parseGoMod("module m\nsurprise\n", { lax: true }).module?.path, "m");
 * ```
 */
export function parseGoMod(data: Uint8Array | string, options: ParseGoModOptions = {}): GoModFile {
  const file = options.file ?? "go.mod";
  const strict = options.lax !== true;
  let text: string;
  if (typeof data === "string") {
    if (data.length > MAX_GO_MOD_BYTES) throw tooLarge(file);
    text = data;
  } else {
    if (data.length > MAX_GO_MOD_BYTES) throw tooLarge(file);
    try {
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(data);
    } catch {
      throw new MochiError("GO_E009", `${file}: not valid UTF-8`, {
        hint: "a go.mod is UTF-8 text",
      });
    }
  }
  const stmts = parseSyntax(lex(text, file), file);
  const f: GoModFile = {
    godebug: [],
    require: [],
    exclude: [],
    replace: [],
    retract: [],
    tool: [],
    ignore: [],
  };
  const errs: string[] = [];
  const add = (block: Block | undefined, line: Line, verb: string, args: string[]) => {
    if (!strict && !["go", "module", "retract", "require", "ignore"].includes(verb)) return;
    const errorf = (msg: string) => errs.push(`${file}:${line.line}:${line.col}: ${msg}`);
    try {
      switch (verb) {
        default:
          errorf(`unknown directive: ${verb}`);
          return;
        case "go": {
          if (f.go !== undefined) return errorf("repeated go statement");
          if (args.length !== 1) return errorf("go directive expects exactly one argument");
          let v = args[0]!;
          if (!GO_VERSION.test(v)) {
            const m = strict ? null : LAX_GO_VERSION.exec(v);
            if (m === null) return errorf(`invalid go version '${v}': must match format 1.23.0`);
            v = m[1]!;
          }
          f.go = v;
          return;
        }
        case "toolchain": {
          if (f.toolchain !== undefined) return errorf("repeated toolchain statement");
          if (args.length !== 1) return errorf("toolchain directive expects exactly one argument");
          if (!TOOLCHAIN.test(args[0]!)) {
            return errorf(
              `invalid toolchain version '${args[0]}': must match format go1.23.0 or default`,
            );
          }
          f.toolchain = args[0]!;
          return;
        }
        case "module": {
          if (f.module !== undefined) return errorf("repeated module statement");
          const m = DEPRECATED.exec(directiveComment(block, line));
          f.module = { path: "", deprecated: m === null ? "" : m[1]! };
          if (args.length !== 1) return errorf("usage: module module/path");
          f.module.path = parseString(args[0]!);
          return;
        }
        case "godebug": {
          if (args.length !== 1 || /["`',]/.test(args[0]!)) {
            return errorf("usage: godebug key=value");
          }
          const eq = args[0]!.indexOf("=");
          if (eq < 0) return errorf("usage: godebug key=value");
          f.godebug.push({ key: args[0]!.slice(0, eq), value: args[0]!.slice(eq + 1) });
          return;
        }
        case "require":
        case "exclude": {
          if (args.length !== 2) return errorf(`usage: ${verb} module/path v1.2.3`);
          const s = parseString(args[0]!);
          const v = parseVersion(verb, s, args[1]!);
          checkMajor(verb, s, v, pathMajorOf(s));
          if (verb === "require") {
            f.require.push({ path: s, version: v, indirect: isIndirect(line) });
          } else f.exclude.push({ path: s, version: v });
          return;
        }
        case "replace": {
          let arrow = 2;
          if (args.length >= 2 && args[1] === "=>") arrow = 1;
          if (args.length < arrow + 2 || args.length > arrow + 3 || args[arrow] !== "=>") {
            return errorf(
              `usage: ${verb} module/path [v1.2.3] => other/module v1.4\n\t or ${verb} module/path [v1.2.3] => ../local/directory`,
            );
          }
          const s = parseString(args[0]!);
          const pathMajor = pathMajorOf(s);
          let v = "";
          if (arrow === 2) {
            v = parseVersion(verb, s, args[1]!);
            checkMajor(verb, s, v, pathMajor);
          }
          const ns = parseString(args[arrow + 1]!);
          let nv = "";
          if (args.length === arrow + 2) {
            if (!isDirectoryPath(ns)) {
              if (ns.includes("@")) {
                return errorf(
                  "replacement module must match format 'path version', not 'path@version'",
                );
              }
              return errorf(
                "replacement module without version must be directory path (rooted or starting with . or ..)",
              );
            }
            if (ns.includes("\\")) {
              return errorf(
                "replacement directory appears to be Windows path (on a non-windows system)",
              );
            }
          }
          if (args.length === arrow + 3) {
            nv = parseVersion(verb, ns, args[arrow + 2]!);
            if (isDirectoryPath(ns)) {
              return errorf(
                `replacement module directory path ${JSON.stringify(ns)} cannot have version`,
              );
            }
          }
          f.replace.push({ old: { path: s, version: v }, new: { path: ns, version: nv } });
          return;
        }
        case "retract": {
          const rationale = directiveComment(block, line);
          let vi;
          try {
            vi = parseVersionInterval(verb, args);
          } catch (e) {
            if (strict) throw e;
            return;
          }
          if (vi.rest.length > 0 && strict) {
            return errorf(`unexpected token after version: ${JSON.stringify(vi.rest[0])}`);
          }
          f.retract.push({ low: vi.low, high: vi.high, rationale });
          return;
        }
        case "tool":
        case "ignore": {
          if (args.length !== 1) return errorf(`${verb} directive expects exactly one argument`);
          (verb === "tool" ? f.tool : f.ignore).push(parseString(args[0]!));
          return;
        }
      }
    } catch (e) {
      if (e instanceof SyntaxError) return errorf(e.message);
      throw e;
    }
  };
  for (const s of stmts) {
    if ("line" in s) {
      add(undefined, s.line, s.line.tokens[0]!, s.line.tokens.slice(1));
      continue;
    }
    const b = s.block;
    const known = [
      "module",
      "godebug",
      "require",
      "exclude",
      "replace",
      "retract",
      "tool",
      "ignore",
    ];
    if (b.tokens.length > 1 || !known.includes(b.tokens[0]!)) {
      if (strict) {
        errs.push(`${file}:${b.line}:${b.col}: unknown block type: ${b.tokens.join(" ")}`);
      }
      continue;
    }
    for (const l of b.lines) add(b, l, b.tokens[0]!, l.tokens);
  }
  if (errs.length > 0) {
    throw new MochiError("GO_E009", errs.join("\n"), {
      hint: "fix the go.mod (its rules are golang.org/x/mod/modfile's)",
    });
  }
  return f;
}

function tooLarge(file: string): MochiError {
  return new MochiError("GO_E009", `${file} is larger than ${MAX_GO_MOD_BYTES} bytes`, {
    hint: "a go.mod is at most 16 MiB (golang.org/x/mod/zip MaxGoMod)",
  });
}

/**
 * The retraction that covers version `v`, or undefined: a `retract` interval with
 * `low ≤ v ≤ high` in Go's semver order.
 *
 * Follows cmd/go (modload: a version is retracted when an interval of the latest go.mod holds it).
 *
 * @param f the parsed go.mod of the module's latest version
 * @param v the version
 * @returns the covering retraction, or undefined
 *
 * @example
 * ```ts
 * import { parseGoMod, retractionOf } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const f = parseGoMod("module example.com/m\n// broken\nretract [v1.0.0, v1.0.5]\n");
 * assert.equal(retractionOf(f, "v1.0.3")?.rationale, "broken");
 * assert.equal(retractionOf(f, "v1.1.0"), undefined);
 * ```
 */
export function retractionOf(f: GoModFile, v: string): GoModRetract | undefined {
  return f.retract.find((r) => semverCompare(r.low, v) <= 0 && semverCompare(v, r.high) <= 0);
}
