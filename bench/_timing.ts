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
