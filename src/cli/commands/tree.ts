/**
 * `mochi tree [--depth N]`: show the locked dependency tree.
 *
 * @module
 */
import { MochiError } from "../../errors.ts";
import { readProject } from "../../install/install.ts";
import { formatTree, lockGraph } from "../../install/graph.ts";
import { treeJson } from "../../install/graph_json.ts";
import { type CommandSpec, flag, stringOption } from "../command.ts";
import { projectDirOf } from "../common.ts";

/** `mochi tree`. */
export const command: CommandSpec = {
  description: "--depth 0 prints the project only, 1 its direct dependencies, and so on (cargo).",
  options: {
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
    const project = await readProject(projectDir);
    if (!project.lock) {
      throw new MochiError("LOCK_E005", `no mochi.lock in ${projectDir}`, {
        hint: "run mochi install first",
      });
    }
    const graph = lockGraph(project.manifest, project.lock);
    if (flag(ctx.values, "json")) {
      ctx.out.data(JSON.stringify(treeJson(graph, depth ?? Infinity)));
      return 0;
    }
    for (const l of formatTree(graph, depth === undefined ? {} : { depth })) ctx.out.data(l);
    return 0;
  },
};
