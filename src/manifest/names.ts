/**
 * Package-name and capability-name rules used by the manifest and the lockfile.
 *
 * Names follow decisions.md §Names and versions: `@scope/name` or a bare `name`, each segment
 * `[a-z][a-z0-9_-]*`, scope ≤ 39 characters, name ≤ 64. Capabilities follow decisions.md
 * §Capabilities: the closed set of nine names, optionally scoped with `:` (`fs.read:/data`,
 * `net.dial:example.com:443`).
 *
 * @module
 */

/** The closed capability set (decisions.md §Capabilities), in the order the spec lists it. */
export const CAPABILITY_NAMES = [
  "fs.read",
  "fs.write",
  "net.dial",
  "net.listen",
  "env",
  "ffi",
  "clock",
  "random",
  "proc.spawn",
] as const;

/** Longest scope segment (without `@`), in characters. */
export const MAX_SCOPE_LENGTH = 39;
/** Longest name segment, in characters. */
export const MAX_NAME_LENGTH = 64;

const SEGMENT = /^[a-z][a-z0-9_-]*$/;

/**
 * Checks a package name against the naming rule.
 *
 * @param name e.g. `"@mochi/json"` or `"anyhow"`
 * @returns `undefined` when valid, else a one-line reason (`"scope \"@Foo\" must match
 *   [a-z][a-z0-9_-]*"`)
 */
export function packageNameProblem(name: string): string | undefined {
  if (name.length === 0) return "the name is empty";
  let scope: string | undefined;
  let bare = name;
  if (name.startsWith("@")) {
    const slash = name.indexOf("/");
    if (slash < 0) return 'a scoped name needs the form "@scope/name"';
    scope = name.slice(1, slash);
    bare = name.slice(slash + 1);
    if (!SEGMENT.test(scope)) {
      return `scope "@${scope}" must start with a-z and contain only a-z, 0-9, "_" and "-"`;
    }
    if (scope.length > MAX_SCOPE_LENGTH) {
      return `scope "@${scope}" is ${scope.length} characters; the limit is ${MAX_SCOPE_LENGTH}`;
    }
  }
  if (!SEGMENT.test(bare)) {
    return `name "${bare}" must start with a-z and contain only a-z, 0-9, "_" and "-"`;
  }
  if (bare.length > MAX_NAME_LENGTH) {
    return `name "${bare}" is ${bare.length} characters; the limit is ${MAX_NAME_LENGTH}`;
  }
  return undefined;
}

/**
 * Checks one capability entry: a name from {@link CAPABILITY_NAMES}, optionally followed by
 * `:` and a non-empty scope (`fs.read:/data`, `net.dial:example.com:443`).
 *
 * @param entry the capability string as written in the manifest
 * @returns `undefined` when valid, else `{ reason, closest }` where `closest` is the nearest
 *   valid capability name by edit distance
 */
export function capabilityProblem(
  entry: string,
): { reason: string; closest: string } | undefined {
  const colon = entry.indexOf(":");
  const base = colon < 0 ? entry : entry.slice(0, colon);
  if (!(CAPABILITY_NAMES as readonly string[]).includes(base)) {
    const closest = closestName(base, CAPABILITY_NAMES);
    return { reason: `unknown capability "${base}"`, closest };
  }
  if (colon >= 0 && colon === entry.length - 1) {
    return { reason: `capability "${entry}" has an empty scope after ":"`, closest: base };
  }
  return undefined;
}

/** The capability name without its `:` scope: `"net.dial:example.com:443"` → `"net.dial"`. */
export function capabilityBase(entry: string): string {
  const colon = entry.indexOf(":");
  return colon < 0 ? entry : entry.slice(0, colon);
}

/**
 * Levenshtein edit distance (insert, delete, substitute each cost 1).
 *
 * @param a first string
 * @param b second string
 * @returns the number of single-character edits turning `a` into `b`
 */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(
        prev[j] + 1,
        cur[j - 1] + 1,
        prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The candidate nearest to `word` by {@link editDistance}; ties go to the earlier candidate.
 *
 * @param word the misspelt word
 * @param candidates non-empty list of valid words
 * @returns one of `candidates`
 */
export function closestName(word: string, candidates: readonly string[]): string {
  let best = candidates[0];
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}
