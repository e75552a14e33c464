/**
 * Concurrent installs into one store, shared by `concurrency_test.ts` and `scripts/stress.ts`
 * (cargo's and uv's cache locks).
 *
 * @module
 */
import { assert } from "./assert.ts";
import { runCli, type TestVersion, writeProject, writeRegistry } from "./helpers.ts";
import { startFakeRegistry } from "./fake_registry.ts";

/** `shared` packages every project depends on (some), plus one top package per project. */
export function sharedGraph(projects: number, shared: number): TestVersion[] {
  const out: TestVersion[] = [];
  for (let i = 0; i < shared; i++) out.push({ name: `shared-${i}`, version: "1.0.0" });
  for (let k = 0; k < projects; k++) {
    const deps: Record<string, string> = {};
    for (let i = 0; i < shared; i++) if ((i + k) % 3 !== 0) deps[`shared-${i}`] = "1";
    out.push({ name: `top-${k}`, version: "1.0.0", deps });
  }
  return out;
}

/** Count `fetched <name> <version> (stored)` lines per package across outputs. */
function storedCounts(outputs: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const o of outputs) {
    for (const line of o.split("\n")) {
      const hit = /^fetched (\S+ \S+) \(stored\)$/.exec(line);
      if (hit) m.set(hit[1]!, (m.get(hit[1]!) ?? 0) + 1);
    }
  }
  return m;
}

/**
 * Run `n` installs of different projects sharing dependencies into one store at once.
 *
 * @returns per-process results, store-wide stored counts, and the fake registry's request counts
 */
export async function concurrentInstalls(
  root: string,
  env: Record<string, string>,
  n: number,
  shared: number,
): Promise<{ codes: number[]; stored: Map<string, number>; blobRequests: number; ms: number }> {
  const registry = `${root}/registry`;
  const digests = await writeRegistry(registry, sharedGraph(n, shared));
  await using server = startFakeRegistry(registry);
  server.fault("blobs/*", { latencyMs: 20 });
  const t0 = performance.now();
  const runs = await Promise.all(
    Array.from({ length: n }, async (_, k) => {
      const project = `${root}/project-${k}`;
      await writeProject(project, { [`top-${k}`]: "1" });
      return await runCli(["install", "-v", "-C", project], {
        env: { ...env, MOCHI_REGISTRY: server.url },
      });
    }),
  );
  const ms = performance.now() - t0;
  for (const r of runs) if (r.code !== 0) console.error(r.stderr);
  let blobRequests = 0;
  for (const b3 of digests.values()) {
    const c = server.count(`blobs/${b3}`);
    assert(c <= n, `blob ${b3} fetched ${c} times by ${n} processes`);
    blobRequests += c;
  }
  return {
    codes: runs.map((r) => r.code),
    stored: storedCounts(runs.map((r) => r.stderr)),
    blobRequests,
    ms,
  };
}
