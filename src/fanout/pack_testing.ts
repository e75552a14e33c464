/**
 * Test helper for the fan-out packers' tests (Maven, PyPI): a refusal assertion, and a package
 * built from a `mochi.toml` text and one target's compiler output. Plain throws, not `node:assert`:
 * a `_testing.ts` file lives in its core room, which imports nothing that does I/O.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { parseManifest } from "../manifest/parse.ts";
import type { FanoutTargetName } from "../manifest/types.ts";
import { buildFanoutPackage } from "./build.ts";
import type { Ecosystem, FanoutFile, FanoutPackage } from "./types.ts";

/** Asserts that packing is refused with `code`, and that its message or hint matches `re`. */
export async function assertRefused(
  pack: () => Promise<unknown>,
  code: string,
  re: RegExp,
): Promise<void> {
  try {
    await pack();
  } catch (e) {
    if (!(e instanceof MochiError)) throw new Error(String(e), { cause: e });
    const said = `${e.message} ${e.hint ?? ""}`;
    if (e.code !== code) throw new Error(`expected ${code}, got ${e.code}: ${said}`);
    if (!re.test(said)) throw new Error(`expected ${said} to match ${re}`);
    return;
  }
  throw new Error(`expected packing to be refused with ${code}`);
}

/** The `[package]` table the "from mochi.toml" tests start with (`@acme/greet 2.0.0-beta.3`). */
export const ACME_PACKAGE = `[package]
name = "@acme/greet"
version = "2.0.0-beta.3"
edition = "2026"
mochi = ">=0.7"
description = "Greets"
license = "Apache-2.0"
`;

/**
 * The fan-out package `buildFanoutPackage` makes from a manifest text, one target's compiler
 * output and the locked capabilities; no overrides, no Mochi dependencies.
 */
export function builtFromManifest(
  text: string,
  ecosystem: Ecosystem,
  target: FanoutTargetName,
  files: FanoutFile[],
  capabilities: string[] = [],
): FanoutPackage {
  const { manifest } = parseManifest(text);
  return buildFanoutPackage({
    manifest,
    capabilities,
    outputs: new Map([[target, files]]),
    overrideFiles: new Map(),
    dependencyManifests: new Map(),
  }, ecosystem);
}
