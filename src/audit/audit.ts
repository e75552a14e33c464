/**
 * `mochi audit`'s decision, pure: which locked packages the advisories affect. Every
 * `[[package]]` is matched against OSV ecosystem `Mochi`, every `[[rust-package]]` against
 * `crates.io`, every `[[go-package]]` against `Go` and every `[[python-wheel]]` against `PyPI`;
 * withdrawn advisories are skipped (and counted); advisories that name each other through
 * `aliases` are one finding (as cargo-audit and osv-scanner group them).
 *
 * @module
 */
import type { Lockfile } from "../lockfile/mod.ts";
import { semverCompare } from "../go/semver.ts";
import { comparePep440 } from "../python/pep440.ts";
import {
  fixedVersions,
  isAffected,
  lastAffectedVersions,
  type OsvAffected,
  type OsvRecord,
  semverOrder,
  type VersionOrder,
} from "./osv.ts";
import { type Severity, type SeverityLevel, severityOf } from "./severity.ts";

/** The OSV ecosystems `mochi audit` matches. */
export type AuditEcosystem = "Mochi" | "crates.io" | "Go" | "PyPI";

/** One locked thing to check. */
export interface AuditTarget {
  /** Its OSV ecosystem. */
  ecosystem: AuditEcosystem;
  /** Its name as the lock spells it. */
  name: string;
  /** Its exact version. */
  version: string;
  /** Its node in the lock graph (`"name version"`, as `mochi why` uses). */
  node: string;
}

/** One advisory affecting one locked package. */
export interface AuditFinding {
  /** The advisory's identifier (of a group of aliases, the database's own id first). */
  id: string;
  /** Every other identifier of the same vulnerability, sorted. */
  aliases: string[];
  /** One-line summary. */
  summary: string;
  /** Severity (the highest of the group). */
  severity: Severity;
  /** The package's ecosystem. */
  ecosystem: AuditEcosystem;
  /** The package. */
  name: string;
  /** The locked version, which is affected. */
  version: string;
  /** The versions the advisory says fix it (may be empty: no fix yet). */
  fixed: string[];
  /** The `last_affected` versions it names. */
  lastAffected: string[];
  /** The paths from the project to the package, each a list of node ids, root first. */
  paths: string[][];
}

/** What an audit found. */
export interface AuditReport {
  /** Findings, sorted by ecosystem, name, version, id. */
  findings: AuditFinding[];
  /** How many advisories were read. */
  advisories: number;
  /** Ids of the withdrawn advisories skipped, sorted. */
  withdrawn: string[];
  /**
   * Ranges that could not be evaluated (a version string the ecosystem cannot read), each naming
   * the advisory and why; `mochi audit` fails closed on any (exit 1).
   */
  problems: string[];
}

/** The version order of each ecosystem. */
export const ECOSYSTEM_ORDER: Readonly<Record<AuditEcosystem, VersionOrder>> = {
  Mochi: semverOrder,
  "crates.io": semverOrder,
  // OSV's Go versions carry no "v"; the lock's do.
  Go: (a, b) => semverCompare(a.startsWith("v") ? a : `v${a}`, b.startsWith("v") ? b : `v${b}`),
  PyPI: comparePep440,
};

/**
 * Every locked package, crate, Go module and Python wheel as an audit target.
 *
 * @param lock the parsed lock
 * @returns the targets, in lock order
 *
 * @example
 * ```ts
 * import { auditTargets } from "@mochi/pkg/audit";
 * import assert from "node:assert/strict";
 * import { parseLockfile } from "@mochi/pkg/lockfile";
 * const lockText = 'version = 1\nmanifest_hash = "blake3-256:' + "0".repeat(64) + '"\n\n' +
 *   '[[package]]\nname = "left-pad"\nversion = "1.0.0"\nsource = "path+vendor/left-pad"\n' +
 *   "capabilities = []\ndependencies = []\n";
 * assert.deepEqual(auditTargets(parseLockfile(lockText)), [
 *   { ecosystem: "Mochi", name: "left-pad", version: "1.0.0", node: "left-pad 1.0.0" },
 * ]);
 * ```
 */
export function auditTargets(lock: Lockfile): AuditTarget[] {
  const out: AuditTarget[] = [];
  for (const p of lock.packages) {
    out.push({
      ecosystem: "Mochi",
      name: p.name,
      version: p.version,
      node: `${p.name} ${p.version}`,
    });
  }
  for (const c of lock.rustPackages ?? []) {
    out.push({
      ecosystem: "crates.io",
      name: c.name,
      version: c.version,
      node: `${c.name} ${c.version}`,
    });
  }
  for (const g of lock.goPackages ?? []) {
    out.push({
      ecosystem: "Go",
      name: g.module,
      version: g.version,
      node: `${g.module} ${g.version}`,
    });
  }
  for (const w of lock.pythonWheels ?? []) {
    out.push({
      ecosystem: "PyPI",
      name: w.name,
      version: w.version,
      node: `${w.name} ${w.version}`,
    });
  }
  return out;
}

function pep503(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/** The key two spellings of one package share (PEP 503 for PyPI, `_` as `-` for crates). */
function packageKey(ecosystem: string, name: string): string {
  const n = ecosystem === "PyPI"
    ? pep503(name)
    : ecosystem === "crates.io"
    ? name.replace(/_/g, "-")
    : name;
  return `${ecosystem}\u0000${n}`;
}

function sameName(ecosystem: AuditEcosystem, a: string, b: string): boolean {
  if (ecosystem === "PyPI") return pep503(a) === pep503(b);
  if (ecosystem === "crates.io") return a.replace(/_/g, "-") === b.replace(/_/g, "-");
  return a === b;
}

/**
 * Every simple path from the root to `node` in a lock graph (root first), at most `max` of them,
 * shortest first, then in text order (the paths `mochi why` draws, flattened).
 *
 * @param graph the root and the edges (node → its dependencies)
 * @param node the package's node
 * @param max most paths returned (default 10)
 * @returns the paths
 *
 * @example
 * ```ts
 * import { pathsTo } from "@mochi/pkg/audit";
 * import assert from "node:assert/strict";
 * const edges = new Map([["app", ["a", "b"]], ["a", ["c"]], ["b", ["a", "c"]]]);
 * assert.deepEqual(pathsTo({ root: "app", edges }, "c"), [
 *   ["app", "a", "c"],
 *   ["app", "b", "c"],
 *   ["app", "b", "a", "c"],
 * ]);
 * assert.deepEqual(pathsTo({ root: "app", edges }, "c", 1), [["app", "a", "c"]]);
 * ```
 */
export function pathsTo(
  graph: { root: string; edges: ReadonlyMap<string, readonly string[]> },
  node: string,
  max = 10,
): string[][] {
  const parents = new Map<string, string[]>();
  for (const [from, tos] of graph.edges) {
    for (const to of tos) {
      const list = parents.get(to) ?? [];
      list.push(from);
      parents.set(to, list);
    }
  }
  for (const l of parents.values()) l.sort();
  const out: string[][] = [];
  // Breadth first from the package up, so the shortest paths come first; a cap on work as well
  // as on answers keeps a dense graph cheap.
  let frontier: string[][] = [[node]];
  let steps = 0;
  while (frontier.length > 0 && out.length < max && steps < 100_000) {
    const next: string[][] = [];
    for (const path of frontier) {
      const head = path[0]!;
      if (head === graph.root) {
        out.push(path);
        if (out.length >= max) break;
        continue;
      }
      for (const p of parents.get(head) ?? []) {
        steps++;
        if (!path.includes(p)) next.push([p, ...path]);
      }
    }
    frontier = next;
  }
  return out;
}

function primaryFirst(a: OsvRecord, b: OsvRecord): number {
  const generic = (id: string) => /^(CVE|GHSA)-/.test(id) ? 1 : 0;
  return generic(a.id) - generic(b.id) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

const LEVEL_RANK: Record<SeverityLevel, number> = {
  none: 0,
  low: 1,
  medium: 2,
  high: 3,
  critical: 4,
  unknown: 5,
};

/**
 * Matches advisories against a lock.
 *
 * @param lock the parsed lock
 * @param records the advisories (withdrawn ones are skipped)
 * @param graph the lock graph for the paths (`lockGraph` of `src/install/graph.ts`)
 * @returns the report
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { auditLock, readOsv } from "@mochi/pkg/audit";
 * import { parseLockfile } from "@mochi/pkg/lockfile";
 * const lock = parseLockfile(
 *   'version = 1\nmanifest_hash = "blake3-256:' + "0".repeat(64) + '"\n\n[[package]]\n' +
 *     'name = "left-pad"\nversion = "1.0.0"\nsource = "path+vendor/left-pad"\n' +
 *     "capabilities = []\ndependencies = []\n",
 * );
 * const rec = readOsv({
 *   id: "MOCHI-2026-0001",
 *   modified: "2026-01-01T00:00:00Z",
 *   affected: [{
 *     package: { ecosystem: "Mochi", name: "left-pad" },
 *     ranges: [{ type: "SEMVER", events: [{ introduced: "0" }, { fixed: "1.0.1" }] }],
 *   }],
 * }, "a.json");
 * const graph = { root: "app 1.0.0", edges: new Map([["app 1.0.0", ["left-pad 1.0.0"]]]) };
 * const report = auditLock(lock, [rec], graph);
 * assert.deepEqual(report.findings.map((f) => [f.id, f.fixed, f.paths]), [
 *   ["MOCHI-2026-0001", ["1.0.1"], [["app 1.0.0", "left-pad 1.0.0"]]],
 * ]);
 * ```
 */
export function auditLock(
  lock: Lockfile,
  records: readonly OsvRecord[],
  graph: { root: string; edges: ReadonlyMap<string, readonly string[]> },
): AuditReport {
  const withdrawn = records.filter((r) => r.withdrawn !== undefined).map((r) => r.id).sort();
  const live = records.filter((r) => r.withdrawn === undefined);
  const problems = new Set<string>();
  const findings: AuditFinding[] = [];
  // The advisories by package, so each target reads only its own (an OSV export of a whole
  // ecosystem has tens of thousands of records).
  const byPackage = new Map<string, OsvRecord[]>();
  for (const rec of live) {
    const keys = new Set(rec.affected.map((a) => packageKey(a.ecosystem, a.name)));
    for (const k of keys) {
      const list = byPackage.get(k);
      if (list) list.push(rec);
      else byPackage.set(k, [rec]);
    }
  }
  for (const t of auditTargets(lock)) {
    const order = ECOSYSTEM_ORDER[t.ecosystem];
    const hits: { rec: OsvRecord; aff: OsvAffected }[] = [];
    for (const rec of byPackage.get(packageKey(t.ecosystem, t.name)) ?? []) {
      for (const aff of rec.affected) {
        if (aff.ecosystem !== t.ecosystem || !sameName(t.ecosystem, aff.name, t.name)) continue;
        let hit = false;
        if (aff.versions.includes(t.version)) hit = true;
        else {
          for (const r of aff.ranges) {
            if (r.type === "GIT") continue;
            try {
              if (isAffected({ ...aff, versions: [], ranges: [r] }, t.version, order)) hit = true;
            } catch (e) {
              const why = e instanceof Error ? `: ${e.message}` : "";
              problems.add(
                `${rec.id}: a ${r.type} range for ${t.ecosystem} ${t.name} has a version ` +
                  `${t.ecosystem}'s order cannot read${why}; that range was not evaluated`,
              );
            }
          }
        }
        if (hit) {
          hits.push({ rec, aff });
          break;
        }
      }
    }
    // Group advisories that name each other (id or a shared alias).
    const groups: { recs: OsvRecord[]; affs: OsvAffected[]; names: Set<string> }[] = [];
    for (const h of hits) {
      const names = new Set([h.rec.id, ...h.rec.aliases]);
      const joined = groups.filter((g) => [...names].some((n) => g.names.has(n)));
      const group = { recs: [h.rec], affs: [h.aff], names };
      for (const g of joined) {
        group.recs.push(...g.recs);
        group.affs.push(...g.affs);
        for (const n of g.names) group.names.add(n);
        groups.splice(groups.indexOf(g), 1);
      }
      groups.push(group);
    }
    const paths = groups.length > 0 ? pathsTo(graph, t.node) : [];
    for (const g of groups) {
      const order2 = g.recs.map((r, i) => ({ r, a: g.affs[i]! })).sort((x, y) =>
        primaryFirst(x.r, y.r)
      );
      const primary = order2[0]!;
      let severity = severityOf(primary.r, primary.a);
      for (const { r, a } of order2.slice(1)) {
        const s = severityOf(r, a);
        if (
          (s.score ?? -1) > (severity.score ?? -1) ||
          (severity.level === "unknown" && s.level !== "unknown") ||
          (severity.score === undefined && s.score === undefined &&
            LEVEL_RANK[s.level] > LEVEL_RANK[severity.level] && s.level !== "unknown")
        ) {
          severity = s;
        }
      }
      const fixed = [...new Set(g.affs.flatMap(fixedVersions))];
      const lastAffected = [...new Set(g.affs.flatMap(lastAffectedVersions))];
      findings.push({
        id: primary.r.id,
        aliases: [...g.names].filter((n) => n !== primary.r.id).sort(),
        summary: primary.r.summary || order2.find((x) => x.r.summary)?.r.summary || "",
        severity,
        ecosystem: t.ecosystem,
        name: t.name,
        version: t.version,
        fixed,
        lastAffected,
        paths,
      });
    }
  }
  const key = (f: AuditFinding) => [f.ecosystem, f.name, f.version, f.id].join("\u0000");
  findings.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return { findings, advisories: records.length, withdrawn, problems: [...problems].sort() };
}
