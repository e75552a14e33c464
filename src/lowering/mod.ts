/**
 * Lowering: a project's capability set → what each target enforces or records. Deno gets a
 * permission set, explicit flags and a deno.json merge; Python, Wasm, Node and Bun get a file
 * from their table in `capabilities/`.
 *
 * @module
 */
import type { Manifest } from "../manifest/types.ts";
import type { Lockfile } from "../lockfile/types.ts";
import { requiredWithFeatures, sortCapabilities } from "../capability/mod.ts";
import type { DenoLowering } from "./deno.ts";

export type { CapabilityName } from "../capability/model.ts";
export {
  DENO_PERMISSIONS,
  DENO_RUN_FLAGS,
  type DenoJsonMergeOptions,
  type DenoLowering,
  type DenoPermission,
  type DenoPermissionSet,
  lowerToDeno,
  mergeDenoJson,
  withReadAccess,
  workerPermissions,
} from "./deno.ts";
export {
  lower,
  type Lowering,
  LOWERING_TARGETS,
  type LoweringTarget,
  lowerToTarget,
  parseLoweringTarget,
  type TargetLowering,
} from "./targets.ts";

/**
 * The capabilities a project's program runs with: the root manifest's `[capabilities]
 * required`, the `optional_features` of the features its `default` feature turns on
 * (transitively), and every locked package's capabilities.
 *
 * @param manifest the root manifest
 * @param lock its lockfile
 * @returns sorted, de-duplicated entries
 */
export function projectCapabilities(manifest: Manifest, lock: Lockfile): string[] {
  const enabled = new Set<string>();
  const visit = (feature: string) => {
    if (enabled.has(feature)) return;
    enabled.add(feature);
    if (Object.hasOwn(manifest.features, feature)) {
      for (const entry of manifest.features[feature]!) if (!entry.includes("/")) visit(entry);
    }
  };
  visit("default");
  return sortCapabilities([
    ...requiredWithFeatures(manifest.capabilities, [...enabled]),
    ...lock.packages.flatMap((p) => p.capabilities),
  ]);
}

/**
 * The `deno run` arguments for an entry module: exactly the lowered flags (grant, then
 * `--no-prompt --no-remote --deny-sys --deny-import`), the entry, then the program's arguments.
 *
 * @param lowering the Deno lowering
 * @param entry entry module path or URL
 * @param programArgs arguments for the program
 * @param options `isolate` adds `--unstable-worker-options` (per-package Workers)
 * @returns the argument list after `deno`
 */
export function denoRunArgs(
  lowering: DenoLowering,
  entry: string,
  programArgs: readonly string[] = [],
  options: { isolate?: boolean } = {},
): string[] {
  return [
    "run",
    ...lowering.flags,
    ...(options.isolate ? ["--unstable-worker-options"] : []),
    entry,
    ...programArgs,
  ];
}

/**
 * The `deno compile` arguments: the same flags baked into the binary, `--output`, the entry.
 * Explicit flags mean the project's `compile.permissions` is not loaded (Deno reads it only
 * with `-P`).
 *
 * @param lowering the Deno lowering
 * @param entry entry module
 * @param output path of the executable to write
 * @returns the argument list after `deno`
 */
export function denoCompileArgs(lowering: DenoLowering, entry: string, output: string): string[] {
  return ["compile", ...lowering.flags, "--output", output, entry];
}
