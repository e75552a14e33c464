/**
 * `mochi publish`: pack, sign keylessly with Sigstore and upload.
 *
 * @module
 */
import { publishPackage } from "../../publish/client/publish.ts";
import { readProject, registryUrlFor } from "../../install/install.ts";
import { sourceDateEpoch } from "../../store/archive.ts";
import { type CommandSpec, flag, stringOption } from "../command.ts";
import { projectDirOf } from "../common.ts";

/** `mochi publish`. */
export const command: CommandSpec = {
  description:
    "The OIDC token comes from --identity-token, GitHub Actions (ACTIONS_ID_TOKEN_REQUEST_URL\n" +
    "and _TOKEN) or SIGSTORE_ID_TOKEN; MOCHI_FULCIO_URL and MOCHI_REKOR_URL pick the instance.",
  options: {
    "identity-token": { type: "string", value: "T", help: "the OIDC token to sign with" },
    "dry-run": { type: "boolean", help: "pack and show the statement; sign and upload nothing" },
  },
  async run(ctx) {
    const { out, env } = ctx;
    const projectDir = await projectDirOf(ctx);
    const project = await readProject(projectDir);
    const dryRun = flag(ctx.values, "dry-run");
    const token = stringOption(ctx.values, "identity-token");
    const r = await publishPackage({
      projectDir,
      registryUrl: dryRun ? "" : registryUrlFor(project, env.MOCHI_REGISTRY),
      env,
      ...(token ? { identityToken: token } : {}),
      ...(env.MOCHI_FULCIO_URL ? { fulcioUrl: env.MOCHI_FULCIO_URL } : {}),
      ...(env.MOCHI_REKOR_URL ? { rekorUrl: env.MOCHI_REKOR_URL } : {}),
      mtimeSeconds: sourceDateEpoch(env.SOURCE_DATE_EPOCH),
      dryRun,
    });
    const id = `${r.packed.manifest.package.name} ${r.packed.manifest.package.version}`;
    out.info(
      `Packed ${id}: ${r.packed.files.length} files, ${r.packed.archive.length} bytes, blake3 ${r.packed.digest.blake3}`,
    );
    if (r.status === "dry-run") {
      out.info("Dry run: this statement would be signed (nothing was signed or uploaded):");
      for (const l of JSON.stringify(r.statement, null, 2).split("\n")) out.info(l);
    } else {
      out.info(`Signed with an ephemeral key (OIDC token from ${r.tokenSource})`);
      out.info(
        r.status === "published"
          ? `Published ${id} to ${r.apiUrl}`
          : `${id} was already published with these exact bytes; nothing changed`,
      );
    }
    return 0;
  },
};
