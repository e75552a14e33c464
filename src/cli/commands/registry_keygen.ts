/**
 * `mochi registry keygen <file>`: make an Ed25519 key for signing a registry's snapshot.json.
 *
 * @module
 */
import { writeSnapshotKeyFile } from "../../registry/server/registry_snapshot.ts";
import type { CommandSpec } from "../command.ts";

/** `mochi registry keygen`. */
export const command: CommandSpec = {
  operands: "<file>",
  minArgs: 1,
  maxArgs: 1,
  options: {},
  async run(ctx) {
    const file = ctx.args[0]!;
    const publicKey = await writeSnapshotKeyFile(file);
    ctx.out.info(`Wrote the private signing key to ${file} (keep it secret)`);
    ctx.out.info(`Public key: ${publicKey}`);
    return 0;
  },
};
