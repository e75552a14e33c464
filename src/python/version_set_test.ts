import { assert, assertEquals, assertRejects } from "../../tests/assert.ts";
import { NoSolutionError, OfflineDependencyProvider, resolveWith } from "../solver/mod.ts";
import { parsePep440Version } from "./pep440.ts";
import { parseSpecifierSet } from "./specifiers.ts";
import { pep440Scheme, Pep440VersionSet } from "./version_set.ts";

const set = (text: string) => Pep440VersionSet.parse(text);
const v = parsePep440Version;

Deno.test("Pep440VersionSet: canonical forms make equal sets equal", () => {
  // packaging ranges.py: `>=1.0a2.dev0` and `>1.0a1` are one set; the floor folds.
  assert(set(">=1.0a2.dev0").equals(set(">1.0a1")));
  assert(set(">=0.dev0").isFull());
  assert(set("<0.dev0").isEmpty());
  assert(set(">1.0, <=1.0.post1").isEmpty());
  assert(set("==1.0").union(set("!=1.0")).isFull());
  assert(set("!=1.0").complement().equals(set("==1.0")));
  // `<1.0` excludes 1.0's pre-releases (PEP 440), so with `>=1.0` they are still missing.
  assert(!set("<1.0").union(set(">=1.0")).isFull());
  assert(set("<1.0").union(set(">=1.0.dev0")).isFull());
  // `<2` stops before 2's pre-releases, so `>=2` does not close the gap but `>=2.dev0` does.
  assert(!set(">=1, <2").union(set(">=2, <3")).equals(set(">=1, <3")));
  assert(set(">=1, <2").union(set(">=2.dev0, <3")).equals(set(">=1, <3")));
  assert(set("==1.*").equals(set(">=1.dev0, <2.dev0")));
  assertEquals(String(set("!=1.5")), "!=1.5");
  assertEquals(String(set("==1.4")), "==1.4");
  assertEquals(String(set("")), "*");
  assertEquals(String(set(">2, <1")), "no versions");
});

Deno.test("Pep440VersionSet: ===V is the versions equal to V; an unparsable one is nothing", () => {
  assert(set("===1.0").contains(v("1.0")));
  assert(!set("===1.0").contains(v("1.0+local")));
  assert(set("===foo").isEmpty());
});

interface RandomCases {
  versions: [string, string | null][];
  sets: { s: string; ok: boolean }[];
}

// The set algebra against membership: for recorded random specifier sets A and B (fixtures
// pep440/random.json, packaging-valid and without ===), a version is in A∩B, A∪B, ¬A exactly when
// SpecifierSet.contains (pre-releases admitted: the sets hold them) says so, and the algebra's
// identities hold on the canonical forms.
Deno.test("Pep440VersionSet: the algebra agrees with specifier membership", () => {
  const data: RandomCases = JSON.parse(
    Deno.readTextFileSync(new URL("../../fixtures/pep440/random.json", import.meta.url)),
  );
  const texts = data.sets.filter((c) => c.ok && !c.s.includes("===")).map((c) => c.s);
  const versions = data.versions.filter(([, n]) => n !== null).map(([t]) => v(t));
  const bad: unknown[] = [];
  let checks = 0;
  for (let i = 0; i + 1 < texts.length; i += 2) {
    const [ta, tb] = [texts[i]!, texts[i + 1]!];
    const [sa, sb] = [parseSpecifierSet(ta), parseSpecifierSet(tb)];
    const [a, b] = [Pep440VersionSet.fromSpecifierSet(sa), Pep440VersionSet.fromSpecifierSet(sb)];
    const [and, or, notA] = [a.intersection(b), a.union(b), a.complement()];
    for (const x of versions) {
      const inA = sa.contains(x, { prereleases: true });
      const inB = sb.contains(x, { prereleases: true });
      if (a.contains(x) !== inA) bad.push({ ta, x: String(x.release), inA });
      if (and.contains(x) !== (inA && inB)) bad.push({ ta, tb, op: "and" });
      if (or.contains(x) !== (inA || inB)) bad.push({ ta, tb, op: "or" });
      if (notA.contains(x) === inA) bad.push({ ta, op: "not" });
      checks++;
    }
    if (!notA.complement().equals(a)) bad.push({ ta, op: "not not" });
    if (!a.intersection(notA).isEmpty()) bad.push({ ta, op: "a and not a" });
    if (!a.union(notA).isFull()) bad.push({ ta, op: "a or not a" });
    if (!or.equals(b.union(a)) || !and.equals(b.intersection(a))) bad.push({ ta, tb, op: "sym" });
    if (!a.subsetOf(or) || !and.subsetOf(a)) bad.push({ ta, tb, op: "subset" });
    // De Morgan on canonical forms
    if (!or.complement().equals(notA.intersection(b.complement()))) bad.push({ ta, tb, op: "dm" });
    if (a.isEmpty() !== sa.isUnsatisfiable()) bad.push({ ta, op: "empty", unsat: !a.isEmpty() });
  }
  assertEquals(bad.slice(0, 5), []);
  assert(checks > 50_000, `${checks} membership checks`);
});

function provider(): OfflineDependencyProvider<Pep440VersionSet> {
  const p = new OfflineDependencyProvider(pep440Scheme);
  p.add("requests", "2.31.0", { urllib3: ">=1.21.1, <3", idna: ">=2.5, <4" });
  p.add("requests", "2.32.3", { urllib3: ">=1.21.1, <3", idna: ">=2.5, <4" });
  p.add("urllib3", "1.26.18", {});
  p.add("urllib3", "2.2.2", {});
  p.add("idna", "3.7", {});
  p.add("idna", "3.7.post1", {});
  p.add("botocore", "1.34.0", { urllib3: ">=1.25.4, <1.27" });
  p.add("botocore", "1.35.0", { urllib3: ">=1.25.4, !=2.2.0, <3" });
  p.add("legacy", "1.0", { urllib3: "~=1.26.0" });
  p.add("modern", "1.0", { urllib3: ">=2" });
  return p;
}

Deno.test("resolveWith(pep440Scheme): PubGrub over PEP 440 picks the newest compatible set", async () => {
  const picked = await resolveWith(pep440Scheme, provider(), {
    name: "app",
    version: "0",
    dependencies: { requests: ">=2.31", botocore: "<1.35" },
  });
  assertEquals(
    picked.map((r) => `${r.name} ${pep440Scheme.format(r.version)}`),
    ["botocore 1.34.0", "idna 3.7.post1", "requests 2.32.3", "urllib3 1.26.18"],
  );
});

Deno.test("resolveWith(pep440Scheme): a conflict gives a readable pub-style report", async () => {
  const e = await assertRejects(
    () =>
      resolveWith(pep440Scheme, provider(), {
        name: "app",
        version: "0",
        dependencies: { legacy: "==1.0", modern: ">=1.0" },
      }),
    NoSolutionError,
  );
  assertEquals(e.code, "SOLVER_E002");
  assertEquals(
    e.report.split("\n\nFix options:")[0],
    [
      "Because every version of modern depends on urllib3 >=2 and every version of legacy depends " +
      "on urllib3 ~=1.26.0, modern is incompatible with legacy.",
      "So, because app depends on both legacy ==1.0 and modern >=1.0, version solving failed.",
    ].join("\n"),
  );
});

Deno.test("resolveWith(pep440Scheme): a bare name (every version) reads as the name alone", async () => {
  const p = new OfflineDependencyProvider(pep440Scheme);
  for (const v of ["1.0", "1.4", "1.5", "1.5.1", "1.6", "2.0"]) p.add("lib", v, {});
  p.add("other", "1.0", { lib: "!=1.5.*, <1.6" });
  const e = await assertRejects(
    () =>
      resolveWith(pep440Scheme, p, {
        name: "app",
        version: "0",
        dependencies: { lib: ">=1.5", other: "" },
      }),
    NoSolutionError,
  );
  assertEquals(
    e.report.split("\n\nFix options:")[0],
    [
      "Because every version of other depends on lib !=1.5.*, <1.6 and app depends on lib >=1.5, " +
      "other is forbidden.",
      "So, because app depends on other, version solving failed.",
    ].join("\n"),
  );
});

Deno.test("resolveWith(pep440Scheme): allowMultiVersion is cargo's and is refused", async () => {
  await assertRejects(
    () =>
      resolveWith(pep440Scheme, provider(), { name: "app", version: "0", dependencies: {} }, {
        allowMultiVersion: "*",
      }),
    Error,
    "compatibility buckets",
  );
});
