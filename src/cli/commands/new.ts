/**
 * `mochi new <dir> [--name N] [--lib]`: create a directory and make it a project.
 *
 * @module
 */
import { resolve } from "node:path";
import { newProject } from "../../install/init.ts";
import { type CommandSpec, flag, stringOption } from "../command.ts";
import { printInit } from "./init.ts";

/** `mochi new`. */
export const command: CommandSpec = {
  operands: "<dir>",
  minArgs: 1,
  maxArgs: 1,
  description: "As mochi init, in a new directory (refused when it exists and is not empty).",
  options: {
    name: { type: "string", value: "NAME", help: "the package name (default: the directory's)" },
    lib: { type: "boolean", help: "a library: starter src/lib.mochi instead of src/main.mochi" },
  },
  async run(ctx) {
    const name = stringOption(ctx.values, "name");
    const dir = resolve(ctx.cwd, ctx.args[0]!);
    const r = await newProject({
      dir,
      lib: flag(ctx.values, "lib"),
      ...(name !== undefined ? { name } : {}),
    });
    printInit(ctx.out, r, dir);
    return 0;
  },
};
