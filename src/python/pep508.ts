/**
 * PEP 508 dependency specifiers: `name[extra,…] (specifiers | @ url) ; marker`, and environment
 * markers evaluated for a target environment (default: CPython 3.12 on linux x86_64).
 *
 * Follows PEP 508 and `packaging.requirements` / `packaging.markers` (the tokenizer's grammar,
 * the legacy dotted marker names, PEP 685 extra normalisation, version comparison through a
 * specifier with pre-releases allowed, and string comparison when a side is not a version).
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { isValidPythonName, normalizePythonName } from "./names.ts";
import { markerVersionCompare } from "./_marker_version.ts";

/** The longest requirement string or marker accepted, in characters. */
export const MAX_REQUIREMENT_LENGTH = 8192;

/** A marker variable's name (PEP 508 "Environment Markers", legacy dotted names normalised). */
export type MarkerVariable =
  | "implementation_name"
  | "implementation_version"
  | "os_name"
  | "platform_machine"
  | "platform_release"
  | "platform_system"
  | "platform_version"
  | "python_full_version"
  | "platform_python_implementation"
  | "python_version"
  | "sys_platform"
  | "extra";

/** A marker comparison operator. */
export type MarkerOp = "<" | "<=" | "==" | "!=" | ">=" | ">" | "~=" | "===" | "in" | "not in";

/** One side of a marker comparison: a variable or a quoted string. */
export type MarkerValue = { readonly variable: MarkerVariable } | { readonly literal: string };

/** A parsed marker expression. */
export type Marker =
  | {
    readonly kind: "compare";
    readonly lhs: MarkerValue;
    readonly op: MarkerOp;
    readonly rhs: MarkerValue;
  }
  | { readonly kind: "and" | "or"; readonly items: readonly Marker[] };

/** The values of the marker variables for a target (all but `extra`). */
export type MarkerEnvironment = Readonly<Record<Exclude<MarkerVariable, "extra">, string>>;

/**
 * The default target: CPython 3.12.0 on linux x86_64 (what `mochi` resolves Python
 * distributions for unless the manifest names another environment).
 */
export const DEFAULT_MARKER_ENVIRONMENT: MarkerEnvironment = Object.freeze({
  implementation_name: "cpython",
  implementation_version: "3.12.0",
  os_name: "posix",
  platform_machine: "x86_64",
  platform_release: "",
  platform_system: "Linux",
  platform_version: "",
  python_full_version: "3.12.0",
  platform_python_implementation: "CPython",
  python_version: "3.12",
  sys_platform: "linux",
});

/** A parsed PEP 508 requirement. */
export interface PythonRequirement {
  /** The name as written. */
  readonly name: string;
  /** PEP 503 normal form of the name. */
  readonly normalizedName: string;
  /** The extras, PEP 685 normalised, sorted, without duplicates. */
  readonly extras: readonly string[];
  /** The specifier text, whitespace removed (`>=1.0,<2`), or "" for any version. */
  readonly specifier: string;
  /** A direct URL (`name @ https://…`), when given instead of specifiers. */
  readonly url?: string;
  /** The marker, when given. */
  readonly marker?: Marker;
  /** The marker text as written (trimmed), when given. */
  readonly markerText?: string;
}

const VARIABLES: ReadonlyMap<string, MarkerVariable> = new Map([
  ["implementation_name", "implementation_name"],
  ["implementation_version", "implementation_version"],
  ["os_name", "os_name"],
  ["os.name", "os_name"],
  ["platform_machine", "platform_machine"],
  ["platform.machine", "platform_machine"],
  ["platform_release", "platform_release"],
  ["platform_system", "platform_system"],
  ["platform_version", "platform_version"],
  ["platform.version", "platform_version"],
  ["python_full_version", "python_full_version"],
  ["platform_python_implementation", "platform_python_implementation"],
  ["platform.python_implementation", "platform_python_implementation"],
  ["python_implementation", "platform_python_implementation"],
  ["python_version", "python_version"],
  ["sys_platform", "sys_platform"],
  ["sys.platform", "sys_platform"],
  ["extra", "extra"],
] as [string, MarkerVariable][]);

function bad(text: string, what: string, at: number): MochiError {
  const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return new MochiError(
    "PY_E003",
    `invalid Python requirement ${JSON.stringify(shown)}: ${what} at character ${at + 1}`,
    { hint: "write it as PEP 508 says, e.g. \"httpx[http2]>=0.27; python_version >= '3.9'\"" },
  );
}

/** A cursor over the text being parsed. */
class Cursor {
  pos = 0;
  constructor(readonly text: string) {}
  ws(): void {
    while (this.pos < this.text.length && /[ \t\r\n]/.test(this.text[this.pos]!)) this.pos++;
  }
  peek(s: string): boolean {
    return this.text.startsWith(s, this.pos);
  }
  eat(s: string): boolean {
    if (!this.peek(s)) return false;
    this.pos += s.length;
    return true;
  }
  match(re: RegExp): string | undefined {
    const sticky = new RegExp(re.source, re.flags.includes("y") ? re.flags : re.flags + "y");
    sticky.lastIndex = this.pos;
    const m = sticky.exec(this.text);
    if (m === null) return undefined;
    this.pos += m[0].length;
    return m[0];
  }
  done(): boolean {
    return this.pos >= this.text.length;
  }
}

const SPECIFIER_RE = /(~=|===|==|!=|<=|>=|<|>)\s*[^,;)\s]+/;

/**
 * Parses a PEP 508 requirement string.
 *
 * @param text e.g. `requests[socks]>=2.31; python_version >= "3.8"`
 * @returns the requirement
 * @throws {MochiError} `PY_E003` naming the string and the character where it goes wrong
 *
 * @example
 * ```ts
 * import { parsePythonRequirement } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * const r = parsePythonRequirement('HTTPX[HTTP2] >=0.27 ; python_version >= "3.8"');
 * assert.equal(r.normalizedName, "httpx");
 * assert.deepEqual(r.extras, ["http2"]);
 * assert.equal(r.specifier, ">=0.27");
 * ```
 */
export function parsePythonRequirement(text: string): PythonRequirement {
  if (text.length > MAX_REQUIREMENT_LENGTH) {
    throw bad(text, `longer than ${MAX_REQUIREMENT_LENGTH} characters`, MAX_REQUIREMENT_LENGTH);
  }
  const c = new Cursor(text);
  c.ws();
  const name = c.match(/[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/);
  if (name === undefined || !isValidPythonName(name)) throw bad(text, "expected a name", c.pos);
  c.ws();
  const extras = new Set<string>();
  if (c.eat("[")) {
    c.ws();
    if (!c.eat("]")) {
      for (;;) {
        c.ws();
        const e = c.match(/[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/);
        if (e === undefined) throw bad(text, "expected an extra name", c.pos);
        extras.add(normalizePythonName(e));
        c.ws();
        if (c.eat("]")) break;
        if (!c.eat(",")) throw bad(text, "expected , or ] after an extra", c.pos);
      }
    }
    c.ws();
  }
  let specifier = "";
  let url: string | undefined;
  if (c.eat("@")) {
    c.ws();
    const u = c.match(/[^\s;]+/);
    if (u === undefined) throw bad(text, "expected a URL after @", c.pos);
    if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(u)) throw bad(text, "a URL needs a scheme", c.pos);
    url = u;
    const before = c.pos;
    c.ws();
    if (!c.done() && c.peek(";") && c.pos === before) {
      throw bad(text, "a URL must be followed by whitespace before ;", c.pos);
    }
  } else {
    const paren = c.eat("(");
    c.ws();
    const specs: string[] = [];
    for (;;) {
      const s = c.match(SPECIFIER_RE);
      if (s === undefined) break;
      specs.push(s.replace(/\s+/g, ""));
      c.ws();
      if (!c.eat(",")) break;
      c.ws();
    }
    if (paren) {
      c.ws();
      if (!c.eat(")")) throw bad(text, "expected ) after the specifiers", c.pos);
    }
    specifier = specs.join(",");
    c.ws();
  }
  let marker: Marker | undefined;
  let markerText: string | undefined;
  if (c.eat(";")) {
    c.ws();
    const start = c.pos;
    marker = parseOr(c);
    markerText = text.slice(start, c.pos).trim();
    c.ws();
  }
  if (!c.done()) throw bad(text, `unexpected ${JSON.stringify(text[c.pos])}`, c.pos);
  return {
    name,
    normalizedName: normalizePythonName(name),
    extras: [...extras].sort(),
    specifier,
    ...(url === undefined ? {} : { url }),
    ...(marker === undefined ? {} : { marker, markerText: markerText! }),
  };
}

/**
 * Parses a marker expression alone (the part after `;`).
 *
 * @param text e.g. `python_version < "3.11" and extra == "test"`
 * @returns the marker
 * @throws {MochiError} `PY_E003` naming the text and the character where it goes wrong
 *
 * @example
 * ```ts
 * import { formatMarker, parseMarker } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * const m = parseMarker("python_version<'3.11' and extra=='test'");
 * assert.equal(formatMarker(m), 'python_version < "3.11" and extra == "test"');
 * assert.throws(() => parseMarker("python_version <"));
 * ```
 */
export function parseMarker(text: string): Marker {
  if (text.length > MAX_REQUIREMENT_LENGTH) {
    throw bad(text, `longer than ${MAX_REQUIREMENT_LENGTH} characters`, MAX_REQUIREMENT_LENGTH);
  }
  const c = new Cursor(text);
  c.ws();
  const m = parseOr(c);
  c.ws();
  if (!c.done()) throw bad(text, `unexpected ${JSON.stringify(text[c.pos])}`, c.pos);
  return m;
}

function parseOr(c: Cursor, depth = 0): Marker {
  const items = [parseAnd(c, depth)];
  for (;;) {
    c.ws();
    if (!c.match(/or(?![A-Za-z0-9_])/)) break;
    items.push(parseAnd(c, depth));
  }
  return items.length === 1 ? items[0]! : { kind: "or", items };
}

function parseAnd(c: Cursor, depth: number): Marker {
  const items = [parseAtom(c, depth)];
  for (;;) {
    c.ws();
    if (!c.match(/and(?![A-Za-z0-9_])/)) break;
    items.push(parseAtom(c, depth));
  }
  return items.length === 1 ? items[0]! : { kind: "and", items };
}

function parseAtom(c: Cursor, depth: number): Marker {
  c.ws();
  if (c.eat("(")) {
    if (depth > 64) throw bad(c.text, "markers nested too deeply", c.pos);
    const m = parseOr(c, depth + 1);
    c.ws();
    if (!c.eat(")")) throw bad(c.text, "expected )", c.pos);
    return m;
  }
  const lhs = parseValue(c);
  c.ws();
  const op = c.match(/===|==|!=|<=|>=|~=|<|>|in(?![A-Za-z0-9_])|not\s+in(?![A-Za-z0-9_])/);
  if (op === undefined) throw bad(c.text, "expected a marker operator", c.pos);
  const rhs = parseValue(c);
  return {
    kind: "compare",
    lhs,
    op: (op.startsWith("not") ? "not in" : op) as MarkerOp,
    rhs,
  };
}

function parseValue(c: Cursor): MarkerValue {
  c.ws();
  const q = c.text[c.pos];
  if (q === "'" || q === '"') {
    const end = c.text.indexOf(q, c.pos + 1);
    if (end < 0) throw bad(c.text, "unterminated string", c.pos);
    const literal = c.text.slice(c.pos + 1, end);
    c.pos = end + 1;
    return { literal };
  }
  const v = c.match(/[A-Za-z_][A-Za-z0-9_.]*/);
  const variable = v === undefined ? undefined : VARIABLES.get(v);
  if (variable === undefined) {
    throw bad(c.text, "expected a marker variable or a quoted string", c.pos);
  }
  return { variable };
}

/**
 * Evaluates a marker for a target environment (`packaging.markers.Marker.evaluate`): `in` and
 * `not in` test substrings; other operators compare as PEP 440 versions (pre-releases allowed)
 * when the operator and the right-hand side make a valid specifier (false when the left side is
 * not a version), else as strings (`~=` then is false). `extra`
 * compares PEP 685 normalised names and is true for `extra == "x"` only when `x` is in `extras`.
 *
 * @param marker the parsed marker
 * @param environment the target's variables
 * @param extras the extras being asked for (normalised), none by default
 * @returns whether the marker holds
 *
 * @example
 * ```ts
 * import { DEFAULT_MARKER_ENVIRONMENT, evaluateMarker, parseMarker } from "@mochi/pkg/python";
 * const m = parseMarker('python_version >= "3.8" and sys_platform == "win32" or extra == "test"');
 * if (evaluateMarker(m, DEFAULT_MARKER_ENVIRONMENT)) throw new Error();
 * if (!evaluateMarker(m, DEFAULT_MARKER_ENVIRONMENT, ["test"])) throw new Error();
 * ```
 */
export function evaluateMarker(
  marker: Marker,
  environment: MarkerEnvironment,
  extras: readonly string[] = [],
): boolean {
  switch (marker.kind) {
    case "and":
      return marker.items.every((m) => evaluateMarker(m, environment, extras));
    case "or":
      return marker.items.some((m) => evaluateMarker(m, environment, extras));
    case "compare":
      return compare(marker, environment, extras);
  }
}

function compare(
  m: Extract<Marker, { kind: "compare" }>,
  env: MarkerEnvironment,
  extras: readonly string[],
): boolean {
  const isExtra = ("variable" in m.lhs && m.lhs.variable === "extra") ||
    ("variable" in m.rhs && m.rhs.variable === "extra");
  if (isExtra) {
    // Each extra asked for is tried in turn (pip evaluates once per extra).
    const other = "literal" in m.lhs ? m.lhs.literal : "literal" in m.rhs ? m.rhs.literal : "";
    const want = normalizePythonName(other);
    if (m.op === "==") return extras.includes(want);
    if (m.op === "!=") return !extras.includes(want);
    return false;
  }
  const value = (v: MarkerValue): string =>
    "literal" in v ? v.literal : env[v.variable as Exclude<MarkerVariable, "extra">];
  const lhs = value(m.lhs);
  const rhs = value(m.rhs);
  if (m.op === "in") return rhs.includes(lhs);
  if (m.op === "not in") return !rhs.includes(lhs);
  const asVersion = markerVersionCompare(lhs, m.op, rhs);
  if (asVersion !== undefined) return asVersion;
  switch (m.op) {
    case "==":
      return lhs === rhs;
    case "!=":
      return lhs !== rhs;
    case "<":
      return lhs < rhs;
    case "<=":
      return lhs <= rhs;
    case ">":
      return lhs > rhs;
    case ">=":
      return lhs >= rhs;
    default:
      return false;
  }
}

/**
 * A marker's text in PEP 508 form (normalised spacing, double quotes), for reports and locks.
 *
 * @param marker the marker
 * @returns the text, e.g. `python_version >= "3.8" and extra == "test"`
 *
 * @example
 * ```ts
 * import { formatMarker, parseMarker } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * const m = parseMarker("(os_name=='nt' or os_name=='posix') and python_version>='3.8'");
 * assert.equal(
 *   formatMarker(m),
 *   '(os_name == "nt" or os_name == "posix") and python_version >= "3.8"',
 * );
 * ```
 */
export function formatMarker(marker: Marker): string {
  const side = (v: MarkerValue) => "literal" in v ? JSON.stringify(v.literal) : v.variable;
  const inner = (m: Marker, parent: "and" | "or" | undefined): string => {
    if (m.kind === "compare") return `${side(m.lhs)} ${m.op} ${side(m.rhs)}`;
    const s = m.items.map((i) => inner(i, m.kind)).join(` ${m.kind} `);
    return parent === "and" && m.kind === "or" ? `(${s})` : s;
  };
  return inner(marker, undefined);
}
