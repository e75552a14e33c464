/**
 * `mochi audit fix [--dry-run]`: move each affected Mochi package to the lowest version an
 * advisory names as fixed that no advisory affects and the requirements allow (tried through the
 * solver, lowest first, with the others kept at their locked versions), and re-resolve the Rust
 * crates within their requirements when one is affected; then audit the new lock and refuse,
 * explaining, what no allowed version fixes (`AUDIT_E005`).
 *
 * @module
 */
import { MochiError } from "../../errors.ts";
import { readProject } from "../../install/install.ts";
import { relockProject, writeRelock } from "../../install/relock.ts";
import { lockGraph } from "../../install/graph.ts";
import { auditLock, ECOSYSTEM_ORDER } from "../../audit/audit.ts";
import { fixedVersions, isAffected, type OsvRecord } from "../../audit/osv.ts";
import { type CommandSpec, flag } from "../command.ts";
import { installOptions } from "../common.ts";
import { runAudit } from "./audit.ts";

function affectedBy(
  records: readonly OsvRecord[],
  ecosystem: "Mochi" | "crates.io",
  name: string,
  version: string,
): string[] {
  const order = ECOSYSTEM_ORDER[ecosystem];
  const ids: string[] = [];
  for (const r of records) {
    if (r.withdrawn !== undefined) continue;
    for (const a of r.affected) {
      if (a.ecosystem !== ecosystem || a.name !== name) continue;
      try {
        if (isAffected(a, version, order)) {
          ids.push(r.id);
          break;
        }
      } catch {
        // a range this ecosystem cannot read: mochi audit reports it
      }
    }
  }
  return ids;
}

/** `mochi audit fix`. */
export const command: CommandSpec = {
  description: [
    "Each affected Mochi package moves to the lowest fixed version (from the advisories) that no",
    "advisory affects and the requirements allow; every other package keeps its locked version.",
    "Affected Rust crates are re-resolved to the newest versions their requirements allow.",
    "What no allowed version fixes is refused with an explanation (exit 1).",
  ].join("\n"),
  options: {
    "dry-run": { type: "boolean", help: "show what would change, write nothing" },
    database: { type: "string", value: "DIR|URL", help: "where the OSV advisories are" },
  },
  async run(ctx) {
    const { projectDir, report, records } = await runAudit(ctx);
    if (report.findings.length === 0) {
      ctx.out.info("no findings: nothing to fix");
      return 0;
    }
    const opts = await installOptions(ctx);
    const project = await readProject(projectDir);
    const refused: string[] = [];
    const pins = new Map<string, string>();
    // Mochi packages: each on its own, lowest candidate first, through the solver.
    const mochi = new Map<string, { version: string; fixed: Set<string> }>();
    for (const f of report.findings) {
      if (f.ecosystem !== "Mochi") continue;
      // Every fixed version any live advisory names for the package is a candidate (the one
      // that fixes this finding may itself be affected by another advisory).
      const m = mochi.get(f.name) ?? { version: f.version, fixed: new Set<string>() };
      for (const r of records) {
        if (r.withdrawn !== undefined) continue;
        for (const a of r.affected) {
          if (a.ecosystem === "Mochi" && a.name === f.name) {
            fixedVersions(a).forEach((v) => m.fixed.add(v));
          }
        }
      }
      mochi.set(f.name, m);
    }
    const order = ECOSYSTEM_ORDER.Mochi;
    for (const [name, { version, fixed }] of [...mochi].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const candidates = [...fixed].filter((v) => {
        try {
          return order(v, version) > 0 && affectedBy(records, "Mochi", name, v).length === 0;
        } catch {
          return false;
        }
      }).sort(order);
      if (candidates.length === 0) {
        refused.push(`${name} ${version}: no advisory names a fixed version above it`);
        continue;
      }
      const why: string[] = [];
      for (const v of candidates) {
        try {
          await relockProject(project, { ...opts, unlock: [name], pins: new Map([[name, v]]) });
          pins.set(name, v);
          break;
        } catch (e) {
          const first = e instanceof MochiError ? e.message.split("\n")[0]! : String(e);
          why.push(`${v}: ${first}`);
        }
      }
      if (!pins.has(name)) {
        refused.push(
          `${name} ${version}: no fixed version the requirements allow (tried ${why.join("; ")})`,
        );
      }
    }
    const crates = report.findings.some((f) => f.ecosystem === "crates.io");
    for (const f of report.findings) {
      if (f.ecosystem === "Go" || f.ecosystem === "PyPI") {
        refused.push(
          `${f.name} ${f.version} (${f.ecosystem}): mochi audit fix moves Mochi packages and Rust crates only`,
        );
      }
    }
    if (pins.size > 0 || crates) {
      const relock = await relockProject(project, {
        ...opts,
        unlock: [...pins.keys()],
        pins,
        ...(crates ? { freshCrates: true } : {}),
      });
      for (const c of relock.changes) {
        if (c.kind === "changed") ctx.out.data(`~ ${c.name} ${c.from} → ${c.to}`);
        else if (c.kind === "added") ctx.out.data(`+ ${c.name} ${c.to}`);
        else ctx.out.data(`- ${c.name} ${c.from}`);
      }
      // What the new lock still has: crates the requirements keep on affected versions.
      const after = auditLock(relock.lock, records, lockGraph(project.manifest, relock.lock));
      for (const f of after.findings) {
        if (f.ecosystem !== "crates.io") continue;
        const line = `${f.name} ${f.version} (crates.io): ${f.id} still affects the newest ` +
          `version the requirement allows${
            f.fixed.length > 0
              ? ` (fixed in ${f.fixed.join(", ")}; raise [targets.rust.ffi] ${f.name})`
              : ""
          }`;
        if (!refused.includes(line)) refused.push(line);
      }
      if (flag(ctx.values, "dry-run")) ctx.out.info("dry run: mochi.lock not written");
      else if (await writeRelock(project, relock)) ctx.out.info(`Wrote ${project.lockPath}`);
    }
    if (refused.length > 0) {
      throw new MochiError(
        "AUDIT_E005",
        `not fixed:\n${refused.map((r) => `  ${r}`).join("\n")}`,
        {
          hint: "widen the requirement in mochi.toml to allow a fixed version, or wait for a fix " +
            "(mochi audit shows every finding)",
        },
      );
    }
    return 0;
  },
};
