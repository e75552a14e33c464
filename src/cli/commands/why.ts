/**
 * `mochi why <package>`: show every path by which a package enters the graph.
 *
 * @module
 */
import { MochiError } from "../../errors.ts";
import { readProject } from "../../install/install.ts";
import { formatWhy, lockGraph } from "../../install/graph.ts";
import { whyJson } from "../../install/graph_json.ts";
import { type CommandSpec, flag } from "../command.ts";
import { projectDirOf } from "../common.ts";

/** `mochi why`. */
export const command: CommandSpec = {
  operands: "<package>",
  minArgs: 1,
  maxArgs: 1,
  options: { json: { type: "boolean", help: "print JSON (docs/schemas/why.schema.json)" } },
  async run(ctx) {
    const projectDir = await projectDirOf(ctx);
    const project = await readProject(projectDir);
    if (!project.lock) {
      throw new MochiError("LOCK_E005", `no mochi.lock in ${projectDir}`, {
        hint: "run mochi install first",
      });
    }
    const graph = lockGraph(project.manifest, project.lock);
    if (flag(ctx.values, "json")) {
      ctx.out.data(JSON.stringify(whyJson(graph, ctx.args[0]!)));
      return 0;
    }
    for (const l of formatWhy(graph, ctx.args[0]!)) ctx.out.data(l);
    return 0;
  },
};
