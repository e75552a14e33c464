/**
 * `mochi audit [--severity LEVEL] [--json] [--database DIR|URL]`: match every locked package and
 * crate against OSV advisories and print each finding with its id, severity, affected and fixed
 * versions and the paths that bring the package in.
 *
 * @module
 */
import { MochiError } from "../../errors.ts";
import { auditProject } from "../../install/audit.ts";
import type { AuditFinding } from "../../audit/audit.ts";
import { meetsThreshold, SEVERITY_LEVELS } from "../../audit/severity.ts";
import { type CommandContext, type CommandSpec, flag, stringOption } from "../command.ts";
import { projectDirOf } from "../common.ts";

/** `--severity`'s value. */
export type Threshold = (typeof SEVERITY_LEVELS)[number];

/** The `--json` document of `mochi audit` (docs/schemas/audit.schema.json). */
export interface AuditJson {
  /** Where the advisories came from. */
  database: string;
  /** Advisories read. */
  advisories: number;
  /** Withdrawn advisories skipped. */
  withdrawn: string[];
  /** The `--severity` threshold. */
  severity: Threshold;
  /**
   * Whether a finding is at or above the threshold or a range could not be evaluated (the exit
   * status is then 1: an advisory that cannot be read fails closed).
   */
  failed: boolean;
  /** The findings. */
  findings: (AuditFinding & { atOrAboveThreshold: boolean })[];
  /** Ranges that could not be evaluated. */
  problems: string[];
}

/** The `--severity` value, checked. */
export function thresholdOf(ctx: CommandContext): Threshold {
  const t = stringOption(ctx.values, "severity") ?? "low";
  if (!(SEVERITY_LEVELS as readonly string[]).includes(t)) {
    throw new MochiError("CLI_E001", `--severity takes ${SEVERITY_LEVELS.join(", ")}, got "${t}"`);
  }
  return t as Threshold;
}

/** One finding as text lines. */
export function findingLines(f: AuditFinding): string[] {
  const score = f.severity.score !== undefined ? ` ${f.severity.score.toFixed(1)}` : "";
  const lines = [
    `${f.id}  ${f.severity.level}${score}  ${f.name} ${f.version} (${f.ecosystem})`,
  ];
  if (f.summary) lines.push(`  ${f.summary}`);
  if (f.aliases.length > 0) lines.push(`  aliases: ${f.aliases.join(", ")}`);
  if (f.fixed.length > 0) lines.push(`  fixed in: ${f.fixed.join(", ")}`);
  else if (f.lastAffected.length > 0) {
    lines.push(`  no fixed version; last affected: ${f.lastAffected.join(", ")}`);
  } else lines.push("  no fixed version");
  for (const p of f.paths) lines.push(`  path: ${p.join(" → ")}`);
  return lines;
}

/** `mochi audit`. */
export const command: CommandSpec = {
  description: [
    "Advisories are OSV JSON: a directory of files or an http(s) URL serving a JSON array,",
    "from --database, else MOCHI_ADVISORY_DB, else [audit] database in mochi.toml.",
    "Mochi packages match ecosystem Mochi, crates crates.io, Go modules Go, wheels PyPI.",
    "Exit 1 when a finding is at or above --severity (an unknown severity always counts) or",
    "when an advisory's range cannot be evaluated (fail closed).",
    "Example: mochi audit --severity high",
  ].join("\n"),
  options: {
    severity: {
      type: "string",
      value: "LEVEL",
      help: "fail (exit 1) at or above low (default), medium, high or critical",
    },
    database: { type: "string", value: "DIR|URL", help: "where the OSV advisories are" },
    json: { type: "boolean", help: "print JSON (docs/schemas/audit.schema.json)" },
  },
  async run(ctx) {
    const threshold = thresholdOf(ctx);
    const { database, report } = await auditProject(await projectDirOf(ctx), {
      database: stringOption(ctx.values, "database"),
      env: ctx.env,
      cwd: ctx.cwd,
    });
    const failing = report.findings.filter((f) => meetsThreshold(f.severity.level, threshold));
    // A range that cannot be evaluated may hide a finding: fail closed, like a finding.
    const failed = failing.length > 0 || report.problems.length > 0;
    if (flag(ctx.values, "json")) {
      const doc: AuditJson = {
        database,
        advisories: report.advisories,
        withdrawn: report.withdrawn,
        severity: threshold,
        failed,
        findings: report.findings.map((f) => ({
          ...f,
          atOrAboveThreshold: meetsThreshold(f.severity.level, threshold),
        })),
        problems: report.problems,
      };
      ctx.out.data(JSON.stringify(doc));
      return failed ? 1 : 0;
    }
    for (const f of report.findings) {
      for (const l of findingLines(f)) ctx.out.data(l);
      ctx.out.data("");
    }
    for (const p of report.problems) ctx.out.note(`error: ${p}`);
    const counts = new Map<string, number>();
    for (const f of report.findings) {
      counts.set(f.severity.level, (counts.get(f.severity.level) ?? 0) + 1);
    }
    const parts = ["critical", "high", "medium", "low", "none", "unknown"].flatMap((l) =>
      counts.has(l) ? [`${counts.get(l)} ${l}`] : []
    );
    const withdrawn = report.withdrawn.length > 0
      ? `, ${report.withdrawn.length} withdrawn skipped`
      : "";
    ctx.out.data(
      `${report.findings.length} finding${report.findings.length === 1 ? "" : "s"}` +
        (parts.length > 0 ? ` (${parts.join(", ")})` : "") +
        ` from ${report.advisories} advisories${withdrawn}; ` +
        `${failing.length} at or above ${threshold}` +
        (report.problems.length > 0
          ? `; ${report.problems.length} advisory range${
            report.problems.length === 1 ? "" : "s"
          } could not be evaluated (exit 1: fix or remove the advisory, or its database)`
          : ""),
    );
    return failed ? 1 : 0;
  },
};
