import assert from "node:assert/strict";
import { MochiError } from "../errors.ts";
import { mapRange, mapVersion, requirementInterval } from "./versions.ts";
import type { Ecosystem } from "./types.ts";

const code = (c: string) => (e: unknown) => e instanceof MochiError && e.code === c;

Deno.test("mapVersion: the table of the README", () => {
  const rows: [Ecosystem, string, string][] = [
    ["npm", "1.2.0-x.7.z.92", "1.2.0-x.7.z.92"],
    ["jsr", "1.2.0", "1.2.0"],
    ["crates", "1.2.0+build.5", "1.2.0+build.5"],
    ["hex", "1.2.0-rc.1", "1.2.0-rc.1"],
    ["swiftpm", "1.2.0-beta.2", "1.2.0-beta.2"],
    ["nuget", "1.2.0-beta.2", "1.2.0-beta.2"],
    ["pypi", "1.2.0-alpha.1", "1.2.0a1"],
    ["pypi", "1.2.0-beta.0", "1.2.0b0"],
    ["pypi", "10.20.30-rc.12", "10.20.30rc12"],
    ["pypi", "1.2.0", "1.2.0"],
    ["maven", "1.2.0-alpha.1", "1.2.0-alpha.1"],
    ["maven", "2.0.0", "2.0.0"],
  ];
  for (const [eco, from, to] of rows) assert.equal(mapVersion(eco, from), to, `${eco} ${from}`);
});

Deno.test("mapVersion: refuses what it would have to guess (FANOUT_E002)", () => {
  const refused: [Ecosystem, string][] = [
    ["pypi", "1.0.0-dev.1"],
    ["pypi", "1.0.0-alpha"],
    ["pypi", "1.0.0-rc.1.2"],
    ["pypi", "1.0.0-RC.1"],
    ["maven", "1.0.0-SNAPSHOT"],
    ["maven", "1.0.0-1"],
    ["pypi", "1.0.0+local"],
    ["npm", "1.0.0+build"],
    ["nuget", "1.0.0-Beta.1"],
    ["npm", "1.0"],
  ];
  for (const [eco, v] of refused) {
    assert.throws(() => mapVersion(eco, v), code("FANOUT_E002"), `${eco} ${v}`);
  }
});

Deno.test("requirementInterval: cargo's operators as intervals", () => {
  const show = (r: string) => {
    const i = requirementInterval(r);
    const end = (b: typeof i.lower) =>
      b === undefined
        ? "∞"
        : `${b.version.major}.${b.version.minor}.${b.version.patch}${
          b.version.pre.length ? "-" + b.version.pre.join(".") : ""
        }${b.inclusive ? "" : "!"}`;
    return `${end(i.lower)} ${end(i.upper)}`;
  };
  assert.equal(show("^1.2"), "1.2.0 2.0.0!");
  assert.equal(show("^0.2.3"), "0.2.3 0.3.0!");
  assert.equal(show("^0.0.3"), "0.0.3 0.0.4!");
  assert.equal(show("^0.0"), "0.0.0 0.1.0!");
  assert.equal(show("~1"), "1.0.0 2.0.0!");
  assert.equal(show("~1.2.3-rc.1"), "1.2.3-rc.1 1.3.0!");
  assert.equal(show("=1.2"), "1.2.0 1.3.0!");
  assert.equal(show(">1.2"), "1.3.0 ∞");
  assert.equal(show(">1.2.3"), "1.2.3! ∞");
  assert.equal(show("<=1"), "∞ 2.0.0!");
  assert.equal(show(">=1.2, <1.5"), "1.2.0 1.5.0!");
  assert.equal(show("*"), "∞ ∞");
  assert.throws(() => requirementInterval(">=2, <1"), code("FANOUT_E003"));
  assert.throws(() => requirementInterval("not a range"), code("FANOUT_E003"));
});

Deno.test("mapRange: one requirement in every ecosystem's syntax", () => {
  const rows: [Ecosystem, string, string][] = [
    ["npm", "^1.2", "^1.2"],
    ["jsr", ">=1.2, <2", ">=1.2 <2"],
    ["crates", ">=1.2, <2", ">=1.2, <2"],
    ["pypi", "^1.2", ">=1.2.0,<2.0.0"],
    ["pypi", "=1.2.3", "==1.2.3"],
    ["pypi", ">=1.2.0-rc.1", ">=1.2.0rc1"],
    ["pypi", "*", ">=0"],
    ["maven", "^1.2", "[1.2.0,2.0.0)"],
    ["maven", ">1.2.3", "(1.2.3,)"],
    ["maven", "<=1.2.3", "(,1.2.3]"],
    ["maven", "*", "[0,)"],
    ["nuget", "^1.2", "[1.2.0, 2.0.0)"],
    ["nuget", "=1.2.3", "[1.2.3]"],
    ["hex", "~1.2.3", ">= 1.2.3 and < 1.3.0"],
    ["hex", "=1.2.3", "== 1.2.3"],
    ["swiftpm", "^1.2", '"1.2.0"..<"2.0.0"'],
    ["swiftpm", ">1.2.3, <=1.4.0", '"1.2.4"..."1.4.0"'],
    ["swiftpm", "=1.2.3", 'exact: "1.2.3"'],
  ];
  for (const [eco, from, to] of rows) assert.equal(mapRange(eco, from), to, `${eco} ${from}`);
  assert.throws(() => mapRange("pypi", ">=1.0.0-dev.1"), code("FANOUT_E003"));
  assert.throws(() => mapRange("swiftpm", ">1.0.0-rc.1"), code("FANOUT_E003"));
  assert.throws(() => mapRange("npm", ">=3, <2"), code("FANOUT_E003"));
});
