/**
 * Rust bridge benchmark: `mochi lock` on the combined manifest of `fixtures/README.md`
 * (declared in `[targets.rust.ffi]`), cold (empty index cache) and warm (cache revalidated with
 * ETags), next to `cargo generate-lockfile` with the same `[dependencies]` on the same cargo
 * sparse index served by one `mochi registry serve` on 127.0.0.1, measured in the same run.
 * Both sides are whole subprocesses, start-up included. Prints medians, the ratio mochi / cargo
 * (below 1 means mochi is faster) and whether both picked the same crates.
 *
 * Usage: `deno run -A bench/rust_resolve_bench.ts [--runs N]`
 *
 * @module
 */
import { type RegistryProcess, spawnRegistryServer } from "../scripts/_serve.ts";
import { median, timedRun } from "./_timing.ts";
import { budgetLines, profiledBudget } from "./_phase_budget.ts";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const sharedIndex = Deno.env.get("MOCHI_BENCH_CRATES_INDEX") ??
  `${root}/fixtures/cargo-corpus-index`;

function picked(lockText: string, header: string): string[] {
  const out: string[] = [];
  for (const block of lockText.split(header).slice(1)) {
    const name = /^name = "([^"]+)"/m.exec(block)?.[1];
    const version = /^version = "([^"]+)"/m.exec(block)?.[1];
    if (name && version && /^source = /m.test(block)) out.push(`${name} ${version}`);
  }
  return out.sort();
}

/** Runs the benchmark and prints its lines. */
export async function main(runs = 3): Promise<void> {
  const deps = (await Deno.readTextFile(`${root}/fixtures/cargo-corpus/combined/Cargo.toml`))
    .split("[dependencies]")[1]!.trim();
  const r = await spawnRegistryServer(sharedIndex);
  if ("error" in r) throw new Error(`registry server did not start: ${r.error}`);
  const server: RegistryProcess = r;
  const tmp = await Deno.makeTempDir({ prefix: "mochi-rust-bench-" });
  try {
    const mochiProject = `${tmp}/mochi-project`;
    await Deno.mkdir(mochiProject);
    await Deno.writeTextFile(
      `${mochiProject}/mochi.toml`,
      `[package]\nname = "bench"\nversion = "0.1.0"\nedition = "2026"\nmochi = ">=0.7"\n` +
        `[registry]\ncrates-io = "sparse+${server.url}"\n[targets.rust.ffi]\n${deps}\n`,
    );
    const cargoProject = `${tmp}/cargo-project`;
    await Deno.mkdir(`${cargoProject}/src`, { recursive: true });
    await Deno.writeTextFile(`${cargoProject}/src/lib.rs`, "");
    await Deno.writeTextFile(
      `${cargoProject}/Cargo.toml`,
      `[package]\nname = "bench"\nversion = "0.1.0"\nedition = "2021"\n[dependencies]\n${deps}\n`,
    );
    const cargoConfig = `[source.crates-io]\nreplace-with = "local"\n[source.local]\n` +
      `registry = "sparse+${server.url}"\n[net]\noffline = false\n`;
    const baseEnv = { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? tmp };
    const mochiCli = ["run", "-A", `${root}/cli.ts`, "lock", "-C", mochiProject];
    const results: Record<string, number[]> = {
      mochiCold: [],
      mochiWarm: [],
      cargoCold: [],
      cargoWarm: [],
    };
    for (let i = 0; i < runs; i++) {
      const mochiHome = `${tmp}/mochi-home-${i}`;
      const cargoHome = `${tmp}/cargo-home-${i}`;
      await Deno.mkdir(cargoHome);
      await Deno.writeTextFile(`${cargoHome}/config.toml`, cargoConfig);
      const mochiEnv = { ...baseEnv, MOCHI_HOME: mochiHome };
      const cargoEnv = { ...baseEnv, CARGO_HOME: cargoHome, CARGO_NET_RETRY: "0" };
      for (let w = 0; w < 3; w++) {
        await Deno.remove(`${mochiProject}/mochi.lock`).catch(() => {});
        await Deno.remove(`${cargoProject}/Cargo.lock`).catch(() => {});
        const kind = w === 0 ? "Cold" : "Warm";
        results[`cargo${kind}`]!.push(
          await timedRun("cargo", ["generate-lockfile"], {
            cwd: cargoProject,
            env: cargoEnv,
            clearEnv: true,
          }),
        );
        results[`mochi${kind}`]!.push(
          await timedRun(Deno.execPath(), mochiCli, {
            cwd: mochiProject,
            env: mochiEnv,
            clearEnv: true,
          }),
        );
      }
    }
    const cargoSet = picked(await Deno.readTextFile(`${cargoProject}/Cargo.lock`), "[[package]]");
    const mochiSet = picked(
      await Deno.readTextFile(`${mochiProject}/mochi.lock`),
      "[[rust-package]]",
    );
    const same = cargoSet.join("\n") === mochiSet.join("\n");
    const m = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)]));
    console.log(
      `resolve the combined Rust manifest (10 crates with features), median of ${runs} cold / ${
        runs * 2
      } warm runs`,
    );
    console.log(
      `  crates picked: mochi ${mochiSet.length}, cargo ${cargoSet.length}, identical: ${same}`,
    );
    console.log(
      `  cold: mochi ${m.mochiCold!.toFixed(0)} ms, cargo ${m.cargoCold!.toFixed(0)} ms, ` +
        `ratio mochi/cargo ${(m.mochiCold! / m.cargoCold!).toFixed(2)}`,
    );
    console.log(
      `  warm: mochi ${m.mochiWarm!.toFixed(0)} ms, cargo ${m.cargoWarm!.toFixed(0)} ms, ` +
        `ratio mochi/cargo ${(m.mochiWarm! / m.cargoWarm!).toFixed(2)} (goal ≤ 0.5 both)`,
    );
    // Where mochi's time goes (issue 17 goal 1): one cold and one warm run under --cpu-prof.
    const profHome = `${tmp}/mochi-home-profile`;
    for (const kind of ["cold", "warm"]) {
      await Deno.remove(`${mochiProject}/mochi.lock`).catch(() => {});
      const b = await profiledBudget([`${root}/cli.ts`, "lock", "-C", mochiProject], {
        cwd: mochiProject,
        env: { ...baseEnv, MOCHI_HOME: profHome },
        clearEnv: true,
      });
      for (const line of budgetLines(`mochi lock ${kind}`, b)) console.log(line);
    }
    console.log(`  load average ${Deno.loadavg().map((x) => x.toFixed(1)).join(" ")}`);
  } finally {
    server.child.kill("SIGTERM");
    await server.child.status;
    await Deno.remove(tmp, { recursive: true });
  }
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--runs");
  await main(i >= 0 ? Number(Deno.args[i + 1]) : 3);
}
