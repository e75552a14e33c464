/**
 * Rust resolve under added latency (issue 17 goal 1): `mochi lock` and `cargo generate-lockfile`
 * on the combined manifest through a loopback proxy that adds 50 ms, then 200 ms, to every
 * request (in front of nginx serving the recorded cargo index, or `mochi registry serve` without
 * nginx). Prints per side the wall time, the requests and the longest chain of requests made one
 * after another, next to the depth of the dependency graph (+1 for `config.json`): a client that
 * asks for every index file as soon as it knows the name needs no longer chain than that.
 *
 * Usage: `deno run -A bench/rust_latency_bench.ts [--runs N] [--delays 50,200]`
 *
 * @module
 */
import {
  cargoLockDepth,
  type IndexServer,
  ratioLines,
  samePicks,
  serveWithMochi,
  serveWithNginx,
  sharedIndex,
  timePeers,
  writePeerProjects,
} from "./_rust_lock_peers.ts";
import { longestSequentialChain, startLatencyProxy } from "./_latency_proxy.ts";
import { median } from "./_timing.ts";

/** Runs the benchmark and prints its lines. */
export async function main(runs = 1, delaysMs: number[] = [50, 200]): Promise<void> {
  const upstream: IndexServer = (await serveWithNginx(sharedIndex)) ??
    (await serveWithMochi(sharedIndex));
  const tmp = await Deno.makeTempDir({ prefix: "mochi-rust-latency-" });
  try {
    for (const delay of delaysMs) {
      const proxy = startLatencyProxy(upstream.url, delay);
      try {
        const p = await writePeerProjects(`${tmp}/d${delay}`, proxy.url);
        const counted: Record<string, { requests: number[]; chain: number[] }> = {};
        const t = await timePeers(p, `${tmp}/d${delay}`, runs, { warm: 1, offline: 0 }, {
          before: () => void proxy.take(),
          after: (side, kind) => {
            const log = proxy.take();
            const c = counted[`${side} ${kind}`] ??= { requests: [], chain: [] };
            c.requests.push(log.length);
            c.chain.push(longestSequentialChain(log));
          },
        });
        const picks = await samePicks(p);
        const depth = cargoLockDepth(await Deno.readTextFile(`${p.cargoProject}/Cargo.lock`));
        console.log(
          `  +${delay} ms per request (proxy in front of ${upstream.url}), ${runs} run(s); ` +
            `crates picked: mochi ${picks.mochi}, cargo ${picks.cargo}, identical: ${picks.same}; ` +
            `graph depth ${depth} (+1 for config.json: ${depth + 1} round trips at least)`,
        );
        for (const line of ratioLines(t, "goal ≤ 0.5")) console.log(line);
        for (const [k, c] of Object.entries(counted)) {
          console.log(
            `    ${k.padEnd(11)} requests ${median(c.requests)}, longest sequential chain ${
              median(c.chain)
            } round trips`,
          );
        }
      } finally {
        await proxy.close();
      }
    }
    console.log(`  load average ${Deno.loadavg().map((x) => x.toFixed(1)).join(" ")}`);
  } finally {
    await upstream.close();
    await Deno.remove(tmp, { recursive: true });
  }
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--runs");
  const d = Deno.args.indexOf("--delays");
  await main(
    i >= 0 ? Number(Deno.args[i + 1]) : 1,
    d >= 0 ? Deno.args[d + 1]!.split(",").map(Number) : [50, 200],
  );
}
