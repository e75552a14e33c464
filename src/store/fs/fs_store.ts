/**
 * The on-disk content-addressed store under `$MOCHI_HOME/store` (content-addressed like
 * pnpm's store and uv's cache; README.md §Reliability):
 *
 * ```
 * <root>/blobs/<aa>/<bb>/<blake3-hex> verified .tar.zst blobs (aa/bb = first two byte pairs)
 * <root>/extracted/<blake3-hex>/ extracted trees <root>/tmp/ temp files and dirs (same filesystem,
 * so renames are atomic); each process's in `tmp/s-<id>/` (see store_lock.ts) <root>/.lock the
 * store lock (shared: install; exclusive: cache prune) <root>/locks/<aa> download locks, 256
 * stripes by the first digest byte
 * ```
 *
 * A blob gets its final name only after BLAKE3 and SHA-256, computed in one streaming pass while
 * the bytes go to a temp file, both match; an extracted tree is written into a private temp dir
 * and renamed into place, so a reader never sees half a blob or half a tree, and two processes
 * racing on the same blob both end with the same result (deno's `SiblingTempDir` extraction, uv's
 * `write_atomic`).
 *
 * @module
 */

import { join } from "node:path";
import { MochiError } from "../../errors.ts";
import type { ArchivePolicy } from "../archive.ts";
import {
  createDualHasher,
  type Digest,
  type DigestOptions,
  DigestTransform,
  isHexDigest,
} from "../digest.ts";
import { fsyncDir, removeIfExists } from "./fs_atomic.ts";
import { NO_TEST_HOOKS, type TestHooks } from "./test_hooks.ts";

/** The digests a blob must match, from the lockfile or index record. */
export interface ExpectedDigest {
  /** BLAKE3-256, lowercase hex: the address. */
  blake3: string;
  /** SHA-256, lowercase hex. */
  sha256: string;
  /**
   * Declared size in bytes, when known: a shorter stream is `BLOB_E002`, a longer one `BLOB_E001`.
   */
  sizeBytes?: number;
  /** Cap when the size is not declared: a stream longer than this is `BLOB_E004` (endless data). */
  maxBytes?: number;
}

/** Options of the {@link FsStore} constructor. */
export interface FsStoreOptions {
  /**
   * Fault points and limits for tests (default: none).
   *
   * @ignore
   */
  hooks?: TestHooks;
  /**
   * Directory for this process's temp files (its store-lock session, `<root>/tmp/s-<id>/`);
   * default `<root>/tmp`.
   */
  workDir?: string;
}

/** Sizes of the store's parts, from {@link FsStore.size}. */
export interface StoreSize {
  /** Number of blobs. */
  blobs: number;
  /** Bytes of blobs. */
  blobBytes: number;
  /** Number of extracted trees. */
  trees: number;
  /** Bytes of files in extracted trees. */
  treeBytes: number;
  /** Bytes in `<root>/tmp` (temp files, sessions). */
  tempBytes: number;
}

/** Options of {@link FsStore.prune}. */
export interface PruneOptions {
  /** Remove blobs (and their trees) not used for at least this long, ms. */
  olderThanMs: number;
  /** Only report what would be removed. */
  dryRun?: boolean;
  /** The current time, epoch ms (default `Date.now()`). */
  nowMs?: number;
}

/** What {@link FsStore.prune} removed (or would remove, with `dryRun`). */
export interface PruneReport {
  /** Blobs removed. */
  blobs: number;
  /** Bytes of those blobs. */
  blobBytes: number;
  /** Extracted trees removed (of pruned blobs, or whose blob is gone). */
  trees: number;
  /** Bytes of those trees. */
  treeBytes: number;
}

/** Where {@link FsStore.putBlob} left the blob. */
export interface PutResult {
  /** Absolute path of the blob file. */
  path: string;
  /** Blob size in bytes. */
  sizeBytes: number;
  /** False when the blob was already in the store (the stream was cancelled unread), or another
   * process created it while this one was downloading: exactly one writer creates each blob. */
  written: boolean;
}

/** One blob whose bytes no longer hash to its address. */
export interface CorruptBlob {
  /** The address (file name) the blob is stored under. */
  b3: string;
  /** Path of the blob file. */
  path: string;
  /** BLAKE3 of the bytes actually on disk. */
  actualBlake3: string;
}

/** Result of {@link FsStore.verify}. */
export interface VerifyReport {
  /** Blobs re-hashed. */
  checked: number;
  /** Blobs whose content does not match their name or bucket. */
  corrupt: CorruptBlob[];
}

/** Environment lookup accepted by {@link resolveMochiHome}: `Deno.env` or a plain record. */
export type EnvLike = { get(key: string): string | undefined } | Record<string, string | undefined>;

function envGet(env: EnvLike, key: string): string | undefined {
  const v = typeof env.get === "function"
    ? (env as { get(k: string): string | undefined }).get(key)
    : (env as Record<string, string | undefined>)[key];
  return v === undefined || v === "" ? undefined : v;
}

/**
 * Resolve `$MOCHI_HOME`: the `MOCHI_HOME` variable, else `$XDG_CACHE_HOME/mochi` (only when
 * absolute, per the XDG spec), else `%LOCALAPPDATA%\mochi` on Windows, else `~/.cache/mochi`
 * (the XDG Base Directory specification).
 *
 * @param env `Deno.env` or a record of variables
 * @param os the platform (default `Deno.build.os`)
 * @returns the directory (not created)
 * @throws {MochiError} `CLI_E001` when no home directory can be found
 */
export function resolveMochiHome(env: EnvLike, os: string = Deno.build.os): string {
  const explicit = envGet(env, "MOCHI_HOME");
  if (explicit) return explicit;
  const xdg = envGet(env, "XDG_CACHE_HOME");
  if (xdg && (xdg.startsWith("/") || /^[A-Za-z]:[\\/]/.test(xdg))) return join(xdg, "mochi");
  if (os === "windows") {
    const local = envGet(env, "LOCALAPPDATA");
    if (local) return join(local, "mochi");
  }
  const home = envGet(env, "HOME") ?? envGet(env, "USERPROFILE");
  if (home) return join(home, ".cache", "mochi");
  throw new MochiError("CLI_E001", "cannot find a directory for the mochi cache", {
    hint: "set MOCHI_HOME (or HOME) to a writable directory",
  });
}

/**
 * The store root inside a mochi home: `<mochiHome>/store`.
 *
 * @param mochiHome from {@link resolveMochiHome}
 * @returns the store root
 */
export function storeRootOf(mochiHome: string): string {
  return join(mochiHome, "store");
}

function checkDigest(b3: string, what = "BLAKE3 digest"): void {
  if (!isHexDigest(b3)) {
    throw new MochiError(
      "BLOB_E008",
      `${what} ${JSON.stringify(b3)} is not 64 lowercase hex digits`,
      {
        hint: "check the lockfile or index record it came from",
      },
    );
  }
}

async function exists(path: string, kind: "file" | "dir"): Promise<boolean> {
  try {
    const st = await Deno.stat(path);
    return kind === "file" ? st.isFile : st.isDirectory;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** Chunk size for reads from disk: 1 MiB keeps hashing efficient and memory flat. */
const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * Read a file as a stream of large chunks (Deno's `FsFile.readable` yields 64 KiB ones).
 *
 * @param path the file
 * @returns a stream that closes the file when done or cancelled
 */
export async function readFileChunks(
  path: string,
  chunkBytes = READ_CHUNK_BYTES,
): Promise<ReadableStream<Uint8Array>> {
  const file = await Deno.open(path, { read: true });
  let closed = false;
  const close = () => {
    if (!closed) {
      closed = true;
      file.close();
    }
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const buf = new Uint8Array(chunkBytes);
        let n = 0;
        while (n < chunkBytes) {
          const r = await file.read(buf.subarray(n));
          if (r === null) break;
          n += r;
        }
        if (n > 0) controller.enqueue(n === chunkBytes ? buf : buf.subarray(0, n));
        if (n < chunkBytes) {
          close();
          controller.close();
        }
      } catch (e) {
        close();
        controller.error(e);
      }
    },
    cancel() {
      close();
    },
  });
}

/**
 * Digest a file in one pass with one reused read buffer, so memory stays at one chunk however
 * large the file is (`mochi verify`, the blob bench).
 *
 * @param path the file
 * @param options as {@link digestStream}; `chunkBytes` read size (default 1 MiB)
 * @returns `{ blake3, sha256, sizeBytes }`
 * @throws the underlying `Deno.errors.*` when the file cannot be read; `BLOB_E004` over
 *   `maxSizeBytes`
 */
export async function digestFile(
  path: string,
  options: DigestOptions & { chunkBytes?: number } = {},
): Promise<Digest> {
  const file = await Deno.open(path, { read: true });
  const hasher = await createDualHasher(options);
  try {
    const buf = new Uint8Array(options.chunkBytes ?? READ_CHUNK_BYTES);
    while (true) {
      let n = 0;
      while (n < buf.length) {
        const r = await file.read(buf.subarray(n));
        if (r === null) break;
        n += r;
      }
      if (n > 0) await hasher.update(buf.subarray(0, n));
      if (n < buf.length) break;
    }
    return await hasher.finish();
  } catch (e) {
    hasher.abort();
    throw e;
  } finally {
    file.close();
  }
}

/** The content-addressed store rooted at one directory. */
export class FsStore {
  /** The store root, e.g. `$MOCHI_HOME/store`. */
  readonly root: string;
  #hooks: TestHooks;
  #workDir: string | undefined;

  /**
   * Open the store rooted at `rootDir`; nothing is touched on disk until the first write.
   *
   * @param rootDir the store root, e.g. `$MOCHI_HOME/store`
   * @param options test hooks and this process's temp directory
   */
  constructor(rootDir: string, options: FsStoreOptions = {}) {
    this.root = rootDir;
    this.#hooks = options.hooks ?? NO_TEST_HOOKS;
    this.#workDir = options.workDir;
  }

  /** Directory of temp files and dirs. */
  get tmpDir(): string {
    return join(this.root, "tmp");
  }

  /** Where this process writes temp files: its session dir, else {@link FsStore.tmpDir}. */
  get workDir(): string {
    return this.#workDir ?? this.tmpDir;
  }

  /**
   * Path of a blob: `<root>/blobs/<aa>/<bb>/<hex>`.
   *
   * @param b3 BLAKE3 hex digest
   * @returns the path (the file may not exist)
   * @throws {MochiError} `BLOB_E008` when `b3` is not 64 lowercase hex digits
   */
  blobPath(b3: string): string {
    checkDigest(b3);
    return join(this.root, "blobs", b3.slice(0, 2), b3.slice(2, 4), b3);
  }

  /**
   * Path of an extracted tree: `<root>/extracted/<hex>`.
   *
   * @param b3 BLAKE3 hex digest
   * @returns the directory path (may not exist)
   * @throws {MochiError} `BLOB_E008` on a malformed digest
   */
  extractedPath(b3: string): string {
    checkDigest(b3);
    return join(this.root, "extracted", b3);
  }

  /**
   * Take the download lock of a blob: an OS lock on `<root>/locks/<aa>` (256 stripes by the
   * first digest byte, never deleted), so processes sharing the store download each blob once:
   * whoever gets the lock second finds the blob there. Released by the OS if the holder dies.
   *
   * @param b3 BLAKE3 hex digest
   * @param options `wait` (default true): poll every `pollMs` (default 10) until the stripe is
   *   free; with `wait: false`, give up at once when another holder has it
   * @returns a function releasing the lock, or undefined when `wait` is false and it is busy
   * @throws {MochiError} `BLOB_E008` on a malformed digest
   */
  async lockBlob(
    b3: string,
    options: { wait?: boolean; pollMs?: number } = {},
  ): Promise<(() => void) | undefined> {
    checkDigest(b3);
    const dir = join(this.root, "locks");
    await Deno.mkdir(dir, { recursive: true });
    const file = await Deno.open(join(dir, b3.slice(0, 2)), {
      read: true,
      write: true,
      create: true,
    });
    try {
      while (!(await file.tryLock(true))) {
        if (options.wait === false) {
          file.close();
          return undefined;
        }
        await new Promise((r) => setTimeout(r, options.pollMs ?? 10));
      }
    } catch (e) {
      file.close();
      throw e;
    }
    let released = false;
    return () => {
      if (!released) {
        released = true;
        file.close();
      }
    };
  }

  /**
   * Whether the blob is in the store (it was verified when it was put there).
   *
   * @param b3 BLAKE3 hex digest
   * @returns true when the blob file exists
   * @throws {MochiError} `BLOB_E008` on a malformed digest
   */
  async hasBlob(b3: string): Promise<boolean> {
    return await exists(this.blobPath(b3), "file");
  }

  /**
   * Store a blob from a stream: the bytes go to `<workDir>/<b3>.<rand>.part` while BLAKE3 and
   * SHA-256 are computed in the same pass; only when both match `expected` is the temp file
   * fsynced and hard-linked to {@link FsStore.blobPath} (a link never replaces a file, so when
   * processes race exactly one creates the blob), then removed. On any failure the temp file is
   * removed. When the blob is already present the stream is cancelled and nothing is written.
   *
   * @param stream the blob bytes (e.g. a fetch body)
   * @param expected the pinned digests (and size, when known)
   * @param label what the blob is, for messages, e.g. `"serde 1.0.1"`
   * @returns the blob path and size
   * @throws {MochiError} `BLOB_E001` (digest mismatch or more bytes than declared; names `label`
   *   and both expected and actual digests), `BLOB_E002` (the stream failed or ended before
   *   `expected.sizeBytes`), `BLOB_E004` (more than `expected.maxBytes`), `BLOB_E008`
   *   (malformed expected digest)
   */
  async putBlob(
    stream: ReadableStream<Uint8Array>,
    expected: ExpectedDigest,
    label: string,
  ): Promise<PutResult> {
    const finalPath = this.blobPath(expected.blake3);
    checkDigest(expected.sha256, "SHA-256 digest");
    if (await exists(finalPath, "file")) {
      await stream.cancel().catch(() => {});
      return { path: finalPath, sizeBytes: (await Deno.stat(finalPath)).size, written: false };
    }
    await Deno.mkdir(this.workDir, { recursive: true });
    const tmp = join(this.workDir, `${expected.blake3}.${crypto.randomUUID().slice(0, 8)}.part`);
    const hasher = await createDualHasher();
    const hooks = this.#hooks;
    let faultedMid = false;
    const reader = stream.getReader();
    let file: Deno.FsFile | undefined;
    let digest: Digest;
    try {
      file = await Deno.open(tmp, { write: true, createNew: true, mode: 0o644 });
      while (true) {
        let step: ReadableStreamReadResult<Uint8Array>;
        try {
          step = await reader.read();
        } catch (e) {
          // A download that hit its idle timeout or deadline keeps its own code (not retried).
          const timedOut = e instanceof MochiError &&
            (e.code === "BLOB_E010" || e.code === "BLOB_E011");
          throw new MochiError(
            timedOut ? e.code : "BLOB_E002",
            `${label}: blob download failed after ${hasher.sizeBytes} bytes: ${
              (e as Error)?.message ?? e
            }`,
            {
              hint: timedOut && e.hint !== undefined
                ? e.hint
                : "retry; if it keeps failing, the registry or network is unreliable",
              cause: e,
            },
          );
        }
        if (step.done) break;
        const chunk = step.value;
        if (
          expected.sizeBytes !== undefined &&
          hasher.sizeBytes + chunk.byteLength > expected.sizeBytes
        ) {
          throw new MochiError(
            "BLOB_E001",
            `${label}: blob is longer than the expected ${expected.sizeBytes} bytes ` +
              `(blake3 ${expected.blake3})`,
            { hint: "the registry served different bytes than its record; report it" },
          );
        }
        if (
          expected.sizeBytes === undefined && expected.maxBytes !== undefined &&
          hasher.sizeBytes + chunk.byteLength > expected.maxBytes
        ) {
          throw new MochiError(
            "BLOB_E004",
            `${label}: blob download streamed more than ${expected.maxBytes} bytes ` +
              `(blake3 ${expected.blake3}); stopped reading`,
            { hint: "the registry sent more data than any blob may hold; report it" },
          );
        }
        await hasher.update(chunk);
        let off = 0;
        while (off < chunk.byteLength) off += await file.write(chunk.subarray(off));
        if (!faultedMid && off > 0) {
          faultedMid = true;
          hooks.fault("mid-download");
        }
      }
      digest = await hasher.finish();
      hooks.fault("after-download-before-verify");
      if (expected.sizeBytes !== undefined && digest.sizeBytes < expected.sizeBytes) {
        throw new MochiError(
          "BLOB_E002",
          `${label}: blob download ended early: got ${digest.sizeBytes} of ${expected.sizeBytes} bytes`,
          { hint: "retry; the connection was cut" },
        );
      }
      const diffs: string[] = [];
      if (digest.blake3 !== expected.blake3) {
        diffs.push(`blake3 expected ${expected.blake3}, got ${digest.blake3}`);
      }
      if (digest.sha256 !== expected.sha256) {
        diffs.push(`sha256 expected ${expected.sha256}, got ${digest.sha256}`);
      }
      if (diffs.length > 0) {
        throw new MochiError(
          "BLOB_E001",
          `${label}: blob does not match its pinned digests (${digest.sizeBytes} bytes): ${
            diffs.join("; ")
          }`,
          {
            hint: "the bytes were not stored; the registry or a proxy served different content " +
              "than the lockfile pins. Retry, or report it to the registry",
          },
        );
      }
      await file.sync();
      file.close();
      file = undefined;
      const dir = join(
        this.root,
        "blobs",
        expected.blake3.slice(0, 2),
        expected.blake3.slice(2, 4),
      );
      await Deno.mkdir(dir, { recursive: true });
      hooks.fault("before-rename");
      // Create-or-accept-existing: link() never replaces a file, so when processes race on one
      // blob exactly one creates the final name and the others find it there (same bytes).
      let written = true;
      try {
        await Deno.link(tmp, finalPath);
      } catch (e) {
        if (e instanceof Deno.errors.AlreadyExists) written = false;
        else await Deno.rename(tmp, finalPath); // no hard links here (FAT, some network FS)
      }
      await removeIfExists(tmp);
      await fsyncDir(dir);
      return { path: finalPath, sizeBytes: digest.sizeBytes, written };
    } catch (e) {
      hasher.abort();
      await reader.cancel(e).catch(() => {});
      try {
        file?.close();
      } catch {
        // already closed
      }
      await removeIfExists(tmp).catch(() => {});
      throw e;
    } finally {
      reader.releaseLock();
    }
  }

  /**
   * {@link FsStore.putBlob} for bytes already in memory.
   *
   * @param bytes the blob
   * @param expected the pinned digests
   * @param label what the blob is, for messages
   * @returns the blob path and size
   * @throws {MochiError} as {@link FsStore.putBlob}
   */
  async putBytes(bytes: Uint8Array, expected: ExpectedDigest, label: string): Promise<PutResult> {
    return await this.putBlob(ReadableStream.from([bytes]), expected, label);
  }

  /**
   * Extract a stored blob to `<root>/extracted/<b3>/` and return that directory. Idempotent: an
   * existing tree is returned as is. The blob is re-hashed before it is parsed, the archive is
   * checked entry by entry ({@link readArchiveStream}), files are created exclusively (0644/0755)
   * in a private temp dir under `<root>/tmp/`, and the dir is renamed into place. When another
   * process wins the race, its tree is used and ours is discarded. On any failure nothing is left
   * behind.
   *
   * @param b3 BLAKE3 hex digest of a blob in the store
   * @param policy archive limits (defaults: cargo's unpack cap)
   * @returns the extracted directory
   * @throws {MochiError} `BLOB_E007` blob not in the store; `BLOB_E006` the blob on disk no longer
   *   matches its address; `BLOB_E003`/`BLOB_E004`/`BLOB_E005` from {@link readArchiveStream};
   *   `BLOB_E008` malformed digest
   */
  async extract(b3: string, policy: ArchivePolicy = {}): Promise<string> {
    const finalDir = this.extractedPath(b3);
    if (await exists(finalDir, "dir")) return finalDir;
    const blob = this.blobPath(b3);
    let size: number;
    try {
      size = (await Deno.stat(blob)).size;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new MochiError("BLOB_E007", `blob ${b3} is not in the store (${blob})`, {
          hint: "fetch it first (mochi install without --offline)",
        });
      }
      throw e;
    }
    await Deno.mkdir(this.workDir, { recursive: true });
    await Deno.mkdir(join(this.root, "extracted"), { recursive: true });
    const work = await Deno.makeTempDir({ dir: this.workDir, prefix: `x-${b3.slice(0, 16)}-` });
    let wroteOne = false;
    try {
      // Read and re-hash the blob first (the archive reader buffers it anyway), so a blob that
      // no longer matches its address is reported as such, never parsed.
      const check = new DigestTransform();
      const compressed = new Uint8Array(
        await new Response((await readFileChunks(blob)).pipeThrough(check)).arrayBuffer(),
      );
      if (check.digest?.blake3 !== b3) {
        throw new MochiError(
          "BLOB_E006",
          `store blob ${blob} no longer matches its address: blake3 is ${check.digest?.blake3}`,
          { hint: "run `mochi verify` to remove corrupt blobs, then install again" },
        );
      }
      // Loaded on first use: commands that never extract do not load the tar library.
      const { readArchiveStream } = await import("../archive.ts");
      const entries = readArchiveStream(ReadableStream.from([compressed]), {
        compressedSizeBytes: size,
        ...this.#hooks.archivePolicy,
        ...policy,
      });
      for await (const entry of entries) {
        const target = join(work, ...entry.path.split("/"));
        if (entry.type === "directory") {
          await Deno.mkdir(target, { recursive: true, mode: 0o755 });
          continue;
        }
        const parent = join(work, ...entry.path.split("/").slice(0, -1));
        if (parent !== work) await Deno.mkdir(parent, { recursive: true, mode: 0o755 });
        const mode = entry.executable ? 0o755 : 0o644;
        const out = await Deno.open(target, { write: true, createNew: true, mode });
        try {
          for await (const chunk of entry.body()) {
            let off = 0;
            while (off < chunk.byteLength) off += await out.write(chunk.subarray(off));
          }
        } finally {
          out.close();
        }
        if (Deno.build.os !== "windows") await Deno.chmod(target, mode);
        if (!wroteOne) {
          wroteOne = true;
          this.#hooks.fault("mid-extract");
        }
      }
      if (Deno.build.os !== "windows") await Deno.chmod(work, 0o755);
      try {
        await Deno.rename(work, finalDir);
      } catch (e) {
        if (await exists(finalDir, "dir")) {
          await removeIfExists(work);
          return finalDir; // another process finished first; its tree has the same content
        }
        throw e;
      }
      await fsyncDir(join(this.root, "extracted"));
      return finalDir;
    } catch (e) {
      await removeIfExists(work).catch(() => {});
      if (
        e instanceof MochiError &&
        (e.code === "BLOB_E003" || e.code === "BLOB_E005" || e.code === "BLOB_E006")
      ) {
        // A blob that is unsafe, malformed, or no longer matches its address is never kept: the
        // next attempt fetches it again and checks it again. (Over a size limit, BLOB_E004, it
        // stays, as in cargo: raising the limit makes the same blob extract.)
        await removeIfExists(blob).catch(() => {});
      }
      throw e;
    }
  }

  /**
   * Re-hash one stored blob against its address (install never trusts a blob because of its
   * path).
   *
   * @param b3 BLAKE3 hex digest
   * @returns `"ok"`, `"missing"`, or `"corrupt"` (the bytes hash to something else)
   * @throws {MochiError} `BLOB_E008` on a malformed digest
   */
  async checkBlob(b3: string): Promise<"ok" | "missing" | "corrupt"> {
    const path = this.blobPath(b3);
    try {
      return (await digestFile(path)).blake3 === b3 ? "ok" : "corrupt";
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return "missing";
      throw e;
    }
  }

  /**
   * Remove a blob and the tree extracted from it (missing ones are ignored).
   *
   * @param b3 BLAKE3 hex digest
   * @throws {MochiError} `BLOB_E008` on a malformed digest
   */
  async removeBlob(b3: string): Promise<void> {
    await removeIfExists(this.extractedPath(b3));
    await removeIfExists(this.blobPath(b3));
  }

  /**
   * Record that a blob was used now (its file's mtime is the last-use record read by
   * {@link FsStore.prune}). Missing blobs are ignored.
   *
   * @param b3 BLAKE3 hex digest
   * @param nowMs the time to record, epoch ms (default now)
   */
  async touch(b3: string, nowMs: number = Date.now()): Promise<void> {
    const t = new Date(nowMs);
    try {
      await Deno.utime(this.blobPath(b3), t, t);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }

  /**
   * Delete blobs whose last use (see {@link FsStore.touch}) is older than `olderThanMs`, with
   * their extracted trees, and trees whose blob is gone. The caller must hold the store lock
   * exclusively (`mochi cache prune` does), so no install is using what is deleted.
   *
   * @param options age threshold, dry run, clock
   * @returns what was (or would be) removed
   */
  async prune(options: PruneOptions): Promise<PruneReport> {
    const now = options.nowMs ?? Date.now();
    const report: PruneReport = { blobs: 0, blobBytes: 0, trees: 0, treeBytes: 0 };
    const kept = new Set<string>();
    const blobs = join(this.root, "blobs");
    for (const aa of await listDir(blobs)) {
      for (const bb of await listDir(join(blobs, aa.name))) {
        for (const f of await listDir(join(blobs, aa.name, bb.name))) {
          const path = join(blobs, aa.name, bb.name, f.name);
          const st = await Deno.stat(path);
          if (now - (st.mtime?.getTime() ?? 0) < options.olderThanMs) {
            kept.add(f.name);
            continue;
          }
          report.blobs++;
          report.blobBytes += st.size;
          if (!options.dryRun) await removeIfExists(path);
        }
      }
    }
    const extracted = join(this.root, "extracted");
    for (const t of await listDir(extracted)) {
      if (kept.has(t.name)) continue;
      report.trees++;
      report.treeBytes += await treeBytes(join(extracted, t.name));
      if (!options.dryRun) await removeIfExists(join(extracted, t.name));
    }
    return report;
  }

  /**
   * Count blobs, extracted trees and temp files with their sizes (`mochi cache size`).
   *
   * @returns a {@link StoreSize}
   */
  async size(): Promise<StoreSize> {
    const out: StoreSize = { blobs: 0, blobBytes: 0, trees: 0, treeBytes: 0, tempBytes: 0 };
    const blobs = join(this.root, "blobs");
    for (const aa of await listDir(blobs)) {
      for (const bb of await listDir(join(blobs, aa.name))) {
        for (const f of await listDir(join(blobs, aa.name, bb.name))) {
          out.blobs++;
          out.blobBytes += (await Deno.stat(join(blobs, aa.name, bb.name, f.name))).size;
        }
      }
    }
    for (const t of await listDir(join(this.root, "extracted"))) {
      out.trees++;
      out.treeBytes += await treeBytes(join(this.root, "extracted", t.name));
    }
    out.tempBytes = await treeBytes(this.tmpDir);
    return out;
  }

  /**
   * Re-hash every blob (`mochi verify`) and report those whose BLAKE3 differs from their name,
   * or that sit in the wrong bucket or have a name that is not a digest.
   *
   * @returns how many blobs were checked and which are corrupt
   */
  async verify(): Promise<VerifyReport> {
    const report: VerifyReport = { checked: 0, corrupt: [] };
    const blobs = join(this.root, "blobs");
    for (const aa of await listDir(blobs)) {
      if (!aa.isDirectory) continue;
      for (const bb of await listDir(join(blobs, aa.name))) {
        if (!bb.isDirectory) continue;
        const dir = join(blobs, aa.name, bb.name);
        for (const f of await listDir(dir)) {
          if (!f.isFile) continue;
          const path = join(dir, f.name);
          const actual = await digestFile(path);
          report.checked++;
          const inRightPlace = f.name.slice(0, 2) === aa.name && f.name.slice(2, 4) === bb.name;
          if (actual.blake3 !== f.name || !inRightPlace) {
            report.corrupt.push({ b3: f.name, path, actualBlake3: actual.blake3 });
          }
        }
      }
    }
    report.corrupt.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return report;
  }

  /**
   * Delete corrupt blobs found by {@link FsStore.verify}, and the trees extracted from them, so
   * the next install fetches them again.
   *
   * @param corrupt entries from {@link VerifyReport.corrupt}
   * @returns the number of blob files removed
   */
  async removeCorrupt(corrupt: readonly Pick<CorruptBlob, "b3" | "path">[]): Promise<number> {
    let removed = 0;
    const blobsRoot = join(this.root, "blobs") + "/";
    for (const c of corrupt) {
      if (!c.path.startsWith(blobsRoot)) continue; // only ever delete inside the store
      try {
        await Deno.remove(c.path);
        removed++;
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
      if (isHexDigest(c.b3)) await removeIfExists(this.extractedPath(c.b3));
    }
    return removed;
  }

  /**
   * Remove temp files and dirs left by crashed processes. Only entries older than `maxAgeMs`
   * are touched, so a concurrent process's work in progress survives.
   *
   * @param maxAgeMs minimum age in milliseconds (default 24 h)
   * @returns how many entries were removed
   */
  async pruneTemp(maxAgeMs = 24 * 60 * 60 * 1000): Promise<number> {
    let removed = 0;
    const now = Date.now();
    for (const e of await listDir(this.tmpDir)) {
      const path = join(this.tmpDir, e.name);
      try {
        const st = await Deno.lstat(path);
        const mtime = st.mtime?.getTime() ?? 0;
        if (now - mtime < maxAgeMs) continue;
        await removeIfExists(path);
        removed++;
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
      }
    }
    return removed;
  }
}

/** Sum of file sizes under `path` (0 when missing). */
export async function treeBytes(path: string): Promise<number> {
  let st: Deno.FileInfo;
  try {
    st = await Deno.lstat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return 0;
    throw e;
  }
  if (!st.isDirectory) return st.size;
  let n = 0;
  for (const e of await listDir(path)) n += await treeBytes(join(path, e.name));
  return n;
}

async function listDir(path: string): Promise<Deno.DirEntry[]> {
  const out: Deno.DirEntry[] = [];
  try {
    for await (const e of Deno.readDir(path)) out.push(e);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out;
}
