/**
 * The scope grammar: what may follow `:` in a capability entry, one closed grammar per scope
 * kind, and the normal form every comparison uses.
 *
 * Scopes come from manifests, index records, locks and uploads, so they are hostile data until
 * checked here. Each kind accepts a small character set with no shell, quoting, glob-bracket
 * (outside IPv6 literals), list (`,`), whitespace or control characters, so a valid scope is
 * inert wherever it is written later (a Deno flag, a JSON file, a terminal line):
 *
 * - `path` (`fs.read`, `fs.write`, `ffi`): `/abs/path` or a relative path (`./data`, `data`);
 *   segments of letters, digits, marks and `. _ - @ + =` in Unicode NFC; no `..` segment (a scope names a
 *   subtree, and `..` would let `./data/../..` look like it is under `./data`). Normal form:
 *   `.` segments, repeated and trailing `/` removed; relative paths start with `./` (`.` alone
 *   for the directory itself). Paths are compared segment by segment in normal form.
 * - `host-port` (`net.dial`, `net.listen`): a lowercase DNS name (labels of `a-z 0-9 - _`),
 *   optionally `*.` in front (every subdomain), an IPv4 address, or a bracketed IPv6 address
 *   (`[::1]`); then optionally `:port` (1–65535, no leading zero). Already in normal form.
 * - `variable` (`env`): an environment variable name `[A-Za-z_][A-Za-z0-9_]*`, optionally ending
 *   in `*` (a prefix, Deno's `AWS_*`). Already in normal form.
 * - `program` (`proc.spawn`): a program name looked up on `PATH` (`git`, letters, digits and
 *   `. _ + -`, not starting with `.` or `-`) or an absolute path (path grammar above).
 *
 * Follows Deno's `--allow-*` value forms (paths, `host[:port]`, `*.domain`, `VAR_*`, program
 * names) and the "validate at the boundary, then treat as data" rule of cargo's
 * `validate_package_name`. Pure: no I/O.
 *
 * @module
 */
/** What the text after `:` names for a capability (`null`: the capability takes no scope). */
export type ScopeKind = "path" | "host-port" | "variable" | "program" | null;

/** Longest scope accepted, in UTF-16 code units. */
export const MAX_CAPABILITY_SCOPE_LENGTH = 1024;

// Letters, digits and combining marks of any script, and a few inert ASCII signs.
const PATH_SEGMENT = /^[\p{L}\p{M}\p{N}._@+=-]+$/u;
const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;
const IPV6 = /^\[[0-9a-f:.]{2,45}\]$/;
const PORT = /^[1-9][0-9]{0,4}$/;
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]{0,254}\*?$/;
const PROGRAM = /^[A-Za-z0-9_][A-Za-z0-9._+-]{0,254}$/;

/** A scope kind that takes a scope (the non-null values of the `scope` column of `set.json`). */
export type ScopeGrammar = Exclude<ScopeKind, null>;

/**
 * What is wrong with a scope for a kind, or `undefined` when it is valid.
 *
 * @param kind the capability's scope kind
 * @param scope the text after the first `:`
 * @returns a phrase naming the scope (JSON-quoted) and the rule it breaks, or `undefined`
 *
 * @example
 * ```ts
 * import { scopeProblem } from "./scope.ts";
 * import assert from "node:assert/strict";
 * assert.ok(scopeProblem("path", "./data") === undefined);
 * assert.ok(scopeProblem("path", "./data/../..") !== undefined);
 * assert.ok(scopeProblem("path", "./x'$(touch y)'") !== undefined);
 * ```
 */
export function scopeProblem(kind: ScopeGrammar, scope: string): string | undefined {
  const shown = JSON.stringify(scope.length > 80 ? `${scope.slice(0, 80)}…` : scope);
  if (scope.length === 0) return "the scope is empty";
  if (scope.length > MAX_CAPABILITY_SCOPE_LENGTH) {
    return `the scope ${shown} is longer than ${MAX_CAPABILITY_SCOPE_LENGTH} characters`;
  }
  // Locks are written in NFC; a scope must already be, or the lock would name another path.
  if (scope.normalize("NFC") !== scope) return `the scope ${shown} is not in Unicode NFC form`;
  switch (kind) {
    case "path":
      return pathProblem(scope, shown);
    case "host-port":
      return hostPortProblem(scope, shown);
    case "variable":
      return VARIABLE.test(scope) ? undefined : `the scope ${shown} is not an environment ` +
        "variable name (letters, digits and _, not starting with a digit, optionally ending in *)";
    case "program":
      if (scope.startsWith("/")) return pathProblem(scope, shown);
      return PROGRAM.test(scope) ? undefined : `the scope ${shown} is not a program name ` +
        "(letters, digits and . _ + -, not starting with . or -) or an absolute path";
  }
}

function pathProblem(scope: string, shown: string): string | undefined {
  const segments = scope.split("/");
  for (const s of segments) {
    if (s === "..") {
      return `the path scope ${shown} contains "..": a scope names a directory tree, ` +
        "write the path without going up";
    }
    if (s !== "" && !PATH_SEGMENT.test(s)) {
      return `the path scope ${shown} contains a character outside letters, digits and ` +
        "/ . _ - @ + = (no spaces, quotes, shell or control characters)";
    }
  }
  return undefined;
}

function hostPortProblem(scope: string, shown: string): string | undefined {
  const bad = (why: string) => `the network scope ${shown} ${why}`;
  let host = scope;
  let port: string | undefined;
  if (scope.startsWith("[")) {
    const end = scope.indexOf("]");
    if (end < 0) return bad("opens an IPv6 address with [ and never closes it");
    host = scope.slice(0, end + 1);
    const rest = scope.slice(end + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) return bad("has text after the IPv6 address that is not :port");
      port = rest.slice(1);
    }
    if (!IPV6.test(host)) return bad("is not a bracketed IPv6 address in lowercase hex");
  } else {
    const colon = scope.indexOf(":");
    if (colon >= 0) {
      host = scope.slice(0, colon);
      port = scope.slice(colon + 1);
    }
    const labels = (host.startsWith("*.") ? host.slice(2) : host).split(".");
    if (host.length > 253 || !labels.every((l) => LABEL.test(l))) {
      return bad(
        "is not host[:port] (a lowercase host name, *.domain, an IPv4 address or [IPv6])",
      );
    }
  }
  if (port !== undefined && !(PORT.test(port) && Number(port) <= 65535)) {
    return bad(`names the port ${JSON.stringify(port)}; a port is 1 to 65535`);
  }
  return undefined;
}

/**
 * The normal form of a valid scope: what comparisons (the cover rule, the update gate,
 * monotonicity, `--suspicious`) use. Paths lose `.` segments, repeated and trailing `/`, and
 * relative paths start with `./`; other kinds are already normal.
 *
 * @param kind the capability's scope kind
 * @param scope a scope {@link scopeProblem} accepts
 * @returns the normal form (`"data/"` → `"./data"`, `"/a/./b//"` → `"/a/b"`)
 *
 * @example
 * ```ts
 * import { normaliseScope } from "./scope.ts";
 * import assert from "node:assert/strict";
 * assert.equal(normaliseScope("path", "data/./x/"), "./data/x");
 * assert.equal(normaliseScope("path", "/"), "/");
 * ```
 */
export function normaliseScope(kind: ScopeGrammar, scope: string): string {
  if (kind === "path" || (kind === "program" && scope.startsWith("/"))) {
    const parts = scope.split("/").filter((s) => s !== "" && s !== ".");
    if (scope.startsWith("/")) return `/${parts.join("/")}`;
    return parts.length === 0 ? "." : `./${parts.join("/")}`;
  }
  return scope;
}

/**
 * Whether the path `outer` covers the path `inner` (both valid, compared in normal form):
 * equal, or `inner` lies inside the directory `outer`, segment by segment. An absolute path and
 * a relative one never cover each other.
 *
 * @param outer the wider path (a pin, a previous release)
 * @param inner the path that must fit inside
 */
export function pathCovers(outer: string, inner: string): boolean {
  const o = normaliseScope("path", outer), i = normaliseScope("path", inner);
  if (o === i) return true;
  if (o.startsWith("/") !== i.startsWith("/")) return false;
  if (o === "/" || o === ".") return true;
  return i.startsWith(`${o}/`);
}
