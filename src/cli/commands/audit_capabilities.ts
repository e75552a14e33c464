/**
 * `mochi audit capabilities [--suspicious]`: check every locked package's registry history.
 *
 * @module
 */
import { auditCapabilities } from "../../install/capabilities.ts";
import { formatAuditFinding } from "../../capability/monotonicity.ts";
import { MochiError } from "../../errors.ts";
import { type CommandSpec, flag } from "../command.ts";
import { installOptions } from "../common.ts";

/** `mochi audit capabilities`. */
export const command: CommandSpec = {
  description:
    "Flags a patch release that adds a capability (CAP_E002); --suspicious also flags a minor\n" +
    "release adding ffi or proc.spawn (the xz pattern). Exit 1 on any finding.",
  options: {
    suspicious: { type: "boolean", help: "also flag minor releases adding ffi or proc.spawn" },
    offline: { type: "boolean", help: "never touch the network" },
    json: { type: "boolean", help: "print JSON (docs/schemas/audit-capabilities.schema.json)" },
  },
  async run(ctx) {
    const { out } = ctx;
    const r = await auditCapabilities({
      ...(await installOptions(ctx)),
      suspicious: flag(ctx.values, "suspicious"),
    });
    if (flag(ctx.values, "json")) {
      out.data(
        JSON.stringify({ packages: r.packages, releases: r.releases, findings: r.findings }),
      );
      return r.findings.length === 0 ? 0 : 1;
    }
    for (const f of r.findings) {
      // Findings go through the catalogue like any error; the text is the library's.
      const text = formatAuditFinding(f).replace(/^(error\[[A-Z_0-9]+\]|warning): /, "");
      if (f.kind === "patch-adds") out.error(new MochiError("CAP_E002", text));
      else out.warn(text);
    }
    out.info(
      `Audited ${r.releases} releases of ${r.packages} locked packages: ${
        r.findings.length === 0 ? "no finding" : `${r.findings.length} finding(s)`
      }`,
    );
    return r.findings.length === 0 ? 0 : 1;
  },
};
