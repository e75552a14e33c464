/**
 * The one writer every line of the CLI goes through.
 *
 * Text from a registry, a lock, a manifest or an upload is hostile (CWE-150, escape sequences in
 * output): a scope, a name or a yank reason holding `ESC [ 2 K \r` would erase and overwrite the
 * line a warning was printed on. So the writer escapes every C0 and C1 control character, DEL and
 * the Unicode bidirectional overrides in everything it prints, once, here; the only escape
 * sequences that reach the terminal are the colours the writer itself adds ({@link Styled} parts),
 * in the spirit of cargo's and git's handling of untrusted text on a terminal.
 *
 * @module
 */
import { ERROR_CATALOGUE, exitStatusOf, MochiError } from "../errors.ts";

/** A style the writer can give a part of a line (it adds the terminal codes, never the caller). */
export type StyleName = "bold" | "dim" | "red" | "yellow" | "green" | "cyan";

/** A part of a line that the writer prints in a style when colour is on, plainly otherwise. */
export class Styled {
  /**
   * @param style the style
   * @param text the plain text (escaped like any other text when printed)
   */
  constructor(readonly style: StyleName, readonly text: string) {}
  /** The escaped plain text, so that a Styled used in a template literal loses only its colour. */
  toString(): string {
    return escapeControls(this.text);
  }
}

/** One part of a printed line: plain text or a {@link Styled} part. */
export type Part = string | Styled;

/**
 * Maps a style name to a function adding its terminal codes; identity functions when colour is off.
 */
export type Palette = Record<StyleName, (text: string) => string>;

/** A palette that adds nothing (colour off). */
export const PLAIN: Palette = {
  bold: (t) => t,
  dim: (t) => t,
  red: (t) => t,
  yellow: (t) => t,
  green: (t) => t,
  cyan: (t) => t,
};

// C0 controls except TAB, DEL, C1 controls, and the Unicode bidi embeddings, overrides and
// isolates (the "Trojan Source" characters, CVE-2021-42574).
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Escapes the characters that could move the cursor, erase, recolour or reorder a terminal
 * line: C0 controls but TAB (newline included: one call prints one line), DEL, C1 controls and
 * the bidi controls, each written as a visible `\xNN` or `\u{NNNN}`.
 *
 * @param text any text, hostile or not
 * @returns the text with every such character made visible
 *
 * @example
 * ```ts
 * import { escapeControls } from "./output.ts";
 * if (escapeControls("a\x1b[2K\rb") !== "a\\x1b[2K\\rb") throw new Error("not escaped");
 * ```
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => {
    const n = c.codePointAt(0)!;
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u{${n.toString(16)}}`;
  });
}

/** Where the writer sends its text; tests pass their own. */
export interface Sinks {
  /** Writes text (already escaped and coloured) to standard output. */
  stdout(text: string): void;
  /** Writes text (already escaped and coloured) to standard error. */
  stderr(text: string): void;
}

const encoder = new TextEncoder();

function writeAll(file: { writeSync(p: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(file.writeSync(bytes));
}

/** The process's standard output and error. */
export const PROCESS_SINKS: Sinks = {
  stdout: (t) => writeAll(Deno.stdout, t),
  stderr: (t) => writeAll(Deno.stderr, t),
};

/** How the writer behaves: what is shown, and with which colours. */
export interface OutputOptions {
  /** `-q`: only errors and the data a command was asked for ({@link Output.data}). */
  quiet?: boolean;
  /** `-v`: also {@link Output.detail} lines. */
  verbose?: boolean;
  /** Colour functions for stderr (and stdout, unless {@link OutputOptions.stdoutPalette}); {@link PLAIN} (the default) adds none. */
  palette?: Palette;
  /** Colour functions for stdout when they differ (stdout piped, stderr a terminal). */
  stdoutPalette?: Palette;
  /** Where text goes; default the process's stdout and stderr. */
  sinks?: Sinks;
}

/**
 * The CLI's printer: every method takes one line as parts, escapes each part
 * ({@link escapeControls}) and adds the colour of {@link Styled} parts.
 *
 * - {@link Output.data}: what the command was asked for (a tree, a JSON document): stdout, always.
 * - {@link Output.info}: progress and summaries: stdout, unless `-q`.
 * - {@link Output.note} / {@link Output.warn}: stderr, unless `-q`.
 * - {@link Output.detail}: stderr, only with `-v`.
 * - {@link Output.error}: an error through the catalogue: stderr, always.
 */
export class Output {
  /** `-q` is on. */
  readonly quiet: boolean;
  /** `-v` is on. */
  readonly verbose: boolean;
  /** The colour functions of stderr. */
  readonly palette: Palette;
  /** The colour functions of stdout. */
  readonly stdoutPalette: Palette;
  readonly #sinks: Sinks;
  /** Called before a line is written to stderr or stdout (a progress display clears itself). */
  beforeWrite: (() => void) | undefined;

  /** @param options quiet, verbose, palette and sinks */
  constructor(options: OutputOptions = {}) {
    this.quiet = options.quiet === true;
    this.verbose = options.verbose === true;
    this.palette = options.palette ?? PLAIN;
    this.stdoutPalette = options.stdoutPalette ?? this.palette;
    this.#sinks = options.sinks ?? PROCESS_SINKS;
  }

  /**
   * Renders parts as one escaped, coloured line (no newline).
   *
   * @param parts plain strings and {@link Styled} parts
   * @param palette the colours (default stderr's)
   * @returns the text to write
   */
  render(parts: readonly Part[], palette: Palette = this.palette): string {
    return parts.map((p) =>
      typeof p === "string" ? escapeControls(p) : palette[p.style](escapeControls(p.text))
    ).join("");
  }

  /** Writes one line of data to stdout (shown even with `-q`). @param parts the line */
  data(...parts: Part[]): void {
    this.#write("stdout", parts);
  }

  /** Writes one line to stdout unless `-q`. @param parts the line */
  info(...parts: Part[]): void {
    if (!this.quiet) this.#write("stdout", parts);
  }

  /** Writes one line to stderr unless `-q`. @param parts the line */
  note(...parts: Part[]): void {
    if (!this.quiet) this.#write("stderr", parts);
  }

  /**
   * Writes one line to stderr, even with `-q` (waits the user must know about). @param parts the
   * line
   */
  always(...parts: Part[]): void {
    this.#write("stderr", parts);
  }

  /** Writes one line to stderr only with `-v`. @param parts the line */
  detail(...parts: Part[]): void {
    if (this.verbose) this.#write("stderr", parts);
  }

  /**
   * Writes `warning: …` (or `warning[CODE]: …`) to stderr unless `-q`.
   *
   * @param message the warning, one line
   * @param code the catalogue code, when the warning has one
   */
  warn(message: string, code?: string): void {
    if (this.quiet) return;
    this.#write("stderr", [
      new Styled("yellow", code ? `warning[${code}]` : "warning"),
      ": ",
      message,
    ]);
  }

  /**
   * Prints an error in the catalogue's form: `error[CODE]: message`, `  --> file:line:col`,
   * `help: hint`; an error that is not a {@link MochiError} is `INTERNAL_E001` (a bug).
   *
   * @param e anything thrown
   * @returns the exit status the error maps to ({@link exitStatusOf})
   */
  error(e: unknown): number {
    const status = exitStatusOf(e);
    if (e instanceof MochiError) {
      const [first, ...more] = e.message.split("\n");
      this.#write("stderr", [new Styled("red", `error[${e.code}]`), ": ", first ?? ""]);
      for (const line of more) this.#write("stderr", [line]);
      if (e.file) {
        const at = e.line ? `:${e.line}${e.column ? `:${e.column}` : ""}` : "";
        this.#write("stderr", [new Styled("cyan", "  --> "), `${e.file}${at}`]);
      }
      if (e.hint) {
        const [h, ...hs] = e.hint.split("\n");
        this.#write("stderr", [new Styled("cyan", "help"), ": ", h ?? ""]);
        for (const line of hs) this.#write("stderr", [line]);
      }
      if (this.verbose && e.cause) {
        const cause = e.cause instanceof Error ? e.cause.stack ?? e.cause.message : String(e.cause);
        for (const line of `caused by: ${cause}`.split("\n")) this.#write("stderr", [line]);
      }
    } else {
      const text = e instanceof Error ? e.stack ?? e.message : String(e);
      const [first, ...more] = text.split("\n");
      this.#write("stderr", [new Styled("red", "error[INTERNAL_E001]"), ": ", first ?? ""]);
      for (const line of more) this.#write("stderr", [line]);
      this.#write("stderr", [
        new Styled("cyan", "help"),
        ": this is a bug in mochi pkg; please report it with the command you ran",
      ]);
    }
    return status;
  }

  /**
   * Writes raw, already-safe text to stderr without a newline (the progress display's own
   * cursor codes, built by the terminal library). Never pass outside text here.
   *
   * @param text terminal codes and escaped text
   */
  rawStderr(text: string): void {
    this.#sinks.stderr(text);
  }

  #write(stream: "stdout" | "stderr", parts: readonly Part[]): void {
    this.beforeWrite?.();
    const palette = stream === "stdout" ? this.stdoutPalette : this.palette;
    this.#sinks[stream](this.render(parts, palette) + "\n");
  }
}

/** The catalogue's exit status for a code, for commands that report without throwing. */
export function exitStatusOfCode(code: keyof typeof ERROR_CATALOGUE): number {
  return ERROR_CATALOGUE[code].exit;
}
