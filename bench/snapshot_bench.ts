/**
 * The cost of the signed index snapshot on real data: `fixtures/crates-index` converted to a
 * mochi registry (160 packages), served twice on 127.0.0.1 — once unsigned, once with a signed
 * `snapshot.json` — and the demo manifest resolved cold (`mochi lock` in-process, fresh
 * MOCHI_HOME) against each, alternating, `runs` times. Prints the median of each and the ratio
 * signed / unsigned, and the time to sign the registry.
 *
 * Usage: deno run -A bench/snapshot_bench.ts [runs]
 *
 * @module
 */
import { lock } from "../src/install/mod.ts";
import { serveRegistry } from "../src/registry/server/registry_server.ts";
import {
  generateSnapshotKey,
  writeRegistrySnapshot,
} from "../src/registry/server/registry_snapshot.ts";
import { convertCratesIndex } from "../scripts/convert_crates_index.ts";

const ROOT = new URL("..", import.meta.url).pathname;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Runs the benchmark.
 *
 * @param runs cold resolutions per registry (default 5)
 */
export async function main(runs = 5): Promise<void> {
  const tmp = await Deno.makeTempDir({ prefix: "mochi-snapshot-bench-" });
  try {
    const plain = `${tmp}/plain`;
    const signed = `${tmp}/signed`;
    const conv = await convertCratesIndex(`${ROOT}fixtures/crates-index`, plain);
    await convertCratesIndex(`${ROOT}fixtures/crates-index`, signed);
    const { privateKeyFile } = await generateSnapshotKey();
    const t0 = performance.now();
    const w = await writeRegistrySnapshot(signed, { privateKeyFile });
    const signMs = performance.now() - t0;
    console.log(
      `registry: ${conv.packages} packages, ${conv.versions} versions; signing snapshot.json ` +
        `over ${w.files} index files took ${signMs.toFixed(0)} ms`,
    );
    const a = serveRegistry(plain, { port: 0 });
    const b = serveRegistry(signed, { port: 0 });
    const manifest = await Deno.readTextFile(`${ROOT}fixtures/demo/mochi.toml`);
    const times = { plain: [] as number[], signed: [] as number[] };
    try {
      for (let i = 0; i < runs; i++) {
        for (const [kind, url] of [["plain", a.url], ["signed", b.url]] as const) {
          const app = `${tmp}/app-${kind}-${i}`;
          await Deno.mkdir(app);
          await Deno.writeTextFile(`${app}/mochi.toml`, manifest);
          const s = performance.now();
          const r = await lock({ projectDir: app, mochiHome: `${app}/home`, registryUrl: url });
          times[kind].push(performance.now() - s);
          if (r.packages < 100) throw new Error(`only ${r.packages} packages resolved`);
        }
      }
    } finally {
      await a.shutdown();
      await b.shutdown();
    }
    const p = median(times.plain);
    const s = median(times.signed);
    console.log(
      `cold resolve of the demo manifest, median of ${runs}: unsigned ${p.toFixed(0)} ms, ` +
        `signed ${s.toFixed(0)} ms, ratio ${(s / p).toFixed(2)}×`,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

if (import.meta.main) await main(Number(Deno.args[0] ?? "5"));
