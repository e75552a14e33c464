/**
 * Lowering to the other targets, each from its table in `capabilities/`: Python
 * (`mochi_caps.json` for the `mochi_runtime.caps` audit hook), Wasm (the WASI preview1 imports
 * a module may be linked with) and Node/Bun (documentation only: nothing is enforced, and the
 * file says so). A capability a target cannot honour is an error at lowering time (CAP_E004),
 * never a silent gap. Pure: no I/O.
 *
 * @module
 */
import PYTHON from "../../capabilities/lowering-python.json" with { type: "json" };
import WASM from "../../capabilities/lowering-wasm.json" with { type: "json" };
import NODE from "../../capabilities/lowering-node.json" with { type: "json" };
import BUN from "../../capabilities/lowering-bun.json" with { type: "json" };
import { MochiError } from "../errors.ts";
import { closestName } from "../edit_distance.ts";
import { parseCapability, sortCapabilities } from "../capability/mod.ts";
import { type DenoLowering, lowerToDeno } from "./deno.ts";

/** Every lowering target. */
export const LOWERING_TARGETS = ["deno", "python", "wasm", "node", "bun"] as const;

/** One lowering target. */
export type LoweringTarget = typeof LOWERING_TARGETS[number];

/** A file a non-Deno lowering writes, and what it says. */
export interface TargetLowering {
  /** The target. */
  readonly target: Exclude<LoweringTarget, "deno">;
  /** File name to write in the project directory. */
  readonly file: string;
  /** The file's JSON content. */
  readonly content: Record<string, unknown>;
  /** Whether the target enforces anything at all. */
  readonly enforced: boolean;
}

interface Row {
  enforced?: boolean;
  hooks?: string[];
  imports?: string[] | null;
  reason?: string;
  note?: string;
}
const TABLES: Record<Exclude<LoweringTarget, "deno">, { output: string; capabilities: unknown }> = {
  python: PYTHON,
  wasm: WASM,
  node: NODE,
  bun: BUN,
};

/**
 * Checks a target name.
 *
 * @param name the `--target` value
 * @returns the target
 * @throws {MochiError} CAP_E009 naming the closest target when unknown
 */
export function parseLoweringTarget(name: string): LoweringTarget {
  if ((LOWERING_TARGETS as readonly string[]).includes(name)) return name as LoweringTarget;
  throw new MochiError(
    "CAP_E009",
    `unknown lowering target "${name}"; did you mean "${closestName(name, LOWERING_TARGETS)}"?`,
    { hint: `targets are ${LOWERING_TARGETS.join(", ")}` },
  );
}

/**
 * Lowers a capability set for a non-Deno target.
 *
 * - `python`: `mochi_caps.json` = `{ package, version, capabilities, hooks }` where `hooks` maps
 *   each capability to the calls `mochi_runtime.caps` intercepts (audit-grade, not a sandbox).
 * - `wasm`: `mochi.wasm-imports.json` = `{ package, version, capabilities, imports }`, the sorted
 *   WASI preview1 imports the module may be linked with. `net.dial`, `ffi` and `proc.spawn` have
 *   no WASI preview1 import: CAP_E004.
 * - `node`, `bun`: `mochi.caps.json` = `{ package, version, required, enforced: false, note }`.
 *
 * @param target a target other than `deno`
 * @param pkg the package name and version written into the file
 * @param capabilities the capability entries
 * @returns the file to write
 * @throws {MochiError} CAP_E004 when the target cannot honour a capability (every one is
 *   named, with the table's reason); CAP_E003 on an unknown capability
 */
export function lowerToTarget(
  target: Exclude<LoweringTarget, "deno">,
  pkg: { name: string; version: string },
  capabilities: readonly string[],
): TargetLowering {
  const caps = sortCapabilities(capabilities);
  const table = TABLES[target];
  const rows = table.capabilities as Record<string, Row>;
  const cannot: string[] = [];
  for (const entry of caps) {
    const row = rows[parseCapability(entry).name]!;
    if (target === "wasm" && row!.imports === null) cannot.push(`"${entry}" (${row.reason})`);
  }
  if (cannot.length > 0) {
    throw new MochiError(
      "CAP_E004",
      `target ${target} cannot honour ${cannot.join(", ")}`,
      { hint: `drop the capability from ${pkg.name}'s dependency graph, or choose another target` },
    );
  }
  const base = { package: pkg.name, version: pkg.version };
  if (target === "python") {
    const hooks: Record<string, string[]> = Object.create(null);
    for (const entry of caps) hooks[entry] = rows[parseCapability(entry).name]!.hooks ?? [];
    return {
      target,
      file: table.output,
      enforced: true,
      content: { ...base, capabilities: caps, hooks, mode: "audit-hook (not a sandbox)" },
    };
  }
  if (target === "wasm") {
    const imports = new Set<string>();
    for (const entry of caps) {
      for (const i of rows[parseCapability(entry).name]!.imports ?? []) imports.add(i);
    }
    return {
      target,
      file: table.output,
      enforced: true,
      content: { ...base, capabilities: caps, imports: [...imports].sort() },
    };
  }
  return {
    target,
    file: table.output,
    enforced: false,
    content: {
      ...base,
      required: caps,
      enforced: false,
      note: `${target} does not enforce mochi capabilities; this file documents them only`,
    },
  };
}

/** Either lowering, by target. */
export type Lowering =
  | { readonly target: "deno"; readonly deno: DenoLowering }
  | { readonly target: Exclude<LoweringTarget, "deno">; readonly file: TargetLowering };

/**
 * Lowers for any target.
 *
 * @param target the target
 * @param pkg package name and version (for the non-Deno files)
 * @param capabilities capability entries
 * @returns the lowering
 * @throws {MochiError} as {@link lowerToDeno} and {@link lowerToTarget}
 */
export function lower(
  target: LoweringTarget,
  pkg: { name: string; version: string },
  capabilities: readonly string[],
): Lowering {
  return target === "deno"
    ? { target, deno: lowerToDeno(capabilities) }
    : { target, file: lowerToTarget(target, pkg, capabilities) };
}
