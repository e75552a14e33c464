/**
 * `mochi init [--name N] [--lib]`: make the current directory a project.
 *
 * @module
 */
import { initProject, type InitReport } from "../../install/init.ts";
import { type CommandSpec, flag, stringOption } from "../command.ts";
import type { Output } from "../output.ts";

/** `mochi init`. */
export const command: CommandSpec = {
  description: "Writes mochi.toml (every required key, an empty [dependencies] table and a\n" +
    "commented [registry] table), a starter src/main.mochi (src/lib.mochi with --lib) when\n" +
    "there is no src/, and /target/ in .gitignore. Overwrites nothing.",
  options: {
    name: { type: "string", value: "NAME", help: "the package name (default: the directory's)" },
    lib: { type: "boolean", help: "a library: starter src/lib.mochi instead of src/main.mochi" },
  },
  async run(ctx) {
    const name = stringOption(ctx.values, "name");
    const r = await initProject({
      dir: ctx.cwd,
      lib: flag(ctx.values, "lib"),
      ...(name !== undefined ? { name } : {}),
    });
    printInit(ctx.out, r, ctx.cwd);
    return 0;
  },
};

/**
 * Prints what `init`/`new` wrote.
 *
 * @param out the printer
 * @param r the report
 * @param dir the project directory
 */
export function printInit(out: Output, r: InitReport, dir: string): void {
  out.info(`Created package ${r.name} in ${dir}: ${r.created.join(", ")}`);
  if (r.gitignoreUpdated) out.info("Added /target/ to .gitignore");
  out.info("Next: set [registry] default in mochi.toml (or MOCHI_REGISTRY), then mochi add <pkg>");
}
