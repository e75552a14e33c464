/**
 * The tools behind the real-project corpus and the like-for-like demo bench: reading cargo's
 * index cache framing (`scripts/record_rust_corpus.ts`) and the demo registry's graph written back
 * as cargo index lines (`scripts/demo_cargo_index.ts`).
 */
import { assert, assertEquals, assertThrows } from "./assert.ts";
import { parseCargoIndexCache } from "../scripts/record_rust_corpus.ts";
import { demoCargoLine } from "../scripts/demo_cargo_index.ts";
import { mochiDependencies } from "../scripts/convert_crates_index.ts";

function frame(cacheVersion: number, parts: string[]): Uint8Array {
  const enc = new TextEncoder();
  const body = parts.flatMap((p) => [...enc.encode(p), 0]);
  return new Uint8Array([cacheVersion, 2, 0, 0, 0, ...body]);
}

Deno.test("cargo's index cache framing gives back the index lines in their order", () => {
  const a = `{"name":"itoa","vers":"1.0.0","deps":[],"cksum":"00","features":{}}`;
  const b = `{"name":"itoa","vers":"0.4.8","deps":[],"cksum":"11","features":{}}`;
  assertEquals(
    parseCargoIndexCache(frame(3, ['etag: "abc"', "1.0.0", a, "0.4.8", b])),
    [a, b],
  );
  assertEquals(parseCargoIndexCache(frame(3, ["Unknown"])), []);
  const old = assertThrows(() => parseCargoIndexCache(frame(2, ["Unknown", "1.0.0", a])), Error);
  assert(old.message.includes("cache version 2"), old.message);
  const cut = frame(3, ["Unknown", "1.0.0", a]);
  const short = assertThrows(() => parseCargoIndexCache(cut.subarray(0, cut.length - 1)), Error);
  assert(short.message.includes("truncated"), short.message);
});

Deno.test("the demo's cargo index line carries exactly the dependencies mochi's registry has", () => {
  const deps = [
    { name: "serde", req: "^1", optional: true, kind: "normal", features: ["derive"] },
    { name: "tempfile", req: "^3", optional: false, kind: "dev" },
    { name: "cc", req: "^1.0.83", optional: false, kind: "build" },
    { name: "rand07", package: "rand", req: "^0.7", optional: false, kind: "normal" },
    { name: "libc", req: "^0.2.100", optional: false, kind: null, target: "cfg(unix)" },
    { name: "libc", req: "^0.2.150", optional: false, kind: null, target: "cfg(windows)" },
  ];
  const line = JSON.stringify({
    name: "demo-crate",
    vers: "1.2.3",
    deps,
    cksum: "ab".repeat(32),
    features: { default: ["serde"], derive: ["serde/derive"] },
    links: "demo",
    yanked: true,
    v: 2,
    features2: { extra: ["dep:serde"] },
  });
  const out = JSON.parse(demoCargoLine(line));
  assertEquals(out, {
    name: "demo-crate",
    vers: "1.2.3",
    deps: [
      { name: "cc", req: "^1.0.83" },
      { name: "libc", req: "^0.2.100, ^0.2.150" },
      { name: "rand", req: "^0.7" },
    ].map((d) => ({
      ...d,
      features: [],
      optional: false,
      default_features: true,
      target: null,
      kind: "normal",
    })),
    cksum: "ab".repeat(32),
    features: {},
    yanked: true,
  });
  // The same view as the mochi registry's record of that version.
  assertEquals(
    Object.fromEntries(out.deps.map((d: { name: string; req: string }) => [d.name, d.req])),
    mochiDependencies(deps),
  );
});
