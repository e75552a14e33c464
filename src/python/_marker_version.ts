/**
 * Version comparison inside markers (`packaging.markers._eval_op`): the operator and the
 * right-hand side make a specifier, which is asked whether it contains the left-hand side with
 * pre-releases allowed.
 *
 * @module
 */
import { Specifier } from "./specifiers.ts";

/**
 * `lhs op rhs` as PEP 440 versions, or undefined when `op rhs` is not a valid specifier (the
 * caller then compares strings).
 *
 * @param lhs the left-hand value (a version, or not)
 * @param op the operator
 * @param rhs the right-hand value
 * @returns the comparison, false when `lhs` is not a version, undefined when `op rhs` is not a
 *   specifier
 */
export function markerVersionCompare(lhs: string, op: string, rhs: string): boolean | undefined {
  let spec: Specifier;
  try {
    spec = new Specifier(op + rhs);
  } catch {
    return undefined;
  }
  return spec.contains(lhs, { prereleases: true });
}
