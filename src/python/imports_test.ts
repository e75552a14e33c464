import assert from "node:assert/strict";
import { MochiError } from "../errors.ts";
import {
  type DeclaredPythonDependency,
  mergePythonRequirements,
  parsePythonImportSpec,
  pythonAliasOf,
  scanPythonImports,
} from "./imports.ts";

function codeOf(f: () => unknown): MochiError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof MochiError, String(e));
    return e;
  }
  assert.fail("expected a MochiError");
}

Deno.test("parsePythonImportSpec: PEP 508 names, extras and specifiers; @ source qualifiers", () => {
  const s = parsePythonImportSpec("HTTPX[HTTP2, cli] >= 0.27 , < 1");
  assert.equal(s.name, "HTTPX");
  assert.equal(s.normalizedName, "httpx");
  assert.deepEqual(s.extras, ["cli", "http2"]);
  assert.equal(s.specifier, ">=0.27,<1");
  assert.equal(s.source, "registry");
  assert.equal(parsePythonImportSpec("zope.interface").normalizedName, "zope-interface");
  assert.equal(parsePythonImportSpec("httpx@==0.27.2").specifier, "==0.27.2");
  assert.equal(parsePythonImportSpec("a===weird.thing").specifier, "===weird.thing");
  const git = parsePythonImportSpec("mylib @ git+https://git.example/u/r#main");
  assert.deepEqual([git.source, git.gitUrl, git.gitRev], [
    "git",
    "https://git.example/u/r",
    "main",
  ]);
  const path = parsePythonImportSpec("mylib@path+../sibling");
  assert.deepEqual([path.source, path.localPath], ["path", "../sibling"]);
  const index = parsePythonImportSpec("torch@index+http://127.0.0.1:9/whl/");
  assert.deepEqual([index.source, index.indexUrl], ["index", "http://127.0.0.1:9/whl/"]);
});

Deno.test("parsePythonImportSpec: refuses what is not a requirement (PY_E010)", () => {
  for (
    const bad of [
      "",
      "-httpx",
      "httpx>=",
      "httpx^0.27",
      "httpx>=0.27; rm -rf /",
      "httpx[http2",
      "httpx[bad extra]",
      "httpx@git+javascript:alert(1)",
      "httpx@git+https://u:p@git.example/r",
      "httpx@git+https://git.example/r#--upload-pack=x",
      "httpx@path+/etc",
      "httpx@path+a\\b",
      "httpx@index+ftp://h.example/",
      "x".repeat(9000),
    ]
  ) {
    const e = codeOf(() => parsePythonImportSpec(bad));
    assert.equal(e.code, "PY_E010", bad.slice(0, 40));
    assert.ok(e.message.length < 400, "the message quotes a bounded part of the text");
  }
});

Deno.test("scanPythonImports: import python lines with their alias; a missing alias is named", () => {
  const text = [
    "// a comment",
    'import python "httpx>=0.27" as httpx\r',
    'import rust "tokio@1" as tokio',
    '  import python "httpx<0.28" as web',
    'let s = "import python"',
  ].join("\n");
  const found = scanPythonImports(text, "src/main.mochi");
  assert.deepEqual(found.map((i) => [i.spec.normalizedName, i.alias, i.spec.specifier, i.line]), [
    ["httpx", "httpx", ">=0.27", 2],
    ["httpx", "web", "<0.28", 4],
  ]);
  const noAlias = codeOf(() => scanPythonImports('import python "httpx"', "a.mochi"));
  assert.equal(noAlias.code, "PY_E010");
  assert.match(noAlias.message, /a\.mochi:1 has no alias/);
  assert.equal(noAlias.line, 1);
  const badAlias = codeOf(() => scanPythonImports('\nimport python "httpx" as 9x', "a.mochi"));
  assert.match(badAlias.message, /alias "9x" at a\.mochi:2 is not a Mochi identifier/);
  const badReq = codeOf(() => scanPythonImports('import python "httpx>>1" as h', "b.mochi"));
  assert.match(badReq.message, /in import at b\.mochi:1/);
  assert.equal(badReq.file, "b.mochi");
});

Deno.test("mergePythonRequirements: two aliases are two entries; disagreements are PY_E011", () => {
  const declared: DeclaredPythonDependency[] = [{
    name: "httpx",
    alias: pythonAliasOf("httpx")!,
    spec: parsePythonImportSpec("httpx>=0.27"),
    line: 9,
  }];
  const imports = scanPythonImports(
    [
      'import python "httpx" as httpx',
      'import python "httpx<0.28" as web',
      'import python "Typing_Extensions>=4" as te',
    ].join("\n"),
    "src/main.mochi",
  );
  const reqs = mergePythonRequirements("mochi.toml", declared, imports);
  assert.deepEqual(reqs.map((r) => [r.spec.normalizedName, r.alias, r.spec.specifier, r.where]), [
    ["httpx", "httpx", ">=0.27", "mochi.toml:9"],
    ["httpx", "web", "<0.28", "src/main.mochi:2"],
    ["typing-extensions", "te", ">=4", "src/main.mochi:3"],
  ]);
  const clash = codeOf(() =>
    mergePythonRequirements(
      "mochi.toml",
      declared,
      scanPythonImports('import python "httpx>=0.20" as httpx', "src/a.mochi"),
    )
  );
  assert.equal(clash.code, "PY_E011");
  assert.match(
    clash.message,
    /"httpx>=0.27" at mochi.toml:9 but as "httpx>=0.20" at src\/a.mochi:1/,
  );
  const twoSources = codeOf(() =>
    mergePythonRequirements(
      "mochi.toml",
      declared,
      scanPythonImports('import python "httpx@path+../h" as h2', "src/a.mochi"),
    )
  );
  assert.match(twoSources.message, /one environment holds one copy/);
  assert.equal(pythonAliasOf("typing-extensions"), "typing_extensions");
  assert.equal(pythonAliasOf("3to2"), undefined);
});
