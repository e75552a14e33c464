/**
 * The Python index client: PEP 691 JSON project pages (ETag-revalidated cache, retries with
 * backoff, caps in decoded bytes, deadlines) and PEP 658/714 core-metadata files, whose SHA-256
 * is checked against the page before they are used or cached.
 *
 * Follows PEP 691 (content negotiation with `Accept: application/vnd.pypi.simple.v1+json`),
 * PEP 658/714 (`<file url>.metadata`) and PEP 592 (yanked files stay listed); the cache and retry
 * policy is the registry client's ({@link openSparseFiles}), as pip and uv cache simple pages by
 * their HTTP validators. Core-metadata files are immutable given their hash, so they are cached
 * by it under `<cacheDir>/pep658/` and re-checked on every read.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { MochiError } from "../../errors.ts";
import { type CoreMetadata, MAX_METADATA_BYTES, parseCoreMetadata } from "../metadata.ts";
import { normalizePythonName } from "../names.ts";
import {
  parseProjectPage,
  PEP691_JSON,
  type PythonFile,
  type PythonProjectPage,
} from "../index_page.ts";
import {
  openSparseFiles,
  type RegistryClientOptions,
  type RegistryClientStats,
} from "../../registry/client/index_client.ts";
import { readAtMost } from "../../registry/client/_bounded_read.ts";

/** Options of {@link openPythonIndex}: the registry client's (cache, offline, retries, caps). */
export interface PythonIndexOptions extends RegistryClientOptions {
  /** Cap on one core-metadata file in decoded bytes; default {@link MAX_METADATA_BYTES}. */
  maxMetadataBytes?: number;
}

/** A Python package index opened by {@link openPythonIndex}. */
export interface PythonIndexClient {
  /** The simple index root, with a trailing slash. */
  readonly url: string;
  /** Live request counters (pages and metadata files). */
  readonly stats: RegistryClientStats;
  /**
   * A project's page, or null when the index does not have it (404/410/451). Fetched once per
   * client; revalidated by ETag against the on-disk cache.
   *
   * @param name a project name (normalised before the request)
   * @throws {MochiError} `PY_E005` malformed page; `INDEX_E004`/`INDEX_E005` unreachable;
   *   `INDEX_E006` offline and not cached; `INDEX_E010` larger than the cap
   */
  project(name: string): Promise<PythonProjectPage | null>;
  /**
   * The core metadata of one file (PEP 658), its SHA-256 checked against the page's
   * `core-metadata` hash when the page gave one.
   *
   * @param file a file of a page whose `coreMetadata` is not false
   * @throws {MochiError} `PY_E006` when the index has no metadata file for it; `PY_E007` when the
   *   bytes do not match the page's hash (exit 4); `PY_E004` malformed or over the cap
   */
  metadata(file: PythonFile): Promise<CoreMetadata>;
  /** Waits for cache writes still in flight. */
  flush(): Promise<void>;
}

/**
 * Where the Python index is: `[registry] pypi`, else `MOCHI_PYPI_INDEX`; always with a trailing
 * slash. mochi names no public index itself: the project or the environment says which one.
 *
 * @param fromManifest the manifest's `[registry] pypi`
 * @param fromEnv the environment variable's value
 * @returns the simple index root URL
 * @throws {MochiError} `PY_E008` when neither names an index
 *
 * @example
 * ```ts
 * import { pythonIndexUrl } from "@mochi/pkg/registry";
 * import assert from "node:assert/strict";
 * assert.equal(pythonIndexUrl(undefined, "http://127.0.0.1:9/simple"), "http://127.0.0.1:9/simple/");
 * ```
 */
export function pythonIndexUrl(
  fromManifest: string | undefined,
  fromEnv: string | undefined,
): string {
  const raw = fromManifest ?? (fromEnv && fromEnv.length > 0 ? fromEnv : undefined);
  if (raw === undefined) {
    throw new MochiError("PY_E008", "no Python package index is configured", {
      hint: 'set [registry] pypi = "https://…/simple/" in mochi.toml or MOCHI_PYPI_INDEX',
    });
  }
  return raw.endsWith("/") ? raw : `${raw}/`;
}

/**
 * Opens a PEP 691 index. Nothing is fetched until a method is called.
 *
 * @param url the simple index root (`http(s)://…/simple/`)
 * @param options cache directory (`$MOCHI_HOME/index`), offline, injected fetch, retries, caps
 * @returns the client
 * @throws {MochiError} `INDEX_E009` when the URL is not http(s) or file
 *
 * @example
 * ```ts ignore
 * const index = openPythonIndex("http://127.0.0.1:8080/simple/", { cacheDir: "/tmp/mochi/index" });
 * const page = await index.project("requests");
 * ```
 */
export function openPythonIndex(url: string, options: PythonIndexOptions): PythonIndexClient {
  const files = openSparseFiles(url, { ...options, accept: PEP691_JSON });
  const memo = new Map<string, Promise<PythonProjectPage | null>>();
  const metaMemo = new Map<string, Promise<CoreMetadata>>();
  const metaDir = join(options.cacheDir, "pep658");
  const cap = options.maxMetadataBytes ?? MAX_METADATA_BYTES;
  let madeDir: Promise<void> | undefined;

  const fetchMetadata = async (file: PythonFile): Promise<CoreMetadata> => {
    if (file.coreMetadata === false) {
      throw new MochiError(
        "PY_E006",
        `the index offers no core metadata (PEP 658) for ${file.filename}`,
        {
          hint: "mochi resolves from PEP 658 metadata files; use an index that serves them " +
            "(PyPI does) or pin another version",
        },
      );
    }
    const want = file.coreMetadata.sha256;
    const key = want !== "" ? want : file.sha256 !== "" ? `dist-${file.sha256}` : undefined;
    const cacheFile = key === undefined ? undefined : join(metaDir, `${key}.metadata`);
    if (cacheFile !== undefined) {
      try {
        const cached = await Deno.readFile(cacheFile);
        if (want === "" || sha256Hex(cached) === want) {
          files.stats.cacheHits++;
          return parseCoreMetadata(cached, `${file.url}.metadata`);
        }
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
    }
    if (options.offline) {
      throw new MochiError(
        "INDEX_E006",
        `${file.url}.metadata is not in the cache and --offline forbids fetching it`,
        { hint: "run once without --offline (or --frozen) to fill the cache" },
      );
    }
    let body: Uint8Array;
    try {
      const stream = await files.download(`${file.url}.metadata`);
      body = await readAtMost(stream, {
        bytes: cap,
        error: (n) =>
          new MochiError(
            "PY_E004",
            `core metadata of ${file.url}.metadata is larger than ${cap} bytes (${n} so far)`,
            { hint: "the index serves an oversized METADATA file; report it to the index" },
          ),
      });
    } catch (e) {
      if (e instanceof MochiError && e.code === "BLOB_E002") {
        throw new MochiError(
          "PY_E006",
          `the index has no core metadata file for ${file.filename}: ${e.message}`,
          { hint: e.hint ?? "retry later", cause: e },
        );
      }
      throw e;
    }
    if (want !== "") {
      const got = sha256Hex(body);
      if (got !== want) {
        throw new MochiError(
          "PY_E007",
          `core metadata of ${file.filename} has SHA-256 ${got}, the index page says ${want}`,
          {
            hint: "the index or a proxy altered the file; nothing was used — retry, and report " +
              "it to the index operator if it stays",
          },
        );
      }
    }
    const parsed = parseCoreMetadata(body, `${file.url}.metadata`);
    if (cacheFile !== undefined) {
      try {
        madeDir ??= Deno.mkdir(metaDir, { recursive: true });
        await madeDir;
        const tmp = `${cacheFile}.${crypto.randomUUID()}.tmp`;
        await Deno.writeFile(tmp, body);
        await Deno.rename(tmp, cacheFile);
      } catch {
        files.stats.cacheWriteErrors++;
      }
    }
    return parsed;
  };

  return {
    url: files.url,
    stats: files.stats,
    flush: () => files.flush(),
    project(name: string): Promise<PythonProjectPage | null> {
      const n = normalizePythonName(name);
      let p = memo.get(n);
      if (p === undefined) {
        const path = `${encodeURIComponent(n)}/`;
        p = files.read(path, (b) => parseProjectPage(b, files.url + path));
        p = p.catch((e) => {
          memo.delete(n);
          throw e;
        });
        memo.set(n, p);
      }
      return p;
    },
    metadata(file: PythonFile): Promise<CoreMetadata> {
      let p = metaMemo.get(file.url);
      if (p === undefined) {
        p = fetchMetadata(file).catch((e) => {
          metaMemo.delete(file.url);
          throw e;
        });
        metaMemo.set(file.url, p);
      }
      return p;
    },
  };
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
