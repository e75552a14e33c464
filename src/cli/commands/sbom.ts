/**
 * `mochi sbom --format cyclonedx|spdx [--output F]`: the project's software bill of materials from
 * `mochi.lock` (CycloneDX 1.6 JSON or SPDX 3.0.1 JSON-LD), byte-reproducible.
 *
 * @module
 */
import { MochiError } from "../../errors.ts";
import { readLockedProject } from "../../install/install.ts";
import { storeLicenses } from "../../install/sbom_licenses.ts";
import { toCycloneDx } from "../../sbom/cyclonedx.ts";
import { sbomModel } from "../../sbom/model.ts";
import { spdxCreated, toSpdx } from "../../sbom/spdx.ts";
import { writeFileAtomic } from "../../store/fs/fs_atomic.ts";
// The package's own version (cli.ts's VERSION is not importable here: cli.ts loads this module).
import config from "../../../deno.json" with { type: "json" };
import { type CommandSpec, stringOption } from "../command.ts";
import { mochiHomeOf, projectDirOf } from "../common.ts";

/** `mochi sbom`. */
export const command: CommandSpec = {
  description: [
    "Writes every locked package, crate, Go module and Python wheel with its version, package URL,",
    "digests, licence (Mochi packages and crates the store holds), publisher identity, capabilities and",
    "dependency edges. The same mochi.lock and licences give the same bytes: identifiers derive",
    "from the lock's SHA-256 and the licences (so a licence found after mochi install or mochi",
    "fetch gives a new serial number); SPDX's creation time is SOURCE_DATE_EPOCH, else 1970-01-01.",
    "Example: mochi sbom --format spdx --output sbom.spdx.json",
  ].join("\n"),
  options: {
    format: {
      type: "string",
      value: "FORMAT",
      help: "cyclonedx (CycloneDX 1.6 JSON, the default) or spdx (SPDX 3.0.1 JSON-LD)",
    },
    output: { type: "string", short: "o", value: "FILE", help: "write to FILE (default stdout)" },
  },
  async run(ctx) {
    const format = stringOption(ctx.values, "format") ?? "cyclonedx";
    if (format !== "cyclonedx" && format !== "spdx") {
      throw new MochiError("CLI_E001", `--format takes cyclonedx or spdx, got "${format}"`, {
        hint: "mochi sbom --format cyclonedx (or spdx)",
      });
    }
    const projectDir = await projectDirOf(ctx);
    const project = await readLockedProject(projectDir);
    const licenses = await storeLicenses(mochiHomeOf(ctx), project.lock);
    const model = sbomModel(project.manifest, project.lock, project.lockText, licenses);
    const tool = { name: "mochi pkg", version: config.version };
    const text = format === "cyclonedx"
      ? toCycloneDx(model, tool)
      : toSpdx(model, tool, spdxCreated(ctx.env.SOURCE_DATE_EPOCH));
    const output = stringOption(ctx.values, "output");
    if (output === undefined) {
      for (const line of text.replace(/\n$/, "").split("\n")) ctx.out.data(line);
      return 0;
    }
    const path = output.startsWith("/") ? output : `${ctx.cwd}/${output}`;
    await writeFileAtomic(path, new TextEncoder().encode(text));
    ctx.out.note(
      `wrote ${format === "cyclonedx" ? "CycloneDX 1.6" : "SPDX 3.0.1"} SBOM to ${output}`,
    );
    return 0;
  },
};
