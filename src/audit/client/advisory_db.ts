/**
 * Reads an OSV advisory database for `mochi audit`: a directory of OSV JSON files (walked
 * recursively, symbolic links not followed, in path order), or an `http(s)` URL answering with a
 * JSON array of OSV records (or one record, or `{"vulns": [...]}` as OSV's query API answers).
 * Every read has a cap in decoded bytes and a deadline; every record is checked by `readOsv`.
 *
 * @module
 */
import { MochiError, quoteValue } from "../../errors.ts";
import { readAtMost } from "../../registry/client/_bounded_read.ts";
import { type OsvRecord, readOsv } from "../osv.ts";

/** Caps of {@link loadAdvisories}. */
export interface AdvisoryDbOptions {
  /** Largest advisory file, in bytes (default 4 MiB). */
  fileMaxBytes?: number;
  /** Most bytes read in all (files or the URL's body, decoded; default 256 MiB). */
  totalMaxBytes?: number;
  /** Most files read from a directory (default 200,000). */
  maxFiles?: number;
  /** Deadline for a URL, in milliseconds (default 30,000). */
  timeoutMs?: number;
}

/** What was read. */
export interface AdvisoryDb {
  /** The records, in path order (directory) or body order (URL). */
  records: OsvRecord[];
  /** Where they came from (the directory or URL as given). */
  location: string;
}

function isUrl(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

async function readCapped(path: string, max: number): Promise<Uint8Array> {
  const file = await Deno.open(path, { read: true });
  // The stream closes the file when it ends or is cancelled.
  return await readAtMost(file.readable, {
    bytes: max,
    error: () =>
      new MochiError("AUDIT_E004", `advisory file ${path} is larger than ${max} bytes`, {
        hint: "an OSV record is a few kilobytes; remove that file from the database",
      }),
  });
}

function parseJson(bytes: Uint8Array, source: string): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw new MochiError("AUDIT_E001", `${source}: not UTF-8 JSON (${(e as Error).message})`, {
      hint: "fix or remove that advisory file (the OSV schema: ossf/osv-schema docs/schema.md)",
    });
  }
}

async function loadDirectory(dir: string, o: Required<AdvisoryDbOptions>): Promise<OsvRecord[]> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch (e) {
    throw new MochiError("AUDIT_E002", `advisory database ${quoteValue(dir)} cannot be read`, {
      hint: "point [audit] database or MOCHI_ADVISORY_DB at a directory of OSV JSON files",
      cause: e,
    });
  }
  if (!info.isDirectory) {
    throw new MochiError("AUDIT_E002", `advisory database ${quoteValue(dir)} is not a directory`, {
      hint: "point [audit] database or MOCHI_ADVISORY_DB at a directory of OSV JSON files",
    });
  }
  const files: string[] = [];
  const walk = async (d: string, depth: number) => {
    if (depth > 16) return;
    const entries: Deno.DirEntry[] = [];
    for await (const e of Deno.readDir(d)) entries.push(e);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      const path = `${d}/${e.name}`;
      if (e.isDirectory) await walk(path, depth + 1);
      else if (e.isFile && e.name.endsWith(".json")) {
        files.push(path);
        if (files.length > o.maxFiles) {
          throw new MochiError(
            "AUDIT_E004",
            `advisory database ${dir} has more than ${o.maxFiles} files`,
            {
              hint: "point it at the advisories of the ecosystems you use",
            },
          );
        }
      }
    }
  };
  await walk(dir.replace(/\/+$/, "") || "/", 0);
  const records: OsvRecord[] = [];
  let total = 0;
  for (const f of files) {
    const bytes = await readCapped(f, o.fileMaxBytes);
    total += bytes.length;
    if (total > o.totalMaxBytes) {
      throw new MochiError(
        "AUDIT_E004",
        `advisory database ${dir} is larger than ${o.totalMaxBytes} bytes`,
        {
          hint: "point it at the advisories of the ecosystems you use",
        },
      );
    }
    records.push(readOsv(parseJson(bytes, f), f));
  }
  return records;
}

async function loadUrl(url: string, o: Required<AdvisoryDbOptions>): Promise<OsvRecord[]> {
  const signal = AbortSignal.timeout(o.timeoutMs);
  let res: Response;
  try {
    res = await fetch(url, { signal, redirect: "error", headers: { accept: "application/json" } });
  } catch (e) {
    throw new MochiError("AUDIT_E003", `advisory database ${url} cannot be reached`, {
      hint: "check the URL and the network, or use a local directory of OSV files",
      cause: e,
    });
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new MochiError("AUDIT_E003", `advisory database ${url} answered HTTP ${res.status}`, {
      hint: "check the URL, or use a local directory of OSV files",
    });
  }
  let bytes: Uint8Array;
  try {
    bytes = await readAtMost(res.body, {
      bytes: o.totalMaxBytes,
      error: () =>
        new MochiError(
          "AUDIT_E004",
          `advisory database ${url} sent more than ${o.totalMaxBytes} bytes`,
          {
            hint: "serve the advisories of the ecosystems you use",
          },
        ),
    });
  } catch (e) {
    if (e instanceof MochiError) throw e;
    throw new MochiError(
      "AUDIT_E003",
      `advisory database ${url}: the answer broke off or timed out`,
      {
        hint: "try again; check the URL and the network",
        cause: e,
      },
    );
  }
  const body = parseJson(bytes, url);
  const list = Array.isArray(body) ? body : typeof body === "object" && body !== null &&
      Array.isArray((body as { vulns?: unknown }).vulns)
    ? (body as { vulns: unknown[] }).vulns
    : [body];
  return list.map((r, i) => readOsv(r, `${url} [${i}]`));
}

/**
 * Reads every advisory of a database.
 *
 * @param location a directory path (or `file://` URL) or an `http(s)://` URL
 * @param options caps and the deadline
 * @returns the records
 * @throws {MochiError} `AUDIT_E001` a record that is not valid OSV · `AUDIT_E002` the directory is
 *   missing or not a directory · `AUDIT_E003` the URL cannot be reached or answers an error (exit
 *   3) · `AUDIT_E004` over a cap
 */
export async function loadAdvisories(
  location: string,
  options: AdvisoryDbOptions = {},
): Promise<AdvisoryDb> {
  const o: Required<AdvisoryDbOptions> = {
    fileMaxBytes: options.fileMaxBytes ?? 4 * 1024 * 1024,
    totalMaxBytes: options.totalMaxBytes ?? 256 * 1024 * 1024,
    maxFiles: options.maxFiles ?? 200_000,
    timeoutMs: options.timeoutMs ?? 30_000,
  };
  if (isUrl(location)) return { records: await loadUrl(location, o), location };
  const dir = location.startsWith("file://") ? new URL(location).pathname : location;
  return { records: await loadDirectory(dir, o), location };
}
