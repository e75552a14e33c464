/**
 * Behaviour tests of the solver's options and edges: allow-multi-version, locked preference,
 * yanked skip, Mochi checks, missing packages, provider failures and the watchdog.
 */
import assert from "node:assert/strict";
import { MochiError } from "../errors.ts";
import { formatVersion, parseVersion, type Version, type VersionSet } from "../semver/mod.ts";
import {
  type DependencyProvider,
  NoSolutionError,
  OfflineDependencyProvider,
  resolve,
  solve,
} from "./mod.ts";

type Registry = Record<string, Record<string, Record<string, string>>>;

function provider(reg: Registry): OfflineDependencyProvider {
  const p = new OfflineDependencyProvider();
  for (const [name, versions] of Object.entries(reg)) {
    for (const [v, deps] of Object.entries(versions)) p.add(name, v, deps);
  }
  return p;
}

const root = (deps: Record<string, string>) => ({
  name: "app",
  version: "0.1.0",
  dependencies: deps,
});

async function rejects(p: Promise<unknown>): Promise<MochiError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof MochiError, `expected MochiError, got ${e}`);
    return e;
  }
  throw new Error("expected a failure");
}

const TWO_MAJORS: Registry = {
  left: { "1.0.0": { log: "^1.2" } },
  right: { "1.0.0": { log: "^2.0" } },
  log: { "1.2.0": {}, "1.3.0": {}, "2.0.0": {}, "2.1.0": {} },
};

Deno.test("allow-multi-version: two majors coexist, keyed name#bucket", async () => {
  const deps = { left: "1", right: "1" };
  const e = await rejects(solve(provider(TWO_MAJORS), root(deps)));
  assert.equal(e.code, "SOLVER_E002");
  assert.ok(e instanceof NoSolutionError);
  // the solver's report names no manifest option; install adds them (src/install/hints.ts)
  assert.doesNotMatch(e.message, /allow-multi-version/);
  const got = await solve(provider(TWO_MAJORS), root(deps), { allowMultiVersion: ["log"] });
  assert.deepEqual(Object.fromEntries(got), {
    left: "1.0.0",
    "log#1": "1.3.0",
    "log#2": "2.1.0",
    right: "1.0.0",
  });
  const resolved = await resolve(provider(TWO_MAJORS), root(deps), { allowMultiVersion: "*" });
  const edge = (n: string) =>
    formatVersion(resolved.find((p) => p.name === n)!.dependencies.get("log")!);
  assert.equal(edge("left"), "1.3.0");
  assert.equal(edge("right"), "2.1.0");
  assert.deepEqual(resolved.map((p) => `${p.name} ${formatVersion(p.version)}`), [
    "left 1.0.0",
    "log 1.3.0",
    "log 2.1.0",
    "right 1.0.0",
  ]);
});

Deno.test("allow-multi-version: 0.x buckets are per minor; one picked version keeps the plain key", async () => {
  const reg: Registry = {
    a: { "1.0.0": { rand: "^0.7" } },
    b: { "1.0.0": { rand: "^0.8" } },
    c: { "1.0.0": { rand: "^0.8.1" } },
    rand: { "0.7.3": {}, "0.8.0": {}, "0.8.5": {} },
  };
  const got = await solve(provider(reg), root({ a: "1", b: "1", c: "1" }), {
    allowMultiVersion: ["rand"],
  });
  assert.deepEqual(Object.fromEntries(got), {
    a: "1.0.0",
    b: "1.0.0",
    c: "1.0.0",
    "rand#0.7": "0.7.3",
    "rand#0.8": "0.8.5",
  });
  const single = await solve(provider(reg), root({ b: "1", c: "1" }), {
    allowMultiVersion: ["rand"],
  });
  assert.equal(single.get("rand"), "0.8.5");
});

Deno.test("allow-multi-version: a wide requirement picks one bucket per edge", async () => {
  const reg: Registry = {
    old: { "1.0.0": { log: "^1" } },
    any: { "1.0.0": { log: ">=1.0.0, <3.0.0" } },
    only2: { "1.0.0": { log: ">=0.5, <3" } },
    log: { "1.0.0": {}, "1.5.0": {}, "2.0.0": { dep: "=9.9.9" } },
    dep: { "1.0.0": {} },
  };
  // log 2.0.0 is unusable (its dependency does not exist), so the wide edges fall back to 1.x.
  const resolved = await resolve(provider(reg), root({ old: "1", any: "1", only2: "1" }), {
    allowMultiVersion: ["log"],
  });
  for (const p of resolved.filter((p) => p.name !== "log")) {
    assert.equal(formatVersion(p.dependencies.get("log")!), "1.5.0", p.name);
  }
  assert.deepEqual(resolved.filter((p) => p.name === "log").map((p) => formatVersion(p.version)), [
    "1.5.0",
  ]);
  // Without the poisoned 2.0.0 the wide edge takes the newest bucket while ^1 keeps 1.x.
  reg.log!["2.0.0"] = {};
  const got = await solve(provider(reg), root({ old: "1", any: "1" }), {
    allowMultiVersion: "*",
  });
  assert.equal(got.get("log#1"), "1.5.0");
  assert.equal(got.get("log#2"), "2.0.0");
});

Deno.test("locked: the locked version is tried first while still allowed", async () => {
  const reg: Registry = { lib: { "1.0.0": {}, "1.1.0": {}, "1.2.0": {}, "2.0.0": {} } };
  const p = provider(reg);
  assert.equal((await solve(p, root({ lib: "^1" }))).get("lib"), "1.2.0");
  assert.equal(
    (await solve(p, root({ lib: "^1" }), { locked: { lib: "1.1.0" } })).get("lib"),
    "1.1.0",
  );
  // No longer allowed by the requirement: the highest allowed one is picked.
  assert.equal(
    (await solve(p, root({ lib: "^2" }), { locked: { lib: "1.1.0" } })).get("lib"),
    "2.0.0",
  );
});

Deno.test("yanked: skipped unless locked; the report names them", async () => {
  const reg: Registry = { lib: { "1.0.0": {}, "1.1.0": {}, "2.0.0": {} } };
  const yanked = (name: string, v: Version) => name === "lib" && formatVersion(v) !== "1.0.0";
  const p = provider(reg);
  assert.equal((await solve(p, root({ lib: "^1" }), { yanked })).get("lib"), "1.0.0");
  assert.equal(
    (await solve(p, root({ lib: "^1" }), { yanked, locked: { lib: "1.1.0" } })).get("lib"),
    "1.1.0",
  );
  const e = await rejects(solve(p, root({ lib: "^2" }), { yanked }));
  assert.ok(e instanceof NoSolutionError);
  assert.match(e.report, /skipped as yanked: 2\.0\.0/);
  assert.match(e.report, /lib 2\.0\.0 is yanked/);
});

Deno.test("checkVersion: an excluded version gets its own incompatibility and cause", async () => {
  const p = provider({ net: { "1.0.0": {}, "1.1.0": {} } });
  p.exclude("net", "1.1.0", "requires capability net.dial outside the pin");
  assert.equal((await solve(p, root({ net: "^1" }))).get("net"), "1.0.0");
  const e = await rejects(solve(p, root({ net: "^1.1" })));
  assert.equal(e.code, "SOLVER_E002");
  assert.match(e.message, /net 1\.1\.0 .*requires capability net\.dial outside the pin/);
});

Deno.test("missing package: no versions of X, with a fix option", async () => {
  const p = provider({ a: { "1.0.0": { ghost: "^1" } } });
  const e = await rejects(solve(p, root({ a: "^1" })));
  assert.ok(e instanceof NoSolutionError);
  assert.equal(
    e.report.split("\n\n")[0],
    "Because every version of a depends on ghost ^1 which doesn't exist, a is forbidden.\n" +
      "So, because app depends on a ^1, version solving failed.",
  );
  assert.match(e.report, /ghost is not in the registry/);
});

Deno.test("provider failures: wrapped as SOLVER_E003 with the cause; MochiErrors pass through", async () => {
  const boom = new Error("disk on fire");
  const failing: DependencyProvider = {
    listVersions: () => [parseVersion("1.0.0")],
    getDependencies: () => Promise.reject(boom),
  };
  const e = await rejects(solve(failing, root({ x: "*" })));
  assert.equal(e.code, "SOLVER_E003");
  assert.equal(e.cause, boom);
  assert.match(e.message, /x 1\.0\.0: disk on fire/);
  const own = new MochiError("INDEX_E004", "registry unreachable");
  const failing2: DependencyProvider = {
    listVersions: () => {
      throw own;
    },
    getDependencies: () => new Map<string, VersionSet>(),
  };
  assert.equal(await rejects(solve(failing2, root({ x: "*" }))), own);
});

Deno.test("async provider with prefetch hints sees every needed name", async () => {
  const inner = provider({
    a: { "1.0.0": { b: "^1", c: "^1" } },
    b: { "1.0.0": { c: "^1" } },
    c: { "1.0.0": {} },
  });
  const hinted: string[] = [];
  const p: DependencyProvider = {
    listVersions: (n) => Promise.resolve(inner.listVersions(n)),
    getDependencies: (n, v) => Promise.resolve(inner.getDependencies(n, v)),
    prefetch: (names) => hinted.push(...names),
  };
  const got = await solve(p, root({ a: "^1" }));
  assert.deepEqual(Object.fromEntries(got), { a: "1.0.0", b: "1.0.0", c: "1.0.0" });
  assert.deepEqual(hinted.sort(), ["a", "b", "c"]);
});

Deno.test("watchdog: a tiny step budget stops the solve with SOLVER_E001", async () => {
  const p = provider({ a: { "1.0.0": { b: "^1" } }, b: { "1.0.0": {} } });
  const e = await rejects(solve(p, root({ a: "^1" }), { maxSteps: 2 }));
  assert.equal(e.code, "SOLVER_E001");
  assert.match(e.message, /stopped after 2 steps/);
  const e2 = await rejects(solve(p, root({ a: "^1" }), { timeoutMs: -1 }));
  assert.equal(e2.code, "SOLVER_E001");
});

Deno.test("pre-releases are picked only when a requirement names them", async () => {
  const p = provider({ lib: { "1.0.0": {}, "1.1.0-beta.1": {} } });
  assert.equal((await solve(p, root({ lib: "^1" }))).get("lib"), "1.0.0");
  assert.equal((await solve(p, root({ lib: "^1.1.0-beta.1" }))).get("lib"), "1.1.0-beta.1");
});
