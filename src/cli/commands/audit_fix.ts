/**
 * `mochi audit fix [--dry-run]`: move each affected Mochi package and Rust crate to the lowest
 * version an advisory names as fixed that no advisory affects and the requirements allow, every
 * other one keeping its locked version (decided by `src/install/audit_fix.ts`); print the lock
 * changes, write the lock, and refuse, explaining, what no allowed version fixes (`AUDIT_E005`).
 *
 * @module
 */
import { MochiError } from "../../errors.ts";
import { auditProject } from "../../install/audit.ts";
import { writeRelock } from "../../install/relock.ts";
import { planAuditFix } from "../../install/audit_fix.ts";
import { type CommandSpec, flag, stringOption } from "../command.ts";
import { installOptions, projectDirOf } from "../common.ts";

/** `mochi audit fix`. */
export const command: CommandSpec = {
  description: [
    "Each affected Mochi package and Rust crate moves to the lowest fixed version (from the",
    "advisories) that no advisory affects and the requirements allow; every other package and",
    "crate keeps its locked version. What no allowed version fixes is refused with an",
    "explanation (exit 1).",
  ].join("\n"),
  options: {
    "dry-run": { type: "boolean", help: "show what would change, write nothing" },
    database: { type: "string", value: "DIR|URL", help: "where the OSV advisories are" },
  },
  async run(ctx) {
    const { project, report, records } = await auditProject(await projectDirOf(ctx), {
      database: stringOption(ctx.values, "database"),
      env: ctx.env,
      cwd: ctx.cwd,
    });
    if (report.findings.length === 0) {
      ctx.out.info("no findings: nothing to fix");
      return 0;
    }
    const plan = await planAuditFix(project, report, records, await installOptions(ctx));
    if (plan.relock !== undefined) {
      for (const c of plan.relock.changes) {
        if (c.kind === "changed") ctx.out.data(`~ ${c.name} ${c.from} → ${c.to}`);
        else if (c.kind === "added") ctx.out.data(`+ ${c.name} ${c.to}`);
        else ctx.out.data(`- ${c.name} ${c.from}`);
      }
      if (flag(ctx.values, "dry-run")) ctx.out.info("dry run: mochi.lock not written");
      else if (await writeRelock(project, plan.relock)) ctx.out.info(`Wrote ${project.lockPath}`);
    }
    if (plan.refused.length > 0) {
      throw new MochiError(
        "AUDIT_E005",
        `not fixed:\n${plan.refused.map((r) => `  ${r}`).join("\n")}`,
        {
          hint: "widen the requirement in mochi.toml to allow a fixed version, or wait for a fix " +
            "(mochi audit shows every finding)",
        },
      );
    }
    return 0;
  },
};
