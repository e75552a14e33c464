/**
 * Version queries of the Go bridge: what `[targets.go.ffi]` and `import go "<module>@<query>"`
 * lines may ask for, with cmd/go's meanings (`go help module-queries`, cmd/go/internal/modload
 * query.go): an exact canonical version (`v1.6.0`), `latest`, a version prefix (`v1`, `v1.2`), or
 * one comparison (`<v1.2.3`, `<=…`, `>…`, `>=…`; `<`/`<=` pick the highest match, `>`/`>=` the
 * lowest, as cmd/go picks the version closest to the comparison target). Branch names and commit
 * hashes need a version control system and are refused.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { checkPath } from "./module.ts";
import { semverCompare, semverPrerelease } from "./semver.ts";

/** A parsed version query. */
export type GoQuery =
  | { kind: "exact"; version: string }
  | { kind: "latest" }
  | { kind: "prefix"; prefix: string }
  | { kind: "compare"; op: "<" | "<=" | ">" | ">="; version: string };

/** A canonical Go semantic version, `+incompatible` allowed (golang.org/x/mod/semver). */
const CANONICAL =
  /^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?(\+incompatible)?$/;
const PREFIX = /^v(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?$/;
const MAX_QUERY = 128;

/**
 * Whether `version` is a canonical Go version (`vMAJOR.MINOR.PATCH`, an optional pre-release, an
 * optional `+incompatible`; no other build metadata), as `go.sum` and the module proxy use.
 *
 * @param version any text
 * @returns true when canonical
 * @example
 * ```ts
 * import { isCanonicalGoVersion } from "@mochi/pkg/go";
 * if (!isCanonicalGoVersion("v2.0.0+incompatible") || isCanonicalGoVersion("v1.2")) {
 *   throw new Error("unexpected");
 * }
 * ```
 */
export function isCanonicalGoVersion(version: string): boolean {
  return version.length <= MAX_QUERY && CANONICAL.test(version);
}

/**
 * Parses a version query.
 *
 * @param text the query (`v1.6.0`, `latest`, `v1`, `>=v1.2.0`)
 * @returns the query, or a reason string when it is not one this bridge answers
 * @example
 * ```ts
 * import { parseGoQuery } from "@mochi/pkg/go";
 * const q = parseGoQuery(">=v1.2.0");
 * if (typeof q === "string" || q.kind !== "compare" || q.op !== ">=") throw new Error("bad");
 * ```
 */
export function parseGoQuery(text: string): GoQuery | string {
  if (text.length === 0) return "the query is empty";
  if (text.length > MAX_QUERY) return `the query is longer than ${MAX_QUERY} characters`;
  if (text === "latest") return { kind: "latest" };
  if (isCanonicalGoVersion(text)) return { kind: "exact", version: text };
  if (PREFIX.test(text)) return { kind: "prefix", prefix: text };
  const m = /^(<=|>=|<|>)(.*)$/.exec(text);
  if (m !== null) {
    if (!isCanonicalGoVersion(m[2]!)) {
      return `"${m[2]}" after "${m[1]}" is not a canonical version like v1.2.3`;
    }
    return { kind: "compare", op: m[1] as "<" | "<=" | ">" | ">=", version: m[2]! };
  }
  if (text === "upgrade" || text === "patch") {
    return `"${text}" needs the version already required; write "latest" or a version`;
  }
  return "not a version (v1.2.3), a prefix (v1, v1.2), a comparison (>=v1.2.0) or latest; " +
    "branches and commits need a version control system, which mochi does not run";
}

/**
 * Why `path` is not a module path mochi accepts in a manifest, an import line or a lock, or
 * undefined when it is: golang.org/x/mod/module's `CheckPath` ({@link checkPath}), whose message
 * this returns.
 *
 * @param path the module path
 * @returns the reason, or undefined
 * @example
 * ```ts
 * import { modulePathProblem } from "@mochi/pkg/go";
 * if (modulePathProblem("github.com/google/uuid") !== undefined) throw new Error("valid");
 * if (modulePathProblem("../x") === undefined) throw new Error("invalid");
 * ```
 */
export function modulePathProblem(path: string): string | undefined {
  try {
    checkPath(path);
    return undefined;
  } catch (e) {
    if (e instanceof MochiError) return e.message;
    throw e;
  }
}

/**
 * The version a query selects from a module's versions, as cmd/go's `modload.Query` does for
 * tagged versions: `latest` is the highest release that is not retracted, else the highest
 * pre-release; a prefix `v1`/`v1.2` the highest such release (pre-releases when there is none);
 * `<`/`<=` the highest matching, `>`/`>=` the lowest matching release (pre-releases only when no
 * release matches); an exact version itself, listed or not (the proxy is asked for it).
 *
 * @param query a parsed query
 * @param versions the module's versions (any order; `+incompatible` ones included)
 * @param retracted whether a version is retracted (skipped by every query but an exact one)
 * @returns the version, or undefined when none matches
 * @example
 * ```ts
 * import { parseGoQuery, selectGoVersion } from "@mochi/pkg/go";
 * const q = parseGoQuery("v1");
 * if (typeof q === "string") throw new Error(q);
 * if (selectGoVersion(q, ["v1.0.0", "v1.2.0", "v2.0.0"]) !== "v1.2.0") throw new Error();
 * ```
 */
export function selectGoVersion(
  query: GoQuery,
  versions: readonly string[],
  retracted: (v: string) => boolean = () => false,
): string | undefined {
  if (query.kind === "exact") return query.version;
  const ok = versions.filter((v) => isCanonicalGoVersion(v) && !retracted(v));
  const matches = ok.filter((v) => {
    if (query.kind === "latest") return true;
    if (query.kind === "prefix") {
      return v === query.prefix || v.startsWith(`${query.prefix}.`) ||
        v.startsWith(`${query.prefix}-`);
    }
    const c = semverCompare(v, query.version);
    return query.op === "<"
      ? c < 0
      : query.op === "<="
      ? c <= 0
      : query.op === ">"
      ? c > 0
      : c >= 0;
  });
  const releases = matches.filter((v) => semverPrerelease(v) === "");
  const pool = releases.length > 0 ? releases : matches;
  if (pool.length === 0) return undefined;
  const sorted = [...pool].sort(semverCompare);
  const lowest = query.kind === "compare" && (query.op === ">" || query.op === ">=");
  return lowest ? sorted[0] : sorted[sorted.length - 1];
}
