/**
 * `mochi outdated [--json]`: locked packages with newer versions (current, newest compatible,
 * newest).
 *
 * @module
 */
import { outdatedPackages } from "../../install/outdated.ts";
import { type CommandSpec, flag, stringsOption } from "../command.ts";
import { installOptions, plural, WORKSPACE_OPTIONS } from "../common.ts";

/** `mochi outdated`. */
export const command: CommandSpec = {
  description: "Compat is the newest version compatible with the locked one that the manifest's\n" +
    "requirement allows (mochi update moves there); Latest is the newest release (change the\n" +
    "requirement, e.g. mochi add <pkg>@<latest>). Exit 0 either way.",
  options: {
    json: { type: "boolean", help: "print JSON (docs/schemas/outdated.schema.json)" },
    offline: { type: "boolean", help: "use the index cache only" },
    ...WORKSPACE_OPTIONS,
  },
  async run(ctx) {
    const { out } = ctx;
    const r = await outdatedPackages({
      ...(await installOptions(ctx)),
      members: {
        packages: stringsOption(ctx.values, "package"),
        all: flag(ctx.values, "workspace"),
      },
    });
    if (flag(ctx.values, "json")) {
      out.data(JSON.stringify({ outdated: r.outdated, checked: r.checked }));
      return 0;
    }
    if (r.outdated.length === 0) {
      out.info(`All ${plural(r.checked, "locked package")} are up to date`);
      return 0;
    }
    const inWorkspace = r.outdated.some((e) => e.members !== undefined);
    const rows = [
      ["Name", "Current", "Compat", "Latest", "Kind", ...(inWorkspace ? ["Members"] : [])],
      ...r.outdated.map((e) => [
        e.name,
        e.current,
        e.compatible === e.current ? "-" : e.compatible,
        e.latest === e.current ? "-" : e.latest,
        e.direct ? "direct" : "transitive",
        ...(inWorkspace ? [(e.members ?? []).join(", ")] : []),
      ]),
    ];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
    for (const row of rows) {
      out.data(row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join("  "));
    }
    return 0;
  },
};
