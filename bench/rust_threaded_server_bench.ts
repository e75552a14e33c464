/**
 * Rust resolve against a plain threaded server (issue 17 goal 1: never worse than 1.2× cargo):
 * `mochi lock` and `cargo generate-lockfile` on the combined manifest, the recorded cargo index
 * served by Python's `http.server` (a `ThreadingHTTPServer`: a listen queue of 5, HTTP/1.0, one
 * connection per request, `Last-Modified` but no ETag), cold and warm, in the same run.
 *
 * Usage: `deno run -A bench/rust_threaded_server_bench.ts [--runs N]`
 *
 * @module
 */
import {
  ratioLines,
  samePicks,
  serveWithPython,
  sharedIndex,
  timePeers,
  writePeerProjects,
} from "./_rust_lock_peers.ts";

/** Runs the benchmark and prints its lines. */
export async function main(runs = 3): Promise<void> {
  const server = await serveWithPython(sharedIndex);
  if (server === undefined) {
    console.log("  skipped: needs python3 (its http.server is the threaded server compared)");
    return;
  }
  const tmp = await Deno.makeTempDir({ prefix: "mochi-rust-threaded-" });
  try {
    const p = await writePeerProjects(tmp, server.url);
    const t = await timePeers(p, tmp, runs, { warm: 1, offline: 0 });
    const picks = await samePicks(p);
    console.log(
      `  Python http.server at ${server.url}; crates picked: mochi ${picks.mochi}, cargo ${picks.cargo}, identical: ${picks.same}`,
    );
    for (const line of ratioLines(t, "goal ≤ 1.2")) console.log(line);
    console.log(`  load average ${Deno.loadavg().map((x) => x.toFixed(1)).join(" ")}`);
  } finally {
    await server.close();
    await Deno.remove(tmp, { recursive: true });
  }
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--runs");
  await main(i >= 0 ? Number(Deno.args[i + 1]) : 3);
}
