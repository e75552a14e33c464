/**
 * The `mochi pkg` command line behind `cli.ts` (which answers a no-op from its stamp first and
 * loads this module otherwise).
 *
 * This module finds the command, loads its module (`src/cli/commands/<name>.ts`, listed in
 * `src/cli/commands.ts`) and runs it; the command modules and `src/cli/output.ts` are the only
 * printers. Exit codes (docs/errors.md): `0` ok · `1` user or input error · `2` internal · `3`
 * network or registry unavailable · `4` integrity or security.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { MochiError } from "../errors.ts";
import {
  type Command,
  commandHelp,
  didYouMean,
  GLOBAL_OPTIONS,
  globalOptionLines,
  parseCommandArgs,
} from "./command.ts";
import { type CommandEntry, commandGroups, COMMANDS, findCommand } from "./commands.ts";
import { Output, PLAIN, type Sinks } from "./output.ts";
import {
  colourPalette,
  NO_PROGRESS,
  type Progress,
  terminalProgress,
  useColour,
  wantsProgress,
} from "./terminal.ts";

import type { LockCounts } from "./phrases.ts";
import { VERSION } from "./version.ts";

const ENVIRONMENT = `Environment:
  MOCHI_HOME             store and index cache (default $XDG_CACHE_HOME/mochi or ~/.cache/mochi)
  MOCHI_REGISTRY         registry URL or path when mochi.toml has no [registry] default
  MOCHI_CRATES_IO_INDEX  cargo sparse index for Rust crates when mochi.toml names none
  MOCHI_SIGSTORE_ROOT    trusted root JSON; MOCHI_FULCIO_URL / MOCHI_REKOR_URL: signing instance
  MOCHI_HTTP_IDLE_TIMEOUT  a download with no data this long fails, BLOB_E010 (default 30s)
  MOCHI_HTTP_DEADLINE    a download running this long fails, BLOB_E011 (default 15m)
  SOURCE_DATE_EPOCH      archive mtime for pack and publish
  NO_COLOR               no colour (like --color=never)
  MOCHI_NO_FAST_PATH=1   a no-op install or lock --check --offline runs in full (no stamp)
Tests only, with MOCHI_TEST=1: MOCHI_TEST_FAULT, MOCHI_TEST_MAX_* (src/store/fs/test_hooks.ts).`;

function usage(): string[] {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    `mochi pkg ${VERSION}: the Mochi package manager`,
    "",
    "Usage: mochi [options] <command> [arguments]",
    "",
    "Commands:",
    ...COMMANDS.map((c) =>
      `  ${c.name.padEnd(width)}${c.summary}${
        c.aliases?.length ? ` (alias ${c.aliases.join(", ")})` : ""
      }`
    ),
    "",
    "Global options:",
    ...globalOptionLines(),
    "",
    "See mochi help <command> (or mochi <command> --help) for a command's options.",
    "",
    ...ENVIRONMENT.split("\n"),
  ];
}

function groupUsage(group: string): string[] {
  const subs = COMMANDS.filter((c) => c.name.startsWith(`${group} `));
  const width = Math.max(...subs.map((c) => c.name.length)) + 2;
  return [
    `Usage: mochi ${group} <command>`,
    "",
    "Commands:",
    ...subs.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
  ];
}

// Global options that take a value: their value is not the command's name.
const VALUE_GLOBALS = new Set(
  Object.entries(GLOBAL_OPTIONS).filter(([, s]) => s.type === "string").flatMap(([n, s]) =>
    s.short ? [`--${n}`, `-${s.short}`] : [`--${n}`]
  ),
);

/**
 * Where the command's name is: the first argument that is neither an option nor a global
 * option's value, and for a group (`cache`) the word after it.
 */
function locateCommand(args: readonly string[]): { words: string[]; at: number[] } {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith("-") && a !== "-") {
      if (VALUE_GLOBALS.has(a!)) i++;
      continue;
    }
    const next = args[i + 1];
    if (commandGroups().includes(a!) && next !== undefined && !next.startsWith("-")) {
      return { words: [a, next], at: [i, i + 1] };
    }
    return { words: [a], at: [i] };
  }
  return { words: [], at: [] };
}

function unknownCommand(words: readonly string[]): MochiError {
  const [first, second] = words;
  const groups = commandGroups();
  if (groups.includes(first!)) {
    const subs = COMMANDS.filter((c) => c.name.startsWith(`${first} `)).map((c) =>
      c.name.split(" ")[1]!
    );
    const near = second === undefined ? undefined : didYouMean(second, subs);
    return new MochiError(
      "CLI_E001",
      second === undefined
        ? `mochi ${first} needs a command: ${subs.join(", ")}`
        : `unknown command "${first} ${second}"`,
      {
        hint: near
          ? `did you mean mochi ${first} ${near}?`
          : `mochi ${first} ${
            subs.length === 1 ? subs[0] : `<${subs.join("|")}>`
          } (mochi help ${first})`,
      },
    );
  }
  const names = [
    ...COMMANDS.flatMap((c) => [c.name.split(" ")[0]!, ...(c.aliases ?? [])]),
    "help",
  ];
  const near = didYouMean(first!, [...new Set(names)]);
  return new MochiError("CLI_E001", `unknown command "${first}"`, {
    hint: near ? `did you mean mochi ${near}?` : "run mochi --help for the commands",
  });
}

async function loadCommand(entry: CommandEntry): Promise<Command> {
  const { command } = await entry.load();
  return { ...command, name: entry.name, summary: entry.summary };
}

/**
 * Runs one `mochi pkg` command line (`cli.ts`'s `main` when no no-op stamp answers it).
 *
 * @param argv the arguments after the program name
 * @param sinks where output goes (tests); the process's stdout and stderr by default
 * @param upToDate told when the command found nothing to do (see `CommandContext.upToDate`)
 * @returns the exit status (0–4)
 */
export async function runCommandLine(
  argv: string[],
  sinks?: Sinks,
  upToDate?: (counts: LockCounts) => void,
): Promise<number> {
  // Everything after `--` belongs to the program `mochi run` starts.
  const dashDash = argv.indexOf("--");
  const programArgs = dashDash < 0 ? [] : argv.slice(dashDash + 1);
  const args = dashDash < 0 ? argv : argv.slice(0, dashDash);
  // The global options, read leniently first so that every error is printed as asked.
  const globals = parseArgs({
    args,
    options: {
      quiet: { type: "boolean", short: "q" },
      verbose: { type: "boolean", short: "v" },
      color: { type: "string" },
      version: { type: "boolean", short: "V" },
    },
    strict: false,
    allowPositionals: true,
  }).values;
  const quiet = globals.quiet === true;
  const verbose = globals.verbose === true;
  const env = Deno.env.toObject();
  let out = new Output({ quiet, verbose, ...(sinks ? { sinks } : {}) });
  let progress: Progress | undefined;
  let cwd = Deno.cwd();
  try {
    // Colour and progress only for a real terminal (injected sinks are not one).
    const color = typeof globals.color === "string" ? globals.color : undefined;
    const stderrColour = useColour(color, env, !sinks && Deno.stderr.isTerminal());
    const stdoutColour = useColour(color, env, !sinks && Deno.stdout.isTerminal());
    if (stderrColour || stdoutColour) {
      const palette = await colourPalette();
      out = new Output({
        quiet,
        verbose,
        palette: stderrColour ? palette : PLAIN,
        stdoutPalette: stdoutColour ? palette : PLAIN,
        ...(sinks ? { sinks } : {}),
      });
    }
    const { words, at } = locateCommand(args);
    const rest = args.filter((_, i) => !at.includes(i));
    if (words.length === 0) {
      if (globals.version === true) {
        out.data(`mochi pkg ${VERSION}`);
        return 0;
      }
      const help = rest.includes("--help") || rest.includes("-h");
      const stray = rest.find((a) =>
        a !== "--help" && a !== "-h" && !/^-(q|v|-quiet|-verbose)$/.test(a)
      );
      if (stray !== undefined && !help) {
        throw new MochiError("CLI_E001", `${JSON.stringify(stray)} needs a command after it`, {
          hint: "run mochi --help for the commands",
        });
      }
      for (const l of usage()) out.data(l);
      return help ? 0 : 1;
    }
    if (words[0] === "help") {
      const topic = rest.filter((a) => !a.startsWith("-"));
      if (topic.length === 0) {
        for (const l of usage()) out.data(l);
        return 0;
      }
      const entry = findCommand(topic.slice(0, 2).join(" ")) ?? findCommand(topic[0]!);
      if (!entry) {
        if (commandGroups().includes(topic[0]!) && topic.length === 1) {
          for (const l of groupUsage(topic[0]!)) out.data(l);
          return 0;
        }
        throw unknownCommand(topic);
      }
      for (const l of commandHelp(await loadCommand(entry))) out.data(l);
      return 0;
    }
    const entry = findCommand(words.join(" "));
    if (!entry) {
      if (
        words.length === 1 && commandGroups().includes(words[0]!) &&
        (rest.includes("--help") || rest.includes("-h"))
      ) {
        for (const l of groupUsage(words[0]!)) out.data(l);
        return 0;
      }
      throw unknownCommand(words);
    }
    const command = await loadCommand(entry);
    const { values, positionals } = parseCommandArgs(command, rest);
    if (values.version === true) {
      out.data(`mochi pkg ${VERSION}`);
      return 0;
    }
    if (values.help === true) {
      for (const l of commandHelp(command)) out.data(l);
      return 0;
    }
    if (typeof values.dir === "string") cwd = values.dir;
    const output = out;
    return await command.run({
      args: positionals,
      values,
      programArgs,
      out,
      env,
      cwd,
      ...(upToDate ? { upToDate } : {}),
      progress: async () => {
        if (progress) return progress;
        const wanted = !sinks && wantsProgress(env, quiet, Deno.stderr.isTerminal());
        progress = wanted ? await terminalProgress(output, terminalColumns) : NO_PROGRESS;
        return progress;
      },
    });
  } catch (e) {
    progress?.stop();
    const shown = await explain(e, env, cwd);
    for (const line of await gateWarnings(shown)) out.always(line);
    return out.error(shown);
  } finally {
    progress?.stop();
  }
}

/**
 * The error as the user should see it: an OS refusal as an environment error, a registry error
 * with where the registry's URL is set (loaded only then).
 */
async function explain(e: unknown, env: Record<string, string>, cwd: string): Promise<unknown> {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === "string" && /^(INDEX|BLOB)_E/.test(code)) {
    try {
      const { withRegistryOrigin } = await import("./registry_origin.ts");
      const { findProjectDir } = await import("./common.ts");
      return await withRegistryOrigin(e, await findProjectDir(cwd), env);
    } catch {
      return e;
    }
  }
  return environmentError(e);
}

/**
 * The capability gate's warning lines (each package and capability it newly requires, what was
 * seen before) for a `LOCK_E006` error; the gate module loads only then.
 */
async function gateWarnings(e: unknown): Promise<string[]> {
  if (!(e instanceof MochiError) || e.code !== "LOCK_E006") return [];
  const { CapabilityGateError, formatGateWarnings } = await import("../capability/gate.ts");
  return e instanceof CapabilityGateError ? formatGateWarnings(e.findings) : [];
}

/** The terminal's width; 80 when it does not say (some pseudo-terminals report 0). */
function terminalColumns(): number {
  try {
    return Deno.consoleSize().columns || 80;
  } catch {
    return 80;
  }
}

/**
 * An OS error that escaped a command as what it is: the environment refusing (a path that is a
 * file, not writable), not a bug in mochi pkg; anything else is returned as is.
 */
function environmentError(e: unknown): unknown {
  if (e instanceof Deno.errors.PermissionDenied || e instanceof Deno.errors.NotADirectory) {
    return new MochiError("STORE_E001", e.message, {
      hint: "check that the path is a directory you can write to (MOCHI_HOME, the project, -C)",
      cause: e,
    });
  }
  return e;
}
