import assert from "node:assert/strict";
import { isCanonicalGoVersion, modulePathProblem, parseGoQuery } from "./query.ts";

Deno.test("isCanonicalGoVersion: golang.org/x/mod/semver's canonical forms only", () => {
  // Vectors from golang.org/x/mod semver/semver_test.go (tests: the entries whose canonical form
  // equals the input).
  for (
    const v of [
      "v1.2.3",
      "v0.0.0",
      "v1.2.3-pre",
      "v1.2.3-pre.0.1",
      "v2.0.0+incompatible",
      "v0.0.0-20191109021931-daa7c04131f5",
      "v1.0.0-alpha.beta",
      "v1.2.3-0a",
    ]
  ) {
    assert.ok(isCanonicalGoVersion(v), v);
  }
  for (
    const v of [
      "1.2.3",
      "v1",
      "v1.2",
      "v1.2.3+build",
      "v01.2.3",
      "v1.2.3-01",
      "v1.2.3-",
      "v1.2.3-pre..1",
      "v1.2.3+incompatible+incompatible",
      "",
    ]
  ) {
    assert.ok(!isCanonicalGoVersion(v), v);
  }
});

Deno.test("parseGoQuery: exact, latest, prefix, comparison; everything else has a reason", () => {
  assert.deepEqual(parseGoQuery("v1.6.0"), { kind: "exact", version: "v1.6.0" });
  assert.deepEqual(parseGoQuery("latest"), { kind: "latest" });
  assert.deepEqual(parseGoQuery("v1"), { kind: "prefix", prefix: "v1" });
  assert.deepEqual(parseGoQuery("v1.2"), { kind: "prefix", prefix: "v1.2" });
  assert.deepEqual(parseGoQuery("<v1.2.3"), { kind: "compare", op: "<", version: "v1.2.3" });
  assert.deepEqual(parseGoQuery(">=v2.0.0+incompatible"), {
    kind: "compare",
    op: ">=",
    version: "v2.0.0+incompatible",
  });
  for (const q of ["", "master", "v1.2.3.4", ">=", "=v1.0.0", "v01", "x".repeat(200)]) {
    assert.equal(typeof parseGoQuery(q), "string", q);
  }
});

Deno.test("modulePathProblem: cmd/go's module path shape", () => {
  for (
    const p of [
      "github.com/google/uuid",
      "gopkg.in/yaml.v3",
      "golang.org/x/mod",
      "example.com/a_b/c~d/e-f/v2",
    ]
  ) {
    assert.equal(modulePathProblem(p), undefined, p);
  }
  for (
    const p of [
      "",
      "x",
      "Example.com/x",
      "example.com/",
      "/example.com",
      "example.com//x",
      "example.com/../x",
      "example.com/x.",
      "example.com/a b",
      "example.com/a+b",
      "example.com/\u00e9",
      "a".repeat(501),
    ]
  ) {
    assert.notEqual(modulePathProblem(p), undefined, p);
  }
});
