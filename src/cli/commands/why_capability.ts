/**
 * `mochi why-capability <cap>`: list the locked packages that require a capability.
 *
 * @module
 */
import { readLockedProject } from "../../install/install.ts";
import { formatWhyCapability, whyCapability } from "../../capability/why.ts";
import type { CommandSpec } from "../command.ts";
import { projectDirOf } from "../common.ts";

/** `mochi why-capability`. */
export const command: CommandSpec = {
  operands: "<capability>",
  minArgs: 1,
  maxArgs: 1,
  description: "Example: mochi why-capability net.dial",
  options: {},
  async run(ctx) {
    const projectDir = await projectDirOf(ctx);
    const project = await readLockedProject(projectDir);
    const cap = ctx.args[0]!;
    for (const l of formatWhyCapability(cap!, whyCapability(project.lock.packages, cap))) {
      ctx.out.data(l);
    }
    return 0;
  },
};
