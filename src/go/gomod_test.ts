/**
 * Tests of src/go/gomod.ts. Vectors: repository github.com/golang/mod, files
 * modfile/read_test.go (TestParseVersions, TestParseLax, TestParsePunctuation, modulePathTests)
 * and modfile/rule_test.go (retractRationaleTests, moduleDeprecatedTests).
 */
import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { MochiError } from "../errors.ts";
import { parseGoMod, retractionOf } from "./mod.ts";

function ok(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch (e) {
    if (e instanceof MochiError) return false;
    throw e;
  }
}

Deno.test("parseGoMod: read_test.go TestParseVersions (go and toolchain lines, strict and lax)", () => {
  const tests: [string, string, boolean, boolean][] = [
    ["empty", "module m\ngo \n", false, false],
    ["one", "module m\ngo 1\n", false, false],
    ["two", "module m\ngo 1.22\n", true, true],
    ["three", "module m\ngo 1.22.333", true, true],
    ["before", "module m\ngo v1.2\n", false, false],
    ["after", "module m\ngo 1.2rc1\n", true, true],
    ["space", "module m\ngo 1.2 3.4\n", false, false],
    ["alt1", "module m\ngo 1.2.3\n", true, true],
    ["alt2", "module m\ngo 1.2rc1\n", true, true],
    ["alt3", "module m\ngo 1.2beta1\n", true, true],
    ["alt4", "module m\ngo 1.2.beta1\n", false, true],
    ["alt1", "module m\ngo v1.2.3\n", false, true],
    ["alt2", "module m\ngo v1.2rc1\n", false, true],
    ["alt3", "module m\ngo v1.2beta1\n", false, true],
    ["alt4", "module m\ngo v1.2.beta1\n", false, true],
    ["alt1", "module m\ngo v1.2\n", false, true],
    ["tool", "module m\ntoolchain go1.2\n", true, true],
    ["tool1", "module m\ntoolchain go1.2.3\n", true, true],
    ["tool2", "module m\ntoolchain go1.2rc1\n", true, true],
    ["tool3", "module m\ntoolchain go1.2rc1-gccgo\n", true, true],
    ["tool4", "module m\ntoolchain default\n", true, true],
    ["tool5", "module m\ntoolchain inconceivable!\n", false, true],
  ];
  for (const [desc, input, strictOk, laxOk] of tests) {
    assertEquals(ok(() => parseGoMod(input)), strictOk, `strict ${desc}: ${input}`);
    // Go's lax test only says lax may fail where strict fails ("before" has no laxOK): a lax
    // parse of "go v1.2" keeps "1.2" by laxGoVersionRE, so it succeeds.
    if (strictOk) assertEquals(ok(() => parseGoMod(input, { lax: true })), true, `lax ${desc}`);
    else if (!laxOk && desc !== "before") {
      assertEquals(ok(() => parseGoMod(input, { lax: true })), false, `lax ${desc}`);
    }
  }
  assertEquals(parseGoMod("module m\ngo v1.2.3\n", { lax: true }).go, "1.2");
});

Deno.test("parseGoMod: read_test.go TestParseLax (irrelevant errors ignored)", () => {
  const bad = `module m
		surprise attack
		x y (
			z
		)
		exclude v1.2.3
		replace <-!!!
		retract v1.2.3 v1.2.4
		retract (v1.2.3, v1.2.4]
		retract v1.2.3 (
			key1 value1
			key2 value2
		)
		require good v1.0.0
	`;
  const f = parseGoMod(bad, { lax: true, file: "file" });
  assertEquals(f.module?.path, "m");
  assertEquals(f.require.map((r) => r.path), ["good"]);
  const e = assertThrows(() => parseGoMod(bad, { file: "file" }), MochiError);
  assert(e.message.includes("file:2:3: unknown directive: surprise"), e.message);
  assert(e.message.includes("unknown block type: x y"), e.message);
});

Deno.test("parseGoMod: read_test.go TestParsePunctuation through interval syntax", () => {
  // "require [v1.0.0, v1.1.0)" lexes as require [ v1.0.0 , v1.1.0 ) - a usage error.
  const e = assertThrows(() => parseGoMod("require [v1.0.0, v1.1.0)"), MochiError);
  assert(e.message.includes("usage: require module/path v1.2.3"), e.message);
  // "require ()" is an empty block.
  assertEquals(parseGoMod("require ()\n").require, []);
  assertEquals(parseGoMod("module m\nretract [v1.0.0, v1.1.0]\n").retract, [
    { low: "v1.0.0", high: "v1.1.0", rationale: "" },
  ]);
});

Deno.test("parseGoMod: read_test.go modulePathTests (the module line through the parser)", () => {
  const cases: [string, string | undefined][] = [
    ['module "github.com/rsc/vgotest"', "github.com/rsc/vgotest"],
    ["module github.com/rsc/vgotest", "github.com/rsc/vgotest"],
    ['module  "github.com/rsc/vgotest"', "github.com/rsc/vgotest"],
    ['module "github.com/rsc/vgotest/v2"', "github.com/rsc/vgotest/v2"],
    ["module gopkg.in/yaml.v2", "gopkg.in/yaml.v2"],
    ['module "gopkg.in/check.v1"\n', "gopkg.in/check.v1"],
    ['module "gopkg.in/check.v1\n"', undefined],
    ['module "gopkg.in/check.v1"\r\n', "gopkg.in/check.v1"],
    ["module gopkg.in/check.v1\r\n", "gopkg.in/check.v1"],
    ["module gopkg.in/check.v1\n\n", "gopkg.in/check.v1"],
    ['module "   "', "   "],
    ['module "  a/b/c  "', "  a/b/c  "],
    ['module "github.com/rsc/vgotest1" // with a comment', "github.com/rsc/vgotest1"],
    // modfile keeps a backquoted path's quotes and refuses it (ModulePath alone accepts it).
    ["module `github.com/rsc/vgotest`", undefined],
    ['module "gopkg.in/check.v1"asd', undefined],
  ];
  for (const [input, want] of cases) {
    if (want === undefined) assertEquals(ok(() => parseGoMod(input)), false, input);
    else assertEquals(parseGoMod(input).module?.path, want, input);
  }
});

Deno.test("parseGoMod: rule_test.go retractRationaleTests", () => {
  const cases: [string, string, string][] = [
    ["no_comment", "module m\n\t\tretract v1.0.0", ""],
    ["prefix_one", "module m\n\t\t//   prefix\n\t\tretract v1.0.0\n\t\t", "prefix"],
    [
      "prefix_multiline",
      "module m\n\t\t//  one\n\t\t//\n\t\t//     two\n\t\t//\n\t\t// three\n\t\tretract v1.0.0",
      "one\n\ntwo\n\nthree",
    ],
    ["suffix", "module m\n\t\tretract v1.0.0 // suffix\n\t\t", "suffix"],
    [
      "prefix_suffix_after",
      "module m\n\t\t// prefix\n\t\tretract v1.0.0 // suffix\n\t\t",
      "prefix\nsuffix",
    ],
    ["block_only", "// block\n\t\tretract (\n\t\t\tv1.0.0\n\t\t)\n\t\t", "block"],
    ["block_and_line", "// block\n\t\tretract (\n\t\t\t// line\n\t\t\tv1.0.0\n\t\t)\n\t\t", "line"],
  ];
  for (const [desc, input, want] of cases) {
    const f = parseGoMod(input, { lax: true });
    assertEquals(f.retract.length, 1, desc);
    assertEquals(f.retract[0]!.rationale, want, desc);
  }
});

Deno.test("parseGoMod: rule_test.go moduleDeprecatedTests", () => {
  const cases: [string, string, string][] = [
    ["no_comment", "module m", ""],
    ["other_comment", "// yo\n\t\tmodule m", ""],
    ["deprecated_no_colon", "//Deprecated\n\t\tmodule m", ""],
    ["deprecated_no_space", "//Deprecated:blah\n\t\tmodule m", "blah"],
    ["deprecated_simple", "// Deprecated: blah\n\t\tmodule m", "blah"],
    ["deprecated_lowercase", "// deprecated: blah\n\t\tmodule m", ""],
    ["deprecated_multiline", "// Deprecated: one\n\t\t// two\n\t\tmodule m", "one\ntwo"],
    ["deprecated_mixed", "// some other comment\n\t\t// Deprecated: blah\n\t\tmodule m", ""],
    ["deprecated_middle", "// module m is Deprecated: blah\n\t\tmodule m", ""],
    [
      "deprecated_multiple",
      "// Deprecated: a\n\t\t// Deprecated: b\n\t\tmodule m",
      "a\nDeprecated: b",
    ],
    ["deprecated_paragraph", "// Deprecated: a\n\t\t// b\n\t\t//\n\t\t// c\n\t\tmodule m", "a\nb"],
    [
      "deprecated_paragraph_space",
      "// Deprecated: the next line has a space\n\t\t//\n\t\t// c\n\t\tmodule m",
      "the next line has a space",
    ],
    ["deprecated_suffix", "module m // Deprecated: blah", "blah"],
    ["deprecated_mixed_suffix", "// some other comment\n\t\tmodule m // Deprecated: blah", ""],
    [
      "deprecated_mixed_suffix_paragraph",
      "// some other comment\n\t\t//\n\t\tmodule m // Deprecated: blah",
      "blah",
    ],
    ["deprecated_block", "// Deprecated: blah\n\t\tmodule (\n\t\t\tm\n\t\t)", "blah"],
  ];
  for (const [desc, input, want] of cases) {
    assertEquals(parseGoMod(input).module?.deprecated, want, desc);
  }
});

Deno.test("parseGoMod: every directive, indirect markers, replacements, errors", () => {
  const f = parseGoMod(`// a comment
module example.com/m

go 1.22.0

toolchain go1.22.3

godebug default=go1.21

require (
	golang.org/x/text v0.14.0 // indirect
	"github.com/google/uuid" v1.6.0
	rsc.io/quote/v3 v3.1 // indirect; for tests
	gopkg.in/yaml.v3 v3.0.1 // not indirect
)

require github.com/x/y v2.0.0+incompatible

exclude golang.org/x/text v0.13.0

replace (
	golang.org/x/net => golang.org/x/net v0.20.0
	golang.org/x/sys v0.1.0 => ../sys
)

retract (
	v1.0.1 // published by mistake
	[v1.1.0, v1.1.9]
)

tool golang.org/x/tools/cmd/stringer
ignore ./node_modules
`);
  assertEquals(f.module, { path: "example.com/m", deprecated: "" });
  assertEquals([f.go, f.toolchain], ["1.22.0", "go1.22.3"]);
  assertEquals(f.godebug, [{ key: "default", value: "go1.21" }]);
  assertEquals(f.require, [
    { path: "golang.org/x/text", version: "v0.14.0", indirect: true },
    { path: "github.com/google/uuid", version: "v1.6.0", indirect: false },
    { path: "rsc.io/quote/v3", version: "v3.1.0", indirect: true },
    { path: "gopkg.in/yaml.v3", version: "v3.0.1", indirect: false },
    { path: "github.com/x/y", version: "v2.0.0+incompatible", indirect: false },
  ]);
  assertEquals(f.exclude, [{ path: "golang.org/x/text", version: "v0.13.0" }]);
  assertEquals(f.replace, [
    {
      old: { path: "golang.org/x/net", version: "" },
      new: { path: "golang.org/x/net", version: "v0.20.0" },
    },
    { old: { path: "golang.org/x/sys", version: "v0.1.0" }, new: { path: "../sys", version: "" } },
  ]);
  assertEquals(f.retract, [
    { low: "v1.0.1", high: "v1.0.1", rationale: "published by mistake" },
    { low: "v1.1.0", high: "v1.1.9", rationale: "" },
  ]);
  assertEquals([f.tool, f.ignore], [["golang.org/x/tools/cmd/stringer"], ["./node_modules"]]);
  assertEquals(retractionOf(f, "v1.1.5")?.high, "v1.1.9");
  assertEquals(retractionOf(f, "v1.0.2"), undefined);

  const bad: [string, string][] = [
    ["module m\nrequire x.y/z v2.0.0\n", "should be v0 or v1, not v2"],
    ["module m\nrequire x.y/z/v2 v1.0.0\n", "should be v2, not v1"],
    ["module m\nrequire x.y/z latest\n", "must be of the form v1.2.3"],
    ["module m\nreplace x.y/z => other\n", "must be directory path"],
    ["module m\nreplace x.y/z => other@v1.0.0\n", "not 'path@version'"],
    ["module m\nreplace x.y/z => ./d v1.0.0\n", "cannot have version"],
    ["module m\nmodule n\n", "repeated module statement"],
    ["module m\ngo 1.21\ngo 1.22\n", "repeated go statement"],
    ["module m /* no */\n", "must use // comments"],
    ['module "m\n', "unexpected newline in string"],
    ["module m\nrequire (\n x.y/z v1.0.0\n", "unterminated block"],
    ["module m\nrequire (\n x.y/z v1.0.0\n) x\n", "expected newline after closing paren"],
    ["module m\nretract v1.0.0 v1.0.1\n", "unexpected token after version"],
    ["module m\nrequire x'y v1.0.0\n", "unquoted string cannot contain quote"],
    ["module m\u0001\n", "unexpected input character"],
  ];
  for (const [input, want] of bad) {
    const e = assertThrows(() => parseGoMod(input), MochiError, input);
    assertEquals(e.code, "GO_E009");
    assert(e.message.includes(want), `${JSON.stringify(input)}: ${e.message}`);
  }
  assertThrows(() => parseGoMod(new Uint8Array([0x6d, 0xff])), MochiError);
  assertThrows(() => parseGoMod("x".repeat(16 * 1024 * 1024 + 1)), MochiError);
});
