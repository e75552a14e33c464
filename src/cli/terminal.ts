/**
 * What the terminal gets: colour (`--color=auto|always|never`, `NO_COLOR`) and the progress line
 * (a spinner with counts and bytes while resolving, downloading and verifying).
 *
 * On a terminal the progress line is redrawn in place on stderr; when stderr is not a terminal,
 * or `CI` is set, or `-q`, there is no progress line and only the append-only lines the commands
 * print. The colour and cursor codes come from small, well-kept npm libraries (`picocolors`,
 * `ansi-escapes`, `cli-spinners`), loaded only when a terminal will see them, so that runs in
 * pipes and CI do not pay for them at start-up.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { type Output, type Palette, Styled } from "./output.ts";

/** The `--color` values (cargo's and uv's). */
export type ColorChoice = "auto" | "always" | "never";

/**
 * Whether to colour a stream: `always` and `never` decide; `auto` colours a terminal unless
 * `NO_COLOR` is set to anything non-empty (no-color.org) or `TERM=dumb`.
 *
 * @param choice the `--color` value (default `auto`)
 * @param env the environment
 * @param isTerminal whether the stream is a terminal
 * @returns whether to add colour codes
 * @throws {MochiError} `CLI_E001` for a value other than auto, always or never
 */
export function useColour(
  choice: string | undefined,
  env: Record<string, string | undefined>,
  isTerminal: boolean,
): boolean {
  const c = choice ?? "auto";
  if (c !== "auto" && c !== "always" && c !== "never") {
    throw new MochiError("CLI_E001", `--color takes auto, always or never, got "${c}"`);
  }
  if (c !== "auto") return c === "always";
  return isTerminal && !env.NO_COLOR && env.TERM !== "dumb";
}

/** The palette of `picocolors`, loaded on first use. */
export async function colourPalette(): Promise<Palette> {
  const { default: pc } = await import("picocolors");
  const c = pc.createColors(true);
  return { bold: c.bold, dim: c.dim, red: c.red, yellow: c.yellow, green: c.green, cyan: c.cyan };
}

/** The phases a progress line shows. */
export type ProgressPhase = "resolve" | "download" | "verify";

const PHASE_WORDS: Record<ProgressPhase, string> = {
  resolve: "Resolving",
  download: "Downloading",
  verify: "Verifying",
};

/** A progress display; {@link NO_PROGRESS} does nothing. */
export interface Progress {
  /** Starts a phase (phases may run side by side), with its number of items when known. */
  phase(phase: ProgressPhase, total?: number): void;
  /** Counts items (and bytes) done in a phase. */
  advance(phase: ProgressPhase, items: number, bytes?: number): void;
  /** The latest thing happening (a package name, a file), shown after the counts. */
  status(text: string): void;
  /** Removes the line and stops redrawing. */
  stop(): void;
}

/** The display of non-terminal runs: nothing. */
export const NO_PROGRESS: Progress = {
  phase() {},
  advance() {},
  status() {},
  stop() {},
};

function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/**
 * Whether a progress line goes to this run's stderr: a terminal, not `CI`, not `-q`.
 *
 * @param env the environment
 * @param quiet `-q`
 * @param stderrIsTerminal whether stderr is a terminal
 * @returns whether to draw one
 */
export function wantsProgress(
  env: Record<string, string | undefined>,
  quiet: boolean,
  stderrIsTerminal: boolean,
): boolean {
  return stderrIsTerminal && !quiet && !env.CI && env.TERM !== "dumb";
}

/**
 * The progress line of a terminal run: a spinner, the phase, `done/total`, bytes and the latest
 * status, redrawn every spinner frame on stderr; every other line the {@link Output} prints
 * first clears it (so output and progress never mix).
 *
 * @param out the writer (its stderr palette colours the spinner; its escaping cleans the status)
 * @param columns the terminal's width
 * @returns the display; call `stop()` when the command ends
 */
export async function terminalProgress(out: Output, columns: () => number): Promise<Progress> {
  const [{ default: ansiEscapes }, { default: spinners }] = await Promise.all([
    import("ansi-escapes"),
    import("cli-spinners"),
  ]);
  const frames = spinners.dots.frames;
  let frame = 0;
  const phases = new Map<ProgressPhase, { total?: number; done: number; bytes: number }>();
  let status = "";
  let shown = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  const clear = () => {
    if (shown) out.rawStderr(ansiEscapes.eraseLine + ansiEscapes.cursorLeft);
    shown = false;
  };
  const draw = () => {
    if (phases.size === 0) return;
    const counts = [...phases].map(([p, c]) => {
      const n = c.total !== undefined ? ` ${c.done}/${c.total}` : c.done > 0 ? ` ${c.done}` : "";
      return `${PHASE_WORDS[p]}${n}${c.bytes > 0 ? ` (${humanBytes(c.bytes)})` : ""}`;
    }).join(" · ");
    const head = `${frames[frame % frames.length]} ${counts}`;
    const room = Math.max(0, columns() - head.length - 3);
    const tail = status.length > room ? status.slice(0, Math.max(0, room - 1)) + "…" : status;
    const line = out.render([new Styled("cyan", head), tail ? `  ${tail}` : ""]);
    out.rawStderr(ansiEscapes.eraseLine + ansiEscapes.cursorLeft + line);
    shown = true;
  };
  out.beforeWrite = clear;
  return {
    phase(p, total) {
      // Resolving ends when downloading or verifying starts.
      if (p !== "resolve") phases.delete("resolve");
      phases.set(p, { ...(total !== undefined ? { total } : {}), done: 0, bytes: 0 });
      if (timer === undefined) {
        timer = setInterval(() => {
          frame++;
          draw();
        }, spinners.dots.interval);
        Deno.unrefTimer(timer);
      }
      draw();
    },
    advance(p, items, bytes = 0) {
      const c = phases.get(p);
      if (c === undefined) return;
      c.done += items;
      c.bytes += bytes;
    },
    status(text) {
      status = text;
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      clear();
      out.beforeWrite = undefined;
    },
  };
}
