/**
 * Registry client: reads `config.json`, index files and blobs from an http(s) registry (with an
 * ETag cache on disk and bounded retries) or from a directory (`file://…` or a plain path).
 *
 * Follows decisions.md §Registry and mep57-digest.md §6 (client: retry policy, cache layout);
 * the caching mirrors cargo's sparse protocol (research/protocols.md §1.4): one request per
 * file per client, `If-None-Match` revalidation, 404/410/451 = no such package.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { MochiError } from "../errors.ts";
import {
  indexPath,
  type IndexRecord,
  parseIndexFile,
  parseRegistryConfig,
  type RegistryConfig,
} from "../index/mod.ts";

/** Options of {@link openRegistry}. */
export interface RegistryClientOptions {
  /**
   * Directory of the index cache (`$MOCHI_HOME/index`). HTTP registries cache each file at
   * `<cacheDir>/<host>_<port>[-<hash of the base path>]/<index path>` with the validator in
   * `<file>.etag`. Unused for directory registries.
   */
  cacheDir: string;
  /**
   * Never touch the network: http(s) registries answer from the cache only (a miss is
   * `INDEX_E006`, a blob `BLOB_E007`). Directory registries are local and read as usual.
   * Default false.
   */
  offline?: boolean;
  /** The fetch to use (tests inject faults); default the global `fetch`. */
  fetch?: typeof fetch;
  /** Attempts per file, first try included; default 6 (mep57-digest.md §6). */
  maxAttempts?: number;
  /** Backoff base: attempt n waits `min(maxDelayMs, baseDelayMs·2^(n-1))` ±25 %; default 250. */
  baseDelayMs?: number;
  /** Ceiling of one backoff wait and of an honoured `Retry-After`; default 30 000. */
  maxDelayMs?: number;
  /**
   * Per-attempt time limit: the whole exchange for index files and config.json, the wait for
   * response headers for blobs; default 30 000.
   */
  timeoutMs?: number;
  /** Most HTTP requests in flight at once (per client); default 32. */
  parallelism?: number;
  /**
   * Cap on one index file or `config.json` body, bytes; a longer body is cut off with
   * `INDEX_E010` (TUF's endless-data attack). Default 64 MiB.
   */
  maxIndexBytes?: number;
}

/** Default {@link RegistryClientOptions.maxIndexBytes}: 64 MiB. */
export const DEFAULT_MAX_INDEX_BYTES: number = 64 * 1024 * 1024;

/** Counters of one client since it was opened. Live: read them at any time. */
export interface RegistryClientStats {
  /** HTTP requests sent, retries included. */
  requests: number;
  /** Requests answered 304 Not Modified. */
  notModified: number;
  /** Files answered from the on-disk cache (after a 304, or offline). */
  cacheHits: number;
  /** Body bytes received over HTTP or read from a directory registry (index, config, blobs). */
  bytes: number;
  /** Attempts that were retried (5xx, 429, network errors, timeouts). */
  retries: number;
  /** Cache files that could not be written (non-fatal: the answer is still returned). */
  cacheWriteErrors: number;
}

/** A registry opened by {@link openRegistry}. */
export interface RegistryClient {
  /** The index root URL, normalised with a trailing slash (`file:///…/` for directories). */
  readonly url: string;
  /** Live counters. */
  readonly stats: RegistryClientStats;
  /**
   * The registry's `config.json`, fetched once per client.
   *
   * @throws {MochiError} `INDEX_E003` missing (404) or invalid; `INDEX_E004`/`INDEX_E005`
   *   unreachable; `INDEX_E006` offline and not cached; `INDEX_E008` unexpected HTTP status
   */
  config(): Promise<RegistryConfig>;
  /**
   * All index records of a package, in file order; `null` when the registry has no such
   * package (404, 410, 451, or no file in a directory registry). Fetched once per client;
   * concurrent calls share one request.
   *
   * @param name package name (`@scope/name` or bare)
   * @throws {MochiError} `MANIFEST_E003` invalid name; `INDEX_E001` malformed file;
   *   `INDEX_E004`/`INDEX_E005` unreachable after retries; `INDEX_E006` offline and not cached;
   *   `INDEX_E008` unexpected HTTP status
   */
  records(name: string): Promise<IndexRecord[] | null>;
  /**
   * The URL of a blob: `<dl>/<b3>`, `dl` resolved against the index root. Needs the config:
   * await {@link RegistryClient.config} first.
   *
   * @param b3 BLAKE3 hex digest, 64 lowercase hex digits
   * @throws {RangeError} when `b3` is not 64 lowercase hex digits
   * @throws {MochiError} `INTERNAL_E001` when called before `config()` resolved
   */
  blobUrl(b3: string): string;
  /**
   * Streams a blob's bytes (unverified: the store checks the digests). HTTP requests are
   * retried until a 200 arrives; an error while the body streams surfaces as a `BLOB_E002`
   * error of the stream.
   *
   * @param b3 BLAKE3 hex digest
   * @returns the body; cancel it if you stop reading early
   * @throws {MochiError} `BLOB_E002` not found or unreachable (names URL and attempts);
   *   `BLOB_E007` offline (HTTP registry); config errors as for `config()`
   */
  fetchBlob(b3: string): Promise<ReadableStream<Uint8Array>>;
}

const HEX64 = /^[0-9a-f]{64}$/;
const NOT_FOUND_STATUSES = new Set([404, 410, 451]);

/**
 * Opens a registry. Nothing is fetched until a method is called.
 *
 * @param url `http://…`, `https://…`, `file://…`, or a directory path (relative paths resolve
 *   against the current directory)
 * @param options cache directory, offline mode, injected fetch, retry and timeout knobs
 * @returns the client; it needs net permission for http(s), read permission on the registry
 *   directory, and read/write permission on `cacheDir`
 * @throws {MochiError} `INDEX_E009` when the URL scheme is not http, https or file
 *
 * @example
 * ```ts ignore
 * const registry = openRegistry("http://127.0.0.1:8080/", { cacheDir: "/tmp/mochi/index" });
 * const records = await registry.records("@mochi/strings"); // null when absent
 * ```
 */
export function openRegistry(url: string, options: RegistryClientOptions): RegistryClient {
  const root = normaliseRoot(url);
  const stats: RegistryClientStats = {
    requests: 0,
    notModified: 0,
    cacheHits: 0,
    bytes: 0,
    retries: 0,
    cacheWriteErrors: 0,
  };
  const source: Source = root.protocol === "file:"
    ? new DirectorySource(root, stats)
    : new HttpSource(root, options, stats);

  let configPromise: Promise<RegistryConfig> | undefined;
  let dlBase: URL | undefined;
  const memo = new Map<string, Promise<IndexRecord[] | null>>();

  const config = (): Promise<RegistryConfig> => {
    const where = new URL("config.json", root).href;
    configPromise ??= source.read(
      "config.json",
      (bytes) => parseRegistryConfig(decode(bytes), where),
    ).then((cfg) => {
      if (cfg === null) {
        throw new MochiError("INDEX_E003", `registry ${root.href} has no config.json (${where})`, {
          hint: "check the registry URL; the index root must hold config.json",
        });
      }
      const base = new URL(cfg.dl, root);
      if (!base.pathname.endsWith("/")) base.pathname += "/";
      dlBase = base;
      return cfg;
    }).catch((e) => {
      configPromise = undefined; // a later call may succeed (e.g. the network came back)
      throw e;
    });
    return configPromise;
  };

  const blobUrl = (b3: string): string => {
    if (typeof b3 !== "string" || !HEX64.test(b3)) {
      throw new RangeError(`not a BLAKE3 hex digest: ${JSON.stringify(b3)}`);
    }
    if (dlBase === undefined) {
      throw new MochiError("INTERNAL_E001", "blobUrl() called before config() resolved", {
        hint: "await registry.config() before asking for blob URLs",
      });
    }
    return new URL(b3, dlBase).href;
  };

  return {
    url: root.href,
    stats,
    config,
    records(name: string): Promise<IndexRecord[] | null> {
      let path: string;
      try {
        path = indexPath(name);
      } catch (e) {
        return Promise.reject(e); // always a promise, even for an invalid name
      }
      let p = memo.get(path);
      if (p === undefined) {
        const where = new URL(path, root).href;
        p = source.read(path, (bytes) => parseIndexFile(name, decode(bytes), where));
        p.catch(() => memo.delete(path)); // failures are not remembered
        memo.set(path, p);
      }
      return p;
    },
    blobUrl,
    async fetchBlob(b3: string): Promise<ReadableStream<Uint8Array>> {
      await config();
      return source.blob(blobUrl(b3));
    },
  };
}

function normaliseRoot(url: string): URL {
  let u: URL;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    u = new URL(url);
    if (u.protocol !== "http:" && u.protocol !== "https:" && u.protocol !== "file:") {
      throw new MochiError("INDEX_E009", `unsupported registry URL ${url}`, {
        hint: "use http://…, https://…, file://… or a directory path",
      });
    }
  } else {
    u = pathToFileURL(resolve(url));
  }
  u.search = "";
  u.hash = "";
  if (!u.pathname.endsWith("/")) u.pathname += "/";
  return u;
}

const utf8 = new TextDecoder();
function decode(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

/** Where files come from: a directory or an HTTP server (with its cache). */
interface Source {
  /**
   * A file by path relative to the root, passed through `parse` (which throws on malformed
   * bytes, before anything is cached); null when the registry has no such file.
   */
  read<T>(path: string, parse: (bytes: Uint8Array) => T): Promise<T | null>;
  /** A blob's byte stream. */
  blob(url: string): Promise<ReadableStream<Uint8Array>>;
}

class DirectorySource implements Source {
  #root: URL;
  #stats: RegistryClientStats;
  constructor(root: URL, stats: RegistryClientStats) {
    this.#root = root;
    this.#stats = stats;
  }

  async read<T>(path: string, parse: (bytes: Uint8Array) => T): Promise<T | null> {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(fileURLToPath(new URL(path, this.#root)));
      this.#stats.bytes += bytes.length;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
        return null;
      }
      throw e;
    }
    return parse(bytes);
  }

  async blob(url: string): Promise<ReadableStream<Uint8Array>> {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(fileURLToPath(url), { read: true });
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
        throw new MochiError("BLOB_E002", `blob not found: ${url} (1 attempt)`, {
          hint: "the registry directory misses this blob; re-publish it or use another registry",
          cause: e,
        });
      }
      throw e;
    }
    const stats = this.#stats;
    return file.readable.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          stats.bytes += chunk.length;
          controller.enqueue(chunk);
        },
      }),
    );
  }
}

/** What one index request ended with. */
type IndexAnswer =
  | { kind: "body"; body: Uint8Array; etag: string | null }
  | { kind: "not-modified" }
  | { kind: "absent" };

/** One attempt's outcome inside {@link HttpSource.#withRetries}. */
type Attempt<T> =
  | { done: true; value: T }
  | { done: false; reason: string; rateLimited: boolean; retryAfterMs?: number };

class HttpSource implements Source {
  #root: URL;
  #cacheRoot: string;
  #offline: boolean;
  #fetch: typeof fetch;
  #maxAttempts: number;
  #baseDelayMs: number;
  #maxDelayMs: number;
  #timeoutMs: number;
  #maxIndexBytes: number;
  #stats: RegistryClientStats;
  #slots: Semaphore;
  #madeDirs = new Set<string>();

  constructor(root: URL, options: RegistryClientOptions, stats: RegistryClientStats) {
    this.#root = root;
    this.#cacheRoot = join(options.cacheDir, cacheKey(root));
    this.#offline = options.offline ?? false;
    this.#fetch = options.fetch ?? fetch;
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 6);
    this.#baseDelayMs = options.baseDelayMs ?? 250;
    this.#maxDelayMs = options.maxDelayMs ?? 30_000;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#maxIndexBytes = options.maxIndexBytes ?? DEFAULT_MAX_INDEX_BYTES;
    this.#stats = stats;
    this.#slots = new Semaphore(Math.max(1, options.parallelism ?? 32));
  }

  async read<T>(path: string, parse: (bytes: Uint8Array) => T): Promise<T | null> {
    const url = new URL(path, this.#root).href;
    const cacheFile = join(this.#cacheRoot, ...path.split("/"));
    const cached = await this.#readCache(cacheFile);
    if (this.#offline) {
      if (cached === undefined) {
        throw new MochiError(
          "INDEX_E006",
          `${url} is not in the index cache and --offline forbids fetching it`,
          { hint: "run once without --offline (or --frozen) to fill the cache" },
        );
      }
      this.#stats.cacheHits++;
      return parse(cached.body);
    }
    let result = await this.#request(url, cached?.etag);
    if (result.kind === "not-modified") {
      try {
        const value = parse(cached!.body);
        this.#stats.notModified++;
        this.#stats.cacheHits++;
        return value;
      } catch (e) {
        if (!(e instanceof MochiError)) throw e;
        // The cached copy no longer parses (damaged on disk) although its validator still
        // matches: fall through to a full fetch, which replaces it.
      }
      result = await this.#request(url, undefined);
    }
    if (result.kind === "absent") return null;
    if (result.kind === "not-modified") throw new Error("unreachable: 304 without a validator");
    const value = parse(result.body); // malformed bodies throw here, before they are cached
    await this.#writeCache(cacheFile, result.body, result.etag);
    return value;
  }

  /** One index-file exchange with retries; sends `If-None-Match` when `etag` is given. */
  #request(url: string, etag: string | undefined): Promise<IndexAnswer> {
    return this.#withRetries<IndexAnswer>(url, "index", async (signal) => {
      const headers: Record<string, string> = { Accept: "application/x-mochi-index+jsonl" };
      if (etag !== undefined) headers["If-None-Match"] = etag;
      const res = await this.#fetch(url, { headers, signal });
      this.#stats.requests++;
      if (res.status === 200) {
        const body = await readCapped(res, this.#maxIndexBytes, url);
        this.#stats.bytes += body.length;
        return { done: true, value: { kind: "body", body, etag: res.headers.get("etag") } };
      }
      await res.body?.cancel();
      if (res.status === 304 && etag !== undefined) {
        return { done: true, value: { kind: "not-modified" } };
      }
      if (NOT_FOUND_STATUSES.has(res.status)) return { done: true, value: { kind: "absent" } };
      const retry = retryableStatus(res, this.#maxDelayMs);
      if (retry !== undefined) return retry;
      throw new MochiError("INDEX_E008", `${url} answered HTTP ${res.status} ${res.statusText}`, {
        hint: "check the registry URL and whether the registry needs credentials",
      });
    });
  }

  async blob(url: string): Promise<ReadableStream<Uint8Array>> {
    if (this.#offline) {
      throw new MochiError(
        "BLOB_E007",
        `${url} is not in the store and --offline forbids fetching it`,
        {
          hint: "run once without --offline (or --frozen) to fetch it",
        },
      );
    }
    let attempts = 0;
    let res: Response;
    try {
      res = await this.#withRetries(url, "blob", async (signal, attempt) => {
        attempts = attempt;
        const r = await this.#fetch(url, { signal });
        this.#stats.requests++;
        if (r.status === 200 && r.body !== null) return { done: true, value: r };
        await r.body?.cancel();
        const retry = retryableStatus(r, this.#maxDelayMs);
        if (retry !== undefined) return retry;
        throw new MochiError(
          "BLOB_E002",
          `${url} answered HTTP ${r.status} ${r.statusText} (${attempt} attempt${
            attempt === 1 ? "" : "s"
          })`,
          { hint: "the registry does not serve this blob; check the registry or the lockfile" },
        );
      });
    } catch (e) {
      if (e instanceof MochiError && (e.code === "INDEX_E004" || e.code === "INDEX_E005")) {
        throw new MochiError("BLOB_E002", e.message, { hint: e.hint, cause: e });
      }
      throw e;
    }
    const reader = res.body!.getReader();
    const stats = this.#stats;
    let received = 0;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (e) {
          controller.error(
            new MochiError(
              "BLOB_E002",
              `download of ${url} ended early after ${received} bytes ` +
                `(${attempts} attempt${attempts === 1 ? "" : "s"}): ${(e as Error).message}`,
              { hint: "retry the command; the download is not resumed", cause: e },
            ),
          );
          return;
        }
        if (chunk.done) controller.close();
        else {
          received += chunk.value.length;
          stats.bytes += chunk.value.length;
          controller.enqueue(chunk.value);
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    });
  }

  /**
   * Runs `attempt` up to maxAttempts times. Each attempt holds one parallelism slot and gets a
   * timeout signal (for blobs the timer stops once `attempt` returns, i.e. after headers).
   * Network errors and timeouts count as retryable. Waits between attempts follow the backoff,
   * or `Retry-After` when the answer had one.
   */
  async #withRetries<T>(
    url: string,
    kind: "index" | "blob",
    attempt: (signal: AbortSignal, n: number) => Promise<Attempt<T>>,
  ): Promise<T> {
    let last: Extract<Attempt<T>, { done: false }> | undefined;
    for (let n = 1; n <= this.#maxAttempts; n++) {
      if (n > 1) {
        this.#stats.retries++;
        const wait = last?.retryAfterMs ??
          backoffDelayMs(n - 1, this.#baseDelayMs, this.#maxDelayMs);
        await sleep(wait);
      }
      const release = await this.#slots.acquire();
      const ctrl = new AbortController();
      const timer = setTimeout(
        () => ctrl.abort(new DOMException(`timed out after ${this.#timeoutMs} ms`, "TimeoutError")),
        this.#timeoutMs,
      );
      let outcome: Attempt<T>;
      try {
        outcome = await attempt(ctrl.signal, n);
      } catch (e) {
        if (e instanceof MochiError) throw e;
        const reason = ctrl.signal.aborted
          ? `timed out after ${this.#timeoutMs} ms`
          : `network error: ${(e as Error)?.message ?? String(e)}`;
        outcome = { done: false, reason, rateLimited: false };
      } finally {
        clearTimeout(timer);
        release();
      }
      if (outcome.done) return outcome.value;
      last = outcome;
    }
    const attempts = this.#maxAttempts;
    const what = kind === "blob" ? "blob" : "index file";
    throw new MochiError(
      last!.rateLimited ? "INDEX_E005" : "INDEX_E004",
      `could not fetch ${what} ${url} after ${attempts} attempt${attempts === 1 ? "" : "s"}: ` +
        `last answer: ${last!.reason}`,
      {
        hint: last!.rateLimited
          ? "the registry is rate-limiting this machine; wait a minute and retry"
          : "check the network and the registry URL, retry later, or use --offline to work " +
            "from the cache",
      },
    );
  }

  async #readCache(
    file: string,
  ): Promise<{ body: Uint8Array; etag: string | undefined } | undefined> {
    let body: Uint8Array;
    let meta: string | undefined;
    try {
      [body, meta] = await Promise.all([
        Deno.readFile(file),
        Deno.readTextFile(`${file}.etag`).catch((e) => {
          if (e instanceof Deno.errors.NotFound) return undefined;
          throw e;
        }),
      ]);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
        return undefined;
      }
      throw e;
    }
    // `<etag>\n<sha256 of the body>\n`: the validator counts only for the body it came with,
    // so a torn update (body and .etag from different responses) just means a full fetch.
    let etag: string | undefined;
    if (meta !== undefined) {
      const [tag, digest] = meta.split("\n");
      if (tag && digest === sha256Hex(body)) etag = tag;
    }
    return { body, etag };
  }

  /** Writes body then validator, each to a temp name in the same directory and renamed. */
  async #writeCache(file: string, body: Uint8Array, etag: string | null): Promise<void> {
    try {
      const dir = dirname(file);
      if (!this.#madeDirs.has(dir)) {
        await Deno.mkdir(dir, { recursive: true });
        this.#madeDirs.add(dir);
      }
      await writeAtomic(file, body);
      if (etag !== null && etag.length > 0 && !etag.includes("\n")) {
        await writeAtomic(
          `${file}.etag`,
          new TextEncoder().encode(`${etag}\n${sha256Hex(body)}\n`),
        );
      } else {
        await Deno.remove(`${file}.etag`).catch((e) => {
          if (!(e instanceof Deno.errors.NotFound)) throw e;
        });
      }
    } catch {
      // Non-fatal by design (cargo only warns): the answer is still correct and the next run
      // fetches again. Counted in stats.cacheWriteErrors so callers can report it.
      this.#stats.cacheWriteErrors++;
    }
  }
}

/**
 * Read a response body, refusing more than `maxBytes` (the rest is never read: the body is
 * cancelled). A `Content-Length` over the cap is refused before reading.
 */
async function readCapped(res: Response, maxBytes: number, url: string): Promise<Uint8Array> {
  const tooLong = () =>
    new MochiError(
      "INDEX_E010",
      `${url} sent more than ${maxBytes} bytes; stopped reading (no index file is that large)`,
      { hint: "the registry or a proxy is misbehaving (endless data); report it to the registry" },
    );
  const declared = Number(res.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw tooLong();
  }
  if (res.body === null) return new Uint8Array();
  const parts: Uint8Array[] = [];
  let n = 0;
  const reader = res.body.getReader();
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    n += value.length;
    if (n > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLong();
    }
    parts.push(value);
  }
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

async function writeAtomic(file: string, data: Uint8Array): Promise<void> {
  const tmp = `${file}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, file);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {/* best effort: the temp file may not exist */});
    throw e;
  }
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** `<host>_<port>`, plus `-<hash>` when the index root is not `/`. Safe as one path segment. */
function cacheKey(root: URL): string {
  const port = root.port || (root.protocol === "https:" ? "443" : "80");
  let key = `${root.hostname.replace(/[^A-Za-z0-9.-]/g, "_")}_${port}`;
  if (root.pathname !== "/") {
    key += `-${sha256Hex(new TextEncoder().encode(root.href)).slice(0, 16)}`;
  }
  return key;
}

/** A retry outcome for 429 and 5xx answers, else undefined. */
function retryableStatus(res: Response, maxDelayMs: number): Attempt<never> | undefined {
  if (res.status !== 429 && (res.status < 500 || res.status > 599)) return undefined;
  const outcome: Attempt<never> = {
    done: false,
    reason: `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`,
    rateLimited: res.status === 429,
  };
  const ra = parseRetryAfter(res.headers.get("retry-after"), Date.now());
  if (ra !== undefined) outcome.retryAfterMs = Math.min(maxDelayMs, ra);
  return outcome;
}

/**
 * The wait before retry number `retry` (1 = the first retry): `min(maxDelayMs,
 * baseDelayMs·2^(retry-1))`, jittered by ±25 % (mep57-digest.md §6 client retry policy).
 *
 * @param retry 1-based retry number
 * @param baseDelayMs wait before the first retry, before jitter
 * @param maxDelayMs ceiling before jitter
 * @param random source of uniform numbers in [0, 1); default `Math.random`
 * @returns the wait in milliseconds
 */
export function backoffDelayMs(
  retry: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number = Math.random,
): number {
  const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** (retry - 1));
  return backoff * (0.75 + random() * 0.5);
}

/**
 * Parses `Retry-After` (RFC 9110 §10.2.3): delay seconds or an HTTP date.
 *
 * @param value the header value, or null
 * @param nowMs current time, epoch milliseconds
 * @returns the wait in milliseconds (≥ 0), or undefined when absent or unparseable
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // An HTTP date always names a day and month ("Wed, 21 Oct 2026 07:28:00 GMT"); requiring a
  // letter keeps Date.parse from reading things like "-5" as a year.
  const date = /[a-z]/i.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A counting semaphore: `acquire()` resolves to a release function. */
class Semaphore {
  #free: number;
  #waiting: (() => void)[] = [];
  constructor(size: number) {
    this.#free = size;
  }
  async acquire(): Promise<() => void> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((r) => this.#waiting.push(r));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next !== undefined) next();
      else this.#free++;
    };
  }
}
