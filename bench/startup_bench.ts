/**
 * Start-up of the CLI, before and after the command modules (issue 12 item 3): the wall time of
 * `mochi --version` and of a no-op `mochi install` (lock fits, every blob stored; also with
 * `--offline`, which separates start-up from the online check of the lock against the index), for this
 * checkout and for an older commit (default `e76f101`, the last with one big `cli.ts`) extracted
 * into a temp directory, measured alternately in the same run. Prints medians with the middle half
 * of the samples (p25–p75) and the ratio new/old (below 1: faster), and on Linux the mean CPU
 * time of a run (user + system, from `/proc/self/stat`'s children times): on a shared machine
 * the wall time follows the load, the CPU time much less. Also `mochi lock --check --offline`.
 * Then issue 17 goal 4 (`noopGoal`): the no-op install and `lock --check --offline` answered from
 * their stamp, against `deno run` of an empty file and against the same commands on the full path
 * (`MOCHI_NO_FAST_PATH=1`), all in the same run, and whether they are under 50 ms of wall time.
 *
 * `deno run -A bench/startup_bench.ts [runs] [base-commit]`
 *
 * @module
 */
import { median, timedRun } from "./_timing.ts";
import { writeProject, writeRegistry } from "../tests/helpers.ts";
import { answerNoop, probeNoop } from "../src/cli/noop.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** CPU time used by this process's waited-for children so far, ms; undefined off Linux. */
function childrenCpuMs(): number | undefined {
  try {
    // Fields after the command name (which may hold spaces): cutime and cstime are 14th and 15th.
    const stat = Deno.readTextFileSync("/proc/self/stat");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[13]) + Number(fields[14])) * 10; // clock ticks of 10 ms (USER_HZ 100)
  } catch {
    return undefined;
  }
}

function quartiles(xs: number[]): [number, number] {
  const s = [...xs].sort((a, b) => a - b);
  return [s[Math.floor((s.length - 1) / 4)]!, s[Math.ceil((s.length - 1) * 3 / 4)]!];
}

async function checkout(commit: string, dir: string): Promise<void> {
  const archive = new Deno.Command("git", {
    args: ["-C", ROOT, "archive", "--format=tar", commit],
    stdout: "piped",
  }).spawn();
  const tar = new Deno.Command("tar", { args: ["-x", "-C", dir], stdin: "piped" }).spawn();
  await archive.stdout.pipeTo(tar.stdin);
  const [a, t] = await Promise.all([archive.status, tar.status]);
  if (!a.success || !t.success) throw new Error(`could not extract ${commit} into ${dir}`);
}

/**
 * Runs the comparison and prints it.
 *
 * @param runs timed runs per command and version (after one warm-up run each)
 * @param base the commit to compare with
 * @returns new/old median ratios, by command
 */
export async function main(runs = 7, base = "e76f101"): Promise<Record<string, number>> {
  const tmp = await Deno.makeTempDir({ prefix: "mochi-startup-" });
  try {
    await Deno.mkdir(`${tmp}/old`);
    await checkout(base, `${tmp}/old`);
    await writeRegistry(`${tmp}/registry`, [
      { name: "app-core", version: "1.2.0", deps: { "text-util": "^0.3", "log-lite": "1" } },
      { name: "text-util", version: "0.3.4", deps: { "log-lite": "^1.0" } },
      { name: "log-lite", version: "1.0.0" },
    ]);
    const versions = { old: `${tmp}/old/cli.ts`, new: `${ROOT}/cli.ts` };
    const envOf = (v: string) => ({
      MOCHI_HOME: `${tmp}/home-${v}`,
      MOCHI_REGISTRY: `${tmp}/registry`,
      NO_COLOR: "1",
    });
    for (const v of Object.keys(versions) as (keyof typeof versions)[]) {
      await writeProject(`${tmp}/project-${v}`, { "app-core": "1" });
      // The first install resolves and fetches; the timed ones find nothing to do.
      await timedRun(Deno.execPath(), ["run", "-A", versions[v], "install"], {
        cwd: `${tmp}/project-${v}`,
        env: envOf(v),
      });
    }
    const commands: Record<string, string[]> = {
      "--version": ["--version"],
      "install (no-op)": ["install"],
      "install --offline": ["install", "--offline"],
      "lock --check --offline": ["lock", "--check", "--offline"],
      // `deno run -A jsr:@mochi/pkg <command>` enters through the root module, mod.ts: timed
      // against the old one-file CLI, which was the only way to run a command then.
      "--version (mod.ts)": ["--version"],
      "install (mod.ts)": ["install"],
    };
    const entryOf = (name: string, v: keyof typeof versions) =>
      v === "new" && name.endsWith("(mod.ts)") ? `${ROOT}/mod.ts` : versions[v];
    const ratios: Record<string, number> = {};
    for (const [name, args] of Object.entries(commands)) {
      const samples: Record<string, number[]> = { old: [], new: [] };
      const cpu: Record<string, number> = { old: 0, new: 0 };
      for (let i = 0; i <= runs; i++) {
        for (const v of Object.keys(versions) as (keyof typeof versions)[]) {
          const before = childrenCpuMs();
          const ms = await timedRun(Deno.execPath(), ["run", "-A", entryOf(name, v), ...args], {
            cwd: `${tmp}/project-${v}`,
            env: envOf(v),
          });
          const after = childrenCpuMs();
          if (i > 0) { // run 0 warms the module cache
            samples[v]!.push(ms);
            if (before !== undefined && after !== undefined) cpu[v]! += after - before;
          }
        }
      }
      const o = median(samples.old!);
      const n = median(samples.new!);
      ratios[name] = n / o;
      const [o1, o3] = quartiles(samples.old!);
      const [n1, n3] = quartiles(samples.new!);
      const cpuText = childrenCpuMs() === undefined
        ? ""
        : ` · CPU ${(cpu.old! / runs).toFixed(0)} → ${(cpu.new! / runs).toFixed(0)} ms, ratio ${
          (cpu.new! / cpu.old!).toFixed(2)
        }`;
      console.log(
        `mochi ${name.padEnd(22)} ${base}: ${o.toFixed(0)} ms [${o1.toFixed(0)}–${
          o3.toFixed(0)
        }] · now: ${n.toFixed(0)} ms [${n1.toFixed(0)}–${n3.toFixed(0)}] · ` +
          `ratio now/${base} ${(n / o).toFixed(2)} (median of ${runs})${cpuText}`,
      );
    }
    Object.assign(ratios, await noopGoal(runs, `${tmp}/project-new`, envOf("new"), tmp));
    return ratios;
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

/**
 * Issue 17 goal 4: the no-op paths against their peer, `deno run` of an empty file, measured
 * alternately in the same run: the wall and CPU time of `mochi install` and
 * `mochi lock --check --offline` answered from their stamp (the fast path), of the same commands
 * with `MOCHI_NO_FAST_PATH=1` (the full path), and of the empty file. Prints each median with its
 * p25–p75, the mean CPU, the ratios fast/empty and fast/full, and whether the fast path is under
 * 50 ms of wall time.
 *
 * @param runs timed runs of each (after two warm-up runs)
 * @param project an installed project
 * @param env its environment
 * @param tmp a scratch directory
 * @returns the ratios fast/full of wall time, by command
 */
async function noopGoal(
  runs: number,
  project: string,
  env: Record<string, string>,
  tmp: string,
): Promise<Record<string, number>> {
  const empty = `${tmp}/empty.ts`;
  await Deno.writeTextFile(empty, "");
  // Trees and index files changed within 3 s get no stamp (racily clean): wait, then let a full
  // no-op write the stamps.
  await new Promise((r) => setTimeout(r, 3100));
  const cli = `${ROOT}/cli.ts`;
  const full = { ...env, MOCHI_NO_FAST_PATH: "1" };
  const variants: Record<string, { args: string[]; env: Record<string, string> }> = {
    "deno run (empty file)": { args: ["run", "-A", empty], env },
    "install (fast path)": { args: ["run", "-A", cli, "install"], env },
    "install (full path)": { args: ["run", "-A", cli, "install"], env: full },
    "lock --check --offline (fast path)": {
      args: ["run", "-A", cli, "lock", "--check", "--offline"],
      env,
    },
    "lock --check --offline (full path)": {
      args: ["run", "-A", cli, "lock", "--check", "--offline"],
      env: full,
    },
  };
  const wall: Record<string, number[]> = {};
  const cpu: Record<string, number> = {};
  for (let i = -2; i < runs; i++) {
    for (const [name, v] of Object.entries(variants)) {
      const before = childrenCpuMs();
      const ms = await timedRun(Deno.execPath(), v.args, { cwd: project, env: v.env });
      const after = childrenCpuMs();
      if (i < 0) continue; // warm-up: module cache, stamps
      (wall[name] ??= []).push(ms);
      if (before !== undefined && after !== undefined) {
        cpu[name] = (cpu[name] ?? 0) + after - before;
      }
    }
  }
  const answered = async (argv: string[]) => {
    const probe = await probeNoop(argv, { ...Deno.env.toObject(), ...env }, project);
    return probe !== undefined && (await answerNoop(probe, performance.now())) !== undefined;
  };
  const med = (name: string) => median(wall[name]!);
  const cpuOf = (name: string) => cpu[name] === undefined ? NaN : cpu[name]! / runs;
  for (const name of Object.keys(variants)) {
    const [q1, q3] = quartiles(wall[name]!);
    console.log(
      `${name.padEnd(36)} ${med(name).toFixed(0)} ms [${q1.toFixed(0)}–${q3.toFixed(0)}]` +
        (childrenCpuMs() === undefined ? "" : ` · CPU ${cpuOf(name).toFixed(0)} ms`),
    );
  }
  const peer = "deno run (empty file)";
  const ratios: Record<string, number> = {};
  for (const cmd of ["install", "lock --check --offline"]) {
    const fast = `${cmd} (fast path)`;
    const slow = `${cmd} (full path)`;
    ratios[`${cmd} fast/full`] = med(fast) / med(slow);
    const argv = cmd === "install" ? ["install"] : ["lock", "--check", "--offline"];
    console.log(
      `goal 4, ${cmd} < 50 ms: ${med(fast).toFixed(0)} ms wall (${
        med(fast) < 50 ? "met" : "not met"
      }); wall fast/empty ${(med(fast) / med(peer)).toFixed(2)}, fast/full ${
        (med(fast) / med(slow)).toFixed(2)
      }; CPU fast/empty ${(cpuOf(fast) / cpuOf(peer)).toFixed(2)}, fast/full ${
        (cpuOf(fast) / cpuOf(slow)).toFixed(2)
      }; stamp answers: ${(await answered(argv)) ? "yes" : "no"}`,
    );
  }
  console.log(`load average ${Deno.loadavg().map((x) => x.toFixed(1)).join(" ")}`);
  return ratios;
}

if (import.meta.main) await main(Number(Deno.args[0] ?? "7"), Deno.args[1] ?? "e76f101");
