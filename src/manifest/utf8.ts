/**
 * Strict UTF-8 decoding with a position for the first bad byte. TOML documents (`mochi.toml`,
 * `mochi.lock`) and index files must be valid UTF-8 (TOML 1.0 §Spec; RFC 8259 §8.1 for JSON lines);
 * decoding them leniently would turn a corrupt byte into U+FFFD and parse something the author
 * never wrote.
 *
 * @module
 */
import { type ErrorCode, MochiError } from "../errors.ts";

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Decodes `bytes` as UTF-8, refusing invalid sequences.
 *
 * @param bytes the file's bytes
 * @param file the path or URL named in the error
 * @param code the error code of the caller's format (`MANIFEST_E001`, `LOCK_E005`, `INDEX_E001`)
 * @param hint what to do next, for the error
 * @returns the text (a leading BOM is kept; the parsers strip it)
 * @throws {MochiError} `code` naming the file, the 1-based line and column (in characters of
 *   the valid prefix) and the byte offset of the first invalid sequence
 *
 * @example
 * ```ts
 * import { decodeUtf8Strict } from "@mochi/pkg/manifest";
 * import assert from "node:assert/strict";
 *
 * const bytes = new TextEncoder().encode("a = 1");
 * assert.equal(decodeUtf8Strict(bytes, "x.toml", "MANIFEST_E001", ""), "a = 1");
 * assert.throws(
 *   () => decodeUtf8Strict(new Uint8Array([0x61, 0xff]), "x.toml", "MANIFEST_E001", ""),
 *   { code: "MANIFEST_E001" },
 * );
 * ```
 */
export function decodeUtf8Strict(
  bytes: Uint8Array,
  file: string,
  code: ErrorCode,
  hint: string,
): string {
  try {
    return strict.decode(bytes);
  } catch {
    const offset = firstInvalidOffset(bytes);
    const prefix = new TextDecoder().decode(bytes.subarray(0, offset));
    const lines = prefix.split("\n");
    const line = lines.length;
    const column = lines[lines.length - 1]!.length + 1;
    throw new MochiError(
      code,
      `${file} is not valid UTF-8: invalid byte 0x${
        bytes[offset]!.toString(16).padStart(2, "0")
      } at byte offset ${offset} (line ${line}, column ${column})`,
      { hint, file, line, column },
    );
  }
}

/** Byte offset of the first invalid UTF-8 sequence (WHATWG decoder rules), or bytes.length. */
function firstInvalidOffset(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    let need = 0;
    let lo = 0x80;
    let hi = 0xbf;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c! >= 0xc2 && c! <= 0xdf) need = 1;
    else if (c! >= 0xe0 && c! <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c! >= 0xf0 && c! <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const x = b[i + k];
      if (x === undefined) return i;
      if (k === 1 ? x < lo || x > hi : x < 0x80 || x > 0xbf) return i;
    }
    i += need + 1;
  }
  return b.length;
}
