/**
 * `mochi audit fix`, decided: which version each affected Mochi package and Rust crate moves to,
 * found through the solver. Each affected package or crate moves to the lowest version an
 * advisory names as fixed that no advisory affects and the requirements allow (tried lowest
 * first); every other package and crate keeps its locked version unless it must move for it
 * (cargo's `update --precise`, npm's `audit fix`). What no allowed version fixes is refused with
 * the reason. The plan is a value: the CLI prints it and writes the lock unless `--dry-run`.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import {
  type AuditEcosystem,
  auditLock,
  type AuditReport,
  ECOSYSTEM_ORDER,
} from "../audit/audit.ts";
import { fixedVersions, isAffected, type OsvRecord } from "../audit/osv.ts";
import { lockGraph } from "./graph.ts";
import type { InstallOptions } from "./install.ts";
import type { Project } from "./project.ts";
import { type Relock, relockProject } from "./relock.ts";

/** What `mochi audit fix` will do. */
export interface AuditFixPlan {
  /** The new lock (absent when nothing can move). */
  relock?: Relock;
  /** Mochi packages and the fixed version each moves to. */
  pins: Map<string, string>;
  /** Rust crates and the fixed version each moves to. */
  crates: Map<string, string>;
  /** One line per finding left unfixed, saying why (empty when all are fixed). */
  refused: string[];
}

/** Ids of the live advisories that affect `name version` in `ecosystem`. */
function affectedBy(
  records: readonly OsvRecord[],
  ecosystem: AuditEcosystem,
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

/**
 * The versions an affected package could move to: every version a live advisory names as fixed
 * for it, above the locked one, that no live advisory affects (the one fixing this finding may
 * itself be affected by another), lowest first.
 *
 * @param records the advisories
 * @param ecosystem `Mochi` or `crates.io`
 * @param name the package or crate
 * @param version its locked version
 * @returns the candidates, ascending in the ecosystem's order
 */
export function fixCandidates(
  records: readonly OsvRecord[],
  ecosystem: AuditEcosystem,
  name: string,
  version: string,
): string[] {
  const order = ECOSYSTEM_ORDER[ecosystem];
  const fixed = new Set<string>();
  for (const r of records) {
    if (r.withdrawn !== undefined) continue;
    for (const a of r.affected) {
      if (a.ecosystem === ecosystem && a.name === name) {
        fixedVersions(a).forEach((v) => fixed.add(v));
      }
    }
  }
  return [...fixed].filter((v) => {
    try {
      return order(v, version) > 0 && affectedBy(records, ecosystem, name, v).length === 0;
    } catch {
      return false;
    }
  }).sort(order);
}

function firstLine(e: unknown): string {
  return e instanceof MochiError ? e.message.split("\n")[0]! : String(e);
}

/**
 * Plans `mochi audit fix`: for each affected Mochi package (by name) and then each affected Rust
 * crate, tries its {@link fixCandidates} lowest first through the solver, keeping what earlier
 * ones chose; then re-resolves once with every choice and audits the result, so a crate the
 * requirements hold on an affected version is named with the fixed versions to allow. Go modules
 * and Python wheels are reported, not moved.
 *
 * @param project the project (its lock on disk)
 * @param report the audit of that lock
 * @param records the advisories it used
 * @param options the install options (registry, home, offline…)
 * @returns the {@link AuditFixPlan}; nothing is written
 * @throws {MochiError} registry, index and solver errors other than a candidate not fitting
 */
export async function planAuditFix(
  project: Project,
  report: AuditReport,
  records: readonly OsvRecord[],
  options: InstallOptions,
): Promise<AuditFixPlan> {
  const refused: string[] = [];
  const pins = new Map<string, string>();
  const crates = new Map<string, string>();
  const mochi = new Map<string, string>();
  const rust = new Map<string, string>();
  for (const f of report.findings) {
    if (f.ecosystem === "Mochi" && !mochi.has(f.name)) mochi.set(f.name, f.version);
    else if (f.ecosystem === "crates.io" && !rust.has(f.name)) rust.set(f.name, f.version);
    else if (f.ecosystem === "Go" || f.ecosystem === "PyPI") {
      const line =
        `${f.name} ${f.version} (${f.ecosystem}): mochi audit fix moves Mochi packages and Rust crates only`;
      if (!refused.includes(line)) refused.push(line);
    }
  }
  const byName = ([a]: [string, string], [b]: [string, string]) => (a < b ? -1 : a > b ? 1 : 0);
  for (const [name, version] of [...mochi].sort(byName)) {
    const candidates = fixCandidates(records, "Mochi", name, version);
    if (candidates.length === 0) {
      refused.push(`${name} ${version}: no advisory names a fixed version above it`);
      continue;
    }
    const why: string[] = [];
    for (const v of candidates) {
      try {
        const tried = new Map([...pins, [name, v]]);
        await relockProject(project, { ...options, unlock: [...tried.keys()], pins: tried });
        pins.set(name, v);
        break;
      } catch (e) {
        why.push(`${v}: ${firstLine(e)}`);
      }
    }
    if (!pins.has(name)) {
      refused.push(
        `${name} ${version}: no fixed version the requirements allow (tried ${why.join("; ")})`,
      );
    }
  }
  const base = { ...options, unlock: [...pins.keys()], pins };
  for (const [name] of [...rust].sort(byName)) {
    const version = rust.get(name)!;
    for (const v of fixCandidates(records, "crates.io", name, version)) {
      const tried = new Map([...crates, [name, v]]);
      let relock: Relock;
      try {
        relock = await relockProject(project, { ...base, cratePreferences: tried });
      } catch {
        continue;
      }
      // A preference is not a requirement: the candidate counts only when it was picked.
      if ((relock.lock.rustPackages ?? []).some((c) => c.name === name && c.version === v)) {
        crates.set(name, v);
        break;
      }
    }
  }
  if (pins.size === 0 && rust.size === 0) return { pins, crates, refused };
  const relock = await relockProject(project, {
    ...base,
    ...(crates.size > 0 ? { cratePreferences: crates } : {}),
  });
  const after = auditLock(relock.lock, records, lockGraph(project.manifest, relock.lock));
  for (const f of after.findings) {
    if (f.ecosystem !== "crates.io") continue;
    const line = `${f.name} ${f.version} (crates.io): ${f.id} still affects the version the ` +
      `requirement allows${
        f.fixed.length > 0
          ? ` (fixed in ${f.fixed.join(", ")}; raise [targets.rust.ffi] ${f.name})`
          : ""
      }`;
    if (!refused.includes(line)) refused.push(line);
  }
  return { relock, pins, crates, refused };
}
