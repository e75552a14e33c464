/**
 * What a command module is (`src/cli/commands/<name>.ts`) and how its command line is checked:
 * each command declares its own options and positionals, so `mochi install serde` or
 * `mochi tree --upgrade` is refused (cargo and uv refuse them too) instead of silently ignored,
 * and a misspelt option gets a "did you mean".
 *
 * @module
 */
import { parseArgs } from "node:util";
import { MochiError } from "../errors.ts";
import { closestName, editDistance } from "../edit_distance.ts";
import type { Output } from "./output.ts";
import type { Progress } from "./terminal.ts";
import type { LockCounts } from "./phrases.ts";

/** One option of a command, as `node:util`'s `parseArgs` takes it plus its help. */
export interface OptionSpec {
  /** `boolean` (a flag) or `string` (takes a value). */
  type: "boolean" | "string";
  /** One-letter alias (`-q`). */
  short?: string;
  /** May be given more than once (the values are collected). */
  multiple?: boolean;
  /** For a string option: the value used when it is given bare (`--accept-capabilities`). */
  bare?: string;
  /** Placeholder of the value in help (`DIR`, `N`). */
  value?: string;
  /** One line for `--help`. */
  help: string;
}

/** A command's option table, keyed by long name. */
export type OptionTable = Record<string, OptionSpec>;

/** The options every command takes (placed before or after the command). */
export const GLOBAL_OPTIONS: OptionTable = {
  quiet: { type: "boolean", short: "q", help: "print errors and requested data only" },
  verbose: { type: "boolean", short: "v", help: "print progress details and error causes" },
  dir: { type: "string", short: "C", value: "DIR", help: "run as if started in DIR" },
  color: { type: "string", value: "WHEN", help: "colour: auto (default), always or never" },
  help: { type: "boolean", short: "h", help: "print this help" },
  version: { type: "boolean", short: "V", help: "print the version" },
};

/** Parsed option values, by long name. */
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/** What a command gets to run. */
export interface CommandContext {
  /** Positional arguments after the command's name. */
  args: string[];
  /** Option values, by long name (only the command's own and the global ones). */
  values: OptionValues;
  /** Arguments after `--` (for `mochi run`). */
  programArgs: string[];
  /** The printer; the only way a command prints. */
  out: Output;
  /** The process environment. */
  env: Record<string, string>;
  /** The directory the command runs in: `-C DIR` or the working directory. */
  cwd: string;
  /**
   * Starts the progress line: a spinner with counts on a terminal, nothing in pipes, in CI or
   * with `-q` (the dispatcher stops it when the command ends).
   */
  progress(): Promise<Progress>;
  /**
   * Told by a command that found nothing to do and printed nothing but its up-to-date line (a
   * no-op `install`, a fresh `lock --check`), with the lock's counts: the dispatcher then records
   * a no-op stamp for the fast path (`src/cli/noop.ts`). Absent when no stamp applies.
   */
  upToDate?: (counts: LockCounts) => void;
}

/**
 * What a command module (`src/cli/commands/<name>.ts`) exports as `command`: its options,
 * positionals, help and code. Its name and one-line summary live in the command table
 * (`src/cli/commands.ts`), so `mochi --help` loads no command module.
 */
export interface CommandSpec {
  /** Positionals in the usage line, e.g. `<pkg>[@req]...`; empty for none. */
  operands?: string;
  /** Fewest and most positionals (default 0 and 0). */
  minArgs?: number;
  /** Most positionals; `Infinity` for any number. */
  maxArgs?: number;
  /** More lines for `--help` after the summary (what it does, examples). */
  description?: string;
  /** The options it takes besides {@link GLOBAL_OPTIONS}. */
  options: OptionTable;
  /** Runs it; returns the exit status. Errors thrown are printed by the dispatcher. */
  run(ctx: CommandContext): Promise<number>;
}

/** A command: its table entry's name and summary with its module's {@link CommandSpec}. */
export interface Command extends CommandSpec {
  /** Its name as typed: `install`, `cache prune`. */
  name: string;
  /** One line for `mochi --help`. */
  summary: string;
}

/** The string value of an option, or undefined. */
export function stringOption(values: OptionValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}

/** Every value of a repeatable option (empty when absent). */
export function stringsOption(values: OptionValues, name: string): string[] {
  const v = values[name];
  return Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
}

/** Whether a boolean option is set. */
export function flag(values: OptionValues, name: string): boolean {
  return values[name] === true;
}

/**
 * The nearest candidate to a misspelt word, when it is close enough to be a likely typo
 * (distance at most a third of the word, at least 1), as cargo's `did you mean` does.
 *
 * @param word what was typed
 * @param candidates valid words
 * @returns the suggestion, or undefined
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const best = closestName(word, candidates);
  const d = editDistance(word, best);
  return d <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/**
 * Parses a command's arguments against its table plus {@link GLOBAL_OPTIONS}: unknown options
 * (with a did-you-mean), a value given to a flag, a missing value and the wrong number of
 * positionals are `CLI_E001`.
 *
 * @param command the command
 * @param args its arguments (the command's name removed; `--` and after removed)
 * @returns option values and positionals
 * @throws {MochiError} `CLI_E001` for any of the above
 */
export function parseCommandArgs(
  command: Command,
  args: readonly string[],
): { values: OptionValues; positionals: string[] } {
  const table: OptionTable = { ...GLOBAL_OPTIONS, ...command.options };
  const shorts = new Map<string, string>();
  for (const [name, spec] of Object.entries(table)) if (spec.short) shorts.set(spec.short, name);
  const withBare = args.map((a) => {
    const name = a.startsWith("--") ? a.slice(2) : undefined;
    const spec = name === undefined ? undefined : table[name];
    return spec?.bare !== undefined ? `${a}=${spec.bare}` : a;
  });
  const options = Object.fromEntries(
    Object.entries(table).map(([name, s]) => [
      name,
      {
        type: s.type,
        ...(s.short ? { short: s.short } : {}),
        ...(s.multiple ? { multiple: true } : {}),
      },
    ]),
  );
  const { values, positionals, tokens } = parseArgs({
    args: withBare,
    options,
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  const usage = `mochi ${command.name} --help lists its options`;
  for (const t of tokens) {
    if (t.kind !== "option") continue;
    const spec = table[t.name];
    if (!spec) {
      const longs = Object.keys(table).map((n) => `--${n}`);
      const typed = t.rawName.startsWith("--") ? t.rawName : t.rawName;
      const near = t.rawName.startsWith("--") ? didYouMean(typed, longs) : undefined;
      throw new MochiError(
        "CLI_E001",
        `mochi ${command.name} does not take the option ${JSON.stringify(t.rawName)}`,
        { hint: near ? `did you mean ${near}? (${usage})` : usage },
      );
    }
    if (spec.type === "string" && t.value === undefined) {
      throw new MochiError("CLI_E001", `${t.rawName} needs a value`, {
        hint: `${t.rawName} ${spec.value ?? "VALUE"} (${usage})`,
      });
    }
    if (spec.type === "boolean" && t.inlineValue) {
      throw new MochiError("CLI_E001", `${t.rawName} takes no value, got "${t.value}"`, {
        hint: usage,
      });
    }
  }
  const min = command.minArgs ?? 0;
  const max = command.maxArgs ?? 0;
  if (!values.help && (positionals.length < min || positionals.length > max)) {
    const extra = positionals.length > max;
    throw new MochiError(
      "CLI_E001",
      extra
        ? max === 0
          ? `mochi ${command.name} takes no arguments, got ${JSON.stringify(positionals[0])}`
          : `mochi ${command.name} takes at most ${max} argument(s), got ${positionals.length}`
        : `mochi ${command.name} needs ${command.operands ?? `${min} argument(s)`}`,
      { hint: `usage: ${usageLine(command)} (${usage})` },
    );
  }
  return { values: values as OptionValues, positionals };
}

/** The `Usage:` line of a command. */
export function usageLine(command: Command): string {
  const hasOptions = Object.keys(command.options).length > 0;
  return `mochi ${command.name}${hasOptions ? " [options]" : ""}${
    command.operands ? ` ${command.operands}` : ""
  }`;
}

function optionLines(table: OptionTable): string[] {
  const rows = Object.entries(table).map(([name, s]) => {
    const left = `${s.short ? `-${s.short}, ` : "    "}--${name}${
      s.type === "string"
        ? (s.bare !== undefined ? `[=${s.value ?? "V"}]` : ` ${s.value ?? "V"}`)
        : ""
    }`;
    return [left, s.help + (s.multiple ? " (repeatable)" : "")] as const;
  });
  const width = Math.max(0, ...rows.map(([l]) => l.length)) + 2;
  return rows.map(([l, h]) => `  ${l.padEnd(width)}${h}`);
}

/**
 * The `--help` text of a command: summary, usage, description, its options, the global options.
 *
 * @param command the command
 * @returns the lines to print
 */
export function commandHelp(command: Command): string[] {
  const lines = [`mochi ${command.name}: ${command.summary}`, "", `Usage: ${usageLine(command)}`];
  if (command.description) lines.push("", ...command.description.split("\n"));
  if (Object.keys(command.options).length > 0) {
    lines.push("", "Options:", ...optionLines(command.options));
  }
  lines.push("", "Global options:", ...optionLines(GLOBAL_OPTIONS));
  return lines;
}

/** The global options' lines for `mochi --help`. */
export function globalOptionLines(): string[] {
  return optionLines(GLOBAL_OPTIONS);
}
