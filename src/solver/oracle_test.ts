/**
 * Property tests against a brute-force oracle on small random registries (≤5 packages × ≤5
 * versions, random cargo requirements, some naming missing packages): the solver finds a
 * solution exactly when exhaustive search does, every returned solution satisfies every
 * requirement, the same input gives the same output, and removing a dependency never makes a
 * solvable registry unsolvable. Also with allow-multi-version = "*".
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  compatibilityKey,
  formatVersion,
  parseRequirement,
  parseVersion,
  satisfies,
  type Version,
} from "../semver/mod.ts";
import { NoSolutionError, OfflineDependencyProvider, resolve, solve } from "./mod.ts";

const NAMES = ["a", "b", "c", "d", "e", "f"]; // "f" is never published: a missing package
const VERSIONS = ["0.1.0", "0.2.0", "1.0.0", "1.1.0", "1.2.0-beta.1", "1.2.0", "2.0.0", "3.1.0"];
const REQS = [
  "*",
  "^1",
  "^1.1",
  "~1.0",
  ">=1.0.0, <2.0.0",
  "=1.0.0",
  ">1.0.0",
  "<1.1.0",
  "^0.1",
  "^0.2",
  ">=0.2",
  "^2",
  ">=1.2.0-beta.1",
  "1.2.0-beta.1",
  "<=2.0.0",
  "^3",
];

interface Reg {
  packages: Map<string, Map<string, Map<string, string>>>; // name → version → dep → req
  root: Map<string, string>;
}

const arbReq = fc.oneof(
  { arbitrary: fc.constantFrom("*", ">=0.1.0", "^1", "<3.0.0"), weight: 2 },
  { arbitrary: fc.constantFrom(...REQS), weight: 3 },
);
const arbDeps = fc.dictionary(
  fc.constantFrom(...NAMES.slice(0, 5), ...NAMES.slice(0, 5), "f"),
  arbReq,
  { maxKeys: 3 },
);
const arbReg: fc.Arbitrary<Reg> = fc.record({
  pkgs: fc.dictionary(
    fc.constantFrom(...NAMES.slice(0, 5)),
    fc.dictionary(fc.constantFrom(...VERSIONS), arbDeps, { minKeys: 1, maxKeys: 5 }),
    { minKeys: 3, maxKeys: 5 },
  ),
  root: fc.dictionary(fc.constantFrom(...NAMES.slice(0, 5)), arbReq, {
    minKeys: 1,
    maxKeys: 3,
  }),
}).map(({ pkgs, root }) => {
  const packages = new Map<string, Map<string, Map<string, string>>>();
  for (const [name, versions] of Object.entries(pkgs)) {
    const vm = new Map<string, Map<string, string>>();
    for (const [v, deps] of Object.entries(versions)) {
      vm.set(v, new Map(Object.entries(deps).filter(([d]) => d !== name)));
    }
    packages.set(name, vm);
  }
  return { packages, root: new Map(Object.entries(root)) };
});

function providerOf(reg: Reg): OfflineDependencyProvider {
  const p = new OfflineDependencyProvider();
  for (const [name, versions] of reg.packages) {
    for (const [v, deps] of versions) p.add(name, v, Object.fromEntries(deps));
  }
  return p;
}

const rootOf = (reg: Reg) => ({
  name: "root",
  version: "1.0.0",
  dependencies: Object.fromEntries(reg.root),
});

const reqCache = new Map<string, ReturnType<typeof parseRequirement>>();
function sat(v: string, req: string): boolean {
  let r = reqCache.get(req);
  if (r === undefined) reqCache.set(req, r = parseRequirement(req));
  return satisfies(parseVersion(v), r);
}

/** Exhaustive search: one version per name (or per name and bucket when `multi`). */
function oracle(reg: Reg, multi: boolean): boolean {
  const slot = (name: string, v: string) =>
    multi ? `${name}#${compatibilityKey(parseVersion(v))}` : name;
  const search = (selected: Map<string, string>, todo: [string, string][]): boolean => {
    // Drop requirements already met by a selected version.
    let i = 0;
    while (i < todo.length) {
      const [name, req] = todo[i]!;
      const met = [...selected].some(([s, v]) => s.split("#")[0] === name && sat(v, req));
      if (!met) break;
      i++;
    }
    if (i === todo.length) return true;
    const [name, req] = todo[i]!;
    const rest = todo.slice(i + 1);
    for (const [v, deps] of reg.packages.get(name) ?? []) {
      if (!sat(v, req)) continue;
      const s = slot(name, v);
      if (selected.has(s)) continue; // the selected one did not match: this slot is taken
      const next = new Map(selected).set(s, v);
      if (search(next, [...rest, ...deps])) return true;
    }
    return false;
  };
  return search(new Map(), [...reg.root]);
}

/** Checks a returned solution: every edge meets its requirement, one version per slot. */
async function checkSolution(reg: Reg, multi: boolean): Promise<boolean> {
  let packages;
  try {
    packages = await resolve(providerOf(reg), rootOf(reg), multi ? { allowMultiVersion: "*" } : {});
  } catch (e) {
    if (e instanceof NoSolutionError) return false;
    throw e;
  }
  const slots = new Set<string>();
  const picked = new Map<string, Version>();
  for (const p of packages) {
    const slot = multi ? `${p.name}#${compatibilityKey(p.version)}` : p.name;
    assert.ok(!slots.has(slot), `two versions in slot ${slot}`);
    slots.add(slot);
    picked.set(`${p.name}@${formatVersion(p.version)}`, p.version);
    const deps = reg.packages.get(p.name)!.get(formatVersion(p.version))!;
    assert.deepEqual([...p.dependencies.keys()].sort(), [...deps.keys()].sort());
    for (const [d, req] of deps) {
      const v = p.dependencies.get(d)!;
      assert.ok(sat(formatVersion(v), req), `${p.name} needs ${d} ${req}, got ${formatVersion(v)}`);
      assert.ok(packages.some((q) => q.name === d && q.version === v), `edge target ${d} missing`);
    }
  }
  for (const [d, req] of reg.root) {
    assert.ok(
      packages.some((q) => q.name === d && sat(formatVersion(q.version), req)),
      `root needs ${d} ${req}`,
    );
  }
  // Nothing extra: every package is reachable from the root.
  const reach = new Set<string>();
  const stack = packages.filter((q) =>
    reg.root.has(q.name) && sat(formatVersion(q.version), reg.root.get(q.name)!)
  );
  while (stack.length > 0) {
    const q = stack.pop()!;
    const id = `${q.name}@${formatVersion(q.version)}`;
    if (reach.has(id)) continue;
    reach.add(id);
    for (const [d, v] of q.dependencies) {
      stack.push(packages.find((x) => x.name === d && x.version === v)!);
    }
  }
  assert.equal(reach.size, packages.length, "unreachable package in the solution");
  return true;
}

Deno.test("oracle: solvable exactly when exhaustive search says so; solutions are valid", async () => {
  await fc.assert(
    fc.asyncProperty(arbReg, async (reg) => {
      assert.equal(await checkSolution(reg, false), oracle(reg, false));
    }),
    { numRuns: 5000, seed: 20260529 },
  );
});

Deno.test("oracle: allow-multi-version '*' agrees with a per-bucket exhaustive search", async () => {
  await fc.assert(
    fc.asyncProperty(arbReg, async (reg) => {
      assert.equal(await checkSolution(reg, true), oracle(reg, true));
    }),
    { numRuns: 2000, seed: 7 },
  );
});

async function outcome(reg: Reg): Promise<string> {
  try {
    return JSON.stringify([...await solve(providerOf(reg), rootOf(reg))]);
  } catch (e) {
    if (e instanceof NoSolutionError) return e.report;
    throw e;
  }
}

Deno.test("determinism: the same input gives the same solution or report, byte for byte", async () => {
  await fc.assert(
    fc.asyncProperty(arbReg, async (reg) => {
      assert.equal(await outcome(reg), await outcome(reg));
    }),
    { numRuns: 300, seed: 99 },
  );
});

Deno.test("monotonic: removing a dependency never makes a solvable registry unsolvable", async () => {
  await fc.assert(
    fc.asyncProperty(arbReg, fc.nat(), async (reg, pick) => {
      if (!oracle(reg, false)) return;
      const edges: [string, string, string][] = [];
      for (const [n, vs] of reg.packages) {
        for (const [v, deps] of vs) for (const d of deps.keys()) edges.push([n, v, d]);
      }
      if (edges.length === 0) return;
      const [n, v, d] = edges[pick % edges.length]!;
      reg.packages.get(n)!.get(v)!.delete(d);
      assert.equal(await checkSolution(reg, false), true);
    }),
    { numRuns: 500, seed: 3 },
  );
});

Deno.test("oracle: the generator covers both outcomes and conflict resolution", () => {
  const samples = fc.sample(arbReg, { numRuns: 500, seed: 20260529 });
  const solvable = samples.filter((r) => oracle(r, false)).length;
  assert.ok(solvable > 75 && solvable < 425, `solvable ${solvable} of 500`);
});
