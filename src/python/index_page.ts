/**
 * PEP 691 JSON project pages (`application/vnd.pypi.simple.v1+json`): each file of a project with
 * its URL, SHA-256, `requires-python`, PEP 592 yank status and PEP 658/714 core-metadata
 * availability, validated as hostile input.
 *
 * Follows PEP 691 ("JSON-based Simple API for Python Package Indexes": `meta.api-version` major
 * 1, `name`, `files[]` with `filename`, `url` relative to the page, `hashes`, `requires-python`,
 * `yanked`), PEP 714 (`core-metadata`, falling back to the older `dist-info-metadata`) and
 * PEP 700 (`versions`, `size`), as pip's `Link.from_json` and uv's `SimpleJson` read them.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { decodeUtf8Strict } from "../manifest/utf8.ts";
import { normalizePythonName } from "./names.ts";

/** The PEP 691 JSON media type (version 1). */
export const PEP691_JSON = "application/vnd.pypi.simple.v1+json";
/** Most files accepted on one project page. */
export const MAX_PAGE_FILES = 200_000;

/** One file of a project page. */
export interface PythonFile {
  /** The file name (a wheel or an sdist), with no `/`. */
  readonly filename: string;
  /** Absolute URL, resolved against the page. */
  readonly url: string;
  /** Lowercase hex SHA-256 of the file, or "" when the index gave none. */
  readonly sha256: string;
  /** `requires-python` as written, "" when absent. */
  readonly requiresPython: string;
  /** PEP 592: false, or the yank reason ("" when none was given). */
  readonly yanked: false | string;
  /** Size in bytes, when given (PEP 700). */
  readonly sizeBytes?: number;
  /**
   * PEP 658/714: whether `<url>.metadata` holds the core metadata, and its SHA-256 when the
   * index gave one ("" when it gave `true`).
   */
  readonly coreMetadata: false | { readonly sha256: string };
}

/** A project page. */
export interface PythonProjectPage {
  /** The project name, PEP 503 normalised. */
  readonly name: string;
  /** Its files, in the page's order. */
  readonly files: readonly PythonFile[];
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Reads a PEP 691 JSON project page.
 *
 * @param bytes the body (already capped by the caller)
 * @param pageUrl the page's URL; file URLs resolve against it and must stay http(s) (https when
 *   the page is https)
 * @returns the page
 * @throws {MochiError} `PY_E005` when the body is not UTF-8 JSON of API version 1.x, a file entry
 *   is malformed (filename with a path, bad URL or scheme, a SHA-256 that is not 64 hex digits),
 *   or the page has more than {@link MAX_PAGE_FILES} files
 *
 * @example
 * ```ts
 * import { parseProjectPage } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * const body = JSON.stringify({
 *   meta: { "api-version": "1.1" },
 *   name: "idna",
 *   files: [{
 *     filename: "idna-3.7-py3-none-any.whl",
 *     url: "../../files/idna-3.7-py3-none-any.whl",
 *     hashes: { sha256: "a".repeat(64) },
 *     "core-metadata": true,
 *   }],
 * });
 * const page = parseProjectPage(new TextEncoder().encode(body), "http://127.0.0.1:1/simple/idna/");
 * assert.equal(page.files[0]?.url, "http://127.0.0.1:1/files/idna-3.7-py3-none-any.whl");
 * ```
 */
export function parseProjectPage(bytes: Uint8Array, pageUrl: string): PythonProjectPage {
  const fail = (what: string) =>
    new MochiError("PY_E005", `the Python index page ${pageUrl} ${what}`, {
      hint: "mochi reads the PEP 691 JSON simple API; check the index URL ([registry] pypi or " +
        "MOCHI_PYPI_INDEX) and that the index serves application/vnd.pypi.simple.v1+json",
    });
  const text = decodeUtf8Strict(bytes, pageUrl, "PY_E005", "the index page must be UTF-8 JSON");
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw fail(
      /^\s*</.test(text) ? "is HTML, not PEP 691 JSON" : "is not valid JSON",
    );
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw fail("is not an object");
  const d = doc as Record<string, unknown>;
  const meta = d["meta"];
  const api = typeof meta === "object" && meta !== null
    ? (meta as Record<string, unknown>)["api-version"]
    : undefined;
  if (typeof api !== "string" || !/^1\.\d+$/.test(api)) {
    throw fail(`has API version ${JSON.stringify(api)}; mochi reads version 1.x`);
  }
  if (typeof d["name"] !== "string" || d["name"].length > 200) throw fail("has no valid name");
  const files = d["files"];
  if (!Array.isArray(files)) throw fail("has no files list");
  if (files.length > MAX_PAGE_FILES) throw fail(`lists more than ${MAX_PAGE_FILES} files`);
  const base = new URL(pageUrl);
  const out: PythonFile[] = [];
  for (const [i, raw] of files.entries()) {
    const where = `file ${i + 1}`;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw fail(`${where} is not an object`);
    }
    const f = raw as Record<string, unknown>;
    const filename = f["filename"];
    if (
      typeof filename !== "string" || filename === "" || filename.length > 1000 ||
      /[\/\\]/.test(filename) || hasControl(filename) || filename === "." || filename === ".."
    ) {
      throw fail(`${where} has an invalid filename ${JSON.stringify(filename)}`);
    }
    const rawUrl = f["url"];
    if (typeof rawUrl !== "string" || rawUrl.length > 8192) throw fail(`${filename} has no url`);
    let url: URL;
    try {
      url = new URL(rawUrl, base);
    } catch {
      throw fail(`${filename} has an invalid url ${JSON.stringify(rawUrl)}`);
    }
    if (
      (url.protocol !== "http:" && url.protocol !== "https:") ||
      (base.protocol === "https:" && url.protocol !== "https:")
    ) {
      throw fail(`${filename} has a url with scheme ${url.protocol} (http(s) only, no downgrade)`);
    }
    url.hash = "";
    const hashes = f["hashes"];
    let sha256 = "";
    if (typeof hashes === "object" && hashes !== null && !Array.isArray(hashes)) {
      const h = (hashes as Record<string, unknown>)["sha256"];
      if (h !== undefined) {
        if (typeof h !== "string" || !HEX64.test(h.toLowerCase())) {
          throw fail(`${filename} has an invalid sha256 ${JSON.stringify(h)}`);
        }
        sha256 = h.toLowerCase();
      }
    } else if (hashes !== undefined) throw fail(`${filename} has invalid hashes`);
    const rp = f["requires-python"];
    if (rp !== undefined && rp !== null && (typeof rp !== "string" || rp.length > 1000)) {
      throw fail(`${filename} has an invalid requires-python`);
    }
    const y = f["yanked"];
    const yanked: false | string = y === true
      ? ""
      : typeof y === "string"
      ? y.slice(0, 1000)
      : false;
    const cmRaw = f["core-metadata"] !== undefined ? f["core-metadata"] : f["dist-info-metadata"];
    let coreMetadata: PythonFile["coreMetadata"] = false;
    if (cmRaw === true) coreMetadata = { sha256: "" };
    else if (typeof cmRaw === "object" && cmRaw !== null && !Array.isArray(cmRaw)) {
      const h = (cmRaw as Record<string, unknown>)["sha256"];
      if (typeof h === "string" && HEX64.test(h.toLowerCase())) {
        coreMetadata = { sha256: h.toLowerCase() };
      } else if (h !== undefined) {
        throw fail(`${filename} has an invalid core-metadata sha256`);
      } else coreMetadata = { sha256: "" };
    }
    const size = f["size"];
    out.push({
      filename,
      url: url.href,
      sha256,
      requiresPython: typeof rp === "string" ? rp : "",
      yanked,
      ...(typeof size === "number" && Number.isSafeInteger(size) && size >= 0
        ? { sizeBytes: size }
        : {}),
      coreMetadata,
    });
  }
  return { name: normalizePythonName(d["name"]), files: out };
}

function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}
