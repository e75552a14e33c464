/**
 * `mochi add <pkg>[@req]`: add a dependency to `mochi.toml` and update `mochi.lock`.
 *
 * @module
 */
import { addDependency } from "../../install/add.ts";
import { type CommandSpec, flag } from "../command.ts";
import { installOptions, printLockChanges, TRUST_OPTIONS, versionChanges } from "../common.ts";

/** `mochi add`. */
export const command: CommandSpec = {
  operands: "<pkg>[@req]",
  minArgs: 1,
  maxArgs: 1,
  description:
    "Refuses a requirement no published version meets; warns about names that look like an\n" +
    "existing or popular package; then resolves and updates mochi.lock (cargo add, uv add).\n" +
    "mochi.toml is written only when the resolution succeeded.\n" +
    "Examples: mochi add serde · mochi add serde@1.0 · mochi add @mochi/strings@^1",
  options: {
    "no-lock": { type: "boolean", help: "only edit mochi.toml; leave mochi.lock alone" },
    frozen: { type: "boolean", help: "the same as --no-lock (uv's meaning)" },
    locked: { type: "boolean", help: "fail if mochi.lock would change" },
    offline: { type: "boolean", help: "never touch the network" },
    ...TRUST_OPTIONS,
  },
  async run(ctx) {
    const { out } = ctx;
    const options = await installOptions(ctx);
    const r = await addDependency({
      ...options,
      frozen: false,
      spec: ctx.args[0]!,
      noLock: flag(ctx.values, "no-lock") || flag(ctx.values, "frozen"),
    });
    for (const w of r.warnings) {
      out.warn(`${w.message}; check that you meant "${r.name}"`, "NAME_E001");
    }
    out.info(
      `${
        r.replaced ? "Updated" : "Added"
      } ${r.name} = "${r.requirement}" in ${r.manifestPath} (from ${r.registry})`,
    );
    if (r.relocked) {
      printLockChanges(out, r.changes);
      out.info(
        r.lockWritten
          ? `Wrote ${r.lockPath} (${versionChanges(r.changes.length)})`
          : `mochi.lock already had what ${r.name} needs`,
      );
    }
    return 0;
  },
};
