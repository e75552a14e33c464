/**
 * Runs the CLI on a real pseudo-terminal (`script` from util-linux) and turns what the terminal
 * received into the text a user would see: colours dropped, carriage returns and line erasures
 * applied (a progress line that was redrawn and cleared leaves nothing behind).
 *
 * @module
 */
import { ROOT } from "./helpers.ts";

/** What a terminal showed after one command. */
export interface ScreenResult {
  /** Exit status of the command. */
  code: number;
  /** The screen's text, one string per line, trailing spaces and empty last lines removed. */
  screen: string;
  /** The bytes the terminal received, as text (escape codes included). */
  raw: string;
}

/** Whether `script` (util-linux) is on this machine. */
export const HAS_SCRIPT: boolean = await new Deno.Command("script", {
  args: ["--version"],
  stdout: "null",
  stderr: "null",
}).output().then((o) => o.success, () => false);

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * Applies what a terminal does with `\r`, `\n`, `ESC[2K` (erase line) and `ESC[G` (column 1) and
 * drops colours and other escape sequences.
 *
 * @param raw the bytes a terminal received, as text
 * @returns the lines left on the screen
 */
export function screenText(raw: string): string {
  const lines: string[][] = [[]];
  let col = 0;
  let i = 0;
  const line = () => lines[lines.length - 1];
  while (i < raw.length) {
    const c = raw[i]!;
    if (c === "\x1b" && raw[i + 1] === "[") {
      let j = i + 2;
      while (j < raw.length && !/[@-~]/.test(raw[j]!)) j++;
      const params = raw.slice(i + 2, j);
      const final = raw[j];
      if (final === "K" && params === "2") lines[lines.length - 1] = [];
      if (final === "K" && (params === "" || params === "0")) line()!.length = col;
      if (final === "G") col = Math.max(0, Number(params || "1") - 1);
      i = j + 1;
      continue;
    }
    if (c === "\x1b") {
      i += 2;
      continue;
    }
    if (c === "\r") col = 0;
    else if (c === "\n") {
      lines.push([]);
      col = 0;
    } else {
      const l = line();
      while (l!.length < col) l!.push(" ");
      l![col++] = c;
    }
    i++;
  }
  const text = lines.map((l) => l.join("").trimEnd());
  while (text.length > 0 && text[text.length - 1] === "") text.pop();
  return text.join("\n");
}

/**
 * Runs `mochi <args>` (this checkout's `cli.ts`) on a pseudo-terminal.
 *
 * @param args the CLI arguments
 * @param options working directory and environment (added to PATH, HOME and TERM)
 * @returns the exit status and the screen
 */
export async function runOnTerminal(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<ScreenResult> {
  const command = [Deno.execPath(), "run", "-A", `${ROOT}/cli.ts`, ...args].map(shellQuote)
    .join(" ");
  const out = await new Deno.Command("script", {
    args: ["-q", "-e", "-c", command, "/dev/null"],
    cwd: options.cwd,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: Deno.env.get("HOME") ?? "/tmp",
      SHELL: "/bin/sh",
      TERM: "xterm-256color",
      ...options.env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const raw = new TextDecoder().decode(out.stdout);
  return { code: out.code, screen: screenText(raw), raw };
}
