import assert from "node:assert/strict";
import fc from "fast-check";
import { MochiError } from "../errors.ts";
import { canonicalJson, manifestDigestInput } from "./digest.ts";
import { parseManifest } from "./parse.ts";
import { closestName, editDistance, packageNameProblem } from "./names.ts";
import { locateToml } from "./toml_locator.ts";

const HEAD = `[package]
name = "@acme/app"
version = "1.0.0"
edition = "2026"
mochi = ">=0.7, <1.0"
`;

/** Parses and returns the thrown MochiError (fails the test if nothing is thrown). */
function errorOf(text: string, file = "mochi.toml"): MochiError {
  try {
    parseManifest(text, file);
  } catch (e) {
    assert.ok(e instanceof MochiError, `expected MochiError, got ${e}`);
    return e;
  }
  assert.fail("expected parseManifest to throw");
}

Deno.test("parseManifest: a full manifest", () => {
  const text = `\uFEFF# app
allow-multi-version = ["@lib/x"]

[package]
name = "@acme/app"
version = "1.2.3-rc.1"
edition = "2026"
mochi = ">=0.7, <1.0"
description = "an app"
authors = ["A <a@example.com>"]

[dependencies]
anyhow = "1.0"
"@mochi/json" = { version = "^1.2", features = ["streaming"], capabilities = ["fs.read:/data"] }
local = { path = "../local" }
gitdep = { git = "https://example.com/g.git", tag = "v1" }
opt = { version = "~0.4", optional = true, default-features = false }

[dependencies.wsdep]
workspace = true
features = ["x"]

[dev-dependencies]
testkit = ">=0.1, <0.3"

[features]
default = ["opt"]

[capabilities]
required = ["fs.read", "net.dial:example.com:443"]
optional = ["net.listen"]
optional_features = { server = ["net.listen"] }
allowed = ["fs.read", "env"]

[registry]
default = "http://127.0.0.1:4873/"
`.replaceAll("\n", "\r\n");
  const { manifest, warnings } = parseManifest(text);
  assert.deepEqual(warnings, []);
  assert.equal(manifest.package.name, "@acme/app");
  assert.equal(manifest.package.version, "1.2.3-rc.1");
  assert.equal(manifest.package.description, "an app");
  assert.deepEqual(manifest.package.authors, ["A <a@example.com>"]);
  assert.deepEqual([...manifest.dependencies.keys()], [
    "anyhow",
    "@mochi/json",
    "local",
    "gitdep",
    "opt",
    "wsdep",
  ]);
  const json = manifest.dependencies.get("@mochi/json")!;
  assert.equal(json.requirement, "^1.2");
  assert.deepEqual(json.features, ["streaming"]);
  assert.deepEqual(json.capabilities, ["fs.read:/data"]);
  assert.equal(manifest.dependencies.get("local")!.path, "../local");
  assert.equal(manifest.dependencies.get("local")!.requirement, "*");
  assert.equal(manifest.dependencies.get("local")!.versionGiven, false);
  assert.deepEqual(manifest.dependencies.get("gitdep")!.git, {
    url: "https://example.com/g.git",
    tag: "v1",
  });
  const opt = manifest.dependencies.get("opt")!;
  assert.equal(opt.optional, true);
  assert.equal(opt.defaultFeatures, false);
  assert.equal(manifest.dependencies.get("wsdep")!.workspace, true);
  assert.equal(manifest.devDependencies.get("testkit")!.requirement, ">=0.1, <0.3");
  // Feature tables are keyed by the author's names: null-prototype objects.
  assert.equal(Object.getPrototypeOf(manifest.features), null);
  assert.equal(Object.getPrototypeOf(manifest.capabilities.optionalFeatures), null);
  assert.deepEqual({ ...manifest.features }, { default: ["opt"] });
  assert.deepEqual({
    ...manifest.capabilities,
    optionalFeatures: { ...manifest.capabilities.optionalFeatures },
  }, {
    required: ["fs.read", "net.dial:example.com:443"],
    optional: ["net.listen"],
    optionalFeatures: { server: ["net.listen"] },
    allowed: ["fs.read", "env"],
  });
  assert.equal(manifest.registry.default, "http://127.0.0.1:4873/");
  assert.deepEqual(manifest.allowMultiVersion, ["@lib/x"]);
});

Deno.test('parseManifest: allow-multi-version under [workspace] and as "*"', () => {
  const ws = parseManifest(`${HEAD}[workspace]\nmembers = ["a/*"]\nallow-multi-version = "*"\n`);
  assert.equal(ws.manifest.allowMultiVersion, "*");
  assert.deepEqual(ws.manifest.workspaceMembers, ["a/*"]);
  const none = parseManifest(HEAD);
  assert.deepEqual(none.manifest.allowMultiVersion, []);
});

Deno.test("parseManifest: unknown keys inside known tables are warnings with positions", () => {
  const text = `${HEAD}autors = ["x"]

[dependencies]
foo = { version = "1", featurs = ["a"] }

[registry]
defualt = "x"
`;
  const { warnings } = parseManifest(text, "app/mochi.toml");
  assert.deepEqual(
    warnings.map((w) => [w.path.join("."), w.line, w.column, w.file]),
    [
      ["package.autors", 6, 1, "app/mochi.toml"],
      ["dependencies.foo.featurs", 9, 24, "app/mochi.toml"],
      ["registry.defualt", 12, 1, "app/mochi.toml"],
    ],
  );
  assert.match(warnings[0]!.message, /did you mean "authors"/);
  assert.match(warnings[1]!.message, /did you mean "features"/);
});

/** Every error case: the manifest text, the code, the 1-based line and column, and a message pattern. */
const ERROR_CASES: {
  name: string;
  text: string;
  code: string;
  line: number;
  column: number;
  message?: RegExp;
}[] = [
  {
    name: "invalid TOML",
    text: `${HEAD}[dependencies]\nfoo = "1\n`,
    code: "MANIFEST_E001",
    line: 7,
    column: 9,
  },
  {
    name: "unknown top-level table names the closest",
    text: `${HEAD}\n[dependency]\nfoo = "1"\n`,
    code: "MANIFEST_E002",
    line: 7,
    column: 1,
    message: /\[dependency\].*did you mean \[dependencies\]/,
  },
  {
    name: "unknown top-level key",
    text: `nmae = "x"\n${HEAD}`,
    code: "MANIFEST_E002",
    line: 1,
    column: 1,
    message: /key "nmae"/,
  },
  {
    name: "bad package name (uppercase)",
    text: HEAD.replace('"@acme/app"', '"@acme/App"'),
    code: "MANIFEST_E003",
    line: 2,
    column: 8,
    message: /"@acme\/App"/,
  },
  {
    name: "scope too long",
    text: HEAD.replace('"@acme/app"', `"@${"a".repeat(40)}/app"`),
    code: "MANIFEST_E003",
    line: 2,
    column: 8,
    message: /40 characters; the limit is 39/,
  },
  {
    name: "name too long",
    text: HEAD.replace('"@acme/app"', `"${"a".repeat(65)}"`),
    code: "MANIFEST_E003",
    line: 2,
    column: 8,
  },
  {
    name: "bad dependency name",
    text: `${HEAD}[dependencies]\n"Foo" = "1"\n`,
    code: "MANIFEST_E003",
    line: 7,
    column: 1,
  },
  {
    name: "no [package]",
    text: `[dependencies]\nfoo = "1"\n`,
    code: "MANIFEST_E004",
    line: 1,
    column: 1,
  },
  {
    name: "missing mochi",
    text: HEAD.replace('mochi = ">=0.7, <1.0"\n', ""),
    code: "MANIFEST_E004",
    line: 1,
    column: 1,
    message: /"mochi"/,
  },
  {
    name: "mochi of the wrong type",
    text: HEAD.replace('mochi = ">=0.7, <1.0"', "mochi = 7"),
    code: "MANIFEST_E004",
    line: 5,
    column: 9,
  },
  {
    name: "name of the wrong type",
    text: HEAD.replace('name = "@acme/app"', "name = 1"),
    code: "MANIFEST_E004",
    line: 2,
    column: 8,
  },
  {
    name: "package is not a table",
    text: `package = "x"\n`,
    code: "MANIFEST_E004",
    line: 1,
    column: 11,
  },
  {
    name: "bad version",
    text: HEAD.replace('"1.0.0"', '"1.0"'),
    code: "MANIFEST_E005",
    line: 3,
    column: 11,
    message: /"1\.0"/,
  },
  {
    name: "bad requirement shows it and the reason",
    text: `${HEAD}\n[dependencies]\nfoo = ">=1.0 || <0.5"\n`,
    code: "MANIFEST_E006",
    line: 8,
    column: 7,
    message: /">=1\.0 \|\| <0\.5".*"foo".*\|\|/,
  },
  {
    name: "bad requirement inside an inline table",
    text: `${HEAD}[dev-dependencies]\nfoo = { version = "^x.1", optional = true }\n`,
    code: "MANIFEST_E006",
    line: 7,
    column: 19,
  },
  {
    name: "bad requirement in a dotted dependency table",
    text: `${HEAD}[dependencies.foo]\nfeatures = []\nversion = "1.2.3.4"\n`,
    code: "MANIFEST_E006",
    line: 8,
    column: 11,
  },
  {
    name: "bad requirement as a top-level dotted key",
    text: `dependencies.foo = "^^1"\n${HEAD}`,
    code: "MANIFEST_E006",
    line: 1,
    column: 20,
  },
  {
    name: "bad requirement under a spaced, quoted header",
    text: `${HEAD}[ dependencies . "foo" ]  # pinned\nversion = "1.0.0-"  # pre\n`,
    code: "MANIFEST_E006",
    line: 7,
    column: 11,
  },
  {
    name: "bad mochi requirement",
    text: HEAD.replace('">=0.7, <1.0"', '"latest"'),
    code: "MANIFEST_E006",
    line: 5,
    column: 9,
  },
  {
    name: "dependency of the wrong type",
    text: `${HEAD}[dependencies]\nfoo = 1\n`,
    code: "MANIFEST_E007",
    line: 7,
    column: 7,
  },
  {
    name: "rev without git",
    text: `${HEAD}[dependencies]\nfoo = { version = "1", rev = "abc" }\n`,
    code: "MANIFEST_E007",
    line: 7,
    column: 24,
  },
  {
    name: "tag and branch together",
    text: `${HEAD}[dependencies]\nfoo = { git = "u", tag = "v1", branch = "main" }\n`,
    code: "MANIFEST_E007",
    line: 7,
    column: 32,
  },
  {
    name: "path and git together",
    text: `${HEAD}[dependencies]\nfoo = { path = "p", git = "u" }\n`,
    code: "MANIFEST_E007",
    line: 7,
    column: 21,
  },
  {
    name: "no source at all",
    text: `${HEAD}[dependencies]\nfoo = { features = ["a"] }\n`,
    code: "MANIFEST_E007",
    line: 7,
    column: 1,
  },
  {
    name: "optional not a boolean",
    text: `${HEAD}[dependencies]\nfoo = { version = "1", optional = "yes" }\n`,
    code: "MANIFEST_E007",
    line: 7,
    column: 35,
  },
  {
    name: "workspace = true with version",
    text: `${HEAD}[dependencies]\nfoo = { workspace = true, version = "1" }\n`,
    code: "MANIFEST_E007",
    line: 7,
    column: 27,
  },
  {
    name: "unknown required capability names the closest",
    text: `${HEAD}[capabilities]\nrequired = ["fs.read", "net.dail"]\n`,
    code: "MANIFEST_E008",
    line: 7,
    column: 24,
    message: /"net\.dail".*did you mean "net\.dial"/,
  },
  {
    name: "unknown capability in a dependency pin (multi-line array)",
    text:
      `${HEAD}[dependencies.foo]\nversion = "1"\ncapabilities = [\n  "fs.read",\n  "fs.wirte:/tmp",\n]\n`,
    code: "MANIFEST_E008",
    line: 10,
    column: 3,
    message: /did you mean "fs\.write"/,
  },
  {
    name: "empty capability scope",
    text: `${HEAD}[capabilities]\nallowed = ["fs.read:"]\n`,
    code: "MANIFEST_E008",
    line: 7,
    column: 12,
  },
  {
    name: "optional_features capability not in optional",
    text: `${HEAD}[capabilities]\noptional = ["env"]\noptional_features = { tls = ["net.dial"] }\n`,
    code: "MANIFEST_E008",
    line: 8,
    column: 30,
  },
  {
    name: "capabilities required not an array",
    text: `${HEAD}[capabilities]\nrequired = "fs.read"\n`,
    code: "MANIFEST_E008",
    line: 7,
    column: 12,
  },
  {
    name: "registry default not a string",
    text: `${HEAD}[registry]\ndefault = 4873\n`,
    code: "MANIFEST_E009",
    line: 7,
    column: 11,
  },
  {
    name: "allow-multi-version malformed (top level)",
    text: `allow-multi-version = "all"\n${HEAD}`,
    code: "MANIFEST_E010",
    line: 1,
    column: 23,
  },
  {
    name: "allow-multi-version with a bad name (workspace)",
    text: `${HEAD}[workspace]\nallow-multi-version = ["ok", 3]\n`,
    code: "MANIFEST_E010",
    line: 7,
    column: 30,
  },
  {
    name: "allow-multi-version given twice",
    text: `allow-multi-version = ["a"]\n${HEAD}[workspace]\nallow-multi-version = ["b"]\n`,
    code: "MANIFEST_E010",
    line: 8,
    column: 1,
  },
  {
    name: "wrong edition",
    text: HEAD.replace('"2026"', '"2024"'),
    code: "MANIFEST_E012",
    line: 4,
    column: 11,
    message: /"2024"/,
  },
  {
    name: "edition as a number",
    text: HEAD.replace('"2026"', "2026"),
    code: "MANIFEST_E012",
    line: 4,
    column: 11,
  },
  {
    name: "features is not a table",
    text: `features = ["a"]\n${HEAD}`,
    code: "MANIFEST_E013",
    line: 1,
    column: 12,
  },
  {
    name: "feature entry not a list",
    text: `${HEAD}[features]\ndefault = "a"\n`,
    code: "MANIFEST_E013",
    line: 7,
    column: 11,
  },
];

for (const c of ERROR_CASES) {
  Deno.test(`parseManifest error: ${c.name} → ${c.code} at ${c.line}:${c.column}`, () => {
    for (const crlf of [false, true]) {
      const text = crlf ? c.text.replaceAll("\n", "\r\n") : c.text;
      const e = errorOf(text, "pkg/mochi.toml");
      assert.equal(e.code, c.code, `${e.code}: ${e.message}`);
      assert.deepEqual([e.line, e.column], [c.line, c.column], e.message);
      assert.equal(e.file, "pkg/mochi.toml");
      assert.ok(e.hint !== undefined && e.hint.length > 0, "every error has a hint");
      if (c.message) assert.match(e.message, c.message);
    }
  });
}

Deno.test("parseManifest: a BOM does not shift positions", () => {
  const e = errorOf("\uFEFF" + HEAD.replace('"1.0.0"', '"x"'));
  assert.deepEqual([e.code, e.line, e.column], ["MANIFEST_E005", 3, 11]);
});

Deno.test("manifestDigestInput: ignores formatting, comments and equivalent spellings", () => {
  const a = parseManifest(`${HEAD}description = "one"
[dependencies]
foo = "1.2"
bar = { version = ">=1, <2", features = ["b", "a"] }
[capabilities]
required = ["net.dial", "fs.read"]
`).manifest;
  const b = parseManifest(`# comment
[capabilities]
required = ["fs.read", "net.dial"]

[dependencies.bar]
features = ["a", "b"]
version = ">=1,<2"

[dependencies]
foo = "^1.2"

[package]
mochi = ">=0.7, <1.0"
edition = "2026"
version = "1.0.0"
name = "@acme/app"
description = "two"
`).manifest;
  assert.equal(manifestDigestInput(a), manifestDigestInput(b));
});

Deno.test("manifestDigestInput: changes when something resolution-relevant changes", () => {
  const base = `${HEAD}[dependencies]\nfoo = "1.2"\n`;
  const d0 = manifestDigestInput(parseManifest(base).manifest);
  const variants = [
    base.replace('"1.2"', '"1.3"'),
    base.replace('foo = "1.2"', 'foo = { version = "1.2", optional = true }'),
    base.replace('foo = "1.2"', 'foo = { version = "1.2", features = ["x"] }'),
    base.replace('foo = "1.2"', 'foo = { version = "1.2", capabilities = ["env"] }'),
    base + '[dev-dependencies]\nbar = "1"\n',
    base + '[capabilities]\nrequired = ["env"]\n',
    base + '[registry]\ndefault = "http://127.0.0.1:1/"\n',
    'allow-multi-version = "*"\n' + base,
    base.replace('"1.0.0"', '"1.0.1"'),
  ];
  const digests = variants.map((t) => manifestDigestInput(parseManifest(t).manifest));
  for (const d of digests) assert.notEqual(d, d0);
  assert.equal(new Set(digests).size, digests.length);
});

Deno.test("canonicalJson: key order does not matter (property)", () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())), (obj) => {
      const reversed = Object.fromEntries(Object.entries(obj).reverse());
      assert.equal(canonicalJson(obj), canonicalJson(reversed));
      assert.deepEqual(JSON.parse(canonicalJson(obj)), JSON.parse(JSON.stringify(obj)));
    }),
  );
});

Deno.test("packageNameProblem: the naming rule", () => {
  for (
    const ok of ["a", "anyhow", "@mochi/json", "a_b-c9", `@${"s".repeat(39)}/${"n".repeat(64)}`]
  ) {
    assert.equal(packageNameProblem(ok), undefined, ok);
  }
  for (
    const bad of [
      "",
      "9a",
      "A",
      "-a",
      "@/a",
      "@a",
      "@a/",
      "@a/B",
      "a/b",
      "a.b",
      `@${"s".repeat(40)}/n`,
      "n".repeat(65),
    ]
  ) {
    assert.notEqual(packageNameProblem(bad), undefined, bad);
  }
});

Deno.test("editDistance / closestName", () => {
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(
    closestName("dependency", ["package", "dependencies", "dev-dependencies"]),
    "dependencies",
  );
  fc.assert(
    fc.property(fc.string(), fc.string(), (a, b) => {
      assert.equal(editDistance(a, b), editDistance(b, a));
      assert.ok(editDistance(a, b) <= Math.max(a.length, b.length));
      assert.equal(editDistance(a, b) === 0, a === b);
    }),
  );
});

Deno.test("locateToml: headers, dotted keys, quoted keys, inline tables, arrays", () => {
  const text = `top = 1
[a.b]
"q.k" = { x = [1, { y = "}" }], z = 'lit' }
c.d = """
multi ] }
"""
e = 2
[[arr]]
n = 1
[[arr]]
n = 2
`;
  const loc = locateToml(text);
  assert.deepEqual(loc.key(["top"]), { line: 1, column: 1 });
  assert.deepEqual(loc.key(["a", "b"]), { line: 2, column: 1 });
  assert.deepEqual(loc.key(["a", "b", "q.k", "x"]), { line: 3, column: 11 });
  assert.deepEqual(loc.value(["a", "b", "q.k", "x", "1", "y"]), { line: 3, column: 25 });
  assert.deepEqual(loc.key(["a", "b", "q.k", "z"]), { line: 3, column: 33 });
  assert.deepEqual(loc.value(["a", "b", "c", "d"]), { line: 4, column: 7 });
  assert.deepEqual(loc.key(["a", "b", "e"]), { line: 7, column: 1 });
  assert.deepEqual(loc.key(["arr", "1", "n"]), { line: 11, column: 1 });
  assert.deepEqual(loc.key(["arr", "1", "missing"]), { line: 10, column: 1 });
  assert.equal(loc.has(["arr", "1", "missing"]), false);
  assert.deepEqual(loc.key(["nothing"]), { line: 1, column: 1 });
});
