/**
 * One walk of a project's `.mochi` sources for every bridge: the Rust, Go and Python bridges each
 * need the `import <lang> "…"` lines, so the tree is walked once and the lines are handed out per
 * language ({@link scanImportLines}). Each bridge then parses its own lines with its pure
 * scanner (`src/rust/imports.ts` for Rust).
 *
 * @module
 */
import { MochiError } from "../errors.ts";

/** The languages a `.mochi` file can import from (`import <lang> "…"`). */
export type ImportLanguage = "rust" | "go" | "python";

/** Every {@link ImportLanguage}, in the order {@link ImportScan.imports} lists them. */
export const IMPORT_LANGUAGES: readonly ImportLanguage[] = Object.freeze(["rust", "go", "python"]);

/** One `import <lang> "…"` line of a `.mochi` file, as written. */
export interface ImportLine {
  /** Path of the file relative to the project directory, `/`-separated (`src/main.mochi`). */
  file: string;
  /** 1-based line number. */
  line: number;
  /** The whole line, without its line ending (a trailing `\r` is removed). */
  text: string;
}

/** What one walk of a project's sources found. */
export interface ImportScan {
  /** Every `.mochi` file read, relative and `/`-separated, sorted (byte order of each name). */
  files: string[];
  /**
   * The import lines per language: files in {@link ImportScan.files} order, lines in file
   * order. A line counts when, after leading white space, it starts with `import`, white
   * space, the language name, white space and `"` (the prefix `scanRustImports` matches; so `import rust "tokio@1" as tokio` is a Rust line, a
   * comment or a string holding such text elsewhere in the line is not). The lines are not
   * validated: each bridge's pure scanner does that and names `file:line` in its errors.
   */
  imports: Record<ImportLanguage, ImportLine[]>;
}

/** Options of {@link scanImportLines}. */
export interface ImportScanOptions {
  /** Largest `.mochi` file read, in bytes (default {@link MAX_SOURCE_FILE_BYTES}). */
  maxFileBytes?: number;
}

/** Largest `.mochi` file the walk reads, in bytes: 16 MiB (a source file is a few kilobytes). */
export const MAX_SOURCE_FILE_BYTES: number = 16 * 1024 * 1024;

/** Directory names the walk never enters (besides every name starting with `.`). */
export const SKIPPED_SOURCE_DIRS: ReadonlySet<string> = new Set([
  "node_modules",
  "target",
  "vendor",
]);

const IMPORT_LINE = /^\s*import\s+(rust|go|python)\s+"/;

function byName(a: Deno.DirEntry, b: Deno.DirEntry): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Reads one source file with the cap, synchronously: a project's `.mochi` files are small and
 * many, and an asynchronous open, read and close per file waits on the worker threads each time
 * (500 files of 2 KB: 250-1200 ms on a loaded machine, against a few ms this way).
 */
function readSource(path: string, file: string, maxBytes: number): string {
  const f = Deno.openSync(path, { read: true });
  try {
    const tooBig = () =>
      new MochiError("PROJECT_E005", `source file ${file} is larger than ${maxBytes} bytes`, {
        hint: `split ${file}, or move it out of the project directory`,
        file,
      });
    const size = f.statSync().size;
    if (size > maxBytes) throw tooBig();
    // One byte more than the size found, to notice a file that grew since (still capped).
    const buf = new Uint8Array(Math.min(size, maxBytes) + 1);
    let n = 0;
    while (n < buf.length) {
      const r = f.readSync(buf.subarray(n));
      if (r === null) break;
      n += r;
    }
    if (n > maxBytes) throw tooBig();
    if (n === buf.length) {
      // It grew: read the rest in chunks, counting against the cap.
      const chunks: Uint8Array[] = [buf];
      const more = new Uint8Array(64 * 1024);
      while (true) {
        const r = f.readSync(more);
        if (r === null) break;
        n += r;
        if (n > maxBytes) throw tooBig();
        chunks.push(more.slice(0, r));
      }
      const all = new Uint8Array(n);
      let off = 0;
      for (const c of chunks) {
        all.set(c, off);
        off += c.byteLength;
      }
      return new TextDecoder().decode(all);
    }
    return new TextDecoder().decode(buf.subarray(0, n));
  } finally {
    f.close();
  }
}

/**
 * The import lines of one source text, appended to `into` per language (pure).
 *
 * @param text the file's text
 * @param file the relative path recorded in each {@link ImportLine}
 * @param into where to append
 */
export function collectImportLines(
  text: string,
  file: string,
  into: Record<ImportLanguage, ImportLine[]>,
): void {
  // Fast path: most files import nothing from another language.
  if (!text.includes("import")) return;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    const m = IMPORT_LINE.exec(line);
    if (m === null) continue;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    into[m[1] as ImportLanguage].push({ file, line: i + 1, text: line });
  }
}

/**
 * Walks a project's `.mochi` files once and returns their `import <lang> "…"` lines grouped by
 * language, for the Rust, Go and Python bridges to parse (each with its own pure scanner).
 *
 * The walk skips every entry whose name starts with `.`, the directories in
 * {@link SKIPPED_SOURCE_DIRS} (`node_modules`, `target`, `vendor`), and symbolic links (neither
 * followed nor read); it visits names in byte order, so the result is the same on every file
 * system. Each file is read with a size cap and decoded as UTF-8 (invalid bytes become U+FFFD,
 * which no bridge accepts in a name).
 *
 * @param dir project directory
 * @param options the per-file size cap
 * @returns the files read and their import lines per language
 * @throws {MochiError} `PROJECT_E005` when a `.mochi` file is larger than the cap
 */
// deno-lint-ignore require-await
export async function scanImportLines(
  dir: string,
  options: ImportScanOptions = {},
): Promise<ImportScan> {
  const maxBytes = options.maxFileBytes ?? MAX_SOURCE_FILE_BYTES;
  const files: string[] = [];
  const imports: Record<ImportLanguage, ImportLine[]> = { rust: [], go: [], python: [] };
  // Synchronous inside, as readSource.
  const walk = (abs: string, rel: string): void => {
    const entries = [...Deno.readDirSync(abs)];
    entries.sort(byName);
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      // No `node:path`: the no-op fast path (`src/cli/noop.ts`) runs this walk before the rest
      // of the CLI loads, and the node compatibility layer costs more than the walk.
      const childAbs = `${abs}/${e.name}`;
      const childRel = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory) {
        if (!SKIPPED_SOURCE_DIRS.has(e.name)) walk(childAbs, childRel);
      } else if (e.isFile && e.name.endsWith(".mochi")) {
        files.push(childRel);
        collectImportLines(readSource(childAbs, childRel, maxBytes), childRel, imports);
      }
    }
  };
  walk(dir, "");
  return { files, imports };
}
