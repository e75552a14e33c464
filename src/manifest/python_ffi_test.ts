import assert from "node:assert/strict";
import { parseManifest } from "./parse.ts";
import { errorOf, HEAD } from "./ffi_testing.ts";

Deno.test("[targets.python.ffi]: strings and tables; the key is the name, the alias its identifier", () => {
  const { manifest, warnings } = parseManifest(
    HEAD + `
[registry]
pypi = "http://127.0.0.1:8080/simple/"

[targets.python.ffi]
httpx = ">=0.27"
typing-extensions = "*"
rich = { version = ">=13, <14", extras = ["jupyter"] }
mylib = { git = "https://git.example/u/mylib", rev = "v1.2" }
local = { path = "../local" }
torch = { index = "http://127.0.0.1:9/whl/", extra = "red" }
`,
    "mochi.toml",
  );
  assert.equal(manifest.registry.pypi, "http://127.0.0.1:8080/simple/");
  const deps = [...manifest.pythonDependencies!.values()];
  assert.deepEqual(
    deps.map((d) => [d.name, d.alias, d.requirement, d.line]),
    [
      ["httpx", "httpx", "httpx>=0.27", 11],
      ["typing-extensions", "typing_extensions", "typing-extensions", 12],
      ["rich", "rich", "rich[jupyter]>=13, <14", 13],
      ["mylib", "mylib", "mylib@git+https://git.example/u/mylib#v1.2", 14],
      ["local", "local", "local@path+../local", 15],
      ["torch", "torch", "torch@index+http://127.0.0.1:9/whl/", 16],
    ],
  );
  assert.deepEqual(warnings.map((w) => w.message), [
    'unknown key "extra" in distribution "torch" in [targets.python.ffi] (ignored); did you mean "extras"?',
  ]);
});

Deno.test("[targets.python.ffi] and [registry] pypi: bad entries are refused at their position", () => {
  const cases: [string, string, number, RegExp][] = [
    ['[targets.python.ffi]\n"-bad" = ">=1"\n', "PY_E010", 7, /invalid distribution name "-bad"/],
    ['[targets.python.ffi]\n3to2 = ">=1"\n', "PY_E010", 7, /gives no Mochi alias/],
    ["[targets.python.ffi]\nhttpx = 1\n", "PY_E010", 7, /must be a specifier string or a table/],
    [
      '[targets.python.ffi]\nx = { version = ">=1", git = "https://git.example/x" }\n',
      "PY_E010",
      7,
      /mixes sources/,
    ],
    ['[targets.python.ffi]\nx = { extras = "a" }\n', "PY_E010", 7, /extras/],
    ["[targets.python]\nffi = 3\n", "PY_E010", 7, /must be a table of name = "specifier"/],
    ['[registry]\npypi = "pypi"\n', "MANIFEST_E009", 7, /PEP 691 simple index URL/],
  ];
  for (const [body, code, line, want] of cases) {
    const e = errorOf(HEAD + body);
    assert.equal(e.code, code, body);
    assert.equal(e.line, line, body);
    assert.match(e.message, want, body);
  }
});

Deno.test("[targets.python] python and platform: the target environment, strictly", () => {
  const { manifest, warnings } = parseManifest(
    HEAD +
      '\n[targets.python]\npython = "3.11"\nplatform = "macos-arm64"\npython-version = "3.9"\n',
    "mochi.toml",
  );
  assert.deepEqual(manifest.pythonTarget, { python: "3.11", platform: "macos-arm64" });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!.message, /unknown key "python-version" in \[targets\.python\]/);
  assert.equal(parseManifest(HEAD, "mochi.toml").manifest.pythonTarget, undefined);
  const cases: [string, RegExp][] = [
    ['python = "3"', /python must be a CPython version such as "3.12", found "3"/],
    ["python = 3.12", /python must be a CPython version/],
    ['python = "2.7"', /python must be a CPython version/],
    ['platform = "linux"', /platform must be one of linux-x86_64, .*found "linux"/],
    ['platform = "manylinux2014_x86_64"', /platform must be one of/],
  ];
  for (const [line, message] of cases) {
    const e = errorOf(`${HEAD}\n[targets.python]\n${line}\n`);
    assert.equal(e.code, "MANIFEST_E013", line);
    assert.match(e.message, message, line);
  }
});
