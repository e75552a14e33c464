/**
 * `mochi compile <entry> [--output F]`: deno compile with the lowered permissions baked in.
 *
 * @module
 */
import { compileProject } from "../../install/capabilities.ts";
import { type CommandSpec, stringOption } from "../command.ts";
import { mochiHomeOf, projectDirOf } from "../common.ts";

/** `mochi compile`. */
export const command: CommandSpec = {
  operands: "<entry>",
  minArgs: 1,
  maxArgs: 1,
  description: "Exit 3 when Deno cannot download its runtime.",
  options: { output: { type: "string", value: "FILE", help: "the executable to write" } },
  async run(ctx) {
    const output = stringOption(ctx.values, "output");
    const r = await compileProject({
      projectDir: await projectDirOf(ctx),
      entry: ctx.args[0]!,
      mochiHome: mochiHomeOf(ctx),
      ...(output ? { output } : {}),
    });
    ctx.out.info(`Compiled ${ctx.args[0]} to ${r.output} with: deno ${r.args.join(" ")}`);
    return 0;
  },
};
