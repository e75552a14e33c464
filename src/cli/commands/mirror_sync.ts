/**
 * `mochi mirror sync <upstream-url> <dest>`: copy a registry that signs its snapshot into a
 * directory or an `s3://bucket/prefix`, checking everything against its signed snapshot.
 *
 * @module
 */
import { syncMirror } from "../../registry/server/mirror.ts";
import { openStorage } from "../../registry/server/storage.ts";
import { MochiError } from "../../errors.ts";
import { type CommandSpec, stringOption } from "../command.ts";

/** `mochi mirror sync`. */
export const command: CommandSpec = {
  operands: "<upstream-url> <dest>",
  minArgs: 2,
  maxArgs: 2,
  description: "Incremental: an up-to-date mirror costs two requests. Serve the copy with\n" +
    "mochi registry serve <dest>; clients list it in [registry] mirrors or MOCHI_MIRRORS.",
  options: {
    key: {
      type: "string",
      value: "KEY",
      help: "the upstream's snapshot key (ed25519:…); default the one its config.json names",
    },
  },
  async run(ctx) {
    const [upstream, dest] = ctx.args as [string, string];
    if (!/^https?:\/\/\S+$/.test(upstream)) {
      throw new MochiError("CLI_E001", `the upstream must be an http(s) URL, got "${upstream}"`, {
        hint: "mochi mirror sync http://primary.example/index/ ./mirror",
      });
    }
    const key = stringOption(ctx.values, "key");
    const storage = await openStorage(dest, { env: ctx.env });
    const r = await syncMirror(upstream, storage, key === undefined ? {} : { publicKey: key });
    ctx.out.info(
      r.upToDate
        ? `Mirror ${dest} is up to date (snapshot version ${r.snapshotVersion})`
        : `Mirrored snapshot version ${r.snapshotVersion} into ${dest}: ${r.indexFiles} index files, ${r.blobs} blobs and bundles, ${r.removed} removed`,
    );
    return 0;
  },
};
