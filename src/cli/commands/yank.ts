/**
 * `mochi yank <pkg>@<version>`: yank (or unyank) a published version, signed like a publish.
 *
 * @module
 */
import { MochiError } from "../../errors.ts";
import { yankPackage } from "../../publish/client/publish.ts";
import { parseSubjectName } from "../../publish/rules.ts";
import { validatePackageName } from "../../index/index_path.ts";
import { parseVersion } from "../../semver/version.ts";
import { readProject, registryUrlFor } from "../../install/install.ts";
import { type CommandSpec, flag, stringOption } from "../command.ts";
import { projectDirOf } from "../common.ts";

/** `mochi yank`. */
export const command: CommandSpec = {
  operands: "<pkg>@<version>",
  minArgs: 1,
  maxArgs: 1,
  description: 'Example: mochi yank @scope/name@1.2.3 --reason "breaks on Windows"',
  options: {
    undo: { type: "boolean", help: "unyank" },
    reason: { type: "string", value: "R", help: "why, shown to users of that version" },
    "identity-token": { type: "string", value: "T", help: "the OIDC token to sign with" },
  },
  async run(ctx) {
    const { env } = ctx;
    const spec = ctx.args[0]!;
    const target = parseSubjectName(spec);
    if (target === undefined) {
      throw new MochiError("CLI_E001", `mochi yank needs <package>@<version>, got "${spec}"`, {
        hint: "mochi yank @scope/name@1.2.3 [--undo] [--reason R]",
      });
    }
    const { name, version } = target;
    // Refuse a bad name or version here, before signing anything.
    validatePackageName(name);
    parseVersion(version);
    const action = flag(ctx.values, "undo") ? "unyank" : "yank";
    // Outside a project the registry comes from MOCHI_REGISTRY; a project whose mochi.toml is
    // broken is an error, not a silent fall-back to another registry.
    const project = await readProject(await projectDirOf(ctx)).catch((e) => {
      if (e instanceof MochiError && e.code === "MANIFEST_E011") return undefined;
      throw e;
    });
    const registryUrl = project ? registryUrlFor(project, env.MOCHI_REGISTRY) : env.MOCHI_REGISTRY;
    if (!registryUrl) {
      throw new MochiError("INDEX_E007", "no registry is configured", {
        hint: "set MOCHI_REGISTRY or run in a project with [registry] default",
      });
    }
    const reason = stringOption(ctx.values, "reason");
    const token = stringOption(ctx.values, "identity-token");
    const r = await yankPackage({
      name,
      version,
      action,
      ...(reason ? { reason } : {}),
      registryUrl,
      env,
      ...(token ? { identityToken: token } : {}),
      ...(env.MOCHI_FULCIO_URL ? { fulcioUrl: env.MOCHI_FULCIO_URL } : {}),
      ...(env.MOCHI_REKOR_URL ? { rekorUrl: env.MOCHI_REKOR_URL } : {}),
    });
    ctx.out.info(
      `${
        action === "yank" ? "Yanked" : "Unyanked"
      } ${name} ${version} (signed, OIDC token from ${r.tokenSource})`,
    );
    return 0;
  },
};
