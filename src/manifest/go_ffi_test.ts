import assert from "node:assert/strict";
import { parseManifest } from "./parse.ts";
import { errorOf, HEAD } from "./ffi_testing.ts";

Deno.test("[targets.go.ffi]: module = version or query, in file order, with lines", () => {
  const { manifest, warnings } = parseManifest(
    HEAD + `
[targets.go.ffi]
"github.com/google/uuid" = "v1.6.0"
"golang.org/x/mod" = "latest"
"gopkg.in/yaml.v3" = "v3"
"example.com/m/v2" = ">=v2.1.0"
"example.com/old" = "v2.0.0+incompatible"
`,
  );
  assert.deepEqual(warnings, []);
  assert.deepEqual([...manifest.goDependencies!.values()], [
    { module: "github.com/google/uuid", query: "v1.6.0", line: 8 },
    { module: "golang.org/x/mod", query: "latest", line: 9 },
    { module: "gopkg.in/yaml.v3", query: "v3", line: 10 },
    { module: "example.com/m/v2", query: ">=v2.1.0", line: 11 },
    { module: "example.com/old", query: "v2.0.0+incompatible", line: 12 },
  ]);
  assert.equal(parseManifest(HEAD).manifest.goDependencies, undefined);
});

Deno.test("[targets.go.ffi]: bad paths, versions and shapes are GO_E011 at their line", () => {
  const cases: [string, RegExp][] = [
    ['"../evil" = "v1.0.0"', /invalid Go module path "..\/evil"/],
    ['"github.com//x" = "v1.0.0"', /invalid Go module path/],
    ['"nodot/x" = "v1.0.0"', /missing dot in first path element/],
    ['"example.com/.x" = "v1.0.0"', /leading dot/],
    ['"example.com/x" = "1.0.0"', /invalid version "1.0.0"/],
    ['"example.com/x" = "master"', /branches and commits need a version control system/],
    ['"example.com/x" = ">=1.2"', /not a canonical version/],
    ['"example.com/x" = "upgrade"', /needs the version already required/],
    ['"example.com/x" = 3', /must be a version string, found/],
    ['"example.com/x" = ""', /the query is empty/],
  ];
  for (const [line, expected] of cases) {
    const e = errorOf(HEAD + `\n[targets.go.ffi]\n${line}\n`);
    assert.equal(e.code, "GO_E011", line);
    assert.match(e.message, expected, `${line}: ${e.message}`);
    assert.equal(e.line, 8, line);
    assert.ok(e.hint?.includes("v1.2.3") || e.hint?.includes("[targets.go.ffi]"));
  }
  assert.equal(errorOf(HEAD + "\n[targets]\ngo = 1\n").code, "MANIFEST_E013");
  assert.equal(errorOf(HEAD + "\n[targets.go]\nffi = []\n").code, "GO_E011");
});
