/**
 * Python bridge benchmark: the largest requirement set of `fixtures/python/` (by distributions
 * picked: `jupyterlab`) resolved by mochi cold (empty cache) and warm (pages revalidated by ETag,
 * core metadata from the cache), next to pip's `install --dry-run` (pip 23.2, cold with an empty
 * cache directory and warm with the same one again) on the same loopback index, measured in the
 * same run. Both sides are whole subprocesses, start-up included. The index serves stub wheels
 * (tests/python_index_server.ts) because pip's `--dry-run` still downloads each wheel it picked;
 * mochi downloads none. Prints medians, the ratio mochi / pip (below 1 means mochi is faster) and
 * whether both picked the same versions. Skips with a message when no Python 3.12 with pip is
 * found (`MOCHI_BENCH_PYTHON` names one).
 *
 * Usage: `deno run -A bench/python_resolve_bench.ts [--runs N]`
 *
 * @module
 */
import { servePythonIndex } from "../tests/python_index_server.ts";
import { median, timedRun } from "./_timing.ts";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** Runs the benchmark and prints its lines. */
export async function main(runs = 3): Promise<void> {
  const python = Deno.env.get("MOCHI_BENCH_PYTHON") ?? "python3.12";
  try {
    await timedRun(python, ["-m", "pip", "--version"], { cwd: root, env: {} });
  } catch {
    console.log(`skipped: no ${python} with pip (set MOCHI_BENCH_PYTHON)`);
    return;
  }
  const corpus = JSON.parse(await Deno.readTextFile(`${root}/fixtures/python/sets.json`)) as {
    sets: { id: string; requirements: string[]; picks: { name: string; version: string }[] }[];
  };
  const set = corpus.sets.reduce((a, b) => b.picks.length > a.picks.length ? b : a);
  const server = await servePythonIndex(`${root}/fixtures/python/index`, { stubWheels: true });
  const tmp = await Deno.makeTempDir({ prefix: "mochi-python-bench-" });
  try {
    const time = {
      mochiCold: [] as number[],
      mochiWarm: [] as number[],
      pipCold: [] as number[],
      pipWarm: [] as number[],
    };
    let mochiPicks: string[] = [];
    let pipPicks: string[] = [];
    for (let run = 0; run < runs; run++) {
      const cache = `${tmp}/mochi-${run}`;
      const out = `${tmp}/mochi-${run}.json`;
      const mochi = () =>
        timedRun("deno", [
          "run",
          "-A",
          `${root}/bench/_python_resolve_once.ts`,
          server.url,
          cache,
          out,
          ...set.requirements,
        ], { cwd: tmp, env: {} });
      time.mochiCold.push(await mochi());
      time.mochiWarm.push(await mochi());
      mochiPicks = JSON.parse(await Deno.readTextFile(out));
      const pipCache = `${tmp}/pip-${run}`;
      const report = `${tmp}/pip-${run}.json`;
      const pip = () =>
        timedRun(python, [
          "-m",
          "pip",
          "install",
          "--dry-run",
          "--ignore-installed",
          "--target",
          `${tmp}/t`,
          "--report",
          report,
          "--python-version",
          "3.12",
          "--platform",
          "manylinux2014_x86_64",
          "--only-binary=:all:",
          "--cache-dir",
          pipCache,
          "--index-url",
          server.url,
          "--trusted-host",
          "127.0.0.1",
          "--disable-pip-version-check",
          "--quiet",
          ...set.requirements,
        ], {
          cwd: tmp,
          env: { PIP_FIND_LINKS: "", PIP_NO_INPUT: "1", PIP_CONFIG_FILE: "/dev/null" },
        });
      time.pipCold.push(await pip());
      time.pipWarm.push(await pip());
      pipPicks = (JSON.parse(await Deno.readTextFile(report)).install as {
        metadata: { name: string; version: string };
      }[]).map((i) =>
        `${i.metadata.name.toLowerCase().replace(/[-_.]+/g, "-")}==${i.metadata.version}`
      ).sort();
    }
    const m = (xs: number[]) => median(xs);
    console.log(
      `set ${set.id} (${
        set.requirements.join(" ")
      }): ${set.picks.length} distributions, ${runs} runs, medians`,
    );
    console.log(
      `  cold: mochi ${m(time.mochiCold).toFixed(0)} ms, pip ${
        m(time.pipCold).toFixed(0)
      } ms, mochi/pip ${(m(time.mochiCold) / m(time.pipCold)).toFixed(2)}`,
    );
    console.log(
      `  warm: mochi ${m(time.mochiWarm).toFixed(0)} ms, pip ${
        m(time.pipWarm).toFixed(0)
      } ms, mochi/pip ${(m(time.mochiWarm) / m(time.pipWarm)).toFixed(2)}`,
    );
    console.log(
      `  same picks: ${
        JSON.stringify(mochiPicks.sort()) === JSON.stringify(pipPicks) ? "yes" : "NO"
      }`,
    );
  } finally {
    await server.close();
    await Deno.remove(tmp, { recursive: true });
  }
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--runs");
  await main(i >= 0 ? Number(Deno.args[i + 1]) : 3);
}
