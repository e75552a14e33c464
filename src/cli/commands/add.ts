/**
 * `mochi add <pkg>[@req]`: add a dependency to `mochi.toml`.
 *
 * @module
 */
import { addDependency } from "../../install/add.ts";
import type { CommandSpec } from "../command.ts";
import { installOptions } from "../common.ts";

/** `mochi add`. */
export const command: CommandSpec = {
  operands: "<pkg>[@req]",
  minArgs: 1,
  maxArgs: 1,
  description: "Warns about names that look like an existing or popular package.\n" +
    "Examples: mochi add serde · mochi add serde@1.0 · mochi add @mochi/strings@^1",
  options: { offline: { type: "boolean", help: "never touch the network" } },
  async run(ctx) {
    const { out } = ctx;
    const r = await addDependency({ ...(await installOptions(ctx)), spec: ctx.args[0] });
    for (const w of r.warnings) {
      out.warn(`${w.message}; check that you meant "${r.name}"`, "NAME_E001");
    }
    out.info(
      `${
        r.replaced ? "Updated" : "Added"
      } ${r.name} = "${r.requirement}" in ${r.manifestPath} (from ${r.registry})`,
    );
    return 0;
  },
};
