/**
 * Test assertions on top of `node:assert/strict` (no jsr:@std: the registry it comes from is not
 * reachable here).
 *
 * @module
 */
import nodeAssert from "node:assert/strict";

/** Asserts a truthy condition. */
export function assert(condition: unknown, message?: string): asserts condition {
  nodeAssert.ok(condition, message);
}

/** Asserts deep strict equality. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  nodeAssert.deepStrictEqual(actual, expected, message);
}

/** Asserts that `fn` throws an instance of `type`, and returns the error. */
export function assertThrows<E extends Error>(
  fn: () => unknown,
  type: new (...args: never[]) => E,
  message?: string,
): E {
  try {
    fn();
  } catch (e) {
    nodeAssert.ok(
      e instanceof type,
      `expected ${type.name}, got ${e}${message ? `: ${message}` : ""}`,
    );
    return e as E;
  }
  throw new nodeAssert.AssertionError({
    message: `expected ${type.name} to be thrown${message ? `: ${message}` : ""}`,
  });
}

/** Asserts that `fn` rejects with an instance of `type`, and returns the error. */
export async function assertRejects<E extends Error>(
  fn: () => Promise<unknown>,
  type: new (...args: never[]) => E,
  message?: string,
): Promise<E> {
  try {
    await fn();
  } catch (e) {
    nodeAssert.ok(
      e instanceof type,
      `expected ${type.name}, got ${e}${message ? `: ${message}` : ""}`,
    );
    return e as E;
  }
  throw new nodeAssert.AssertionError({
    message: `expected ${type.name} to reject${message ? `: ${message}` : ""}`,
  });
}
