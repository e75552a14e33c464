/**
 * Go module paths and versions, as `golang.org/x/mod/module` defines them: which module, import
 * and file paths are valid, the major-version suffix (`/v2`, `gopkg.in/yaml.v3`), the case
 * escaping the module proxy protocol uses (`!` before a lower-cased capital), pseudo-versions,
 * and GOPRIVATE-style prefix patterns.
 *
 * Go works on UTF-8 bytes; here a string that is not well-formed UTF-16 (a lone surrogate) stands
 * for Go's invalid UTF-8 and is refused the same way.
 *
 * @module
 */
import { MochiError, quoteValue } from "../errors.ts";
import {
  semverBuild,
  semverCanonical,
  semverCompare,
  semverIsValid,
  semverMajor,
  semverPrerelease,
} from "./semver.ts";

/** A module path and version (`golang.org/x/mod/module` Version). */
export interface ModuleVersion {
  /** The module path (`golang.org/x/text`). */
  path: string;
  /** The version (`v0.14.0`), or `""` for the main module. */
  version: string;
}

type PathKind = "module" | "import" | "file";

const BAD_WINDOWS_NAMES = [
  "CON",
  "PRN",
  "AUX",
  "NUL",
  "COM1",
  "COM2",
  "COM3",
  "COM4",
  "COM5",
  "COM6",
  "COM7",
  "COM8",
  "COM9",
  "LPT1",
  "LPT2",
  "LPT3",
  "LPT4",
  "LPT5",
  "LPT6",
  "LPT7",
  "LPT8",
  "LPT9",
];

const LETTER = /^\p{L}$/u;

/** A character quoted as Go's `%q` quotes a rune (`'\''`, `'"'`, `'\x01'`, `'☺'`). */
function goQuoteRune(c: string): string {
  if (c === "'") return "'\\''";
  if (c === "\\") return "'\\\\'";
  const cp = c.codePointAt(0)!;
  if (cp < 0x20 || cp === 0x7f) return `'\\x${cp.toString(16).padStart(2, "0")}'`;
  if (!wellFormed(c)) return "'\\ufffd'";
  return `'${c}'`;
}

function wellFormed(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

function isAsciiAlnum(c: string): boolean {
  return (c >= "0" && c <= "9") || (c >= "A" && c <= "Z") || (c >= "a" && c <= "z");
}

function firstPathOK(c: string): boolean {
  return c === "-" || c === "." || (c >= "0" && c <= "9") || (c >= "a" && c <= "z");
}

function modPathOK(c: string): boolean {
  return c === "-" || c === "." || c === "_" || c === "~" || isAsciiAlnum(c);
}

function importPathOK(c: string): boolean {
  return modPathOK(c) || c === "+";
}

function fileNameOK(c: string): boolean {
  if (c.codePointAt(0)! < 0x80) return isAsciiAlnum(c) || "!#$%&()+,-.=@[]^_{}~ ".includes(c);
  return LETTER.test(c);
}

/** The reason `path` is invalid for its kind, or undefined (module.go checkPath). */
function pathProblem(path: string, kind: PathKind): string | undefined {
  if (typeof path !== "string") return "not a string";
  if (!wellFormed(path)) return "invalid UTF-8";
  if (path === "") return "empty string";
  if (path[0] === "-" && kind !== "file") return "leading dash";
  if (path.includes("//")) return "double slash";
  if (path.endsWith("/")) return "trailing slash";
  for (const elem of path.split("/")) {
    const problem = elemProblem(elem, kind);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** The reason one path element is invalid, or undefined (module.go checkElem). */
function elemProblem(elem: string, kind: PathKind): string | undefined {
  if (elem === "") return "empty path element";
  if (/^\.+$/.test(elem)) return `invalid path element ${JSON.stringify(elem)}`;
  if (elem[0] === "." && kind === "module") return "leading dot in path element";
  if (elem.endsWith(".")) return "trailing dot in path element";
  for (const c of elem) {
    const ok = kind === "module"
      ? modPathOK(c)
      : kind === "import"
      ? importPathOK(c)
      : fileNameOK(c);
    if (!ok) return `invalid char ${goQuoteRune(c)}`;
  }
  const dot = elem.indexOf(".");
  const short = dot >= 0 ? elem.slice(0, dot) : elem;
  const upper = short.toUpperCase();
  if (BAD_WINDOWS_NAMES.includes(upper) && /^[A-Za-z0-9]*$/.test(short)) {
    return `${JSON.stringify(short)} disallowed as path element component on Windows`;
  }
  if (kind === "file") return undefined;
  const tilde = short.lastIndexOf("~");
  if (tilde >= 0 && tilde < short.length - 1 && /^[0-9]+$/.test(short.slice(tilde + 1))) {
    return "trailing tilde and digits in path element";
  }
  return undefined;
}

function invalidPath(kind: PathKind, path: string, problem: string): MochiError {
  return new MochiError("GO_E001", `malformed ${kind} path ${quoteValue(path)}: ${problem}`, {
    hint: kind === "module"
      ? "a module path is lower-case ASCII host-like first element (with a dot) then " +
        "slash-separated elements of letters, digits and -._~"
      : "see golang.org/x/mod/module for the path rules",
  });
}

function modulePathProblem(path: string): string | undefined {
  const problem = pathProblem(path, "module");
  if (problem !== undefined) return problem;
  let i = path.indexOf("/");
  if (i < 0) i = path.length;
  if (i === 0) return "leading slash";
  const first = path.slice(0, i);
  if (!first.includes(".")) return "missing dot in first path element";
  if (path[0] === "-") return "leading dash in first path element";
  for (const c of first) {
    if (!firstPathOK(c)) return `invalid char ${goQuoteRune(c)} in first path element`;
  }
  if (splitPathVersion(path) === undefined) return "invalid version";
  return undefined;
}

/**
 * Checks a module path: slash-separated elements of ASCII letters, digits and `-._~`, a first
 * element that is lower-case and has a dot (a host name), no Windows-reserved names, no element
 * ending in `~` and digits, and a valid major-version suffix.
 *
 * Follows golang.org/x/mod/module CheckPath.
 *
 * @param path the module path
 * @throws {MochiError} `GO_E001` naming the path and the broken rule
 *
 * @example
 * ```ts
 * import { checkPath } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * checkPath("github.com/google/uuid");
 * assert.throws(() => checkPath("github.com/x/y/v1"), { code: "GO_E001" });
 * assert.throws(() => checkPath("rsc io/quote"), { code: "GO_E001" });
 * ```
 */
export function checkPath(path: string): void {
  const problem = modulePathProblem(path);
  if (problem !== undefined) throw invalidPath("module", path, problem);
}

/**
 * Checks an import path (a package inside a module): like {@link checkPath} but the first element
 * needs no dot, elements may start with a dot, `+` is allowed, and there is no version rule.
 *
 * Follows golang.org/x/mod/module CheckImportPath.
 *
 * @param path the import path
 * @throws {MochiError} `GO_E001` naming the path and the broken rule
 *
 * @example
 * ```ts
 * import { checkImportPath } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * checkImportPath(".github/ISSUE_TEMPLATE");
 * assert.throws(() => checkImportPath("x.y/z~0"), { code: "GO_E001" });
 * ```
 */
export function checkImportPath(path: string): void {
  const problem = pathProblem(path, "import");
  if (problem !== undefined) throw invalidPath("import", path, problem);
}

/**
 * Checks a file path inside a module: slash-separated elements of Unicode letters, ASCII digits
 * and `!#$%&()+,-.=@[]^_{}~` and space; no `.`/`..` elements, no Windows-reserved names.
 *
 * Follows golang.org/x/mod/module CheckFilePath.
 *
 * @param path the file path, relative to the module root
 * @throws {MochiError} `GO_E001` naming the path and the broken rule
 *
 * @example
 * ```ts
 * import { checkFilePath } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * checkFilePath("internal/испытание.go");
 * assert.throws(() => checkFilePath("../x"), { code: "GO_E001" });
 * assert.throws(() => checkFilePath("x/aux.go"), { code: "GO_E001" });
 * ```
 */
export function checkFilePath(path: string): void {
  const problem = pathProblem(path, "file");
  if (problem !== undefined) throw invalidPath("file", path, problem);
}

/**
 * Checks that `version` is a valid semantic version that matches the path's major-version
 * suffix (`+incompatible` allowed without a suffix).
 *
 * Follows golang.org/x/mod/module Check.
 *
 * @param path the module path
 * @param version the version
 * @throws {MochiError} `GO_E001` for the path, `GO_E002` for the version
 *
 * @example
 * ```ts
 * import { checkModule } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * checkModule("github.com/go-yaml/yaml/v2", "v2.1.5");
 * checkModule("rsc.io/quote", "v17.0.0+incompatible");
 * assert.throws(() => checkModule("rsc.io/quote", "v17.0.0"), { code: "GO_E002" });
 * ```
 */
export function checkModule(path: string, version: string): void {
  checkPath(path);
  if (!semverIsValid(version)) {
    throw new MochiError(
      "GO_E002",
      `${path}@${quoteValue(version)}: invalid version: not a semantic version`,
      { hint: "a Go version is v<major>.<minor>.<patch> with optional -pre and +build" },
    );
  }
  checkPathMajor(version, splitPathVersion(path)!.pathMajor, path);
}

/**
 * Splits a module path into its prefix and its major-version suffix (`/v2`, or `.v3` for
 * gopkg.in, possibly `.v1-unstable`); `pathMajor` is `""` when there is none. Returns undefined
 * when the suffix is malformed (`/v1`, `/v0`, `/v2.0`, `gopkg.in/yaml`).
 *
 * Follows golang.org/x/mod/module SplitPathVersion.
 *
 * @param path the module path
 * @returns `{ prefix, pathMajor }`, or undefined when the suffix is invalid
 *
 * @example
 * ```ts
 * import { splitPathVersion } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(splitPathVersion("x.y/z/v3"), { prefix: "x.y/z", pathMajor: "/v3" });
 * assert.deepEqual(splitPathVersion("gopkg.in/yaml.v2"), { prefix: "gopkg.in/yaml", pathMajor: ".v2" });
 * assert.deepEqual(splitPathVersion("x.y/z"), { prefix: "x.y/z", pathMajor: "" });
 * assert.equal(splitPathVersion("x.y/z/v1"), undefined);
 * ```
 */
export function splitPathVersion(
  path: string,
): { prefix: string; pathMajor: string } | undefined {
  if (path.startsWith("gopkg.in/")) return splitGopkgIn(path);
  let i = path.length;
  let dot = false;
  while (i > 0 && (isDigitAt(path, i - 1) || path[i - 1] === ".")) {
    if (path[i - 1] === ".") dot = true;
    i--;
  }
  if (i <= 1 || i === path.length || path[i - 1] !== "v" || path[i - 2] !== "/") {
    return { prefix: path, pathMajor: "" };
  }
  const prefix = path.slice(0, i - 2);
  const pathMajor = path.slice(i - 2);
  if (dot || pathMajor.length <= 2 || pathMajor[2] === "0" || pathMajor === "/v1") {
    return undefined;
  }
  return { prefix, pathMajor };
}

function isDigitAt(s: string, i: number): boolean {
  const c = s[i];
  return c !== undefined && c >= "0" && c <= "9";
}

function splitGopkgIn(path: string): { prefix: string; pathMajor: string } | undefined {
  let i = path.length;
  if (path.endsWith("-unstable")) i -= "-unstable".length;
  while (i > 0 && isDigitAt(path, i - 1)) i--;
  if (i <= 1 || path[i - 1] !== "v" || path[i - 2] !== ".") return undefined;
  const prefix = path.slice(0, i - 2);
  const pathMajor = path.slice(i - 2);
  if (pathMajor.length <= 2 || (pathMajor[2] === "0" && pathMajor !== ".v0")) return undefined;
  return { prefix, pathMajor };
}

/**
 * Whether version `v` fits the path's major-version suffix (see {@link checkPathMajor}).
 *
 * Follows golang.org/x/mod/module MatchPathMajor.
 *
 * @param v the version
 * @param pathMajor the suffix from {@link splitPathVersion} (`""`, `/v2`, `.v1`)
 * @returns true when it fits
 *
 * @example
 * ```ts
 * import { matchPathMajor } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.equal(matchPathMajor("v2.0.0+incompatible", ""), true);
 * assert.equal(matchPathMajor("v2.0.0", ""), false);
 * assert.equal(matchPathMajor("v1.0.0", ".v1-unstable"), true);
 * ```
 */
export function matchPathMajor(v: string, pathMajor: string): boolean {
  return pathMajorProblem(v, pathMajor) === undefined;
}

function pathMajorProblem(v: string, pathMajor: string): string | undefined {
  if (pathMajor.startsWith(".v") && pathMajor.endsWith("-unstable")) {
    pathMajor = pathMajor.slice(0, -"-unstable".length);
  }
  if (v.startsWith("v0.0.0-") && pathMajor === ".v1") return undefined;
  const m = semverMajor(v);
  if (pathMajor === "") {
    if (m === "v0" || m === "v1" || semverBuild(v) === "+incompatible") return undefined;
    pathMajor = "v0 or v1";
  } else if (pathMajor[0] === "/" || pathMajor[0] === ".") {
    if (m === pathMajor.slice(1)) return undefined;
    pathMajor = pathMajor.slice(1);
  }
  return `should be ${pathMajor}, not ${m}`;
}

/**
 * Checks that version `v` fits the path's major-version suffix: none means v0, v1 or
 * `+incompatible`; `/vN` or `.vN` means major N; `.v1` (gopkg.in) also takes old `v0.0.0-`
 * pseudo-versions.
 *
 * Follows golang.org/x/mod/module CheckPathMajor.
 *
 * @param v the version
 * @param pathMajor the suffix from {@link splitPathVersion}
 * @param path the module path, for the message only
 * @throws {MochiError} `GO_E002` naming the version and the major it should have
 *
 * @example
 * ```ts
 * import { checkPathMajor } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * checkPathMajor("v2.3.0", "/v2");
 * assert.throws(() => checkPathMajor("v3.0.0", "/v2"), { code: "GO_E002" });
 * ```
 */
export function checkPathMajor(v: string, pathMajor: string, path = ""): void {
  const problem = pathMajorProblem(v, pathMajor);
  if (problem !== undefined) {
    throw new MochiError(
      "GO_E002",
      `${path === "" ? "" : `${path}@`}${quoteValue(v)}: invalid version: ${problem}`,
      {
        hint:
          "a module path ending in /vN takes versions vN.x.y; other paths take v0, v1 or +incompatible",
      },
    );
  }
}

/**
 * The major version a path suffix stands for (`"v2"` for `/v2`, `"v1"` for `.v1-unstable`), `""`
 * for no suffix.
 *
 * Follows golang.org/x/mod/module PathMajorPrefix.
 *
 * @param pathMajor the suffix from {@link splitPathVersion}
 * @returns the major version
 * @throws {MochiError} `GO_E002` when the suffix is not one {@link splitPathVersion} returns
 *
 * @example
 * ```ts
 * import { pathMajorPrefix } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.equal(pathMajorPrefix("/v3"), "v3");
 * assert.equal(pathMajorPrefix(".v1-unstable"), "v1");
 * ```
 */
export function pathMajorPrefix(pathMajor: string): string {
  if (pathMajor === "") return "";
  if (pathMajor[0] !== "/" && pathMajor[0] !== ".") {
    throw new MochiError("GO_E002", `path major suffix ${quoteValue(pathMajor)} lacks separator`);
  }
  if (pathMajor.startsWith(".v") && pathMajor.endsWith("-unstable")) {
    pathMajor = pathMajor.slice(0, -"-unstable".length);
  }
  const m = pathMajor.slice(1);
  if (m !== semverMajor(m)) {
    throw new MochiError(
      "GO_E002",
      `path major suffix ${quoteValue(pathMajor)} is not a valid major version`,
    );
  }
  return m;
}

/**
 * The canonical form of a module version, keeping `+incompatible` (the one build suffix Go keeps).
 *
 * Follows golang.org/x/mod/module CanonicalVersion.
 *
 * @param v the version
 * @returns the canonical version, `""` when invalid
 *
 * @example
 * ```ts
 * import { canonicalVersion } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.equal(canonicalVersion("v2.0.0+incompatible"), "v2.0.0+incompatible");
 * assert.equal(canonicalVersion("v1.2.3+meta"), "v1.2.3");
 * ```
 */
export function canonicalVersion(v: string): string {
  const cv = semverCanonical(v);
  return semverBuild(v) === "+incompatible" ? `${cv}+incompatible` : cv;
}

/**
 * Sorts module versions in place by path, then by version (a version may carry a `/go.mod`-style
 * suffix after a slash, compared last).
 *
 * Follows golang.org/x/mod/module Sort.
 *
 * @param list the module versions (sorted in place)
 * @returns the same array
 *
 * @example
 * ```ts
 * import { sortModuleVersions } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const l = sortModuleVersions([
 *   { path: "b.io/x", version: "v1.0.0" },
 *   { path: "a.io/x", version: "v1.10.0" },
 *   { path: "a.io/x", version: "v1.9.0" },
 * ]);
 * assert.deepEqual(l.map((m) => m.version), ["v1.9.0", "v1.10.0", "v1.0.0"]);
 * ```
 */
export function sortModuleVersions<T extends ModuleVersion>(list: T[]): T[] {
  return list.sort((i, j) => {
    if (i.path !== j.path) return i.path < j.path ? -1 : 1;
    let vi = i.version;
    let vj = j.version;
    let fi = "";
    let fj = "";
    const ki = vi.indexOf("/");
    if (ki >= 0) [vi, fi] = [vi.slice(0, ki), vi.slice(ki)];
    const kj = vj.indexOf("/");
    if (kj >= 0) [vj, fj] = [vj.slice(0, kj), vj.slice(kj)];
    if (vi !== vj) return semverCompare(vi, vj);
    return fi < fj ? -1 : fi > fj ? 1 : 0;
  });
}

function escapeString(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
}

/**
 * Escapes a module path for the module proxy protocol and the module cache: each capital letter
 * becomes `!` and its lower case (`github.com/!azure/…`).
 *
 * Follows golang.org/x/mod/module EscapePath.
 *
 * @param path the module path
 * @returns the escaped path
 * @throws {MochiError} `GO_E001` when the path is not a valid module path
 *
 * @example
 * ```ts
 * import { escapePath } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.equal(escapePath("github.com/GoogleCloudPlatform/omega"), "github.com/!google!cloud!platform/omega");
 * assert.throws(() => escapePath("x.y/z/"), { code: "GO_E001" });
 * ```
 */
export function escapePath(path: string): string {
  checkPath(path);
  return escapeString(path);
}

/**
 * Escapes a version for the module proxy protocol (capitals as `!` and lower case).
 *
 * Follows golang.org/x/mod/module EscapeVersion.
 *
 * @param v the version (any valid file name element without `!`)
 * @returns the escaped version
 * @throws {MochiError} `GO_E002` when the version is not allowed
 *
 * @example
 * ```ts
 * import { escapeVersion } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.equal(escapeVersion("v1.0.0-RC1"), "v1.0.0-!r!c1");
 * assert.throws(() => escapeVersion("v1/x"), { code: "GO_E002" });
 * ```
 */
export function escapeVersion(v: string): string {
  if (
    typeof v !== "string" || !wellFormed(v) || elemProblem(v, "file") !== undefined ||
    v.includes("!") || [...v].some((c) => c.codePointAt(0)! >= 0x80)
  ) {
    throw new MochiError(
      "GO_E002",
      `version ${quoteValue(String(v))} invalid: disallowed version string`,
      {
        hint: "a version is one path element of letters, digits and -.+~_",
      },
    );
  }
  return escapeString(v);
}

function unescapeString(escaped: string): string | undefined {
  let out = "";
  let bang = false;
  for (const c of escaped) {
    if (c.codePointAt(0)! >= 0x80) return undefined;
    if (bang) {
      bang = false;
      if (c < "a" || c > "z") return undefined;
      out += c.toUpperCase();
      continue;
    }
    if (c === "!") {
      bang = true;
      continue;
    }
    if (c >= "A" && c <= "Z") return undefined;
    out += c;
  }
  return bang ? undefined : out;
}

/**
 * Reverses {@link escapePath}: `!x` becomes `X`; a capital letter, a `!` not followed by a
 * lower-case letter, or a result that is not a valid module path is refused.
 *
 * Follows golang.org/x/mod/module UnescapePath.
 *
 * @param escaped the escaped path
 * @returns the module path
 * @throws {MochiError} `GO_E001` naming the escaped path
 *
 * @example
 * ```ts
 * import { unescapePath } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.equal(unescapePath("github.com/!burnt!sushi/toml"), "github.com/BurntSushi/toml");
 * assert.throws(() => unescapePath("github.com/BurntSushi/toml"), { code: "GO_E001" });
 * ```
 */
export function unescapePath(escaped: string): string {
  const path = typeof escaped === "string" ? unescapeString(escaped) : undefined;
  if (path === undefined) {
    throw new MochiError("GO_E001", `invalid escaped module path ${quoteValue(String(escaped))}`, {
      hint: "an escaped path has no capitals; each capital is written ! and its lower case",
    });
  }
  const problem = modulePathProblem(path);
  if (problem !== undefined) {
    throw new MochiError(
      "GO_E001",
      `invalid escaped module path ${quoteValue(escaped)}: malformed module path ${
        quoteValue(path)
      }: ${problem}`,
    );
  }
  return path;
}

/**
 * Reverses {@link escapeVersion}.
 *
 * Follows golang.org/x/mod/module UnescapeVersion.
 *
 * @param escaped the escaped version
 * @returns the version
 * @throws {MochiError} `GO_E002` naming the escaped version
 *
 * @example
 * ```ts
 * import { unescapeVersion } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.equal(unescapeVersion("v1.0.0-!r!c1"), "v1.0.0-RC1");
 * assert.throws(() => unescapeVersion("v1.0.0-RC1"), { code: "GO_E002" });
 * ```
 */
export function unescapeVersion(escaped: string): string {
  const v = typeof escaped === "string" ? unescapeString(escaped) : undefined;
  if (v === undefined) {
    throw new MochiError("GO_E002", `invalid escaped version ${quoteValue(String(escaped))}`, {
      hint: "an escaped version has no capitals; each capital is written ! and its lower case",
    });
  }
  const problem = elemProblem(v, "file");
  if (problem !== undefined) {
    throw new MochiError("GO_E002", `invalid escaped version ${quoteValue(v)}: ${problem}`);
  }
  return v;
}

/**
 * Whether some glob of a comma-separated list matches a prefix of `target` with as many path
 * elements as the glob has (the GOPRIVATE, GONOSUMDB and GONOPROXY rule); globs use `path.Match`
 * syntax (`*`, `?`, `[a-z]`, `\` escapes) and never match across `/`.
 *
 * Follows golang.org/x/mod/module MatchPrefixPatterns.
 *
 * @param globs comma-separated glob patterns
 * @param target a module path
 * @returns true when a pattern matches
 *
 * @example
 * ```ts
 * import { matchPrefixPatterns } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.equal(matchPrefixPatterns("*.corp.example,rsc.io/private", "git.corp.example/x/y"), true);
 * assert.equal(matchPrefixPatterns("rsc.io/private", "rsc.io/public"), false);
 * ```
 */
export function matchPrefixPatterns(globs: string, target: string): boolean {
  for (let glob of globs.split(",")) {
    if (glob.endsWith("/")) glob = glob.slice(0, -1);
    if (glob === "") continue;
    let n = glob.split("/").length - 1;
    let prefix = target;
    for (let i = 0; i < target.length; i++) {
      if (target[i] === "/") {
        if (n === 0) {
          prefix = target.slice(0, i);
          break;
        }
        n--;
      }
    }
    if (n > 0) continue;
    if (pathMatch(glob, prefix) === true) return true;
  }
  return false;
}

/**
 * Go's `path.Match`: true, false, or undefined for a malformed pattern (Go's ErrBadPattern, which
 * MatchPrefixPatterns treats as no match).
 */
function pathMatch(pattern: string, name: string): boolean | undefined {
  const p = [...pattern];
  const s = [...name];
  const matchFrom = (pi: number, si: number): boolean | undefined => {
    while (pi < p.length) {
      const c = p[pi]!;
      if (c === "*") {
        while (p[pi] === "*") pi++;
        if (pi === p.length) return !s.slice(si).includes("/");
        for (let k = si; k <= s.length; k++) {
          const r = matchFrom(pi, k);
          if (r === undefined) return undefined;
          if (r) return true;
          if (s[k] === "/") break;
        }
        // A malformed rest of pattern must still be reported.
        return validPattern(p.slice(pi)) ? false : undefined;
      }
      if (si >= s.length) return validPattern(p.slice(pi)) ? false : undefined;
      const ch = s[si]!;
      if (c === "?") {
        if (ch === "/") return validPattern(p.slice(pi + 1)) ? false : undefined;
        pi++;
        si++;
        continue;
      }
      if (c === "[") {
        const cls = parseClass(p, pi + 1);
        if (cls === undefined) return undefined;
        if (ch === "/" || !cls.test(ch)) return validPattern(p.slice(cls.end)) ? false : undefined;
        pi = cls.end;
        si++;
        continue;
      }
      let lit = c;
      if (c === "\\") {
        if (pi + 1 >= p.length) return undefined;
        lit = p[pi + 1]!;
        pi++;
      }
      if (lit !== ch) return validPattern(p.slice(pi + 1)) ? false : undefined;
      pi++;
      si++;
    }
    return si === s.length;
  };
  return matchFrom(0, 0);
}

function validPattern(p: string[]): boolean {
  for (let i = 0; i < p.length; i++) {
    if (p[i] === "\\") {
      if (i + 1 >= p.length) return false;
      i++;
    } else if (p[i] === "[") {
      const cls = parseClass(p, i + 1);
      if (cls === undefined) return false;
      i = cls.end - 1;
    }
  }
  return true;
}

function parseClass(
  p: string[],
  start: number,
): { test: (c: string) => boolean; end: number } | undefined {
  let i = start;
  let negated = false;
  if (p[i] === "^") {
    negated = true;
    i++;
  }
  const ranges: [number, number][] = [];
  let first = true;
  for (;;) {
    if (i >= p.length) return undefined;
    if (p[i] === "]" && !first) {
      i++;
      break;
    }
    first = false;
    const lo = classChar(p, i);
    if (lo === undefined) return undefined;
    i = lo.next;
    let hi = lo.c;
    if (p[i] === "-") {
      const h = classChar(p, i + 1);
      if (h === undefined) return undefined;
      hi = h.c;
      i = h.next;
    }
    ranges.push([lo.c.codePointAt(0)!, hi.codePointAt(0)!]);
  }
  const test = (c: string) => {
    const cp = c.codePointAt(0)!;
    const inside = ranges.some(([lo, hi]) => lo <= cp && cp <= hi);
    return inside !== negated;
  };
  return { test, end: i };
}

function classChar(p: string[], i: number): { c: string; next: number } | undefined {
  const c = p[i];
  if (c === undefined || c === "-" || c === "]") return undefined;
  if (c === "\\") {
    const e = p[i + 1];
    return e === undefined ? undefined : { c: e, next: i + 2 };
  }
  return { c, next: i + 1 };
}

const PSEUDO_VERSION =
  /^v[0-9]+\.(0\.0-|\d+\.\d+-([^+]*\.)?0\.)\d{14}-[A-Za-z0-9]+(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

/** The layout of a pseudo-version's time stamp, UTC (module.go PseudoVersionTimestampFormat). */
export const PSEUDO_VERSION_TIMESTAMP_FORMAT = "20060102150405";

function formatTimestamp(t: Date): string {
  const p = (n: number, w: number) => String(n).padStart(w, "0");
  return `${p(t.getUTCFullYear(), 4)}${p(t.getUTCMonth() + 1, 2)}${p(t.getUTCDate(), 2)}${
    p(t.getUTCHours(), 2)
  }${p(t.getUTCMinutes(), 2)}${p(t.getUTCSeconds(), 2)}`;
}

function incDecimal(decimal: string): string {
  const digits = [...decimal];
  let i = digits.length - 1;
  for (; i >= 0 && digits[i] === "9"; i--) digits[i] = "0";
  if (i >= 0) digits[i] = String(Number(digits[i]) + 1);
  else {
    digits[0] = "1";
    digits.push("0");
  }
  return digits.join("");
}

function decDecimal(decimal: string): string {
  const digits = [...decimal];
  let i = digits.length - 1;
  for (; i >= 0 && digits[i] === "0"; i--) digits[i] = "9";
  if (i < 0) return "";
  if (i === 0 && digits[i] === "1" && digits.length > 1) return digits.slice(1).join("");
  digits[i] = String(Number(digits[i]) - 1);
  return digits.join("");
}

/**
 * Builds a pseudo-version for revision `rev` at time `t`, ordered just after `older` (the latest
 * tagged ancestor, or `""` for none, giving `<major>.0.0-<time>-<rev>`).
 *
 * Follows golang.org/x/mod/module PseudoVersion.
 *
 * @param major the major version (`""` means `v0`)
 * @param older the tagged version it follows, or `""`
 * @param t the commit time (formatted in UTC)
 * @param rev the revision identifier (12 hex digits for git)
 * @returns the pseudo-version
 *
 * @example
 * ```ts
 * import { pseudoVersion } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const t = new Date(Date.UTC(2006, 0, 2, 15, 4, 5));
 * assert.equal(pseudoVersion("", "", t, "abcdef123456"), "v0.0.0-20060102150405-abcdef123456");
 * assert.equal(pseudoVersion("v1", "v1.2.3", t, "abc"), "v1.2.4-0.20060102150405-abc");
 * ```
 */
export function pseudoVersion(major: string, older: string, t: Date, rev: string): string {
  if (major === "") major = "v0";
  const segment = `${formatTimestamp(t)}-${rev}`;
  const build = semverBuild(older);
  older = semverCanonical(older);
  if (older === "") return `${major}.0.0-${segment}`;
  if (semverPrerelease(older) !== "") return `${older}.0.${segment}${build}`;
  const i = older.lastIndexOf(".") + 1;
  return `${older.slice(0, i)}${incDecimal(older.slice(i))}-0.${segment}${build}`;
}

/**
 * The pseudo-version with a zero time and revision `000000000000` for a major version.
 *
 * Follows golang.org/x/mod/module ZeroPseudoVersion.
 *
 * @param major `v0`, `v2`, … (`""` means `v0`)
 * @returns the zero pseudo-version
 *
 * @example
 * ```ts
 * import { zeroPseudoVersion } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.equal(zeroPseudoVersion("v2"), "v2.0.0-00010101000000-000000000000");
 * ```
 */
export function zeroPseudoVersion(major: string): string {
  const zero = new Date(Date.UTC(2000, 0, 1));
  zero.setUTCFullYear(1);
  return pseudoVersion(major, "", zero, "000000000000");
}

/**
 * Whether `v` has the syntax of a pseudo-version.
 *
 * Follows golang.org/x/mod/module IsPseudoVersion.
 *
 * @param v the version
 * @returns true for a pseudo-version
 *
 * @example
 * ```ts
 * import { isPseudoVersion } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isPseudoVersion("v0.0.0-20191109021931-daa7c04131f5"), true);
 * assert.equal(isPseudoVersion("v1.2.3-pre"), false);
 * ```
 */
export function isPseudoVersion(v: string): boolean {
  return (v.split("-").length - 1) >= 2 && semverIsValid(v) && PSEUDO_VERSION.test(v);
}

/**
 * Whether `v` is the zero pseudo-version of its major version.
 *
 * Follows golang.org/x/mod/module IsZeroPseudoVersion.
 *
 * @param v the version
 * @returns true for `vN.0.0-00010101000000-000000000000`
 *
 * @example
 * ```ts
 * import { isZeroPseudoVersion } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isZeroPseudoVersion("v0.0.0-00010101000000-000000000000"), true);
 * ```
 */
export function isZeroPseudoVersion(v: string): boolean {
  return v === zeroPseudoVersion(semverMajor(v));
}

function invalidPseudo(v: string, why: string): MochiError {
  return new MochiError("GO_E002", `pseudo-version ${quoteValue(v)} invalid: ${why}`, {
    hint: "a pseudo-version is vX.Y.Z-yyyymmddhhmmss-<revision> or vX.Y.(Z+1)-0.<time>-<rev>",
  });
}

function parsePseudoVersion(
  v: string,
): { base: string; timestamp: string; rev: string; build: string } {
  if (!isPseudoVersion(v)) throw invalidPseudo(v, "syntax error");
  const build = semverBuild(v);
  let s = v.slice(0, v.length - build.length);
  const j = s.lastIndexOf("-");
  const rev = s.slice(j + 1);
  s = s.slice(0, j);
  const i = s.lastIndexOf("-");
  const dot = s.lastIndexOf(".");
  if (dot > i) return { base: s.slice(0, dot), timestamp: s.slice(dot + 1), rev, build };
  return { base: s.slice(0, i), timestamp: s.slice(i + 1), rev, build };
}

/**
 * The commit time a pseudo-version records (UTC).
 *
 * Follows golang.org/x/mod/module PseudoVersionTime.
 *
 * @param v the pseudo-version
 * @returns the time
 * @throws {MochiError} `GO_E002` when `v` is not a pseudo-version or its time is not a real date
 *
 * @example
 * ```ts
 * import { pseudoVersionTime } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   pseudoVersionTime("v1.2.4-0.20060102150405-hash").toISOString(),
 *   "2006-01-02T15:04:05.000Z",
 * );
 * ```
 */
export function pseudoVersionTime(v: string): Date {
  const { timestamp } = parsePseudoVersion(v);
  const n = (a: number, b: number) => Number(timestamp.slice(a, b));
  const [y, mo, d, h, mi, s] = [n(0, 4), n(4, 6), n(6, 8), n(8, 10), n(10, 12), n(12, 14)];
  const t = new Date(Date.UTC(2000, mo - 1, d, h, mi, s));
  t.setUTCFullYear(y);
  if (formatTimestamp(t) !== timestamp || mo < 1 || h > 23 || mi > 59 || s > 59) {
    throw invalidPseudo(v, `malformed time ${JSON.stringify(timestamp)}`);
  }
  return t;
}

/**
 * The revision identifier a pseudo-version records.
 *
 * Follows golang.org/x/mod/module PseudoVersionRev.
 *
 * @param v the pseudo-version
 * @returns the revision (`daa7c04131f5`)
 * @throws {MochiError} `GO_E002` when `v` is not a pseudo-version
 *
 * @example
 * ```ts
 * import { pseudoVersionRev } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.equal(pseudoVersionRev("v0.0.0-20191109021931-daa7c04131f5"), "daa7c04131f5");
 * ```
 */
export function pseudoVersionRev(v: string): string {
  return parsePseudoVersion(v).rev;
}

/**
 * The tagged version a pseudo-version follows (`""` when it follows none).
 *
 * Follows golang.org/x/mod/module PseudoVersionBase.
 *
 * @param v the pseudo-version
 * @returns the base version or `""`
 * @throws {MochiError} `GO_E002` when `v` is not a pseudo-version or its base is impossible
 *
 * @example
 * ```ts
 * import { pseudoVersionBase } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.equal(pseudoVersionBase("v1.2.4-0.20060102150405-hash"), "v1.2.3");
 * assert.equal(pseudoVersionBase("v1.3.0-pre.0.20060102150405-hash"), "v1.3.0-pre");
 * assert.equal(pseudoVersionBase("v0.0.0-20060102150405-hash"), "");
 * ```
 */
export function pseudoVersionBase(v: string): string {
  const parsed = parsePseudoVersion(v);
  let base = parsed.base;
  const { build } = parsed;
  const pre = semverPrerelease(base);
  if (pre === "") {
    if (build !== "") {
      throw invalidPseudo(v, `lacks base version, but has build metadata ${JSON.stringify(build)}`);
    }
    return "";
  }
  if (pre === "-0") {
    base = base.slice(0, base.length - pre.length);
    const i = base.lastIndexOf(".");
    const patch = decDecimal(base.slice(i + 1));
    if (patch === "") {
      throw invalidPseudo(v, `version before ${base} would have negative patch number`);
    }
    return base.slice(0, i + 1) + patch + build;
  }
  return base.slice(0, -".0".length) + build;
}
