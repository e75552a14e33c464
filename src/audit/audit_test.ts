/**
 * OSV matching exactly as the schema's evaluation pseudocode (ossf/osv-schema docs/schema.md),
 * on real RustSec advisories (fixtures/supply/advisories/crates, provenance in fixtures/README.md)
 * and made-up Mochi ones (withdrawn, last_affected, multi-range, aliases, versions lists), and
 * CVSS base scores from the CVSS v3.1 specification's examples document.
 */
import assert from "node:assert/strict";
import { parseLockfile } from "../lockfile/mod.ts";
import { MochiError } from "../errors.ts";
import { auditLock, pathsTo } from "./audit.ts";
import { isAffected, type OsvAffected, rangeIncludes, readOsv, semverOrder } from "./osv.ts";
import { cvssBaseScore, meetsThreshold, ratingOf } from "./severity.ts";
import { loadAdvisories } from "./client/advisory_db.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const ADVISORIES = `${ROOT}fixtures/supply/advisories`;
const LOCK = `${ROOT}fixtures/supply/app/mochi.lock`;

function affected(events: Record<string, string>[], versions: string[] = []): OsvAffected {
  return readOsv({
    id: "T-1",
    modified: "",
    affected: [{
      package: { ecosystem: "Mochi", name: "x" },
      ranges: [{ type: "SEMVER", events }],
      versions,
    }],
  }, "t").affected[0]!;
}

Deno.test("OSV evaluation: the schema's examples (fixed, multiple ranges, last_affected, unfixed)", () => {
  const unfixed = affected([{ introduced: "0" }]);
  assert.equal(isAffected(unfixed, "0.0.1", semverOrder), true);
  assert.equal(isAffected(unfixed, "99.0.0", semverOrder), true);
  const fixed = affected([{ introduced: "0" }, { fixed: "1.0.2" }]);
  assert.equal(isAffected(fixed, "1.0.1", semverOrder), true);
  assert.equal(isAffected(fixed, "1.0.2", semverOrder), false);
  // "Multiple range example": [1.0.0, 1.0.2) and [3.0.0, 3.2.5).
  const multi = affected([{ introduced: "1.0.0" }, { fixed: "1.0.2" }, { introduced: "3.0.0" }, {
    fixed: "3.2.5",
  }]);
  const hits = ["0.9.0", "1.0.0", "1.0.1", "1.0.2", "2.0.0", "3.0.0", "3.2.4", "3.2.5", "4.0.0"]
    .filter((v) => isAffected(multi, v, semverOrder));
  assert.deepEqual(hits, ["1.0.0", "1.0.1", "3.0.0", "3.2.4"]);
  // last_affected: up to and including it.
  const last = affected([{ introduced: "0" }, { last_affected: "2.1.214" }]);
  assert.equal(isAffected(last, "2.1.214", semverOrder), true);
  assert.equal(isAffected(last, "2.1.215", semverOrder), false);
});

Deno.test("OSV evaluation: events are sorted by version first, limits bound the range", () => {
  // Written out of order: the evaluation sorts them ("0" first).
  const shuffled = affected([{ fixed: "3.2.5" }, { introduced: "3.0.0" }, { fixed: "1.0.2" }, {
    introduced: "0",
  }]);
  assert.equal(isAffected(shuffled, "0.5.0", semverOrder), true);
  assert.equal(isAffected(shuffled, "2.0.0", semverOrder), false);
  assert.equal(isAffected(shuffled, "3.1.0", semverOrder), true);
  const limited = affected([{ introduced: "0" }, { limit: "2.0.0" }]);
  assert.equal(isAffected(limited, "1.9.9", semverOrder), true);
  assert.equal(isAffected(limited, "2.0.0", semverOrder), false);
  const star = affected([{ introduced: "1.0.0" }, { limit: "*" }]);
  assert.equal(isAffected(star, "9.0.0", semverOrder), true);
  // Two limits: below either one is enough (BeforeLimits).
  const two = {
    type: "SEMVER" as const,
    events: [{ introduced: "0" }, { limit: "1.0.0" }, { limit: "3.0.0" }],
  };
  assert.equal(rangeIncludes(two, "2.0.0", semverOrder), true);
  assert.equal(rangeIncludes(two, "3.0.0", semverOrder), false);
  // The versions list alone, with no ranges.
  const listed = affected([{ introduced: "5.0.0" }, { fixed: "5.0.1" }], ["1.2.3"]);
  assert.equal(isAffected(listed, "1.2.3", semverOrder), true);
  assert.equal(isAffected(listed, "1.2.4", semverOrder), false);
  // Pre-releases order below their release ("0.5.12-0" introduces before 0.5.12).
  const pre = affected([{ introduced: "0.5.12-0" }, { fixed: "0.5.15" }]);
  assert.equal(isAffected(pre, "0.5.12-alpha", semverOrder), true);
  assert.equal(isAffected(pre, "0.5.11", semverOrder), false);
});

Deno.test("readOsv refuses what is not OSV (AUDIT_E001) and ignores unknown fields", () => {
  const bad = (v: unknown) =>
    assert.throws(
      () => readOsv(v, "bad.json"),
      (e) => e instanceof MochiError && e.code === "AUDIT_E001",
    );
  bad([]);
  bad({ modified: "x" });
  bad({ id: 7 });
  bad({
    id: "X",
    affected: [{
      package: { ecosystem: "Mochi", name: "a" },
      ranges: [{ type: "SEMVER", events: [{ introduced: "0", fixed: "1" }] }],
    }],
  });
  bad({
    id: "X",
    affected: [{
      package: { ecosystem: "Mochi", name: "a" },
      ranges: [{ type: "SEMVER", events: [{ fixed: "1" }] }],
    }],
  });
  bad({
    id: "X",
    affected: [{
      package: { ecosystem: "Mochi", name: "a" },
      ranges: [{ type: "RANGE", events: [] }],
    }],
  });
  bad({ id: "X", aliases: new Array(10_001).fill("A") });
  bad({ id: "x".repeat(257) });
  const rec = readOsv({
    id: "X",
    modified: "m",
    surprise: { deep: [1] },
    "__proto__": { polluted: 1 },
  }, "ok.json");
  assert.equal(rec.id, "X");
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

Deno.test("CVSS base scores: the CVSS v3.1 examples document's vectors, and incomplete vectors", () => {
  // FIRST, "CVSS v3.1: Examples": CVE-2014-0160 (7.5), CVE-2014-6271 (9.8), CVE-2013-1937 (6.1),
  // CVE-2016-5729 (8.2), CVE-2015-1098 (7.8 ... AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H).
  const cases: [string, number][] = [
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5],
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8],
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1],
    ["CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:C/C:H/I:H/A:H", 8.2],
    ["CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.8],
  ];
  for (const [vector, score] of cases) {
    assert.equal(cvssBaseScore({ type: "CVSS_V3", score: vector }), score, vector);
  }
  assert.equal(cvssBaseScore({ type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L" }), undefined);
  assert.equal(
    cvssBaseScore({ type: "CVSS_V3", score: "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }),
    undefined,
  );
  assert.equal(cvssBaseScore({ type: "Ubuntu", score: "high" }), undefined);
  assert.deepEqual([0, 0.1, 3.9, 4, 6.9, 7, 8.9, 9, 10].map(ratingOf), [
    "none",
    "low",
    "low",
    "medium",
    "medium",
    "high",
    "high",
    "critical",
    "critical",
  ]);
  assert.equal(meetsThreshold("medium", "high"), false);
  assert.equal(meetsThreshold("critical", "high"), true);
  assert.equal(meetsThreshold("unknown", "critical"), true);
});

Deno.test("audit of the fixture lock: exactly the advisories the OSV data names", async () => {
  const db = await loadAdvisories(ADVISORIES);
  assert.equal(db.records.length, 9);
  const lock = parseLockfile(await Deno.readTextFile(LOCK));
  const graph = {
    root: "@acme/app 0.4.0",
    edges: new Map<string, string[]>([
      ["@acme/app 0.4.0", [
        "@acme/http 1.2.0",
        "h2 0.3.20",
        "left-pad 1.0.0",
        "regex 1.5.4",
        "smallvec 1.6.0",
      ]],
      ["@acme/http 1.2.0", ["@acme/log 0.3.1"]],
      ["left-pad 1.0.0", ["@acme/log 0.3.1"]],
      ["h2 0.3.20", ["crossbeam-channel 0.5.13"]],
    ]),
  };
  const report = auditLock(lock, db.records, graph);
  assert.deepEqual(report.withdrawn, ["MOCHI-2026-0002"]);
  assert.deepEqual(report.problems, []);
  const rows = report.findings.map((f) => [
    f.ecosystem,
    f.name,
    f.version,
    f.id,
    f.severity.level,
    f.severity.score ?? null,
    f.fixed,
    f.lastAffected,
  ]);
  assert.deepEqual(rows, [
    ["Mochi", "@acme/http", "1.2.0", "MOCHI-2026-0003", "medium", 5.1, [], ["1.2.0"]],
    // Two records naming CVE-2026-99001 are one finding; the database's own id leads.
    [
      "Mochi",
      "@acme/log",
      "0.3.1",
      "MOCHI-2026-0001",
      "medium",
      6.1,
      ["0.2.5", "0.3.2", "1.0.1"],
      [],
    ],
    [
      "crates.io",
      "crossbeam-channel",
      "0.5.13",
      "RUSTSEC-2025-0024",
      "unknown",
      null,
      ["0.5.15"],
      [],
    ],
    ["crates.io", "h2", "0.3.20", "RUSTSEC-2024-0003", "unknown", null, ["0.3.24", "0.4.2"], []],
    ["crates.io", "regex", "1.5.4", "RUSTSEC-2022-0013", "high", 7.5, ["1.5.5"], []],
    [
      "crates.io",
      "smallvec",
      "1.6.0",
      "RUSTSEC-2021-0003",
      "critical",
      9.8,
      ["0.6.14", "1.6.1"],
      [],
    ],
  ]);
  const log = report.findings[1]!;
  assert.deepEqual(log.aliases, ["CVE-2026-99001", "GHSA-mock-0001-0001"]);
  assert.deepEqual(log.paths, [
    ["@acme/app 0.4.0", "@acme/http 1.2.0", "@acme/log 0.3.1"],
    ["@acme/app 0.4.0", "left-pad 1.0.0", "@acme/log 0.3.1"],
  ]);
  assert.deepEqual(report.findings[2]!.paths, [[
    "@acme/app 0.4.0",
    "h2 0.3.20",
    "crossbeam-channel 0.5.13",
  ]]);
});

Deno.test("audit: fixed and unaffected versions of the same packages give no finding", async () => {
  const db = await loadAdvisories(ADVISORIES);
  const text = (await Deno.readTextFile(LOCK))
    .replace('version = "1.5.4"', 'version = "1.5.5"')
    .replace('version = "1.6.0"', 'version = "1.6.1"')
    .replace('version = "0.3.20"', 'version = "0.3.24"')
    .replace('version = "0.5.13"', 'version = "0.5.11"')
    .replace('version = "0.3.1"', 'version = "0.3.2"')
    .replace('version = "1.2.0"', 'version = "1.2.1"')
    .replace(/"@acme\/log 0\.3\.1"/g, '"@acme/log 0.3.2"')
    .replace('"crossbeam-channel 0.5.13"', '"crossbeam-channel 0.5.11"');
  const report = auditLock(parseLockfile(text), db.records, { root: "r", edges: new Map() });
  assert.deepEqual(report.findings, []);
});

Deno.test("pathsTo: shortest first, capped, cycles end", () => {
  const edges = new Map([["r", ["a", "b"]], ["a", ["c"]], ["b", ["a"]], ["c", ["a"]]]);
  assert.deepEqual(pathsTo({ root: "r", edges }, "c"), [["r", "a", "c"], ["r", "b", "a", "c"]]);
  assert.deepEqual(pathsTo({ root: "r", edges }, "c", 1), [["r", "a", "c"]]);
});
