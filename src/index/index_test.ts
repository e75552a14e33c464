import fc from "fast-check";
import { MochiError } from "../errors.ts";
import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import {
  formatIndexRecord,
  formatRegistryConfig,
  indexPath,
  type IndexRecord,
  MAX_INDEX_LINE_BYTES,
  parseIndexFile,
  parseRegistryConfig,
  validatePackageName,
} from "./mod.ts";

const B3 = "ab".repeat(32);
const S2 = "cd".repeat(32);

function throwsCode(fn: () => unknown, code: string): MochiError {
  const e = assertThrows(fn, MochiError);
  assertEquals(e.code, code, e.message);
  return e;
}

Deno.test("indexPath() follows the bucket rule of the digest", () => {
  assertEquals(indexPath("@mochi/strings"), "st/ri/mochi/strings");
  assertEquals(indexPath("datalog"), "da/ta/-/datalog");
  assertEquals(indexPath("x"), "x/-/-/x");
  assertEquals(indexPath("ab"), "ab/ab/-/ab");
  assertEquals(indexPath("abc"), "ab/ab/-/abc");
  assertEquals(indexPath("abcd"), "ab/cd/-/abcd");
  assertEquals(indexPath("@s/q"), "q/-/s/q");
});

Deno.test("indexPath() lowercases and rejects names that could escape the index", () => {
  assertEquals(indexPath("@Mochi/Strings"), "st/ri/mochi/strings");
  for (const bad of ["", "../etc", "@a", "@/x", "a/b", "@a/../b", "1abc", "a b", "é"]) {
    const e = throwsCode(() => indexPath(bad), "MANIFEST_E003");
    assert(e.message.includes(JSON.stringify(bad)), e.message);
  }
});

Deno.test("validatePackageName() enforces segment syntax and lengths with a hint", () => {
  validatePackageName("@mochi/strings");
  validatePackageName("a_b-c9");
  validatePackageName(`@${"s".repeat(39)}/${"n".repeat(64)}`);
  const e = throwsCode(() => validatePackageName(`@${"s".repeat(40)}/n`), "MANIFEST_E003");
  assert(e.message.includes("40 characters"), e.message);
  assert(e.hint !== undefined && e.hint.includes("@scope/name"));
  throwsCode(() => validatePackageName("n".repeat(65)), "MANIFEST_E003");
  throwsCode(() => validatePackageName("Upper"), "MANIFEST_E003");
  throwsCode(() => validatePackageName("-dash"), "MANIFEST_E003");
  throwsCode(() => validatePackageName("@scope"), "MANIFEST_E003");
});

Deno.test("parseIndexFile() reads every short key and applies defaults", () => {
  const text = [
    JSON.stringify({ v: "1.0.0", b3: B3, s2: S2 }),
    "",
    JSON.stringify({
      v: "1.1.0-rc.1+build.5",
      b3: B3,
      s2: S2,
      d: { "@mochi/strings": "^1.2", json: ">=0.3, <0.5" },
      y: true,
      yr: "CVE",
      c: ["fs.read"],
      t: ["deno", "go"],
      mp: ">=0.10",
      ed: "2026",
      lk: "MIT",
      r: "2026-01-02T03:04:05Z",
      pr: { sig: "blobs/x.sigstore" },
      zz: { nested: [1] },
    }) + "\r",
    "",
  ].join("\n");
  const [a, b] = parseIndexFile("pkg", text);
  assertEquals(a, {
    version: "1.0.0",
    blake3: B3,
    sha256: S2,
    dependencies: {},
    yanked: false,
    capabilities: [],
    extra: {},
  });
  assertEquals(b, {
    version: "1.1.0-rc.1+build.5",
    blake3: B3,
    sha256: S2,
    dependencies: { "@mochi/strings": "^1.2", json: ">=0.3, <0.5" },
    yanked: true,
    yankReason: "CVE",
    capabilities: ["fs.read"],
    targets: ["deno", "go"],
    mochi: ">=0.10",
    edition: "2026",
    license: "MIT",
    releasedAt: "2026-01-02T03:04:05Z",
    provenance: { sig: "blobs/x.sigstore" },
    extra: { zz: { nested: [1] } },
  });
  // Unknown keys survive a format → parse round trip.
  assertEquals(parseIndexFile("pkg", formatIndexRecord(b!))[0], b);
});

Deno.test("parseIndexFile() names package, line and problem for malformed lines", () => {
  const good = JSON.stringify({ v: "1.0.0", b3: B3, s2: S2 });
  const cases: [string, string][] = [
    ["{not json", "not valid JSON"],
    ["[1,2]", "expected a JSON object"],
    [JSON.stringify({ b3: B3, s2: S2 }), 'missing required key "v"'],
    [JSON.stringify({ v: "1.0.0", s2: S2 }), 'missing required key "b3"'],
    [JSON.stringify({ v: "1.0.0", b3: B3 }), 'missing required key "s2"'],
    [JSON.stringify({ v: 1, b3: B3, s2: S2 }), 'key "v" must be a string'],
    [JSON.stringify({ v: "1.0", b3: B3, s2: S2 }), "not a SemVer"],
    [JSON.stringify({ v: "2.0.0", b3: B3.toUpperCase(), s2: S2 }), '"b3" must be 64 lowercase'],
    [JSON.stringify({ v: "2.0.0", b3: B3, s2: "abc" }), '"s2" must be 64 lowercase'],
    [JSON.stringify({ v: "2.0.0", b3: B3, s2: S2, y: "true" }), '"y" must be true or false'],
    [JSON.stringify({ v: "2.0.0", b3: B3, s2: S2, d: { a: 1 } }), 'dependency "a"'],
    [JSON.stringify({ v: "2.0.0", b3: B3, s2: S2, d: ["a"] }), 'key "d" must be an object'],
    [JSON.stringify({ v: "2.0.0", b3: B3, s2: S2, c: [1] }), '"c" must be an array of strings'],
    [JSON.stringify({ v: "2.0.0", b3: B3, s2: S2, pr: {} }), '"pr" must be an object'],
    [JSON.stringify({ v: "1.0.0+other", b3: B3, s2: S2 }), "already listed on line 2"],
  ];
  for (const [line, expected] of cases) {
    const e = throwsCode(
      () => parseIndexFile("@mochi/strings", `\n${good}\n${line}\n`, "st/ri/mochi/strings"),
      "INDEX_E001",
    );
    assert(e.message.includes('"@mochi/strings"'), e.message);
    assert(e.message.includes("line 3"), e.message);
    assert(e.message.includes(expected), `${e.message} should mention ${expected}`);
    assertEquals(e.line, 3);
    assertEquals(e.file, "st/ri/mochi/strings");
  }
});

Deno.test("parseIndexFile() enforces the 1 MB line limit in bytes", () => {
  const pad = (n: number) => JSON.stringify({ v: "1.0.0", b3: B3, s2: S2, x: "é".repeat(n) });
  const base = pad(0).length;
  // "é" is 1 UTF-16 unit but 2 UTF-8 bytes: the limit counts bytes.
  const fits = Math.floor((MAX_INDEX_LINE_BYTES - base) / 2);
  assertEquals(parseIndexFile("p", pad(fits)).length, 1);
  const e = throwsCode(() => parseIndexFile("p", pad(fits + 1)), "INDEX_E001");
  assert(e.message.includes(`limit is ${MAX_INDEX_LINE_BYTES}`), e.message);
});

Deno.test("parseIndexFile() keeps a __proto__ key as plain data", () => {
  const line = `{"v":"1.0.0","b3":"${B3}","s2":"${S2}","d":{"__proto__":"^1"},"__proto__":{"a":1}}`;
  const [r] = parseIndexFile("p", line);
  assertEquals(Object.keys(r!.dependencies), ["__proto__"]);
  assertEquals(Object.getPrototypeOf(r!.dependencies), Object.prototype);
  assertEquals(Object.keys(r!.extra), ["__proto__"]);
  assertEquals(parseIndexFile("p", formatIndexRecord(r!))[0], r);
});

const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const ident = fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/);
const versionArb = fc.tuple(
  fc.nat(50),
  fc.nat(50),
  fc.nat(50),
  fc.option(fc.stringMatching(/^(alpha|rc)\.[1-9][0-9]?$/), { nil: undefined }),
  fc.option(fc.stringMatching(/^[a-z0-9]{1,6}$/), { nil: undefined }),
).map(([a, b, c, pre, build]) =>
  `${a}.${b}.${c}${pre ? `-${pre}` : ""}${build ? `+${build}` : ""}`
);
const jsonValue = fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)));
const recordArb: fc.Arbitrary<IndexRecord> = fc.record({
  version: versionArb,
  blake3: hex64,
  sha256: hex64,
  dependencies: fc.dictionary(ident, fc.string()),
  yanked: fc.boolean(),
  yankReason: fc.string(),
  capabilities: fc.array(
    fc.constantFrom("clock", "fs.read", "fs.read:./data", "net.dial:127.0.0.1:8080", "env:HOME"),
    { maxLength: 3 },
  ),
  targets: fc.array(ident, { maxLength: 3 }),
  mochi: fc.string(),
  edition: fc.string(),
  license: fc.string(),
  releasedAt: fc.string(),
  provenance: fc.record({ sig: fc.webUrl() }),
  extra: fc.dictionary(fc.stringMatching(/^[a-z]{3,6}$/), jsonValue, { maxKeys: 3 }),
}, {
  requiredKeys: ["version", "blake3", "sha256", "dependencies", "yanked", "capabilities", "extra"],
}).map((r) => JSON.parse(JSON.stringify(r)) as IndexRecord); // plain prototypes, as JSON gives

Deno.test("formatIndexRecord() → parseIndexFile() round trips (property)", () => {
  fc.assert(
    fc.property(fc.array(recordArb, { minLength: 1, maxLength: 4 }), (recs) => {
      // Distinct versions per file (a duplicate is an error by design).
      const unique = [...new Map(recs.map((r) => [r.version.split("+")[0], r])).values()];
      const text = unique.map(formatIndexRecord).join("\n") + "\n";
      const parsed = parseIndexFile("p", text);
      assertEquals(parsed, unique);
      // Formatting is stable: the same record gives the same bytes.
      assertEquals(parsed.map(formatIndexRecord).join("\n") + "\n", text);
    }),
    { numRuns: 300 },
  );
});

Deno.test("parseRegistryConfig() reads dl/api/auth-required and rejects bad shapes", () => {
  assertEquals(parseRegistryConfig('{"dl":"blobs/","api":null,"auth-required":false}'), {
    dl: "blobs/",
    api: null,
    authRequired: false,
  });
  assertEquals(
    parseRegistryConfig('{"dl":"https://x/dl","api":"https://x","auth-required":true}'),
    {
      dl: "https://x/dl",
      api: "https://x",
      authRequired: true,
    },
  );
  const c = { dl: "blobs/", api: null, authRequired: true };
  assertEquals(parseRegistryConfig(formatRegistryConfig(c)), c);
  for (
    const bad of [
      "",
      "[]",
      "{}",
      '{"dl":""}',
      '{"dl":"x","api":1}',
      '{"dl":"x","auth-required":"no"}',
    ]
  ) {
    const e = throwsCode(() => parseRegistryConfig(bad, "file:///r/config.json"), "INDEX_E003");
    assert(e.message.includes("file:///r/config.json"), e.message);
  }
});

Deno.test("a record whose capability scope leaves its grammar is refused (INDEX_E001)", () => {
  const h = "0".repeat(64);
  for (const c of ["fs.read:./x'$(touch pwned)'", "fs.read:./data/../..", "fs.raed", "env:A B"]) {
    const line = JSON.stringify({ v: "1.0.0", b3: h, s2: h, c: [c] });
    const e = assertThrows(() => parseIndexFile("evil", line + "\n"), MochiError);
    assertEquals(e.code, "INDEX_E001", c);
    assert(/key "c"/.test(e.message), e.message);
  }
});
