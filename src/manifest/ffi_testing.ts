/**
 * Test helper for the `[targets.<lang>.ffi]` manifest tests (Go, Python): a valid `[package]`
 * head to append tables to, and the error a manifest text is refused with. Plain throws, not
 * `node:assert`: a `_testing.ts` file lives in its core room, which imports nothing that does I/O.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { parseManifest } from "./parse.ts";

/** A valid `[package]` table, the start of every manifest these tests parse. */
export const HEAD = `[package]
name = "app"
version = "1.0.0"
edition = "2026"
mochi = ">=0.7, <1.0"
`;

/**
 * The error `parseManifest` refuses a manifest text with; fails the test when it does not throw
 * or throws something other than a `MochiError`.
 */
export function errorOf(text: string): MochiError {
  try {
    parseManifest(text, "mochi.toml");
  } catch (e) {
    if (e instanceof MochiError) return e;
    throw new Error(`expected MochiError, got ${e}`, { cause: e });
  }
  throw new Error("expected parseManifest to throw");
}
