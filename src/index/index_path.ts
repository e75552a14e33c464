/**
 * Package-name validation and the index path rule.
 *
 * Names follow npm's scoped-package shape; the path follows cargo's index bucket rule (the cargo
 * book, "Registry Index", "Index files"), with the scope as an extra segment.
 *
 * @module
 */
import { MochiError } from "../errors.ts";

import { MAX_NAME_LENGTH, MAX_SCOPE_LENGTH, packageNameProblem } from "../manifest/names.ts";

export { MAX_NAME_LENGTH, MAX_SCOPE_LENGTH };

/**
 * Checks a package name: `@scope/name` or a bare `name`, each segment `[a-z][a-z0-9_-]*`,
 * scope ≤ {@link MAX_SCOPE_LENGTH} characters, name ≤ {@link MAX_NAME_LENGTH}.
 *
 * @param name e.g. `"@mochi/strings"` or `"datalog"`
 * @returns nothing; returns normally when the name is valid
 * @throws {MochiError} `MANIFEST_E003` naming the name and what is wrong, with a hint
 *
 * @example
 * ```ts
 * import { validatePackageName } from "@mochi/pkg/registry";
 * import assert from "node:assert/strict";
 *
 * validatePackageName("@mochi/strings"); // ok
 * assert.throws(() => validatePackageName("@Mochi/x"), { code: "MANIFEST_E003" });
 * ```
 */
export function validatePackageName(name: string): void {
  const problem = packageNameProblem(name);
  if (problem !== undefined) {
    throw new MochiError("MANIFEST_E003", `invalid package name "${name}": ${problem}`, {
      hint: 'use "@scope/name" or "name"; each part starts with a-z and holds only a-z, 0-9, ' +
        `"_" and "-" (scope ≤ ${MAX_SCOPE_LENGTH}, name ≤ ${MAX_NAME_LENGTH} characters)`,
    });
  }
}

/**
 * The index file path of a package, relative to the index root (no leading `/`):
 * `<bucket>/<scope or ->/<name>`, all lowercased. The bucket comes from the bare name (without
 * scope): 4+ characters → `n[0:2]/n[2:4]`; 2–3 → `n[0:2]/n[0:2]`; 1 → `n/-`.
 *
 * Follows cargo's index path rule (the cargo book, "Registry Index").
 *
 * @param name package name, `@scope/name` or bare; case is folded before validation
 * @returns e.g. `"st/ri/mochi/strings"` for `@mochi/strings`, `"da/ta/-/datalog"` for
 *   `datalog`, `"x/-/-/x"` for `x`, `"ab/ab/-/ab"` for `ab`
 * @throws {MochiError} `MANIFEST_E003` when the (lowercased) name is not a valid package name
 *
 * @example
 * ```ts
 * import { indexPath } from "@mochi/pkg/registry";
 * import assert from "node:assert/strict";
 *
 * assert.equal(indexPath("@mochi/strings"), "st/ri/mochi/strings");
 * assert.equal(indexPath("x"), "x/-/-/x");
 * ```
 */
export function indexPath(name: string): string {
  const lower = typeof name === "string" ? name.toLowerCase() : name;
  validatePackageName(lower);
  let scope = "-";
  let bare = lower;
  if (lower.startsWith("@")) {
    const slash = lower.indexOf("/");
    scope = lower.slice(1, slash);
    bare = lower.slice(slash + 1);
  }
  let bucket: string;
  if (bare.length >= 4) bucket = `${bare.slice(0, 2)}/${bare.slice(2, 4)}`;
  else if (bare.length >= 2) bucket = `${bare.slice(0, 2)}/${bare.slice(0, 2)}`;
  else bucket = `${bare}/-`;
  return `${bucket}/${scope}/${bare}`;
}
