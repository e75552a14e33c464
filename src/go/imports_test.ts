import assert from "node:assert/strict";
import { MochiError } from "../errors.ts";
import { goImportOfLine, mergeGoRequirements } from "./imports.ts";
import { parseGoQuery, selectGoVersion } from "./query.ts";

Deno.test("goImportOfLine: module@query as alias; other lines are not imports; bad ones GO_E011", () => {
  assert.deepEqual(
    goImportOfLine('  import go "github.com/google/uuid@v1.6.0" as uuid // ids', "src/a.mochi", 3),
    {
      module: "github.com/google/uuid",
      query: "v1.6.0",
      alias: "uuid",
      file: "src/a.mochi",
      line: 3,
    },
  );
  assert.equal(goImportOfLine('import rust "tokio@1" as tokio', "a", 1), undefined);
  assert.equal(goImportOfLine("let go = 1", "a", 1), undefined);
  for (
    const bad of [
      'import go "github.com/google/uuid" as uuid',
      'import go "github.com/google/uuid@master" as uuid',
      'import go "../x@v1.0.0" as x',
      'import go "example.com/x@v1.0.0"',
      'import go "example.com/x@v1.0.0" as 1x',
    ]
  ) {
    assert.throws(() => goImportOfLine(bad, "src/a.mochi", 9), (e) => {
      assert.ok(e instanceof MochiError);
      assert.equal(e.code, "GO_E011");
      assert.match(e.message, /src\/a\.mochi:9/);
      return true;
    }, bad);
  }
});

Deno.test("mergeGoRequirements: manifest first, imports sorted after; disagreements are GO_E012", () => {
  const declared = new Map([["example.com/b", { module: "example.com/b", query: "v1", line: 8 }]]);
  const imp = (module: string, query: string, line: number) => ({
    module,
    query,
    alias: "x",
    file: "src/main.mochi",
    line,
  });
  assert.deepEqual(
    mergeGoRequirements("mochi.toml", declared, [
      imp("example.com/z", "latest", 1),
      imp("example.com/b", "v1", 2),
      imp("example.com/a", "v0.1.0", 3),
    ]),
    [
      { module: "example.com/b", query: "v1", where: "mochi.toml:8" },
      { module: "example.com/a", query: "v0.1.0", where: "src/main.mochi:3" },
      { module: "example.com/z", query: "latest", where: "src/main.mochi:1" },
    ],
  );
  assert.throws(
    () => mergeGoRequirements("mochi.toml", declared, [imp("example.com/b", "v2.0.0", 4)]),
    /required as "v1" at mochi\.toml:8 but as "v2\.0\.0" at src\/main\.mochi:4/,
  );
});

Deno.test("selectGoVersion: cmd/go's query rules over tagged versions", () => {
  const vs = ["v1.0.0", "v1.1.0", "v1.2.0-rc.1", "v1.1.5", "v2.0.0+incompatible", "v0.9.0"];
  const pick = (q: string, list = vs, retracted: string[] = []) => {
    const p = parseGoQuery(q);
    if (typeof p === "string") throw new Error(p);
    return selectGoVersion(p, list, (v) => retracted.includes(v));
  };
  assert.equal(pick("latest"), "v2.0.0+incompatible");
  assert.equal(pick("latest", ["v1.0.0", "v1.1.0-pre"]), "v1.0.0");
  assert.equal(pick("latest", ["v1.1.0-pre", "v1.2.0-pre"]), "v1.2.0-pre");
  assert.equal(pick("latest", ["v1.0.0", "v1.1.0"], ["v1.1.0"]), "v1.0.0");
  assert.equal(pick("v1"), "v1.1.5");
  assert.equal(pick("v1.1"), "v1.1.5");
  assert.equal(pick("v1.2"), "v1.2.0-rc.1");
  assert.equal(pick("v3"), undefined);
  assert.equal(pick("<v1.1.0"), "v1.0.0");
  assert.equal(pick("<=v1.1.0"), "v1.1.0");
  assert.equal(pick(">v1.0.0"), "v1.1.0");
  assert.equal(pick(">=v1.1.0"), "v1.1.0");
  assert.equal(pick("v1.0.0", [], []), "v1.0.0");
});
