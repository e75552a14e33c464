/**
 * `mochi lower --target <t>`: lower the locked capabilities to a runtime's permissions.
 *
 * @module
 */
import { lowerProject } from "../../install/capabilities.ts";
import { DENO_PERMISSIONS } from "../../lowering/deno.ts";
import { parseLoweringTarget } from "../../lowering/targets.ts";
import { type CommandSpec, stringOption } from "../command.ts";
import { projectDirOf } from "../common.ts";

/** `mochi lower`. */
export const command: CommandSpec = {
  description:
    "deno merges permissions, compile.permissions and tasks.start into deno.json; python, wasm,\n" +
    "node and bun write their file in the project directory.",
  options: {
    target: { type: "string", value: "T", help: "deno (default), python, wasm, node or bun" },
    entry: {
      type: "string",
      value: "FILE",
      help: "entry module for tasks.start (default main.ts)",
    },
  },
  async run(ctx) {
    const { out } = ctx;
    const target = parseLoweringTarget(stringOption(ctx.values, "target") ?? "deno");
    const entry = stringOption(ctx.values, "entry");
    const r = await lowerProject({
      projectDir: await projectDirOf(ctx),
      target,
      ...(entry ? { entry } : {}),
    });
    out.info(`Wrote ${r.file} (${target}, ${r.capabilities.length} capabilities)`);
    if (r.deno) {
      for (const p of DENO_PERMISSIONS) {
        const v = r.deno.permissions[p];
        out.info(`  ${p.padEnd(6)} ${Array.isArray(v) ? v.join(", ") : v ? "all" : "denied"}`);
      }
      for (const c of r.deno.unenforced) {
        out.info(`  note: ${c} is declared but not enforced: Deno has no permission for it`);
      }
      for (const n of r.deno.notes) out.detail(`  note: ${n}`);
    } else if (!r.enforced) {
      out.info(`  note: ${target} does not enforce capabilities; the file documents them only`);
    }
    return 0;
  },
};
