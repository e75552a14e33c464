/**
 * `mochi why <package>`: show every path by which a package enters the graph.
 *
 * @module
 */
import { readLockedProject } from "../../install/install.ts";
import { formatWhy, lockGraph, memberGraph } from "../../install/graph.ts";
import { whyJson } from "../../install/graph_json.ts";
import { type CommandSpec, flag } from "../command.ts";
import { projectDirOf, selectedMemberIds, WORKSPACE_OPTIONS } from "../common.ts";

/** `mochi why`. */
export const command: CommandSpec = {
  operands: "<package>",
  minArgs: 1,
  maxArgs: 1,
  description: "In a workspace the paths end at the members (all of them unless -p is given).",
  options: {
    json: { type: "boolean", help: "print JSON (docs/schemas/why.schema.json)" },
    ...WORKSPACE_OPTIONS,
  },
  async run(ctx) {
    const projectDir = await projectDirOf(ctx);
    const project = await readLockedProject(projectDir, "run mochi install first");
    const full = lockGraph(project.manifest, project.lock);
    // Every member unless -p names some: a path may start at any of them.
    const members = ctx.values.package === undefined && project.workspace !== undefined
      ? project.workspace.members.map((m) => `${m.name} ${m.version}`)
      : selectedMemberIds(ctx, project, projectDir);
    const graph = members === undefined ? full : memberGraph(full, members);
    if (flag(ctx.values, "json")) {
      ctx.out.data(JSON.stringify(whyJson(graph, ctx.args[0]!)));
      return 0;
    }
    for (const l of formatWhy(graph, ctx.args[0]!)) ctx.out.data(l);
    return 0;
  },
};
