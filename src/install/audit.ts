/**
 * Auditing a project: which advisory database (`--database`, else `MOCHI_ADVISORY_DB`, else
 * `[audit] database` in mochi.toml), reading it, and matching the project's lock against it.
 * Shared by `mochi audit` and `mochi audit fix`, which only print what this returns.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { auditLock, type AuditReport } from "../audit/audit.ts";
import type { OsvRecord } from "../audit/osv.ts";
import { loadAdvisories } from "../audit/client/advisory_db.ts";
import { lockGraph } from "./graph.ts";
import { type Project, readLockedProject } from "./project.ts";

/** Where `auditProject` looks for the advisory database. */
export interface AuditProjectOptions {
  /** `--database`: a directory of OSV JSON files, a `file://` URL or an http(s) URL. */
  database?: string | undefined;
  /** The environment (`MOCHI_ADVISORY_DB` is read from it). */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * The directory a relative `--database` or `MOCHI_ADVISORY_DB` is read from (the command's
   * working directory); a relative `[audit] database` is read from the project directory.
   * Defaults to the project directory.
   */
  cwd?: string;
}

/** What `auditProject` found. */
export interface ProjectAudit {
  /** The project as read (manifest and lock). */
  project: Project;
  /** The database location as given (flag, environment or manifest). */
  database: string;
  /** The findings, withdrawn advisories and ranges that could not be evaluated. */
  report: AuditReport;
  /** Every advisory read (withdrawn ones included). */
  records: OsvRecord[];
}

/**
 * The advisory database location a project is audited against, decided without I/O: the
 * `database` option, else `MOCHI_ADVISORY_DB`, else `[audit] database`; a relative path is
 * joined to `cwd` (option, environment) or the project directory (manifest), as cargo-audit and
 * `cargo` resolve a command-line path against the working directory and a config path against
 * its file.
 *
 * @param projectDir the project directory
 * @param auditDatabase `[audit] database` from mochi.toml, if any
 * @param options the `database` option, environment and working directory
 * @returns the location as given, and the one to read
 * @throws {MochiError} `AUDIT_E002` when no database is configured
 */
export function advisoryDatabaseOf(
  projectDir: string,
  auditDatabase: string | undefined,
  options: AuditProjectOptions = {},
): { given: string; location: string } {
  const fromEnv = options.env?.MOCHI_ADVISORY_DB;
  const given = options.database ?? fromEnv ?? auditDatabase;
  if (given === undefined || given === "") {
    throw new MochiError("AUDIT_E002", "no advisory database is configured", {
      hint: 'set [audit] database = "<dir of OSV JSON files or URL>" in mochi.toml, ' +
        "MOCHI_ADVISORY_DB, or pass --database",
    });
  }
  const fromManifest = options.database === undefined && fromEnv === undefined;
  const location = /^https?:\/\//i.test(given) || given.startsWith("/") ||
      given.startsWith("file://")
    ? given
    : `${fromManifest ? projectDir : (options.cwd ?? projectDir)}/${given}`;
  return { given, location };
}

/**
 * Reads the project, its lock and the advisory database (see `advisoryDatabaseOf`), and audits
 * every locked package, crate, Go module and wheel (`auditLock`).
 *
 * @param projectDir the project directory
 * @param options the `database` option, environment and working directory
 * @returns the project, the database location as given, the report and the advisories read
 * @throws {MochiError} `LOCK_E005` without a lock; `AUDIT_E002` without a database; the errors of
 *   `readProject` and `loadAdvisories` (`AUDIT_E001`, `AUDIT_E003`, …)
 */
export async function auditProject(
  projectDir: string,
  options: AuditProjectOptions = {},
): Promise<ProjectAudit> {
  const project = await readLockedProject(projectDir);
  const { given, location } = advisoryDatabaseOf(
    projectDir,
    project.manifest.auditDatabase,
    options,
  );
  const db = await loadAdvisories(location);
  const report = auditLock(project.lock, db.records, lockGraph(project.manifest, project.lock));
  return { project, database: given, report, records: db.records };
}
