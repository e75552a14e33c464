/**
 * Every case of the semver crate's own tests, ported: dtolnay/semver 1.0.27 (commit
 * `8591f2344b52b31d85b538de58b76a676fe9ff90`), `tests/test_version_req.rs` and
 * `tests/test_version.rs`. Cargo parses and matches requirements with that crate, so a
 * requirement cargo accepts must be accepted here with the same meaning, and one it refuses must
 * be refused (issue 13 item 7).
 *
 * Differences kept on purpose, each marked where it arises: error texts are ours (each case names
 * the crate's text next to the fragment ours must contain); `Version`'s `Ord` in the crate breaks
 * ties on build metadata (`1.2.3+23 < 1.2.3+42`) while `compareVersions` is SemVer precedence
 * (semver.org §10: build metadata does not count), which is what resolution uses; numbers above
 * 2^53 − 1 are refused (the crate allows up to 2^64 − 1); Rust's `{:20}` padding (`test_align`)
 * has no counterpart.
 */
import fc from "fast-check";
import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { MochiError } from "../errors.ts";
import {
  type Comparator,
  compareVersions,
  formatRequirement,
  formatVersion,
  MAX_COMPARATORS,
  parseRequirement,
  parseVersion,
  type Requirement,
  satisfies,
  type Version,
  VersionSet,
} from "./mod.ts";

const req = (text: string): Requirement => parseRequirement(text);
const version = (text: string): Version => parseVersion(text);

/** `req_err`: refused with SEMVER_E002; `ours` is a fragment of our reason. */
function reqErr(text: string, ours: string, _crate: string): void {
  const e = assertThrows(() => parseRequirement(text), MochiError, text);
  assertEquals(e.code, "SEMVER_E002", text);
  assert(e.message.includes(ours), `${JSON.stringify(text)}: ${e.message}`);
}

function versionErr(text: string, _crate: string): void {
  const e = assertThrows(() => parseVersion(text), MochiError, text);
  assertEquals(e.code, "SEMVER_E001", text);
}

function assertToString(r: Requirement, expected: string): void {
  assertEquals(formatRequirement(r), expected);
}

function assertMatchAll(r: Requirement, versions: string[]): void {
  for (const v of versions) assert(satisfies(version(v), r), `did not match ${v}`);
}

function assertMatchNone(r: Requirement, versions: string[]): void {
  for (const v of versions) assert(!satisfies(version(v), r), `matched ${v}`);
}

// ---------------------------------------------------------------------------------------------
// tests/test_version_req.rs

Deno.test("semver crate test_basic", () => {
  const r = req("1.0.0");
  assertToString(r, "^1.0.0");
  assertMatchAll(r, ["1.0.0", "1.1.0", "1.0.1"]);
  assertMatchNone(r, ["0.9.9", "0.10.0", "0.1.0", "1.0.0-pre", "1.0.1-pre"]);
});

Deno.test("semver crate test_default / test_any: VersionReq::STAR is *", () => {
  const r = req("*");
  assertToString(r, "*");
  assertMatchAll(r, ["0.0.1", "0.1.0", "1.0.0"]);
});

Deno.test("semver crate test_exact", () => {
  let r = req("=1.0.0");
  assertToString(r, "=1.0.0");
  assertMatchAll(r, ["1.0.0"]);
  assertMatchNone(r, ["1.0.1", "0.9.9", "0.10.0", "0.1.0", "1.0.0-pre"]);

  r = req("=0.9.0");
  assertToString(r, "=0.9.0");
  assertMatchAll(r, ["0.9.0"]);
  assertMatchNone(r, ["0.9.1", "1.9.0", "0.0.9", "0.9.0-pre"]);

  r = req("=0.0.2");
  assertToString(r, "=0.0.2");
  assertMatchAll(r, ["0.0.2"]);
  assertMatchNone(r, ["0.0.1", "0.0.3", "0.0.2-pre"]);

  r = req("=0.1.0-beta2.a");
  assertToString(r, "=0.1.0-beta2.a");
  assertMatchAll(r, ["0.1.0-beta2.a"]);
  assertMatchNone(r, ["0.9.1", "0.1.0", "0.1.1-beta2.a", "0.1.0-beta2"]);

  r = req("=0.1.0+meta");
  assertToString(r, "=0.1.0");
  assertMatchAll(r, ["0.1.0", "0.1.0+meta", "0.1.0+any"]);
});

Deno.test("semver crate test_greater_than", () => {
  let r = req(">= 1.0.0");
  assertToString(r, ">=1.0.0");
  assertMatchAll(r, ["1.0.0", "2.0.0"]);
  assertMatchNone(r, ["0.1.0", "0.0.1", "1.0.0-pre", "2.0.0-pre"]);

  r = req(">= 2.1.0-alpha2");
  assertToString(r, ">=2.1.0-alpha2");
  assertMatchAll(r, ["2.1.0-alpha2", "2.1.0-alpha3", "2.1.0", "3.0.0"]);
  assertMatchNone(r, ["2.0.0", "2.1.0-alpha1", "2.0.0-alpha2", "3.0.0-alpha2"]);
});

Deno.test("semver crate test_less_than", () => {
  let r = req("< 1.0.0");
  assertToString(r, "<1.0.0");
  assertMatchAll(r, ["0.1.0", "0.0.1"]);
  assertMatchNone(r, ["1.0.0", "1.0.0-beta", "1.0.1", "0.9.9-alpha"]);

  r = req("<= 2.1.0-alpha2");
  assertMatchAll(r, ["2.1.0-alpha2", "2.1.0-alpha1", "2.0.0", "1.0.0"]);
  assertMatchNone(r, ["2.1.0", "2.2.0-alpha1", "2.0.0-alpha2", "1.0.0-alpha2"]);

  assertMatchAll(req(">1.0.0-alpha, <1.0.0"), ["1.0.0-beta"]);
  assertMatchNone(req(">1.0.0-alpha, <1.0"), ["1.0.0-beta"]);
  assertMatchNone(req(">1.0.0-alpha, <1"), ["1.0.0-beta"]);
});

Deno.test("semver crate test_multiple", () => {
  let r = req("> 0.0.9, <= 2.5.3");
  assertToString(r, ">0.0.9, <=2.5.3");
  assertMatchAll(r, ["0.0.10", "1.0.0", "2.5.3"]);
  assertMatchNone(r, ["0.0.8", "2.5.4"]);

  r = req("0.3.0, 0.4.0");
  assertToString(r, "^0.3.0, ^0.4.0");
  assertMatchNone(r, ["0.0.8", "0.3.0", "0.4.0"]);

  r = req("<= 0.2.0, >= 0.5.0");
  assertToString(r, "<=0.2.0, >=0.5.0");
  assertMatchNone(r, ["0.0.8", "0.3.0", "0.5.1"]);

  r = req("0.1.0, 0.1.4, 0.1.6");
  assertToString(r, "^0.1.0, ^0.1.4, ^0.1.6");
  assertMatchAll(r, ["0.1.6", "0.1.9"]);
  assertMatchNone(r, ["0.1.0", "0.1.4", "0.2.0"]);

  reqErr(
    "> 0.1.0,",
    "expected the major version number, found the end of the input",
    "unexpected end of input while parsing major version number",
  );
  reqErr(
    "> 0.3.0, ,",
    'expected the major version number, found ","',
    "unexpected character ',' while parsing major version number",
  );

  r = req(">=0.5.1-alpha3, <0.6");
  assertToString(r, ">=0.5.1-alpha3, <0.6");
  assertMatchAll(r, ["0.5.1-alpha3", "0.5.1-alpha4", "0.5.1-beta", "0.5.1", "0.5.5"]);
  assertMatchNone(r, ["0.5.1-alpha1", "0.5.2-alpha3", "0.5.5-pre", "0.5.0-pre"]);
  assertMatchNone(r, ["0.6.0", "0.6.0-pre"]);

  // https://github.com/steveklabnik/semver/issues/56
  reqErr(
    "1.2.3 - 2.3.4",
    'expected a comma after the version, found "-"',
    "expected comma after patch version number, found '-'",
  );

  const many = Array.from({ length: 33 }, (_, i) => `>${i + 1}`).join(", ");
  reqErr(many, "more than 32 comparators", "excessive number of version comparators");
  // the limit itself is accepted, as in the crate (`depth + 1 == MAX_COMPARATORS` on a 33rd)
  assertEquals(MAX_COMPARATORS, 32);
  const limit = Array.from({ length: 32 }, (_, i) => `>=${i}`).join(", ");
  assertEquals(req(limit).comparators.length, 32);
});

Deno.test("semver crate test_whitespace_delimited_comparator_sets", () => {
  // https://github.com/steveklabnik/semver/issues/55
  reqErr(
    "> 0.0.9 <= 2.5.3",
    'expected a comma after the version, found "<"',
    "expected comma after patch version number, found '<'",
  );
});

Deno.test("semver crate test_tilde", () => {
  let r = req("~1");
  assertMatchAll(r, ["1.0.0", "1.0.1", "1.1.1"]);
  assertMatchNone(r, ["0.9.1", "2.9.0", "0.0.9"]);

  r = req("~1.2");
  assertMatchAll(r, ["1.2.0", "1.2.1"]);
  assertMatchNone(r, ["1.1.1", "1.3.0", "0.0.9"]);

  r = req("~1.2.2");
  assertMatchAll(r, ["1.2.2", "1.2.4"]);
  assertMatchNone(r, ["1.2.1", "1.9.0", "1.0.9", "2.0.1", "0.1.3"]);

  r = req("~1.2.3-beta.2");
  assertMatchAll(r, ["1.2.3", "1.2.4", "1.2.3-beta.2", "1.2.3-beta.4"]);
  assertMatchNone(r, ["1.3.3", "1.1.4", "1.2.3-beta.1", "1.2.4-beta.2"]);
});

Deno.test("semver crate test_caret", () => {
  let r = req("^1");
  assertMatchAll(r, ["1.1.2", "1.1.0", "1.2.1", "1.0.1"]);
  assertMatchNone(r, ["0.9.1", "2.9.0", "0.1.4"]);
  assertMatchNone(r, ["1.0.0-beta1", "0.1.0-alpha", "1.0.1-pre"]);

  r = req("^1.1");
  assertMatchAll(r, ["1.1.2", "1.1.0", "1.2.1"]);
  assertMatchNone(r, ["0.9.1", "2.9.0", "1.0.1", "0.1.4"]);

  r = req("^1.1.2");
  assertMatchAll(r, ["1.1.2", "1.1.4", "1.2.1"]);
  assertMatchNone(r, ["0.9.1", "2.9.0", "1.1.1", "0.0.1"]);
  assertMatchNone(r, ["1.1.2-alpha1", "1.1.3-alpha1", "2.9.0-alpha1"]);

  r = req("^0.1.2");
  assertMatchAll(r, ["0.1.2", "0.1.4"]);
  assertMatchNone(r, ["0.9.1", "2.9.0", "1.1.1", "0.0.1"]);
  assertMatchNone(r, ["0.1.2-beta", "0.1.3-alpha", "0.2.0-pre"]);

  r = req("^0.5.1-alpha3");
  assertMatchAll(r, ["0.5.1-alpha3", "0.5.1-alpha4", "0.5.1-beta", "0.5.1", "0.5.5"]);
  assertMatchNone(r, ["0.5.1-alpha1", "0.5.2-alpha3", "0.5.5-pre", "0.5.0-pre", "0.6.0"]);

  r = req("^0.0.2");
  assertMatchAll(r, ["0.0.2"]);
  assertMatchNone(r, ["0.9.1", "2.9.0", "1.1.1", "0.0.1", "0.1.4"]);

  r = req("^0.0");
  assertMatchAll(r, ["0.0.2", "0.0.0"]);
  assertMatchNone(r, ["0.9.1", "2.9.0", "1.1.1", "0.1.4"]);

  r = req("^0");
  assertMatchAll(r, ["0.9.1", "0.0.2", "0.0.0"]);
  assertMatchNone(r, ["2.9.0", "1.1.1"]);

  r = req("^1.4.2-beta.5");
  assertMatchAll(r, ["1.4.2", "1.4.3", "1.4.2-beta.5", "1.4.2-beta.6", "1.4.2-c"]);
  assertMatchNone(r, ["0.9.9", "2.0.0", "1.4.2-alpha", "1.4.2-beta.4", "1.4.3-beta.5"]);
});

Deno.test("semver crate test_wildcard", () => {
  reqErr("", "empty requirement", "unexpected end of input while parsing major version number");

  let r = req("*");
  assertMatchAll(r, ["0.9.1", "2.9.0", "0.0.9", "1.0.1", "1.1.1"]);
  assertMatchNone(r, ["1.0.0-pre"]);
  for (const s of ["x", "X"]) assertEquals(req(s), r);

  r = req("1.*");
  assertMatchAll(r, ["1.2.0", "1.2.1", "1.1.1", "1.3.0"]);
  assertMatchNone(r, ["0.0.9", "1.2.0-pre"]);
  for (const s of ["1.x", "1.X", "1.*.*"]) assertEquals(req(s), r);

  r = req("1.2.*");
  assertMatchAll(r, ["1.2.0", "1.2.2", "1.2.4"]);
  assertMatchNone(r, ["1.9.0", "1.0.9", "2.0.1", "0.1.3", "1.2.2-pre"]);
  for (const s of ["1.2.x", "1.2.X"]) assertEquals(req(s), r);
});

Deno.test("semver crate test_logical_or", () => {
  // https://github.com/steveklabnik/semver/issues/57
  reqErr("=1.2.3 || =2.3.4", '"||"', "expected comma after patch version number, found '|'");
  reqErr("1.1 || =1.2.3", '"||"', "expected comma after minor version number, found '|'");
  reqErr("6.* || 8.* || >= 10.*", '"||"', "expected comma after minor version number, found '|'");
});

Deno.test("semver crate test_pre", () => {
  assertMatchAll(req("=2.1.1-really.0"), ["2.1.1-really.0"]);
});

Deno.test("semver crate test_parse", () => {
  reqErr(
    "\0",
    'found "\\u0000"',
    "unexpected character '\\0' while parsing major version number",
  );
  reqErr(
    ">= >= 0.0.2",
    'expected the major version number, found ">"',
    "unexpected character '>' while parsing major version number",
  );
  reqErr(
    ">== 0.0.2",
    'expected the major version number, found "="',
    "unexpected character '=' while parsing major version number",
  );
  reqErr(
    "a.0.0",
    'expected the major version number, found "a"',
    "unexpected character 'a' while parsing major version number",
  );
  reqErr(
    "1.0.0-",
    "the pre-release has an empty identifier",
    "empty identifier segment in pre-release identifier",
  );
  reqErr(
    ">=",
    "expected the major version number, found the end of the input",
    "unexpected end of input while parsing major version number",
  );
});

Deno.test("semver crate test_comparator_parse", () => {
  assertToString(req("1.2.3-alpha"), "^1.2.3-alpha");
  assertToString(req("2.X"), "2.*");
  assertToString(req("2"), "^2");
  assertToString(req("2.x.x"), "2.*");
  reqErr(
    "1.2.3-01",
    "the pre-release identifier 01 has a leading zero",
    "invalid leading zero in pre-release identifier",
  );
  reqErr(
    "1.2.3+4.",
    "the build metadata has an empty identifier",
    "empty identifier segment in build metadata",
  );
  reqErr(
    ">",
    "expected the major version number, found the end of the input",
    "unexpected end of input while parsing major version number",
  );
  reqErr(
    "1.",
    "expected the minor version number, found the end of the input",
    "unexpected end of input while parsing minor version number",
  );
  reqErr(
    "1.*.",
    "a version number follows a wildcard",
    "unexpected character after wildcard in version req",
  );
  reqErr(
    "1.2.3+4ÿ",
    'expected a comma after the version, found "ÿ"',
    "unexpected character 'ÿ' after build metadata",
  );
});

Deno.test("semver crate test_cargo3202", () => {
  let r = req("0.*.*");
  assertToString(r, "0.*");
  assertMatchAll(r, ["0.5.0"]);
  r = req("0.0.*");
  assertToString(r, "0.0.*");
});

Deno.test("semver crate test_digit_after_wildcard", () => {
  for (const text of ["*.1", "1.*.1", ">=1.*.1"]) {
    reqErr(
      text,
      text === "*.1" ? 'unexpected "." after the wildcard' : "a version number follows a wildcard",
      "unexpected character after wildcard in version req",
    );
  }
});

Deno.test("semver crate test_eq_hash", () => {
  assertEquals(req("^1"), req("^1"));
  assert(JSON.stringify(req("^1")) !== JSON.stringify(req("^2")));
});

Deno.test("semver crate test_leading_digit_in_pre_and_build (build metadata is ignored)", () => {
  for (const op of ["=", ">", ">=", "<", "<=", "~", "^"]) {
    for (
      const v of [
        "1.2.3-1a",
        "1.2.3+1a",
        "1.2.3-01a",
        "1.2.3+01",
        "1.2.3-1+1",
        "1.2.3-1-1+1-1-1",
        "1.2.3-1a+1a",
        "1.2.3-1a-1a+1a-1a-1a",
      ]
    ) {
      const text = `${op} ${v}`;
      const r = req(text);
      // the metadata is dropped: the requirement equals the one written without it
      assertEquals(r, req(`${op} ${v.replace(/\+.*$/, "")}`), text);
    }
  }
  // a real crate's requirement (wasi): accepted and matched without the metadata
  const wasi = req("=0.11.0+wasi-snapshot-preview1");
  assertToString(wasi, "=0.11.0");
  assertMatchAll(wasi, ["0.11.0+wasi-snapshot-preview1", "0.11.0"]);
});

Deno.test("semver crate test_wildcard_and_another", () => {
  for (const text of ["*, 0.20.0-any", "0.20.0-any, *", "0.20.0-any, *, 1.0"]) {
    reqErr(
      text,
      "a wildcard (*) must be the only comparator",
      "wildcard req (*) must be the only comparator in the version req",
    );
  }
});

// ---------------------------------------------------------------------------------------------
// tests/test_version.rs

Deno.test("semver crate test_version: test_parse", () => {
  versionErr("", "empty string, expected a semver version");
  versionErr("  ", "unexpected character ' ' while parsing major version number");
  versionErr("1", "unexpected end of input while parsing major version number");
  versionErr("1.2", "unexpected end of input while parsing minor version number");
  versionErr("1.2.3-", "empty identifier segment in pre-release identifier");
  versionErr("a.b.c", "unexpected character 'a' while parsing major version number");
  versionErr("1.2.3 abc", "unexpected character ' ' after patch version number");
  versionErr("1.2.3-01", "invalid leading zero in pre-release identifier");
  versionErr("1.2.3++", "empty identifier segment in build metadata");
  versionErr("07", "invalid leading zero in major version number");
  versionErr("111111111111111111111.0.0", "value of major version number exceeds u64::MAX");
  versionErr("8\0", "unexpected character '\\0' after major version number");

  const v = (
    text: string,
    major: number,
    minor: number,
    patch: number,
    pre: string[],
    build: string[],
  ) => assertEquals(version(text), { major, minor, patch, pre, build }, text);
  v("1.2.3", 1, 2, 3, [], []);
  v("1.2.3-alpha1", 1, 2, 3, ["alpha1"], []);
  v("1.2.3+build5", 1, 2, 3, [], ["build5"]);
  v("1.2.3+5build", 1, 2, 3, [], ["5build"]);
  v("1.2.3-alpha1+build5", 1, 2, 3, ["alpha1"], ["build5"]);
  v("1.2.3-1.alpha1.9+build5.7.3aedf", 1, 2, 3, ["1", "alpha1", "9"], ["build5", "7", "3aedf"]);
  v("1.2.3-0a.alpha1.9+05build.7.3aedf", 1, 2, 3, ["0a", "alpha1", "9"], [
    "05build",
    "7",
    "3aedf",
  ]);
  v("0.4.0-beta.1+0851523", 0, 4, 0, ["beta", "1"], ["0851523"]);
  // for https://nodejs.org/dist/index.json, where some older npm versions are "1.1.0-beta-10"
  v("1.1.0-beta-10", 1, 1, 0, ["beta-10"], []);
});

Deno.test("semver crate test_version: test_eq, test_ne, test_display", () => {
  for (const s of ["1.2.3", "1.2.3-alpha1", "1.2.3+build.42", "1.2.3-alpha1+42"]) {
    assertEquals(version(s), version(s));
    assertEquals(formatVersion(version(s)), s); // test_display
  }
  for (
    const [a, b] of [
      ["0.0.0", "0.0.1"],
      ["0.0.0", "0.1.0"],
      ["0.0.0", "1.0.0"],
      ["1.2.3-alpha", "1.2.3-beta"],
      ["1.2.3+23", "1.2.3+42"],
    ]
  ) {
    assert(JSON.stringify(version(a!)) !== JSON.stringify(version(b!)), `${a} != ${b}`);
  }
});

Deno.test("semver crate test_version: test_lt, test_le, test_gt, test_ge", () => {
  const lt = (a: string, b: string) => compareVersions(version(a), version(b)) < 0;
  const le = (a: string, b: string) => compareVersions(version(a), version(b)) <= 0;
  assert(lt("0.0.0", "1.2.3-alpha2"));
  assert(lt("1.0.0", "1.2.3-alpha2"));
  assert(lt("1.2.0", "1.2.3-alpha2"));
  assert(lt("1.2.3-alpha1", "1.2.3"));
  assert(lt("1.2.3-alpha1", "1.2.3-alpha2"));
  assert(!lt("1.2.3-alpha2", "1.2.3-alpha2"));
  assert(le("0.0.0", "1.2.3-alpha2"));
  assert(le("1.0.0", "1.2.3-alpha2"));
  assert(le("1.2.0", "1.2.3-alpha2"));
  assert(le("1.2.3-alpha1", "1.2.3-alpha2"));
  assert(le("1.2.3-alpha2", "1.2.3-alpha2"));
  assert(lt("1.2.3-alpha2", "1.2.3"));
  assert(!lt("1.2.3-alpha2", "1.2.3-alpha2"));
  assert(le("1.2.3-alpha1", "1.2.3-alpha2"));
  // The crate's Ord breaks ties on build metadata (1.2.3+23 < 1.2.3+42); SemVer precedence
  // (semver.org §10), which resolution uses, does not: they are equal here.
  assertEquals(compareVersions(version("1.2.3+23"), version("1.2.3+42")), 0);
});

Deno.test("semver crate test_version: test_spec_order", () => {
  const vs = [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
  ];
  for (let i = 1; i < vs.length; i++) {
    assert(compareVersions(version(vs[i - 1]!), version(vs[i]!)) < 0, `${vs[i - 1]} < ${vs[i]}`);
  }
});

// ---------------------------------------------------------------------------------------------
// src/eval.rs, ported line by line as the reference: `satisfies` and `VersionSet` must agree
// with it on every requirement and version, pre-releases and partial versions included.

type CrateCmp = Comparator & { major: number };

function cratePre(a: readonly string[], b: readonly string[]): number {
  return compareVersions(
    { major: 0, minor: 0, patch: 0, pre: a, build: [] },
    { major: 0, minor: 0, patch: 0, pre: b, build: [] },
  );
}

function crateExact(c: CrateCmp, v: Version): boolean {
  if (v.major !== c.major) return false;
  if (c.minor !== undefined && v.minor !== c.minor) return false;
  if (c.patch !== undefined && v.patch !== c.patch) return false;
  return cratePre(v.pre, c.pre) === 0;
}

function crateGreater(c: CrateCmp, v: Version): boolean {
  if (v.major !== c.major) return v.major > c.major;
  if (c.minor === undefined) return false;
  if (v.minor !== c.minor) return v.minor > c.minor;
  if (c.patch === undefined) return false;
  if (v.patch !== c.patch) return v.patch > c.patch;
  return cratePre(v.pre, c.pre) > 0;
}

function crateLess(c: CrateCmp, v: Version): boolean {
  if (v.major !== c.major) return v.major < c.major;
  if (c.minor === undefined) return false;
  if (v.minor !== c.minor) return v.minor < c.minor;
  if (c.patch === undefined) return false;
  if (v.patch !== c.patch) return v.patch < c.patch;
  return cratePre(v.pre, c.pre) < 0;
}

function crateTilde(c: CrateCmp, v: Version): boolean {
  if (v.major !== c.major) return false;
  if (c.minor !== undefined && v.minor !== c.minor) return false;
  if (c.patch !== undefined && v.patch !== c.patch) return v.patch > c.patch;
  return cratePre(v.pre, c.pre) >= 0;
}

function crateCaret(c: CrateCmp, v: Version): boolean {
  if (v.major !== c.major) return false;
  if (c.minor === undefined) return true;
  const minor = c.minor;
  if (c.patch === undefined) return c.major > 0 ? v.minor >= minor : v.minor === minor;
  const patch = c.patch;
  if (c.major > 0) {
    if (v.minor !== minor) return v.minor > minor;
    else if (v.patch !== patch) return v.patch > patch;
  } else if (minor > 0) {
    if (v.minor !== minor) return false;
    else if (v.patch !== patch) return v.patch > patch;
  } else if (v.minor !== minor || v.patch !== patch) return false;
  return cratePre(v.pre, c.pre) >= 0;
}

function crateImpl(c: CrateCmp, v: Version): boolean {
  switch (c.op) {
    case "=":
    case "*":
      return crateExact(c, v);
    case ">":
      return crateGreater(c, v);
    case ">=":
      return crateExact(c, v) || crateGreater(c, v);
    case "<":
      return crateLess(c, v);
    case "<=":
      return crateExact(c, v) || crateLess(c, v);
    case "~":
      return crateTilde(c, v);
    case "^":
      return crateCaret(c, v);
  }
}

/** `matches_req`; the crate's `*` is a requirement with no comparator. */
function crateMatches(r: Requirement, v: Version): boolean {
  const cs = r.comparators.filter((c): c is CrateCmp => c.major !== undefined);
  for (const c of cs) if (!crateImpl(c, v)) return false;
  if (v.pre.length === 0) return true;
  return cs.some((c) =>
    c.major === v.major && c.minor === v.minor && c.patch === v.patch && c.pre.length > 0
  );
}

Deno.test("satisfies() and VersionSet agree with the crate's eval.rs on random input", () => {
  const n = fc.integer({ min: 0, max: 2 });
  const pre = fc.constantFrom<string[]>([], [], ["alpha"], ["beta", "2"], ["0"], ["1"]);
  const ver = fc.record({ major: n, minor: n, patch: n, pre, build: fc.constant<string[]>([]) });
  const op = fc.constantFrom("", "=", ">", ">=", "<", "<=", "~", "^");
  const cmp = fc.oneof(
    fc.tuple(op, ver).map(([o, v]) => `${o}${formatVersion(v)}`),
    fc.tuple(op, n, n).map(([o, a, b]) => `${o}${a}.${b}`),
    fc.tuple(op, n).map(([o, a]) => `${o}${a}`),
    fc.tuple(n, n).map(([a, b]) => `${a}.${b}.*`),
    n.map((a) => `${a}.*`),
  );
  const text = fc.oneof(
    {
      weight: 19,
      arbitrary: fc.array(cmp, { minLength: 1, maxLength: 3 }).map((c) => c.join(", ")),
    },
    { weight: 1, arbitrary: fc.constant("*") },
  );
  fc.assert(
    fc.property(text, fc.array(ver, { minLength: 1, maxLength: 12 }), (t, versions) => {
      const r = req(t);
      const set = VersionSet.fromRequirement(r);
      for (const v of versions) {
        const want = crateMatches(r, v);
        assertEquals(satisfies(v, r), want, `satisfies ${formatVersion(v)} in ${t}`);
        assertEquals(set.contains(v), want, `VersionSet ${formatVersion(v)} in ${t}`);
      }
    }),
    { numRuns: 5000, seed: 7 },
  );
});
