/**
 * The Go module proxy client (issue 14 item 2): the GOPROXY protocol of `go help goproxy`
 * (`<proxy>/<escaped module>/@v/list`, `/@v/<escaped version>.info`, `.mod`, `.zip`,
 * `/@latest`), over a `$GOPROXY`-style list.
 *
 * As cmd/go (cmd/go/internal/modfetch/proxy.go): entries separated by `,` fall back to the next
 * proxy only when one answers 404 or 410; entries separated by `|` fall back on any error.
 * `direct` (a version control checkout) and `off` are refused: mochi talks to module proxies
 * only. Module paths and versions are escaped (`!` before upper-case letters) with
 * golang.org/x/mod/module's rules. Answers are cached under `$MOCHI_HOME/index`: a version's
 * `.info` and `.mod` (immutable, as in cmd/go's module cache) are then read from the cache
 * without a request, `@v/list` and `@latest` are revalidated. Requests are retried on 5xx/429 with backoff, and read with a cap on the decoded bytes and a deadline (the
 * shared policy of the registry client, {@link openSparseFiles}).
 *
 * @module
 */
import { MochiError } from "../../errors.ts";
import { escapePath, escapeVersion } from "../module.ts";
import { isCanonicalGoVersion } from "../query.ts";
import {
  openSparseFiles,
  type RegistryClientOptions,
  type RegistryClientStats,
  type SparseFileClient,
} from "../../registry/client/index_client.ts";

/** One entry of a GOPROXY list and how a failure of it falls back to the next one. */
export interface GoProxyEntry {
  /** The proxy's base URL, with a trailing slash. */
  url: string;
  /**
   * The separator after this entry: `","` falls back only on 404/410, `"|"` on any error,
   * undefined for the last entry.
   */
  fallback?: "," | "|";
}

/** The largest `.info`, `.mod`, `@v/list` or `@latest` answer read (decoded bytes), 16 MiB. */
export const MAX_GO_METADATA_BYTES = 16 << 20;

/** The largest module zip a proxy may send, 500 MiB (golang.org/x/mod/zip MaxZipFile). */
export const MAX_GO_ZIP_BYTES = 500 << 20;

/**
 * Parses a `$GOPROXY`-style list.
 *
 * @param value `http://127.0.0.1:8080,https://mirror.example|http://127.0.0.1:9090`
 * @returns the entries in order
 * @throws {MochiError} `GO_E015` when the list is empty, names `direct` or `off`, or an entry is
 *   not an http(s) URL (with or without scheme, as cmd/go accepts `host/path` meaning https)
 * @example
 * ```ts
 * import { parseGoProxyList } from "@mochi/pkg/go/client";
 * const list = parseGoProxyList("http://127.0.0.1:1,http://127.0.0.1:2|http://127.0.0.1:3");
 * if (list.length !== 3 || list[0]!.fallback !== "," || list[1]!.fallback !== "|") {
 *   throw new Error("unexpected");
 * }
 * ```
 */
export function parseGoProxyList(value: string): GoProxyEntry[] {
  const out: GoProxyEntry[] = [];
  const hint = "set MOCHI_GOPROXY (or GOPROXY) to module proxy URLs separated by , or |, " +
    "e.g. http://127.0.0.1:3000";
  let rest = value.trim();
  if (rest.length === 0) {
    throw new MochiError("GO_E015", "no Go module proxy is configured", { hint });
  }
  while (rest.length > 0) {
    const m = /^([^,|]*)([,|]?)/.exec(rest)!;
    const raw = m[1]!.trim();
    rest = rest.slice(m[0].length);
    if (raw.length === 0) continue;
    if (raw === "direct" || raw === "off") {
      throw new MochiError(
        "GO_E015",
        `GOPROXY entry "${raw}" is refused: mochi fetches Go modules from module proxies only` +
          (raw === "direct" ? " (it runs no version control system)" : ""),
        { hint },
      );
    }
    let url: URL;
    try {
      url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`);
    } catch {
      throw new MochiError("GO_E015", `GOPROXY entry ${JSON.stringify(raw)} is not a URL`, {
        hint,
      });
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new MochiError(
        "GO_E015",
        `GOPROXY entry ${JSON.stringify(raw)} is not an http(s) URL`,
        { hint },
      );
    }
    if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
      throw new MochiError(
        "GO_E015",
        `GOPROXY entry ${JSON.stringify(raw)} carries a query, fragment or credentials`,
        { hint },
      );
    }
    const href = url.href.endsWith("/") ? url.href : `${url.href}/`;
    const entry: GoProxyEntry = { url: href };
    if (m[2] === "," || m[2] === "|") entry.fallback = m[2];
    out.push(entry);
  }
  if (out.length === 0) {
    throw new MochiError("GO_E015", "no Go module proxy is configured", { hint });
  }
  delete out[out.length - 1]!.fallback;
  return out;
}

/** A `.info` answer: the version (and its time, when the proxy gives one). */
export interface GoVersionInfo {
  /** Canonical version. */
  version: string;
  /** The commit time, RFC 3339, when given. */
  time?: string;
}

/** An answer and the proxy that gave it. */
export interface FromProxy<T> {
  /** The value. */
  value: T;
  /** Base URL of the proxy that answered. */
  proxy: string;
}

/** A module proxy list opened by {@link openGoProxy}. */
export interface GoProxyClient {
  /** The proxies in order. */
  readonly entries: readonly GoProxyEntry[];
  /** Requests, bytes, retries and cache hits over every proxy of the list. */
  readonly stats: RegistryClientStats;
  /**
   * `@v/list`: the module's tagged versions (non-canonical lines dropped, order as given).
   *
   * @throws {MochiError} `GO_E013` when no proxy knows the module; `GO_E014` unreachable
   */
  list(module: string): Promise<FromProxy<string[]>>;
  /**
   * `@latest`, or null when every proxy answers 404/410 for it (a module with tags only).
   *
   * @throws {MochiError} `GO_E018` malformed; `GO_E014` unreachable
   */
  latest(module: string): Promise<FromProxy<GoVersionInfo> | null>;
  /**
   * `@v/<version>.info`.
   *
   * @throws {MochiError} `GO_E013` no such version; `GO_E018` malformed or another version
   */
  info(module: string, version: string): Promise<FromProxy<GoVersionInfo>>;
  /**
   * `@v/<version>.mod`: the go.mod bytes (the caller hashes and checks them).
   *
   * @throws {MochiError} `GO_E013` no such version; `GO_E018` over the cap
   */
  mod(module: string, version: string): Promise<FromProxy<Uint8Array>>;
  /**
   * Streams `@v/<version>.zip` from `proxy` (unverified: the caller caps, hashes and checks it).
   *
   * @param proxy base URL of one of {@link GoProxyClient.entries}
   * @throws {MochiError} `GO_E013` on 404/410; `GO_E014` unreachable; `BLOB_E007` offline
   */
  zip(proxy: string, module: string, version: string): Promise<ReadableStream<Uint8Array>>;
  /** The URL of a module zip on `proxy`. */
  zipUrl(proxy: string, module: string, version: string): string;
  /** Waits for cache writes still in flight. */
  flush(): Promise<void>;
}

/**
 * Opens a module proxy list.
 *
 * @param list a `$GOPROXY`-style list ({@link parseGoProxyList})
 * @param options cache directory, offline, injected fetch, retry and cap knobs (the registry
 *   client's; `maxIndexBytes` defaults to {@link MAX_GO_METADATA_BYTES})
 * @returns the client
 * @throws {MochiError} `GO_E015` on a bad list
 *
 * @example
 * ```ts
 * import { openGoProxy } from "@mochi/pkg/go/client";
 * import assert from "node:assert/strict";
 * const cacheDir = await Deno.makeTempDir();
 * const proxy = openGoProxy("http://127.0.0.1:9,http://127.0.0.1:10", { cacheDir, offline: true });
 * assert.deepEqual(proxy.entries.map((e) => e.url), ["http://127.0.0.1:9/", "http://127.0.0.1:10/"]);
 * assert.equal(proxy.zipUrl(proxy.entries[0]!.url, "example.com/Demo", "v1.0.0"), "http://127.0.0.1:9/example.com/!demo/@v/v1.0.0.zip");
 * // `direct` and `off` are refused: mochi never fetches from version control.
 * assert.throws(() => openGoProxy("direct", { cacheDir }), { code: "GO_E015" });
 * await Deno.remove(cacheDir, { recursive: true });
 * ```
 */
export function openGoProxy(list: string, options: RegistryClientOptions): GoProxyClient {
  const entries = parseGoProxyList(list);
  const stats: RegistryClientStats = {
    requests: 0,
    notModified: 0,
    cacheHits: 0,
    bytes: 0,
    retries: 0,
    cacheWriteErrors: 0,
  };
  const clients = entries.map((e) =>
    openSparseFiles(e.url, {
      maxIndexBytes: MAX_GO_METADATA_BYTES,
      deferCacheWrites: true,
      accept: "*/*",
      ...options,
    })
  );
  // A version's `.info` and `.mod` never change (cmd/go keeps them in its module cache for
  // good, and go.sum / the checksum database check the go.mod): once cached they are read
  // without asking the proxy again. The twins read the same cache files, offline.
  const cacheOnly = entries.map((e) =>
    openSparseFiles(e.url, {
      maxIndexBytes: MAX_GO_METADATA_BYTES,
      accept: "*/*",
      ...options,
      offline: true,
    })
  );
  // Answers read this run (their cache writes may still be deferred), by proxy and path.
  const seen = new Map<string, Uint8Array>();
  const sum = () => {
    for (const k of Object.keys(stats) as (keyof RegistryClientStats)[]) {
      stats[k] = clients.reduce((n, c) => n + c.stats[k], 0) +
        cacheOnly.reduce((n, c) => n + c.stats[k], 0) + (k === "cacheHits" ? memoryHits : 0);
    }
  };
  let memoryHits = 0;
  /** Reads `path` through the list with cmd/go's fallback rules; null when all said 404/410. */
  const read = async <T>(
    path: string,
    parse: (bytes: Uint8Array, url: string) => T,
    immutable = false,
  ): Promise<FromProxy<T> | null> => {
    try {
      for (let i = 0; i < entries.length; i++) {
        const client = clients[i]!;
        const last = i === entries.length - 1;
        if (immutable) {
          const known = seen.get(client.url + path);
          if (known !== undefined) {
            memoryHits++;
            return { value: parse(known, client.url + path), proxy: entries[i]!.url };
          }
          if (options.offline !== true) {
            try {
              const value = await cacheOnly[i]!.read(path, (b) => parse(b, client.url + path));
              if (value !== null) return { value, proxy: entries[i]!.url };
            } catch (e) {
              // Not cached yet (INDEX_E006) or a damaged copy: ask the proxy, which rewrites it.
              if (!(e instanceof MochiError)) throw e;
            }
          }
        }
        try {
          const value = await client.read(path, (b) => {
            const v = parse(b, client.url + path);
            if (immutable) seen.set(client.url + path, b);
            return v;
          });
          if (value !== null) return { value, proxy: entries[i]!.url };
          if (last) return null;
        } catch (e) {
          if (last || entries[i]!.fallback !== "|") throw proxyError(e, client, path);
        }
      }
      return null;
    } finally {
      sum();
    }
  };
  const base = (module: string): string => `${escapePath(module)}/@v/`;
  const notFound = (what: string): MochiError =>
    new MochiError(
      "GO_E013",
      `${what} is not on the module proxy (${entries.map((e) => e.url).join(", ")})`,
      {
        hint: "check the module path and version (case matters), or the GOPROXY list " +
          "(MOCHI_GOPROXY)",
      },
    );
  return {
    entries,
    stats,
    flush: async () => {
      await Promise.all(clients.map((c) => c.flush()));
    },
    async list(module) {
      const got = await read(`${base(module)}list`, (b, url) => {
        const text = utf8(b, url);
        return text.split("\n").map((l) => l.trim().split(/\s+/)[0] ?? "").filter((v) =>
          isCanonicalGoVersion(v)
        );
      });
      if (got === null) throw notFound(`module ${module}`);
      return got;
    },
    async latest(module) {
      return await read(`${escapePath(module)}/@latest`, (b, url) => parseInfo(b, url));
    },
    async info(module, version) {
      const got = await read(
        `${base(module)}${escapeVersion(version)}.info`,
        (b, url) => parseInfo(b, url, version),
        true,
      );
      if (got === null) throw notFound(`${module}@${version}`);
      return got;
    },
    async mod(module, version) {
      const got = await read(`${base(module)}${escapeVersion(version)}.mod`, (b) => b, true);
      if (got === null) throw notFound(`${module}@${version} (go.mod)`);
      return got;
    },
    zipUrl(proxy, module, version) {
      return new URL(`${base(module)}${escapeVersion(version)}.zip`, proxy).href;
    },
    async zip(proxy, module, version) {
      const i = entries.findIndex((e) => e.url === proxy);
      const client = clients[i] ?? clients[0]!;
      const url = new URL(`${base(module)}${escapeVersion(version)}.zip`, client.url).href;
      try {
        return await client.download(url);
      } catch (e) {
        if (
          e instanceof MochiError && e.code === "BLOB_E002" && /HTTP 4(04|10)\b/.test(e.message)
        ) {
          throw notFound(`${module}@${version} (zip)`);
        }
        throw proxyError(e, client, url);
      } finally {
        sum();
      }
    },
  };
}

/** Parses a `.info` / `@latest` JSON answer: `{"Version": "...", "Time": "..."}`. */
function parseInfo(bytes: Uint8Array, url: string, expected?: string): GoVersionInfo {
  let doc: unknown;
  try {
    doc = JSON.parse(utf8(bytes, url));
  } catch (e) {
    if (e instanceof MochiError) throw e;
    throw malformed(url, "is not JSON");
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw malformed(url, "is not a JSON object");
  }
  const version = (doc as Record<string, unknown>).Version;
  if (typeof version !== "string" || !isCanonicalGoVersion(version)) {
    throw malformed(url, `has no canonical "Version" (found ${JSON.stringify(version)})`);
  }
  if (expected !== undefined && version !== expected) {
    throw malformed(url, `answers version ${version} for ${expected}`);
  }
  const info: GoVersionInfo = { version };
  const time = (doc as Record<string, unknown>).Time;
  if (typeof time === "string" && /^[0-9T:.Z+-]{1,40}$/.test(time)) info.time = time;
  return info;
}

function utf8(bytes: Uint8Array, url: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw malformed(url, "is not UTF-8");
  }
}

function malformed(url: string, what: string): MochiError {
  return new MochiError("GO_E018", `the module proxy's answer ${url} ${what}`, {
    hint: "the proxy serves something that is not the GOPROXY protocol; check the GOPROXY list " +
      "(MOCHI_GOPROXY) and report it to the proxy's operator",
  });
}

/** Network failures of a proxy become GO_E014 naming the proxy; the rest pass through. */
function proxyError(e: unknown, client: SparseFileClient, path: string): unknown {
  if (!(e instanceof MochiError)) return e;
  if (["INDEX_E004", "INDEX_E005", "INDEX_E008", "BLOB_E002"].includes(e.code)) {
    return new MochiError("GO_E014", `module proxy ${client.url}: ${e.message}`, {
      hint: `${e.hint ?? "retry later"}; the GOPROXY list is MOCHI_GOPROXY (else GOPROXY)`,
      cause: e,
    });
  }
  if (e.code === "INDEX_E010") {
    return new MochiError("GO_E018", `module proxy ${client.url}${path}: ${e.message}`, {
      hint: e.hint ?? "report it to the proxy's operator",
      cause: e,
    });
  }
  return e;
}
