/**
 * Source positions for keys and values of a TOML document.
 *
 * `smol-toml` reports positions only for invalid TOML. To point an error about a *valid* document
 * (an unknown table, a bad requirement) at its line and column, this module scans the text once
 * and records where every key path is defined and where its value starts: `[table]` and
 * `[[array.of.tables]]` headers, `key = value` lines, dotted keys (`a.b = 1`), inline tables
 * (`x = { version = "1" }`) and array elements (`["fs.read", "bogus"]`, index as a path segment).
 *
 * The scanner assumes the document already parsed (it is lenient, never throws, and stops at the
 * first thing it does not understand); positions it cannot find fall back to the nearest recorded
 * ancestor, then to line 1, column 1.
 *
 * @module
 */

/** A 1-based line and column in the source text (column counts UTF-16 code units). */
export interface SourcePosition {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
}

interface Entry {
  key: SourcePosition;
  value: SourcePosition | undefined;
}

/**
 * Key and value positions of one TOML document, addressed by key path.
 *
 * A path is the list of keys from the root: `["dependencies", "foo", "version"]`. Array
 * elements and arrays of tables use the decimal index as a segment:
 * `["capabilities", "required", "1"]`, `["package", "0", "name"]`.
 */
export interface TomlLocator {
  /**
   * Where the key of `path` is written (its header for a table). Falls back to the nearest
   * recorded ancestor, then to line 1, column 1.
   */
  key(path: readonly string[]): SourcePosition;
  /**
   * Where the value of `path` starts (for a table: its header). Falls back to {@link key}.
   */
  value(path: readonly string[]): SourcePosition;
  /** True when the scan recorded `path` itself (not an ancestor). */
  has(path: readonly string[]): boolean;
}

const SEP = "\u0000";
/** Deepest key path whose intermediate tables get their own position (see `recordPrefixes`). */
const MAX_RECORDED_DEPTH = 64;
const BARE_KEY = /[A-Za-z0-9_-]/;

/**
 * Scans `text` (BOM already stripped or not; CRLF accepted) and returns a {@link TomlLocator}.
 *
 * @param text the TOML source exactly as the positions should refer to it
 * @returns a locator; never throws
 */
export function locateToml(text: string): TomlLocator {
  const entries = new Map<string, Entry>();
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") lineStarts.push(i + 1);

  const posOf = (offset: number): SourcePosition => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo]! + 1 };
  };
  const record = (path: string[], keyAt: number, valueAt?: number) => {
    const id = path.join(SEP);
    const prev = entries.get(id);
    if (prev === undefined) {
      entries.set(id, {
        key: posOf(keyAt),
        value: valueAt === undefined ? undefined : posOf(valueAt),
      });
    } else if (prev.value === undefined && valueAt !== undefined) {
      prev.value = posOf(valueAt);
    }
  };

  /**
   * Records the proper prefixes of a dotted key (`a`, `a.b` for `a.b.c`), at most
   * {@link MAX_RECORDED_DEPTH} segments deep: recording every prefix of a 50,000-segment key
   * would cost time quadratic in its length, and deeper paths fall back to the nearest recorded
   * ancestor anyway.
   */
  const recordPrefixes = (base: string[], keys: string[], at: number) => {
    const last = Math.min(keys.length, MAX_RECORDED_DEPTH - base.length + 1);
    for (let i = 1; i < last; i++) record([...base, ...keys.slice(0, i)], at);
  };

  let p = 0;
  const n = text.length;
  const arrayCounts = new Map<string, number>();

  const skipInline = () => {
    while (p < n && (text[p] === " " || text[p] === "\t")) p++;
  };
  const skipAll = () => {
    for (;;) {
      while (p < n && /[ \t\r\n]/.test(text[p]!)) p++;
      if (text[p] === "#") {
        while (p < n && text[p] !== "\n") p++;
      } else return;
    }
  };
  const readBasic = (): string => {
    // at opening quote
    p++;
    let out = "";
    while (p < n && text[p] !== '"' && text[p] !== "\n") {
      if (text[p] === "\\") {
        const c = text[p + 1]!;
        const simple: Record<string, string> = {
          b: "\b",
          t: "\t",
          n: "\n",
          f: "\f",
          r: "\r",
          e: "\u001b",
          '"': '"',
          "\\": "\\",
        };
        if (c in simple) {
          out += simple[c!];
          p += 2;
        } else if (c === "u" || c === "U" || c === "x") {
          const len = c === "u" ? 4 : c === "U" ? 8 : 2;
          const hex = text.slice(p + 2, p + 2 + len);
          out += String.fromCodePoint(parseInt(hex, 16) || 0);
          p += 2 + len;
        } else {
          out += c ?? "";
          p += 2;
        }
      } else {
        // Copy the run up to the next quote, backslash or newline in one slice: a 10 MB string
        // must not cost one concatenation per character.
        const start = p;
        while (p < n) {
          const c = text.charCodeAt(p);
          if (c === 0x22 || c === 0x5c || c === 0x0a) break;
          p++;
        }
        out += text.slice(start, p);
      }
    }
    p++; // closing quote
    return out;
  };
  const readLiteral = (): string => {
    p++;
    const start = p;
    while (p < n && text[p] !== "'" && text[p] !== "\n") p++;
    const s = text.slice(start, p);
    p++;
    return s;
  };
  /** Reads a dotted key; returns segments with the offset of each, or undefined. */
  const readKey = (): { keys: string[]; at: number } | undefined => {
    const keys: string[] = [];
    const at = p;
    for (;;) {
      skipInline();
      if (text[p] === '"') keys.push(readBasic());
      else if (text[p] === "'") keys.push(readLiteral());
      else {
        const s = p;
        while (p < n && BARE_KEY.test(text[p]!)) p++;
        if (p === s) return keys.length > 0 ? { keys, at } : undefined;
        keys.push(text.slice(s, p));
      }
      skipInline();
      if (text[p] === ".") p++;
      else return { keys, at };
    }
  };
  const skipMultiline = (quote: string) => {
    p += 3;
    const end = text.indexOf(quote.repeat(3), p);
    p = end < 0 ? n : end + 3;
    while (text[p] === quote[0]) p++; // up to two extra quotes belong to the content
  };
  const readValue = (path: string[]): void => {
    skipInline();
    const c = text[p];
    if (c === "{") {
      p++;
      for (;;) {
        skipAll();
        if (p >= n || text[p] === "}") {
          p++;
          return;
        }
        if (text[p] === ",") {
          p++;
          continue;
        }
        const k = readKey();
        if (k === undefined) return;
        skipInline();
        if (text[p] !== "=") return;
        p++;
        skipInline();
        const full = [...path, ...k.keys];
        recordPrefixes(path, k.keys, k.at);
        record(full, k.at, p);
        readValue(full);
      }
    } else if (c === "[") {
      p++;
      let i = 0;
      for (;;) {
        skipAll();
        if (p >= n || text[p] === "]") {
          p++;
          return;
        }
        if (text[p] === ",") {
          p++;
          continue;
        }
        const el = [...path, String(i++)];
        record(el, p, p);
        const before = p;
        readValue(el);
        if (p === before) return;
      }
    } else if (text.startsWith('"""', p)) skipMultiline('"');
    else if (text.startsWith("'''", p)) skipMultiline("'");
    else if (c === '"') readBasic();
    else if (c === "'") readLiteral();
    else {
      while (p < n && !/[,\]}\n#]/.test(text[p]!)) p++;
    }
  };

  let table: string[] = [];
  while (p < n) {
    skipAll();
    if (p >= n) break;
    if (text[p] === "[") {
      const isArray = text[p + 1] === "[";
      const at = p;
      p += isArray ? 2 : 1;
      const k = readKey();
      if (k === undefined) break;
      recordPrefixes([], k.keys, at);
      if (isArray) {
        const id = k.keys.join(SEP);
        const idx = arrayCounts.get(id) ?? 0;
        arrayCounts.set(id, idx + 1);
        // Nested arrays of tables under an earlier index are rare; index against the full path.
        record(k.keys, at, at);
        table = [...k.keys, String(idx)];
        record(table, at, at);
      } else {
        table = k.keys;
        record(table, at, at);
      }
      while (p < n && text[p] !== "\n") p++;
      continue;
    }
    const k = readKey();
    if (k === undefined) {
      while (p < n && text[p] !== "\n") p++;
      continue;
    }
    skipInline();
    if (text[p] !== "=") {
      while (p < n && text[p] !== "\n") p++;
      continue;
    }
    p++;
    skipInline();
    recordPrefixes(table, k.keys, k.at);
    const full = [...table, ...k.keys];
    record(full, k.at, p);
    readValue(full);
  }

  const nearest = (path: readonly string[]): Entry | undefined => {
    for (let len = path.length; len > 0; len--) {
      const e = entries.get(path.slice(0, len).join(SEP));
      if (e !== undefined) return e;
    }
    return undefined;
  };
  const origin: SourcePosition = { line: 1, column: 1 };
  return {
    key: (path) => nearest(path)?.key ?? origin,
    value: (path) => {
      const exact = entries.get(path.join(SEP));
      if (exact !== undefined) return exact.value ?? exact.key;
      return nearest(path)?.key ?? origin;
    },
    has: (path) => entries.has(path.join(SEP)),
  };
}
