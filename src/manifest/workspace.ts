/**
 * Workspace rules that need no file system (the cargo book, "Workspaces" and "The
 * `[workspace.dependencies]` table"): the member-glob grammar, which `[package]` keys a member
 * may inherit, and how an inherited dependency entry merges with the member's own keys.
 *
 * @module
 */
import { normalize } from "node:path";
import type { Dependency } from "./types.ts";

/**
 * The `[package]` keys a member may write as `key.workspace = true` (cargo's inheritable set,
 * in mochi's keys; `name` is never inherited).
 */
export const INHERITABLE_PACKAGE_KEYS = [
  "version",
  "edition",
  "mochi",
  "description",
  "license",
  "readme",
  "repository",
  "homepage",
  "authors",
  "keywords",
  "categories",
  "include",
  "exclude",
] as const;

/** The keys of `[workspace]` (unknown ones are warnings with a did-you-mean). */
export const WORKSPACE_KEYS = [
  "members",
  "exclude",
  "default-members",
  "package",
  "dependencies",
  "resolver",
  "default-target",
  "allow-multi-version",
  "targets",
  "audit",
] as const;

/** The keys a member's `x = { workspace = true, … }` entry may add to the inherited one. */
export const WORKSPACE_DEPENDENCY_OVERRIDES = [
  "workspace",
  "features",
  "optional",
  "default-features",
  "capabilities",
] as const;

/**
 * Why a `members`, `exclude` or `default-members` entry is refused, or undefined: it must be a
 * relative path inside the root (no absolute path, no `..`, no backslash, no empty segment but a
 * trailing `/`), in the glob grammar of {@link globSegmentMatches}.
 *
 * @param pattern the entry as written
 * @returns a reason, or undefined when it is acceptable
 *
 * @example
 * ```ts
 * import { memberPatternProblem } from "@mochi/pkg/manifest";
 * import { equal as assertEquals } from "node:assert/strict";
 * assertEquals(memberPatternProblem("crates/*"), undefined);
 * assertEquals(memberPatternProblem("../elsewhere"), "it leaves the workspace root (..)");
 * ```
 */
export function memberPatternProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return "it is empty";
  if (pattern.length > 1024) return "it is longer than 1024 characters";
  if (pattern.startsWith("/") || /^[A-Za-z]:/.test(pattern)) return "it is an absolute path";
  if (pattern.includes("\\")) return "it uses \\ (write / between directories)";
  if ([...pattern].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
    return "it holds a control character";
  }
  const segments = pattern.replace(/\/$/, "").split("/");
  if (segments.includes("..")) return "it leaves the workspace root (..)";
  if (segments.some((s) => s === "")) return "it has an empty path segment (//)";
  for (const s of segments) {
    if (s.includes("**") && s !== "**") return `"**" must be a whole path segment (in "${s}")`;
    let depth = 0;
    for (const ch of s) {
      if (ch === "[") depth++;
      else if (ch === "]") depth = Math.max(0, depth - 1);
    }
    if (depth !== 0) return `an unclosed "[" in "${s}"`;
  }
  return undefined;
}

/**
 * Whether one path segment matches one glob segment (the `glob` crate's grammar that cargo uses
 * for `members`): `*` any run of characters, `?` one character, `[abc]`, `[a-z]`, `[!a]`; other
 * characters match themselves. A name starting with `.` is matched only by a pattern starting
 * with `.`.
 *
 * @param pattern one segment of a member pattern (not `**`)
 * @param name one directory name
 * @returns whether it matches
 *
 * @example
 * ```ts
 * import { globSegmentMatches } from "@mochi/pkg/manifest";
 * import { ok as assert } from "node:assert/strict";
 * assert(globSegmentMatches("app-*", "app-web"));
 * assert(!globSegmentMatches("*", ".git"));
 * ```
 */
export function globSegmentMatches(pattern: string, name: string): boolean {
  if (name.startsWith(".") && !pattern.startsWith(".")) return false;
  const re = new RegExp(`^${globToRegExpSource(pattern)}$`, "u");
  return re.test(name);
}

/**
 * Whether a segment has a glob character (`*`, `?`, `[`).
 *
 * @param segment one path segment
 * @returns true when it must be matched against a directory listing
 */
export function isGlobSegment(segment: string): boolean {
  return /[*?[]/.test(segment);
}

function globToRegExpSource(p: string): string {
  let out = "";
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]!;
    if (ch === "*") out += "[^/]*";
    else if (ch === "?") out += "[^/]";
    else if (ch === "[") {
      const end = p.indexOf("]", i + 2);
      if (end < 0) {
        out += "\\[";
        continue;
      }
      let body = p.slice(i + 1, end);
      const negate = body.startsWith("!");
      if (negate) body = body.slice(1);
      out += `[${negate ? "^" : ""}${body.replace(/[\\\]^]/g, "\\$&")}]`;
      i = end;
    } else out += ch.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return out;
}

/**
 * Whether a member directory (relative to the root, `/` separators) matches a whole pattern:
 * segment by segment with {@link globSegmentMatches}; `**` matches any number of segments.
 *
 * @param pattern a `members` / `exclude` entry
 * @param dir a directory relative to the root
 * @returns whether it matches
 *
 * @example
 * ```ts
 * import { memberPatternMatches } from "@mochi/pkg/manifest";
 * import { ok as assert } from "node:assert/strict";
 * assert(memberPatternMatches("crates/*", "crates/core"));
 * assert(memberPatternMatches("libs/**", "libs/a/b"));
 * assert(!memberPatternMatches("crates/*", "crates/core/inner"));
 * ```
 */
export function memberPatternMatches(pattern: string, dir: string): boolean {
  const ps = pattern.replace(/\/$/, "").split("/").filter((s) => s !== ".");
  const ds = dir.replace(/\/$/, "").split("/").filter((s) => s !== "." && s !== "");
  const go = (i: number, j: number): boolean => {
    if (i === ps.length) return j === ds.length;
    if (ps[i] === "**") {
      for (let k = j; k <= ds.length; k++) if (go(i + 1, k)) return true;
      return false;
    }
    return j < ds.length && globSegmentMatches(ps[i]!, ds[j]!) && go(i + 1, j + 1);
  };
  return go(0, 0);
}

/**
 * A member's `x = { workspace = true, … }` entry merged with the root's
 * `[workspace.dependencies]` entry, as cargo merges them: the version, registry, path and git
 * come from the root (a `path` rebased from the root to the member); `features` are the union;
 * `optional` is the member's; `default-features` is true when either side says so (cargo: a
 * member cannot turn off what the root turned on); the capability pin is the member's when it
 * gives one, else the root's.
 *
 * @param member the member's entry (its `workspace` is true)
 * @param inherited the root's entry of the same name
 * @param memberToRoot the root relative to the member (`".."`), for a `path`
 * @returns the merged entry, without `workspace`
 *
 * @example
 * ```ts
 * import { inheritDependency } from "@mochi/pkg/manifest";
 * import { deepEqual as assertEquals } from "node:assert/strict";
 * const base = { optional: false, defaultFeatures: true, versionGiven: true };
 * const merged = inheritDependency(
 *   { ...base, name: "json", requirement: "*", versionGiven: false, features: ["b"], workspace: true },
 *   { ...base, name: "json", requirement: "^1.2", features: ["a"] },
 *   "..",
 * );
 * assertEquals([merged.requirement, merged.features], ["^1.2", ["a", "b"]]);
 * ```
 */
export function inheritDependency(
  member: Dependency,
  inherited: Dependency,
  memberToRoot: string,
): Dependency {
  const out: Dependency = {
    name: member.name,
    requirement: inherited.requirement,
    versionGiven: inherited.versionGiven,
    optional: member.optional,
    features: [...new Set([...inherited.features, ...member.features])],
    defaultFeatures: inherited.defaultFeatures || member.defaultFeatures,
  };
  const caps = member.capabilities ?? inherited.capabilities;
  if (caps !== undefined) out.capabilities = [...caps];
  if (inherited.registry !== undefined) out.registry = inherited.registry;
  if (inherited.path !== undefined) {
    out.path = normalize(`${memberToRoot}/${inherited.path}`).replace(/\/$/, "");
  }
  if (inherited.git !== undefined) out.git = { ...inherited.git };
  return out;
}
