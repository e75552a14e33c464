/**
 * The pathological registry shapes of cargo's resolver tests
 * (`crates/resolver-tests/tests/resolve.rs`: `resolving_with_many_equivalent_backtracking`,
 * `resolving_with_deep_traps`, `resolving_with_constrained_cousins_backtrack`,
 * `resolving_with_constrained_sibling_backtrack_parent`, `large_conflict_cache`), rebuilt as
 * in-memory registries for mochi's solver. Each case carries its expected answer: unit tests
 * check the answers (`stress_cases_test.ts`), `scripts/stress_solver.ts` times them.
 *
 * @module
 */
import { OfflineDependencyProvider } from "./provider.ts";

/** One stress case: a registry, the root requirements and what resolution must give. */
export interface StressCase {
  /** Case name (cargo's test name, plus a suffix for the variants of one test). */
  name: string;
  /** The registry. */
  provider: OfflineDependencyProvider;
  /** Root requirements: name → cargo requirement. */
  root: Record<string, string>;
  /** `"unsat"`, or name → version pairs the solution must contain. */
  expect: "unsat" | Record<string, string>;
  /**
   * `"*"` when the case relies on cargo letting semver-incompatible versions coexist (mochi's
   * `allow-multi-version`); the expected keys are then `name#bucket`.
   */
  allowMultiVersion?: "*";
}

type Pkg = [name: string, version: string, deps?: Record<string, string>];

function registry(pkgs: Pkg[]): OfflineDependencyProvider {
  const p = new OfflineDependencyProvider();
  for (const [n, v, d] of pkgs) p.add(n, v, d ?? {});
  return p;
}

/** `resolving_with_many_equivalent_backtracking`: 200 levels × 99 versions, last level absent. */
function manyEquivalent(depth: number, branching: number): StressCase[] {
  const list: Pkg[] = [];
  for (let l = 0; l < depth; l++) {
    for (let i = 1; i < branching; i++) {
      list.push([`level${l}`, `1.0.${i}`, { [`level${l + 1}`]: "*" }]);
    }
  }
  const out: StressCase[] = [];
  out.push({
    name: "many_equivalent_backtracking/unsat",
    provider: registry(list),
    root: { level0: "*" },
    expect: "unsat",
  });
  list.push(["level0", "1.0.0"]);
  out.push({
    name: "many_equivalent_backtracking/level0-1.0.0",
    provider: registry(list),
    root: { level0: "*" },
    expect: { level0: "1.0.0" },
  });
  list.push(["constrained", "1.1.0"], ["constrained", "1.0.0"]);
  list.push([`level${depth}`, "1.0.0", { constrained: "=1.0.0" }]);
  out.push({
    name: "many_equivalent_backtracking/constrained",
    provider: registry(list),
    root: { level0: "*", constrained: "*" },
    expect: { level0: "1.0.0", constrained: "1.1.0" },
  });
  out.push({
    name: "many_equivalent_backtracking/full-depth",
    provider: registry(list),
    root: { level0: "1.0.1", constrained: "*" },
    expect: { [`level${depth}`]: "1.0.0", constrained: "1.0.0" },
  });
  out.push({
    name: "many_equivalent_backtracking/full-depth-unsat",
    provider: registry(list),
    root: { level0: "1.0.1", constrained: "1.1.0" },
    expect: "unsat",
  });
  return out;
}

/** `resolving_with_deep_traps`: a 200-deep chain of traps that cannot fix `cloaking → bad`. */
function deepTraps(depth: number, branching: number): StressCase {
  const list: Pkg[] = [];
  for (let l = 0; l < depth; l++) {
    for (let i = 1; i < branching; i++) {
      list.push([`backtrack_trap${l}`, `1.0.${i}`, { [`backtrack_trap${l + 1}`]: "*" }]);
    }
  }
  for (let i = 1; i < branching; i++) list.push([`backtrack_trap${depth}`, `1.0.${i}`]);
  for (let i = 1; i < branching + 10; i++) list.push(["cloaking", `1.0.${i}`, { bad: "1.0.1" }]);
  return {
    name: "deep_traps",
    provider: registry(list),
    root: { backtrack_trap0: "*", cloaking: "*" },
    expect: "unsat",
  };
}

/** `resolving_with_constrained_cousins_backtrack` (100 × 50), its three resolutions. */
function constrainedCousins(depth: number, branching: number): StressCase[] {
  const list: Pkg[] = [];
  for (let l = 0; l < depth; l++) {
    for (let i = 1; i < branching; i++) {
      list.push([`backtrack_trap${l}`, `1.0.${i}`, { [`backtrack_trap${l + 1}`]: "*" }]);
    }
  }
  for (let i = 1; i < branching; i++) {
    list.push([`backtrack_trap${depth}`, `1.0.${i}`, { constrained: ">=1.1.0, <=2.0.0" }]);
  }
  for (let i = 0; i < branching + 10; i++) list.push(["constrained", `1.0.${i}`]);
  list.push(["constrained", "1.1.0"], ["constrained", "2.0.0"], ["constrained", "2.0.1"]);
  list.push(["cloaking", "1.0.0", { constrained: "~1.0.0" }]);
  const out: StressCase[] = [{
    name: "constrained_cousins_backtrack/traps",
    provider: registry(list),
    root: { backtrack_trap0: "*", constrained: "2.0.1", cloaking: "*" },
    expect: "unsat",
    allowMultiVersion: "*",
  }];
  for (let l = 0; l < depth; l++) {
    for (let i = 1; i < branching; i++) {
      list.push([`level${l}`, `1.0.${i}`, { [`level${l + 1}`]: "*" }]);
    }
  }
  list.push([`level${depth}`, "1.0.0", { backtrack_trap0: "*", cloaking: "*" }]);
  out.push({
    name: "constrained_cousins_backtrack/levels-unsat",
    provider: registry(list),
    root: { level0: "*", constrained: "2.0.1" },
    expect: "unsat",
    allowMultiVersion: "*",
  });
  out.push({
    name: "constrained_cousins_backtrack/levels",
    provider: registry(list),
    root: { level0: "*", constrained: "2.0.0" },
    expect: { "constrained#2": "2.0.0", "constrained#1": "1.0.59", cloaking: "1.0.0" },
    allowMultiVersion: "*",
  });
  return out;
}

/** `resolving_with_constrained_sibling_backtrack_parent` with 50 bars and traps. */
function siblingBacktrackParent(n: number): StressCase {
  const list: Pkg[] = [
    ["foo", "1.0.0", { bar: "1.0", constrained: "=1.0.0" }],
    ["bar", "1.0.0", { backtrack_trap1: "1.0.2", backtrack_trap2: "1.0.2", constrained: "1.0.0" }],
    ["constrained", "1.0.0"],
    ["backtrack_trap1", "1.0.0"],
    ["backtrack_trap2", "1.0.0"],
  ];
  for (let i = 1; i < n; i++) {
    const v = `1.0.${i}`;
    list.push(["bar", v, {
      backtrack_trap1: "1.0.2",
      backtrack_trap2: "1.0.2",
      constrained: "1.0.1",
    }]);
    list.push(["backtrack_trap1", v], ["backtrack_trap2", v], ["constrained", v]);
  }
  return {
    name: "constrained_sibling_backtrack_parent",
    provider: registry(list),
    root: { foo: "1" },
    expect: { foo: "1.0.0", bar: "1.0.0", constrained: "1.0.0" },
  };
}

/**
 * `large_conflict_cache`: 21 `-sys` names and 21 majors, 21 versions each, and a `last` whose
 * every version pins one of them to a version the root excludes (or needs a missing `bad`).
 */
function largeConflictCache(numVersions: number): StressCase {
  const list: Pkg[] = [["last", "0.0.0", { bad: "*" }]];
  const root: Record<string, string> = { last: "*" };
  for (let n = 0; n <= numVersions; n++) {
    const letter = String.fromCharCode(97 + n);
    const sys = `${letter}-sys`;
    list.push(["last", `${list.length}.0.0`, { [sys]: "=0.0.0" }]);
    root[sys] = ">= 0.0.1";
    const plain = letter;
    list.push(["last", `${list.length}.0.0`, { [plain]: "=1.0.0" }]);
    root[plain] = ">= 1.0.1";
    for (let i = 0; i <= numVersions; i++) {
      list.push([sys, `${i}.0.0`], [plain, `1.0.${i}`]);
    }
  }
  return { name: "large_conflict_cache", provider: registry(list), root, expect: "unsat" };
}

/** `resolving_with_deep_backtracking`: the first foo leads into a dead end two levels down. */
function deepBacktracking(): StressCase {
  return {
    name: "deep_backtracking",
    provider: registry([
      ["foo", "1.0.1", { bar: "1" }],
      ["foo", "1.0.0", { bar: "2" }],
      ["bar", "1.0.0", { baz: "=1.0.2", other: "1" }],
      ["bar", "2.0.0", { baz: "=1.0.1" }],
      ["baz", "1.0.2", { other: "2" }],
      ["baz", "1.0.1"],
      ["dep_req", "1.0.0"],
      ["dep_req", "2.0.0"],
    ]),
    root: { foo: "1" },
    expect: { foo: "1.0.0", bar: "2.0.0", baz: "1.0.1" },
  };
}

/** `resolving_with_constrained_sibling_backtrack_activation` (45 traps, 100 constrained). */
function siblingBacktrackActivation(): StressCase {
  const list: Pkg[] = [
    ["foo", "1.0.0", {
      bar: "=1.0.0",
      backtrack_trap1: "1.0",
      backtrack_trap2: "1.0",
      constrained: "<=1.0.60",
    }],
    ["bar", "1.0.0", { constrained: ">=1.0.60" }],
  ];
  for (let i = 0; i < 45; i++) {
    list.push(["backtrack_trap1", `1.0.${i}`], ["backtrack_trap2", `1.0.${i}`]);
  }
  for (let i = 0; i < 100; i++) list.push(["constrained", `1.0.${i}`]);
  return {
    name: "constrained_sibling_backtrack_activation",
    provider: registry(list),
    root: { foo: "1" },
    expect: { foo: "1.0.0", bar: "1.0.0", constrained: "1.0.60" },
  };
}

/** `resolving_with_constrained_sibling_transitive_dep_effects`. */
function siblingTransitiveDepEffects(): StressCase {
  const list: Pkg[] = [
    ["a", "1.0.0", { b: "1.0", c: "1.0", d: "1.0.100" }],
    ["b", "1.0.0", { c: ">=1.0.0" }],
    ["b", "1.0.1", { c: ">=1.0.1" }],
    ["c", "1.0.0", { d: "1.0.0" }],
    ["c", "1.0.1", { d: ">=1.0.1,<1.0.100" }],
    ["c", "1.0.2", { d: ">=1.0.2,<1.0.100" }],
  ];
  for (const v of ["1.0.0", "1.0.1", "1.0.2", "1.0.100", "1.0.101", "1.0.102", "1.0.103"]) {
    list.push(["d", v]);
  }
  list.push(["d", "1.0.104"], ["d", "1.0.105"]);
  return {
    name: "constrained_sibling_transitive_dep_effects",
    provider: registry(list),
    root: { a: "1" },
    expect: { a: "1.0.0", b: "1.0.0", c: "1.0.0", d: "1.0.105" },
  };
}

/** `incomplete_information_skipping_2`: solvable, and still solvable without `to_yank` 8.8.1. */
function incompleteInformationSkipping(): StressCase[] {
  const list: Pkg[] = [
    ["b", "3.8.10"],
    ["b", "8.7.4"],
    ["b", "9.4.6"],
    ["c", "1.8.8"],
    ["c", "10.2.5"],
    ["d", "4.1.2", { bad: "=6.10.9" }],
    ["d", "5.5.6"],
    ["d", "5.6.10"],
    ["to_yank", "8.0.1"],
    ["to_yank", "8.8.1"],
    ["e", "4.7.8", { d: ">=5.5.6, <=5.6.10", to_yank: "=8.0.1" }],
    ["e", "7.4.9", { bad: "=4.7.5" }],
    ["f", "1.0.0", { d: ">=4.1.2, <=5.5.6" }],
    ["g", "1.0.0", { bad: "*" }],
    ["h", "3.8.3", { g: "*" }],
    ["h", "6.8.3", { f: "*" }],
    ["h", "8.1.9", { to_yank: "=8.8.1" }],
    ["i", "1.0.0", { b: "*", c: "*", e: "*", h: "*" }],
  ];
  const without = list.filter(([n, v]) => !(n === "to_yank" && v === "8.8.1"));
  return [
    {
      name: "incomplete_information_skipping_2",
      provider: registry(list),
      root: { i: "*" },
      expect: { i: "1.0.0", e: "4.7.8", to_yank: "8.0.1", h: "6.8.3", d: "5.5.6" },
    },
    {
      name: "incomplete_information_skipping_2/yanked",
      provider: registry(without),
      root: { i: "*" },
      expect: { i: "1.0.0", e: "4.7.8", to_yank: "8.0.1", h: "6.8.3", d: "5.5.6" },
    },
  ];
}

/** `resolving_cycle`: a package that depends on itself resolves (or fails) without hanging. */
function cycle(): StressCase {
  return {
    name: "resolving_cycle",
    provider: registry([["foo", "1.0.0", { foo: "*" }]]),
    root: { foo: "1" },
    expect: { foo: "1.0.0" },
  };
}

/**
 * Every stress case at cargo's sizes.
 *
 * @returns fresh registries (building them takes a few hundred milliseconds)
 */
export function stressCases(): StressCase[] {
  return [
    ...manyEquivalent(200, 100),
    deepTraps(200, 100),
    ...constrainedCousins(100, 50),
    siblingBacktrackParent(50),
    largeConflictCache(20),
    deepBacktracking(),
    siblingBacktrackActivation(),
    siblingTransitiveDepEffects(),
    ...incompleteInformationSkipping(),
    cycle(),
  ];
}
