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
 *
 * The registry may live in a directory or an S3 bucket ({@link RegistryStorage}), shared by
 * several servers: every write of a shared file is a compare-and-swap (`If-Match` on the etag
 * read, `If-None-Match: *` for a new file) and a lost race reads again and re-decides, so two
 * servers never both accept one version and never lose each other's lines. Blobs are written
 * once by their digest before the index line that names them: a server killed mid-publish
 * leaves at worst an unreferenced blob, never a line without its blob.
 *
 * @module
 */
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
import { DirectoryStorage } from "./storage.ts";
import type { PutCondition, RegistryStorage } from "./storage_types.ts";
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

/** Largest index file, binding or replay file the publish API reads, in bytes. */
const MAX_SHARED_FILE_BYTES = 64 * 1024 * 1024;
/** How many times a write that lost a compare-and-swap race is decided again. */
const CAS_ATTEMPTS = 200;

/** Options of {@link createPublishApi}. */
export interface PublishApiOptions {
  /**
   * The registry directory (holds `config.json`; `dl` must be a relative path); ignored when
   * `storage` is given.
   */
  rootDir?: string;
  /** The registry's storage (a directory or an S3 bucket, see `openStorage`). */
  storage?: RegistryStorage;
  /** Text of the trusted root bundles are verified against; the public-good root when absent. */
  trustedRootJson?: string;
  /** Largest tarball in bytes; default {@link MAX_UPLOAD_BYTES}. */
  maxUploadBytes?: number;
  /** Clock (tests); default `() => new Date()`. */
  now?: () => Date;
  /**
   * Runs after every index file change (publish, yank, unyank), one at a time across packages
   * (changes that land while it runs share its next run, which starts after them):
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

/** A lost compare-and-swap race: the caller reads again and decides again. */
class Conflict extends Error {}

/** A shared file's text and the etag it was read at (undefined: absent). */
interface Read {
  text: string | undefined;
  etag: string | undefined;
}

async function readShared(storage: RegistryStorage, key: string): Promise<Read> {
  const got = await storage.get(key, MAX_SHARED_FILE_BYTES);
  return got === undefined
    ? { text: undefined, etag: undefined }
    : { text: new TextDecoder().decode(got.bytes), etag: got.etag };
}

/** The condition that replaces exactly what was read. */
function sameAsRead(read: Read): PutCondition {
  return read.etag === undefined ? { ifNoneMatch: "*" } : { ifMatch: read.etag };
}

/** Writes `text` at `key` only if it is still as read; a lost race throws {@link Conflict}. */
async function swap(
  storage: RegistryStorage,
  key: string,
  read: Read,
  text: string,
  contentType = "application/octet-stream",
): Promise<void> {
  const etag = await storage.put(key, new TextEncoder().encode(text), {
    condition: sameAsRead(read),
    contentType,
  });
  if (etag === undefined) throw new Conflict();
}

/** Runs `fn` again while it loses compare-and-swap races, with a short jittered pause. */
async function untilSwapped<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0;; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof Conflict)) throw e;
      if (attempt + 1 >= CAS_ATTEMPTS) {
        throw new MochiError(
          "REGISTRY_E004",
          `a registry file kept changing under this write (${CAS_ATTEMPTS} attempts)`,
          { hint: "too many servers are writing the same package at once; try again" },
        );
      }
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * (attempt + 1))));
    }
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
 * Every package name with an index file in the registry: keys `<b1>/<b2>/<scope>/<name>`
 * (scope `-` = a bare name), skipping dot entries and the blob directory.
 */
async function packageNames(storage: RegistryStorage, dl: string): Promise<string[]> {
  const skip = dl.replace(/\/$/, "").split("/")[0];
  const names: string[] = [];
  for await (const o of storage.list("")) {
    const parts = o.key.split("/");
    if (parts.length !== 4 || parts[0] === skip || parts.some((p) => p.startsWith("."))) continue;
    names.push(parts[2] === "-" ? parts[3]! : `@${parts[2]}/${parts[3]}`);
  }
  return names;
}

class TooLarge extends Error {}

/** A publisher binding file, or undefined when absent; a malformed one is an operator error. */
async function readBindingFile(
  storage: RegistryStorage,
  path: string,
): Promise<PublisherBinding | undefined> {
  const { text } = await readShared(storage, path);
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
  if (options.storage === undefined && options.rootDir === undefined) {
    throw new MochiError("REGISTRY_E001", "createPublishApi needs a storage or a rootDir");
  }
  const storage = options.storage ?? new DirectoryStorage(options.rootDir!);
  const maxUpload = options.maxUploadBytes ?? MAX_UPLOAD_BYTES;
  const now = options.now ?? (() => new Date());
  const mutex = new Mutex();
  // One run at a time; the callers that arrive while one runs share the next run (it starts
  // after their index writes, so it sees them): 200 publishes need far fewer re-signs.
  let afterRunning: Promise<void> = Promise.resolve();
  let afterQueued: Promise<void> | undefined;
  const afterIndexWrite = (): Promise<void> => {
    const hook = options.afterIndexWrite;
    if (hook === undefined) return Promise.resolve();
    if (afterQueued !== undefined) return afterQueued;
    const run: Promise<void> = afterRunning.catch(() => {}).then(() => {
      afterQueued = undefined;
      return hook();
    });
    afterQueued = run;
    afterRunning = run;
    return run;
  };

  async function dlDir(): Promise<{ dl: string }> {
    const { text } = await readShared(storage, "config.json");
    if (text === undefined) {
      throw new MochiError(
        "REGISTRY_E001",
        `no registry at ${storage.url}: config.json is missing`,
      );
    }
    const config = parseRegistryConfig(text);
    if (/^[a-z][a-z0-9+.-]*:/i.test(config.dl) || config.dl.startsWith("/")) {
      throw new MochiError(
        "PUB_E011",
        `this registry's dl ${JSON.stringify(config.dl)} is not a directory under the registry`,
      );
    }
    const dl = config.dl.endsWith("/") ? config.dl : config.dl + "/";
    return { dl };
  }

  /**
   * Serialise writes per package in this process (fewer lost races), and across processes and
   * servers by compare-and-swap: `fn` runs again whenever one of its writes lost a race.
   */
  function exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return mutex.run(name, () => untilSwapped(fn));
  }

  function bindingPath(name: string): string {
    return `.publishers/${indexPath(name)}.json`;
  }

  /** `<root>/.publishers/@<scope>.json`: who may add new names to a scope. */
  function scopeBindingPath(scope: string): string {
    return `.publishers/@${scope}.json`;
  }

  async function readBinding(name: string): Promise<PublisherBinding | undefined> {
    return await readBindingFile(storage, bindingPath(name));
  }

  async function readScopeBinding(scope: string): Promise<PublisherBinding | undefined> {
    return await readBindingFile(storage, scopeBindingPath(scope));
  }

  /** Registers a binding: create-only, so a racing registration makes this attempt start over. */
  async function createJson(path: string, value: unknown): Promise<void> {
    await swap(storage, path, { text: undefined, etag: undefined }, JSON.stringify(value) + "\n");
  }

  /** Writes a content-addressed file unless it is there already. */
  async function writeOnce(key: string, bytes: Uint8Array): Promise<void> {
    if (await storage.head(key) !== undefined) return;
    await storage.put(key, bytes, { condition: { ifNoneMatch: "*" } });
  }

  /** `<root>/.publishers/<index path>.seen.json`: replay keys of accepted yank statements. */
  function seenPath(name: string): string {
    return `.publishers/${indexPath(name)}.seen.json`;
  }

  async function readSeen(name: string): Promise<{ seen: Map<string, number>; read: Read }> {
    const read = await readShared(storage, seenPath(name));
    const text = read.text;
    const seen = new Map<string, number>();
    if (text === undefined) return { seen, read };
    const raw = JSON.parse(text) as unknown;
    if (typeof raw === "object" && raw !== null && !Array.isArray(raw)) {
      for (const [k, v] of Object.entries(raw)) if (typeof v === "number") seen.set(k, v);
    }
    return { seen, read };
  }

  /** Keeps the keys whose statements are still inside the clock window; older ones expire. */
  async function writeSeen(
    name: string,
    seen: Map<string, number>,
    read: Read,
    nowMs: number,
  ): Promise<void> {
    const keep = Object.create(null) as Record<string, number>;
    for (const [k, at] of seen) if (at >= nowMs - 2 * YANK_CLOCK_SKEW_MS) keep[k] = at;
    await swap(storage, seenPath(name), read, JSON.stringify(keep) + "\n", "application/json");
  }

  async function readRecords(
    name: string,
  ): Promise<{ path: string; text: string; read: Read; records: IndexRecord[] }> {
    const path = indexPath(name);
    const read = await readShared(storage, path);
    const text = read.text ?? "";
    return { path, text, read, records: parseIndexFile(name, text, path) };
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
    const others = await packageNames(storage, dl);
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
    const { dl } = await dlDir();
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
      const { path: indexFile, text, read: indexRead, records } = await readRecords(name);
      const existing = records.find((r) => sameVersion(r.version, version));
      const blob = `${dl}${digest.blake3}`;
      if (existing !== undefined) {
        if (existing.blake3 === digest.blake3) {
          // A retry after a server died between its index write and its re-sign: re-sign
          // now, so the snapshot covers the line.
          await afterIndexWrite();
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
        otherNames: records.length === 0 ? await packageNames(storage, dl) : [],
        popularNames: records.length === 0 ? await popularNames(storage) : [],
      }, PUBLISH_CHECKS);
      if (problems.length > 0) {
        return refuse(422, `${name} ${version} was rejected: ${problems.length} problem(s)`, {
          name,
          version,
          problems,
        });
      }
      const record = publishedRecord(manifest, digest, signer, `${blob}.sigstore`, now());
      // Blobs first, once by digest (a racing writer of the same digest wrote the same bytes),
      // so no index line ever names a blob that is not there.
      await writeOnce(`${blob}`, tarball);
      await writeOnce(`${blob}.sigstore`, bundle);
      if (permission.registerScopeBinding !== undefined) {
        await createJson(scopeBindingPath(scopeOf(name)!), permission.registerScopeBinding);
      }
      if (permission.registerBinding !== undefined) {
        await createJson(bindingPath(name), permission.registerBinding);
      }
      const base = text === "" || text.endsWith("\n") ? text : text + "\n";
      await swap(storage, indexFile, indexRead, base + formatIndexRecord(record) + "\n");
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
    // Set once this request has spent its statement: an attempt repeated after a lost race
    // must not take its own replay key for someone else's.
    let spentAtMs: number | undefined;
    return await exclusive(name, async () => {
      const { path: indexFile, read: indexRead, records } = await readRecords(name);
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
      const { seen, read: seenRead } = await readSeen(name);
      const permission = yankPermission({
        name,
        action,
        ...(binding === undefined ? {} : { binding }),
        signer: verified.signer,
        predicateType: verified.statement.predicateType,
        predicate: verified.statement.predicate,
        nowMs,
        clockSkewMs: YANK_CLOCK_SKEW_MS,
        seenBefore: seen.has(replayKey) && seen.get(replayKey) !== spentAtMs,
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
      if (spentAtMs === undefined) {
        await writeSeen(name, seen, seenRead, nowMs);
        spentAtMs = permission.atMs;
      }
      const { yankReason: _old, ...rest } = rec;
      const updated: IndexRecord = action === "yank"
        ? { ...rest, yanked: true, ...(permission.reason ? { yankReason: permission.reason } : {}) }
        : { ...rest, yanked: false };
      const next = records.map((r, i) => formatIndexRecord(i === index ? updated : r) + "\n").join(
        "",
      );
      await swap(storage, indexFile, indexRead, next);
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
async function popularNames(storage: RegistryStorage): Promise<string[]> {
  try {
    const { text } = await readShared(storage, "popular.json");
    if (text === undefined) return [];
    const raw = JSON.parse(text);
    return Array.isArray(raw) ? raw.filter((n): n is string => typeof n === "string") : [];
  } catch {
    return [];
  }
}
