/**
 * How bad an advisory is: the CVSS base score of its vector (CVSS v2, v3.0, v3.1 and v4.0 through
 * `ae-cvss-calculator`, which follows FIRST's specifications) and the qualitative rating of the
 * CVSS v3.1 specification (section 5: None 0.0, Low 0.1–3.9, Medium 4.0–6.9, High 7.0–8.9,
 * Critical 9.0–10.0); without a vector, the database's own word (GitHub's `MODERATE` is medium).
 *
 * @module
 */
import cvss from "ae-cvss-calculator";
import type { OsvAffected, OsvRecord, OsvSeverity } from "./osv.ts";

/** A qualitative severity, lowest first; `unknown` when the advisory gives none. */
export type SeverityLevel = "none" | "low" | "medium" | "high" | "critical" | "unknown";

/** The levels `--severity` takes, lowest first. */
export const SEVERITY_LEVELS = ["low", "medium", "high", "critical"] as const;

/** A finding's severity. */
export interface Severity {
  /** The level. */
  level: SeverityLevel;
  /** The CVSS base score (0.0–10.0), when a vector was scored. */
  score?: number;
  /** The vector that was scored. */
  vector?: string;
}

const REQUIRED: Record<string, readonly string[]> = {
  CVSS_V2: ["AV", "AC", "Au", "C", "I", "A"],
  CVSS_V3: ["AV", "AC", "PR", "UI", "S", "C", "I", "A"],
  CVSS_V4: ["AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA"],
};

type Calculator = { calculateScores(): { base?: number; overall?: number } };
type Ctor = new (vector: string) => Calculator;
const lib = cvss as unknown as Record<string, Ctor>;

/**
 * The CVSS base score of a vector, or undefined when it is not a complete vector of its type.
 *
 * @param entry a `severity[]` entry (`CVSS_V2`, `CVSS_V3`, `CVSS_V4`)
 * @returns the base score, 0.0–10.0
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cvssBaseScore } from "@mochi/pkg/audit";
 * assert.equal(
 *   cvssBaseScore({ type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }),
 *   9.8,
 * );
 * ```
 */
export function cvssBaseScore(entry: OsvSeverity): number | undefined {
  const need = REQUIRED[entry.type];
  if (!need || entry.score.length > 256) return undefined;
  const parts = entry.score.split("/");
  let ctor: Ctor | undefined;
  if (entry.type === "CVSS_V2") ctor = lib.Cvss2;
  else if (parts[0] === "CVSS:3.1") ctor = lib.Cvss3P1;
  else if (parts[0] === "CVSS:3.0") ctor = lib.Cvss3P0;
  else if (parts[0] === "CVSS:4.0") ctor = lib.Cvss4P0;
  if (!ctor) return undefined;
  const metrics = new Map<string, string>();
  for (const p of entry.type === "CVSS_V2" ? parts : parts.slice(1)) {
    const [k, v, extra] = p.split(":");
    if (k === undefined || v === undefined || extra !== undefined || metrics.has(k)) {
      return undefined;
    }
    metrics.set(k, v);
  }
  if (!need.every((m) => metrics.has(m))) return undefined;
  try {
    const scores = new ctor(entry.score).calculateScores();
    const base = scores.base ?? scores.overall;
    return typeof base === "number" && base >= 0 && base <= 10 ? base : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The CVSS v3.1 qualitative rating of a score.
 *
 * @param score 0.0–10.0
 * @returns the level
 *
 * @example
 * ```ts
 * import { ratingOf } from "@mochi/pkg/audit";
 * import assert from "node:assert/strict";
 * assert.equal(ratingOf(0), "none");
 * assert.equal(ratingOf(3.9), "low");
 * assert.equal(ratingOf(7.0), "high");
 * assert.equal(ratingOf(9.8), "critical");
 * ```
 */
export function ratingOf(score: number): SeverityLevel {
  if (score === 0) return "none";
  if (score < 4) return "low";
  if (score < 7) return "medium";
  if (score < 9) return "high";
  return "critical";
}

function fromWord(word: string | undefined): SeverityLevel | undefined {
  switch (word?.toLowerCase()) {
    case "low":
      return "low";
    case "moderate":
    case "medium":
      return "medium";
    case "high":
      return "high";
    case "critical":
      return "critical";
    default:
      return undefined;
  }
}

/**
 * The severity of an advisory for one affected package: the highest-scoring complete CVSS vector
 * of the entry's own `severity` (else the record's), else the database's word, else `unknown`.
 *
 * @param record the advisory
 * @param affected the entry that matched
 * @returns the severity
 *
 * @example
 * ```ts
 * import { readOsv, severityOf } from "@mochi/pkg/audit";
 * import assert from "node:assert/strict";
 * const rec = readOsv({
 *   id: "MOCHI-2026-0001",
 *   modified: "2026-01-01T00:00:00Z",
 *   severity: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }],
 *   affected: [{ package: { ecosystem: "Mochi", name: "left-pad" }, versions: ["1.0.0"] }],
 * }, "example.json");
 * const s = severityOf(rec, rec.affected[0]!);
 * assert.equal(s.level, "critical");
 * assert.equal(s.score, 9.8);
 * ```
 */
export function severityOf(record: OsvRecord, affected: OsvAffected): Severity {
  const entries = affected.severity.length > 0 ? affected.severity : record.severity;
  let best: Severity | undefined;
  for (const e of entries) {
    const score = cvssBaseScore(e);
    if (score !== undefined && (best === undefined || score > best.score!)) {
      best = { level: ratingOf(score), score, vector: e.score };
    }
  }
  if (best) return best;
  const word = fromWord(affected.databaseSeverity) ?? fromWord(record.databaseSeverity);
  return { level: word ?? "unknown" };
}

/**
 * Whether a severity is at or above a `--severity` threshold. An `unknown` severity meets every
 * threshold (a finding that cannot be ranked is not waved through); `none` meets none.
 *
 * @param level the finding's level
 * @param threshold `low`, `medium`, `high` or `critical`
 * @returns true when the finding should fail the audit
 *
 * @example
 * ```ts
 * import { meetsThreshold } from "@mochi/pkg/audit";
 * import assert from "node:assert/strict";
 * assert.equal(meetsThreshold("high", "medium"), true);
 * assert.equal(meetsThreshold("low", "medium"), false);
 * assert.equal(meetsThreshold("unknown", "critical"), true); // cannot be ranked: not waved through
 * assert.equal(meetsThreshold("none", "low"), false);
 * ```
 */
export function meetsThreshold(
  level: SeverityLevel,
  threshold: (typeof SEVERITY_LEVELS)[number],
): boolean {
  if (level === "unknown") return true;
  if (level === "none") return false;
  return SEVERITY_LEVELS.indexOf(level) >= SEVERITY_LEVELS.indexOf(threshold);
}
