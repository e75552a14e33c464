/**
 * `mochi tree [--depth N]`: show the locked dependency tree.
 *
 * @module
 */
import { MochiError } from "../../errors.ts";
import { readLockedProject } from "../../install/install.ts";
import { formatTree, lockGraph, memberGraph } from "../../install/graph.ts";
import { treeJson } from "../../install/graph_json.ts";
import { type CommandSpec, flag, stringOption } from "../command.ts";
import { projectDirOf, selectedMemberIds, WORKSPACE_OPTIONS } from "../common.ts";

/** `mochi tree`. */
export const command: CommandSpec = {
  description:
    "--depth 0 prints the project only, 1 its direct dependencies, and so on (cargo).\n" +
    "In a workspace: the member of this directory (else default-members), -p <member>, or\n" +
    "--workspace; members are marked with their directory.",
  options: {
    ...WORKSPACE_OPTIONS,
    depth: { type: "string", value: "N", help: "print N levels below the project" },
    json: { type: "boolean", help: "print JSON (docs/schemas/tree.schema.json)" },
  },
  async run(ctx) {
    const text = stringOption(ctx.values, "depth");
    const depth = text === undefined ? undefined : Number(text);
    if (depth !== undefined && !(/^\d+$/.test(text!) && Number.isSafeInteger(depth))) {
      throw new MochiError("CLI_E001", `--depth takes a whole number, got "${text}"`);
    }
    const projectDir = await projectDirOf(ctx);
    const project = await readLockedProject(projectDir, "run mochi install first");
    const full = lockGraph(project.manifest, project.lock);
    const members = selectedMemberIds(ctx, project, projectDir);
    const graph = members === undefined ? full : memberGraph(full, members);
    if (flag(ctx.values, "json")) {
      ctx.out.data(JSON.stringify(treeJson(graph, depth ?? Infinity)));
      return 0;
    }
    // Several members: one tree each, as cargo tree prints a workspace.
    const roots = members === undefined || members.length === 1
      ? [graph]
      : members.map((m) => memberGraph(full, [m]));
    roots.forEach((g, i) => {
      if (i > 0) ctx.out.data("");
      for (const l of formatTree(g, depth === undefined ? {} : { depth })) ctx.out.data(l);
    });
    return 0;
  },
};
