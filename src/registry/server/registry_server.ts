/**
 * A read-only registry server over a directory (`mochi registry serve`).
 *
 * Serves the layout of cargo's sparse registries (the cargo book, "Registry Index"): `config.json`,
 * index files at their bucket path and blobs at `<dl>/<blake3-hex>` (+ `.sigstore` bundles). Any
 * other regular file under the root is served too, so a cargo sparse index directory works
 * unchanged. Headers follow RFC 9110 and RFC 9111: strong ETags, `If-None-Match` → 304,
 * `Cache-Control`, 404 for anything absent, 405 for methods other than GET and HEAD.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { resolve, sep } from "node:path";
import { MochiError } from "../../errors.ts";
import { createPublishApi } from "./publish_api.ts";
import { writeRegistrySnapshot } from "./registry_snapshot.ts";
import { DirectoryStorage } from "./storage.ts";
import type { RegistryStorage } from "./storage_types.ts";

/** `Content-Type` of index files (JSON Lines, jsonlines.org). */
export const INDEX_CONTENT_TYPE = "application/x-mochi-index+jsonl; charset=utf-8";
/** `Cache-Control` of index files and `config.json`. */
export const INDEX_CACHE_CONTROL = "public, max-age=300";
/** `Cache-Control` of blobs and bundles: content-addressed, so immutable. */
export const BLOB_CACHE_CONTROL = "public, max-age=31536000, immutable";

const BLOB_NAME = /^[0-9a-f]{64}(\.sigstore)?$/;
/** Files up to this size are read with one synchronous read (index files, most blobs). */
const SYNC_READ_BYTES = 1024 * 1024;
/** Files at the index root served as `application/json`. */
const JSON_FILES = new Set(["config.json", "snapshot.json", "popular.json"]);

interface EtagEntry {
  mtimeMs: number;
  size: number;
  ino: number | null;
  etag: string;
  /** The file's bytes when small ({@link CACHED_FILE_BYTES}), served while the stat matches. */
  bytes?: Uint8Array<ArrayBuffer>;
}

/** Index files up to this size are kept in memory with their ETag. */
const CACHED_FILE_BYTES = 256 * 1024;
/** All kept index files together: past it the memory cache starts over. */
const CACHED_TOTAL_BYTES = 64 * 1024 * 1024;

/** Options of {@link createRegistryHandler}. */
export interface RegistryHandlerOptions {
  /**
   * Handler for every path under `/api/` (any method), e.g. the publish API of
   * `src/registry/server/publish_api.ts`; absent = the registry is read-only.
   */
  api?: (req: Request) => Promise<Response>;
  /**
   * Answer blob and bundle downloads with `302 Found` to where the storage serves them, so blob
   * bytes never pass through this server: `publicBaseUrl` (the bucket's or a CDN's public URL;
   * the blob's key is appended), else a presigned URL valid for `expiresInS` seconds (default
   * 3600; S3 storage only — a directory is served directly).
   */
  redirectBlobs?: { publicBaseUrl?: string; expiresInS?: number };
}

/** Largest index file served from object storage, in bytes. */
const MAX_SERVED_INDEX_BYTES = 64 * 1024 * 1024;

/**
 * Builds the request handler of a registry rooted at `rootDir` (a directory path or a
 * {@link RegistryStorage}; an S3 bucket is read through the storage with its ETags, the same
 * routing and headers).
 *
 * Routing: GET/HEAD only (else 405 with `Allow`). The URL path is split into segments, each
 * percent-decoded; a segment that is empty, starts with `.`, or holds `/`, `\` or NUL is refused
 * (400), and a file whose real path (symlinks resolved) leaves the root is refused (404). Files
 * whose name is 64 lowercase hex digits (optionally `.sigstore`) are blobs: `ETag: "<name>"`,
 * immutable caching, `application/octet-stream` (bundles: `application/json`). `config.json`,
 * `snapshot.json` and `popular.json` are `application/json`; every other file is an index file
 * (`application/x-mochi-index+jsonl; charset=utf-8`). Index files and config.json get a strong ETag
 * (SHA-256 of the bytes, cached in memory by path, mtime and size) and `Cache-Control: public,
 * max-age=300`. A matching `If-None-Match` answers 304.
 *
 * @param rootDir the registry directory (holds `config.json`); relative paths resolve against
 *   the current directory
 * @param options `api`: a handler for `/api/…` paths (the publish API)
 * @returns a `Deno.serve`-compatible handler; it needs read permission on `rootDir`
 */
export function createRegistryHandler(
  rootDir: string | RegistryStorage,
  options: RegistryHandlerOptions = {},
): (req: Request) => Promise<Response> {
  if (typeof rootDir !== "string" && rootDir.kind !== "directory") {
    return storageHandler(rootDir, options);
  }
  const root = resolve(typeof rootDir === "string" ? rootDir : rootDir.url);
  let realRoot: string | undefined;
  const etags = new Map<string, EtagEntry>();
  let cachedBytes = 0;

  return async function handle(req: Request): Promise<Response> {
    if (options.api !== undefined && new URL(req.url).pathname.startsWith("/api/")) {
      return await options.api(req);
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      return text(405, "method not allowed: the registry is read-only\n", {
        Allow: "GET, HEAD",
      });
    }
    const segments = pathSegments(new URL(req.url).pathname);
    if (segments === undefined) return text(400, "bad path\n");
    if (segments.length === 0) return text(404, "not found\n");
    const file = root + sep + segments.join(sep);

    let info: Deno.FileInfo;
    let real: string;
    let rr: string;
    try {
      // Synchronous: on a local disk a stat or realpath takes microseconds, while handing an
      // async op to a worker thread and back costs more than that (bench/registry_serve_bench.ts).
      // The root's real path is found once it exists (a failure is not kept: it may appear later).
      rr = realRoot ??= Deno.realPathSync(root);
      real = Deno.realPathSync(file);
      info = Deno.statSync(file);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
        return text(404, "not found\n");
      }
      throw e;
    }
    if (!info.isFile || !real.startsWith(rr.endsWith(sep) ? rr : rr + sep)) {
      return text(404, "not found\n");
    }

    const name = segments[segments.length - 1]!;
    const head = req.method === "HEAD";
    const ifNoneMatch = req.headers.get("if-none-match");
    const lastModified = info.mtime?.toUTCString();

    if (BLOB_NAME.test(name)) {
      const redirect = options.redirectBlobs?.publicBaseUrl;
      if (redirect !== undefined) return blobRedirect(redirect + segments.join("/"));
      const headers: Record<string, string> = {
        "Content-Type": name!.endsWith(".sigstore")
          ? "application/json"
          : "application/octet-stream",
        "ETag": `"${name}"`,
        "Cache-Control": BLOB_CACHE_CONTROL,
      };
      if (lastModified) headers["Last-Modified"] = lastModified;
      if (ifNoneMatch !== null && etagMatches(ifNoneMatch, headers.ETag!)) {
        return new Response(null, { status: 304, headers });
      }
      headers["Content-Length"] = String(info.size);
      if (head) return new Response(null, { status: 200, headers });
      if (info.size <= SYNC_READ_BYTES) {
        let bytes: Uint8Array<ArrayBuffer>;
        try {
          bytes = Deno.readFileSync(file);
        } catch (e) {
          if (e instanceof Deno.errors.NotFound) return text(404, "not found\n");
          throw e;
        }
        // A blob is never rewritten in place (its name is its digest): a size that moved means
        // it was replaced between the stat and the read; answer with what was read.
        headers["Content-Length"] = String(bytes.length);
        return new Response(bytes, { status: 200, headers });
      }
      let f: Deno.FsFile;
      try {
        f = await Deno.open(file, { read: true });
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return text(404, "not found\n");
        throw e;
      }
      return new Response(f.readable, { status: 200, headers });
    }

    const headers: Record<string, string> = {
      "Content-Type": segments.length === 1 && JSON_FILES.has(name!)
        ? "application/json"
        : INDEX_CONTENT_TYPE,
      "Cache-Control": INDEX_CACHE_CONTROL,
    };
    if (lastModified) headers["Last-Modified"] = lastModified;
    const mtimeMs = info.mtime?.getTime() ?? -1;
    const cached = etags.get(file);
    const fresh = cached !== undefined && cached.mtimeMs === mtimeMs &&
      cached.size === info.size && cached.ino === info.ino;
    const known = fresh ? cached.etag : undefined;
    if (known !== undefined && ifNoneMatch !== null && etagMatches(ifNoneMatch, known)) {
      headers.ETag = known;
      return new Response(null, { status: 304, headers });
    }
    let bytes: Uint8Array<ArrayBuffer>;
    if (fresh && cached.bytes !== undefined) bytes = cached.bytes;
    else {
      try {
        bytes = info.size <= SYNC_READ_BYTES ? Deno.readFileSync(file) : await Deno.readFile(file);
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return text(404, "not found\n");
        throw e;
      }
    }
    let etag = known;
    if (etag === undefined || bytes.length !== info.size) {
      etag = `"${createHash("sha256").update(bytes).digest("base64url")}"`;
      // Key by the stat taken before the read: a write racing the read changes mtime, size or
      // inode (the publish API renames a new file into place), so the next request reads again.
      if (bytes.length === info.size) {
        const keep = bytes.length <= CACHED_FILE_BYTES;
        if (keep && cachedBytes + bytes.length > CACHED_TOTAL_BYTES) {
          for (const e of etags.values()) delete e.bytes;
          cachedBytes = 0;
        }
        if (cached?.bytes !== undefined) cachedBytes -= cached.bytes.length;
        etags.set(file, {
          mtimeMs,
          size: info.size,
          ino: info.ino,
          etag,
          ...(keep ? { bytes } : {}),
        });
        if (keep) cachedBytes += bytes.length;
      }
    }
    headers.ETag = etag;
    if (ifNoneMatch !== null && etagMatches(ifNoneMatch, etag)) {
      return new Response(null, { status: 304, headers });
    }
    headers["Content-Length"] = String(bytes.length);
    return new Response(head ? null : bytes, { status: 200, headers });
  };
}

/** A redirect of a blob download; cacheable for a short while only (presigned URLs expire). */
function blobRedirect(location: string): Response {
  return new Response(null, {
    status: 302,
    headers: { Location: location, "Cache-Control": "public, max-age=60" },
  });
}

/** The handler over object storage (S3): the same routes and headers as the directory one. */
function storageHandler(
  storage: RegistryStorage,
  options: RegistryHandlerOptions,
): (req: Request) => Promise<Response> {
  return async function handle(req: Request): Promise<Response> {
    if (options.api !== undefined && new URL(req.url).pathname.startsWith("/api/")) {
      return await options.api(req);
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      return text(405, "method not allowed: the registry is read-only\n", {
        Allow: "GET, HEAD",
      });
    }
    const segments = pathSegments(new URL(req.url).pathname);
    if (segments === undefined) return text(400, "bad path\n");
    if (segments.length === 0) return text(404, "not found\n");
    const key = segments.join("/");
    const name = segments[segments.length - 1]!;
    const head = req.method === "HEAD";
    const ifNoneMatch = req.headers.get("if-none-match");
    if (BLOB_NAME.test(name)) {
      const r = options.redirectBlobs;
      if (r !== undefined) {
        if (r.publicBaseUrl !== undefined) return blobRedirect(r.publicBaseUrl + key);
        if (await storage.head(key) === undefined) return text(404, "not found\n");
        const url = await storage.directUrl(key, r.expiresInS ?? 3600);
        if (url !== undefined) return blobRedirect(url);
      }
      const headers: Record<string, string> = {
        "Content-Type": name.endsWith(".sigstore")
          ? "application/json"
          : "application/octet-stream",
        "ETag": `"${name}"`,
        "Cache-Control": BLOB_CACHE_CONTROL,
      };
      if (ifNoneMatch !== null && etagMatches(ifNoneMatch, headers.ETag!)) {
        return new Response(null, { status: 304, headers });
      }
      const info = head ? await storage.head(key) : undefined;
      if (head) {
        if (info === undefined) return text(404, "not found\n");
        headers["Content-Length"] = String(info.sizeBytes);
        return new Response(null, { status: 200, headers });
      }
      const opened = await storage.open(key);
      if (opened === undefined) return text(404, "not found\n");
      headers["Content-Length"] = String(opened.sizeBytes);
      return new Response(opened.body, { status: 200, headers });
    }
    const got = await storage.get(key, MAX_SERVED_INDEX_BYTES);
    if (got === undefined) return text(404, "not found\n");
    const etag = got.etag !== "" && got.etag.startsWith('"')
      ? got.etag
      : `"${createHash("sha256").update(got.bytes).digest("base64url")}"`;
    const headers: Record<string, string> = {
      "Content-Type": segments.length === 1 && JSON_FILES.has(name)
        ? "application/json"
        : INDEX_CONTENT_TYPE,
      "Cache-Control": INDEX_CACHE_CONTROL,
      "ETag": etag,
    };
    if (ifNoneMatch !== null && etagMatches(ifNoneMatch, etag)) {
      return new Response(null, { status: 304, headers });
    }
    headers["Content-Length"] = String(got.bytes.length);
    return new Response(head ? null : got.bytes, { status: 200, headers });
  };
}

/** Splits and decodes a URL path; undefined when a segment is unsafe or undecodable. */
function pathSegments(pathname: string): string[] | undefined {
  const raw = pathname.split("/").slice(1);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw[i]!);
    } catch {
      // Malformed percent-encoding: refuse the path (the caller answers 400).
      return undefined;
    }
    if (seg.length === 0) {
      if (i === raw.length - 1 && raw.length === 1) return []; // "/" itself
      return undefined;
    }
    if (seg.startsWith(".") || /[\/\\\0]/.test(seg)) return undefined;
    out.push(seg);
  }
  return out;
}

/** RFC 9110 §13.1.2: `If-None-Match` uses the weak comparison; `*` matches any. */
function etagMatches(header: string, etag: string): boolean {
  const bare = etag.startsWith("W/") ? etag.slice(2) : etag;
  for (const part of header.split(",")) {
    const t = part.trim();
    if (t === "*") return true;
    if ((t.startsWith("W/") ? t.slice(2) : t) === bare) return true;
  }
  return false;
}

function text(status: number, body: string, extra: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8", ...extra },
  });
}

/** Options of {@link serveRegistry}. */
export interface ServeRegistryOptions {
  /** Interface to bind; default `"127.0.0.1"`. */
  hostname?: string;
  /** TCP port; default `0` (the OS picks a free one; read it from the returned `url`). */
  port?: number;
  /** Aborting it shuts the server down. */
  signal?: AbortSignal;
  /** Called once the socket listens (nothing is printed otherwise). */
  onListen?: (addr: Deno.NetAddr) => void;
  /**
   * Called after each request is answered, e.g. for an access log (the response body must not
   * be read). Errors it throws are ignored.
   */
  onResponse?: (req: Request, res: Response) => void;
  /** Handler for `/api/…` paths (see {@link RegistryHandlerOptions.api}); absent = read-only. */
  api?: (req: Request) => Promise<Response>;
  /**
   * Mount the publish API (`mochi registry serve --allow-publish`): signed uploads, yanks and
   * unyanks through {@link createPublishApi}, verified against `trustedRootJson` (the
   * public-good root when absent); with `snapshotPrivateKey` (a key file's text, see
   * `readSnapshotKeyFile`), `snapshot.json` is re-signed after every index change. Ignored when
   * `api` is given.
   */
  publish?: { trustedRootJson?: string; snapshotPrivateKey?: string };
  /** See {@link RegistryHandlerOptions.redirectBlobs}. */
  redirectBlobs?: { publicBaseUrl?: string; expiresInS?: number };
}

/** A running registry server. */
export interface RegistryServer {
  /** Base URL with a trailing slash, e.g. `"http://127.0.0.1:41234/"`. */
  readonly url: string;
  /** Settles when the server has stopped. */
  readonly finished: Promise<void>;
  /** Stops accepting connections and waits for in-flight requests to finish. */
  shutdown(): Promise<void>;
}

/**
 * Serves the registry directory `rootDir` over HTTP with `Deno.serve` (see
 * {@link createRegistryHandler} for routing and headers).
 *
 * @param rootDir the registry directory; it must hold `config.json`
 * @param options hostname (default 127.0.0.1), port (default 0 = any free port), abort signal,
 *   onListen and onResponse callbacks, the publish API to mount
 * @returns the server's base URL, a `finished` promise and `shutdown()`
 * @throws {MochiError} `REGISTRY_E001` when `rootDir` is missing or has no `config.json`;
 *   `SIG_E002` when `publish.trustedRootJson` is malformed
 *
 * @example
 * ```ts ignore
 * const server = serveRegistry("./registry");
 * const res = await fetch(new URL("config.json", server.url));
 * await res.body?.cancel();
 * await server.shutdown();
 * ```
 */
export function serveRegistry(
  rootDir: string | RegistryStorage,
  options: ServeRegistryOptions = {},
): RegistryServer {
  if (typeof rootDir !== "string" && rootDir.kind !== "directory") {
    // Object storage: config.json is checked by the caller (openStorage is asynchronous).
    return listen(rootDir, rootDir, options);
  }
  const root = resolve(typeof rootDir === "string" ? rootDir : rootDir.url);
  try {
    if (!Deno.statSync(resolve(root, "config.json")).isFile) throw new Deno.errors.NotFound();
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory)) throw e;
    throw new MochiError("REGISTRY_E001", `no registry at ${root}: config.json is missing`, {
      hint: 'create config.json there, e.g. {"dl": "blobs/", "api": null, ' +
        '"auth-required": false}, or pass the registry directory',
      cause: e,
    });
  }
  return listen(root, new DirectoryStorage(root), options);
}

function listen(
  root: string | RegistryStorage,
  storage: RegistryStorage,
  options: ServeRegistryOptions,
): RegistryServer {
  const hostname = options.hostname ?? "127.0.0.1";
  const api = options.api ?? publishApiOf(storage, options.publish);
  const server = Deno.serve(
    {
      hostname,
      port: options.port ?? 0,
      ...(options.signal ? { signal: options.signal } : {}),
      onListen: (addr) => options.onListen?.(addr as Deno.NetAddr),
      // Deno's default onError prints; src/ never prints, so answer a bare 500 instead.
      onError: () => new Response("internal error\n", { status: 500 }),
    },
    withAccessLog(
      createRegistryHandler(root, {
        ...(api === undefined ? {} : { api }),
        ...(options.redirectBlobs === undefined ? {} : { redirectBlobs: options.redirectBlobs }),
      }),
      options.onResponse,
    ),
  );
  const addr = server.addr as Deno.NetAddr;
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  return {
    url: `http://${host}:${addr.port}/`,
    finished: server.finished,
    shutdown: () => server.shutdown(),
  };
}

/** The publish API a `publish` option asks for, or undefined for a read-only registry. */
function publishApiOf(
  storage: RegistryStorage,
  publish: ServeRegistryOptions["publish"],
): ((req: Request) => Promise<Response>) | undefined {
  if (publish === undefined) return undefined;
  const key = publish.snapshotPrivateKey;
  return createPublishApi({
    storage,
    ...(publish.trustedRootJson === undefined ? {} : { trustedRootJson: publish.trustedRootJson }),
    ...(key === undefined ? {} : {
      afterIndexWrite: async () => {
        await writeRegistrySnapshot(storage, { privateKeyFile: key });
      },
    }),
  });
}

function withAccessLog(
  handler: (req: Request) => Promise<Response>,
  onResponse: ((req: Request, res: Response) => void) | undefined,
): (req: Request) => Promise<Response> {
  if (onResponse === undefined) return handler;
  return async (req) => {
    const res = await handler(req);
    try {
      onResponse(req, res);
    } catch {
      // An access-log hook must not break serving; documented as ignored.
    }
    return res;
  };
}
