/**
 * Starts Deno itself: `deno run` with inherited standard streams (for `mochi run`) and
 * `deno compile` with its error output read, so that a runtime (`denort`) that cannot be
 * downloaded is reported plainly as a network failure (CAP_E007, exit 3).
 *
 * @module
 */
import { MochiError } from "../errors.ts";

/** Options of {@link runDeno} and {@link compileDeno}. */
export interface DenoProcessOptions {
  /** Working directory of the child. */
  cwd: string;
  /** Path of the deno executable (default: the running one, `Deno.execPath()`). */
  denoPath?: string;
}

/**
 * Runs `deno <args>` with the parent's standard streams and environment, and waits for it.
 *
 * @param args arguments after `deno` (from `denoRunArgs`)
 * @param options working directory and deno path
 * @returns the child's exit code
 */
export async function runDeno(
  args: readonly string[],
  options: DenoProcessOptions,
): Promise<number> {
  const child = new Deno.Command(options.denoPath ?? Deno.execPath(), {
    args: [...args],
    cwd: options.cwd,
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  return (await child.status).code;
}

/** How a failed `deno compile` failed. */
export type CompileFailure =
  | { readonly kind: "runtime-download"; readonly detail: string }
  | { readonly kind: "other"; readonly detail: string };

/**
 * Classifies the error output of a failed `deno compile`: a failure to download the `denort`
 * runtime (its URL on dl.deno.land and a request/DNS/connect error) is `runtime-download`;
 * anything else is `other`.
 *
 * @param stderr the child's error output (colour codes allowed)
 * @returns the failure with the most telling line as `detail`
 */
export function classifyCompileFailure(stderr: string): CompileFailure {
  // deno-lint-ignore no-control-regex
  const plain = stderr.replace(/\x1b\[[0-9;]*m/g, "");
  const lines = plain.split("\n").map((l) => l.trim()).filter((l) => l);
  const download =
    lines.find((l) => /denort/.test(l) && /error sending request|dns error|connect/i.test(l)) ??
      (/denort/.test(plain) &&
          /dns error|error sending request|Connection refused|failed to lookup|timed out/i.test(
            plain,
          )
        ? lines.find((l) => /denort/.test(l))
        : undefined);
  if (download !== undefined) return { kind: "runtime-download", detail: download };
  return { kind: "other", detail: lines.find((l) => /error/i.test(l)) ?? lines.at(-1) ?? "" };
}

/**
 * Runs `deno <args>` for `deno compile`, reading its error output.
 *
 * @param args arguments after `deno` (from `denoCompileArgs`)
 * @param options working directory and deno path
 * @returns the error output of a successful compile (Deno's progress lines)
 * @throws {MochiError} CAP_E007 (exit 3) when Deno could not download its `denort` runtime;
 *   CAP_E008 when the compile failed otherwise (the telling line of Deno's output is named)
 */
export async function compileDeno(
  args: readonly string[],
  options: DenoProcessOptions,
): Promise<string> {
  const out = await new Deno.Command(options.denoPath ?? Deno.execPath(), {
    args: [...args],
    cwd: options.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  if (out.success) return stderr;
  const failure = classifyCompileFailure(stderr);
  if (failure.kind === "runtime-download") {
    throw new MochiError(
      "CAP_E007",
      `deno compile needs its runtime (denort), which it downloads from dl.deno.land, and the download failed: ${failure.detail}`,
      {
        hint: "run mochi compile on a machine with internet access once (Deno caches denort), " +
          "or point DENORT_BIN at a denort binary of the same Deno version",
      },
    );
  }
  throw new MochiError("CAP_E008", `deno compile failed: ${failure.detail}`, {
    hint: "run the printed deno compile command by hand to see Deno's full output",
  });
}
