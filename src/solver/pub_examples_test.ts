/**
 * The worked examples of pub's `doc/solver.md` §Examples: solutions for the solvable ones and
 * the failure reports (same derivations and line numbers as pub's text) for the others.
 */
import assert from "node:assert/strict";
import { parseRequirement, VersionSet } from "../semver/mod.ts";
import { NoSolutionError, OfflineDependencyProvider, solve } from "./mod.ts";

type Registry = Record<string, Record<string, Record<string, string>>>;

function provider(reg: Registry): OfflineDependencyProvider {
  const p = new OfflineDependencyProvider();
  for (const [name, versions] of Object.entries(reg)) {
    for (const [v, deps] of Object.entries(versions)) p.add(name, v, deps);
  }
  return p;
}

function root(deps: Record<string, string>) {
  return { name: "root", version: "1.0.0", dependencies: deps };
}

/** How a requirement prints in our reports (pub spells ranges its own way). */
function r(req: string): string {
  return VersionSet.fromRequirement(parseRequirement(req)).toString();
}

async function failure(reg: Registry, deps: Record<string, string>): Promise<NoSolutionError> {
  try {
    await solve(provider(reg), root(deps));
  } catch (e) {
    assert.ok(e instanceof NoSolutionError, `expected NoSolutionError, got ${e}`);
    assert.equal(e.code, "SOLVER_E002");
    assert.equal(e.message, e.report);
    return e;
  }
  throw new Error("expected the solve to fail");
}

Deno.test("pub example: no conflicts", async () => {
  const got = await solve(
    provider({
      foo: { "1.0.0": { bar: "^1.0.0" } },
      bar: { "1.0.0": {}, "2.0.0": {} },
    }),
    root({ foo: "^1.0.0" }),
  );
  assert.deepEqual(Object.fromEntries(got), { bar: "1.0.0", foo: "1.0.0" });
});

Deno.test("pub example: avoiding conflict during decision making", async () => {
  const got = await solve(
    provider({
      foo: { "1.0.0": {}, "1.1.0": { bar: "^2.0.0" } },
      bar: { "1.0.0": {}, "1.1.0": {}, "2.0.0": {} },
    }),
    root({ foo: "^1.0.0", bar: "^1.0.0" }),
  );
  assert.deepEqual(Object.fromEntries(got), { bar: "1.1.0", foo: "1.0.0" });
});

Deno.test("pub example: performing conflict resolution", async () => {
  const got = await solve(
    provider({
      foo: { "1.0.0": {}, "2.0.0": { bar: "^1.0.0" } },
      bar: { "1.0.0": { foo: "^1.0.0" } },
    }),
    root({ foo: ">=1.0.0" }),
  );
  assert.deepEqual(Object.fromEntries(got), { foo: "1.0.0" });
});

Deno.test("pub example: conflict resolution with a partial satisfier", async () => {
  const got = await solve(
    provider({
      foo: { "1.0.0": {}, "1.1.0": { left: "^1.0.0", right: "^1.0.0" } },
      left: { "1.0.0": { shared: ">=1.0.0" } },
      right: { "1.0.0": { shared: "<2.0.0" } },
      shared: { "2.0.0": {}, "1.0.0": { target: "^1.0.0" } },
      target: { "2.0.0": {}, "1.0.0": {} },
    }),
    root({ foo: "^1.0.0", target: "^2.0.0" }),
  );
  assert.deepEqual(Object.fromEntries(got), { foo: "1.0.0", target: "2.0.0" });
});

Deno.test("pub example: linear error reporting", async () => {
  const e = await failure(
    {
      foo: { "1.0.0": { bar: "^2.0.0" } },
      bar: { "2.0.0": { baz: "^3.0.0" } },
      baz: { "1.0.0": {}, "3.0.0": {} },
    },
    { foo: "^1.0.0", baz: "^1.0.0" },
  );
  const explanation = e.report.split("\n\nFix options:\n")[0];
  assert.equal(
    explanation,
    [
      `Because every version of foo depends on bar ${r("^2.0.0")} which depends on baz ${
        r("^3.0.0")
      }, every version of foo requires baz ${r("^3.0.0")}.`,
      `So, because root depends on both baz ${r("^1.0.0")} and foo ${
        r("^1.0.0")
      }, version solving failed.`,
    ].join("\n"),
  );
  const fixes = e.report.split("\n\nFix options:\n")[1].split("\n");
  assert.ok(
    fixes.includes(`  - relax the root requirement on baz (now ${r("^1.0.0")}) in the manifest`),
  );
  assert.ok(fixes.some((l) => l.startsWith(`  - allow several versions of baz: add "baz"`)));
});

Deno.test("pub example: branching error reporting", async () => {
  const e = await failure(
    {
      foo: {
        "1.0.0": { a: "^1.0.0", b: "^1.0.0" },
        "1.1.0": { x: "^1.0.0", y: "^1.0.0" },
      },
      a: { "1.0.0": { b: "^2.0.0" } },
      b: { "1.0.0": {}, "2.0.0": {} },
      x: { "1.0.0": { y: "^2.0.0" } },
      y: { "1.0.0": {}, "2.0.0": {} },
    },
    { foo: "^1.0.0" },
  );
  const explanation = e.report.split("\n\nFix options:\n")[0];
  assert.equal(
    explanation,
    [
      `    Because foo <1.1.0 depends on a ${r("^1.0.0")} which depends on b ${
        r("^2.0.0")
      }, foo <1.1.0 requires b ${r("^2.0.0")}.`,
      `(1) So, because foo <1.1.0 depends on b ${r("^1.0.0")}, foo <1.1.0 is forbidden.`,
      ``,
      `    Because foo >=1.1.0 depends on x ${r("^1.0.0")} which depends on y ${
        r("^2.0.0")
      }, foo >=1.1.0 requires y ${r("^2.0.0")}.`,
      `    And because foo >=1.1.0 depends on y ${r("^1.0.0")}, foo >=1.1.0 is forbidden.`,
      `    And because foo <1.1.0 is forbidden (1), foo is forbidden.`,
      `    So, because root depends on foo ${r("^1.0.0")}, version solving failed.`,
    ].join("\n"),
  );
});
