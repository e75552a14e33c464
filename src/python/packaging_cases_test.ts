/**
 * Every parametrised case of pypa/packaging's own tests, `tests/test_version.py` and
 * `tests/test_specifiers.py`, as data: `fixtures/pep440/cases.json` holds one check per case
 * with packaging's answer (recorded by `fixtures/pep440/record.py`, provenance in
 * `fixtures/README.md`), grouped by the packaging test it comes from. Each group runs as one
 * step; the groups that test Python-only behaviour (pickling, hashing, repr, caches) are listed
 * in the fixture's `notPorted` with the reason.
 */
import { assertEquals } from "../../tests/assert.ts";
import {
  baseVersionPep440,
  comparePep440,
  formatPep440,
  isPep440Prerelease,
  makePep440Version,
  parsePep440Version,
  type Pep440Version,
  publicPep440,
  tryParsePep440Version,
} from "./pep440.ts";
import {
  parseSpecifierSet,
  Specifier,
  type SpecifierSet,
  type VersionInput,
} from "./specifiers.ts";

// deno-lint-ignore no-explicit-any
type Check = Record<string, any> & { op: string; group: number };
interface Cases {
  groups: string[];
  versions: string[];
  order: string[];
  sample: string[];
  equiv: string[];
  checks: Check[];
  notPorted: Record<string, string>;
}

const cases: Cases = JSON.parse(
  await Deno.readTextFile(new URL("../../fixtures/pep440/cases.json", import.meta.url)),
);

function opt(v: boolean | null | undefined): boolean | undefined {
  return v === null ? undefined : v;
}

function set(text: string, configured: boolean | null | undefined): SpecifierSet {
  return parseSpecifierSet(text, { prereleases: opt(configured) });
}

function spec(text: string, configured: boolean | null | undefined): Specifier {
  const c = opt(configured);
  return c === undefined ? new Specifier(text) : new Specifier(text, c);
}

function items(c: Check): string[] {
  return c.items === "$sample" ? cases.sample : c.items === "$equiv" ? cases.equiv : c.items;
}

function item(c: Check): VersionInput {
  return c.parsed ? parsePep440Version(c.v) : c.v;
}

function mask(list: string[], out: string[], expected: string | string[]): string | string[] {
  if (typeof expected !== "string") return out;
  let j = 0;
  return list.map((x) => (j < out.length && out[j] === x ? (j++, "1") : "0")).join("");
}

/** Runs one check; returns [what we computed, what packaging answered]. */
function run(c: Check): [unknown, unknown] {
  switch (c.op) {
    case "version": {
      const v = tryParsePep440Version(c.v);
      if (!c.ok) return [v === undefined, true];
      if (v === undefined) return [`invalid ${c.v}`, "valid"];
      return [{
        norm: formatPep440(v),
        public: publicPep440(v),
        base: baseVersionPep440(v),
        epoch: v.epoch,
        release: [...v.release],
        pre: v.pre === undefined ? null : [...v.pre],
        post: v.post ?? null,
        dev: v.dev ?? null,
        local: v.local === undefined ? null : v.local.join("."),
        isPre: isPep440Prerelease(v),
        isDev: v.dev !== undefined,
        isPost: v.post !== undefined,
      }, {
        norm: c.norm,
        public: c.public,
        base: c.base,
        epoch: c.epoch,
        release: c.release,
        pre: c.pre,
        post: c.post,
        dev: c.dev,
        local: c.local,
        isPre: c.isPre,
        isDev: c.isDev,
        isPost: c.isPost,
      }];
    }
    case "cmp":
      return [Math.sign(comparePep440(c.a, c.b)), c.sign];
    case "fromParts": {
      const a = c.args;
      const v = makePep440Version({
        release: a.release,
        ...(a.epoch === undefined || a.epoch === null ? {} : { epoch: a.epoch }),
        ...(a.pre === undefined || a.pre === null ? {} : { pre: a.pre }),
        ...(a.post === undefined || a.post === null ? {} : { post: a.post }),
        ...(a.dev === undefined || a.dev === null ? {} : { dev: a.dev }),
        ...(a.local === undefined || a.local === null
          ? {}
          : { local: parsePep440Version(`0+${a.local}`).local }),
      });
      return [
        comparePep440(formatPep440(v), c.expected) === 0 ? c.expected : formatPep440(v),
        c.expected,
      ];
    }
    case "spec": {
      let s: Specifier;
      try {
        s = new Specifier(c.s);
      } catch {
        return [false, c.ok];
      }
      if (!c.ok) return [true, false];
      return [
        { str: s.toString(), operator: s.operator, version: s.version, pre: s.prereleases ?? null },
        { str: c.str, operator: c.operator, version: c.version, pre: c.prereleases },
      ];
    }
    case "set": {
      let s: SpecifierSet;
      try {
        s = set(c.s, c.configured);
      } catch {
        return [false, c.ok];
      }
      if (!c.ok) return [true, false];
      return [
        {
          str: s.toString(),
          pre: s.prereleases ?? null,
          length: s.specifiers.length,
          unsat: s.isUnsatisfiable(),
        },
        { str: c.str, pre: c.prereleases, length: c.length, unsat: c.unsat },
      ];
    }
    case "specContains":
      return [
        spec(c.s, c.configured).contains(c.v, { prereleases: opt(c.prereleases) }),
        c.expected,
      ];
    case "specFilter": {
      const list = items(c);
      const out = spec(c.s, c.configured).filter(list, { prereleases: opt(c.prereleases) });
      return [mask(list, out, c.expected), c.expected];
    }
    case "setContains":
      return [
        set(c.s, c.configured).contains(item(c), {
          prereleases: opt(c.prereleases),
          installed: opt(c.installed),
        }),
        c.expected,
      ];
    case "setContainsGrid": {
      const s = set(c.s, c.configured);
      let grid = "";
      for (const installed of [undefined, true, false]) {
        for (const x of items(c)) {
          grid += s.contains(x, { prereleases: opt(c.prereleases), installed }) ? "t" : "f";
        }
      }
      return [grid, c.expected];
    }
    case "setFilter": {
      const list = items(c);
      const out = set(c.s, c.configured).filter(list, { prereleases: opt(c.prereleases) });
      return [mask(list, out, c.expected), c.expected];
    }
    case "specEq":
      return [new Specifier(c.a).equals(new Specifier(c.b)), c.expected];
    case "setEq":
      return [parseSpecifierSet(c.a).equals(parseSpecifierSet(c.b)), c.expected];
    case "setRelation": {
      const a = set(c.a, c.pa), b = set(c.b, c.pb);
      try {
        return [[a.isSubset(b), a.isSuperset(b), a.isDisjoint(b)], c.expected];
      } catch {
        return ["error", c.expected];
      }
    }
    case "setAnd":
      return [parseSpecifierSet(c.a).and(parseSpecifierSet(c.b)).toString(), c.expected];
  }
  throw new Error(`unknown check ${c.op}`);
}

Deno.test("packaging tests/test_version.py: the order of VERSIONS (test_comparison_true/false)", () => {
  const vs = cases.versions.map(parsePep440Version);
  const rows = vs.map((_: Pep440Version, i) =>
    vs.map((_, j) => {
      const c = comparePep440(cases.versions[i]!, cases.versions[j]!);
      return c < 0 ? "<" : c === 0 ? "=" : ">";
    }).join("")
  );
  assertEquals(rows, cases.order);
  assertEquals(vs.length, 92);
});

Deno.test("packaging tests: every parametrised group (fixtures/pep440/cases.json)", async (t) => {
  const byGroup = new Map<number, Check[]>();
  for (const c of cases.checks) {
    let l = byGroup.get(c.group);
    if (l === undefined) byGroup.set(c.group, l = []);
    l.push(c);
  }
  for (const [g, checks] of byGroup) {
    await t.step(`${cases.groups[g]} (${checks.length} checks)`, () => {
      const failures: unknown[] = [];
      for (const c of checks) {
        const [got, want] = run(c);
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          failures.push({ check: { ...c, group: undefined }, got, want });
        }
      }
      assertEquals(failures.slice(0, 5), [], `${failures.length} of ${checks.length} failed`);
    });
  }
  // Every packaging test function is either checked above or named as not ported with a reason.
  const notPorted = Object.entries(cases.notPorted);
  assertEquals(notPorted.filter(([, why]) => why === "UNHANDLED"), []);
  assertEquals(cases.checks.length > 4000, true);
});
