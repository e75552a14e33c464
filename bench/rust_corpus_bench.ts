/**
 * Real-project Rust benchmark (issue 17 goal 1): for each project of `fixtures/rust-corpus/` (23
 * well-known projects' `[dependencies]`, recorded from the crates registry with cargo), `mochi lock`
 * with the list in `[targets.rust.ffi]` next to `cargo generate-lockfile` with the same
 * `[dependencies]`, both against the recorded index served on 127.0.0.1 by nginx (by `mochi registry
 * serve` where nginx is not installed), as `bench/rust_resolve_bench.ts` serves its index, cold (empty caches) and warm
 * (caches full, every index file revalidated), measured in the same run. Both sides are whole
 * subprocesses, start-up included. Prints per project the wall time and CPU time (user + system,
 * from `/usr/bin/time` when it exists) of each side, the ratios mochi / cargo (below 1 means mochi
 * is faster), whether both picked the same crates, and the geometric means of the ratios over the
 * projects (the goal: ≤ 0.5).
 *
 * Usage: `deno run -A bench/rust_corpus_bench.ts [--projects N] [--runs N]` (default every project
 * and 1 run: one cold and one warm run per side and project, medians over the runs; about 2
 * minutes on an idle 2-CPU machine, 6–8 at load 15).
 *
 * @module
 */
import { cachedRustCorpusIndex, loadRustCorpus, RUST_CORPUS_DIR } from "../scripts/_rust_corpus.ts";
import { median, timedRunCpu, type Timing } from "./_timing.ts";
import { type IndexServer, picked, serveWithMochi, serveWithNginx } from "./_rust_lock_peers.ts";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/**
 * The geometric mean of positive numbers.
 *
 * @param xs the numbers
 * @returns `exp(mean(ln x))`
 */
export function geometricMean(xs: readonly number[]): number {
  return Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
}

/** Per-project result. */
interface Row {
  name: string;
  crates: number;
  same: boolean;
  cold: { mochi: Timing; cargo: Timing };
  warm: { mochi: Timing; cargo: Timing };
}

const fmt = (x: number) => (Number.isNaN(x) ? "-" : x.toFixed(0));
const ratio = (a: number, b: number) => (Number.isNaN(a) ? "-" : (a / b).toFixed(2));

/**
 * Runs the benchmark and prints its table.
 *
 * @param maxProjects how many projects (in name order) to measure; default all
 * @param runs cold runs per side and project (each followed by one warm run)
 */
export async function main(maxProjects = Infinity, runs = 1): Promise<void> {
  const indexDir = await cachedRustCorpusIndex();
  const projects = (await loadRustCorpus()).slice(0, maxProjects);
  const nginx = await serveWithNginx(indexDir);
  const server: IndexServer = nginx ?? (await serveWithMochi(indexDir));
  console.log(`  index served by ${nginx ? "nginx" : "mochi registry serve (no nginx here)"}`);
  const tmp = await Deno.makeTempDir({ prefix: "mochi-rust-corpus-bench-" });
  const rows: Row[] = [];
  const loads: number[] = [Deno.loadavg()[0]!];
  try {
    const baseEnv = { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? tmp };
    const cargoConfig = `[source.crates-io]\nreplace-with = "local"\n[source.local]\n` +
      `registry = "sparse+${server.url}"\n[net]\noffline = false\n`;
    for (const p of projects) {
      const deps = p.manifestToml.split("[dependencies]")[1]!.trim();
      const mochiProject = `${tmp}/${p.name}/mochi`;
      await Deno.mkdir(mochiProject, { recursive: true });
      await Deno.writeTextFile(
        `${mochiProject}/mochi.toml`,
        `[package]\nname = "bench"\nversion = "0.1.0"\nedition = "2026"\nmochi = ">=0.7"\n` +
          `[registry]\ncrates-io = "sparse+${server.url}"\n[targets.rust.ffi]\n${deps}\n`,
      );
      const cargoProject = `${tmp}/${p.name}/cargo`;
      await Deno.mkdir(`${cargoProject}/src`, { recursive: true });
      await Deno.writeTextFile(`${cargoProject}/src/lib.rs`, "");
      await Deno.copyFile(
        `${RUST_CORPUS_DIR}/projects/${p.name}/Cargo.toml`,
        `${cargoProject}/Cargo.toml`,
      );
      const samples: Record<string, Timing[]> = {
        mochiCold: [],
        mochiWarm: [],
        cargoCold: [],
        cargoWarm: [],
      };
      for (let i = 0; i < runs; i++) {
        const mochiHome = `${tmp}/${p.name}/mochi-home-${i}`;
        const cargoHome = `${tmp}/${p.name}/cargo-home-${i}`;
        await Deno.mkdir(cargoHome);
        await Deno.writeTextFile(`${cargoHome}/config.toml`, cargoConfig);
        const mochiEnv = { ...baseEnv, MOCHI_HOME: mochiHome };
        const cargoEnv = { ...baseEnv, CARGO_HOME: cargoHome, CARGO_NET_RETRY: "0" };
        for (let w = 0; w < 2; w++) {
          await Deno.remove(`${mochiProject}/mochi.lock`).catch(() => {});
          await Deno.remove(`${cargoProject}/Cargo.lock`).catch(() => {});
          const kind = w === 0 ? "Cold" : "Warm";
          samples[`cargo${kind}`]!.push(
            await timedRunCpu("cargo", ["generate-lockfile"], {
              cwd: cargoProject,
              env: cargoEnv,
              scratchFile: `${tmp}/cpu`,
            }),
          );
          samples[`mochi${kind}`]!.push(
            await timedRunCpu(
              Deno.execPath(),
              ["run", "-A", `${root}/cli.ts`, "lock", "-C", mochiProject],
              { cwd: mochiProject, env: mochiEnv, scratchFile: `${tmp}/cpu` },
            ),
          );
        }
      }
      const cargoSet = picked(await Deno.readTextFile(`${cargoProject}/Cargo.lock`), "[[package]]");
      const mochiSet = picked(
        await Deno.readTextFile(`${mochiProject}/mochi.lock`),
        "[[rust-package]]",
      );
      const med = (k: string): Timing => ({
        wallMs: median(samples[k]!.map((t) => t.wallMs)),
        cpuMs: median(samples[k]!.map((t) => t.cpuMs)),
      });
      const row: Row = {
        name: p.name,
        crates: cargoSet.length,
        same: cargoSet.join("\n") === mochiSet.join("\n"),
        cold: { mochi: med("mochiCold"), cargo: med("cargoCold") },
        warm: { mochi: med("mochiWarm"), cargo: med("cargoWarm") },
      };
      rows.push(row);
      loads.push(Deno.loadavg()[0]!);
      console.log(
        `  ${p.name.padEnd(20)} ${String(row.crates).padStart(3)} crates${
          row.same ? "" : " (picks differ)"
        }  cold ${fmt(row.cold.mochi.wallMs)}/${fmt(row.cold.cargo.wallMs)} ms = ${
          ratio(row.cold.mochi.wallMs, row.cold.cargo.wallMs)
        } (cpu ${ratio(row.cold.mochi.cpuMs, row.cold.cargo.cpuMs)})  warm ${
          fmt(row.warm.mochi.wallMs)
        }/${fmt(row.warm.cargo.wallMs)} ms = ${
          ratio(row.warm.mochi.wallMs, row.warm.cargo.wallMs)
        } (cpu ${ratio(row.warm.mochi.cpuMs, row.warm.cargo.cpuMs)})`,
      );
    }
    const g = (f: (r: Row) => number) => geometricMean(rows.map(f)).toFixed(2);
    console.log(
      `${rows.length} projects (mochi/cargo, ${runs} cold and ${runs} warm run(s) each, medians), identical picks: ${
        rows.filter((x) => x.same).length
      }/${rows.length}`,
    );
    console.log(
      `  geometric mean, wall: cold ${g((x) => x.cold.mochi.wallMs / x.cold.cargo.wallMs)}, warm ${
        g((x) => x.warm.mochi.wallMs / x.warm.cargo.wallMs)
      }  (goal ≤ 0.5)`,
    );
    if (!Number.isNaN(rows[0]?.cold.mochi.cpuMs ?? NaN)) {
      console.log(
        `  geometric mean, CPU:  cold ${g((x) => x.cold.mochi.cpuMs / x.cold.cargo.cpuMs)}, warm ${
          g((x) => x.warm.mochi.cpuMs / x.warm.cargo.cpuMs)
        }`,
      );
    }
    console.log(
      `  load average (1 min) during the run: ${Math.min(...loads).toFixed(1)}–${
        Math.max(...loads).toFixed(1)
      }`,
    );
  } finally {
    await server.close();
    await Deno.remove(tmp, { recursive: true });
  }
}

if (import.meta.main) {
  const arg = (flag: string) => {
    const i = Deno.args.indexOf(flag);
    return i >= 0 ? Number(Deno.args[i + 1]) : undefined;
  };
  await main(arg("--projects") ?? Infinity, arg("--runs") ?? 1);
}
