/**
 * `deno task stress`: the long reliability loops, as a list of named jobs. Each job prints its
 * counts and wall time; the script exits 1 when any job found a problem.
 *
 * Usage: deno run -A scripts/stress.ts [job-name …]   (no names: every job)
 *
 * Jobs (add yours to {@link JOBS}):
 * - `sigkill-install`: `mochi install` runs SIGKILLed at random moments until 200 were killed
 *   mid-run (tests/crash_loop.ts; `STRESS_KILL_RUNS` overrides the count).
 * - `concurrent-installs`: 8 processes installing different projects sharing 50 deps into one
 *   store, 3 rounds into fresh stores: all succeed, each blob downloaded and stored once.
 *
 * @module
 */
import { killLoop } from "../tests/crash_loop.ts";
import { concurrentInstalls } from "../tests/concurrency_loop.ts";
import { ROOT } from "../tests/helpers.ts";

/** One named stress job: returns printable counts; throws or returns failures on a problem. */
export interface StressJob {
  /** Name on the command line and in the output. */
  name: string;
  /** What it checks, one line. */
  description: string;
  /** Runs the job in `root` (a fresh temp dir) with a sandboxed environment. */
  run(root: string, env: Record<string, string>): Promise<{ counts: string; failures: string[] }>;
}

/** Every stress job, in the order they run. */
export const JOBS: StressJob[] = [
  {
    name: "sigkill-install",
    description: "SIGKILL mochi install at random moments; verify, lock old|new, next run ok",
    async run(root, env) {
      const runs = Number(Deno.env.get("STRESS_KILL_RUNS") ?? 200);
      const r = await killLoop(root, env, runs, Math.random, true);
      if (r.killed < runs) {
        r.failures.push(`only ${r.killed} of ${r.runs} runs were killed mid-run`);
      }
      return {
        counts:
          `${r.runs} runs, ${r.killed} killed mid-run (${
            Object.entries(r.phases).map(([k, v]) => `${k} ${v}`).join(", ")
          }), lock old ${r.lockOld} / new ${r.lockNew}, ` +
          `${r.failures.length} failures, ${(r.ms / r.runs).toFixed(0)} ms per run`,
        failures: r.failures,
      };
    },
  },
  {
    name: "concurrent-installs",
    description: "8 processes, different projects, 50 shared deps, one store; 3 rounds",
    async run(root, env) {
      const failures: string[] = [];
      const lines: string[] = [];
      for (let round = 0; round < 3; round++) {
        const dir = `${root}/round-${round}`;
        await Deno.mkdir(dir);
        const e = { ...env, MOCHI_HOME: `${dir}/home` };
        const r = await concurrentInstalls(dir, e, 8, 50);
        if (r.codes.some((c) => c !== 0)) failures.push(`round ${round}: exit codes ${r.codes}`);
        const twice = [...r.stored].filter(([, n]) => n !== 1);
        if (twice.length > 0) failures.push(`round ${round}: stored more than once: ${twice}`);
        if (r.stored.size !== 58) {
          failures.push(`round ${round}: ${r.stored.size} blobs stored, not 58`);
          if (r.blobRequests !== 58) {
            failures.push(`round ${round}: ${r.blobRequests} blob downloads for 58 blobs`);
          }
        }
        const v = await new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", `${ROOT}/cli.ts`, "verify"],
          env: e,
          stdout: "null",
          stderr: "null",
        }).output();
        if (v.code !== 0) failures.push(`round ${round}: mochi verify exit ${v.code}`);
        lines.push(
          `round ${round}: ${r.ms.toFixed(0)} ms, ${r.blobRequests} blob requests for 58 blobs`,
        );
      }
      return { counts: lines.join("; "), failures };
    },
  },
  {
    name: "solver",
    description: "cargo's pathological resolver shapes, each under 2 s (scripts/stress_solver.ts)",
    async run(_root, env) {
      const r = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", `${ROOT}/scripts/stress_solver.ts`],
        env,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const lines = new TextDecoder().decode(r.stdout).trim().split("\n");
      const failed = lines.filter((l) => l.startsWith("FAIL"));
      return {
        counts: lines[lines.length - 1] ?? "",
        failures: r.code === 0
          ? []
          : failed.length > 0
          ? failed
          : [`exit ${r.code}: ${new TextDecoder().decode(r.stderr).slice(0, 500)}`],
      };
    },
  },
];

async function denoDir(): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" })
    .output();
  return JSON.parse(new TextDecoder().decode(out.stdout)).denoDir;
}

if (import.meta.main) {
  const wanted = Deno.args.length > 0 ? Deno.args : JOBS.map((j) => j.name);
  const unknown = wanted.filter((w) => !JOBS.some((j) => j.name === w));
  if (unknown.length > 0) {
    console.error(
      `unknown stress job(s): ${unknown.join(", ")}; known: ${JOBS.map((j) => j.name)}`,
    );
    Deno.exit(1);
  }
  const dd = Deno.env.get("DENO_DIR") ?? await denoDir();
  let failed = false;
  for (const job of JOBS.filter((j) => wanted.includes(j.name))) {
    const root = await Deno.makeTempDir({ prefix: `mochi-stress-${job.name}-` });
    const env: Record<string, string> = {
      HOME: `${root}/home`,
      XDG_CACHE_HOME: `${root}/xdg`,
      MOCHI_HOME: `${root}/mochi`,
      TMPDIR: `${root}/tmp`,
      MOCHI_TEST: "1",
      DENO_DIR: dd,
    };
    for (const d of ["home", "xdg", "tmp", "mochi"]) await Deno.mkdir(`${root}/${d}`);
    const t0 = performance.now();
    console.log(`▶ ${job.name}: ${job.description}`);
    try {
      const r = await job.run(root, env);
      const s = ((performance.now() - t0) / 1000).toFixed(1);
      console.log(`  ${r.failures.length === 0 ? "ok" : "FAILED"} in ${s} s: ${r.counts}`);
      for (const f of r.failures.slice(0, 20)) console.log(`  - ${f}`);
      if (r.failures.length > 0) failed = true;
    } catch (e) {
      failed = true;
      console.log(`  FAILED: ${e instanceof Error ? e.stack : e}`);
    } finally {
      await Deno.remove(root, { recursive: true }).catch(() => {});
    }
  }
  Deno.exit(failed ? 1 : 0);
}
