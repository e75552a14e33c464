/**
 * `mochi remove <pkg>...` (alias `rm`): take dependencies out of `mochi.toml` and relock.
 *
 * @module
 */
import { removeDependencies } from "../../install/remove.ts";
import { type CommandSpec, flag } from "../command.ts";
import { installOptions, printLockChanges, versionChanges } from "../common.ts";

/** `mochi remove`. */
export const command: CommandSpec = {
  operands: "<pkg>...",
  minArgs: 1,
  maxArgs: Infinity,
  description: "Keeps every other line of mochi.toml; then resolves and updates mochi.lock so\n" +
    "that what only these packages needed leaves it (cargo remove, uv remove).\n" +
    "Examples: mochi remove serde · mochi rm serde rand",
  options: {
    "no-lock": { type: "boolean", help: "only edit mochi.toml; leave mochi.lock alone" },
    frozen: { type: "boolean", help: "the same as --no-lock (uv's meaning)" },
    locked: { type: "boolean", help: "fail if mochi.lock would change" },
    offline: { type: "boolean", help: "never touch the network" },
  },
  async run(ctx) {
    const { out } = ctx;
    const r = await removeDependencies({
      ...(await installOptions(ctx)),
      frozen: false,
      packages: ctx.args,
      noLock: flag(ctx.values, "no-lock") || flag(ctx.values, "frozen"),
    });
    for (const x of r.removed) {
      out.info(`Removed ${x.name} from [${x.tables.join("], [")}] in ${r.manifestPath}`);
    }
    if (r.relocked) {
      printLockChanges(out, r.changes);
      out.info(
        r.lockWritten
          ? `Wrote ${r.lockPath} (${versionChanges(r.changes.length)})`
          : "mochi.lock did not change",
      );
    }
    return 0;
  },
};
