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

/**
 * What a request URL names under the root: a pure function of the URL (kept per URL, so a
 * repeated request skips parsing and decoding).
 */
interface Route {
  /** Absolute path of the file (root + segments; symlinks not resolved). */
  file: string;
  /** The segments joined by `/` (the blob's key for redirects). */
  key: string;
  /** A blob or bundle (`<64 hex>[.sigstore]`). */
  blob: boolean;
  /** `Content-Type` of the file. */
  contentType: string;
}

/**
 * A file as last found: the identity of what its path reached, its ETag, its headers and, when
 * small, its bytes. Used only while a fresh `stat` of the path reaches the same identity.
 */
interface FileEntry {
  dev: number;
  ino: number | null;
  sizeBytes: number;
  mtimeMs: number;
  ctimeMs: number;
  /**
   * The file's real path (symlinks resolved) was inside the root when this identity was
   * recorded, at least {@link RACY_MS} after the identity's ctime — so any later rename, link,
   * write or replacement of this inode shows in its ctime, and a path component swapped for a
   * symlink reaches another inode. Only then may a request skip the real-path check.
   */
  contained: boolean;
  etag: string;
  /**
   * The answers, cloned per request: a clone copies the header list and shares the body, which
   * costs a fraction of building a `Response` (its headers are validated one by one).
   */
  answers: {
    /** 304, no body. */
    notModified: Response;
    /** 200 without a body (HEAD), with `Content-Length`. */
    head: Response;
    /** 200 with the file's bytes, when small ({@link CACHED_FILE_BYTES}); never read itself. */
    full?: Response;
  };
}

/** Files up to this size (index files and blobs) are kept in memory with their ETag. */
const CACHED_FILE_BYTES = 256 * 1024;
/** All kept files together: past it the kept bytes are dropped and the cache starts over. */
const CACHED_TOTAL_BYTES = 64 * 1024 * 1024;
/** Files remembered (identity, ETag, headers), and URLs remembered: past it, start over. */
const CACHED_ENTRIES = 65_536;
/**
 * A containment check is remembered only for a file whose ctime is at least this old: `stat`
 * reports ctime in whole seconds here, and a change within the same second as the recorded
 * ctime would not show (the "racy" case git's index has with mtimes).
 */
const RACY_MS = 2_000;
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
 * (SHA-256 of the bytes) and `Cache-Control: public, max-age=300`. A matching `If-None-Match`
 * answers 304.
 *
 * Each request `stat`s its file. What a file's path last reached is remembered by identity
 * (device, inode, size, mtime, ctime) with its ETag, headers and, up to 256 KiB, its bytes
 * (64 MiB in all); a request whose `stat` reaches the same identity is answered from memory, and
 * skips the real-path check when that identity was found inside the root at least 2 s after its
 * ctime (so any later rename, write or link of the inode changes its ctime). A path component
 * swapped for a symlink reaches another inode, which is checked again; the one thing served
 * without a new check through a swapped path is the very inode found inside the root before,
 * unchanged.
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
  const redirect = options.redirectBlobs?.publicBaseUrl;
  let realRoot: string | undefined;
  const routes = new Map<string, Route>();
  const files = new Map<string, FileEntry>();
  let cachedBytes = 0;

  /** Remembers `entry` for `file`, keeping the memory bounds. */
  const remember = (file: string, entry: FileEntry): void => {
    const old = files.get(file);
    if (old?.answers.full !== undefined) cachedBytes -= old.sizeBytes;
    if (entry.answers.full !== undefined && cachedBytes + entry.sizeBytes > CACHED_TOTAL_BYTES) {
      for (const e of files.values()) delete e.answers.full;
      cachedBytes = 0;
    }
    if (old === undefined && files.size >= CACHED_ENTRIES) {
      files.clear();
      cachedBytes = 0;
    }
    files.set(file, entry);
    if (entry.answers.full !== undefined) cachedBytes += entry.sizeBytes;
  };

  return async function handle(req: Request): Promise<Response> {
    const url = req.url;
    let route = routes.get(url);
    if (route === undefined) {
      const pathname = new URL(url).pathname;
      if (options.api !== undefined && pathname.startsWith("/api/")) {
        return await options.api(req);
      }
      if (req.method !== "GET" && req.method !== "HEAD") return methodNotAllowed();
      const segments = pathSegments(pathname);
      if (segments === undefined) return text(400, "bad path\n");
      if (segments.length === 0) return text(404, "not found\n");
      const name = segments[segments.length - 1]!;
      const blob = BLOB_NAME.test(name);
      route = {
        file: root + sep + segments.join(sep),
        key: segments.join("/"),
        blob,
        contentType: blob
          ? name.endsWith(".sigstore") ? "application/json" : "application/octet-stream"
          : segments.length === 1 && JSON_FILES.has(name)
          ? "application/json"
          : INDEX_CONTENT_TYPE,
      };
      if (routes.size >= CACHED_ENTRIES) routes.clear();
      routes.set(url, route);
    } else if (req.method !== "GET" && req.method !== "HEAD") {
      return methodNotAllowed(); // a remembered route is never an /api/ path
    }
    const file = route.file;

    let info: Deno.FileInfo;
    try {
      // Synchronous: on a local disk a stat or realpath takes microseconds, while handing an
      // async op to a worker thread and back costs more than that (bench/registry_serve_bench.ts).
      info = Deno.statSync(file);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
        return text(404, "not found\n");
      }
      throw e;
    }
    if (!info.isFile) return text(404, "not found\n");
    const head = req.method === "HEAD";
    const ifNoneMatch = req.headers.get("if-none-match");

    const known = files.get(file);
    if (known !== undefined && known.contained && sameFile(known, info)) {
      if (route.blob && redirect !== undefined) return blobRedirect(redirect + route.key);
      const answer = cachedAnswer(known, head, ifNoneMatch);
      if (answer !== undefined) return answer;
    }

    // The real-path check; from here the file is read through its real path (no symlinks), and
    // what is remembered is the identity found there.
    let real: string;
    try {
      // The root's real path is found once it exists (a failure is not kept: it may appear later).
      const rr = realRoot ??= Deno.realPathSync(root);
      real = Deno.realPathSync(file);
      if (!real.startsWith(rr.endsWith(sep) ? rr : rr + sep)) return text(404, "not found\n");
      info = Deno.statSync(real);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
        return text(404, "not found\n");
      }
      throw e;
    }
    if (!info.isFile) return text(404, "not found\n");
    if (route.blob && redirect !== undefined) return blobRedirect(redirect + route.key);
    const ctimeMs = info.ctime?.getTime();
    const identity = {
      dev: info.dev,
      ino: info.ino,
      sizeBytes: info.size,
      mtimeMs: info.mtime?.getTime() ?? -1,
      ctimeMs: ctimeMs ?? -1,
      contained: ctimeMs !== undefined && Date.now() - ctimeMs >= RACY_MS,
    };
    if (known !== undefined && sameFile(known, info)) {
      // Known identity, newly checked containment: remember the check.
      if (!known.contained && identity.contained) remember(file, { ...known, contained: true });
      const answer = cachedAnswer(known, head, ifNoneMatch);
      if (answer !== undefined) return answer;
    }
    const headers: Record<string, string> = {
      "Content-Type": route.contentType,
      "Cache-Control": route.blob ? BLOB_CACHE_CONTROL : INDEX_CACHE_CONTROL,
    };
    const lastModified = info.mtime?.toUTCString();
    if (lastModified) headers["Last-Modified"] = lastModified;

    let bytes: Uint8Array<ArrayBuffer> | undefined;
    let etag: string;
    if (route.blob) {
      etag = `"${route.key.slice(route.key.lastIndexOf("/") + 1)}"`;
      // Read now only for a 200 with a body; blobs past SYNC_READ_BYTES are streamed below.
      const notModified = ifNoneMatch !== null && etagMatches(ifNoneMatch, etag);
      if (!head && !notModified && info.size <= SYNC_READ_BYTES) bytes = readSmall(real);
    } else {
      bytes = info.size <= SYNC_READ_BYTES ? readSmall(real) : await readLarge(real);
      if (bytes === undefined) return text(404, "not found\n");
      etag = `"${createHash("sha256").update(bytes).digest("base64url")}"`;
    }
    headers.ETag = etag;
    const sizeBytes = bytes?.length ?? info.size;
    const ok = { ...headers, "Content-Length": String(sizeBytes) };
    // Keyed by the stat taken before the read: a write racing the read changes mtime, size or
    // inode (the publish API renames a new file into place), so the next request reads again.
    // (A blob is never rewritten in place, its name being its digest: a size that moved means
    // it was replaced between the stat and the read; the answer is what was read.)
    if (sizeBytes === info.size) {
      const keep = bytes !== undefined && bytes.length <= CACHED_FILE_BYTES;
      const entry: FileEntry = {
        ...identity,
        etag,
        answers: {
          notModified: new Response(null, { status: 304, headers }),
          head: new Response(null, { status: 200, headers: ok }),
          ...(keep ? { full: new Response(bytes, { status: 200, headers: ok }) } : {}),
        },
      };
      remember(file, entry);
      const answer = cachedAnswer(entry, head, ifNoneMatch);
      if (answer !== undefined) return answer;
    }
    if (ifNoneMatch !== null && etagMatches(ifNoneMatch, etag)) {
      return new Response(null, { status: 304, headers });
    }
    if (head) return new Response(null, { status: 200, headers: ok });
    if (bytes !== undefined) return new Response(bytes, { status: 200, headers: ok });
    let f: Deno.FsFile;
    try {
      f = await Deno.open(real, { read: true });
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return text(404, "not found\n");
      throw e;
    }
    return new Response(f.readable, { status: 200, headers: ok });
  };
}

/** A kept answer to a GET or HEAD with this `If-None-Match`, when the entry has it. */
function cachedAnswer(
  entry: FileEntry,
  head: boolean,
  ifNoneMatch: string | null,
): Response | undefined {
  if (ifNoneMatch !== null && etagMatches(ifNoneMatch, entry.etag)) {
    return entry.answers.notModified.clone();
  }
  if (head) return entry.answers.head.clone();
  return entry.answers.full?.clone();
}

/** A file's bytes with one synchronous read; undefined when it is gone. */
function readSmall(path: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    return Deno.readFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** A large file's bytes; undefined when it is gone. */
async function readLarge(path: string): Promise<Uint8Array<ArrayBuffer> | undefined> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** Whether a fresh `stat` reaches the identity an entry was recorded with. */
function sameFile(entry: FileEntry, info: Deno.FileInfo | FileEntry | undefined): boolean {
  if (info === undefined) return false;
  if ("isFile" in info) {
    return entry.ino === info.ino && entry.dev === info.dev && entry.sizeBytes === info.size &&
      entry.mtimeMs === (info.mtime?.getTime() ?? -1) &&
      entry.ctimeMs === (info.ctime?.getTime() ?? -1);
  }
  return entry.ino === info.ino && entry.dev === info.dev && entry.sizeBytes === info.sizeBytes &&
    entry.mtimeMs === info.mtimeMs && entry.ctimeMs === info.ctimeMs &&
    entry.contained === info.contained;
}

function methodNotAllowed(): Response {
  return text(405, "method not allowed: the registry is read-only\n", { Allow: "GET, HEAD" });
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
