/**
 * `mochi rebuild <pkg>@<version> --from-source <git-url>@<commit>`: check out the source at that
 * commit, pack it the way `mochi publish` packs (same file selection, `SOURCE_DATE_EPOCH` or 0),
 * and compare with the published blob byte for byte; when they differ, name every file that is
 * only in the published archive, only in the source, or different (the check that would have
 * caught the xz-utils release tarball).
 *
 * @module
 */
import { MochiError } from "../../errors.ts";
import { readProject } from "../../install/install.ts";
import { rebuildFromSource } from "../../install/rebuild.ts";
import { parseFromSource, type RebuildDifference } from "../../publish/rebuild.ts";
import { type CommandSpec, stringOption } from "../command.ts";
import { mochiHomeOf, projectDirOf } from "../common.ts";

const LABEL: Record<RebuildDifference["kind"], string> = {
  "published-only": "only in the published archive",
  "source-only": "only in the source",
  content: "contents differ",
  mode: "executable bit differs",
};

/** `mochi rebuild`. */
export const command: CommandSpec = {
  operands: "<pkg>@<version>",
  minArgs: 1,
  maxArgs: 1,
  description: [
    "The package must be in mochi.lock (its digests and registry come from there).",
    "Exit 0 when the source packs to the published bytes, 4 when they differ.",
    "Example: mochi rebuild @acme/log@0.3.1 --from-source https://example.org/acme/log.git@<commit>",
  ].join("\n"),
  options: {
    "from-source": {
      type: "string",
      value: "URL@COMMIT",
      help: "the git repository and the commit to pack (required)",
    },
  },
  async run(ctx) {
    const spec = ctx.args[0]!;
    const at = spec.lastIndexOf("@");
    if (at <= 0) {
      throw new MochiError(
        "CLI_E001",
        `name a version: mochi rebuild <pkg>@<version>, got "${spec}"`,
      );
    }
    const [name, version] = [spec.slice(0, at), spec.slice(at + 1)];
    const { url, commit } = parseFromSource(stringOption(ctx.values, "from-source"));
    const project = await readProject(await projectDirOf(ctx));
    const r = await rebuildFromSource(project, { name, version, url, commit }, {
      mochiHome: mochiHomeOf(ctx),
      env: ctx.env,
    });
    if (r.reproducible) {
      ctx.out.data(
        `${name} ${version}: reproducible: ${url} at ${commit} packs to the published bytes (blake3 ${r.blake3})`,
      );
      return 0;
    }
    for (const d of r.differences) ctx.out.data(`  ${d.path}: ${LABEL[d.kind]}`);
    throw new MochiError(
      "REBUILD_E001",
      `${name} ${version}: the published archive is not what ${url} at ${commit} packs to (${
        r.differences.length > 0
          ? `${r.differences.length} file(s) differ`
          : "same files; the archive metadata differs (mtime, order or compression)"
      })`,
      {
        hint: "do not trust this version until its publisher explains the difference; " +
          "report it to the registry",
      },
    );
  },
};
