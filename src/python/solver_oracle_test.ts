/**
 * The one PubGrub solver over PEP 440 version sets, against a brute-force oracle on small random
 * registries (as `src/solver/oracle_test.ts` does for cargo SemVer): versions with epochs,
 * pre-, post-, dev-releases and local labels, requirements with every operator, wildcards and
 * `===`. The solver finds a solution exactly when exhaustive search does and every solution
 * meets every requirement; membership of each requirement's version set agrees with
 * `SpecifierSet.contains` (pre-releases admitted, as the sets hold them).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { NoSolutionError, OfflineDependencyProvider, resolveWith } from "../solver/mod.ts";
import { formatPep440, parsePep440Version } from "./pep440.ts";
import { parseSpecifierSet } from "./specifiers.ts";
import { pep440Scheme, type Pep440VersionSet } from "./version_set.ts";

const NAMES = ["a", "b", "c", "d", "e", "f"]; // "f" is never published: a missing package
const VERSIONS = [
  "0.1",
  "1.0.dev1",
  "1.0a1",
  "1.0",
  "1.0+local.1",
  "1.0.post1",
  "1.1",
  "2.0rc1",
  "2.0",
  "1!0.5",
];
const REQS = [
  "",
  ">=1.0",
  "<1.0",
  "==1.*",
  "~=1.0",
  "!=1.0",
  ">1.0",
  "<=1.0",
  "==1.0",
  "===1.0",
  ">=2.0rc1",
  "<2",
  "==2.*",
  ">=1.0a1, <2",
  "!=1.*",
  ">=1!0",
  "==1.0+local.1",
  ">1.0.dev1, <1.0.post1",
];

interface Reg {
  packages: Map<string, Map<string, Map<string, string>>>; // name → version → dep → req
  root: Map<string, string>;
}

const arbReq = fc.oneof(
  { arbitrary: fc.constantFrom("", ">=0.1", "<3"), weight: 2 },
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
  root: fc.dictionary(fc.constantFrom(...NAMES.slice(0, 5)), arbReq, { minKeys: 1, maxKeys: 3 }),
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

function providerOf(reg: Reg): OfflineDependencyProvider<Pep440VersionSet> {
  const p = new OfflineDependencyProvider(pep440Scheme);
  for (const [name, versions] of reg.packages) {
    for (const [v, deps] of versions) p.add(name, v, Object.fromEntries(deps));
  }
  return p;
}

const sat = (v: string, req: string) =>
  pep440Scheme.parseRequirement(req).contains(parsePep440Version(v));

/** Exhaustive search: one version per name. */
function oracle(reg: Reg): boolean {
  const search = (selected: Map<string, string>, todo: [string, string][]): boolean => {
    let i = 0;
    while (i < todo.length) {
      const [name, req] = todo[i]!;
      const v = selected.get(name);
      if (v === undefined || !sat(v, req)) break;
      i++;
    }
    if (i === todo.length) return true;
    const [name, req] = todo[i]!;
    if (selected.has(name)) return false;
    const rest = todo.slice(i + 1);
    for (const [v, deps] of reg.packages.get(name) ?? []) {
      if (!sat(v, req)) continue;
      if (search(new Map(selected).set(name, v), [...rest, ...deps])) return true;
    }
    return false;
  };
  return search(new Map(), [...reg.root]);
}

async function solved(reg: Reg): Promise<boolean> {
  let packages;
  try {
    packages = await resolveWith(pep440Scheme, providerOf(reg), {
      name: "root",
      version: "1.0",
      dependencies: Object.fromEntries(reg.root),
    });
  } catch (e) {
    if (e instanceof NoSolutionError) return false;
    throw e;
  }
  const picked = new Map(packages.map((p) => [p.name, formatPep440(p.version)]));
  assert.equal(picked.size, packages.length, "one version per name");
  for (const [d, req] of reg.root) assert.ok(sat(picked.get(d)!, req), `root needs ${d} ${req}`);
  for (const p of packages) {
    for (const [d, req] of reg.packages.get(p.name)!.get(formatPep440(p.version))!) {
      assert.ok(sat(picked.get(d)!, req), `${p.name} needs ${d} ${req}, got ${picked.get(d)}`);
    }
  }
  return true;
}

Deno.test("PEP 440 sets: membership equals SpecifierSet.contains with pre-releases admitted", () => {
  for (const req of REQS) {
    const spec = parseSpecifierSet(req);
    for (const v of VERSIONS) {
      const want = req.startsWith("===")
        ? formatPep440(parsePep440Version(v)) === req.slice(3)
        : spec.contains(v, { prereleases: true });
      assert.equal(sat(v, req), want, `${v} in ${req}`);
    }
  }
});

Deno.test("PubGrub over PEP 440: solvable exactly when exhaustive search says so", async () => {
  let solvable = 0;
  await fc.assert(
    fc.asyncProperty(arbReg, async (reg) => {
      const want = oracle(reg);
      if (want) solvable++;
      assert.equal(await solved(reg), want);
    }),
    { numRuns: 2000, seed: 440 },
  );
  assert.ok(solvable > 300 && solvable < 1700, `solvable ${solvable} of 2000`);
});
