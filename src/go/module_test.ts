/**
 * Tests of src/go/module.ts and src/go/semver.ts. The vectors are golang.org/x/mod's own, carried
 * over as data: repository github.com/golang/mod, files module/module_test.go,
 * module/pseudo_test.go and semver/semver_test.go.
 */
import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { MochiError } from "../errors.ts";
import {
  canonicalVersion,
  checkFilePath,
  checkImportPath,
  checkModule,
  checkPath,
  escapePath,
  escapeVersion,
  isPseudoVersion,
  isZeroPseudoVersion,
  matchPathMajor,
  matchPrefixPatterns,
  pathMajorPrefix,
  pseudoVersion,
  pseudoVersionBase,
  pseudoVersionRev,
  pseudoVersionTime,
  semverBuild,
  semverCanonical,
  semverCompare,
  semverIsValid,
  semverMajor,
  semverMajorMinor,
  semverMax,
  semverPrerelease,
  semverSort,
  sortModuleVersions,
  splitPathVersion,
  unescapePath,
  unescapeVersion,
  zeroPseudoVersion,
} from "./mod.ts";

function ok(f: () => void): boolean {
  try {
    f();
    return true;
  } catch (e) {
    if (!(e instanceof MochiError)) throw e;
    return false;
  }
}

// module/module_test.go checkTests: [path, version, ok]
const CHECK_TESTS: [string, string, boolean][] = [
  ["rsc.io/quote", "0.1.0", false],
  ["rsc io/quote", "v1.0.0", false],
  ["github.com/go-yaml/yaml", "v0.8.0", true],
  ["github.com/go-yaml/yaml", "v1.0.0", true],
  ["github.com/go-yaml/yaml", "v2.0.0", false],
  ["github.com/go-yaml/yaml", "v2.1.5", false],
  ["github.com/go-yaml/yaml", "v3.0.0", false],
  ["github.com/go-yaml/yaml/v2", "v1.0.0", false],
  ["github.com/go-yaml/yaml/v2", "v2.0.0", true],
  ["github.com/go-yaml/yaml/v2", "v2.1.5", true],
  ["github.com/go-yaml/yaml/v2", "v3.0.0", false],
  ["gopkg.in/yaml.v0", "v0.8.0", true],
  ["gopkg.in/yaml.v0", "v1.0.0", false],
  ["gopkg.in/yaml.v0", "v2.0.0", false],
  ["gopkg.in/yaml.v0", "v2.1.5", false],
  ["gopkg.in/yaml.v0", "v3.0.0", false],
  ["gopkg.in/yaml.v1", "v0.8.0", false],
  ["gopkg.in/yaml.v1", "v1.0.0", true],
  ["gopkg.in/yaml.v1", "v2.0.0", false],
  ["gopkg.in/yaml.v1", "v2.1.5", false],
  ["gopkg.in/yaml.v1", "v3.0.0", false],
  ["gopkg.in/check.v1", "v0.0.0", false],
  ["gopkg.in/check.v1", "v0.0.0-20160102150405-abcdef123456", true],
  ["gopkg.in/yaml.v2", "v1.0.0", false],
  ["gopkg.in/yaml.v2", "v2.0.0", true],
  ["gopkg.in/yaml.v2", "v2.1.5", true],
  ["gopkg.in/yaml.v2", "v3.0.0", false],
  ["rsc.io/quote", "v17.0.0", false],
  ["rsc.io/quote", "v17.0.0+incompatible", true],
];

// module/module_test.go checkPathTests: [path, module ok, import ok, file ok]. Go's "\xFF"
// (invalid UTF-8) is a lone surrogate here.
const CHECK_PATH_TESTS: [string, boolean, boolean, boolean][] = [
  ["x.y/z", true, true, true],
  ["x.y", true, true, true],
  ["", false, false, false],
  ["x.y/\uDCFFz", false, false, false],
  ["/x.y/z", false, false, false],
  ["x./z", false, false, false],
  [".x/z", false, true, true],
  ["-x/z", false, false, true],
  ["x..y/z", true, true, true],
  ["x.y/z/../../w", false, false, false],
  ["x.y//z", false, false, false],
  ["x.y/z//w", false, false, false],
  ["x.y/z/", false, false, false],
  ["x.y/z/v0", false, true, true],
  ["x.y/z/v1", false, true, true],
  ["x.y/z/v2", true, true, true],
  ["x.y/z/v2.0", false, true, true],
  ["X.y/z", false, true, true],
  ["!x.y/z", false, false, true],
  ["_x.y/z", false, true, true],
  ["x.y!/z", false, false, true],
  ['x.y"/z', false, false, false],
  ["x.y#/z", false, false, true],
  ["x.y$/z", false, false, true],
  ["x.y%/z", false, false, true],
  ["x.y&/z", false, false, true],
  ["x.y'/z", false, false, false],
  ["x.y(/z", false, false, true],
  ["x.y)/z", false, false, true],
  ["x.y*/z", false, false, false],
  ["x.y+/z", false, true, true],
  ["x.y,/z", false, false, true],
  ["x.y-/z", true, true, true],
  ["x.y./zt", false, false, false],
  ["x.y:/z", false, false, false],
  ["x.y;/z", false, false, false],
  ["x.y</z", false, false, false],
  ["x.y=/z", false, false, true],
  ["x.y>/z", false, false, false],
  ["x.y?/z", false, false, false],
  ["x.y@/z", false, false, true],
  ["x.y[/z", false, false, true],
  ["x.y\\/z", false, false, false],
  ["x.y]/z", false, false, true],
  ["x.y^/z", false, false, true],
  ["x.y_/z", false, true, true],
  ["x.y`/z", false, false, false],
  ["x.y{/z", false, false, true],
  ["x.y}/z", false, false, true],
  ["x.y~/z", false, true, true],
  ["x.y/z!", false, false, true],
  ['x.y/z"', false, false, false],
  ["x.y/z#", false, false, true],
  ["x.y/z$", false, false, true],
  ["x.y/z%", false, false, true],
  ["x.y/z&", false, false, true],
  ["x.y/z'", false, false, false],
  ["x.y/z(", false, false, true],
  ["x.y/z)", false, false, true],
  ["x.y/z*", false, false, false],
  ["x.y/z++", false, true, true],
  ["x.y/z,", false, false, true],
  ["x.y/z-", true, true, true],
  ["x.y/z.t", true, true, true],
  ["x.y/z/t", true, true, true],
  ["x.y/z:", false, false, false],
  ["x.y/z;", false, false, false],
  ["x.y/z<", false, false, false],
  ["x.y/z=", false, false, true],
  ["x.y/z>", false, false, false],
  ["x.y/z?", false, false, false],
  ["x.y/z@", false, false, true],
  ["x.y/z[", false, false, true],
  ["x.y/z\\", false, false, false],
  ["x.y/z]", false, false, true],
  ["x.y/z^", false, false, true],
  ["x.y/z_", true, true, true],
  ["x.y/z`", false, false, false],
  ["x.y/z{", false, false, true],
  ["x.y/z}", false, false, true],
  ["x.y/z~", true, true, true],
  ["x.y/x.foo", true, true, true],
  ["x.y/aux.foo", false, false, false],
  ["x.y/prn", false, false, false],
  ["x.y/prn2", true, true, true],
  ["x.y/com", true, true, true],
  ["x.y/com1", false, false, false],
  ["x.y/com1.txt", false, false, false],
  ["x.y/calm1", true, true, true],
  ["x.y/z~", true, true, true],
  ["x.y/z~0", false, false, true],
  ["x.y/z~09", false, false, true],
  ["x.y/z09", true, true, true],
  ["x.y/z09~", true, true, true],
  ["x.y/z09~09z", true, true, true],
  ["x.y/z09~09z~09", false, false, true],
  ["github.com/!123/logrus", false, false, true],
  ["github.com/user/unicode/испытание", false, false, true],
  ["../x", false, false, false],
  ["./y", false, false, false],
  ["x:y", false, false, false],
  ["\\temp\\foo", false, false, false],
  [".gitignore", false, true, true],
  [".github/ISSUE_TEMPLATE", false, true, true],
  ["x☺y", false, false, false],
];

Deno.test("checkModule: module/module_test.go TestCheck", () => {
  for (const [path, version, want] of CHECK_TESTS) {
    assertEquals(ok(() => checkModule(path, version)), want, `${path}@${version}`);
  }
});

Deno.test("checkPath, checkImportPath, checkFilePath: module/module_test.go TestCheckPath", () => {
  for (const [path, mod, imp, file] of CHECK_PATH_TESTS) {
    assertEquals(ok(() => checkPath(path)), mod, `checkPath(${JSON.stringify(path)})`);
    assertEquals(ok(() => checkImportPath(path)), imp, `checkImportPath(${JSON.stringify(path)})`);
    assertEquals(ok(() => checkFilePath(path)), file, `checkFilePath(${JSON.stringify(path)})`);
  }
  const e = assertThrows(() => checkPath("x.y/z~09"), MochiError);
  assertEquals(e.code, "GO_E001");
  assert(e.message.includes("trailing tilde and digits"), e.message);
});

Deno.test("splitPathVersion: module/module_test.go TestSplitPathVersion", () => {
  const cases: [string, string][] = [
    ["x.y/z", ""],
    ["x.y/z", "/v2"],
    ["x.y/z", "/v3"],
    ["x.y/v", ""],
    ["gopkg.in/yaml", ".v0"],
    ["gopkg.in/yaml", ".v1"],
    ["gopkg.in/yaml", ".v2"],
    ["gopkg.in/yaml", ".v3"],
  ];
  for (const [prefix, pathMajor] of cases) {
    assertEquals(splitPathVersion(prefix + pathMajor), { prefix, pathMajor });
  }
  // Go returns the whole path and "" when !ok; we return undefined then.
  for (const [path] of CHECK_PATH_TESTS) {
    const r = splitPathVersion(path);
    if (r !== undefined) assertEquals(r.prefix + r.pathMajor, path);
  }
  assertEquals(splitPathVersion("x.y/z/v1"), undefined);
  assertEquals(splitPathVersion("gopkg.in/yaml"), undefined);
  assertEquals(splitPathVersion("gopkg.in/yaml.v1-unstable"), {
    prefix: "gopkg.in/yaml",
    pathMajor: ".v1-unstable",
  });
});

// module/module_test.go escapeTests
const ESCAPE_TESTS: [string, string][] = [
  ["ascii.com/abcdefghijklmnopqrstuvwxyz.-/~_0123456789", ""],
  ["github.com/GoogleCloudPlatform/omega", "github.com/!google!cloud!platform/omega"],
];

Deno.test("escapePath, unescapePath: module/module_test.go TestEscapePath/TestUnescapePath", () => {
  for (const [path, mod] of CHECK_PATH_TESTS) {
    if (!mod) {
      assertEquals(ok(() => escapePath(path)), false, path);
      assertEquals(ok(() => unescapePath(path)), false, path);
    }
  }
  for (const [path, esc] of ESCAPE_TESTS) {
    assertEquals(escapePath(path), esc || path);
    assertEquals(unescapePath(esc || path), path);
  }
  const bad = [
    "github.com/GoogleCloudPlatform/omega",
    "github.com/!google!cloud!platform!/omega",
    "github.com/!0google!cloud!platform/omega",
    "github.com/!_google!cloud!platform/omega",
    "github.com/!!google!cloud!platform/omega",
    "",
  ];
  for (const b of bad) {
    const e = assertThrows(() => unescapePath(b), MochiError, b);
    assertEquals(e.code, "GO_E001");
  }
});

Deno.test("escapeVersion, unescapeVersion: round trip, capitals, refusals", () => {
  assertEquals(escapeVersion("v1.0.0-RC1"), "v1.0.0-!r!c1");
  assertEquals(unescapeVersion("v1.0.0-!r!c1"), "v1.0.0-RC1");
  assertEquals(escapeVersion("v2.0.0+incompatible"), "v2.0.0+incompatible");
  for (const bad of ["v1!", "v1/x", "", "..", "v1.0.", "vé", "aux"]) {
    assertEquals(assertThrows(() => escapeVersion(bad), MochiError, bad).code, "GO_E002");
  }
  for (const bad of ["V1", "v1!", "v1!1", "!", "..", "v1/x"]) {
    assertEquals(assertThrows(() => unescapeVersion(bad), MochiError, bad).code, "GO_E002");
  }
});

Deno.test("matchPathMajor: module/module_test.go TestMatchPathMajor", () => {
  const cases: [string, string, boolean][] = [
    ["v0.0.0", "", true],
    ["v0.0.0", "/v2", false],
    ["v0.0.0", ".v0", true],
    ["v0.0.0-20190510104115-cbcb75029529", ".v1", true],
    ["v1.0.0", "/v2", false],
    ["v1.0.0", ".v1", true],
    ["v1.0.0", ".v1-unstable", true],
    ["v2.0.0+incompatible", "", true],
    ["v2.0.0", "", false],
    ["v2.0.0", "/v2", true],
    ["v2.0.0", ".v2", true],
  ];
  for (const [v, pathMajor, want] of cases) {
    assertEquals(matchPathMajor(v, pathMajor), want, `${v} ${pathMajor}`);
  }
  assertEquals(pathMajorPrefix(""), "");
  assertEquals(pathMajorPrefix("/v2"), "v2");
  assertEquals(pathMajorPrefix(".v1-unstable"), "v1");
  assertThrows(() => pathMajorPrefix("v2"), MochiError);
});

Deno.test("matchPrefixPatterns: module/module_test.go TestMatchPrefixPatterns", () => {
  const cases: [string, string, boolean][] = [
    ["", "rsc.io/quote", false],
    ["/", "rsc.io/quote", false],
    ["*/quote", "rsc.io/quote", true],
    ["*/quo", "rsc.io/quote", false],
    ["*/quo??", "rsc.io/quote", true],
    ["*/quo*", "rsc.io/quote", true],
    ["*quo*", "rsc.io/quote", false],
    ["rsc.io", "rsc.io/quote", true],
    ["*.io", "rsc.io/quote", true],
    ["rsc.io/", "rsc.io/quote", true],
    ["rsc", "rsc.io/quote", false],
    ["rsc*", "rsc.io/quote", true],
    ["rsc.io", "rsc.io/quote/v3", true],
    ["*/quote", "rsc.io/quote/v3", true],
    ["*/quote/", "rsc.io/quote/v3", true],
    ["*/quote/*", "rsc.io/quote/v3", true],
    ["*/quote/*/", "rsc.io/quote/v3", true],
    ["*/v3", "rsc.io/quote/v3", false],
    ["*/*/v3", "rsc.io/quote/v3", true],
    ["*/*/*", "rsc.io/quote/v3", true],
    ["*/*/*/", "rsc.io/quote/v3", true],
    ["*/*/*", "rsc.io/quote", false],
    ["*/*/*/", "rsc.io/quote", false],
    ["*/*/*,,", "rsc.io/quote", false],
    ["*/*/*,,*/quote", "rsc.io/quote", true],
    [",,*/quote", "rsc.io/quote", true],
  ];
  for (const [globs, target, want] of cases) {
    assertEquals(matchPrefixPatterns(globs, target), want, `${globs} ${target}`);
  }
  // path.Match classes and escapes (our own cases).
  assertEquals(matchPrefixPatterns("rsc.[a-z]o", "rsc.io/quote"), true);
  assertEquals(matchPrefixPatterns("rsc.[^a-z]o", "rsc.io/quote"), false);
  assertEquals(matchPrefixPatterns("rsc\\.io", "rsc.io/quote"), true);
  assertEquals(matchPrefixPatterns("rsc.[io", "rsc.io/quote"), false);
});

// module/pseudo_test.go pseudoTests: [major, older, version]
const PSEUDO_TESTS: [string, string, string][] = [
  ["", "", "v0.0.0-20060102150405-hash"],
  ["v0", "", "v0.0.0-20060102150405-hash"],
  ["v1", "", "v1.0.0-20060102150405-hash"],
  ["v2", "", "v2.0.0-20060102150405-hash"],
  ["unused", "v0.0.0", "v0.0.1-0.20060102150405-hash"],
  ["unused", "v1.2.3", "v1.2.4-0.20060102150405-hash"],
  ["unused", "v1.2.99999999999999999", "v1.2.100000000000000000-0.20060102150405-hash"],
  ["unused", "v1.2.3-pre", "v1.2.3-pre.0.20060102150405-hash"],
  ["unused", "v1.3.0-pre", "v1.3.0-pre.0.20060102150405-hash"],
  ["unused", "v0.0.0--", "v0.0.0--.0.20060102150405-hash"],
  ["unused", "v1.0.0+metadata", "v1.0.1-0.20060102150405-hash+metadata"],
  ["unused", "v2.0.0+incompatible", "v2.0.1-0.20060102150405-hash+incompatible"],
  ["unused", "v2.3.0-pre+incompatible", "v2.3.0-pre.0.20060102150405-hash+incompatible"],
];
const PSEUDO_TIME = new Date(Date.UTC(2006, 0, 2, 15, 4, 5));

Deno.test("pseudo-versions: module/pseudo_test.go", () => {
  for (const [major, older, version] of PSEUDO_TESTS) {
    assertEquals(pseudoVersion(major, older, PSEUDO_TIME, "hash"), version);
    assert(isPseudoVersion(version), version);
    assert(!isPseudoVersion(older), older);
    assertEquals(pseudoVersionTime(version).getTime(), PSEUDO_TIME.getTime());
    assertEquals(assertThrows(() => pseudoVersionTime(older), MochiError).code, "GO_E002");
    assertEquals(pseudoVersionRev(version), "hash");
    assertThrows(() => pseudoVersionRev(older), MochiError);
    assertEquals(pseudoVersionBase(version), older);
  }
  assertThrows(() => pseudoVersionTime("---"), MochiError);
  for (
    const bad of [
      "v0.0.0",
      "v0.0.0-",
      "v0.0.0-0.20060102150405-hash",
      "v0.1.0-0.20060102150405-hash",
      "v1.0.0-0.20060102150405-hash",
      "v0.0.0-20060102150405-hash+incompatible",
      "v0.0.0-20060102150405-hash+metadata",
    ]
  ) {
    assertEquals(assertThrows(() => pseudoVersionBase(bad), MochiError, bad).code, "GO_E002");
  }
  // TestIncDecimal / TestDecDecimal, through the public functions that use them.
  assertEquals(pseudoVersion("", "v1.2.99", PSEUDO_TIME, "h"), "v1.2.100-0.20060102150405-h");
  assertEquals(pseudoVersionBase("v1.2.100-0.20060102150405-h"), "v1.2.99");
  assertEquals(pseudoVersionBase("v1.2.101-0.20060102150405-h"), "v1.2.100");
  assertEquals(pseudoVersionBase("v1.2.10-0.20060102150405-h"), "v1.2.9");
  // A time that is not a calendar date is refused (time.Parse in Go).
  assertThrows(() => pseudoVersionTime("v0.0.0-20061302150405-hash"), MochiError);
  assertThrows(() => pseudoVersionTime("v0.0.0-20060231150405-hash"), MochiError);
  assertEquals(zeroPseudoVersion("v0"), "v0.0.0-00010101000000-000000000000");
  assert(isZeroPseudoVersion("v2.0.0-00010101000000-000000000000"));
  assert(!isZeroPseudoVersion("v2.0.0-20060102150405-000000000000"));
});

Deno.test("canonicalVersion and sortModuleVersions: module.go CanonicalVersion, Sort", () => {
  assertEquals(canonicalVersion("v2.0.0+incompatible"), "v2.0.0+incompatible");
  assertEquals(canonicalVersion("v2.0+incompatible"), "");
  assertEquals(canonicalVersion("v1.2.3+meta"), "v1.2.3");
  const l = sortModuleVersions([
    { path: "b.io/x", version: "v1.0.0" },
    { path: "a.io/x", version: "v1.10.0/go.mod" },
    { path: "a.io/x", version: "v1.10.0" },
    { path: "a.io/x", version: "v1.9.0" },
  ]);
  assertEquals(l.map((m) => `${m.path}@${m.version}`), [
    "a.io/x@v1.9.0",
    "a.io/x@v1.10.0",
    "a.io/x@v1.10.0/go.mod",
    "b.io/x@v1.0.0",
  ]);
});

// semver/semver_test.go tests: [in, canonical out ("" = invalid)], in increasing order.
const SEMVER_TESTS: [string, string][] = [
  ["bad", ""],
  ["v1-alpha.beta.gamma", ""],
  ["v1-pre", ""],
  ["v1+meta", ""],
  ["v1-pre+meta", ""],
  ["v1.2-pre", ""],
  ["v1.2+meta", ""],
  ["v1.2-pre+meta", ""],
  ["v1.0.0-alpha", "v1.0.0-alpha"],
  ["v1.0.0-alpha.1", "v1.0.0-alpha.1"],
  ["v1.0.0-alpha.beta", "v1.0.0-alpha.beta"],
  ["v1.0.0-beta", "v1.0.0-beta"],
  ["v1.0.0-beta.2", "v1.0.0-beta.2"],
  ["v1.0.0-beta.11", "v1.0.0-beta.11"],
  ["v1.0.0-rc.1", "v1.0.0-rc.1"],
  ["v1", "v1.0.0"],
  ["v1.0", "v1.0.0"],
  ["v1.0.0", "v1.0.0"],
  ["v1.2", "v1.2.0"],
  ["v1.2.0", "v1.2.0"],
  ["v1.2.3-456", "v1.2.3-456"],
  ["v1.2.3-456.789", "v1.2.3-456.789"],
  ["v1.2.3-456-789", "v1.2.3-456-789"],
  ["v1.2.3-456a", "v1.2.3-456a"],
  ["v1.2.3-pre", "v1.2.3-pre"],
  ["v1.2.3-pre+meta", "v1.2.3-pre"],
  ["v1.2.3-pre.1", "v1.2.3-pre.1"],
  ["v1.2.3-zzz", "v1.2.3-zzz"],
  ["v1.2.3", "v1.2.3"],
  ["v1.2.3+meta", "v1.2.3"],
  ["v1.2.3+meta-pre", "v1.2.3"],
  ["v1.2.3+meta-pre.sha.256a", "v1.2.3"],
];

Deno.test("semver: semver/semver_test.go IsValid, Canonical, Major, MajorMinor, Prerelease, Build", () => {
  for (const [v, out] of SEMVER_TESTS) {
    assertEquals(semverIsValid(v), out !== "", v);
    assertEquals(semverCanonical(v), out, v);
    const dot = out.indexOf(".");
    assertEquals(semverMajor(v), dot >= 0 ? out.slice(0, dot) : "", v);
    let mm = "";
    if (out !== "") {
      mm = v.split("+")[0]!.split("-")[0]!;
      const dots = mm.split(".").length - 1;
      if (dots === 0) mm += ".0";
      else if (dots === 2) mm = mm.slice(0, mm.lastIndexOf("."));
    }
    assertEquals(semverMajorMinor(v), mm, v);
    const dash = out.indexOf("-");
    assertEquals(semverPrerelease(v), out !== "" && dash >= 0 ? out.slice(dash) : "", v);
    const plus = v.indexOf("+");
    assertEquals(semverBuild(v), out !== "" && plus >= 0 ? v.slice(plus) : "", v);
  }
});

Deno.test("semver: semver/semver_test.go Compare, Max, Sort", () => {
  SEMVER_TESTS.forEach(([vi, oi], i) => {
    SEMVER_TESTS.forEach(([vj, oj], j) => {
      const want = oi === oj ? 0 : i < j ? -1 : 1;
      assertEquals(semverCompare(vi, vj), want, `${vi} ${vj}`);
      assertEquals(semverMax(vi, vj), i < j ? semverCanonical(vj) : semverCanonical(vi));
    });
  });
  const shuffled = SEMVER_TESTS.map(([v]) => v).reverse();
  semverSort(shuffled);
  assertEquals(shuffled, [
    "bad",
    "v1+meta",
    "v1-alpha.beta.gamma",
    "v1-pre",
    "v1-pre+meta",
    "v1.2+meta",
    "v1.2-pre",
    "v1.2-pre+meta",
    "v1.0.0-alpha",
    "v1.0.0-alpha.1",
    "v1.0.0-alpha.beta",
    "v1.0.0-beta",
    "v1.0.0-beta.2",
    "v1.0.0-beta.11",
    "v1.0.0-rc.1",
    "v1",
    "v1.0",
    "v1.0.0",
    "v1.2",
    "v1.2.0",
    "v1.2.3-456",
    "v1.2.3-456.789",
    "v1.2.3-456-789",
    "v1.2.3-456a",
    "v1.2.3-pre",
    "v1.2.3-pre+meta",
    "v1.2.3-pre.1",
    "v1.2.3-zzz",
    "v1.2.3",
    "v1.2.3+meta",
    "v1.2.3+meta-pre",
    "v1.2.3+meta-pre.sha.256a",
  ]);
});
