/**
 * The registry's publish API, mounted by `mochi registry serve --allow-publish` under `/api/v1/`
 * (crates.io's publish and yank endpoints, the cargo book "Web API"):
 *
 * - `POST /api/v1/packages`, multipart `tarball` + `bundle`: the bundle is verified against the
 *   registry's trusted root (certificate chain, transparency log, DSSE signature) and must attest
 *   the tarball's BLAKE3 and SHA-256; the signer must be allowed by {@link publishPermission}
 *   (the package's publisher binding, or its scope's for a new name; a name with versions but no
 *   binding is never claimable), decided from the signed subject before the archive is unpacked;
 *   the archive is then read as a stream (only `mochi.toml` kept) and its manifest must pass
 *   {@link PUBLISH_CHECKS}. Then the blob, its bundle and the index line are written, the index
 *   line last (temp file + rename: readers see the old file or the new one).
 *   `201` published · `200` the same bytes again (idempotent) · `409` the version exists with
 *   other bytes · `422` every manifest problem · `401` bad or missing signature · `403` signer
 *   not allowed · `400` malformed request · `413` too large.
 * - `POST /api/v1/packages/<name>/<version>/yank` and `…/unyank`, multipart `bundle` (and
 *   `reason`): a signed {@link MOCHI_YANK_PREDICATE} statement about that version's archive,
 *   with the action in the URL and a timestamp within 10 minutes, never accepted before (replay
 *   keys in `<root>/.publishers/<index path>.seen.json`); the signer must match the binding
 *   ({@link yankPermission}). `200` done.
 *
 * Bindings live in `<root>/.publishers/<index path>.json`, scope bindings in
 * `<root>/.publishers/@<scope>.json`; the server never serves dot paths.
 * Writes are serialised per package in the process and across processes by a file lock.
 *
 * @module
 */
import { join } from "node:path";
import { MochiError } from "../../errors.ts";
import {
  formatIndexRecord,
  indexPath,
  type IndexRecord,
  parseIndexFile,
  parseRegistryConfig,
} from "../../index/mod.ts";
import { type Manifest, parseManifest } from "../../manifest/mod.ts";
import { decodeUtf8Strict } from "../../manifest/utf8.ts";
import type { PublisherBinding } from "../../publish/binding.ts";
import { PUBLISH_CHECKS, runPublishChecks } from "../../publish/checks.ts";
import { publishedRecord } from "../../publish/record.ts";
import {
  type NameOwnership,
  parseSubjectName,
  publishPermission,
  scopeOf,
  yankPermission,
} from "../../publish/rules.ts";
import { compareVersions, parseVersion, tryParseVersion } from "../../semver/mod.ts";
import { digestBytes, readArchiveStream } from "../../store/mod.ts";
import { createHash } from "node:crypto";
import { writeFileAtomic } from "../../store/fs/fs_atomic.ts";
import { parseTrustedRoot } from "../../trust/sigstore/trusted_root.ts";
import {
  type VerifiedAttestation,
  verifySigstoreAttestation,
} from "../../trust/sigstore/verify.ts";
import { LIMITS } from "../../limits.ts";

/** Largest tarball the publish API accepts, in bytes (50 MiB). */
export const MAX_UPLOAD_BYTES: number = LIMITS.packageBytes;
/** Largest accepted bundle, in bytes. */
export const MAX_BUNDLE_BYTES: number = LIMITS.bundleBytes;
/** How far a yank statement's timestamp may be from the registry clock, in milliseconds. */
export const YANK_CLOCK_SKEW_MS = 10 * 60 * 1000;
/** Largest `mochi.toml` read from an upload, in bytes. */
export const MAX_UPLOAD_MANIFEST_BYTES = 1024 * 1024;
/** Largest sum of the entry paths of an upload, in UTF-8 bytes (what the server keeps of it). */
export const MAX_UPLOAD_PATH_BYTES = 4 * 1024 * 1024;

/** Options of {@link createPublishApi}. */
export interface PublishApiOptions {
  /** The registry directory (holds `config.json`; `dl` must be a relative path). */
  rootDir: string;
  /** Text of the trusted root bundles are verified against; the public-good root when absent. */
  trustedRootJson?: string;
  /** Largest tarball in bytes; default {@link MAX_UPLOAD_BYTES}. */
  maxUploadBytes?: number;
  /** Clock (tests); default `() => new Date()`. */
  now?: () => Date;
  /**
   * Runs after every index file change (publish, yank, unyank), one at a time across packages:
   * `mochi registry serve --snapshot-key F` re-signs `snapshot.json` here, so clients that pin
   * the registry's key see the new line at once.
   */
  afterIndexWrite?: () => Promise<void>;
}

/** The JSON body of every publish API answer. */
export interface PublishApiAnswer {
  /** `published`, `unchanged`, `yanked`, `unyanked`, or `error`. */
  status: string;
  /** Package name, when known. */
  name?: string;
  /** Version, when known. */
  version?: string;
  /** BLAKE3 of the archive, when known. */
  blake3?: string;
  /** Blob path relative to the index root. */
  blob?: string;
  /** Bundle path relative to the index root. */
  bundle?: string;
  /** What went wrong, one line. */
  reason?: string;
  /** Every problem (422). */
  problems?: string[];
}

function answer(status: number, body: PublishApiAnswer): Response {
  return new Response(JSON.stringify(body) + "\n", {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

function refuse(status: number, reason: string, extra: Partial<PublishApiAnswer> = {}): Response {
  return answer(status, { status: "error", reason, ...extra });
}

class Mutex {
  #tails = new Map<string, Promise<void>>();
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.#tails.set(key, tail);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}

async function readTextOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw e;
  }
}

async function partBytes(
  part: FormDataEntryValue | null,
  max: number,
): Promise<Uint8Array | "big" | undefined> {
  if (part === null) return undefined;
  if (typeof part === "string") {
    const b = new TextEncoder().encode(part);
    return b.length > max ? "big" : b;
  }
  if (part.size > max) return "big";
  return new Uint8Array(await part.arrayBuffer());
}

/**
 * Every package name with an index file in the registry: files at `<b1>/<b2>/<scope>/<name>`
 * (scope `-` = a bare name), skipping dot entries, the blob directory and `config.json`.
 */
async function packageNames(root: string, dl: string): Promise<string[]> {
  const skip = dl.replace(/\/$/, "").split("/")[0];
  const names: string[] = [];
  async function walk(dir: string, depth: number, parts: string[]): Promise<void> {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(dir));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return;
      throw e;
    }
    for (const e of entries) {
      if (
        e.name.startsWith(".") || (depth === 0 && (e.name === skip || e.name === "config.json"))
      ) {
        continue;
      }
      if (depth < 3 && e.isDirectory) await walk(join(dir, e.name), depth + 1, [...parts, e.name]);
      else if (depth === 3 && e.isFile) {
        names.push(parts[2] === "-" ? e.name : `@${parts[2]}/${e.name}`);
      }
    }
  }
  await walk(root, 0, []);
  return names;
}

class TooLarge extends Error {}

/** A publisher binding file, or undefined when absent; a malformed one is an operator error. */
async function readBindingFile(path: string): Promise<PublisherBinding | undefined> {
  const text = await readTextOrUndefined(path);
  if (text === undefined) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    raw = undefined;
  }
  const b = raw as Partial<PublisherBinding> | undefined;
  if (typeof b?.issuer !== "string" || typeof b?.subjectPattern !== "string") {
    throw new MochiError(
      "PUB_E011",
      `publisher binding ${path} is not {"issuer": "…", "subjectPattern": "…"}`,
      { hint: "the registry operator must fix or remove the file" },
    );
  }
  return { issuer: b.issuer, subjectPattern: b.subjectPattern };
}

/** The replay key of a signed statement: SHA-256 of its JSON. */
function statementKey(statement: unknown): string {
  return createHash("sha256").update(JSON.stringify(statement)).digest("hex");
}

/**
 * The manifest and file list of an uploaded archive, read as a stream: bodies other than
 * `mochi.toml` are drained, never kept, so memory stays at the upload plus stream buffers
 * however far the archive unpacks (the archive limits still bound the work).
 */
async function readUploadedArchive(
  tarball: Uint8Array,
): Promise<{ manifest: Manifest; files: Set<string> } | Response> {
  const files = new Set<string>();
  let pathBytes = 0;
  let manifestText: string | undefined;
  const problem = (p: string) => refuse(422, p, { problems: [p] });
  try {
    for await (
      const e of readArchiveStream(ReadableStream.from([tarball]), {
        compressedSizeBytes: tarball.length,
      })
    ) {
      if (e.type !== "file") continue;
      pathBytes += e.path.length;
      if (pathBytes > MAX_UPLOAD_PATH_BYTES) {
        return problem(`the archive's paths add up to more than ${MAX_UPLOAD_PATH_BYTES} bytes`);
      }
      files.add(e.path);
      if (e.path !== "mochi.toml") continue;
      if (e.sizeBytes > MAX_UPLOAD_MANIFEST_BYTES) {
        return problem(`mochi.toml is ${e.sizeBytes} bytes, over ${MAX_UPLOAD_MANIFEST_BYTES}`);
      }
      const chunks: Uint8Array[] = [];
      for await (const c of e.body()) chunks.push(c);
      manifestText = decodeUtf8Strict(
        await new Blob(chunks as BlobPart[]).bytes(),
        "mochi.toml",
        "MANIFEST_E001",
        "save mochi.toml as UTF-8 and publish again",
      );
    }
    if (manifestText === undefined) return problem("the archive has no mochi.toml at its root");
    return { manifest: parseManifest(manifestText, "mochi.toml").manifest, files };
  } catch (e) {
    if (e instanceof MochiError) {
      const where = e.line ? ` (mochi.toml:${e.line}:${e.column ?? 1})` : "";
      return problem(`${e.code}: ${e.message}${where}`);
    }
    throw e;
  }
}

/**
 * The request with its body cut off at `maxBytes`: a longer body (by `Content-Length` or as it
 * streams) makes reading it throw {@link TooLarge}, so an upload never buffers past the limit.
 */
function limitedBody(req: Request, maxBytes: number): Request {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw new TooLarge();
  if (req.body === null) return req;
  let seen = 0;
  const body = req.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.length;
        if (seen > maxBytes) controller.error(new TooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
  return new Request(req.url, { method: req.method, headers: req.headers, body });
}

function sameVersion(a: string, b: string): boolean {
  const va = tryParseVersion(a);
  const vb = tryParseVersion(b);
  return va && vb ? compareVersions(va, vb) === 0 : a === b;
}

/**
 * Build the publish API handler for a registry directory. Requests whose path does not start
 * with `/api/v1/` get 404.
 *
 * @param options registry directory, trusted root, limits, clock
 * @returns a handler for `Deno.serve` (mount it with `createRegistryHandler`'s `api` option)
 * @throws {MochiError} `SIG_E002` when the trusted root is malformed (checked up front, so a
 *   misconfigured registry fails at start, not on the first upload)
 */
export function createPublishApi(options: PublishApiOptions): (req: Request) => Promise<Response> {
  if (options.trustedRootJson !== undefined) parseTrustedRoot(options.trustedRootJson);
  const root = options.rootDir;
  const maxUpload = options.maxUploadBytes ?? MAX_UPLOAD_BYTES;
  const now = options.now ?? (() => new Date());
  const mutex = new Mutex();
  const afterIndexWrite = (): Promise<void> =>
    options.afterIndexWrite === undefined
      ? Promise.resolve()
      : mutex.run("\0after-index-write", options.afterIndexWrite);

  async function dlDir(): Promise<{ dl: string; dir: string }> {
    const config = parseRegistryConfig(await Deno.readTextFile(join(root, "config.json")));
    if (/^[a-z][a-z0-9+.-]*:/i.test(config.dl) || config.dl.startsWith("/")) {
      throw new MochiError(
        "PUB_E011",
        `this registry's dl ${JSON.stringify(config.dl)} is not a directory under the registry`,
      );
    }
    const dl = config.dl.endsWith("/") ? config.dl : config.dl + "/";
    return { dl, dir: join(root, dl) };
  }

  /**
   * Serialise writes: per package in this process, and across processes with an exclusive
   * `flock` on `<root>/.publishers/.lock` (released by the kernel if the process dies).
   */
  function exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return mutex.run(name, async () => {
      await Deno.mkdir(join(root, ".publishers"), { recursive: true });
      const file = await Deno.open(join(root, ".publishers", ".lock"), {
        create: true,
        write: true,
      });
      try {
        await file.lock(true);
        return await fn();
      } finally {
        file.close();
      }
    });
  }

  function bindingPath(name: string): string {
    return join(root, ".publishers", `${indexPath(name)}.json`);
  }

  /** `<root>/.publishers/@<scope>.json`: who may add new names to a scope. */
  function scopeBindingPath(scope: string): string {
    return join(root, ".publishers", `@${scope}.json`);
  }

  async function readBinding(name: string): Promise<PublisherBinding | undefined> {
    return await readBindingFile(bindingPath(name));
  }

  async function readScopeBinding(scope: string): Promise<PublisherBinding | undefined> {
    return await readBindingFile(scopeBindingPath(scope));
  }

  async function writeJson(path: string, value: unknown): Promise<void> {
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await writeFileAtomic(path, new TextEncoder().encode(JSON.stringify(value) + "\n"));
  }

  /** `<root>/.publishers/<index path>.seen.json`: replay keys of accepted yank statements. */
  function seenPath(name: string): string {
    return join(root, ".publishers", `${indexPath(name)}.seen.json`);
  }

  async function readSeen(name: string): Promise<Map<string, number>> {
    const text = await readTextOrUndefined(seenPath(name));
    const seen = new Map<string, number>();
    if (text === undefined) return seen;
    const raw = JSON.parse(text) as unknown;
    if (typeof raw === "object" && raw !== null && !Array.isArray(raw)) {
      for (const [k, v] of Object.entries(raw)) if (typeof v === "number") seen.set(k, v);
    }
    return seen;
  }

  /** Keeps the keys whose statements are still inside the clock window; older ones expire. */
  async function writeSeen(name: string, seen: Map<string, number>, nowMs: number): Promise<void> {
    const keep = Object.create(null) as Record<string, number>;
    for (const [k, at] of seen) if (at >= nowMs - 2 * YANK_CLOCK_SKEW_MS) keep[k] = at;
    await writeJson(seenPath(name), keep);
  }

  async function readRecords(
    name: string,
  ): Promise<{ path: string; text: string; records: IndexRecord[] }> {
    const path = join(root, indexPath(name));
    const text = (await readTextOrUndefined(path)) ?? "";
    return { path, text, records: parseIndexFile(name, text, path) };
  }

  function verify(
    bundleJson: string,
    digest: { blake3: string; sha256: string },
  ): VerifiedAttestation | Response {
    try {
      return verifySigstoreAttestation({
        bundleJson,
        ...(options.trustedRootJson === undefined
          ? {}
          : { trustedRootJson: options.trustedRootJson }),
        subjectDigests: { blake3: digest.blake3, sha256: digest.sha256 },
      });
    } catch (e) {
      if (e instanceof MochiError && e.code.startsWith("SIG_")) {
        return refuse(401, `${e.code}: ${e.message}`);
      }
      throw e;
    }
  }

  /**
   * What the registry holds about a name and its scope (its binding, whether it has versions,
   * the scope binding, whether the scope has other names), for {@link publishPermission}.
   */
  async function ownership(name: string, dl: string): Promise<NameOwnership> {
    const binding = await readBinding(name);
    const { records } = await readRecords(name);
    const scope = scopeOf(name);
    const state: NameOwnership = {
      name,
      published: records.length > 0,
      scopeHasPackages: false,
      ...(binding === undefined ? {} : { binding }),
    };
    if (binding !== undefined || records.length > 0 || scope === undefined) return state;
    const scopeBinding = await readScopeBinding(scope);
    if (scopeBinding !== undefined) return { ...state, scopeBinding };
    const prefix = `@${scope}/`;
    const others = await packageNames(root, dl);
    return { ...state, scopeHasPackages: others.some((n) => n.startsWith(prefix) && n !== name) };
  }

  async function publish(req: Request): Promise<Response> {
    const limit = maxUpload + MAX_BUNDLE_BYTES + 64 * 1024;
    let form: FormData;
    try {
      form = await limitedBody(req, limit).formData();
    } catch (e) {
      if (e instanceof TooLarge) return refuse(413, `the request is larger than ${limit} bytes`);
      return refuse(400, "expected a multipart/form-data body with parts tarball and bundle");
    }
    const tarball = await partBytes(form.get("tarball"), maxUpload);
    const bundle = await partBytes(form.get("bundle"), MAX_BUNDLE_BYTES);
    if (tarball === "big") return refuse(413, `the tarball is larger than ${maxUpload} bytes`);
    if (bundle === "big") return refuse(413, `the bundle is larger than ${MAX_BUNDLE_BYTES} bytes`);
    if (tarball === undefined) return refuse(400, "the multipart part tarball is missing");
    if (bundle === undefined) {
      return refuse(401, "the multipart part bundle is missing: every publish must be signed");
    }
    const digest = await digestBytes(tarball);
    const verified = verify(new TextDecoder().decode(bundle), digest);
    if (verified instanceof Response) return verified;
    const signer = verified.signer;

    // Who may publish is decided from the signed subject before the archive is unpacked: a
    // stranger's upload (a decompression bomb, say) is refused without reading it.
    const subject = parseSubjectName(verified.subject.name);
    if (subject === undefined) {
      return refuse(
        422,
        `the signed subject ${JSON.stringify(verified.subject.name)} is not <name>@<version>`,
      );
    }
    try {
      indexPath(subject.name);
    } catch (e) {
      if (e instanceof MochiError) return refuse(422, `the signed subject: ${e.message}`);
      throw e;
    }
    const { dl, dir } = await dlDir();
    const early = publishPermission(await ownership(subject.name, dl), signer);
    if (!early.allowed) {
      return refuse(403, early.reason, { name: subject.name, version: subject.version });
    }

    const read = await readUploadedArchive(tarball);
    if (read instanceof Response) return read;
    const { manifest, files } = read;
    const name = manifest.package.name;
    const version = manifest.package.version;

    return await exclusive(name, async () => {
      const permission = publishPermission(await ownership(name, dl), signer);
      if (!permission.allowed) return refuse(403, permission.reason, { name, version });
      const { path: indexFile, text, records } = await readRecords(name);
      const existing = records.find((r) => sameVersion(r.version, version));
      const blob = `${dl}${digest.blake3}`;
      if (existing !== undefined) {
        if (existing.blake3 === digest.blake3) {
          return answer(200, {
            status: "unchanged",
            name,
            version,
            blake3: digest.blake3,
            blob,
            bundle: `${blob}.sigstore`,
          });
        }
        return refuse(
          409,
          `${name} ${existing.version} is already published with other bytes (BLAKE3 ${existing.blake3}, this upload ${digest.blake3})`,
          { name, version },
        );
      }
      const problems = runPublishChecks({
        manifest,
        files,
        subjectName: verified.subject.name,
        published: records,
        otherNames: records.length === 0 ? await packageNames(root, dl) : [],
        popularNames: records.length === 0 ? await popularNames(root) : [],
      }, PUBLISH_CHECKS);
      if (problems.length > 0) {
        return refuse(422, `${name} ${version} was rejected: ${problems.length} problem(s)`, {
          name,
          version,
          problems,
        });
      }
      const record = publishedRecord(manifest, digest, signer, `${blob}.sigstore`, now());
      await Deno.mkdir(dir, { recursive: true });
      await writeFileAtomic(join(dir, digest.blake3), tarball);
      await writeFileAtomic(join(dir, `${digest.blake3}.sigstore`), bundle);
      if (permission.registerScopeBinding !== undefined) {
        await writeJson(scopeBindingPath(scopeOf(name)!), permission.registerScopeBinding);
      }
      if (permission.registerBinding !== undefined) {
        await writeJson(bindingPath(name), permission.registerBinding);
      }
      await Deno.mkdir(indexFile.slice(0, indexFile.lastIndexOf("/")), { recursive: true });
      const base = text === "" || text.endsWith("\n") ? text : text + "\n";
      await writeFileAtomic(
        indexFile,
        new TextEncoder().encode(base + formatIndexRecord(record) + "\n"),
      );
      await afterIndexWrite();
      return answer(201, {
        status: "published",
        name,
        version,
        blake3: digest.blake3,
        blob,
        bundle: `${blob}.sigstore`,
      });
    });
  }

  async function yank(
    req: Request,
    name: string,
    version: string,
    action: "yank" | "unyank",
  ): Promise<Response> {
    let form: FormData;
    try {
      form = await limitedBody(req, MAX_BUNDLE_BYTES + 64 * 1024).formData();
    } catch (e) {
      if (e instanceof TooLarge) return refuse(413, "the request is too large for a yank");
      return refuse(400, "expected a multipart/form-data body with a bundle part");
    }
    const bundle = await partBytes(form.get("bundle"), MAX_BUNDLE_BYTES);
    if (bundle === "big") return refuse(413, `the bundle is larger than ${MAX_BUNDLE_BYTES} bytes`);
    if (bundle === undefined) {
      return refuse(401, `the multipart part bundle is missing: a ${action} must be signed`);
    }
    return await exclusive(name, async () => {
      const { path: indexFile, records } = await readRecords(name);
      const index = records.findIndex((r) => sameVersion(r.version, version));
      if (index < 0) return refuse(404, `${name} ${version} is not published here`);
      const rec = records[index]!;
      const verified = verify(new TextDecoder().decode(bundle), {
        blake3: rec.blake3,
        sha256: rec!.sha256,
      });
      if (verified instanceof Response) return verified;
      const binding = await readBinding(name);
      const replayKey = statementKey(verified.statement);
      const nowMs = now().getTime();
      const seen = await readSeen(name);
      const permission = yankPermission({
        name,
        action,
        ...(binding === undefined ? {} : { binding }),
        signer: verified.signer,
        predicateType: verified.statement.predicateType,
        predicate: verified.statement.predicate,
        nowMs,
        clockSkewMs: YANK_CLOCK_SKEW_MS,
        seenBefore: seen.has(replayKey),
      });
      if (!permission.allowed) {
        return refuse(
          permission.status,
          permission.reason,
          permission.status === 403 ? { name, version } : {},
        );
      }
      // The statement is spent before the index changes: a crash in between loses the request
      // (sign a new one), never lets the same bundle apply twice.
      seen.set(replayKey, permission.atMs);
      await writeSeen(name, seen, nowMs);
      const { yankReason: _old, ...rest } = rec;
      const updated: IndexRecord = action === "yank"
        ? { ...rest, yanked: true, ...(permission.reason ? { yankReason: permission.reason } : {}) }
        : { ...rest, yanked: false };
      const next = records.map((r, i) => formatIndexRecord(i === index ? updated : r) + "\n").join(
        "",
      );
      await writeFileAtomic(indexFile, new TextEncoder().encode(next));
      await afterIndexWrite();
      return answer(200, {
        status: action === "yank" ? "yanked" : "unyanked",
        name,
        version,
        blake3: rec!.blake3,
      });
    });
  }

  return async function handle(req: Request): Promise<Response> {
    const path = new URL(req.url).pathname;
    if (!path.startsWith("/api/v1/")) return refuse(404, "not found");
    if (req.method !== "POST") {
      return new Response(JSON.stringify({ status: "error", reason: "use POST" }) + "\n", {
        status: 405,
        headers: { "Content-Type": "application/json", Allow: "POST" },
      });
    }
    try {
      if (path === "/api/v1/packages") return await publish(req);
      const m = /^\/api\/v1\/packages\/(.+)\/([^/]+)\/(yank|unyank)$/.exec(path);
      if (m !== null) {
        const name = decodeURIComponent(m[1]!);
        const version = decodeURIComponent(m[2]!);
        try {
          indexPath(name);
          parseVersion(version);
        } catch (e) {
          return refuse(400, e instanceof Error ? e.message : String(e));
        }
        return await yank(req, name, version, m[3] as "yank" | "unyank");
      }
      return refuse(404, "not found");
    } catch (e) {
      if (e instanceof MochiError) return refuse(500, `${e.code}: ${e.message}`);
      throw e;
    }
  };
}

/** The registry's `popular.json` (a JSON array of names), or none when absent or malformed. */
async function popularNames(root: string): Promise<string[]> {
  try {
    const raw = JSON.parse(await Deno.readTextFile(join(root, "popular.json")));
    return Array.isArray(raw) ? raw.filter((n): n is string => typeof n === "string") : [];
  } catch {
    return [];
  }
}
