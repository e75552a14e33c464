import assert from "node:assert/strict";
import { MochiError } from "../errors.ts";
import type { FanoutTarget } from "../manifest/types.ts";
import { ecosystemName, ecosystemNameProblem, pep503 } from "./names.ts";
import type { Ecosystem } from "./types.ts";

const table = (t: FanoutTarget["target"], extra: Partial<FanoutTarget> = {}): FanoutTarget => ({
  target: t,
  out: `target/${t}`,
  overrides: [],
  dependencies: [],
  metadata: {},
  positions: { table: { line: 9, column: 1 } },
  ...extra,
});

Deno.test("ecosystemName: the default rule on every ecosystem", () => {
  const rows: [Ecosystem, string][] = [
    ["npm", "@acme/greet_kit"],
    ["jsr", "@acme/greet-kit"],
    ["pypi", "acme-greet-kit"],
    ["maven", "greet_kit"],
    ["nuget", "Acme.GreetKit"],
    ["crates", "acme-greet_kit"],
    ["hex", "acme_greet_kit"],
    ["swiftpm", "acme.greet_kit"],
  ];
  for (const [eco, want] of rows) {
    const name = eco === "jsr" ? "@acme/greet-kit" : "@acme/greet_kit";
    const t = table(eco === "maven" ? "jvm" : "typescript", { group: "org.acme" });
    assert.equal(ecosystemName(eco, name, eco === "maven" ? t : undefined).name, want, eco);
  }
  assert.equal(
    ecosystemName("maven", "@acme/greet", table("jvm", { group: "org.acme" })).group,
    "org.acme",
  );
  assert.equal(ecosystemName("npm", "greet").name, "greet");
  assert.equal(
    ecosystemName("swiftpm", "greet", table("swift", { scope: "acme" })).name,
    "acme.greet",
  );
  assert.equal(
    ecosystemName("pypi", "@acme/x", table("python", { name: "Acme.X" })).name,
    "Acme.X",
  );
  assert.equal(pep503("Acme__X.y"), "acme-x-y");
});

Deno.test("ecosystemName: refusals name the rule and the manifest position (FANOUT_E004)", () => {
  const refuse = (f: () => unknown, re: RegExp, line?: number) =>
    assert.throws(
      f,
      (e: unknown) =>
        e instanceof MochiError && e.code === "FANOUT_E004" && re.test(e.message) &&
        (line === undefined || e.line === line),
    );
  refuse(() => ecosystemName("jsr", "greet"), /needs a scope/);
  refuse(() => ecosystemName("swiftpm", "greet", table("swift")), /needs a scope/, 9);
  refuse(() => ecosystemName("maven", "@a/greet", table("jvm")), /groupId/, 9);
  refuse(
    () =>
      ecosystemName(
        "maven",
        "@a/greet",
        table("jvm", {
          group: "org..acme",
          positions: { table: { line: 9, column: 1 }, group: { line: 11, column: 1 } },
        }),
      ),
    /groupId/,
    11,
  );
  refuse(
    () =>
      ecosystemName(
        "npm",
        "@a/b",
        table("typescript", {
          name: "Has Space",
          positions: { name: { line: 12, column: 1 } },
        }),
      ),
    /not a valid npm name/,
    12,
  );
  refuse(() => ecosystemName("jsr", "@a/b"), /JSR scopes are 2–20/);
  assert.match(ecosystemNameProblem("crates", "9lives")!, /ASCII letter/);
  assert.match(ecosystemNameProblem("nuget", "a..b")!, /NuGet/);
  assert.match(ecosystemNameProblem("pypi", "-x")!, /PEP 508/);
  assert.equal(ecosystemNameProblem("swiftpm", "mona.LinkedList"), undefined);
  assert.match(ecosystemNameProblem("swiftpm", "mona.Linked--List")!, /SwiftPM/);
  assert.match(ecosystemNameProblem("npm", "_x")!, /npm/);
});
