/**
 * Core metadata (the `METADATA` file of a wheel, served alone by PEP 658/714): the fields a
 * resolver needs — `Name`, `Version`, `Requires-Python`, `Requires-Dist`, `Provides-Extra` —
 * read with size and count caps.
 *
 * Follows the Core metadata specification (PyPA, "Core metadata specifications": an RFC 822
 * style header block; multiple-use fields repeat; continuation lines start with whitespace; the
 * body after the first empty line is the description) as `packaging.metadata` reads it.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { decodeUtf8Strict } from "../manifest/utf8.ts";
import { normalizePythonName } from "./names.ts";
import { parsePythonRequirement, type PythonRequirement } from "./pep508.ts";

/** Largest core-metadata file read, in decoded bytes (descriptions can be long). */
export const MAX_METADATA_BYTES = 16 * 1024 * 1024;
/** Most header lines read from one metadata file. */
export const MAX_METADATA_FIELDS = 20_000;
/** Most `Requires-Dist` entries accepted from one metadata file. */
export const MAX_REQUIRES_DIST = 5_000;

/** What a resolver reads from one distribution's core metadata. */
export interface CoreMetadata {
  /** `Metadata-Version`, e.g. `2.1`. */
  readonly metadataVersion: string;
  /** `Name`, PEP 503 normalised. */
  readonly name: string;
  /** `Version` as written. */
  readonly version: string;
  /** `Requires-Python` as written, "" when absent. */
  readonly requiresPython: string;
  /** Every `Requires-Dist`, parsed. */
  readonly requiresDist: readonly PythonRequirement[];
  /** Every `Provides-Extra`, PEP 685 normalised. */
  readonly providesExtra: readonly string[];
}

/**
 * Reads a core-metadata file.
 *
 * @param bytes the file's bytes (at most {@link MAX_METADATA_BYTES})
 * @param where the URL or file named in errors
 * @returns the fields a resolver needs
 * @throws {MochiError} `PY_E004` when the file is larger than the cap, not UTF-8, has more than
 *   {@link MAX_METADATA_FIELDS} header lines or {@link MAX_REQUIRES_DIST} requirements, lacks
 *   `Name` or `Version`, or has a `Requires-Dist` that is not PEP 508
 *
 * @example
 * ```ts
 * import { parseCoreMetadata } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * const m = parseCoreMetadata(
 *   new TextEncoder().encode(
 *     "Metadata-Version: 2.1\nName: Demo\nVersion: 1.0\nRequires-Dist: idna>=3; extra == 'x'\n\nbody",
 *   ),
 *   "demo",
 * );
 * assert.equal(m.requiresDist[0]?.normalizedName, "idna");
 * ```
 */
export function parseCoreMetadata(bytes: Uint8Array, where: string): CoreMetadata {
  const fail = (what: string) =>
    new MochiError("PY_E004", `core metadata of ${where} ${what}`, {
      hint: "the index serves a broken METADATA file; report it to the project or the index",
    });
  if (bytes.length > MAX_METADATA_BYTES) {
    throw fail(`is larger than ${MAX_METADATA_BYTES} bytes (${bytes.length})`);
  }
  const text = decodeUtf8Strict(bytes, where, "PY_E004", "the METADATA file must be UTF-8");
  const fields: [string, string][] = [];
  let count = 0;
  for (const line of text.replace(/^\uFEFF/, "").split(/\r?\n/)) {
    if (line === "") break; // the description body follows
    if (++count > MAX_METADATA_FIELDS) throw fail(`has more than ${MAX_METADATA_FIELDS} lines`);
    if (/^[ \t]/.test(line)) {
      const last = fields.at(-1);
      if (last !== undefined) last[1] += "\n" + line.trim();
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue; // packaging ignores what is not a header
    fields.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  const one = (key: string): string | undefined => fields.find(([k]) => k === key)?.[1];
  const name = one("name");
  const version = one("version");
  if (name === undefined || name === "") throw fail("has no Name");
  if (version === undefined || version === "") throw fail("has no Version");
  const requiresDist: PythonRequirement[] = [];
  const providesExtra: string[] = [];
  for (const [k, v] of fields) {
    if (k === "requires-dist") {
      if (requiresDist.length >= MAX_REQUIRES_DIST) {
        throw fail(`has more than ${MAX_REQUIRES_DIST} Requires-Dist`);
      }
      try {
        requiresDist.push(parsePythonRequirement(v));
      } catch (e) {
        throw new MochiError("PY_E004", `core metadata of ${where}: ${(e as Error).message}`, {
          hint: "the distribution declares a requirement that is not PEP 508; pin another " +
            "version of it",
          cause: e,
        });
      }
    } else if (k === "provides-extra") {
      const e = normalizePythonName(v);
      if (!providesExtra.includes(e)) providesExtra.push(e);
    }
  }
  return {
    metadataVersion: one("metadata-version") ?? "",
    name: normalizePythonName(name),
    version,
    requiresPython: one("requires-python") ?? "",
    requiresDist,
    providesExtra,
  };
}
