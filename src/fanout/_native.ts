/**
 * Helpers shared by the native packers (NuGet, crates, Hex, SwiftPM): reading a target table's
 * extra metadata strictly, escaping text for XML, and SPDX expression identifiers.
 *
 * @module
 */

import { closestName } from "../edit_distance.ts";
import { MochiError, quoteValue } from "../errors.ts";
import type { Ecosystem, FanoutPackage } from "./types.ts";

/** The kind of value an extra metadata key takes. */
export type ExtraKind = "string" | "string[]" | "boolean";

/** One extra key a packer accepts: its kind and, for strings, the pattern it must match. */
export interface ExtraKey {
  kind: ExtraKind;
  /** What each string (or each element) must match. */
  pattern?: RegExp;
  /** Words for the message when the pattern fails (`an edition: 2015, 2018, 2021 or 2024`). */
  expected?: string;
  /** Largest number of elements of a `string[]`. */
  maxItems?: number;
}

/** The table name of a target in `mochi.toml` for an ecosystem (`[targets.rust]` for crates). */
export const TARGET_TABLE: Readonly<Record<Ecosystem, string>> = {
  npm: "typescript",
  jsr: "typescript",
  pypi: "python",
  maven: "jvm",
  nuget: "dotnet",
  crates: "rust",
  hex: "beam",
  swiftpm: "swift",
};

const MAX_EXTRA_CHARS = 1024;

/**
 * Reads `pkg.extra` against the keys a packer accepts: an unknown key, a value of the wrong kind,
 * or a string that does not match its pattern is refused.
 *
 * @returns the extra values (a null-prototype record of checked values)
 * @throws {MochiError} `FANOUT_E008` naming the key, the value and what was expected
 */
export function readExtra(
  pkg: FanoutPackage,
  keys: Readonly<Record<string, ExtraKey>>,
): Record<string, string | string[] | boolean> {
  const table = `[targets.${TARGET_TABLE[pkg.ecosystem]}.metadata]`;
  const out: Record<string, string | string[] | boolean> = Object.create(null);
  const known = Object.keys(keys);
  for (const [key, value] of Object.entries(pkg.extra)) {
    const spec = Object.hasOwn(keys, key) ? keys[key] : undefined;
    if (spec === undefined) {
      const near = known.length > 0 ? closestName(key, known) : undefined;
      throw new MochiError(
        "FANOUT_E008",
        `${table} key ${quoteValue(key)} is not a ${pkg.ecosystem} setting`,
        {
          hint: near === undefined
            ? `${pkg.ecosystem} takes no extra keys; remove it`
            : `did you mean ${quoteValue(near)}? ${pkg.ecosystem} takes ${
              known.map((k) => quoteValue(k)).join(", ")
            }`,
        },
      );
    }
    const bad = (why: string) =>
      new MochiError(
        "FANOUT_E008",
        `${table} ${key} = ${quoteValue(JSON.stringify(value) ?? String(value))} ${why}`,
        { hint: spec.expected === undefined ? undefined : `expected ${spec.expected}` },
      );
    const checkString = (s: unknown): string => {
      if (typeof s !== "string") throw bad("is not a string");
      if (s.length > MAX_EXTRA_CHARS) throw bad(`is longer than ${MAX_EXTRA_CHARS} characters`);
      // deno-lint-ignore no-control-regex
      if (/[\u0000-\u001f\u007f]/.test(s)) throw bad("has a control character");
      if (spec.pattern !== undefined && !spec.pattern.test(s)) throw bad("is not valid");
      return s;
    };
    if (spec.kind === "boolean") {
      if (typeof value !== "boolean") throw bad("is not true or false");
      out[key] = value;
    } else if (spec.kind === "string") {
      out[key] = checkString(value);
    } else {
      if (!Array.isArray(value)) throw bad("is not an array of strings");
      if (spec.maxItems !== undefined && value.length > spec.maxItems) {
        throw bad(`has more than ${spec.maxItems} items`);
      }
      out[key] = value.map(checkString);
    }
  }
  return out;
}

/**
 * Escapes text for XML element content or a double-quoted attribute; characters XML 1.0 cannot
 * hold (C0 controls but tab, LF and CR; lone surrogates; U+FFFE/U+FFFF) are refused.
 *
 * @throws {MochiError} `FANOUT_E008` when the text holds a character XML cannot carry
 */
export function xmlText(text: string, what: string): string {
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.test(text) || !text.isWellFormed()) {
    throw new MochiError(
      "FANOUT_E008",
      `${what} ${quoteValue(text)} has a character XML cannot hold`,
      {
        hint: "remove control characters from the value",
      },
    );
  }
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/\r/g, "&#xD;").replace(/\n/g, "&#xA;").replace(
      /\t/g,
      "&#x9;",
    );
}

/**
 * The licence identifiers of an SPDX expression in order of first appearance, without the
 * operators, parentheses and `WITH` exceptions (`"MIT OR (Apache-2.0 WITH LLVM-exception)"` →
 * `["MIT", "Apache-2.0"]`).
 */
export function spdxIdentifiers(expression: string): string[] {
  const out: string[] = [];
  const tokens = expression.replace(/[()]/g, " ").split(/\s+/).filter((t) => t !== "");
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === "AND" || t === "OR") continue;
    if (t === "WITH") {
      i++;
      continue;
    }
    if (!out.includes(t)) out.push(t);
  }
  return out;
}

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
