/**
 * `mochi pack`: write a reproducible `.tar.zst` of the package; with `--target`, the fan-out
 * artifacts of each selected ecosystem into `target/fanout/<ecosystem>/` (decided in memory
 * first, then each folder replaced whole).
 *
 * @module
 */
import { type PackResult, packToDir } from "../../publish/client/pack.ts";
import { openWorkspace } from "../../install/project.ts";
import { planWorkspacePublish, selectMembers } from "../../install/workspace.ts";
import { sourceDateEpoch } from "../../store/archive.ts";
import { type CommandSpec, flag, stringOption, stringsOption } from "../command.ts";
import { mochiHomeOf, projectDirOf } from "../common.ts";
import type { CommandContext } from "../command.ts";

/** `mochi pack`. */
export const command: CommandSpec = {
  description: "The archive's mtime is SOURCE_DATE_EPOCH (default 0).\n" +
    "--target npm|jsr|pypi|maven|nuget|crates|hex|swiftpm|all (repeatable) packs the compiler's\n" +
    "output for each ecosystem instead, into target/fanout/<ecosystem>/.",
  options: {
    target: {
      type: "string",
      multiple: true,
      value: "ECOSYSTEM",
      help: "pack for an ecosystem (npm, jsr, pypi, maven, nuget, crates, hex, swiftpm or all)",
    },
    out: { type: "string", value: "DIR", help: "where to write it (default target/package/)" },
    "verify-reproducible": { type: "boolean", help: "pack twice and compare the bytes" },
  },
  async run(ctx) {
    const projectDir = await projectDirOf(ctx);
    const targets = stringsOption(ctx.values, "target");
    if (targets.length > 0) return await packTargets(ctx, projectDir, targets);
    // In a workspace, the member of this directory is packed with the manifest it is published
    // with (inherited values written out, no path sources), as `mochi publish` uploads it.
    const ws = await openWorkspace(projectDir);
    const plan = ws === undefined
      ? [{ dir: projectDir, manifestText: undefined }]
      : (await planWorkspacePublish(ws, selectMembers(ws, { cwd: projectDir }))).map((p) => ({
        dir: p.member.dir,
        manifestText: p.manifestText,
      }));
    for (const p of plan) {
      packed(
        ctx,
        await packToDir({
          projectDir: p.dir,
          outDir: stringOption(ctx.values, "out") ?? `${p.dir}/target/package`,
          mtimeSeconds: sourceDateEpoch(ctx.env.SOURCE_DATE_EPOCH),
          verifyReproducible: flag(ctx.values, "verify-reproducible"),
          ...(p.manifestText !== undefined ? { manifestText: p.manifestText } : {}),
        }),
      );
    }
    return 0;
  },
};

/** Prints what {@link packToDir} wrote. */
function packed(ctx: CommandContext, r: PackResult): void {
  const { out } = ctx;
  for (const f of r.files) out.detail(`  ${f}`);
  out.info(
    `Packed ${r.manifest.package.name} ${r.manifest.package.version}: ${r.files.length} files, ${r.archive.length} bytes${
      r.reproducible ? " (reproducible: two packs are byte-identical)" : ""
    }`,
  );
  out.info(`  blake3 ${r.digest.blake3}`);
  out.info(`  sha256 ${r.digest.sha256}`);
  out.info(`Wrote ${r.path}`);
}

async function packTargets(
  ctx: CommandContext,
  projectDir: string,
  targets: string[],
): Promise<number> {
  const { out } = ctx;
  const fanout = await import("../../install/fanout.ts");
  const { manifest } = await (await import("../../install/project.ts")).readManifest(projectDir);
  const ecosystems = fanout.selectEcosystems(targets, manifest);
  const { targetOf } = await import("../../fanout/names.ts");
  const project = await fanout.readFanoutProject(projectDir, {
    mochiHome: mochiHomeOf(ctx),
    targets: [...new Set(ecosystems.map(targetOf))],
  });
  const plan = await fanout.planFanoutPack(projectDir, project, ecosystems);
  const explicit = !targets.includes("all");
  if (explicit && plan.missingPackers.length > 0) {
    const { MochiError } = await import("../../errors.ts");
    throw new MochiError(
      "FANOUT_E011",
      `this mochi has no packer for ${plan.missingPackers.join(", ")} yet`,
      { hint: "pack the other targets, or use --target all to skip those without a packer" },
    );
  }
  await fanout.executeFanoutPack(plan);
  for (const e of plan.entries) {
    const id = e.pkg.group === undefined ? e.pkg.name : `${e.pkg.group}:${e.pkg.name}`;
    out.info(`Packed ${e.ecosystem} ${id} ${e.pkg.version} into target/fanout/${e.ecosystem}/`);
    for (const a of e.artifacts) {
      out.info(`  ${a.fileName} ${a.sizeBytes} bytes sha256:${a.sha256}`);
    }
  }
  for (const m of plan.missingPackers) {
    out.warn(`skipped ${m}: this mochi has no packer for it yet`);
  }
  return 0;
}
