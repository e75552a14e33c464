/**
 * Resolve benchmark, like for like (issue 17 goal 1, "the Mochi demo"): `mochi lock` on the demo
 * manifest, cold (empty index cache) and warm (cache revalidated with ETags), next to
 * `cargo generate-lockfile` with the same requirements on the same crates served the same way
 * (`mochi registry serve` on 127.0.0.1), measured in the same run. Both sides are timed as whole
 * subprocesses, start-up included. Prints medians, the ratio mochi / cargo (below 1 means mochi is
 * faster) and whether both locked the same `(name, version)` set.
 *
 * Data: `fixtures/cargo-corpus-index` (295 crates; see `fixtures/README.md`) converted by
 * `scripts/convert_crates_index.ts` (cached in `.cache/bench-registry`) for mochi, and the same
 * conversion written back as a cargo sparse index by `scripts/demo_cargo_index.ts` (cached in
 * `.cache/bench-cargo-index`) for cargo: no features, optional, dev or target-only dependencies, no
 * `links`, so cargo resolves exactly the graph mochi resolves (the same 104 crates).
 *
 * Usage: `deno run -A bench/resolve_bench.ts [--runs N]`
 *
 * @module
 */
import { convertCratesIndex } from "../scripts/convert_crates_index.ts";
import { writeDemoCargoIndex } from "../scripts/demo_cargo_index.ts";
import { DEMO_ROOTS } from "../scripts/select_fixture_crates.ts";
import { type RegistryProcess, spawnRegistryServer } from "../scripts/_serve.ts";
import { median, timedRunCpu, type Timing } from "./_timing.ts";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const sharedIndex = Deno.env.get("MOCHI_BENCH_CRATES_INDEX") ??
  `${root}/fixtures/cargo-corpus-index`;
const registryDir = `${root}/.cache/bench-registry`;
const cargoIndexDir = `${root}/.cache/bench-cargo-index`;

async function serve(dir: string): Promise<RegistryProcess> {
  const r = await spawnRegistryServer(dir);
  if ("error" in r) throw new Error(`registry server did not start: ${r.error}`);
  return r;
}

/**
 * The crates subset converted into a mochi registry (converted once, then cached).
 *
 * @param dir where the converted registry is kept (default `.cache/bench-registry`); a bench
 *   that must not see another bench's conversion replace it mid-run passes its own
 * @returns the registry directory
 */
export async function benchRegistryDir(dir: string = registryDir): Promise<string> {
  const stamp = `${dir}/.inputs`;
  // The input named relative to the repository, so worktrees sharing one .cache agree on it.
  const inputs = sharedIndex.startsWith(`${root}/`)
    ? sharedIndex.slice(root.length + 1)
    : sharedIndex;
  if ((await Deno.readTextFile(stamp).catch(() => "")) !== inputs) {
    console.log(`converting ${inputs} into a mochi registry (cached afterwards)…`);
    await convertCratesIndex(sharedIndex, dir);
    await Deno.writeTextFile(stamp, inputs);
  }
  return dir;
}

/**
 * The same crates as {@link benchRegistryDir} as a cargo index of the same content (written once,
 * then cached).
 *
 * @returns the cargo index directory
 */
export async function benchCargoIndexDir(): Promise<string> {
  const stamp = `${cargoIndexDir}/.inputs`;
  if ((await Deno.readTextFile(stamp).catch(() => "")) !== sharedIndex) {
    await writeDemoCargoIndex(sharedIndex, cargoIndexDir);
    await Deno.writeTextFile(stamp, sharedIndex);
  }
  return cargoIndexDir;
}

function picked(lockText: string): string[] {
  const out: string[] = [];
  for (const block of lockText.split("[[package]]").slice(1)) {
    const name = /^name = "([^"]+)"/m.exec(block)?.[1];
    const version = /^version = "([^"]+)"/m.exec(block)?.[1];
    if (name && version && /^source = /m.test(block)) out.push(`${name} ${version}`);
  }
  return out.sort();
}

/** Runs the benchmark and prints its table. */
export async function main(runs = 3): Promise<void> {
  await benchRegistryDir();
  await benchCargoIndexDir();
  const mochiServer = await serve(registryDir);
  const cargoServer = await serve(cargoIndexDir);
  const tmp = await Deno.makeTempDir({ prefix: "mochi-bench-" });
  try {
    // mochi project
    const mochiProject = `${tmp}/mochi-project`;
    await Deno.mkdir(mochiProject);
    const deps = Object.entries(DEMO_ROOTS).map(([n, r]) => `${n} = "${r}"`).join("\n");
    await Deno.writeTextFile(
      `${mochiProject}/mochi.toml`,
      `allow-multi-version = "*"\n[package]\nname = "bench"\nversion = "0.1.0"\nedition = "2026"\nmochi = ">=0.7"\n[dependencies]\n${deps}\n`,
    );
    // cargo project
    const cargoProject = `${tmp}/cargo-project`;
    await Deno.mkdir(`${cargoProject}/src`, { recursive: true });
    await Deno.writeTextFile(`${cargoProject}/src/lib.rs`, "");
    await Deno.writeTextFile(
      `${cargoProject}/Cargo.toml`,
      `[package]\nname = "bench"\nversion = "0.1.0"\nedition = "2021"\n[dependencies]\n${deps}\n`,
    );
    const cargoConfig =
      `[source.crates-io]\nreplace-with = "local"\n[source.local]\nregistry = "sparse+${cargoServer.url}"\n[net]\noffline = false\n`;
    const baseEnv = { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? tmp };

    const mochiCli = ["run", "-A", `${root}/cli.ts`, "lock", "-C", mochiProject];
    const scratchFile = `${tmp}/cpu`;
    const results: Record<string, Timing[]> = {
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
      const mochiEnv = { ...baseEnv, MOCHI_HOME: mochiHome, MOCHI_REGISTRY: mochiServer.url };
      const cargoEnv = { ...baseEnv, CARGO_HOME: cargoHome, CARGO_NET_RETRY: "0" };
      await Deno.remove(`${mochiProject}/mochi.lock`).catch(() => {});
      await Deno.remove(`${cargoProject}/Cargo.lock`).catch(() => {});
      results.cargoCold!.push(
        await timedRunCpu("cargo", ["generate-lockfile"], {
          cwd: cargoProject,
          env: cargoEnv,
          scratchFile,
        }),
      );
      results.mochiCold!.push(
        await timedRunCpu(Deno.execPath(), mochiCli, {
          cwd: mochiProject,
          env: mochiEnv,
          scratchFile,
        }),
      );
      for (let w = 0; w < 2; w++) {
        await Deno.remove(`${mochiProject}/mochi.lock`).catch(() => {});
        await Deno.remove(`${cargoProject}/Cargo.lock`).catch(() => {});
        results.cargoWarm!.push(
          await timedRunCpu("cargo", ["generate-lockfile"], {
            cwd: cargoProject,
            env: cargoEnv,
            scratchFile,
          }),
        );
        results.mochiWarm!.push(
          await timedRunCpu(Deno.execPath(), mochiCli, {
            cwd: mochiProject,
            env: mochiEnv,
            scratchFile,
          }),
        );
      }
    }
    const cargoSet = picked(await Deno.readTextFile(`${cargoProject}/Cargo.lock`));
    const mochiSet = picked(await Deno.readTextFile(`${mochiProject}/mochi.lock`));
    const wall = (k: string) => median(results[k]!.map((t) => t.wallMs));
    const cpu = (k: string) => median(results[k]!.map((t) => t.cpuMs));
    console.log(
      `resolve the demo manifest (${
        Object.keys(DEMO_ROOTS).length
      } direct dependencies), median of ${runs} cold / ${runs * 2} warm runs`,
    );
    console.log(
      `  packages picked: mochi ${mochiSet.length}, cargo ${cargoSet.length}, identical: ${
        mochiSet.join("\n") === cargoSet.join("\n")
      }`,
    );
    for (const kind of ["Cold", "Warm"]) {
      const [mw, cw, mc, cc] = [
        wall(`mochi${kind}`),
        wall(`cargo${kind}`),
        cpu(`mochi${kind}`),
        cpu(`cargo${kind}`),
      ];
      console.log(
        `  ${kind.toLowerCase()}: mochi ${mw.toFixed(0)} ms, cargo ${cw.toFixed(0)} ms, ` +
          `ratio mochi/cargo ${(mw / cw).toFixed(2)}; CPU mochi ${mc.toFixed(0)} ms, cargo ${
            cc.toFixed(0)
          } ms, ratio ${(mc / cc).toFixed(2)} (goal ≤ 0.5)`,
      );
    }
    console.log(`  load average ${Deno.loadavg().map((x) => x.toFixed(1)).join(" ")}`);
  } finally {
    mochiServer.child.kill("SIGTERM");
    cargoServer.child.kill("SIGTERM");
    await mochiServer.child.status;
    await cargoServer.child.status;
    await Deno.remove(tmp, { recursive: true });
  }
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--runs");
  await main(i >= 0 ? Number(Deno.args[i + 1]) : 3);
}
