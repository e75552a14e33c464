import assert from "node:assert/strict";
import fc from "fast-check";
import { MochiError } from "../errors.ts";
import {
  assertNoNameCollision,
  checkNameCollision,
  normalizePackageName,
  typoDistance,
} from "./similar_names.ts";

const POPULAR = Deno.readTextFileSync(
  new URL("../../fixtures/popular-names/names.txt", import.meta.url),
).trim().split("\n");

Deno.test("normalizePackageName: NFKC, lowercase, _ → -, confusable skeleton", () => {
  assert.equal(normalizePackageName("Lodash"), "lodash");
  assert.equal(normalizePackageName("lo_dash"), "lo-dash");
  assert.equal(normalizePackageName("ｌｏｄａｓｈ"), "lodash"); // fullwidth, by NFKC
  assert.equal(normalizePackageName("lod\u0430sh"), "lodash"); // Cyrillic а
  assert.equal(normalizePackageName("\u0455erde"), "serde"); // Cyrillic ѕ
  assert.equal(normalizePackageName("t\u03BFkio"), "tokio"); // Greek ο
  assert.equal(normalizePackageName("l0dash"), "l0dash"); // digits left to the distance check
});

Deno.test("typoDistance: omission, repetition, substitution, transposition cost 1", () => {
  assert.equal(typoDistance("lodash", "lodsh"), 1);
  assert.equal(typoDistance("lodash", "loddash"), 1);
  assert.equal(typoDistance("lodash", "l0dash"), 1);
  assert.equal(typoDistance("lodash", "lodahs"), 1);
  assert.equal(typoDistance("lodash", "ldoahs"), 2);
  assert.equal(typoDistance("", "ab"), 2);
});

Deno.test("checkNameCollision: the research table is flagged against the popular list", () => {
  const cases: [string, string, string][] = [
    ["Lodash", "normalised", "lodash"],
    ["lo_dash", "typo", "lodash"],
    ["lodahs", "typo", "lodash"],
    ["l0dash", "typo", "lodash"],
    ["lodash-js", "affix", "lodash"],
    ["lod\u0430sh", "normalised", "lodash"],
    ["serde_rs", "affix", "serde"],
    ["rs-serde", "affix", "serde"],
    ["tokoi", "typo", "tokio"],
    ["serde-json", "normalised", "serde_json"],
    ["reqwests", "typo", "reqwest"],
  ];
  for (const [candidate, kind, name] of cases) {
    const found = checkNameCollision(candidate, [], POPULAR);
    assert.ok(
      found.some((c) => c.kind === kind && c.name === name),
      `${candidate}: ${JSON.stringify(found)}`,
    );
  }
});

Deno.test("checkNameCollision: distinct real names are not flagged", () => {
  for (
    const [a, b] of [
      ["serde", "serde_json"],
      ["serde_json", "serde"],
      ["tokio", "tokio-macros"],
      ["rand", "rand_core"],
      ["regex", "regex-syntax"],
      ["clap", "clap_derive"],
    ]
  ) {
    assert.deepEqual(checkNameCollision(a!, [b!], [b!]), [], `${a} vs ${b}`);
  }
  // A popular name itself, and a fresh unrelated one, are clear.
  assert.deepEqual(checkNameCollision("serde", POPULAR, POPULAR), []);
  assert.deepEqual(checkNameCollision("my-brand-new-thing", POPULAR, POPULAR), []);
  // Across the 170 real names, the few flagged are real one-edit pairs (adler/adler2, …).
  const flagged = POPULAR.filter((n) =>
    checkNameCollision(n, POPULAR.filter((x) => x !== n), POPULAR.filter((x) => x !== n))
      .length > 0
  );
  assert.ok(flagged.length <= 10, `flagged ${flagged.join(", ")}`);
  assert.ok(flagged.includes("reqwest") && flagged.includes("request"));
});

Deno.test("checkNameCollision: every normalisation-equal spelling of a name is caught (property)", () => {
  const base = fc.constantFrom(...POPULAR.filter((n) => n.length >= 4));
  const variant = base.chain((n) =>
    fc.tuple(fc.constant(n), fc.array(fc.boolean(), { minLength: n.length, maxLength: n.length }))
      .map(([name, flips]) =>
        [
          name,
          [...name].map((ch, i) =>
            flips[i] ? (ch === "-" ? "_" : ch === "_" ? "-" : ch.toUpperCase()) : ch
          ).join(""),
        ] as const
      )
  );
  fc.assert(
    fc.property(variant, ([name, v]) => {
      if (v === name) return;
      const found = checkNameCollision(v, [name]);
      assert.ok(found.some((c) => c.kind === "normalised" && c.name === name), v);
    }),
    { numRuns: 300, seed: 9 },
  );
});

Deno.test("assertNoNameCollision: NAME_E001 naming the collision, or nothing", () => {
  assertNoNameCollision("brand-new", ["serde"], POPULAR);
  assert.throws(
    () => assertNoNameCollision("Serde", ["serde"], []),
    (e: unknown) =>
      e instanceof MochiError && e.code === "NAME_E001" && e.message.includes('"serde"'),
  );
});
