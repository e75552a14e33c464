/**
 * Package-name rules used by the manifest and the lockfile.
 *
 * Names follow npm's scoped-package shape (docs.npmjs.com, "scope"): `@scope/name` or a bare
 * `name`, each segment `[a-z][a-z0-9_-]*`, scope ≤ 39 characters, name ≤ 64. Capability names live
 * in `src/capability` (data in `capabilities/set.json`); they are re-exported here for the manifest
 * parser's callers.
 *
 * @module
 */

export { CAPABILITY_NAMES, capabilityBase, capabilityProblem } from "../capability/model.ts";
export { closestName, editDistance } from "../edit_distance.ts";

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
