/**
 * The SIGKILL loop (crash consistency of the store and the lock), shared by `crash_test.ts` (a
 * short run in `deno task test`) and `scripts/stress.ts` (≥ 200 runs in `deno task stress`).
 *
 * Each run starts `mochi install` on a project whose manifest alternates between two
 * dependency sets (so every run changes the lock), against a fake registry adding 5–50 ms of
 * latency per blob, into a store that is emptied every few runs (so kills land in downloads,
 * extraction and the lock write alike), and SIGKILLs it after a random delay. After each kill:
 * `mochi verify` passes (every store object matches its address), the lock is exactly the old or
 * the new bytes, and the next `mochi install` succeeds, writes the new lock and leaves no temp
 * file or session behind.
 *
 * @module
 */
import { ROOT, type TestVersion, writeProject, writeRegistry } from "./helpers.ts";
import { startFakeRegistry } from "./fake_registry.ts";

/** Result of {@link killLoop}. */
export interface KillLoopReport {
  /** Runs done. */
  runs: number;
  /** Runs killed before they finished (the others completed first). */
  killed: number;
  /** Runs after which the lock held the old bytes / the new bytes. */
  lockOld: number;
  /** See `lockOld`. */
  lockNew: number;
  /** Where killed runs stopped, judged from what they left: `download body` (a `.part` file),
   * `extract` (an `x-` dir), `lock written`, `store lock held` (a session, e.g. waiting for
   * headers or re-hashing), `startup/resolve` (no session yet). */
  phases: Record<string, number>;
  /** Problems found (empty when every promise held). */
  failures: string[];
  /** Wall time, ms. */
  ms: number;
}

const GRAPH: TestVersion[] = [
  ...Array.from({ length: 10 }, (_, i) => ({ name: `lib-${i}`, version: "1.0.0" })),
  {
    name: "alpha",
    version: "1.0.0",
    deps: { "lib-0": "1", "lib-1": "1", "lib-2": "1", "lib-3": "1" },
  },
  {
    name: "beta",
    version: "1.0.0",
    deps: { "lib-4": "1", "lib-5": "1", "lib-6": "1", "lib-7": "1" },
  },
  { name: "gamma", version: "1.0.0", deps: { "lib-8": "1", "lib-9": "1", "lib-1": "1" } },
];
const MANIFESTS: Record<string, string>[] = [{ alpha: "1", gamma: "1" }, { beta: "1", gamma: "1" }];

async function cli(args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}/cli.ts`, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

async function tempEntries(store: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(`${store}/tmp`)) out.push(e.name);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out;
}

/** Names inside every session directory of the store. */
async function sessionFiles(store: string): Promise<string[]> {
  const out: string[] = [];
  for (const s of await tempEntries(store)) {
    try {
      for await (const e of Deno.readDir(`${store}/tmp/${s}`)) out.push(e.name);
    } catch {
      // not a directory
    }
  }
  return out;
}

async function readOrNull(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

/**
 * Run the kill loop in `root` (a temp dir the caller owns and removes).
 *
 * @param root working directory
 * @param env base environment (sandboxed HOME, MOCHI_HOME, DENO_DIR, …)
 * @param runs number of runs; with `untilKilled`, the number of runs that must actually be killed
 *   mid-run (a run may finish before its random kill time), capped at 3 × `runs` runs
 * @param random source of uniform numbers in [0, 1)
 * @param untilKilled count killed runs rather than runs
 * @returns counts and any failures
 */
export async function killLoop(
  root: string,
  env: Record<string, string>,
  runs: number,
  random: () => number = Math.random,
  untilKilled = false,
): Promise<KillLoopReport> {
  const t0 = performance.now();
  const registry = `${root}/registry`;
  await writeRegistry(registry, GRAPH);
  await using server = startFakeRegistry(registry);
  // On odd runs the kill is timed from the first blob request, so kills also land in the store
  // phase (fetch, verify, extract, lock write), not only in startup and resolution.
  let onBlobRequest: (() => void) | undefined;
  server.fault("blobs/*", () => {
    onBlobRequest?.();
    onBlobRequest = undefined;
    return { latencyMs: 5 + Math.floor(random() * 45) };
  });
  const home = `${root}/killhome`;
  const store = `${home}/store`;
  const project = `${root}/killproject`;
  const e = { ...env, MOCHI_HOME: home, MOCHI_REGISTRY: server.url, NO_COLOR: "1" };

  // The lock each manifest leads to, from an undisturbed reference run.
  const expected: string[] = [];
  for (const [i, deps] of MANIFESTS.entries()) {
    const ref = `${root}/reference-${i}`;
    await writeProject(ref, deps);
    const r = await cli(["install", "-C", ref], { ...e, MOCHI_HOME: `${root}/refhome` });
    if (r.code !== 0) throw new Error(`reference install failed: ${r.stderr}`);
    expected.push(await Deno.readTextFile(`${ref}/mochi.lock`));
  }

  const report: KillLoopReport = {
    runs: 0,
    killed: 0,
    lockOld: 0,
    lockNew: 0,
    phases: {},
    failures: [],
    ms: 0,
  };
  await writeProject(project, MANIFESTS[0]!);
  for (let i = 0; untilKilled ? report.killed < runs && i < 3 * runs : i < runs; i++) {
    const which = (i + 1) % 2;
    const old = await readOrNull(`${project}/mochi.lock`);
    await writeProject(project, MANIFESTS[which]!);
    if (i % 3 === 0) await Deno.remove(`${store}/blobs`, { recursive: true }).catch(() => {});
    if (i % 3 === 0) await Deno.remove(`${store}/extracted`, { recursive: true }).catch(() => {});
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}/cli.ts`, "install", "-C", project],
      env: e,
      stdout: "null",
      stderr: "null",
    }).spawn();
    const kill = () => {
      try {
        child.kill("SIGKILL");
      } catch {
        // already exited
      }
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    let delay: number;
    if (i % 2 === 0) {
      delay = 10 + random() * 200;
      timer = setTimeout(kill, delay);
    } else {
      delay = random() * 120;
      onBlobRequest = () => (timer = setTimeout(kill, delay));
    }
    const status = await child.status;
    onBlobRequest = undefined;
    clearTimeout(timer);
    report.runs++;
    if (status.signal === "SIGKILL") report.killed++;
    const fail = (what: string) =>
      report.failures.push(
        `run ${i} (kill ${delay.toFixed(0)} ms after ${
          i % 2 ? "the first blob request" : "start"
        }): ${what}`,
      );

    const lock = await readOrNull(`${project}/mochi.lock`);
    if (status.signal === "SIGKILL") {
      const left = await sessionFiles(store);
      const sessions = (await tempEntries(store)).length;
      const phase = left.some((n) => n.endsWith(".part"))
        ? "download body"
        : left.some((n) => n.startsWith("x-"))
        ? "extract"
        : lock !== old
        ? "lock written"
        : sessions > 0
        ? "store lock held"
        : "startup/resolve";
      report.phases[phase] = (report.phases[phase] ?? 0) + 1;
    }
    if (lock === old) report.lockOld++;
    else if (lock === expected[which]) report.lockNew++;
    else fail(`torn lock: ${JSON.stringify(lock?.slice(0, 80))}`);
    const v = await cli(["verify"], e);
    if (v.code !== 0) fail(`mochi verify exit ${v.code}: ${v.stderr}`);
    const next = await cli(["install", "-C", project], e);
    if (next.code !== 0) fail(`next install exit ${next.code}: ${next.stderr}`);
    if (await readOrNull(`${project}/mochi.lock`) !== expected[which]) {
      fail("next lock is not the new one");
    }
    const left = await tempEntries(store);
    if (left.length > 0) fail(`temp left after the next run: ${left.join(", ")}`);
    const files: string[] = [];
    for await (const f of Deno.readDir(project)) files.push(f.name);
    if (files.sort().join() !== "mochi.lock,mochi.toml") fail(`project holds ${files.join(", ")}`);
  }
  report.ms = performance.now() - t0;
  return report;
}
