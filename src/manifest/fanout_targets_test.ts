import assert from "node:assert/strict";
import { MochiError } from "../errors.ts";
import { parseManifest } from "./parse.ts";

const BASE = `[package]
name = "@acme/greet"
version = "1.2.0"
edition = "2026"
mochi = ">=0.7"
`;

Deno.test("fan-out target tables: keys, defaults, overrides, dependencies, metadata, positions", () => {
  const { manifest, warnings } = parseManifest(`${BASE}
[targets.typescript]
out = "target/ts/"
registry = "http://127.0.0.1:4873/"

[targets.typescript.overrides]
"platform.js" = "overrides/npm/platform.js"

[targets.typescript.dependencies]
"@types/node" = { version = "^20", dev = true }

[targets.typescript.metadata]
exports = "./index.js"

[targets.jvm]
group = "org.acme"

[targets.python.ffi]
httpx = ">=0.27"

[targets.python]
name = "acme-greeter"
`);
  assert.deepEqual(warnings, []);
  const ts = manifest.fanoutTargets!.get("typescript")!;
  assert.equal(ts.out, "target/ts");
  assert.equal(ts.registry, "http://127.0.0.1:4873/");
  assert.deepEqual(ts.overrides, [
    { path: "platform.js", from: "overrides/npm/platform.js", line: 12 },
  ]);
  assert.deepEqual(ts.dependencies, [{ name: "@types/node", range: "^20", kind: "dev", line: 15 }]);
  assert.deepEqual({ ...ts.metadata }, { exports: "./index.js" });
  assert.deepEqual(ts.positions.out, { line: 8, column: 1 });
  const jvm = manifest.fanoutTargets!.get("jvm")!;
  assert.equal(jvm.out, "target/jvm", "out defaults to target/<t>");
  assert.equal(jvm.group, "org.acme");
  assert.equal(manifest.fanoutTargets!.get("python")!.name, "acme-greeter");
  assert.equal(manifest.pythonDependencies!.get("httpx")!.requirement, "httpx>=0.27");
  assert.deepEqual([...manifest.fanoutTargets!.keys()], ["typescript", "jvm", "python"]);
});

Deno.test("fan-out target tables: a bridge-only table does not opt in", () => {
  const { manifest } = parseManifest(`${BASE}
[targets.python]
python = "3.12"
[targets.rust.ffi]
serde = "1"
`);
  assert.equal(manifest.fanoutTargets, undefined);
});

Deno.test("fan-out target tables: unknown keys and targets warn with the closest name", () => {
  const { warnings } = parseManifest(`${BASE}
[targets.typescript]
out = "target/ts"
scpoe = "acme"
group = "org.acme"

[targets.dotnot]
out = "x"
`);
  assert.deepEqual(warnings.map((w) => [w.message, w.line]), [
    ['unknown key "scpoe" in [targets.typescript] (ignored); did you mean "scope"?', 9],
    ['unknown key "group" in [targets.typescript] (ignored); did you mean "out"?', 10],
    ['unknown target "dotnot" in [targets] (ignored); did you mean "dotnet"?', 12],
  ]);
});

Deno.test("fan-out target tables: wrong types and unsafe paths fail at their position", () => {
  const cases: [string, RegExp, number][] = [
    ['[targets.jvm]\nout = "../elsewhere"', /leaves the project/, 8],
    ['[targets.jvm]\nout = "/abs"', /is absolute/, 8],
    ["[targets.jvm]\nout = 3", /must be a non-empty string/, 8],
    ['[targets.swift]\nregistry = "ftp://x/"', /not an http\(s\) URL/, 8],
    ['[targets.rust.overrides]\n"../x" = "y"', /leaves the project/, 8],
    ['[targets.rust.overrides]\n"a.rs" = "../y"', /must name a project file/, 8],
    ["[targets.beam.dependencies]\njason = 1", /needs a range string/, 8],
    ['[targets.beam]\nmetadata = "x"', /metadata must be a table/, 8],
    ['[targets]\ntypescript = "yes"', /must be a table/, 8],
  ];
  for (const [toml, re, line] of cases) {
    assert.throws(
      () => parseManifest(`${BASE}\n${toml}\n`),
      (e: unknown) =>
        e instanceof MochiError && e.code === "MANIFEST_E013" && re.test(e.message) &&
        e.line === line,
      toml,
    );
  }
});
