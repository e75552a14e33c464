/**
 * A time budget per phase of one mochi command, from a V8 CPU profile of it (`deno run
 * --cpu-prof`): every sample is given to the phase of the innermost frame on its stack that
 * names one, so the phases add up to the profile's whole wall time. Phases (issue 17 goal 1):
 *
 * - `start-up and module loading`: Deno's own work outside JavaScript (`(program)`: reading,
 *   compiling and linking modules) and the runtime's lazily loaded scripts;
 * - `waiting (network, disk, other threads)`: the main thread idle;
 * - `index I/O and revalidation`: the registry clients and the runtime's fetch, streams and file
 *   system code;
 * - `parsing`: index files and records, TOML, JSON;
 * - `solving`: the solver, the providers, versions and requirements;
 * - `lock writing`: formatting and writing `mochi.lock`;
 * - `garbage collection`, and `other` (the CLI, the store, hashing, …).
 *
 * @module
 */

/** Phases in the order they are printed. */
export const PHASES = [
  "start-up and module loading",
  "waiting (network, disk, other threads)",
  "index I/O and revalidation",
  "parsing",
  "solving",
  "lock writing",
  "garbage collection",
  "other",
] as const;

/** One of {@link PHASES}. */
export type Phase = typeof PHASES[number];

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

/** The phase one frame names, or undefined when it names none. */
function phaseOf(functionName: string, url: string): Phase | undefined {
  if (functionName === "(idle)") return "waiting (network, disk, other threads)";
  if (functionName === "(garbage collector)") return "garbage collection";
  if (functionName === "(program)") return "start-up and module loading";
  if (/\/src\/(lockfile\/format|install\/project)\.ts$/.test(url)) return "lock writing";
  if (
    /\/src\/(solver|semver|go\/mvs|python\/resolve)\/|\/src\/rust\/(provider|resolve)/.test(url)
  ) {
    return "solving";
  }
  if (
    /\/src\/rust\/index_file|\/src\/index\/record|smol-toml|\/src\/manifest\/parse/.test(url) ||
    functionName === "parse" && url === ""
  ) {
    return "parsing";
  }
  if (
    /\/src\/registry\/client\/|ext:deno_(fetch|net|fs|web\/06_streams|http)|ext:deno_node\/internal\/http/
      .test(url)
  ) {
    return "index I/O and revalidation";
  }
  if (/op_load_ext_script|op_lazy_load_esm|loadExtScript|lazyLoad/.test(functionName)) {
    return "start-up and module loading";
  }
  return undefined;
}

/**
 * The budget of one CPU profile.
 *
 * @param profileJson the `.cpuprofile` file's text
 * @returns milliseconds per phase (every phase present, zero when unused) and the total
 */
export function phaseBudget(
  profileJson: string,
): { phases: Record<Phase, number>; totalMs: number } {
  const p = JSON.parse(profileJson) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map<number, Phase>();
  const phaseOfNode = (id: number): Phase => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    const n = nodes.get(id)!;
    const own = phaseOf(n.callFrame.functionName, n.callFrame.url);
    const up = parent.get(id);
    const phase = own ?? (up === undefined ? "other" : phaseOfNode(up));
    memo.set(id, phase);
    return phase;
  };
  const phases = Object.fromEntries(PHASES.map((ph) => [ph, 0])) as Record<Phase, number>;
  let total = 0;
  p.samples.forEach((id, i) => {
    const ms = (p.timeDeltas[i] ?? 0) / 1000;
    phases[phaseOfNode(id)] += ms;
    total += ms;
  });
  return { phases, totalMs: total };
}

/**
 * Runs a command under `--cpu-prof` and returns its budget.
 *
 * @param script the script and its arguments (after `deno run -A --cpu-prof`)
 * @param options working directory and environment
 * @returns the budget of the run
 */
export async function profiledBudget(
  script: string[],
  options: { cwd: string; env: Record<string, string>; clearEnv?: boolean },
): Promise<{ phases: Record<Phase, number>; totalMs: number }> {
  const dir = await Deno.makeTempDir({ prefix: "mochi-prof-" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--cpu-prof", `--cpu-prof-dir=${dir}`, ...script],
      cwd: options.cwd,
      env: options.env,
      clearEnv: options.clearEnv ?? false,
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr).slice(0, 2000));
    for await (const e of Deno.readDir(dir)) {
      if (e.name.endsWith(".cpuprofile")) {
        return phaseBudget(await Deno.readTextFile(`${dir}/${e.name}`));
      }
    }
    throw new Error("no CPU profile was written");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * One line per phase: milliseconds and share of the whole.
 *
 * @param label what ran
 * @param b the budget
 * @returns printable lines
 */
export function budgetLines(
  label: string,
  b: { phases: Record<Phase, number>; totalMs: number },
): string[] {
  return [
    `  time budget, ${label} (one run under --cpu-prof, ${b.totalMs.toFixed(0)} ms):`,
    ...PHASES.filter((ph) => b.phases[ph] > 0).map((ph) =>
      `    ${ph.padEnd(40)} ${b.phases[ph].toFixed(0).padStart(6)} ms  ${
        (100 * b.phases[ph] / b.totalMs).toFixed(0).padStart(3)
      }%`
    ),
  ];
}
