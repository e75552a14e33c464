/**
 * `mochi why <package>`: show every path by which a package enters the graph.
 *
 * @module
 */
import { MochiError } from "../../errors.ts";
import { readProject } from "../../install/install.ts";
import { formatWhy, lockGraph } from "../../install/graph.ts";
import type { CommandSpec } from "../command.ts";
import { projectDirOf } from "../common.ts";

/** `mochi why`. */
export const command: CommandSpec = {
  operands: "<package>",
  minArgs: 1,
  maxArgs: 1,
  options: {},
  async run(ctx) {
    const projectDir = await projectDirOf(ctx);
    const project = await readProject(projectDir);
    if (!project.lock) {
      throw new MochiError("LOCK_E005", `no mochi.lock in ${projectDir}`, {
        hint: "run mochi install first",
      });
    }
    const graph = lockGraph(project.manifest, project.lock);
    for (const l of formatWhy(graph, ctx.args[0])) ctx.out.data(l);
    return 0;
  },
};
