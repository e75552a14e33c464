/**
 * Properties of resolution through the registry-backed provider (index records, async arrival):
 * the answer does not depend on the order in which index files arrive or the order of lines in
 * them, and removing a dependency from an index record never makes a solvable registry
 * unsolvable (cargo resolver-tests `prop_removing_a_dep_cant_break`).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type { IndexRecord } from "../index/mod.ts";
import { NoSolutionError, resolve } from "../solver/mod.ts";
import { formatVersion } from "../semver/mod.ts";
import { type IndexSource, RegistryProvider } from "./registry_provider.ts";

const NAMES = ["a", "b", "c", "d", "e", "f"]; // "f" is never published
const VERSIONS = ["0.1.0", "0.2.0", "1.0.0", "1.1.0", "1.2.0", "2.0.0"];
const REQS = ["*", "^1", "^1.1", "~1.0", "=1.0.0", ">1.0.0", "<1.1.0", "^0.1", "^2", ">=0.2"];
const H = "0".repeat(64);

type Registry = Map<string, Map<string, Record<string, string>>>;

const arbRegistry = fc.dictionary(
  fc.constantFrom(...NAMES.slice(0, 5)),
  fc.dictionary(
    fc.constantFrom(...VERSIONS),
    fc.dictionary(
      fc.constantFrom(...NAMES.slice(0, 5), ...NAMES.slice(0, 5), "f"),
      fc.oneof(
        { arbitrary: fc.constantFrom("*", "^1", ">=0.1.0"), weight: 2 },
        { arbitrary: fc.constantFrom(...REQS), weight: 1 },
      ),
      { maxKeys: 2 },
    ),
    { minKeys: 1, maxKeys: 5 },
  ),
  { minKeys: 3, maxKeys: 5 },
).map((pkgs) => {
  const reg: Registry = new Map();
  for (const [n, vs] of Object.entries(pkgs)) {
    const m = new Map<string, Record<string, string>>();
    for (const [v, deps] of Object.entries(vs)) {
      m.set(v, Object.fromEntries(Object.entries(deps).filter(([d]) => d !== n)));
    }
    reg.set(n, m);
  }
  return reg;
});
const arbRoot = fc.dictionary(fc.constantFrom(...NAMES.slice(0, 5)), fc.constantFrom(...REQS), {
  minKeys: 1,
  maxKeys: 3,
});

function records(reg: Registry, name: string): IndexRecord[] | null {
  const vs = reg.get(name);
  if (vs === undefined) return null;
  return [...vs].map(([version, dependencies]) => ({
    version,
    blake3: H,
    sha256: H,
    dependencies: { ...dependencies },
    yanked: false,
    capabilities: [],
    extra: {},
  }));
}

/** An index source answering after `delays[name]` macrotask turns, lines in `order`. */
function source(reg: Registry, delays: number[], shuffle: number): IndexSource {
  return {
    async records(name) {
      const turns = delays[NAMES.indexOf(name) % delays.length] ?? 0;
      for (let i = 0; i < turns; i++) await new Promise((r) => setTimeout(r, 0));
      const recs = records(reg, name);
      if (recs === null) return null;
      // Rotate the lines: the file order must not matter.
      const k = recs.length === 0 ? 0 : shuffle % recs.length;
      return [...recs.slice(k), ...recs.slice(0, k)];
    },
  };
}

async function outcome(src: IndexSource, root: Record<string, string>): Promise<string> {
  try {
    const provider = new RegistryProvider(src);
    provider.prefetch(Object.keys(root));
    const out = await resolve(provider, { name: "root", version: "1.0.0", dependencies: root });
    return out.map((p) => `${p.name} ${formatVersion(p.version)}`).join(", ");
  } catch (e) {
    if (e instanceof NoSolutionError) return `unsat: ${e.report}`;
    throw e;
  }
}

Deno.test("order: the same answer and report whatever order index files and lines arrive in", async () => {
  await fc.assert(
    fc.asyncProperty(
      arbRegistry,
      arbRoot,
      fc.array(fc.nat(4), { minLength: 6, maxLength: 6 }),
      fc.nat(10),
      async (reg, root, delays, shuffle) => {
        const baseline = await outcome(source(reg, [0], 0), root);
        assert.equal(await outcome(source(reg, delays, shuffle), root), baseline);
      },
    ),
    { numRuns: 200, seed: 707 },
  );
});

Deno.test("monotonic via index records: removing a dependency never breaks a solvable registry", async () => {
  let checked = 0;
  await fc.assert(
    fc.asyncProperty(arbRegistry, arbRoot, fc.nat(), async (reg, root, pick) => {
      const before = await outcome(source(reg, [0], 0), root);
      if (before.startsWith("unsat")) return;
      const edges: [string, string, string][] = [];
      for (const [n, vs] of reg) {
        for (const [v, deps] of vs) for (const d of Object.keys(deps)) edges.push([n, v, d]);
      }
      if (edges.length === 0) return;
      const [n, v, d] = edges[pick % edges.length]!;
      delete reg.get(n)!.get(v)![d];
      checked++;
      const after = await outcome(source(reg, [0], 0), root);
      assert.ok(!after.startsWith("unsat"), `removing ${n} ${v} → ${d} broke: ${after}`);
    }),
    { numRuns: 400, seed: 11 },
  );
  assert.ok(checked > 50, `only ${checked} solvable samples`);
});
