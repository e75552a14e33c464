/**
 * `mochi update [<pkg>…] [--precise <version>] [--dry-run]`: move locked packages to the newest
 * versions their requirements allow; with names, only those and what must move with them
 * (cargo `update -p`).
 *
 * @module
 */
import { updateLock } from "../../install/update.ts";
import { type CommandSpec, flag, stringOption } from "../command.ts";
import {
  andCrates,
  installOptions,
  plural,
  printLockChanges,
  TRUST_OPTIONS,
  versionChanges,
} from "../common.ts";

/** `mochi update`. */
export const command: CommandSpec = {
  operands: "[<pkg>...]",
  minArgs: 0,
  maxArgs: Infinity,
  description: "Without names every locked package may move; with names only those, and what\n" +
    "must move with them (cargo update -p). Nothing is fetched; mochi install fetches.\n" +
    "Examples: mochi update · mochi update serde · mochi update serde --precise 1.0.5",
  options: {
    precise: { type: "string", value: "VERSION", help: "set the one named package to VERSION" },
    "dry-run": { type: "boolean", help: "print what would change, write nothing" },
    offline: { type: "boolean", help: "never touch the network" },
    locked: { type: "boolean", help: "fail if mochi.lock would change" },
    ...TRUST_OPTIONS,
  },
  async run(ctx) {
    const { out } = ctx;
    const precise = stringOption(ctx.values, "precise");
    const r = await updateLock({
      ...(await installOptions(ctx)),
      packages: ctx.args,
      dryRun: flag(ctx.values, "dry-run"),
      ...(precise !== undefined ? { precise } : {}),
    });
    printLockChanges(out, r.changes);
    const what = `${plural(r.packages, "package")}${andCrates(r.crates)}`;
    if (r.changes.length === 0) {
      out.info(`Nothing to update: ${what} locked${r.written ? `; rewrote ${r.lockPath}` : ""}`);
    } else if (r.dryRun) {
      out.info(
        `Would write ${r.lockPath} (${versionChanges(r.changes.length)}; dry run: nothing written)`,
      );
    } else {
      out.info(`Wrote ${r.lockPath} (${versionChanges(r.changes.length)}; ${what})`);
    }
    return 0;
  },
};
