/**
 * `mochi mirror audit <mirror-url> [--primary URL]`: name every way a mirror differs from its
 * primary registry (stale or foreign snapshot, missing, extra or different index files and
 * versions, missing or altered blobs). Exit 0 when it is a faithful copy, 4 otherwise.
 *
 * @module
 */
import { auditMirror } from "../../registry/server/mirror.ts";
import { MochiError } from "../../errors.ts";
import { type CommandSpec, stringOption } from "../command.ts";

/** `mochi mirror audit`. */
export const command: CommandSpec = {
  operands: "<mirror-url>",
  minArgs: 1,
  maxArgs: 1,
  description: "Downloads every blob the primary's index names from the mirror and checks it.",
  options: {
    primary: {
      type: "string",
      value: "URL",
      help: "the primary registry (default MOCHI_REGISTRY)",
    },
    key: {
      type: "string",
      value: "KEY",
      help: "the primary's snapshot key (ed25519:…); default the one its config.json names",
    },
  },
  async run(ctx) {
    const mirror = ctx.args[0]!;
    const primary = stringOption(ctx.values, "primary") ?? ctx.env.MOCHI_REGISTRY;
    if (primary === undefined || !/^https?:\/\/\S+$/.test(primary)) {
      throw new MochiError("CLI_E001", "mochi mirror audit needs the primary's http(s) URL", {
        hint: "pass --primary http://primary.example/index/ or set MOCHI_REGISTRY",
      });
    }
    if (!/^https?:\/\/\S+$/.test(mirror)) {
      throw new MochiError("CLI_E001", `the mirror must be an http(s) URL, got "${mirror}"`, {
        hint: "serve the mirror with mochi registry serve <dir> and pass its URL",
      });
    }
    const key = stringOption(ctx.values, "key");
    const audit = await auditMirror(mirror, primary, key === undefined ? {} : { publicKey: key });
    for (const d of audit.divergences) ctx.out.data(`${d.kind}\t${d.path}\t${d.detail}`);
    if (audit.divergences.length > 0) {
      throw new MochiError(
        "MIRROR_E001",
        `the mirror ${mirror} diverges from ${primary} in ${audit.divergences.length} way(s)`,
        { hint: "sync it again (mochi mirror sync) or stop listing it in [registry] mirrors" },
      );
    }
    ctx.out.info(
      `The mirror ${mirror} matches ${primary}: snapshot version ${audit.primaryVersion}, ${audit.blobsChecked} blobs checked`,
    );
    return 0;
  },
};
