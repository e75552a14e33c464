/**
 * Index records: one JSONL line per published version, in the short-key wire form of
 * cargo's index format (the cargo book, "Registry Index", "JSON schema").
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { tryParseVersion } from "../semver/mod.ts";
import { capabilityProblem } from "../capability/model.ts";
import { LIMITS } from "../limits.ts";

/** Provenance of a version: `pr` on the wire. `sig` is the Sigstore bundle URL. */
export interface IndexProvenance {
  /** URL of the Sigstore bundle (`<dl>/<blake3-hex>.sigstore` by convention). */
  readonly sig: string;
  /** Any other keys, kept for round trips and ignored. */
  readonly [key: string]: unknown;
}

/**
 * One published version of a package, as read from one index line.
 *
 * Wire keys in brackets. Digests are lowercase hex, 64 characters.
 */
export interface IndexRecord {
  /** The version, SemVer 2.0.0 text exactly as written (`v`, required). */
  readonly version: string;
  /** BLAKE3-256 of the blob, lowercase hex (`b3`, required); the blob's address. */
  readonly blake3: string;
  /** SHA-256 of the blob, lowercase hex (`s2`, required). */
  readonly sha256: string;
  /** Dependencies: package name → cargo requirement string (`d`, default `{}`). */
  readonly dependencies: Readonly<Record<string, string>>;
  /** Whether the version is yanked (`y`, default `false`). */
  readonly yanked: boolean;
  /** Why it was yanked (`yr`). */
  readonly yankReason?: string;
  /** Capabilities the version requires (`c`, default `[]`). */
  readonly capabilities: readonly string[];
  /** Targets the version supports (`t`); absent = not declared. */
  readonly targets?: readonly string[];
  /** The Mochi compiler range it needs (`mp`). */
  readonly mochi?: string;
  /** Edition (`ed`), e.g. `"2026"`. */
  readonly edition?: string;
  /** SPDX license expression (`lk`). */
  readonly license?: string;
  /** Release time, RFC 3339 (`r`). */
  readonly releasedAt?: string;
  /** Provenance (`pr`). */
  readonly provenance?: IndexProvenance;
  /** Keys this version of mochi does not know, kept verbatim for round trips and ignored. */
  readonly extra: Readonly<Record<string, unknown>>;
}

/** Longest index line, in UTF-8 bytes (1 MB: a line is read whole, so it must stay bounded). */
export const MAX_INDEX_LINE_BYTES: number = LIMITS.indexLineBytes;

const HEX64 = /^[0-9a-f]{64}$/;
const KNOWN_KEYS = new Set([
  "v",
  "b3",
  "s2",
  "d",
  "y",
  "yr",
  "c",
  "t",
  "mp",
  "ed",
  "lk",
  "r",
  "pr",
]);

/**
 * Parses an index file body (JSONL, one {@link IndexRecord} per non-blank line).
 *
 * Blank lines and a trailing newline are allowed; CRLF is accepted. Unknown keys land in
 * {@link IndexRecord.extra}. Records come back in file order.
 *
 * @param name the package the file belongs to (used in error messages only)
 * @param text the whole file body
 * @param source optional path or URL of the file, attached to errors as `file`
 * @returns the records, in file order
 * @throws {MochiError} `INDEX_E001` naming the package, the 1-based line number and what is
 *   wrong: not JSON, not an object, over {@link MAX_INDEX_LINE_BYTES}, a missing or mistyped
 *   key (`v` not SemVer, `b3`/`s2` not 64 lowercase hex, a `c` entry that is not a capability
 *   with a scope in its grammar, …), or a version listed twice
 *   (ignoring build metadata)
 *
 * @example
 * ```ts
 * import { parseIndexFile } from "@mochi/pkg/registry";
 * import assert from "node:assert/strict";
 *
 * const h = "0".repeat(64);
 * const [r] = parseIndexFile("datalog", `{"v":"1.0.0","b3":"${h}","s2":"${h}"}\n`);
 * assert.equal(r?.version, "1.0.0");
 * assert.equal(r?.yanked, false);
 * ```
 */
export function parseIndexFile(name: string, text: string, source?: string): IndexRecord[] {
  const records: IndexRecord[] = [];
  const seen = new Map<string, number>();
  let start = 0;
  let lineNo = 0;
  while (start <= text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    lineNo++;
    let line = text.slice(start, end);
    start = end + 1;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.trim().length === 0) continue;
    const fail = (what: string): never => {
      throw new MochiError(
        "INDEX_E001",
        `index file of "${name}" line ${lineNo}: ${what}`,
        {
          hint: "the registry serves a malformed index file; report it to the registry " +
            "operator (or fix the file if you run the registry)",
          file: source,
          line: lineNo,
        },
      );
    };
    if (line.length * 3 > MAX_INDEX_LINE_BYTES) {
      const bytes = new TextEncoder().encode(line).length;
      if (bytes > MAX_INDEX_LINE_BYTES) {
        fail(`line is ${bytes} bytes; the limit is ${MAX_INDEX_LINE_BYTES}`);
      }
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      fail(`not valid JSON (${(e as Error).message})`);
    }
    const record = recordFromJson(value, fail);
    const key = record.version.split("+", 1)[0]!;
    const previous = seen.get(key);
    if (previous !== undefined) {
      fail(`version ${record.version} is already listed on line ${previous}`);
    }
    seen.set(key!, lineNo);
    records.push(record);
  }
  return records;
}

function recordFromJson(value: unknown, fail: (what: string) => never): IndexRecord {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail(`expected a JSON object, found ${describe(value)}`);
  }
  const o = value as Record<string, unknown>;
  const str = (key: string, required: boolean): string | undefined => {
    const v = o[key];
    if (v === undefined) {
      if (required) fail(`missing required key "${key}"`);
      return undefined;
    }
    if (typeof v !== "string") fail(`key "${key}" must be a string, found ${describe(v)}`);
    return v as string;
  };
  const strArray = (key: string): string[] | undefined => {
    const v = o[key];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
      fail(`key "${key}" must be an array of strings, found ${describe(v)}`);
    }
    return v as string[];
  };

  const version = str("v", true)!;
  if (tryParseVersion(version) === undefined) {
    fail(`key "v" is not a SemVer 2.0.0 version: "${version}"`);
  }
  const blake3 = str("b3", true)!;
  if (!HEX64.test(blake3)) fail(`key "b3" must be 64 lowercase hex digits, found "${blake3}"`);
  const sha256 = str("s2", true)!;
  if (!HEX64.test(sha256)) fail(`key "s2" must be 64 lowercase hex digits, found "${sha256}"`);

  let dependencies: Record<string, string> = {};
  if (o.d !== undefined) {
    const d = o.d;
    if (typeof d !== "object" || d === null || Array.isArray(d)) {
      fail(`key "d" must be an object of name → requirement, found ${describe(d)}`);
    }
    const entries = Object.entries(d as Record<string, unknown>);
    for (const [dep, req] of entries) {
      if (typeof req !== "string") {
        fail(`dependency "${dep}" in "d" must have a requirement string, found ${describe(req)}`);
      }
    }
    dependencies = Object.fromEntries(entries) as Record<string, string>;
  }
  let yanked = false;
  if (o.y !== undefined) {
    if (typeof o.y !== "boolean") fail(`key "y" must be true or false, found ${describe(o.y)}`);
    yanked = o.y as boolean;
  }
  let provenance: IndexProvenance | undefined;
  if (o.pr !== undefined) {
    const pr = o.pr as Record<string, unknown>;
    if (typeof pr !== "object" || pr === null || Array.isArray(pr) || typeof pr.sig !== "string") {
      fail(`key "pr" must be an object with a "sig" URL string, found ${describe(o.pr)}`);
    }
    provenance = pr as IndexProvenance;
  }

  const capabilities = strArray("c") ?? [];
  for (const entry of capabilities) {
    const problem = capabilityProblem(entry);
    if (problem !== undefined) fail(`key "c": ${problem.reason}`);
  }

  const record: {
    -readonly [K in keyof IndexRecord]: IndexRecord[K];
  } = {
    version,
    blake3,
    sha256,
    dependencies,
    yanked,
    capabilities,
    extra: {},
  };
  const yr = str("yr", false);
  if (yr !== undefined) record.yankReason = yr;
  const t = strArray("t");
  if (t !== undefined) record.targets = t;
  const mp = str("mp", false);
  if (mp !== undefined) record.mochi = mp;
  const ed = str("ed", false);
  if (ed !== undefined) record.edition = ed;
  const lk = str("lk", false);
  if (lk !== undefined) record.license = lk;
  const r = str("r", false);
  if (r !== undefined) record.releasedAt = r;
  if (provenance !== undefined) record.provenance = provenance;

  const extra: [string, unknown][] = [];
  for (const key of Object.keys(o)) if (!KNOWN_KEYS.has(key)) extra.push([key, o[key]]);
  if (extra.length > 0) record.extra = Object.fromEntries(extra);
  return record;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return `the string ${JSON.stringify(v.slice(0, 80))}`;
  if (typeof v === "object") return "an object";
  return `${typeof v} ${String(v)}`;
}

/**
 * Formats one record as one index line (no trailing newline), in a stable key order:
 * `v b3 s2 d y yr c t mp ed lk r pr`, then unknown keys sorted by code unit. Defaults are
 * omitted (`d` when empty, `y` when false, `c` when empty); dependency names are sorted.
 * {@link parseIndexFile} reads the line back to an equal record.
 *
 * @param rec the record
 * @returns one line of JSON, without `\n`
 *
 * @example
 * ```ts
 * import { formatIndexRecord } from "@mochi/pkg/registry";
 * import assert from "node:assert/strict";
 *
 * const h = "0".repeat(64);
 * const line = formatIndexRecord({
 *   version: "1.0.0", blake3: h, sha256: h, dependencies: {}, yanked: false,
 *   capabilities: [], extra: {},
 * });
 * assert.equal(line, `{"v":"1.0.0","b3":"${h}","s2":"${h}"}`);
 * ```
 */
export function formatIndexRecord(rec: IndexRecord): string {
  const entries: [string, unknown][] = [["v", rec.version], ["b3", rec.blake3], [
    "s2",
    rec.sha256,
  ]];
  const deps = Object.keys(rec.dependencies);
  if (deps.length > 0) {
    deps.sort();
    entries.push(["d", Object.fromEntries(deps.map((k) => [k, rec.dependencies[k]]))]);
  }
  if (rec.yanked) entries.push(["y", true]);
  if (rec.yankReason !== undefined) entries.push(["yr", rec.yankReason]);
  if (rec.capabilities.length > 0) entries.push(["c", rec.capabilities]);
  if (rec.targets !== undefined) entries.push(["t", rec.targets]);
  if (rec.mochi !== undefined) entries.push(["mp", rec.mochi]);
  if (rec.edition !== undefined) entries.push(["ed", rec.edition]);
  if (rec.license !== undefined) entries.push(["lk", rec.license]);
  if (rec.releasedAt !== undefined) entries.push(["r", rec.releasedAt]);
  if (rec.provenance !== undefined) entries.push(["pr", rec.provenance]);
  const extra = Object.keys(rec.extra).filter((k) => !KNOWN_KEYS.has(k)).sort();
  for (const key of extra) entries.push([key, rec.extra[key]]);
  return JSON.stringify(Object.fromEntries(entries));
}
