/**
 * `mochi run <entry> [-- args]`: deno run an entry with exactly the lowered permissions.
 *
 * @module
 */
import { denoRunPlan, runProject } from "../../install/capabilities.ts";
import { type CommandSpec, flag } from "../command.ts";
import { mochiHomeOf, projectDirOf } from "../common.ts";

/** `mochi run`. */
export const command: CommandSpec = {
  operands: "<entry> [-- program arguments]",
  minArgs: 1,
  maxArgs: Infinity,
  description: "Runs deno with the lowered flags, --no-prompt, no remote imports and sys denied.",
  options: { isolate: { type: "boolean", help: "add --unstable-worker-options" } },
  async run(ctx) {
    const projectDir = await projectDirOf(ctx);
    const entry = ctx.args[0]!;
    const args = [...ctx.args.slice(1), ...ctx.programArgs];
    const isolate = flag(ctx.values, "isolate");
    if (ctx.out.verbose) {
      const plan = await denoRunPlan({ projectDir, entry, args, isolate });
      ctx.out.detail(`deno ${plan.args.join(" ")}`);
    }
    return await runProject({ projectDir, entry, args, isolate, mochiHome: mochiHomeOf(ctx) });
  },
};
