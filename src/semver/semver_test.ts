import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import fc from "fast-check";
import {
  compareVersions,
  compatibilityKey,
  formatRequirement,
  formatVersion,
  parseRequirement,
  parseVersion,
  satisfies,
  type Version,
  VersionSet,
} from "./mod.ts";
import { MochiError } from "../errors.ts";

const small = fc.integer({ min: 0, max: 3 });
const preIds = fc.array(fc.constantFrom("alpha", "beta", "rc", "0", "1", "2", "x-y"), {
  minLength: 0,
  maxLength: 2,
});
const versionArb: fc.Arbitrary<Version> = fc.record({
  major: small,
  minor: small,
  patch: small,
  pre: fc.oneof({ weight: 3, arbitrary: fc.constant([] as string[]) }, {
    weight: 1,
    arbitrary: preIds,
  }),
  build: fc.constant([] as string[]),
});
const opArb = fc.constantFrom("", "=", ">", ">=", "<", "<=", "~", "^");
const comparatorArb = fc.oneof(
  fc.tuple(opArb, versionArb).map(([op, v]) => `${op}${formatVersion(v)}`),
  fc.tuple(opArb, small, small).map(([op, a, b]) => `${op}${a}.${b}`),
  fc.tuple(opArb, small).map(([op, a]) => `${op}${a}`),
  fc.constantFrom("1.*", "0.2.*", "2.x"),
);
// a bare "*" must be the whole requirement (semver crate: WildcardNotTheOnlyComparator)
const requirementArb = fc.oneof(
  {
    weight: 9,
    arbitrary: fc.array(comparatorArb, { minLength: 1, maxLength: 3 }).map((cs) => cs.join(", ")),
  },
  { weight: 1, arbitrary: fc.constant("*") },
);
const setArb: fc.Arbitrary<VersionSet> = fc.oneof(
  requirementArb.map((r) => VersionSet.fromRequirement(parseRequirement(r))),
  versionArb.map((v) => VersionSet.singleton(v)),
  fc.constantFrom("1", "0.2", "0.0.3").map((k) => VersionSet.compatibleWith(k)),
);
const setArb2 = fc.oneof(
  setArb,
  fc.tuple(setArb, setArb).map(([a, b]) => a.union(b)),
  setArb.map((a) => a.complement()),
);

Deno.test("parseVersion() reads SemVer 2.0.0 and formatVersion() round-trips", () => {
  const v = parseVersion("1.22.3-rc.1+build.7");
  assertEquals([v.major, v.minor, v.patch], [1, 22, 3]);
  assertEquals(v.pre, ["rc", "1"]);
  assertEquals(v.build, ["build", "7"]);
  assertEquals(formatVersion(v), "1.22.3-rc.1+build.7");
  fc.assert(
    fc.property(versionArb, (x) => compareVersions(parseVersion(formatVersion(x)), x) === 0),
  );
});

Deno.test("parseVersion() rejects bad input with SEMVER_E001", () => {
  for (
    const bad of [
      "1",
      "1.2",
      "01.2.3",
      "1.2.3-01",
      "1.2.3-",
      "1..3",
      "a.b.c",
      "1.2.3 ",
      "1.2.3-a_b",
    ]
  ) {
    const e = assertThrows(() => parseVersion(bad), MochiError);
    assertEquals(e.code, "SEMVER_E001", bad);
    assert(e.message.includes(JSON.stringify(bad)), e.message);
  }
});

Deno.test("compareVersions() follows semver.org §11 precedence", () => {
  const order = [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "1.0.1",
    "1.1.0",
    "2.0.0",
  ].map(parseVersion);
  for (let i = 0; i + 1 < order.length; i++) {
    assert(compareVersions(order[i]!, order[i + 1]!) < 0, formatVersion(order[i]!));
  }
  assertEquals(compareVersions(parseVersion("1.0.0+a"), parseVersion("1.0.0+b")), 0);
  assert(
    compareVersions(parseVersion("1.0.0-99999999999999999999"), parseVersion("1.0.0-100")) > 0,
  );
});

Deno.test("satisfies() follows cargo's requirement semantics", () => {
  const cases: [string, string, boolean][] = [
    ["1.2.3", "1.9.9", true],
    ["1.2.3", "2.0.0", false],
    ["1.2.3", "1.2.2", false],
    ["0.2.3", "0.2.9", true],
    ["0.2.3", "0.3.0", false],
    ["0.0.3", "0.0.3", true],
    ["0.0.3", "0.0.4", false],
    ["^0.0", "0.0.9", true],
    ["^0.0", "0.1.0", false],
    ["^0", "0.9.0", true],
    ["~1.2.3", "1.2.9", true],
    ["~1.2.3", "1.3.0", false],
    ["~1", "1.9.0", true],
    ["=1.2", "1.2.7", true],
    ["=1.2", "1.3.0", false],
    [">1.2", "1.2.9", false],
    [">1.2", "1.3.0", true],
    ["<=1.2", "1.2.9", true],
    ["<=1.2", "1.3.0", false],
    [">=1.0, <2", "1.5.0", true],
    [">=1.0, <2", "2.0.0", false],
    ["*", "9.9.9", true],
    ["1.*", "1.7.0", true],
    ["1.*", "2.0.0", false],
    ["0.2.*", "0.2.5", true],
    ["<2", "2.0.0-rc.1", false],
    ["*", "1.0.0-rc.1", false],
    [">=1.0.0-rc.1", "1.0.0-rc.2", true],
    [">=1.0.0-rc.1", "1.0.1-rc.1", false],
    [">=1.0.0-rc.1", "1.0.0", true],
    ["^1.2.3-beta", "1.2.3-alpha", false],
    ["^1.2.3-beta", "1.2.3-beta.2", true],
    ["^1.2.3-beta", "1.5.0", true],
    ["=1.0.0-rc.1", "1.0.0-rc.1", true],
    ["=1.0.0-rc.1", "1.0.0", false],
  ];
  for (const [req, ver, want] of cases) {
    assertEquals(satisfies(parseVersion(ver), parseRequirement(req)), want, `${ver} in ${req}`);
  }
});

Deno.test("parseRequirement() rejects bad input with SEMVER_E002", () => {
  for (
    const bad of [
      "",
      "1.2.3 || 2",
      ">=",
      "1.2-rc",
      "01.2",
      "1.*.3",
      ">= 1.2 3",
      "1.2+b",
      "1.2.3+",
      "*, 1",
      "1, *",
      "\t1.2",
      ",",
      "^*",
    ]
  ) {
    const e = assertThrows(() => parseRequirement(bad), MochiError);
    assertEquals(e.code, "SEMVER_E002", bad);
  }
});

Deno.test("formatRequirement() round-trips through parseRequirement()", () => {
  fc.assert(
    fc.property(requirementArb, (text) => {
      const r = parseRequirement(text);
      const again = parseRequirement(formatRequirement(r));
      assertEquals(again, r);
    }),
  );
});

Deno.test("VersionSet.fromRequirement() holds exactly the versions satisfies() accepts", () => {
  fc.assert(
    fc.property(requirementArb, fc.array(versionArb, { maxLength: 20 }), (text, versions) => {
      const r = parseRequirement(text);
      const set = VersionSet.fromRequirement(r);
      for (const v of versions) {
        assertEquals(set.contains(v), satisfies(v, r), `${formatVersion(v)} in ${text}`);
      }
    }),
    { numRuns: 2000 },
  );
});

Deno.test("VersionSet obeys the Boolean-algebra laws", () => {
  fc.assert(
    fc.property(setArb2, setArb2, setArb2, versionArb, (a, b, c, v) => {
      assert(a.complement().complement().equals(a));
      assert(a.intersection(a.complement()).isEmpty());
      assert(a.union(a.complement()).isFull());
      assert(a.intersection(b).equals(b.intersection(a)));
      assert(a.union(b).equals(b.union(a)));
      assert(a.intersection(b.intersection(c)).equals(a.intersection(b).intersection(c)));
      assert(a.union(b).complement().equals(a.complement().intersection(b.complement())));
      assert(a.intersection(b.union(c)).equals(a.intersection(b).union(a.intersection(c))));
      assertEquals(a.intersection(b).contains(v), a.contains(v) && b.contains(v));
      assertEquals(a.union(b).contains(v), a.contains(v) || b.contains(v));
      assertEquals(a.complement().contains(v), !a.contains(v));
      assertEquals(a.subsetOf(a.union(b)), true);
      assertEquals(a.isDisjoint(b), a.intersection(b).isEmpty());
    }),
    { numRuns: 3000 },
  );
});

Deno.test("VersionSet.singleton() and compatibleWith() match their definitions", () => {
  fc.assert(
    fc.property(versionArb, versionArb, (v, w) => {
      assertEquals(VersionSet.singleton(v).contains(w), compareVersions(v, w) === 0);
      assert(VersionSet.singleton(v).singletonVersion() !== undefined);
      assertEquals(
        VersionSet.compatibleWith(compatibilityKey(v)).contains(w),
        compatibilityKey(v) === compatibilityKey(w),
      );
    }),
  );
});

Deno.test("VersionSet.toString() gives readable forms", () => {
  const s = (r: string) => VersionSet.fromRequirement(parseRequirement(r)).toString();
  assertEquals(s("^1.2.3"), "^1.2.3");
  assertEquals(s("=1.2.3"), "1.2.3");
  assertEquals(s(">=1.0, <1.5"), ">=1.0.0, <1.5.0");
  assertEquals(s("*"), "*");
  assertEquals(VersionSet.full().toString(), "*");
  assertEquals(VersionSet.empty().toString(), "no versions");
  assertEquals(
    VersionSet.fromRequirement(parseRequirement("^1")).complement().toString(),
    "<1.0.0 or >=2.0.0",
  );
});
