/**
 * The capability model: the closed set (read from `capabilities/set.json`), scoped entries
 * (`fs.read:/data`, `net.dial:example.com:443`, `env:HOME`, `proc.spawn:git`), and the rule
 * deciding when one entry covers another (a pin covering a requirement).
 *
 * Follows README.md §Capabilities (the set is `capabilities/set.json`). Pure: no I/O.
 *
 * @module
 */
import SET from "../../capabilities/set.json" with { type: "json" };
import { MochiError } from "../errors.ts";
import { closestName } from "../edit_distance.ts";
import { normaliseScope, pathCovers, type ScopeKind, scopeProblem } from "./scope.ts";

/** A capability name from the closed set. */
export type CapabilityName =
  | "fs.read"
  | "fs.write"
  | "net.dial"
  | "net.listen"
  | "env"
  | "ffi"
  | "clock"
  | "random"
  | "proc.spawn";

export type { ScopeKind };

/** One capability of the closed set, as `capabilities/set.json` describes it. */
export interface CapabilityInfo {
  /** The capability name. */
  readonly name: CapabilityName;
  /** What a scope names, or `null` when the capability cannot be scoped. */
  readonly scope: ScopeKind;
  /** One line: what the capability lets code do. */
  readonly summary: string;
}

/** A parsed capability entry: a name and an optional scope. */
export interface Capability {
  /** The capability name. */
  readonly name: CapabilityName;
  /**
   * The scope after the first `:` (a path, `host[:port]`, a variable name, a program), or
   * undefined.
   */
  readonly scope?: string;
}

const TABLE = SET.capabilities as Record<string, { scope: string | null; summary: string }>;

/** The closed capability set, in the order `capabilities/set.json` lists it. */
export const CAPABILITY_NAMES: readonly CapabilityName[] = Object.keys(TABLE) as CapabilityName[];

/** Each capability of the closed set with its scope kind and summary. */
export const CAPABILITIES: ReadonlyMap<CapabilityName, CapabilityInfo> = new Map(
  CAPABILITY_NAMES.map((name) => [
    name,
    { name, scope: TABLE[name]!.scope as ScopeKind, summary: TABLE[name]!.summary },
  ]),
);

/** Capabilities whose addition in a minor release `audit capabilities --suspicious` flags. */
export const SUSPICIOUS_ON_MINOR: readonly CapabilityName[] = SET
  .suspicious_on_minor as CapabilityName[];

/**
 * Whether `name` is in the closed set.
 *
 * @param name a capability name without scope
 */
export function isCapabilityName(name: string): name is CapabilityName {
  return CAPABILITIES.has(name as CapabilityName);
}

/** The capability name without its `:` scope: `"net.dial:example.com:443"` → `"net.dial"`. */
export function capabilityBase(entry: string): string {
  const colon = entry.indexOf(":");
  return colon < 0 ? entry : entry.slice(0, colon);
}

/**
 * Checks one capability entry: a name from the closed set, optionally followed by `:` and a
 * scope in the grammar of the capability's scope kind (see `scope.ts`: paths without `..`,
 * `host[:port]`, variable names, program names; no shell or control characters); `clock` and
 * `random` take no scope. Every entry point (manifest, lock, index record, publish API) calls
 * this before an entry is used.
 *
 * @param entry the capability text as written (`"fs.read:/data"`)
 * @returns `undefined` when valid, else `{ reason, closest }`: for an unknown name, `closest` is
 *   the nearest valid capability name by edit distance; for a bad scope it is absent
 */
export function capabilityProblem(
  entry: string,
): { reason: string; closest?: string } | undefined {
  const base = capabilityBase(entry);
  if (!isCapabilityName(base)) {
    return {
      reason: `unknown capability ${JSON.stringify(base.slice(0, 80))}`,
      closest: closestName(base, CAPABILITY_NAMES),
    };
  }
  if (base.length < entry.length) {
    const scope = entry.slice(base.length + 1);
    const kind = CAPABILITIES.get(base)!.scope;
    if (scope.length === 0) {
      return { reason: `capability "${base}:" has an empty scope after ":"` };
    }
    if (kind === null) {
      return { reason: `capability "${base}" takes no scope` };
    }
    const problem = scopeProblem(kind, scope);
    if (problem !== undefined) return { reason: `capability "${base}": ${problem}` };
  }
  return undefined;
}

/** `; did you mean "x"?` for a problem that has a closest name, else nothing. */
export function didYouMean(problem: { closest?: string }): string {
  return problem.closest === undefined ? "" : `; did you mean "${problem.closest}"?`;
}

/**
 * Parses one capability entry.
 *
 * @param entry `name` or `name:scope`
 * @returns the parsed {@link Capability}
 * @throws {MochiError} CAP_E003 when the name is not in the closed set (the message names the
 *   closest valid name) or the scope is empty, not allowed, or outside its kind's grammar
 */
export function parseCapability(entry: string): Capability {
  const problem = capabilityProblem(entry);
  if (problem !== undefined) {
    throw new MochiError("CAP_E003", `${problem.reason}${didYouMean(problem)}`, {
      hint: `capabilities are ${CAPABILITY_NAMES.join(", ")}, optionally scoped with ":"`,
    });
  }
  const base = capabilityBase(entry) as CapabilityName;
  return base.length < entry.length ? { name: base, scope: entry.slice(base.length + 1) } : {
    name: base,
  };
}

/**
 * Writes a capability back as text.
 *
 * @param cap a parsed capability
 * @returns `name` or `name:scope`
 */
export function formatCapability(cap: Capability): string {
  return cap.scope === undefined ? cap.name : `${cap.name}:${cap.scope}`;
}

/**
 * An entry in normal form: the scope through `normaliseScope` (`"fs.read:data/"` →
 * `"fs.read:./data"`), the same grant spelled one way.
 *
 * @param entry a valid capability entry
 * @returns the entry in normal form
 * @throws {MochiError} CAP_E003 when the entry is not valid
 */
export function normaliseCapability(entry: string): string {
  const cap = parseCapability(entry);
  if (cap.scope === undefined) return cap.name;
  return `${cap.name}:${normaliseScope(CAPABILITIES.get(cap.name)!.scope!, cap.scope)}`;
}

function splitHostPort(s: string): { host: string; port?: string } {
  if (s.startsWith("[")) {
    const end = s.indexOf("]");
    const host = s.slice(0, end + 1);
    const rest = s.slice(end + 1);
    return rest.startsWith(":") ? { host, port: rest.slice(1) } : { host };
  }
  const colon = s.lastIndexOf(":");
  if (colon < 0 || s.indexOf(":") !== colon) return { host: s };
  return { host: s.slice(0, colon), port: s.slice(colon + 1) };
}

/**
 * Whether the scope `outer` covers the scope `inner` for a scope kind, both compared in normal
 * form (`normaliseScope`; scopes are valid, so no path holds `..`):
 * - `path`: equal, or `inner` lies under the directory `outer`, segment by segment;
 * - `host-port`: the hosts are equal (or `outer` is `*.domain` and `inner` a subdomain) and
 *   `outer` names no port or the same port;
 * - `variable`: equal, or `outer` ends in `*` and `inner` starts with the rest (Deno's
 *   `AWS_*` form);
 * - `program`: equal.
 *
 * @param kind the scope kind of the capability
 * @param outer the wider scope (a pin, a previous release)
 * @param inner the scope that must fit inside
 * @returns false as well when either scope is outside its kind's grammar: nothing invalid is
 *   ever covered, and nothing invalid covers
 */
export function scopeCovers(kind: ScopeKind, outer: string, inner: string): boolean {
  if (kind === null) return false;
  if (scopeProblem(kind, outer) !== undefined || scopeProblem(kind, inner) !== undefined) {
    return false;
  }
  if (outer === inner) return true;
  switch (kind) {
    case "path":
      return pathCovers(outer, inner);
    case "program":
      return normaliseScope(kind, outer) === normaliseScope(kind, inner);
    case "host-port": {
      const o = splitHostPort(outer), i = splitHostPort(inner);
      const hostOk = o.host === i.host ||
        (o.host.startsWith("*.") && i.host.endsWith(o.host.slice(1)));
      return hostOk && (o.port === undefined || o.port === i.port);
    }
    case "variable":
      return outer.endsWith("*") && inner.startsWith(outer.slice(0, -1));
    default:
      return false;
  }
}

/**
 * Whether the entry `outer` covers the entry `inner`: same name, and `outer` has no scope, or
 * both have scopes and {@link scopeCovers} holds. An unscoped `inner` is covered only by an
 * unscoped `outer`.
 *
 * @param outer e.g. a consumer pin entry `"fs.read"`
 * @param inner e.g. a required entry `"fs.read:/data"`
 * @throws {MochiError} CAP_E003 when either entry is not a valid capability
 */
export function capabilityCovers(outer: string, inner: string): boolean {
  const o = parseCapability(outer), i = parseCapability(inner);
  if (o.name !== i.name) return false;
  if (o.scope === undefined) return true;
  if (i.scope === undefined) return false;
  return scopeCovers(CAPABILITIES.get(o.name)!.scope, o.scope, i.scope);
}

/**
 * The entries of `needed` that no entry of `allowed` covers, in the order of `needed`,
 * without duplicates.
 *
 * @param needed capabilities a package requires
 * @param allowed capabilities a pin (or a previous release) allows
 * @returns the excess, `[]` when `allowed` covers all of `needed`
 * @throws {MochiError} CAP_E003 on an invalid entry
 */
export function capabilitiesNotCovered(
  needed: readonly string[],
  allowed: readonly string[],
): string[] {
  const out: string[] = [];
  for (const n of needed) {
    if (out.includes(n)) continue;
    if (!allowed.some((a) => capabilityCovers(a, n))) out.push(n);
  }
  return out;
}

/**
 * Sorted, de-duplicated list of entries (UTF-16 code unit order), the form locks and index
 * records use.
 *
 * @param entries capability entries
 */
export function sortCapabilities(entries: Iterable<string>): string[] {
  return [...new Set(entries)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
