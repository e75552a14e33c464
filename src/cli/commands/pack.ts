/**
 * `mochi pack`: write a reproducible `.tar.zst` of the package.
 *
 * @module
 */
import { packToDir } from "../../publish/client/pack.ts";
import { sourceDateEpoch } from "../../store/archive.ts";
import { type CommandSpec, flag, stringOption } from "../command.ts";
import { projectDirOf } from "../common.ts";

/** `mochi pack`. */
export const command: CommandSpec = {
  description: "The archive's mtime is SOURCE_DATE_EPOCH (default 0).",
  options: {
    out: { type: "string", value: "DIR", help: "where to write it (default target/package/)" },
    "verify-reproducible": { type: "boolean", help: "pack twice and compare the bytes" },
  },
  async run(ctx) {
    const { out } = ctx;
    const projectDir = await projectDirOf(ctx);
    const r = await packToDir({
      projectDir,
      outDir: stringOption(ctx.values, "out") ?? `${projectDir}/target/package`,
      mtimeSeconds: sourceDateEpoch(ctx.env.SOURCE_DATE_EPOCH),
      verifyReproducible: flag(ctx.values, "verify-reproducible"),
    });
    for (const f of r.files) out.detail(`  ${f}`);
    out.info(
      `Packed ${r.manifest.package.name} ${r.manifest.package.version}: ${r.files.length} files, ${r.archive.length} bytes${
        r.reproducible ? " (reproducible: two packs are byte-identical)" : ""
      }`,
    );
    out.info(`  blake3 ${r.digest.blake3}`);
    out.info(`  sha256 ${r.digest.sha256}`);
    out.info(`Wrote ${r.path}`);
    return 0;
  },
};
