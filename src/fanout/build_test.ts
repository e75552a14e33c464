import assert from "node:assert/strict";
import { MochiError } from "../errors.ts";
import { parseManifest } from "../manifest/parse.ts";
import { buildFanoutPackage, type FanoutProject } from "./build.ts";
import { lowerCapabilitiesFor } from "./capabilities.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

const MANIFEST = `[package]
name = "@acme/greet"
version = "1.2.0-rc.1"
edition = "2026"
mochi = ">=0.7"
description = "Greets"
license = "Apache-2.0"
authors = ["Ada <ada@example.org>"]
keywords = ["greeting"]

[dependencies]
"@acme/words" = "^0.3"

[capabilities]
required = ["env"]

[targets.python]
out = "target/python"
[targets.python.ffi]
"rich" = { version = ">=13", extras = ["jupyter"] }

[targets.typescript]
out = "target/ts"
[targets.typescript.overrides]
"platform.js" = "overrides/platform.js"
[targets.typescript.dependencies]
"@types/node" = { version = "^20", dev = true }

[targets.jvm]
group = "org.acme"
`;

const WORDS = (targets: string) =>
  parseManifest(`[package]
name = "@acme/words"
version = "0.3.1"
edition = "2026"
mochi = ">=0.7"
${targets}`).manifest;

function project(over: Partial<FanoutProject> = {}): FanoutProject {
  return {
    manifest: parseManifest(MANIFEST).manifest,
    capabilities: ["env"],
    outputs: new Map([
      ["typescript", [
        { path: "platform.js", bytes: enc.encode("node"), executable: false },
        { path: "index.js", bytes: enc.encode("export {}"), executable: false },
      ]],
      ["python", [{ path: "acme_greet/__init__.py", bytes: enc.encode(""), executable: false }]],
    ]),
    overrideFiles: new Map([["overrides/platform.js", enc.encode("override")]]),
    dependencyManifests: new Map([[
      "@acme/words",
      WORDS(
        '[targets.typescript]\nout = "t"\n[targets.python]\nout = "p"\n[targets.jvm]\ngroup = "org.words"\n',
      ),
    ]]),
    ...over,
  };
}

Deno.test("buildFanoutPackage: npm gets names, overrides, dependencies and capabilities", () => {
  const pkg = buildFanoutPackage(project(), "npm");
  assert.equal(pkg.name, "@acme/greet");
  assert.equal(pkg.version, "1.2.0-rc.1");
  assert.deepEqual(pkg.mochi, { name: "@acme/greet", version: "1.2.0-rc.1" });
  assert.deepEqual(pkg.files.map((f) => [f.path, dec.decode(f.bytes)]), [
    ["index.js", "export {}"],
    ["platform.js", "override"],
  ]);
  assert.deepEqual(pkg.dependencies, [
    { name: "@acme/words", range: "^0.3", kind: "normal" },
    { name: "@types/node", range: "^20", kind: "dev" },
  ]);
  assert.deepEqual(pkg.capabilities.map((c) => c.path), ["mochi.caps.json"]);
  assert.equal(pkg.license, "Apache-2.0");
  assert.deepEqual(pkg.authors, ["Ada <ada@example.org>"]);
});

Deno.test("buildFanoutPackage: PyPI maps version, ranges, ffi entries and lowers to mochi_caps.json", () => {
  const pkg = buildFanoutPackage(project(), "pypi");
  assert.equal(pkg.name, "acme-greet");
  assert.equal(pkg.version, "1.2.0rc1");
  assert.deepEqual(pkg.dependencies, [
    { name: "acme-words", range: ">=0.3.0,<0.4.0", kind: "normal" },
    { name: "rich[jupyter]", range: ">=13", kind: "normal" },
  ]);
  const caps = JSON.parse(dec.decode(pkg.capabilities[0]!.bytes));
  assert.deepEqual(caps.capabilities, ["env"]);
  assert.equal(pkg.capabilities[0]!.path, "mochi_caps.json");
});

Deno.test("buildFanoutPackage: Maven names the dependency group:artifact; JSR gets deno.json", () => {
  const pkg = buildFanoutPackage(project(), "maven");
  assert.equal(pkg.group, "org.acme");
  assert.equal(pkg.name, "greet");
  assert.deepEqual(pkg.dependencies, [
    { name: "org.words:words", range: "[0.3.0,0.4.0)", kind: "normal" },
  ]);
  assert.deepEqual(pkg.files, [], "no output folder read: no files");
  const jsr = buildFanoutPackage(project(), "jsr");
  const deno = JSON.parse(dec.decode(jsr.capabilities[0]!.bytes));
  assert.equal(jsr.capabilities[0]!.path, "deno.json");
  assert.ok(JSON.stringify(deno).includes("env"));
});

Deno.test("buildFanoutPackage: refusals", () => {
  const code = (c: string) => (e: unknown) => e instanceof MochiError && e.code === c;
  assert.throws(() => buildFanoutPackage(project(), "crates"), code("FANOUT_E011"));
  assert.throws(
    () =>
      buildFanoutPackage(
        project({ dependencyManifests: new Map([["@acme/words", WORDS("")]]) }),
        "npm",
      ),
    (e: unknown) => code("FANOUT_E005")(e) && /does not target npm/.test(String(e)),
  );
  assert.throws(
    () => buildFanoutPackage(project({ dependencyManifests: new Map() }), "npm"),
    code("FANOUT_E005"),
  );
  assert.throws(
    () => buildFanoutPackage(project({ overrideFiles: new Map() }), "npm"),
    code("FANOUT_E007"),
  );
  assert.throws(
    () =>
      lowerCapabilitiesFor("hex", { name: "x", version: "1.0.0" }, ["proc.spawn"], {
        hex: { "proc.spawn": "no processes here" },
      }),
    (e: unknown) => code("FANOUT_E006")(e) && /no processes here/.test(String(e)),
  );
});
