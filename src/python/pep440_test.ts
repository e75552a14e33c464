import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { MochiError } from "../errors.ts";
import {
  comparePep440,
  comparePep440Versions,
  normalizePep440,
  parsePep440Version,
  parseSpecifierSet,
  Specifier,
  specifierSetContains,
} from "./mod.ts";

Deno.test("normalizePep440 follows str(Version(...))", () => {
  assertEquals(normalizePep440("1.0-RC.1"), "1.0rc1");
  assertEquals(normalizePep440(" v1!2.0.post-3.DEV+Ubuntu_01 "), "1!2.0.post3.dev0+ubuntu.1");
  assertEquals(normalizePep440("1.0-1"), "1.0.post1");
});

Deno.test("comparePep440: dev < a < b < rc < final < post; locals above", () => {
  const order = ["1.0.dev1", "1.0a1", "1.0b1", "1.0rc1", "1.0", "1.0+abc", "1.0.post1", "1.1"];
  for (let i = 0; i + 1 < order.length; i++) {
    assert(comparePep440(order[i]!, order[i + 1]!) < 0, `${order[i]} < ${order[i + 1]}`);
  }
  assertEquals(comparePep440("1.0", "1.0.0.0"), 0);
});

Deno.test("invalid versions and specifiers throw PY_E001 / PY_E002", () => {
  const e = assertThrows(() => parsePep440Version("1.0.x"), MochiError);
  assertEquals(e.code, "PY_E001");
  const big = assertThrows(() => parsePep440Version("1.99999999999999999999"), MochiError);
  assertEquals(big.code, "PY_E001");
  assert(big.message.includes("too large"));
  const s = assertThrows(() => parseSpecifierSet(">=1.0, ~=1"), MochiError);
  assertEquals(s.code, "PY_E002");
  assert(s.message.includes("~=1"));
  assertThrows(() => new Specifier("==1.0.*+local"), MochiError);
});

Deno.test("specifierSetContains: the issue's shape, with and without a pre-release policy", () => {
  const set = parseSpecifierSet(">=1.0,<2");
  assertEquals(specifierSetContains(set, "1.5"), true);
  assertEquals(specifierSetContains(set, "2.0.dev1"), false);
  assertEquals(specifierSetContains(set, "1.5a1"), true);
  assertEquals(specifierSetContains(set, "1.5a1", { prereleases: false }), false);
  assertEquals(specifierSetContains(parseSpecifierSet("==1.*"), "not a version"), false);
  assertEquals(specifierSetContains(parseSpecifierSet("===foo"), "foo"), true);
});

interface RandomCases {
  relations: [string, string, boolean | null, string][];
  versions: [string, string | null][];
  sorted: string[];
  sets: {
    s: string;
    ok: boolean;
    str?: string;
    unsat?: boolean;
    items?: string[];
    contains?: string;
    filter?: Record<string, string[]>;
  }[];
}

// Seeded random versions and specifier sets with pypa/packaging's answers, recorded offline by
// fixtures/pep440/record_random.py (provenance in fixtures/README.md).
Deno.test("random versions and specifier sets agree with pypa/packaging (recorded)", () => {
  const data: RandomCases = JSON.parse(
    Deno.readTextFileSync(new URL("../../fixtures/pep440/random.json", import.meta.url)),
  );
  const bad: unknown[] = [];
  for (const [text, norm] of data.versions) {
    let got: string | null;
    try {
      got = normalizePep440(text);
    } catch {
      got = null;
    }
    if (got !== norm) bad.push({ text, got, norm });
  }
  const valid = data.versions.filter(([, n]) => n !== null).map(([t]) => t);
  const sorted = [...valid].sort((a, b) =>
    comparePep440Versions(parsePep440Version(a), parsePep440Version(b))
  );
  if (sorted.join(" ") !== data.sorted.join(" ")) bad.push("order differs");
  let checks = 0;
  for (const c of data.sets) {
    let set;
    try {
      set = parseSpecifierSet(c.s);
    } catch {
      if (c.ok) bad.push({ s: c.s, parse: "rejected" });
      continue;
    }
    if (!c.ok) {
      bad.push({ s: c.s, parse: "accepted" });
      continue;
    }
    if (set.toString() !== c.str) bad.push({ s: c.s, str: set.toString(), want: c.str });
    if (set.isUnsatisfiable() !== c.unsat) bad.push({ s: c.s, unsat: !c.unsat });
    let grid = "";
    for (const prereleases of [undefined, true, false]) {
      for (const v of c.items!) grid += set.contains(v, { prereleases }) ? "t" : "f";
    }
    if (grid !== c.contains) bad.push({ s: c.s, grid, want: c.contains });
    for (
      const [k, prereleases] of [["None", undefined], ["True", true], ["False", false]] as const
    ) {
      const out = set.filter(c.items!, { prereleases });
      if (out.join(" ") !== c.filter![k]!.join(" ")) {
        bad.push({ s: c.s, k, out, want: c.filter![k] });
      }
    }
    checks++;
  }
  for (const [a, b, pre, want] of data.relations) {
    const prereleases = pre ?? undefined;
    const [sa, sb] = [parseSpecifierSet(a, { prereleases }), parseSpecifierSet(b, { prereleases })];
    const got = [sa.isSubset(sb), sa.isSuperset(sb), sa.isDisjoint(sb)].map((x) => x ? "t" : "f")
      .join("");
    if (got !== want) bad.push({ a, b, pre, got, want });
  }
  assertEquals(bad.slice(0, 5), []);
  assert(checks > 400, `${checks} sets checked`);
  assert(data.relations.length > 1000, `${data.relations.length} relations checked`);
});
