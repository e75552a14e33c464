/**
 * "The same answer whatever order index files arrive in", end to end: a loopback registry of
 * 40 packages with conflicts and backtracking, read through `install` with every index request
 * delayed by a different random amount per run. The lockfile bytes must be identical every run.
 */
import assert from "node:assert/strict";
import { install } from "../src/install/mod.ts";
import { serveRegistry } from "../src/registry/server/registry_server.ts";
import { type TestVersion, writeProject, writeRegistry } from "./helpers.ts";
import { strayGuard } from "./stray.ts";

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function graph(): TestVersion[] {
  const r = rng(42);
  const out: TestVersion[] = [];
  const names = Array.from(
    { length: 40 },
    (_, i) => `pkg-${String.fromCharCode(97 + (i % 26))}${i}`,
  );
  names.forEach((name, i) => {
    for (const v of ["1.0.0", "1.1.0", "1.2.0", "2.0.0"]) {
      const deps: Record<string, string> = {};
      for (let k = 0; k < 3; k++) {
        const j = i + 1 + Math.floor(r() * 6);
        if (j < names.length) deps[names[j]!] = r() < 0.7 ? "^1" : r() < 0.5 ? "^1.1" : ">=1.2";
      }
      out.push({ name, version: v, deps });
    }
  });
  return out;
}

Deno.test("order: random per-file latency never changes the lockfile bytes", async () => {
  const check = await strayGuard();
  const tmp = await Deno.makeTempDir({ prefix: "mochi-order-" });
  const reg = `${tmp}/registry`;
  await writeRegistry(reg, graph());
  const server = serveRegistry(reg, { port: 0 });
  try {
    const locks = new Set<string>();
    for (let run = 0; run < 5; run++) {
      const app = `${tmp}/app${run}`;
      await writeProject(
        app,
        { "pkg-a0": "^1", "pkg-f5": "*", "pkg-k10": "^1.1" },
        `[registry]\ndefault = "${server.url}"\n`,
      );
      const r = rng(run + 1);
      const delayed: typeof fetch = async (input, init) => {
        await new Promise((ok) => setTimeout(ok, Math.floor(r() * 25)));
        return fetch(input, init);
      };
      const report = await install({
        projectDir: app,
        mochiHome: `${tmp}/home${run}`,
        fetch: delayed,
        concurrency: 4,
      });
      assert.ok(report.packages > 10, `only ${report.packages} packages`);
      locks.add(Deno.readTextFileSync(`${app}/mochi.lock`));
    }
    assert.equal(locks.size, 1, "the lockfile differed between runs");
  } finally {
    await server.shutdown();
    await Deno.remove(tmp, { recursive: true });
  }
  await check();
});
