/**
 * `mochi registry snapshot <dir> --key F [--expires-in 7d]`: sign a registry's snapshot.json.
 *
 * @module
 */
import { MochiError } from "../../errors.ts";
import {
  readSnapshotKeyFile,
  writeRegistrySnapshot,
} from "../../registry/server/registry_snapshot.ts";
import { openStorage } from "../../registry/server/storage.ts";
import { parseDuration } from "../../store/duration.ts";
import { type CommandSpec, stringOption } from "../command.ts";

/** `mochi registry snapshot`. */
export const command: CommandSpec = {
  operands: "<dir|s3://bucket/prefix>",
  minArgs: 1,
  maxArgs: 1,
  description: "snapshot.json holds a version, an expiry and the digest of every index file.",
  options: {
    key: { type: "string", value: "FILE", help: "the signing key (from mochi registry keygen)" },
    "expires-in": { type: "string", value: "DUR", help: "how long it is valid (default 7d)" },
  },
  async run(ctx) {
    const dir = ctx.args[0]!;
    const key = stringOption(ctx.values, "key");
    if (!key) {
      throw new MochiError("CLI_E001", "mochi registry snapshot needs --key <file>", {
        hint: "mochi registry snapshot <dir> --key <file> [--expires-in 7d]",
      });
    }
    const expiresIn = stringOption(ctx.values, "expires-in");
    const expiresInMs = expiresIn === undefined ? undefined : parseDuration(expiresIn);
    const privateKeyFile = await readSnapshotKeyFile(key);
    const storage = dir.startsWith("s3://") ? await openStorage(dir, { env: ctx.env }) : dir;
    const w = await writeRegistrySnapshot(storage, {
      privateKeyFile,
      ...(expiresInMs === undefined ? {} : { expiresInMs }),
    });
    ctx.out.info(
      `Signed snapshot version ${w.version} of ${dir}: ${w.files} index files, expires ${w.expires}, key ${w.publicKey}`,
    );
    return 0;
  },
};
