/**
 * Editing `mochi.toml` text in place, as `cargo add` and `cargo remove` do with `toml_edit`: one
 * dependency's requirement is set, a dependency is added or removed, and every other byte stays
 * as it was — the entry's other keys (`capabilities`, `features`, `optional`, …), comments
 * (quotes inside them included), the quoting style of the value, the table form
 * (`name = "1"`, `name = { version = "1" }`, `[dependencies.name]`, dotted `name.version = "1"`)
 * and the line ends.
 *
 * The text is parsed into a concrete syntax tree with source ranges by `toml-eslint-parser`
 * (TOML 1.0, the grammar `smol-toml` reads the manifest with); an edit splices new text into the
 * ranges it finds. Each result is checked before it is returned: it must be a valid manifest,
 * and re-parsed it must equal the old document except for the one entry, and in that entry for
 * the `version` (and `registry` when one is given) alone.
 *
 * @module
 */
import { parse as parseToml } from "smol-toml";
import { type AST, parseTOML } from "toml-eslint-parser";
import { MochiError } from "../errors.ts";
import { parseManifest } from "./parse.ts";
import type { WorkspaceContext } from "./types.ts";

/** Where and how {@link setDependencyInText} and {@link removeDependencyFromText} edit. */
export interface DependencyEditOptions {
  /** The manifest path, for errors (default `mochi.toml`). */
  file?: string;
  /**
   * The key path of the dependency table (default `["dependencies"]`; also
   * `["dev-dependencies"]`, `["targets", "rust", "ffi"]`).
   */
  table?: readonly string[];
  /**
   * Set only: the alternate registry to pin the entry to (`registry = "<name>"`). When absent,
   * an existing `registry` key is kept as it is and none is added.
   */
  registry?: string;
  /** The workspace root a member's manifest inherits from (so it parses before and after). */
  workspace?: WorkspaceContext;
}

type Key = readonly string[];
type Edit = { start: number; end: number; text: string };

/** One `key = value` of the document with its full key path (table path + dotted key). */
interface Pair {
  path: string[];
  node: AST.TOMLKeyValue;
  /** Index of the first key segment that belongs to the pair itself (after the table's path). */
  own: number;
  /** The standard table, inline table or top-level table the pair is written in. */
  parent: AST.TOMLTable | AST.TOMLInlineTable | AST.TOMLTopLevelTable;
}

interface Doc {
  text: string;
  eol: string;
  pairs: Pair[];
  tables: AST.TOMLTable[];
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

/**
 * Sets the requirement of dependency `name` in `[dependencies]` (or `options.table`), adding the
 * dependency when it is not there. Only the requirement changes:
 * - `name = "1"` → `name = "1.0.200"` (a literal `'1'` stays literal when it can);
 * - `name = { version = "1", capabilities = ["fs.read"] }` → only `version`'s string changes;
 * - `[dependencies.name]` tables and dotted `name.version = …` keys: only that string changes;
 * - an entry without `version` (`{ path = "…" }`) gets `version = "…"` as its first key.
 *
 * A new dependency is written `name = "requirement"` (or `{ version = "…", registry = "…" }`)
 * after the last entry of the table, with that entry's indentation; a missing table is appended
 * at the end of the file. With `options.registry`, an existing entry's `registry` is set too (a
 * plain string entry becomes an inline table). Follows cargo's `cargo add` on an existing entry
 * (`toml_edit` keeps every other key, comment and the table form).
 *
 * @param text the manifest's text (a leading BOM and CRLF line ends are kept)
 * @param name the dependency's key (`@scope/name` keys are written quoted)
 * @param requirement a cargo requirement, e.g. `"1.0.200"` or `"^2"`, already validated
 * @param options manifest path, table and registry pin
 * @returns the new text
 * @throws {MochiError} the manifest's own errors when `text` does not parse (`MANIFEST_E001` …);
 *   `MANIFEST_E007` when the entry inherits from `[workspace.dependencies]`
 *   (`workspace = true`: change the requirement there) or is not a string or table;
 *   `INTERNAL_E001` if the edit would change anything but the requirement (a bug guard)
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { setDependencyInText } from "@mochi/pkg/manifest";
 * const t = '[package]\nname = "a"\nversion = "0.1.0"\nedition = "2026"\nmochi = ">=0.7"\n' +
 *   '[dependencies]\nserde = { version = "1", capabilities = ["fs.read"] } # it\'s pinned\n';
 * assertEquals(
 *   setDependencyInText(t, "serde", "1.0.200").split("\n")[6],
 *   'serde = { version = "1.0.200", capabilities = ["fs.read"] } # it\'s pinned',
 * );
 * ```
 */
export function setDependencyInText(
  text: string,
  name: string,
  requirement: string,
  options: DependencyEditOptions = {},
): string {
  const file = options.file ?? "mochi.toml";
  const table = options.table ?? ["dependencies"];
  const registry = options.registry;
  const ws = options.workspace ? { workspace: options.workspace } : {};
  parseManifest(text, file, ws); // refuse to edit a manifest that does not parse
  const before = parseToml(stripBom(text)) as Record<string, unknown>;
  const oldEntry = lookup(before, [...table, name]);
  let next = text;
  if (oldEntry === undefined) {
    next = apply(next, (doc) => addEntry(doc, table, name, requirement, registry));
  } else {
    if (isRecord(oldEntry) && oldEntry.workspace === true) {
      throw new MochiError(
        "MANIFEST_E007",
        `${name} in [${table.join(".")}] of ${file} inherits from [workspace.dependencies]`,
        { hint: `change its requirement in [workspace.dependencies] of the workspace root` },
      );
    }
    if (typeof oldEntry !== "string" && !isRecord(oldEntry)) {
      throw new MochiError(
        "MANIFEST_E007",
        `${name} in [${table.join(".")}] of ${file} is neither a requirement string nor a table`,
        { hint: `write ${name} = "${requirement}" by hand` },
      );
    }
    next = apply(next, (doc) => setField(doc, [...table, name], "version", requirement, registry));
    if (registry !== undefined && !(typeof oldEntry === "string")) {
      next = apply(next, (doc) => setField(doc, [...table, name], "registry", registry));
    }
  }
  parseManifest(next, file, ws);
  checkOnlyEntryChanged(before, parseToml(stripBom(next)) as Record<string, unknown>, table, name, {
    requirement,
    registry,
    file,
  });
  return next;
}

/**
 * Sets `name`'s requirement in `[dependencies]`; the positional form of
 * {@link setDependencyInText} kept for existing callers.
 *
 * @param text the manifest's text
 * @param name the package name (`@scope/name` keys are quoted)
 * @param requirement a cargo requirement, e.g. `"1.0.200"` or `"^2"`
 * @param file the manifest path, for errors
 * @param registry when given, the entry is pinned to this alternate registry
 * @param workspace the root a workspace member's manifest inherits from
 * @returns the new text; everything but the requirement (and the pin) is unchanged
 * @throws {MochiError} as {@link setDependencyInText}
 *
 * @example
 * ```ts
 * import { ok as assert } from "node:assert/strict";
 * import { addDependencyToText } from "@mochi/pkg/manifest";
 * const t = '[package]\nname = "a"\nversion = "0.1.0"\nedition = "2026"\nmochi = ">=0.7"\n';
 * assert(addDependencyToText(t, "serde", "1.0.200").endsWith('[dependencies]\nserde = "1.0.200"\n'));
 * ```
 */
export function addDependencyToText(
  text: string,
  name: string,
  requirement: string,
  file = "mochi.toml",
  registry?: string,
  workspace?: WorkspaceContext,
): string {
  return setDependencyInText(text, name, requirement, {
    file,
    ...(registry !== undefined ? { registry } : {}),
    ...(workspace !== undefined ? { workspace } : {}),
  });
}

/**
 * Removes dependency `name` from `[dependencies]` (or `options.table`) as `cargo remove` does:
 * its line (with the comment on it and the comment lines right above it), its dotted
 * `name.key = …` lines, its `[dependencies.name]` table (and sub-tables), or its entry of an
 * inline table. Everything else stays byte for byte; an emptied `[dependencies]` header stays.
 *
 * @param text the manifest's text
 * @param name the dependency's key
 * @param options manifest path and table (`registry` is ignored)
 * @returns the new text
 * @throws {MochiError} `PROJECT_E002` when the table has no such dependency; the manifest's own
 *   errors when `text` does not parse; `INTERNAL_E001` if anything else would change
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { removeDependencyFromText } from "@mochi/pkg/manifest";
 * const t = '[package]\nname = "a"\nversion = "0.1.0"\nedition = "2026"\nmochi = ">=0.7"\n' +
 *   '[dependencies]\nserde = "1"\nrand = "0.8" # keep\n';
 * assertEquals(removeDependencyFromText(t, "serde").split("\n").slice(6), [
 *   'rand = "0.8" # keep',
 *   "",
 * ]);
 * ```
 */
export function removeDependencyFromText(
  text: string,
  name: string,
  options: DependencyEditOptions = {},
): string {
  const file = options.file ?? "mochi.toml";
  const table = options.table ?? ["dependencies"];
  const ws = options.workspace ? { workspace: options.workspace } : {};
  parseManifest(text, file, ws);
  const before = parseToml(stripBom(text)) as Record<string, unknown>;
  if (lookup(before, [...table, name]) === undefined) {
    throw new MochiError(
      "PROJECT_E002",
      `${name} is not in [${table.join(".")}] of ${file}`,
      { hint: "check the name (mochi tree lists the dependencies)", file },
    );
  }
  const next = apply(text, (doc) => removeEntry(doc, [...table, name]));
  parseManifest(next, file, ws);
  const after = parseToml(stripBom(next)) as Record<string, unknown>;
  if (!deepEqual(pruneEmpty(without(before, [...table, name]), table), pruneEmpty(after, table))) {
    throw new MochiError(
      "INTERNAL_E001",
      `removing ${name} from ${file} would change more than its entry`,
      { hint: "remove the entry by hand and report this with your mochi.toml" },
    );
  }
  return next;
}

// ---------------------------------------------------------------------------------------------
// the syntax tree

function stripBom(text: string): string {
  return text.startsWith("\uFEFF") ? text.slice(1) : text;
}

/** Parses `text` (BOM stripped), runs `edit` on it and splices its edits in. */
function apply(text: string, edit: (doc: Doc) => Edit[]): string {
  const bom = text.startsWith("\uFEFF") ? "\uFEFF" : "";
  const body = text.slice(bom.length);
  const edits = edit(readDoc(body)).sort((a, b) => b.start - a.start);
  let out = body;
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return bom + out;
}

function readDoc(text: string): Doc {
  const ast = parseTOML(text, { tomlVersion: "1.0.0" });
  const pairs: Pair[] = [];
  const tables: AST.TOMLTable[] = [];
  const walk = (
    base: string[],
    body: AST.TOMLKeyValue[],
    parent: Pair["parent"],
  ): void => {
    for (const kv of body) {
      const path = [...base, ...kv.key.keys.map(keyName)];
      pairs.push({ path, node: kv, own: base.length, parent });
      if (kv.value.type === "TOMLInlineTable") walk(path, kv.value.body, kv.value);
    }
  };
  const top = ast.body[0];
  for (const item of top.body) {
    if (item.type === "TOMLKeyValue") walk([], [item], top);
    else {
      tables.push(item);
      // arrays of tables have numeric segments; dependencies never live under one
      if (item.kind === "standard") walk(item.resolvedKey.map(String), item.body, item);
    }
  }
  return { text, eol: text.includes("\r\n") ? "\r\n" : "\n", pairs, tables };
}

function keyName(k: AST.TOMLBare | AST.TOMLQuoted): string {
  return k.type === "TOMLBare" ? k.name : k.value;
}

function startsWith(path: readonly string[], prefix: Key): boolean {
  return prefix.length <= path.length && prefix.every((k, i) => path[i] === k);
}

function same(a: readonly string[], b: Key): boolean {
  return a.length === b.length && startsWith(a, b);
}

// ---------------------------------------------------------------------------------------------
// set

/** Sets `field` of the entry at `entry` (a string entry's value is its `version`). */
function setField(
  doc: Doc,
  entry: Key,
  field: string,
  value: string,
  registry?: string,
): Edit[] {
  const existing = doc.pairs.find((p) => same(p.path, [...entry, field]));
  if (existing !== undefined) return [replaceString(doc, existing.node.value, value)];
  const whole = doc.pairs.find((p) => same(p.path, entry));
  if (whole !== undefined && whole.node.value.type === "TOMLValue") {
    // name = "1": the string is the version
    const v = whole.node.value;
    if (field !== "version" || registry !== undefined) {
      const fields = field === "version"
        ? `version = ${formatString(value)}, registry = ${formatString(registry!)}`
        : `version = ${doc.text.slice(v.range[0], v.range[1])}, ${field} = ${formatString(value)}`;
      return [{ start: v.range[0], end: v.range[1], text: `{ ${fields} }` }];
    }
    return [replaceString(doc, v, value)];
  }
  const line = `${field} = ${formatString(value)}`;
  if (whole !== undefined && whole.node.value.type === "TOMLInlineTable") {
    const t = whole.node.value;
    if (t.body.length === 0) return [{ start: t.range[0], end: t.range[1], text: `{ ${line} }` }];
    return [{ start: t.body[0]!.range[0], end: t.body[0]!.range[0], text: `${line}, ` }];
  }
  const header = doc.tables.find((t) =>
    t.kind === "standard" && same(t.resolvedKey.map(String), entry)
  );
  if (header !== undefined) {
    const at = lineEnd(doc.text, header.key.range[1]);
    const indent = header.body.length > 0 ? indentOf(doc.text, header.body[0]!.range[0]) : "";
    return [{ start: at, end: at, text: `${indent}${line}${doc.eol}` }];
  }
  // dotted keys only (name.path = "…"): add name.<field> before the first of them
  const dotted = doc.pairs.find((p) => startsWith(p.path, entry) && p.path.length > entry.length);
  if (dotted !== undefined) {
    const keys = dotted.node.key.keys;
    const last = keys[entry.length - dotted.own - 1]!;
    const prefix = doc.text.slice(dotted.node.key.range[0], last.range[1]);
    const start = lineStart(doc.text, dotted.node.range[0]);
    const indent = indentOf(doc.text, dotted.node.range[0]);
    return [{
      start,
      end: start,
      text: `${indent}${prefix}.${formatKey(field)} = ${formatString(value)}${doc.eol}`,
    }];
  }
  throw new MochiError("INTERNAL_E001", `could not find ${entry.join(".")} to edit`, {
    hint: "edit mochi.toml by hand and report this with your mochi.toml",
  });
}

function replaceString(doc: Doc, node: AST.TOMLContentNode, value: string): Edit {
  if (node.type !== "TOMLValue" || node.kind !== "string") {
    throw new MochiError(
      "MANIFEST_E007",
      `${doc.text.slice(node.range[0], node.range[1]).slice(0, 40)} is not a string`,
      { hint: 'write the requirement as a string, e.g. version = "1"' },
    );
  }
  const literal = node.style === "literal" && !node.multiline;
  return { start: node.range[0], end: node.range[1], text: formatString(value, literal) };
}

/** Adds `name = "requirement"` to the table at `table`. */
function addEntry(
  doc: Doc,
  table: Key,
  name: string,
  requirement: string,
  registry: string | undefined,
): Edit[] {
  const value = registry === undefined
    ? formatString(requirement)
    : `{ version = ${formatString(requirement)}, registry = ${formatString(registry)} }`;
  const line = `${formatKey(name)} = ${value}`;
  const header = doc.tables.find((t) =>
    t.kind === "standard" && same(t.resolvedKey.map(String), table)
  );
  if (header !== undefined) {
    const own = doc.pairs.filter((p) => p.parent === header && p.node.parent === header);
    if (own.length === 0) {
      const at = lineEnd(doc.text, header.key.range[1]);
      return [{ start: at, end: at, text: `${line}${doc.eol}` }];
    }
    const last = own[own.length - 1]!.node;
    const at = lineEnd(doc.text, last.range[1]);
    const sep = at === doc.text.length && !doc.text.endsWith("\n") ? doc.eol : "";
    return [{
      start: at,
      end: at,
      text: `${sep}${indentOf(doc.text, last.range[0])}${line}${doc.eol}`,
    }];
  }
  const inline = doc.pairs.find((p) => same(p.path, table));
  if (inline !== undefined && inline.node.value.type === "TOMLInlineTable") {
    const t = inline.node.value;
    if (t.body.length === 0) return [{ start: t.range[0], end: t.range[1], text: `{ ${line} }` }];
    const end = t.body[t.body.length - 1]!.range[1];
    return [{ start: end, end, text: `, ${line}` }];
  }
  // the table exists only through dotted keys (dependencies.serde = "1") in an enclosing table
  const dotted = doc.pairs.filter((p) => startsWith(p.path, table) && p.path.length > table.length);
  const direct = dotted.filter((p) =>
    p.own < table.length && p.node.parent.type !== "TOMLInlineTable"
  );
  if (direct.length > 0) {
    const last = direct[direct.length - 1]!;
    const keys = last.node.key.keys;
    const prefix = doc.text.slice(
      last!.node.key.range[0],
      keys[table.length - last!.own - 1]!.range[1],
    );
    const at = lineEnd(doc.text, last!.node.range[1]);
    const sep = at === doc.text.length && !doc.text.endsWith("\n") ? doc.eol : "";
    return [{
      start: at,
      end: at,
      text: `${sep}${indentOf(doc.text, last!.node.range[0])}${prefix}.${line}${doc.eol}`,
    }];
  }
  // no such table: append it
  const trimmed = doc.text.replace(/\s+$/, "");
  const lead = trimmed.length === 0 ? "" : doc.eol + doc.eol;
  return [{
    start: trimmed.length,
    end: doc.text.length,
    text: `${lead}[${table.map(formatKey).join(".")}]${doc.eol}${line}${doc.eol}`,
  }];
}

// ---------------------------------------------------------------------------------------------
// remove

function removeEntry(doc: Doc, entry: Key): Edit[] {
  const edits: Edit[] = [];
  const claimed = new Set<AST.TOMLKeyValue>();
  for (const t of doc.tables) {
    if (!startsWith(t.resolvedKey.map(String), entry)) continue;
    const start = withCommentsAbove(doc.text, lineStart(doc.text, t.range[0]));
    let end = lineEnd(doc.text, t.range[1]);
    while (end < doc.text.length) {
      const next = lineEnd(doc.text, end);
      if (doc.text.slice(end, next).trim() !== "") break;
      end = next;
    }
    edits.push({ start, end, text: "" });
    for (const kv of t.body) claimed.add(kv);
  }
  for (const p of doc.pairs) {
    if (claimed.has(p.node) || !startsWith(p.path, entry)) continue;
    // the outermost pair that defines part of the entry (not one nested inside it)
    if (p.own > entry.length - 1 && !isOutermost(doc, p, entry)) continue;
    if (p.parent.type === "TOMLInlineTable") {
      edits.push(removeFromInline(p.parent, p.node));
    } else {
      const start = withCommentsAbove(doc.text, lineStart(doc.text, p.node.range[0]));
      edits.push({ start, end: lineEnd(doc.text, p.node.range[1]), text: "" });
    }
    claimed.add(p.node);
  }
  return edits;
}

/** True when no enclosing pair of `p` already lies within the entry. */
function isOutermost(doc: Doc, p: Pair, entry: Key): boolean {
  return !doc.pairs.some((q) =>
    q !== p && startsWith(q.path, entry) && q.node.value.type === "TOMLInlineTable" &&
    q.node.range[0] <= p.node.range[0] && p.node.range[1] <= q.node.range[1]
  );
}

function removeFromInline(t: AST.TOMLInlineTable, kv: AST.TOMLKeyValue): Edit {
  const i = t.body.indexOf(kv);
  if (t.body.length === 1) return { start: t.range[0], end: t.range[1], text: "{}" };
  if (i < t.body.length - 1) return { start: kv.range[0], end: t.body[i + 1]!.range[0], text: "" };
  return { start: t.body[i - 1]!.range[1], end: kv.range[1], text: "" };
}

// ---------------------------------------------------------------------------------------------
// text helpers

function lineStart(text: string, i: number): number {
  return text.lastIndexOf("\n", i - 1) + 1;
}

/** The index just after the line end at or after `i` (the text's length on the last line). */
function lineEnd(text: string, i: number): number {
  const n = text.indexOf("\n", i);
  return n < 0 ? text.length : n + 1;
}

function indentOf(text: string, i: number): string {
  return /^[ \t]*/.exec(text.slice(lineStart(text, i), i))![0];
}

/** Moves `start` (a line start) up over the comment-only lines right above it. */
function withCommentsAbove(text: string, start: number): number {
  let s = start;
  while (s > 0) {
    const prev = lineStart(text, s - 1);
    if (!/^[ \t]*#/.test(text.slice(prev, s))) break;
    s = prev;
  }
  return s;
}

function formatKey(key: string): string {
  return BARE_KEY.test(key) ? key : formatString(key);
}

/** A TOML string: literal (`'…'`) when asked and possible, else basic with escapes. */
function formatString(s: string, literal = false): string {
  // deno-lint-ignore no-control-regex
  if (literal && !/['\u0000-\u0008\u000A-\u001F\u007F]/.test(s)) return `'${s}'`;
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (c < 0x20 || c === 0x7f) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return out + '"';
}

// ---------------------------------------------------------------------------------------------
// the check

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function lookup(doc: Record<string, unknown>, path: Key): unknown {
  let cur: unknown = doc;
  for (const k of path) {
    if (!isRecord(cur) || !Object.hasOwn(cur, k)) return undefined;
    cur = cur[k];
  }
  return cur;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime() &&
      String(a) === String(b);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length &&
      a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isRecord(a) || isRecord(b)) {
    if (!isRecord(a) || !isRecord(b)) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length &&
      ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return Object.is(a, b);
}

/** After a set: the document is the old one but for `version` (and `registry`) of the entry. */
function checkOnlyEntryChanged(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  table: Key,
  name: string,
  want: { requirement: string; registry: string | undefined; file: string },
): void {
  const got = lookup(after, [...table, name]);
  const old = lookup(before, [...table, name]);
  const gotVersion = typeof got === "string" ? got : isRecord(got) ? got.version : undefined;
  const gotRegistry = isRecord(got) ? got.registry : undefined;
  const oldRegistry = isRecord(old) ? old.registry : undefined;
  let ok = gotVersion === want.requirement &&
    gotRegistry === (want.registry ?? oldRegistry);
  if (ok) {
    const strip = (v: unknown): unknown => {
      if (!isRecord(v)) return {};
      const { version: _v, registry: _r, ...rest } = v;
      return rest;
    };
    ok = deepEqual(strip(old), strip(got));
    // a table that did not exist before may be created holding only the new entry
    ok &&= deepEqual(
      pruneEmpty(without(before, [...table, name]), table),
      pruneEmpty(without(after, [...table, name]), table),
    );
  }
  if (!ok) {
    throw new MochiError(
      "INTERNAL_E001",
      `setting ${name} = "${want.requirement}" in ${want.file} would change more than its requirement`,
      { hint: "set the requirement by hand and report this with your mochi.toml" },
    );
  }
}

/** `doc` without the tables along `path` that are empty (innermost first). */
function pruneEmpty(doc: Record<string, unknown>, path: Key): Record<string, unknown> {
  let out = doc;
  for (let n = path.length; n > 0; n--) {
    const t = lookup(out, path.slice(0, n));
    if (!isRecord(t) || Object.keys(t).length > 0) break;
    out = without(out, path.slice(0, n));
  }
  return out;
}

/** A copy of `doc` without the key at `path` (tables along the path copied, the rest shared). */
function without(doc: Record<string, unknown>, path: Key): Record<string, unknown> {
  const [head, ...rest] = path;
  if (!Object.hasOwn(doc, head!)) return doc;
  const out: Record<string, unknown> = { ...doc };
  if (rest.length === 0) delete out[head!];
  else if (isRecord(doc[head!])) out[head!] = without(doc[head!] as Record<string, unknown>, rest);
  return out;
}
