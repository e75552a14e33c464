/**
 * Checks shared by the PyPI and Maven packers: the target table's extra keys (a closed set per
 * ecosystem, with a did-you-mean), single-line header values, URLs and `Name <email>` authors.
 *
 * Every string here comes from a manifest and is hostile until checked: a line break in a
 * header value would add a field to `METADATA` or `MANIFEST.MF`, so it is refused, never folded.
 *
 * @module
 */

import { MochiError } from "../errors.ts";
import { closestName } from "../edit_distance.ts";
import type { Ecosystem } from "./types.ts";

/** The longest single metadata value accepted (a summary, an author, a URL). */
export const MAX_FIELD_CHARS = 2048;

/**
 * Refuses extra keys outside `known` (FANOUT_E008 with the nearest known key).
 *
 * @param eco the ecosystem, for the message
 * @param extra the target table's extra keys
 * @param known the keys this packer reads
 */
export function checkExtraKeys(
  eco: Ecosystem,
  extra: Readonly<Record<string, unknown>>,
  known: readonly string[],
): void {
  for (const key of Object.keys(extra)) {
    if (known.includes(key)) continue;
    const near = known.length === 0 ? "" : closestName(key, known);
    throw new MochiError(
      "FANOUT_E008",
      `the ${eco} target does not know the key ${JSON.stringify(key)}`,
      {
        hint: known.length === 0
          ? `the ${eco} packer reads no extra keys; remove it`
          : `did you mean ${JSON.stringify(near)}? known keys: ${known.join(", ")}`,
      },
    );
  }
}

/**
 * A string extra value, or undefined when absent.
 *
 * @throws {MochiError} FANOUT_E008 when present and not a one-line string
 */
export function extraString(
  eco: Ecosystem,
  extra: Readonly<Record<string, unknown>>,
  key: string,
): string | undefined {
  const v = extra[key];
  if (v === undefined) return undefined;
  if (typeof v !== "string") {
    throw new MochiError("FANOUT_E008", `${eco} key ${JSON.stringify(key)} must be a string`, {
      hint: `write ${key} = "…"`,
    });
  }
  return oneLine(eco, key, v);
}

/**
 * A list-of-strings extra value ([] when absent).
 *
 * @throws {MochiError} FANOUT_E008 when present and not an array of one-line strings
 */
export function extraStrings(
  eco: Ecosystem,
  extra: Readonly<Record<string, unknown>>,
  key: string,
): string[] {
  const v = extra[key];
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
    throw new MochiError(
      "FANOUT_E008",
      `${eco} key ${JSON.stringify(key)} must be an array of strings`,
      { hint: `write ${key} = ["…"]` },
    );
  }
  return (v as string[]).map((x) => oneLine(eco, key, x));
}

/**
 * A table of one-line strings (label → value), as a Map in the table's order ([] when absent).
 *
 * @throws {MochiError} FANOUT_E008 when present and not a table of strings
 */
export function extraTable(
  eco: Ecosystem,
  extra: Readonly<Record<string, unknown>>,
  key: string,
): Map<string, string> {
  const v = extra[key];
  const out = new Map<string, string>();
  if (v === undefined) return out;
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new MochiError("FANOUT_E008", `${eco} key ${JSON.stringify(key)} must be a table`, {
      hint: `write [targets.<t>.${key}] with label = "value" lines`,
    });
  }
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (typeof x !== "string") {
      throw new MochiError(
        "FANOUT_E008",
        `${eco} key ${JSON.stringify(`${key}.${k}`)} must be a string`,
      );
    }
    out.set(oneLine(eco, `${key} label`, k), oneLine(eco, `${key}.${k}`, x));
  }
  return out;
}

/**
 * Refuses a value with a control character (a line break would add a header) or one longer than
 * {@link MAX_FIELD_CHARS}.
 *
 * @returns the value
 * @throws {MochiError} FANOUT_E008 naming the field
 */
export function oneLine(eco: Ecosystem, field: string, value: string): string {
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(value)) {
    throw new MochiError(
      "FANOUT_E008",
      `${eco} ${field} ${JSON.stringify(value.slice(0, 80))} has a line break or control character`,
      { hint: "write it on one line, without control characters" },
    );
  }
  if (value.length > MAX_FIELD_CHARS) {
    throw new MochiError(
      "FANOUT_E008",
      `${eco} ${field} is longer than ${MAX_FIELD_CHARS} characters (${value.length})`,
      { hint: "shorten it" },
    );
  }
  return value;
}

/**
 * Refuses a URL that is not absolute `http:` or `https:`.
 *
 * @returns the URL as written
 * @throws {MochiError} FANOUT_E008 naming the field
 */
export function httpUrl(eco: Ecosystem, field: string, value: string): string {
  oneLine(eco, field, value);
  let ok = false;
  try {
    const u = new URL(value);
    ok = (u.protocol === "https:" || u.protocol === "http:") && !/\s/.test(value);
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new MochiError(
      "FANOUT_E008",
      `${eco} ${field} ${JSON.stringify(value.slice(0, 200))} is not an http(s) URL`,
      { hint: "write an absolute https:// URL" },
    );
  }
  return value;
}

/** An author taken apart: `Name <email>` → name and email; a bare `Name` has no email. */
export interface Person {
  /** The name, "" when only an address was given. */
  name: string;
  /** The address, when given. */
  email?: string;
}

/**
 * Takes `Name <email>`, `<email>` or `Name` apart.
 *
 * @throws {MochiError} FANOUT_E008 for a control character, a stray `<`/`>` or an address that
 *   is not `local@domain`
 */
export function parsePerson(eco: Ecosystem, text: string): Person {
  oneLine(eco, "author", text);
  const m = /^(.*?)\s*<([^<>]*)>$/.exec(text.trim());
  let name = (m ? m[1]! : text).trim();
  // `"Last, First" <email>`: the quotes belong to the address syntax, not to the name.
  if (name.length >= 2 && name.startsWith('"') && name.endsWith('"')) {
    name = name.slice(1, -1).replace(/\\(["\\])/g, "$1");
  }
  const email = m ? m[2]!.trim() : undefined;
  if (/[<>]/.test(name) || (email !== undefined && !/^[^\s@",<>]+@[^\s@",<>]+$/.test(email))) {
    throw new MochiError(
      "FANOUT_E008",
      `${eco} author ${JSON.stringify(text.slice(0, 200))} is not "Name <email>"`,
      { hint: 'write authors as "Name <user@example.org>" or "Name"' },
    );
  }
  return email === undefined ? { name } : { name, email };
}
