/**
 * The worked examples of pub's `doc/solver.md` §Examples: solutions for the solvable ones and
 * the failure reports (same derivations and line numbers as pub's text) for the others.
 */
import assert from "node:assert/strict";
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
  // pub's text, word for word
  assert.equal(
    explanation,
    [
      "Because every version of foo depends on bar ^2.0.0 which depends on baz ^3.0.0, every version of foo requires baz ^3.0.0.",
      "So, because root depends on both baz ^1.0.0 and foo ^1.0.0, version solving failed.",
    ].join("\n"),
  );
  // the solver's own fix options name no manifest (install adds those: src/install/hints.ts)
  assert.ok(!e.report.includes("allow-multi-version") && !e.report.includes("manifest"));
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
  // pub's text, word for word (pub writes the derived ranges `<1.1.0` and `>=1.1.0` the same way)
  assert.equal(
    explanation,
    [
      "    Because foo <1.1.0 depends on a ^1.0.0 which depends on b ^2.0.0, foo <1.1.0 requires b ^2.0.0.",
      "(1) So, because foo <1.1.0 depends on b ^1.0.0, foo <1.1.0 is forbidden.",
      "",
      "    Because foo >=1.1.0 depends on x ^1.0.0 which depends on y ^2.0.0, foo >=1.1.0 requires y ^2.0.0.",
      "    And because foo >=1.1.0 depends on y ^1.0.0, foo >=1.1.0 is forbidden.",
      "    And because foo <1.1.0 is forbidden (1), foo is forbidden.",
      "    So, because root depends on foo ^1.0.0, version solving failed.",
    ].join("\n"),
  );
});

Deno.test("reports show requirements as written (issue 13 item 8)", async () => {
  // `<=2.0.0` is not rewritten `<2.0.1`, `>1.0.0` not `>=1.0.1`, and a dependency on the root
  // package keeps its range
  const e = await failure(
    {
      foo: { "1.0.0": { shared: "<=1.0.0" } },
      shared: { "1.0.0": {}, "2.0.0": {} },
    },
    { foo: "1", shared: ">1.0.0" },
  );
  const text = e.report.split("\n\nFix options:\n")[0];
  assert.equal(
    text,
    "Because root depends on foo ^1 which depends on shared <=1.0.0, shared <=1.0.0 is required.\n" +
      "So, because root depends on shared >1.0.0, version solving failed.",
  );

  const cyclic = await failure(
    { foo: { "1.0.0": { root: ">0.0.0, <1.0.0" } } },
    { foo: "1.0.0" },
  );
  const line = cyclic.report.split("\n\nFix options:\n")[0];
  assert.equal(
    line,
    "Because root depends on foo ^1.0.0 which depends on root >0.0.0, <1.0.0, version solving failed.",
  );
});
