#!/usr/bin/env -S deno run -A
/**
 * The `mochi pkg` command line: `deno run -A jsr:@mochi/pkg <command>` is `mochi pkg <command>`.
 *
 * A no-op `mochi install` or `mochi lock --check --offline` is answered first from its stamp
 * (`src/cli/noop.ts`, a small module graph: no `node:` module, no install pipeline); every other
 * command line, and a no-op whose stamp no longer holds, runs through `src/cli/main.ts`, which
 * finds the command, loads its module (`src/cli/commands/<name>.ts`, listed in
 * `src/cli/commands.ts`) and runs it. After a full run that found nothing to do, the stamp is
 * written (`src/cli/noop_record.ts`). The command modules, `src/cli/output.ts` and this module
 * are the only printers. Exit codes (docs/errors.md): `0` ok · `1` user or input error · `2`
 * internal · `3` network or registry unavailable · `4` integrity or security.
 *
 * @module
 */
import { Output, type Sinks } from "./src/cli/output.ts";
import type { NoopProbe } from "./src/cli/noop.ts";
import type { LockCounts } from "./src/cli/phrases.ts";
import { VERSION } from "./src/cli/version.ts";

export type { Sinks };
export { VERSION };

/**
 * Runs one `mochi pkg` command line.
 *
 * @param argv the arguments after the program name
 * @param sinks where output goes (tests); the process's stdout and stderr by default
 * @returns the exit status (0–4)
 */
export async function main(argv: string[], sinks?: Sinks): Promise<number> {
  const startedMs = performance.now();
  const env = Deno.env.toObject();
  let probe: NoopProbe | undefined;
  try {
    // Loaded only for the two commands it may answer: other commands do not pay for it.
    if (argv[0] === "install" || argv[0] === "lock") {
      const noop = await import("./src/cli/noop.ts");
      probe = await noop.probeNoop(argv, env, Deno.cwd());
      const line = probe && await noop.answerNoop(probe, startedMs);
      if (line !== undefined) {
        new Output(sinks ? { sinks } : {}).info(line);
        return 0;
      }
    }
  } catch {
    // Anything unexpected: the full path decides, and reports it if it is an error.
    probe = undefined;
  }
  const { runCommandLine } = await import("./src/cli/main.ts");
  let upToDate: LockCounts | undefined;
  const status = await runCommandLine(
    argv,
    sinks,
    probe ? (counts) => upToDate = counts : undefined,
  );
  if (probe && status === 0 && upToDate) {
    try {
      const { recordNoop } = await import("./src/cli/noop_record.ts");
      await recordNoop(probe, argv, env, upToDate);
    } catch {
      // Not recorded: the next run takes the full path again.
    }
  }
  return status;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
