/**
 * Shared by the benchmarks that time whole commands against a peer (cargo): a median and a
 * timed subprocess.
 *
 * @module
 */

/**
 * The median of some numbers (the upper middle one for an even count).
 *
 * @param xs the samples (not modified)
 * @returns the median
 */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Runs a command to the end and returns its wall time.
 *
 * @param cmd the program
 * @param args its arguments
 * @param options working directory, environment, and whether to start from an empty one
 * @returns the wall time in milliseconds
 * @throws Error naming the command and the start of its stderr when it exits non-zero
 */
export async function timedRun(
  cmd: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; clearEnv?: boolean },
): Promise<number> {
  const t0 = performance.now();
  const out = await new Deno.Command(cmd, {
    args,
    cwd: options.cwd,
    env: options.env,
    clearEnv: options.clearEnv ?? false,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const ms = performance.now() - t0;
  if (out.code !== 0) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed (${out.code}): ${
        new TextDecoder().decode(out.stderr).slice(0, 2000)
      }`,
    );
  }
  return ms;
}

/** Wall and CPU time of one subprocess, in milliseconds. */
export interface Timing {
  /** Wall time. */
  wallMs: number;
  /** User + system CPU time of the process and the children it waited for; `NaN` when
   * `/usr/bin/time` is missing. */
  cpuMs: number;
}

const GNU_TIME = "/usr/bin/time";

/**
 * Runs a command to the end under `/usr/bin/time` (when it exists) and returns its wall and CPU
 * time. CPU time is the steadier figure on a loaded machine: it does not count waiting for a CPU.
 *
 * @param cmd the program
 * @param args its arguments
 * @param options working directory, environment (used alone: `clearEnv`), and a scratch file for
 *   `/usr/bin/time`'s output
 * @returns the wall and CPU times
 * @throws Error naming the command and the start of its stderr when it exits non-zero
 */
export async function timedRunCpu(
  cmd: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; scratchFile: string },
): Promise<Timing> {
  const haveTime = await Deno.stat(GNU_TIME).then(() => true, () => false);
  const [prog, argv] = haveTime
    ? [GNU_TIME, ["-f", "%U %S", "-o", options.scratchFile, cmd, ...args]]
    : [cmd, args];
  const t0 = performance.now();
  const out = await new Deno.Command(prog, {
    args: argv,
    cwd: options.cwd,
    env: options.env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const wallMs = performance.now() - t0;
  if (out.code !== 0) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed (${out.code}): ${
        new TextDecoder().decode(out.stderr).slice(0, 2000)
      }`,
    );
  }
  let cpuMs = NaN;
  if (haveTime) {
    const last = (await Deno.readTextFile(options.scratchFile)).trim().split("\n").at(-1) ?? "";
    const [u, s] = last.split(" ").map(Number);
    cpuMs = ((u ?? NaN) + (s ?? NaN)) * 1000;
  }
  return { wallMs, cpuMs };
}
