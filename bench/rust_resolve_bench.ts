/**
 * Rust bridge benchmark: `mochi lock` on the combined manifest of `fixtures/README.md`
 * (declared in `[targets.rust.ffi]`), cold (empty index cache), warm (cache revalidated) and
 * `--offline` (cache only), next to `cargo generate-lockfile` (and `--offline`) with the same
 * `[dependencies]` on the same cargo sparse index, served on 127.0.0.1 by nginx (by `mochi
 * registry serve` where nginx is not installed), measured in the same run. Both sides are whole
 * subprocesses, start-up included. Prints medians, the ratio mochi / cargo (below 1 means mochi
 * is faster), whether both picked the same crates, and mochi's time budget per phase.
 *
 * Usage: `deno run -A bench/rust_resolve_bench.ts [--runs N]`
 *
 * @module
 */
import {
  type IndexServer,
  ratioLines,
  root,
  samePicks,
  serveWithMochi,
  serveWithNginx,
  sharedIndex,
  timePeers,
  writePeerProjects,
} from "./_rust_lock_peers.ts";
import { budgetLines, profiledBudget } from "./_phase_budget.ts";

/** Runs the benchmark and prints its lines. */
export async function main(runs = 3): Promise<void> {
  const nginx = await serveWithNginx(sharedIndex);
  const server: IndexServer = nginx ?? (await serveWithMochi(sharedIndex));
  const tmp = await Deno.makeTempDir({ prefix: "mochi-rust-bench-" });
  try {
    const p = await writePeerProjects(tmp, server.url);
    const t = await timePeers(p, tmp, runs, { warm: 2, offline: 2 });
    const picks = await samePicks(p);
    console.log(
      `resolve the combined Rust manifest (10 crates with features), index served by ${
        nginx ? "nginx" : "mochi registry serve (no nginx here)"
      }, ${runs} cold / ${runs * 2} warm / ${runs * 2} offline runs`,
    );
    console.log(
      `  crates picked: mochi ${picks.mochi}, cargo ${picks.cargo}, identical: ${picks.same}`,
    );
    for (const line of ratioLines(t, "goal ≤ 0.5")) console.log(line);
    // Where mochi's time goes (issue 17 goal 1): one run of each kind under --cpu-prof.
    const profHome = `${tmp}/mochi-home-profile`;
    for (const kind of ["cold", "warm", "offline"]) {
      await Deno.remove(`${p.mochiProject}/mochi.lock`).catch(() => {});
      const b = await profiledBudget(
        [
          `${root}/cli.ts`,
          "lock",
          ...(kind === "offline" ? ["--offline"] : []),
          "-C",
          p.mochiProject,
        ],
        { cwd: p.mochiProject, env: { ...p.baseEnv, MOCHI_HOME: profHome }, clearEnv: true },
      );
      for (const line of budgetLines(`mochi lock ${kind}`, b)) console.log(line);
    }
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
