/**
 * The `h1:` hash of a set of files, the one go.sum and the checksum database record for a module
 * zip (files named `<module>@<version>/<path>`) and for a go.mod file (one file named `go.mod`).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { MochiError, quoteValue } from "../errors.ts";

/** One file given to {@link hash1}: its name as hashed and its bytes. */
export interface HashFile {
  /** The name, used as given (`golang.org/x/text@v0.14.0/LICENSE`). */
  name: string;
  /** The file's bytes. */
  data: Uint8Array;
}

/**
 * Orders two strings by their UTF-8 bytes (Go's string order, which is code point order), where
 * JavaScript's `<` orders UTF-16 code units.
 *
 * Follows Go's string comparison (the order golang.org/x/mod/sumdb/dirhash Hash1 sorts by).
 *
 * @param a the first string
 * @param b the second string
 * @returns negative, zero or positive
 *
 * @example
 * ```ts
 * import { compareUtf8 } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.ok(compareUtf8("\uFFFD", "\u{1F600}") < 0); // "\uFFFD" > "\u{1F600}" in UTF-16
 * assert.ok(compareUtf8("ab", "abc") < 0);
 * ```
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (U+D800-U+DFFF) stand for code points above U+FFFF, which sort after U+E000-U+FFFF.
    const sx = x >= 0xd800 && x <= 0xdfff;
    const sy = y >= 0xd800 && y <= 0xdfff;
    if (sx !== sy) return sx ? (y >= 0xe000 ? 1 : -1) : (x >= 0xe000 ? -1 : 1);
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * The `h1:` hash: the files sorted by name, a summary line `<sha256 hex>  <name>\n` for each, and
 * `"h1:"` followed by the standard base64 of the SHA-256 of the summary.
 *
 * Follows golang.org/x/mod/sumdb/dirhash Hash1.
 *
 * @param files the files (names used as given; for a module zip `<module>@<version>/<path>`)
 * @returns `"h1:"` and 44 base64 characters
 * @throws {MochiError} `GO_E003` when a name contains a newline or is not well-formed text
 *
 * @example
 * ```ts
 * import { hash1 } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const te = new TextEncoder();
 * const h = hash1([
 *   { name: "xyz", data: te.encode("data for xyz") },
 *   { name: "abc", data: te.encode("data for abc") },
 * ]);
 * assert.equal(h, "h1:EP6WfDoQTSk9klnxcjriWJOGztueJUywHNmWeq+efB8=");
 * ```
 */
export function hash1(files: readonly HashFile[]): string {
  const sorted = [...files].sort((a, b) => compareUtf8(a.name, b.name));
  const summary = createHash("sha256");
  for (const f of sorted) {
    if (f.name.includes("\n")) {
      throw new MochiError("GO_E003", `file name ${quoteValue(f.name)} contains a newline`, {
        hint: "dirhash does not support file names with newlines",
      });
    }
    if (!f.name.isWellFormed()) {
      throw new MochiError("GO_E003", `file name ${quoteValue(f.name)} is not valid UTF-8`);
    }
    const hex = createHash("sha256").update(f.data).digest("hex");
    summary.update(`${hex}  ${f.name}\n`, "utf8");
  }
  return `h1:${summary.digest("base64")}`;
}

/**
 * The `h1:` hash go.sum records for a module's go.mod (`<module> <version>/go.mod h1:…`): Hash1 of
 * one file named `go.mod`.
 *
 * Follows cmd/go (modfetch) and golang.org/x/mod/sumdb/dirhash Hash1.
 *
 * @param data the go.mod file's bytes
 * @returns `"h1:…"`
 *
 * @example
 * ```ts
 * import { hash1, hashGoMod } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const data = new TextEncoder().encode("module example.com/m\n");
 * assert.equal(hashGoMod(data), hash1([{ name: "go.mod", data }]));
 * ```
 */
export function hashGoMod(data: Uint8Array): string {
  return hash1([{ name: "go.mod", data }]);
}
