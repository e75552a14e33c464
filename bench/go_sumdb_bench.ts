/**
 * Checksum-database benchmark (issue 14 "Done when" 4): verify 1,000 modules' inclusion proofs
 * against one signed tree head.
 *
 * A log of 1,000 module records (`TestChecksumDatabase`: our own Ed25519 note signer and tlog
 * tiles) is served on 127.0.0.1. Two figures, medians over runs:
 * - `checkRecord` only: 1,000 precomputed inclusion proofs checked against the root hash;
 * - the Go bridge's client (`openGoSumdb(…).lookup`) for all 1,000 modules against one tree
 *   head: each `/lookup` over HTTP, the signed note opened (Ed25519), the proof built from `/tile`
 *   answers (each tile checked against the tree once) and checked, the tree head proven
 *   consistent with the one kept in a fresh `$MOCHI_HOME/state`.
 *
 * Usage: `deno run -A bench/go_sumdb_bench.ts [--runs N]`
 *
 * @module
 */
import { checkRecord, proveRecord, recordHash } from "../src/go/mod.ts";
import { moduleRecordText, TestChecksumDatabase } from "../src/go/checksum_db_testing.ts";
import { openGoSumdb } from "../src/go/client/mod.ts";
import { median } from "./_timing.ts";

const MODULES = 1000;
const H1 = "h1:" + "A".repeat(43) + "=";

/** Runs the benchmark and prints its line. */
export async function main(runs = 3): Promise<void> {
  const db = new TestChecksumDatabase("sum.bench.example", {
    seed: new Uint8Array(32).fill(3),
  });
  const texts: Uint8Array[] = [];
  for (let i = 0; i < MODULES; i++) {
    const path = `example.com/m${i}`;
    await db.addModule(path, "v1.0.0", H1, H1);
    texts.push(
      new TextEncoder().encode(moduleRecordText(path, "v1.0.0", H1, H1)),
    );
  }
  const tree = await db.tree();
  const proofs = await Promise.all(
    texts.map((_, i) => proveRecord(tree.n, i, db.reader)),
  );
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: () => {},
  }, async (req) => {
    const a = await db.serve(decodeURIComponent(new URL(req.url).pathname));
    return new Response(a.body.slice(), { status: a.status });
  });
  const tmp = await Deno.makeTempDir({ prefix: "mochi-sumdb-bench-" });
  const onlyCheck: number[] = [];
  const client: number[] = [];
  try {
    for (let r = 0; r < runs; r++) {
      let t0 = performance.now();
      for (let i = 0; i < MODULES; i++) {
        checkRecord(proofs[i]!, tree.n, tree.hash, i, recordHash(texts[i]!));
      }
      onlyCheck.push(performance.now() - t0);
      const home = `${tmp}/run${r}`;
      const sumdb = openGoSumdb(
        {
          name: db.name,
          vkey: db.vkey,
          url: `http://127.0.0.1:${server.addr.port}/`,
        },
        { cacheDir: `${home}/index`, stateDir: `${home}/state` },
      );
      t0 = performance.now();
      let next = 0;
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (next < MODULES) {
          const i = next++;
          const got = await sumdb.lookup(`example.com/m${i}`, "v1.0.0");
          if (got.tree.n !== tree.n) throw new Error("another tree");
        }
      }));
      await sumdb.flush();
      client.push(performance.now() - t0);
    }
  } finally {
    await server.shutdown();
    await Deno.remove(tmp, { recursive: true });
  }
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const each = (x: number) => `${(x * 1000 / MODULES).toFixed(1)} µs each`;
  console.log(
    `${MODULES} modules against one tree head of ${tree.n} records, median of ${runs}: ` +
      `checkRecord only ${ms(median(onlyCheck))} (${each(median(onlyCheck))}); ` +
      `the client's lookups over loopback HTTP (signed note, tiles, inclusion, consistency) ` +
      `${ms(median(client))} (${each(median(client))})`,
  );
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--runs");
  await main(i >= 0 ? Number(Deno.args[i + 1]) : 3);
}
