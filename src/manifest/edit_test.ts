import assert from "node:assert/strict";
import fc from "fast-check";
import { MochiError } from "../errors.ts";
import { addDependencyToText } from "./edit.ts";
import { parseManifest } from "./parse.ts";

const BASE = `# my app
[package]
name = "app"   # the name
version = "0.1.0"
edition = "2026"
mochi = ">=0.7"

[dependencies]
serde = "1"  # keep me
rand = { version = "0.8", features = ["small_rng"] }

[features]
default = []
`;

Deno.test("addDependencyToText: appends after the last entry, everything else byte for byte", () => {
  const out = addDependencyToText(BASE, "tokio", "1.40.0");
  assert.equal(
    out,
    BASE.replace(
      'features = ["small_rng"] }\n',
      'features = ["small_rng"] }\ntokio = "1.40.0"\n',
    ),
  );
});

Deno.test("addDependencyToText: replaces an existing entry, keeping its comment", () => {
  const out = addDependencyToText(BASE, "serde", "1.0.200");
  assert.equal(out, BASE.replace('serde = "1"  # keep me', 'serde = "1.0.200"  # keep me'));
  const out2 = addDependencyToText(BASE, "rand", "^0.9");
  assert.equal(parseManifest(out2).manifest.dependencies.get("rand")?.requirement, "^0.9");
});

Deno.test("addDependencyToText: no [dependencies] table → one is appended; scoped names quoted", () => {
  const bare = BASE.slice(0, BASE.indexOf("[dependencies]")).trimEnd() + "\n";
  const out = addDependencyToText(bare, "@mochi/strings", "^1.2");
  assert.equal(out, bare + '\n[dependencies]\n"@mochi/strings" = "^1.2"\n');
});

Deno.test("addDependencyToText: CRLF files stay CRLF; a multi-line entry is refused", () => {
  const crlf = BASE.replaceAll("\n", "\r\n");
  const out = addDependencyToText(crlf, "tokio", "1");
  assert.ok(!/[^\r]\n/.test(out), "a bare LF slipped in");
  assert.ok(out.includes('tokio = "1"\r\n'));
  const multi = BASE.replace(
    'rand = { version = "0.8", features = ["small_rng"] }',
    'rand = { version = "0.8", features = [\n  "small_rng",\n] }',
  );
  // TOML 1.0 has no multi-line inline tables; smol-toml refuses it first.
  assert.throws(() => addDependencyToText(multi, "rand", "1"), MochiError);
});

Deno.test("addDependencyToText: property — only the one entry changes", () => {
  const names = fc.stringMatching(/^[a-z][a-z0-9_-]{0,10}$/);
  const reqs = fc.constantFrom("1", "^2.3", "~0.4.1", ">=1, <2", "=1.0.0", "*");
  fc.assert(
    fc.property(names, reqs, (name, req) => {
      const before = parseManifest(BASE).manifest;
      const after = parseManifest(addDependencyToText(BASE, name, req)).manifest;
      assert.equal(after.dependencies.get(name)?.requirement, req);
      for (const [n, d] of before.dependencies) {
        if (n !== name) assert.deepEqual(after.dependencies.get(n), d);
      }
      assert.deepEqual(after.package, before.package);
      assert.deepEqual(after.features, before.features);
    }),
    { numRuns: 200, seed: 5 },
  );
});

Deno.test("addDependencyToText: an alternate registry is written into the entry", () => {
  const out = addDependencyToText(BASE, "acme-utils", "1.0.0", "mochi.toml", "corp");
  assert.ok(out.includes('acme-utils = { version = "1.0.0", registry = "corp" }\n'));
  const dep = parseManifest(out).manifest.dependencies.get("acme-utils");
  assert.equal(dep?.registry, "corp");
});
