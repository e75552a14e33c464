/**
 * Registry client: reads `config.json`, index files and blobs from an http(s) registry (with an
 * ETag cache on disk and bounded retries) or from a directory (`file://…` or a plain path).
 *
 * Follows the cargo book's "Registry Index" (client: retry policy, cache layout);
 * the caching mirrors cargo's sparse protocol ("Sparse protocol", "Caching"): one request per
 * file per client, `If-None-Match` revalidation, 404/410/451 = no such package.
 *
 * @module
 */
import { sha256Hex as sha256OfBytes } from "../../store/digest.ts";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { MochiError } from "../../errors.ts";
import {
  advancedTrust,
  checkIndexFile,
  checkSnapshotFreshness,
  indexPath,
  type IndexRecord,
  parseIndexFile,
  parseRegistryConfig,
  parseSnapshot,
  type RegistryConfig,
  type Snapshot,
  SNAPSHOT_PATH,
  snapshotKeyPolicy,
  verifySnapshotSignature,
} from "../../index/mod.ts";
import { decodeUtf8Strict } from "../../manifest/utf8.ts";
import { TrustStore } from "../../trust/trust_state.ts";
import { readAtMost, type ReadLimit } from "./_bounded_read.ts";
import { parseDuration } from "../../store/duration.ts";
import { LIMITS } from "../../limits.ts";
import { writeFileAtomic } from "../../store/fs/fs_atomic.ts";
import { Semaphore } from "../../concurrency.ts";

const INDEX_UTF8_HINT = "the registry serves an index file that is not UTF-8; report it to the " +
  "registry operator";

/** A registry request about to be tried again ({@link RegistryClientOptions.onRetry}). */
export interface RetryNotice {
  /** The URL requested. */
  url: string;
  /** Why the last attempt failed: `network error: …`, `timed out after …`, `HTTP 503 …`. */
  reason: string;
  /** The attempt about to start (2 for the first retry). */
  attempt: number;
  /** Most attempts in all. */
  attempts: number;
  /** The wait before it, ms. */
  delayMs: number;
}

/** Options of {@link openRegistry}. */
export interface RegistryClientOptions {
  /**
   * Directory of the index cache (`$MOCHI_HOME/index`). HTTP registries cache each file at
   * `<cacheDir>/<host>_<port>[-<hash of the base path>]/<index path, URI-encoded>`, one file
   * holding the validators (ETag, Last-Modified) in a header line and the body. Unused for
   * directory registries.
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
  /**
   * Attempts per file, first try included; default 6 (cargo's `net.retry` counts retries after the
   * first try).
   */
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
  /** Most HTTP requests in flight at once (per client); default 64. */
  parallelism?: number;
  /**
   * Most HTTP requests in flight at once to one origin (scheme, host, port) while its round
   * trips are short, shared by every client of the process; default
   * {@link DEFAULT_CONNECTIONS_PER_HOST}. Over HTTP/1.1 each request in flight is one
   * connection, so this bounds the connections a server sees: a plain threaded server (a listen
   * queue of 5) drops the SYNs past its queue, and each drop stalls ~1 s in the kernel's SYN
   * retransmission. Cargo likewise keeps a couple of connections per host.
   */
  connectionsPerHost?: number;
  /**
   * The bound an origin with long round trips may grow to; default
   * {@link DEFAULT_MAX_CONNECTIONS_PER_HOST}. See {@link HostLimiter}: the bound follows the
   * shortest round trip seen, so a distant registry gets the requests in flight its latency
   * needs while a loopback server keeps {@link RegistryClientOptions.connectionsPerHost}.
   */
  maxConnectionsPerHost?: number;
  /**
   * Backoff base of a retry after a network error (refused, reset, closed before the answer),
   * ms: attempt n waits `min(maxDelayMs, connectRetryDelayMs·2^(n-1))` ±25 %; default
   * {@link DEFAULT_CONNECT_RETRY_DELAY_MS}. A server that dropped one connection usually takes
   * the next, so the first retries come quickly; each request waits on its own, holding no slot.
   */
  connectRetryDelayMs?: number;
  /** Extra headers on every index request (cargo's `cargo-protocol: version=1`). */
  headers?: Record<string, string>;
  /** The `Accept` header of index requests; default `application/x-mochi-index+jsonl`. */
  accept?: string;
  /**
   * Return index answers before their cache files are written (call the client's `flush()`
   * before exiting). Default false.
   */
  deferCacheWrites?: boolean;
  /**
   * Called before each retry's wait (not for the first attempt), so that a command can say
   * `network error from <url>, retrying in 1 s (2/6)` instead of hanging silently (cargo, uv).
   */
  onRetry?: (notice: RetryNotice) => void;
  /**
   * Signed-snapshot checks (`src/index/snapshot.ts`, TUF's snapshot role). When given,
   * a registry whose `config.json` names a `snapshot-key` (or whose key was pinned before, or
   * `publicKey` is given) must serve a `snapshot.json` signed by that key, not older than the
   * highest version seen (kept in `stateDir`), not expired at `nowMs()` (not checked offline),
   * and every index file must match it. Without it no snapshot is read.
   */
  trust?: {
    /** Directory of the per-registry trust state (`$MOCHI_HOME/state`). */
    stateDir: string;
    /** The current time, epoch milliseconds; default `Date.now` (tests inject a clock). */
    nowMs?: () => number;
    /** Pin this key (`"ed25519:<base64>"`) instead of trusting `config.json` on first use. */
    publicKey?: string;
    /**
     * Refuse a registry without a snapshot key (`SNAPSHOT_E006`): set when mirrors may answer,
     * since only the primary's signed snapshot makes a mirror's files trustworthy.
     */
    requireKey?: boolean;
  };
  /**
   * Cap on one index file, `config.json`, `snapshot.json` or cargo index body, in decoded bytes
   * (after any `Content-Encoding`: a 1 MB gzip body that inflates past the cap is cut off too);
   * a longer body is cut off with `INDEX_E010` (TUF's endless-data attack). Default 64 MiB.
   */
  maxIndexBytes?: number;
  /**
   * Longest wait for the next bytes of a download once its headers arrived, in milliseconds; a
   * body that stalls longer fails with `BLOB_E010` (cargo's `http.timeout`, uv's
   * `UV_HTTP_TIMEOUT`). Default {@link DEFAULT_IDLE_TIMEOUT_MS}.
   */
  idleTimeoutMs?: number;
  /**
   * Longest time one download may take, from its request to its last byte, in milliseconds; a
   * download still running then fails with `BLOB_E011` (a body that drips one byte at a time
   * never trips the idle timeout). Default {@link DEFAULT_DEADLINE_MS}.
   */
  deadlineMs?: number;
}

/** Default {@link RegistryClientOptions.connectionsPerHost}: 6 (a browser's per-host bound). */
export const DEFAULT_CONNECTIONS_PER_HOST = 6;
/** Default {@link RegistryClientOptions.maxConnectionsPerHost}: 48. */
export const DEFAULT_MAX_CONNECTIONS_PER_HOST = 48;
/** Round-trip milliseconds per request in flight past the initial bound ({@link HostLimiter}). */
export const RTT_MS_PER_CONNECTION = 4;
/** Default {@link RegistryClientOptions.connectRetryDelayMs}: 50 ms. */
export const DEFAULT_CONNECT_RETRY_DELAY_MS = 50;

/** Answers a {@link HostLimiter} sees before it lets its bound grow. */
export const HOST_LIMITER_SAMPLES = 16;

/**
 * The bound on one origin's requests in flight, which follows its latency: it starts at
 * `initial` and, once {@link HOST_LIMITER_SAMPLES} answers came, after each one may grow by one
 * (slow start) toward
 * `ceil(shortest round trip seen / RTT_MS_PER_CONNECTION)`, never past `max` nor below
 * `initial`. Little's law: the requests in flight a client needs for a given rate grow with the
 * round trip; a loopback or LAN server (round trips of a few ms) keeps `initial`, a registry
 * 50 ms away gets 13, 200 ms away `max`. Only the shortest round trip counts, so a server slowed
 * by load (whose short answers still come) never earns more connections, and not before 16
 * answers: a loaded threaded server's first answers (while it starts its threads) are slow. Waiters are served
 * first come, first served.
 */
export class HostLimiter {
  #limit: number;
  #inFlight = 0;
  #minRttMs = Infinity;
  #answers = 0;
  #waiting: (() => void)[] = [];
  readonly #initial: number;
  readonly #max: number;
  /**
   * @param initial the bound while round trips are short (at least 1 is used)
   * @param max the most it grows to (at least `initial` is used)
   */
  constructor(initial: number, max: number) {
    this.#initial = Math.max(1, initial);
    this.#max = Math.max(this.#initial, max);
    this.#limit = this.#initial;
  }
  /** The current bound. */
  get limit(): number {
    return this.#limit;
  }
  /**
   * Waits for a slot.
   *
   * @returns the release of the slot: pass the exchange's round trip in ms when it completed
   *   (an answer came), nothing when it failed; calling it again does nothing
   */
  async acquire(): Promise<(rttMs?: number) => void> {
    if (this.#inFlight < this.#limit) this.#inFlight++;
    else await new Promise<void>((r) => this.#waiting.push(r)); // the releaser counted us in
    let released = false;
    return (rttMs?: number) => {
      if (released) return;
      released = true;
      if (rttMs !== undefined && rttMs >= 0) {
        this.#minRttMs = Math.min(this.#minRttMs, rttMs);
        this.#answers++;
      }
      if (rttMs !== undefined && rttMs >= 0 && this.#answers >= HOST_LIMITER_SAMPLES) {
        const target = Math.min(
          this.#max,
          Math.max(this.#initial, Math.ceil(this.#minRttMs / RTT_MS_PER_CONNECTION)),
        );
        this.#limit = target < this.#limit ? target : Math.min(target, this.#limit + 1);
      }
      this.#inFlight--;
      while (this.#inFlight < this.#limit && this.#waiting.length > 0) {
        this.#inFlight++;
        this.#waiting.shift()!();
      }
    };
  }
}

/** The per-origin limiters of this process (one per origin and bounds). */
const hostLimiters = new Map<string, HostLimiter>();
function hostLimiter(origin: string, initial: number, max: number): HostLimiter {
  const key = `${initial} ${max} ${origin}`;
  let s = hostLimiters.get(key);
  if (s === undefined) hostLimiters.set(key, s = new HostLimiter(initial, max));
  return s;
}

/** Default {@link RegistryClientOptions.idleTimeoutMs}: 30 s. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
/** Default {@link RegistryClientOptions.deadlineMs}: 15 min. */
export const DEFAULT_DEADLINE_MS = 15 * 60_000;

/** The network limits a user sets: {@link networkLimitsFromEnv}. */
export interface NetworkLimits {
  /** {@link RegistryClientOptions.idleTimeoutMs}. */
  idleTimeoutMs?: number;
  /** {@link RegistryClientOptions.deadlineMs}. */
  deadlineMs?: number;
}

/**
 * The network limits from the environment: `MOCHI_HTTP_IDLE_TIMEOUT` and `MOCHI_HTTP_DEADLINE`,
 * durations such as `30s`, `2m`, `1h` (see `parseDuration`); unset variables are left out.
 *
 * @param env the environment
 * @returns the limits to pass to {@link openRegistry} (or install's `network` option)
 * @throws {MochiError} `CLI_E001` naming the variable when a value is not a duration or is 0
 *
 * @example
 * ```ts
 * import { networkLimitsFromEnv } from "@mochi/pkg/registry";
 * const limits = networkLimitsFromEnv({ MOCHI_HTTP_IDLE_TIMEOUT: "10s" });
 * if (limits.idleTimeoutMs !== 10_000 || limits.deadlineMs !== undefined) throw new Error();
 * ```
 */
export function networkLimitsFromEnv(env: Record<string, string | undefined>): NetworkLimits {
  const out: NetworkLimits = {};
  const read = (key: string): number | undefined => {
    const v = env[key];
    if (v === undefined || v === "") return undefined;
    let ms: number;
    try {
      ms = parseDuration(v);
    } catch (e) {
      throw new MochiError("CLI_E001", `${key}=${JSON.stringify(v)} is not a duration`, {
        hint: "write a whole number and a unit: 45s, 2m, 1h",
        cause: e,
      });
    }
    if (ms <= 0) {
      throw new MochiError("CLI_E001", `${key} must be longer than 0`, {
        hint: "write a whole number and a unit: 45s, 2m, 1h",
      });
    }
    return ms;
  };
  const idle = read("MOCHI_HTTP_IDLE_TIMEOUT");
  const deadline = read("MOCHI_HTTP_DEADLINE");
  if (idle !== undefined) out.idleTimeoutMs = idle;
  if (deadline !== undefined) out.deadlineMs = deadline;
  return out;
}

/** Default {@link RegistryClientOptions.maxIndexBytes}: 64 MiB. */
export const DEFAULT_MAX_INDEX_BYTES: number = LIMITS.indexBytes;

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
   * @throws {MochiError} `MANIFEST_E003` invalid name; `INDEX_E001` malformed file (or not
   *   UTF-8); `SNAPSHOT_E001`–`E006` when snapshot checks are on and fail (see
   *   {@link RegistryClientOptions.trust});
   *   `INDEX_E004`/`INDEX_E005` unreachable after retries; `INDEX_E006` offline and not cached;
   *   `INDEX_E008` unexpected HTTP status
   */
  records(name: string): Promise<IndexRecord[] | null>;
  /**
   * The registry's popular package names, from the optional `popular.json` at the index root (a
   * JSON array of names, most popular first), checked against the snapshot when one is in use;
   * `[]` when the registry has none. `mochi add` warns about names near these.
   *
   * @throws {MochiError} `INDEX_E001` when popular.json is not an array of strings; snapshot and
   *   network errors as for {@link RegistryClient.records}
   */
  popularNames(): Promise<string[]>;
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
  /**
   * Streams a blob's Sigstore bundle, `<dl>/<b3>.sigstore` (unverified), with the same retries
   * and errors as {@link RegistryClient.fetchBlob}.
   *
   * @param b3 BLAKE3 hex digest of the blob the bundle is about
   * @returns the body; cancel it if you stop reading early
   * @throws {MochiError} as {@link RegistryClient.fetchBlob}
   */
  fetchBundle(b3: string): Promise<ReadableStream<Uint8Array>>;
}

const HEX64 = /^[0-9a-f]{64}$/;
/** Optional list of the registry's popular names, at the index root. */
export const POPULAR_PATH = "popular.json";
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
  const { root, stats, source } = openSource(url, options);

  let configPromise: Promise<RegistryConfig> | undefined;
  let dlBase: URL | undefined;
  const memo = new Map<string, Promise<IndexRecord[] | null>>();
  let snapshotPromise: Promise<Snapshot | null> | undefined;

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
      const base = blobBase(cfg.dl, root, where);
      if (!base.pathname.endsWith("/")) base.pathname += "/";
      dlBase = base;
      return cfg;
    }).catch((e) => {
      configPromise = undefined; // a later call may succeed (e.g. the network came back)
      throw e;
    });
    return configPromise;
  };

  /** The current verified snapshot (null: no snapshot checks, or an unsigned registry). */
  const snapshot = (): Promise<Snapshot | null> => {
    const trust = options.trust;
    if (trust === undefined) return Promise.resolve(null);
    snapshotPromise ??= (async () => {
      const cfg = await config();
      const state = new TrustStore(trust.stateDir, root.href);
      const pinned = await state.read();
      const key = snapshotKeyPolicy({
        registry: root.href,
        ...(trust.publicKey === undefined ? {} : { publicKey: trust.publicKey }),
        ...(pinned === undefined ? {} : { pinned }),
        ...(cfg.snapshotKey === undefined ? {} : { configKey: cfg.snapshotKey }),
        stateDir: trust.stateDir,
      });
      if (key === undefined && trust.requireKey === true) {
        throw new MochiError(
          "SNAPSHOT_E006",
          `registry ${root.href} has mirrors but no snapshot key: nothing a mirror serves could be checked`,
          {
            hint: "install once from the primary (its key is pinned then), or remove the " +
              "mirrors; the registry operator must sign snapshot.json (mochi registry keygen)",
          },
        );
      }
      if (key === undefined) return null; // an unsigned registry never seen signed
      const where = new URL(SNAPSHOT_PATH, root).href;
      const signed = await source.read(
        SNAPSHOT_PATH,
        (bytes) =>
          parseSnapshot(
            decodeUtf8Strict(bytes, where, "SNAPSHOT_E001", "report it to the registry operator"),
            where,
          ),
      );
      if (signed === null) {
        throw new MochiError(
          "SNAPSHOT_E006",
          `registry ${root.href}: it has a pinned snapshot key but serves no ${SNAPSHOT_PATH}`,
          {
            hint: "if the registry operator announced a new key, remove the pinned state file " +
              `for this registry under ${trust.stateDir}/snapshots/; otherwise do not install ` +
              "from it",
          },
        );
      }
      await verifySnapshotSignature(signed, key, where);
      const now = (trust.nowMs ?? Date.now)();
      checkSnapshotFreshness(pinned, signed.signed, now, where, !(options.offline ?? false));
      const advanced = advancedTrust(pinned, key, signed.signed);
      if (advanced !== undefined) await state.advance(advanced);
      return signed.signed;
    })().catch((e) => {
      snapshotPromise = undefined;
      throw e;
    });
    return snapshotPromise;
  };

  let refreshing: { from: Snapshot; p: Promise<Snapshot | null> } | undefined;
  /** Fetches the snapshot again (once per stale snapshot, shared by concurrent callers). */
  const refreshSnapshot = (stale: Snapshot): Promise<Snapshot | null> => {
    if (refreshing?.from !== stale) {
      snapshotPromise = undefined;
      refreshing = { from: stale, p: snapshot() };
    }
    return refreshing.p;
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
        const read = async (snap: Snapshot | null) => {
          const records = await source.read(path, (bytes) => {
            if (snap !== null) checkIndexFile(snap, path, bytes, where);
            const text = decodeUtf8Strict(bytes, where, "INDEX_E001", INDEX_UTF8_HINT);
            return parseIndexFile(name, text, where);
          }, snap === null ? undefined : snapshotLimit(snap, path, where));
          if (records === null && snap !== null) checkIndexFile(snap, path, null, where);
          return records;
        };
        p = snapshot().then(async (snap) => {
          try {
            return await read(snap);
          } catch (e) {
            // The registry may have published between our snapshot and this file: fetch the
            // snapshot once more, and retry only if it is newer (a stale mix still fails).
            if (!(e instanceof MochiError && e.code === "SNAPSHOT_E005") || snap === null) throw e;
            const fresh = await refreshSnapshot(snap);
            if (fresh === null || fresh.version <= snap.version) throw e;
            return await read(fresh);
          }
        });
        p.catch(() => memo.delete(path)); // failures are not remembered
        memo.set(path, p);
      }
      return p;
    },
    async popularNames(): Promise<string[]> {
      const snap = await snapshot();
      const where = new URL(POPULAR_PATH, root).href;
      const names = await source.read(POPULAR_PATH, (bytes) => {
        if (snap !== null) checkIndexFile(snap, POPULAR_PATH, bytes, where);
        let v: unknown;
        try {
          v = JSON.parse(decodeUtf8Strict(bytes, where, "INDEX_E001", INDEX_UTF8_HINT));
        } catch (e) {
          if (e instanceof MochiError) throw e;
        }
        if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
          throw new MochiError("INDEX_E001", `${where} must be a JSON array of package names`, {
            hint: "report it to the registry operator",
            file: where,
            line: 1,
          });
        }
        return v as string[];
      });
      if (names === null && snap !== null) checkIndexFile(snap, POPULAR_PATH, null, where);
      return names ?? [];
    },
    blobUrl,
    async fetchBlob(b3: string): Promise<ReadableStream<Uint8Array>> {
      await config();
      return source.blob(blobUrl(b3));
    },
    async fetchBundle(b3: string): Promise<ReadableStream<Uint8Array>> {
      await config();
      return source.blob(`${blobUrl(b3)}.sigstore`);
    },
  };
}

/** A registry's files, read by path: what {@link openSparseFiles} returns. */
export interface SparseFileClient {
  /** The index root URL, normalised with a trailing slash. */
  readonly url: string;
  /** Live counters. */
  readonly stats: RegistryClientStats;
  /**
   * A file by path relative to the root, passed through `parse` before it is cached; null when
   * the registry has no such file (404/410/451 or absent in a directory). Cached on disk with
   * ETag / Last-Modified revalidation, retried on 5xx/429 as {@link openRegistry} does.
   *
   * @param path relative path, `/`-separated
   * @param parse turns the bytes into a value; throws on malformed bytes
   * @throws {MochiError} `INDEX_E004`/`INDEX_E005` unreachable; `INDEX_E006` offline and not
   *   cached; `INDEX_E008` unexpected status; whatever `parse` throws
   */
  read<T>(path: string, parse: (bytes: Uint8Array) => T): Promise<T | null>;
  /**
   * Streams a file at an absolute URL (a download), retried until a 200 arrives.
   *
   * @param url absolute URL (`http(s)://` or `file://`)
   * @throws {MochiError} `BLOB_E002` not found or unreachable; `BLOB_E007` offline
   */
  download(url: string): Promise<ReadableStream<Uint8Array>>;
  /** Waits for the cache writes deferred by `deferCacheWrites`; a no-op otherwise. */
  flush(): Promise<void>;
}

/**
 * Opens the files of any sparse registry (a cargo sparse index, say) with the same cache,
 * revalidation and retry policy as {@link openRegistry}.
 *
 * @param url `http(s)://…`, `file://…` or a directory path
 * @param options as for {@link openRegistry}, plus `headers` and `accept`
 * @returns the client
 * @throws {MochiError} `INDEX_E009` when the URL scheme is not http, https or file
 */
export function openSparseFiles(url: string, options: RegistryClientOptions): SparseFileClient {
  const { root, stats, source } = openSource(url, options);
  return {
    url: root.href,
    stats,
    read: (path, parse) => source.read(path, parse),
    download: (u) => source.blob(u),
    flush: () => source instanceof HttpSource ? source.flush() : Promise.resolve(),
  };
}

/** The read limit of an index file: the size its snapshot lists (0 when not listed). */
function snapshotLimit(snap: Snapshot, path: string, where: string): ReadLimit {
  const listed = Object.hasOwn(snap.files, path) ? snap.files[path]!.size : 0;
  return {
    bytes: listed,
    error: (received) =>
      new MochiError(
        "SNAPSHOT_E005",
        `index file ${where} ${
          listed === 0 && !Object.hasOwn(snap.files, path)
            ? "exists but the snapshot does not list it"
            : `is larger than the ${listed} bytes the snapshot says; stopped after ${received} bytes`
        } (snapshot version ${snap.version})`,
        {
          hint: "the registry (or a mirror) serves more than it signed; retry later, and report " +
            "it to the registry operator if it stays",
        },
      ),
  };
}

/**
 * Why a registry may not download from `target`, or undefined when it may: an http(s) registry
 * downloads over http(s) only (never `file:`, `data:` or another scheme a hostile `config.json`
 * names), and an https one never over plain http; a directory registry may name a directory
 * or an http(s) server. The publish API refuses the same (`PUB_E011`); cargo's `dl` follows the
 * same rule.
 *
 * @param root the registry's index root
 * @param target the download URL (after `dl` was resolved)
 * @returns a reason naming the scheme, or undefined
 *
 * @example
 * ```ts
 * import { downloadUrlProblem } from "@mochi/pkg/registry";
 * const root = new URL("https://127.0.0.1/");
 * if (downloadUrlProblem(root, new URL("https://127.0.0.1/blobs/")) !== undefined) throw new Error();
 * if (downloadUrlProblem(root, new URL("file:///etc/")) === undefined) throw new Error();
 * ```
 */
export function downloadUrlProblem(root: URL, target: URL): string | undefined {
  const web = target.protocol === "http:" || target.protocol === "https:";
  if (root.protocol === "file:") {
    return web || target.protocol === "file:"
      ? undefined
      : `uses ${target.protocol}, not http(s) or file`;
  }
  if (!web) {
    return `uses ${target.protocol}; an http(s) registry serves downloads over http(s) only`;
  }
  if (root.protocol === "https:" && target.protocol === "http:") {
    return "is plain http although the registry is https";
  }
  return undefined;
}

/**
 * Where a registry's blobs live: `dl` resolved against the index root, checked by
 * {@link downloadUrlProblem}.
 *
 * @throws {MochiError} `INDEX_E003` naming `dl` when it is not a URL or breaks the rule
 */
function blobBase(dl: string, root: URL, where: string): URL {
  const refuse = (why: string): never => {
    throw new MochiError(
      "INDEX_E003",
      `registry config ${where}: "dl" ${JSON.stringify(dl)} ${why}`,
      { hint: "report it to the registry operator; no blob was fetched from it" },
    );
  };
  let base: URL;
  try {
    base = new URL(dl, root);
  } catch {
    return refuse("is not a URL");
  }
  const problem = downloadUrlProblem(root, base);
  if (problem !== undefined) refuse(problem);
  return base;
}

/** The normalised root, fresh counters, and the directory or HTTP source behind a client. */
function openSource(
  url: string,
  options: RegistryClientOptions,
): { root: URL; stats: RegistryClientStats; source: Source } {
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
    ? new DirectorySource(root, stats, options.maxIndexBytes ?? DEFAULT_MAX_INDEX_BYTES)
    : new HttpSource(root, options, stats);
  return { root, stats, source };
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
  read<T>(path: string, parse: (bytes: Uint8Array) => T, limit?: ReadLimit): Promise<T | null>;
  /** A blob's byte stream. */
  blob(url: string): Promise<ReadableStream<Uint8Array>>;
}

class DirectorySource implements Source {
  #root: URL;
  #stats: RegistryClientStats;
  #maxIndexBytes: number;
  constructor(root: URL, stats: RegistryClientStats, maxIndexBytes: number) {
    this.#root = root;
    this.#stats = stats;
    this.#maxIndexBytes = maxIndexBytes;
  }

  async read<T>(
    path: string,
    parse: (bytes: Uint8Array) => T,
    limit?: ReadLimit,
  ): Promise<T | null> {
    let bytes: Uint8Array;
    try {
      const file = fileURLToPath(new URL(path, this.#root));
      const cap = capOf(limit, this.#maxIndexBytes, file);
      const opened = await Deno.open(file, { read: true });
      bytes = await readAtMost(opened.readable, cap);
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

/** Cache validators of one file. */
interface Validators {
  etag?: string;
  lastModified?: string;
}

/** What one index request ended with. */
type IndexAnswer =
  | { kind: "body"; body: Uint8Array; etag: string | null; lastModified: string | null }
  | { kind: "not-modified" }
  | { kind: "absent" };

/** One attempt's outcome inside {@link HttpSource.#withRetries}. */
type Attempt<T> =
  | { done: true; value: T }
  | {
    done: false;
    reason: string;
    rateLimited: boolean;
    retryAfterMs?: number;
    /** The connection failed (refused, reset, closed early): retried on the quick backoff. */
    network?: boolean;
  };

class HttpSource implements Source {
  #root: URL;
  #cacheRoot: string;
  #offline: boolean;
  #fetch: typeof fetch;
  #maxAttempts: number;
  #onRetry: ((notice: RetryNotice) => void) | undefined;
  #baseDelayMs: number;
  #maxDelayMs: number;
  #timeoutMs: number;
  #maxIndexBytes: number;
  #idleTimeoutMs: number;
  #deadlineMs: number;
  #stats: RegistryClientStats;
  #slots: Semaphore;
  #hostBound: number;
  #hostMax: number;
  #connectRetryDelayMs: number;
  #madeDirs = new Map<string, Promise<void>>();
  #cacheExists: Promise<boolean> | undefined;
  #headers: Record<string, string>;
  #accept: string;
  #deferWrites: boolean;
  #pending = new Set<Promise<void>>();

  /** Waits for every deferred cache write. */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  constructor(root: URL, options: RegistryClientOptions, stats: RegistryClientStats) {
    this.#root = root;
    this.#cacheRoot = join(options.cacheDir, cacheKey(root));
    this.#offline = options.offline ?? false;
    this.#fetch = options.fetch ?? fetch;
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 6);
    this.#onRetry = options.onRetry;
    this.#baseDelayMs = options.baseDelayMs ?? 250;
    this.#maxDelayMs = options.maxDelayMs ?? 30_000;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#maxIndexBytes = options.maxIndexBytes ?? DEFAULT_MAX_INDEX_BYTES;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.#deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.#stats = stats;
    this.#slots = new Semaphore(Math.max(1, options.parallelism ?? 64));
    this.#hostBound = Math.max(1, options.connectionsPerHost ?? DEFAULT_CONNECTIONS_PER_HOST);
    this.#hostMax = options.maxConnectionsPerHost ?? DEFAULT_MAX_CONNECTIONS_PER_HOST;
    this.#connectRetryDelayMs = options.connectRetryDelayMs ?? DEFAULT_CONNECT_RETRY_DELAY_MS;
    this.#headers = options.headers ?? {};
    this.#accept = options.accept ?? "application/x-mochi-index+jsonl";
    this.#deferWrites = options.deferCacheWrites ?? false;
  }

  async read<T>(
    path: string,
    parse: (bytes: Uint8Array) => T,
    limit?: ReadLimit,
  ): Promise<T | null> {
    const url = new URL(path, this.#root).href;
    // One flat directory per registry (`se%2Frd%2Fserde`): a cold run creates one directory,
    // not one per index prefix.
    const cacheFile = join(this.#cacheRoot, encodeURIComponent(path));
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
    let result = await this.#request(url, cached?.validators, limit);
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
      result = await this.#request(url, undefined, limit);
    }
    if (result.kind === "absent") return null;
    if (result.kind === "not-modified") throw new Error("unreachable: 304 without a validator");
    const value = parse(result.body); // malformed bodies throw here, before they are cached
    const write = this.#writeCache(cacheFile, result.body, result.etag, result.lastModified);
    if (this.#deferWrites) {
      this.#pending.add(write);
      write.finally(() => this.#pending.delete(write));
    } else await write;
    return value;
  }

  /**
   * One index-file exchange with retries; sends `If-None-Match` / `If-Modified-Since` when the
   * cached copy has validators (cargo sends both the same way).
   */
  #request(
    url: string,
    validators: Validators | undefined,
    limit?: ReadLimit,
  ): Promise<IndexAnswer> {
    return this.#withRetries<IndexAnswer>(url, "index", async (signal) => {
      const headers: Record<string, string> = { ...this.#headers, Accept: this.#accept };
      if (validators?.etag) headers["If-None-Match"] = validators.etag;
      if (validators?.lastModified) headers["If-Modified-Since"] = validators.lastModified;
      const res = await this.#fetch(url, { headers, signal });
      this.#stats.requests++;
      if (res.status === 200) {
        // The snapshot's size for this file (when one is in use) or the index cap (INDEX_E010),
        // whichever is smaller, bounds the decoded body. A Content-Length counts the bytes on
        // the wire, which a Content-Encoding may inflate far past it: it only refuses early.
        const cap = capOf(limit, this.#maxIndexBytes, url);
        const encoded = (res.headers.get("content-encoding") ?? "identity") !== "identity";
        const declared = Number(res.headers.get("content-length") ?? NaN);
        if (!encoded && declared > cap.bytes) {
          await res.body?.cancel();
          throw cap.error(declared);
        }
        const body = await readAtMost(res.body, cap);
        this.#stats.bytes += body.length;
        return {
          done: true,
          value: {
            kind: "body",
            body,
            etag: res.headers.get("etag"),
            lastModified: res.headers.get("last-modified"),
          },
        };
      }
      await res.body?.cancel();
      if (res.status === 304 && validators !== undefined) {
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
    const problem = downloadUrlProblem(this.#root, new URL(url));
    if (problem !== undefined) {
      throw new MochiError("BLOB_E002", `refused to download ${url}: it ${problem}`, {
        hint: "the registry points its downloads somewhere it may not; report it to its operator",
      });
    }
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
    const deadlineAt = performance.now() + this.#deadlineMs;
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
    const idleMs = this.#idleTimeoutMs;
    const deadlineMs = this.#deadlineMs;
    let received = 0;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        let chunk: ReadableStreamReadResult<Uint8Array> | "idle" | "deadline";
        try {
          chunk = await readWithin(reader, idleMs, deadlineAt);
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
        if (chunk === "idle" || chunk === "deadline") {
          reader.cancel().catch(() => {});
          controller.error(
            chunk === "idle"
              ? new MochiError(
                "BLOB_E010",
                `download of ${url} stalled: no data for ${idleMs} ms (the idle timeout) after ` +
                  `${received} bytes`,
                {
                  hint: "the registry or a proxy stopped sending; retry later, or raise " +
                    "MOCHI_HTTP_IDLE_TIMEOUT (e.g. 2m) on a very slow link",
                },
              )
              : new MochiError(
                "BLOB_E011",
                `download of ${url} took longer than ${deadlineMs} ms (the download deadline); ` +
                  `stopped after ${received} bytes`,
                {
                  hint: "the registry sends too slowly; retry later, or raise " +
                    "MOCHI_HTTP_DEADLINE (e.g. 1h) for a very large package on a slow link",
                },
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
   * Runs `attempt` up to maxAttempts times. Each attempt holds one slot of the client's
   * parallelism and one of its origin's {@link HostLimiter} (told the round trip when an answer
   * came), and gets a timeout signal (for blobs the timer stops once `attempt` returns, i.e.
   * after headers).
   * Network errors and timeouts count as retryable. Waits between attempts follow the backoff
   * (the quick one after a network error), or `Retry-After` when the answer had one; a request
   * waits holding no slot, so one request's backoff never holds up the others.
   */
  async #withRetries<T>(
    url: string,
    kind: "index" | "blob",
    attempt: (signal: AbortSignal, n: number) => Promise<Attempt<T>>,
  ): Promise<T> {
    let last: Extract<Attempt<T>, { done: false }> | undefined;
    const origin = new URL(url).origin;
    for (let n = 1; n <= this.#maxAttempts; n++) {
      if (n > 1) {
        this.#stats.retries++;
        const wait = last?.retryAfterMs ??
          backoffDelayMs(
            n - 1,
            last?.network === true ? this.#connectRetryDelayMs : this.#baseDelayMs,
            this.#maxDelayMs,
          );
        this.#onRetry?.({
          url,
          reason: last?.reason ?? "",
          attempt: n,
          attempts: this.#maxAttempts,
          delayMs: wait,
        });
        await sleep(wait);
      }
      // Both bounds: this client's requests in flight, and every client's to this origin.
      const release = await this.#slots.acquire();
      const releaseHost = await hostLimiter(origin, this.#hostBound, this.#hostMax).acquire();
      const startedMs = performance.now();
      const ctrl = new AbortController();
      const timer = setTimeout(
        () => ctrl.abort(new DOMException(`timed out after ${this.#timeoutMs} ms`, "TimeoutError")),
        this.#timeoutMs,
      );
      let outcome: Attempt<T>;
      let answeredMs: number | undefined; // the round trip, when an answer came
      try {
        outcome = await attempt(ctrl.signal, n);
        answeredMs = performance.now() - startedMs;
      } catch (e) {
        if (e instanceof MochiError) throw e;
        const reason = ctrl.signal.aborted
          ? `timed out after ${this.#timeoutMs} ms`
          : `network error: ${(e as Error)?.message ?? String(e)}`;
        outcome = { done: false, reason, rateLimited: false, network: !ctrl.signal.aborted };
      } finally {
        clearTimeout(timer);
        releaseHost(answeredMs);
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
  ): Promise<{ body: Uint8Array; validators: Validators | undefined } | undefined> {
    // A registry seen for the first time has no cache directory: skip one failed read per file.
    this.#cacheExists ??= Deno.stat(this.#cacheRoot).then(() => true, () => false);
    if (!(await this.#cacheExists)) return undefined;
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(file);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
        return undefined;
      }
      throw e;
    }
    return decodeCacheFile(bytes);
  }

  /**
   * Writes one cache file, `MOCHI-CACHE1 {"etag","lastModified","size"}\n<body>`, to a temp
   * name in the same directory and renames it: the validators and the body they belong to can
   * never come from different responses, and a warm run reads one file per index file.
   */
  async #writeCache(
    file: string,
    body: Uint8Array,
    etag: string | null,
    lastModified: string | null,
  ): Promise<void> {
    try {
      const dir = dirname(file);
      let made = this.#madeDirs.get(dir);
      if (made === undefined) {
        made = Deno.mkdir(dir, { recursive: true });
        this.#madeDirs.set(dir, made);
        made.catch(() => this.#madeDirs.delete(dir));
      }
      await made;
      await writeAtomic(file, encodeCacheFile(body, etag, lastModified));
    } catch {
      // Non-fatal by design (cargo only warns): the answer is still correct and the next run
      // fetches again. Counted in stats.cacheWriteErrors so callers can report it.
      this.#stats.cacheWriteErrors++;
    }
  }
}

const CACHE_MAGIC = new TextEncoder().encode("MOCHI-CACHE1 ");

/** One cache file's bytes: the magic, a JSON header line, the body. */
function encodeCacheFile(
  body: Uint8Array,
  etag: string | null,
  lastModified: string | null,
): Uint8Array {
  const header: Record<string, unknown> = { size: body.length };
  if (etag) header.etag = etag;
  if (lastModified) header.lastModified = lastModified;
  const head = new TextEncoder().encode(JSON.stringify(header) + "\n");
  const out = new Uint8Array(CACHE_MAGIC.length + head.length + body.length);
  out.set(CACHE_MAGIC, 0);
  out.set(head, CACHE_MAGIC.length);
  out.set(body, CACHE_MAGIC.length + head.length);
  return out;
}

/**
 * A cache file's body and validators; undefined (a miss) when the file is not in this format or
 * its body is not the size its header says (damaged on disk).
 */
function decodeCacheFile(
  bytes: Uint8Array,
): { body: Uint8Array; validators: Validators | undefined } | undefined {
  if (bytes.length < CACHE_MAGIC.length) return undefined;
  for (let i = 0; i < CACHE_MAGIC.length; i++) if (bytes[i] !== CACHE_MAGIC[i]) return undefined;
  const nl = bytes.indexOf(10, CACHE_MAGIC.length);
  if (nl < 0) return undefined;
  let header: { size?: unknown; etag?: unknown; lastModified?: unknown };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(CACHE_MAGIC.length, nl)));
  } catch {
    return undefined;
  }
  const body = bytes.subarray(nl + 1);
  if (header.size !== body.length) return undefined;
  let validators: Validators | undefined;
  if (typeof header.etag === "string" || typeof header.lastModified === "string") {
    validators = {};
    if (typeof header.etag === "string") validators.etag = header.etag;
    if (typeof header.lastModified === "string") validators.lastModified = header.lastModified;
  }
  return { body, validators };
}

/**
 * The read limit of one index-like file: the caller's (a snapshot's listed size) when it is the
 * smaller, else the index cap with `INDEX_E010`. Counted in decoded bytes by `readAtMost`.
 */
function capOf(limit: ReadLimit | undefined, maxBytes: number, url: string): ReadLimit {
  if (limit !== undefined && limit.bytes <= maxBytes) return limit;
  return {
    bytes: maxBytes,
    error: () =>
      new MochiError(
        "INDEX_E010",
        `${url} sent more than ${maxBytes} bytes; stopped reading (no index file is that large)`,
        {
          hint: "the registry or a proxy is misbehaving (endless data); report it to the registry",
        },
      ),
  };
}

/**
 * The store room's one atomic writer (temp file beside it, rename), without the fsyncs: an index
 * cache file is checked when read (magic, header, body size; a damaged one is a miss and is
 * fetched again) and is never the only copy, so it is written as cargo writes its index cache.
 * The fsyncs were a quarter of a cold `mochi lock`'s time (bench/rust_resolve_bench.ts's budget).
 */
async function writeAtomic(file: string, data: Uint8Array): Promise<void> {
  await writeFileAtomic(file, data, { durable: false });
}

function sha256Hex(bytes: Uint8Array): string {
  return sha256OfBytes(bytes);
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
 * baseDelayMs·2^(retry-1))`, jittered by ±25 % (cargo's `util/network/retry.rs`; AWS "Exponential
 * backoff and jitter").
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

/**
 * The next read of a body, or which limit ran out first: `idle` after `idleMs` without data,
 * `deadline` at `deadlineAt` (a `performance.now()` time).
 */
async function readWithin(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  idleMs: number,
  deadlineAt: number,
): Promise<ReadableStreamReadResult<Uint8Array> | "idle" | "deadline"> {
  const left = deadlineAt - performance.now();
  if (left <= 0) return "deadline";
  const which = left < idleMs ? "deadline" : "idle";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<"idle" | "deadline">((r) => {
    timer = setTimeout(() => r(which), Math.min(idleMs, left));
  });
  try {
    return await Promise.race([reader.read(), expired]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
