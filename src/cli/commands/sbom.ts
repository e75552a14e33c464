/**
 * `mochi sbom --format cyclonedx|spdx [--output F]`: the project's software bill of materials from
 * `mochi.lock` (CycloneDX 1.6 JSON or SPDX 3.0.1 JSON-LD), byte-reproducible.
 *
 * @module
 */
import { MochiError } from "../../errors.ts";
import { readProject } from "../../install/install.ts";
import { parseManifestText } from "../../install/project.ts";
import { toCycloneDx } from "../../sbom/cyclonedx.ts";
import { sbomModel } from "../../sbom/model.ts";
import { spdxCreated, toSpdx } from "../../sbom/spdx.ts";
import { FsStore } from "../../store/fs/fs_store.ts";
import { writeFileAtomic } from "../../store/fs/fs_atomic.ts";
// The package's own version (cli.ts's VERSION is not importable here: cli.ts loads this module).
import config from "../../../deno.json" with { type: "json" };
import { type CommandSpec, stringOption } from "../command.ts";
import { mochiHomeOf, projectDirOf } from "../common.ts";

/** Largest `mochi.toml` read from the store for a package's licence, in bytes. */
const MANIFEST_CAP_BYTES = 1024 * 1024;

/**
 * The licence each locked Mochi package declares in its own `mochi.toml`, read from the store's
 * extracted tree of its blob, and only when that tree still matches its recorded tree digest
 * (a package not extracted, changed or unreadable simply has no known licence).
 */
async function storeLicenses(
  home: string,
  packages: readonly { name: string; version: string; blake3?: string }[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let store: FsStore;
  try {
    store = new FsStore(home);
  } catch {
    return out;
  }
  for (const p of packages) {
    if (p.blake3 === undefined) continue;
    try {
      if (await store.checkTree(p.blake3) !== "ok") continue;
      const path = `${store.extractedPath(p.blake3)}/mochi.toml`;
      const info = await Deno.lstat(path);
      if (!info.isFile || info.size > MANIFEST_CAP_BYTES) continue;
      const { manifest } = parseManifestText(await Deno.readTextFile(path), path);
      if (
        manifest.package.name === p.name && manifest.package.version === p.version &&
        manifest.package.license !== undefined
      ) {
        out.set(`${p.name} ${p.version}`, manifest.package.license);
      }
    } catch {
      // no licence known for this one
    }
  }
  return out;
}

/** `mochi sbom`. */
export const command: CommandSpec = {
  description: [
    "Writes every locked package, crate, Go module and Python wheel with its version, package URL,",
    "digests, licence (when the store holds its manifest), publisher identity, capabilities and",
    "dependency edges. The same mochi.lock gives the same bytes: identifiers derive from the",
    "lock's SHA-256; SPDX's required creation time is SOURCE_DATE_EPOCH, else 1970-01-01.",
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
    const project = await readProject(projectDir);
    if (!project.lock || project.lockText === undefined) {
      throw new MochiError("LOCK_E005", `no mochi.lock in ${projectDir}`, {
        hint: "run mochi lock first",
      });
    }
    const licenses = await storeLicenses(mochiHomeOf(ctx), project.lock.packages);
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
