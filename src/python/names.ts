/**
 * Python project names: PEP 503 normalisation (`Foo.Bar_baz` → `foo-bar-baz`), the PEP 508 name
 * rule, and PEP 685 extra names (normalised the same way).
 *
 * Follows `packaging.utils.canonicalize_name` and the name regular expression of PEP 508
 * ("Names").
 *
 * @module
 */

const NAME_RE = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;

/** The longest project or extra name accepted (PyPI's own limit is far below it). */
export const MAX_PYTHON_NAME_LENGTH = 200;

/**
 * Whether `name` is a valid project (or extra) name under PEP 508: ASCII letters and digits,
 * with `.`, `_` and `-` inside, at most {@link MAX_PYTHON_NAME_LENGTH} characters.
 *
 * @param name the name as written
 * @returns true when valid
 *
 * @example
 * ```ts
 * import { isValidPythonName } from "@mochi/pkg/python";
 * if (!isValidPythonName("zope.interface") || isValidPythonName("-bad")) throw new Error();
 * ```
 */
export function isValidPythonName(name: string): boolean {
  return name.length <= MAX_PYTHON_NAME_LENGTH && NAME_RE.test(name);
}

/**
 * The PEP 503 normal form of a project name: lowercase, each run of `-`, `_`, `.` becomes one
 * `-` (`packaging.utils.canonicalize_name`). PEP 685 normalises extra names the same way.
 *
 * @param name a project or extra name
 * @returns the normalised name
 *
 * @example
 * ```ts
 * import { normalizePythonName } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * assert.equal(normalizePythonName("Foo.Bar__baz"), "foo-bar-baz");
 * ```
 */
export function normalizePythonName(name: string): string {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}
