/**
 * `mochi targets`: what each fan-out target will produce, decided in memory (nothing written):
 * per ecosystem its name, mapped version, output folder and the artifacts its packer makes, or
 * why it cannot be packed yet.
 *
 * @module
 */
import { MochiError } from "../../errors.ts";
import { planFanoutPack, readFanoutProject, selectEcosystems } from "../../install/fanout.ts";
import { targetOf } from "../../fanout/names.ts";
import { readManifest } from "../../install/project.ts";
import type { CommandSpec } from "../command.ts";
import { mochiHomeOf, projectDirOf } from "../common.ts";

/** `mochi targets`. */
export const command: CommandSpec = {
  description: "Targets are the [targets.<t>] tables of mochi.toml that opt into fan-out\n" +
    "(typescript: npm and jsr, python: pypi, jvm: maven, dotnet: nuget, rust: crates,\n" +
    "beam: hex, swift: swiftpm). Nothing is written; `mochi pack --target all` writes.",
  options: {},
  async run(ctx) {
    const { out } = ctx;
    const dir = await projectDirOf(ctx);
    const { manifest } = await readManifest(dir);
    if (manifest.fanoutTargets === undefined) {
      out.info(`${manifest.package.name} opts into no fan-out target`);
      out.note('add one to mochi.toml, e.g. [targets.typescript] out = "target/ts"');
      return 0;
    }
    let failed = 0;
    for (const ecosystem of selectEcosystems(["all"], manifest)) {
      const t = targetOf(ecosystem);
      const table = manifest.fanoutTargets.get(t)!;
      try {
        const project = await readFanoutProject(dir, {
          mochiHome: mochiHomeOf(ctx),
          targets: [t],
        });
        const plan = await planFanoutPack(dir, project, [ecosystem]);
        const pkg = plan.entries[0]?.pkg;
        if (pkg === undefined) {
          out.data(
            `${ecosystem.padEnd(8)} [targets.${t}] out ${table.out}: no packer in this mochi yet`,
          );
          continue;
        }
        const id = pkg.group === undefined ? pkg.name : `${pkg.group}:${pkg.name}`;
        out.data(
          `${
            ecosystem.padEnd(8)
          } ${id} ${pkg.version} from ${table.out} (${pkg.files.length} files)` +
            ` → target/fanout/${ecosystem}/`,
        );
        for (const a of plan.entries[0]!.artifacts) {
          out.data(`         ${a.fileName} ${a.sizeBytes} bytes sha256:${a.sha256}`);
        }
      } catch (e) {
        if (!(e instanceof MochiError)) throw e;
        failed++;
        out.data(`${ecosystem.padEnd(8)} [targets.${t}] cannot be packed: ${e.code} ${e.message}`);
        if (e.hint !== undefined) out.detail(`         help: ${e.hint}`);
      }
    }
    return failed > 0 ? 1 : 0;
  },
};
