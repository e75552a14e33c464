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
  createStreamingSha256,
  type Digest,
  type DigestOptions,
  isHexDigest,
} from "../digest.ts";
import { fsyncDir, removeIfExists, tempPathBeside, writeFileAtomic } from "./fs_atomic.ts";
import { refuseLink, type StoreLock } from "./store_lock.ts";
import {
  type CheckedDirs,
  lstatInStore,
  lstatOrUndefined,
  mkdirInStore,
  parentsAreReal,
  plantedPathError,
} from "./_safe_path.ts";
import { faultPoint } from "./test_hooks.ts";
import "./native_blake3.ts"; // provides the native BLAKE3 to the digests, loaded on first use
import { treeDigest, type TreeEntry } from "../tree.ts";
import type { IHasher } from "../_wasm_hashers.ts";
import { smallBlake3Hex, smallSha256Hex } from "../_small_digests.ts";
import { diskTreeEntries, type DiskTreeEntry, TOUCH_INTERVAL_MS, treeStamp } from "./_stamps.ts";

export { TOUCH_INTERVAL_MS };
import { LIMITS } from "../../limits.ts";

export {
  type EnvLike,
  type MochiHomeLayout,
  mochiHomeLayout,
  resolveMochiHome,
  storeRootOf,
} from "./home.ts";

/** The digests a blob must match, from the lockfile or index record. */
export interface ExpectedDigest {
  /**
   * BLAKE3-256, lowercase hex: the address. Absent when only the SHA-256 is pinned (a `.crate`
   * file, whose index gives only `cksum`): the address is then computed from the bytes and the
   * store records a SHA-256 alias to it ({@link FsStore.resolveAlias}).
   */
  blake3?: string;
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
  /** Archive limits of {@link FsStore.extract} (default: cargo's unpack cap). */
  archivePolicy?: ArchivePolicy;
  /**
   * The store lock this process holds ({@link openStoreSession} takes it). Without it the store
   * is read-only: every method that writes throws `INTERNAL_E001`; {@link FsStore.prune} and
   * {@link FsStore.removeCorrupt} need it `exclusive`. Temp files go to its session directory.
   */
  lock?: StoreLock;
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
  /** SHA-256 aliases removed (of pruned blobs, or whose blob is gone). */
  aliases: number;
  /** Entries left alone: links (never followed) and names the store never creates. */
  skipped: SkippedEntry[];
}

/** Where {@link FsStore.putBlob} left the blob. */
export interface PutResult {
  /** Absolute path of the blob file. */
  path: string;
  /** The blob's address (BLAKE3, lowercase hex): the expected one, or computed. */
  blake3: string;
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

/** A SHA-256 alias that does not lead to a blob with that SHA-256. */
export interface BadAlias {
  /** The alias file's name (the SHA-256 it claims), as found on disk. */
  sha256: string;
  /** Path of the alias file. */
  path: string;
  /** Why it is bad: not a digest name, not a regular file, unreadable target, dangling, or the
   * blob's SHA-256 differs. */
  reason: string;
}

/** Result of {@link FsStore.verify}. */
export interface VerifyReport {
  /** Blobs re-hashed. */
  checked: number;
  /** Blobs whose content does not match their name or bucket. */
  corrupt: CorruptBlob[];
  /** SHA-256 aliases checked. */
  aliasesChecked: number;
  /** Aliases that do not lead to a blob with their SHA-256. */
  badAliases: BadAlias[];
  /** Symbolic links found inside the store (mochi never creates one): not followed. */
  planted: SkippedEntry[];
  /** Extracted trees checked against their recorded tree digest. */
  treesChecked: number;
  /** Extracted trees that differ from what was extracted (edited, or no digest recorded). */
  corruptTrees: CorruptTree[];
}

/** An extracted tree that no longer matches the tree digest recorded when it was extracted. */
export interface CorruptTree {
  /** The blob it was extracted from. */
  b3: string;
  /** The tree's directory. */
  path: string;
  /** What is wrong. */
  reason: string;
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

/**
 * Whether `path` inside the store is a `kind`, checked with `lstat` (parents too, or only those
 * not in `checked`): a link, or a file where a directory belongs (or the reverse), is refused with
 * `STORE_E002`.
 */
async function exists(
  root: string,
  path: string,
  kind: "file" | "dir",
  checked?: CheckedDirs,
): Promise<boolean> {
  const st = await lstatInStore(root, path, checked);
  if (st === undefined) return false;
  if (st.isSymlink) throw plantedPathError(path, "a symbolic link");
  if (kind === "file" ? !st.isFile : !st.isDirectory) {
    throw plantedPathError(path, kind === "file" ? "not a regular file" : "not a directory");
  }
  return true;
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

/** Largest verified-signature record {@link FsStore.hasVerified} reads. */
const VERIFIED_RECORD_MAX_BYTES = 4096;

/** Marks a record secret that is there but must not be used. */
const INVALID_SECRET = new Uint8Array(0);

/** HMAC-SHA256 (RFC 2104) of a verification key under the record secret, as 64 hex digits. */
async function recordName(secret: Uint8Array, key: string): Promise<string> {
  const { createHmac } = await import("node:crypto");
  return createHmac("sha256", secret).update(key).digest("hex");
}

/**
 * Bytes of store files this process may still hash with the small (pure TypeScript) digests
 * before it loads the WebAssembly or native ones: the small ones cost nothing to start and the
 * others ~45 MB/s less per byte, so a few hundred KiB is where the two meet.
 */
let smallHashBudget = 512 * 1024;

/** The first `sizeBytes` bytes of a file (fewer when it is shorter), read synchronously. */
function readFileSyncUpTo(path: string, sizeBytes: number): Uint8Array {
  const file = Deno.openSync(path, { read: true });
  try {
    const buf = new Uint8Array(sizeBytes);
    let n = 0;
    while (n < sizeBytes) {
      const r = file.readSync(buf.subarray(n));
      if (r === null) break;
      n += r;
    }
    return buf.subarray(0, n);
  } finally {
    file.close();
  }
}

/** Reusable BLAKE3 hashers (a WebAssembly instance each), so checking many blobs makes few. */
const BLAKE3_POOL: IHasher[] = [];

/**
 * Files up to this size are read by {@link blake3OfFile} into one buffer of their size, with a
 * synchronous read (a store blob of a few kilobytes is read in microseconds; the asynchronous op's
 * hand-off to a worker thread costs more than the read); larger ones asynchronously in
 * {@link READ_CHUNK_BYTES} chunks.
 */
const SYNC_READ_BYTES = 1024 * 1024;

/**
 * The BLAKE3-256 of a file's first `sizeBytes` bytes (its size from the `lstat` just made),
 * lowercase hex. Never reads more than `sizeBytes`, so a file that grew after the `lstat` costs no
 * more memory (and hashes to something else unless bytes were only appended, which
 * {@link FsStore.extract} refuses by size).
 */
async function blake3OfFile(path: string, sizeBytes: number): Promise<string> {
  if (sizeBytes <= SYNC_READ_BYTES && smallHashBudget >= sizeBytes) {
    // A no-op install re-hashes a few small blobs: the pure-TypeScript BLAKE3 loads in a few
    // milliseconds where a WebAssembly instance takes 15-25; past the budget, the faster one.
    smallHashBudget -= sizeBytes;
    return smallBlake3Hex(readFileSyncUpTo(path, sizeBytes));
  }
  const hasher = BLAKE3_POOL.pop() ??
    await (await import("../_wasm_hashers.ts")).createBLAKE3(256);
  hasher.init();
  if (sizeBytes <= SYNC_READ_BYTES) {
    hasher.update(readFileSyncUpTo(path, sizeBytes));
  } else {
    const file = await Deno.open(path, { read: true });
    try {
      const buf = new Uint8Array(READ_CHUNK_BYTES);
      let left = sizeBytes;
      while (left > 0) {
        const r = await file.read(buf.subarray(0, Math.min(buf.length, left)));
        if (r === null) break;
        hasher.update(buf.subarray(0, r));
        left -= r;
      }
    } finally {
      file.close();
    }
  }
  const hex = hasher.digest("hex");
  BLAKE3_POOL.push(hasher);
  return hex;
}

/** The content-addressed store rooted at one directory. */
export class FsStore {
  /** The store root, e.g. `$MOCHI_HOME/store`. */
  readonly root: string;
  #archivePolicy: ArchivePolicy;
  #lock: StoreLock | undefined;
  #checkedDirs: CheckedDirs = new Set();

  /**
   * Open the store rooted at `rootDir`; nothing is touched on disk until the first write.
   *
   * @param rootDir the store root, e.g. `$MOCHI_HOME/store`
   * @param options archive limits and the store lock held (without one the store is read-only)
   */
  constructor(rootDir: string, options: FsStoreOptions = {}) {
    this.root = rootDir;
    this.#archivePolicy = options.archivePolicy ?? {};
    this.#lock = options.lock;
  }

  /** Whether this store may write, and how: `undefined` (read-only), `shared`, `exclusive`. */
  get mode(): "shared" | "exclusive" | undefined {
    return this.#lock?.released === false ? this.#lock.mode : undefined;
  }

  /**
   * The directories already checked in this session (reads check each directory above their
   * path once per session, the path itself every time); undefined without a session, so a
   * read-only store checks every directory every time.
   */
  get #checked(): CheckedDirs | undefined {
    return this.#lock?.released === false ? this.#checkedDirs : undefined;
  }

  /** Throw unless this store holds the store lock (in `exclusive` mode when asked). */
  #writable(what: string, mode: "shared" | "exclusive" = "shared"): void {
    const lock = this.#lock;
    if (
      lock === undefined || lock.released || (mode === "exclusive" && lock.mode !== "exclusive")
    ) {
      throw new MochiError(
        "INTERNAL_E001",
        `${what} needs the store lock${mode === "exclusive" ? " held exclusively" : ""}, ` +
          `but this store at ${this.root} is ${
            lock === undefined ? "read-only" : lock.released ? "closed" : "open shared"
          }`,
        { hint: "open the store with openStoreSession (a bug in mochi pkg; please report it)" },
      );
    }
  }

  /** Directory of temp files and dirs. */
  get tmpDir(): string {
    return join(this.root, "tmp");
  }

  /** Where this process writes temp files: its session dir, else {@link FsStore.tmpDir}. */
  get workDir(): string {
    return this.#lock?.sessionDir ?? this.tmpDir;
  }

  /** Create this process's temp dir inside the store, refusing links on the way. */
  async #ensureWorkDir(): Promise<void> {
    await mkdirInStore(this.root, this.workDir);
  }

  /** Directory of tree digests: `<root>/trees` (one file per extracted tree). */
  get treeRecordDir(): string {
    return join(this.root, "trees");
  }

  /**
   * Path of the tree digest recorded for the tree extracted from `b3`: `<root>/trees/<b3>`.
   *
   * @param b3 BLAKE3 hex digest
   * @returns the path (the file may not exist)
   * @throws {MochiError} `BLOB_E008` on a malformed digest
   */
  treeRecordPath(b3: string): string {
    checkDigest(b3);
    return join(this.treeRecordDir, b3);
  }

  /**
   * Whether the tree extracted from `b3` is what was extracted: its digest, computed from the
   * disk (walked with `lstat`; a link or any other kind fails), equals the one recorded.
   *
   * @param b3 BLAKE3 hex digest
   * @returns `"ok"`, `"missing"` (no tree), or why it differs
   * @throws {MochiError} `STORE_E002` when the tree or a directory above it is a link
   */
  async checkTree(b3: string): Promise<"ok" | "missing" | { reason: string }> {
    return (await this.#treeState(b3, false)).state;
  }

  /**
   * {@link checkTree}, with a fast path for install: the record's second line is a stamp of every
   * entry's `lstat` (path, size, mode, inode, mtime, ctime). When the tree's stamp still equals it,
   * no file is read. A change to a file's content, mode or name changes its ctime, which an
   * unprivileged user cannot set back (git's index uses the same stat data to skip re-hashing).
   * Entries changed within {@link RACY_STAMP_MS} of now are "racily clean" (git's term): no stamp
   * is made, so the next check hashes again.
   */
  async #treeState(
    b3: string,
    fast: boolean,
  ): Promise<{ state: "ok" | "missing" | { reason: string }; restamp?: string }> {
    const dir = this.extractedPath(b3);
    if (!(await exists(this.root, dir, "dir", this.#checked))) return { state: "missing" };
    const record = await readSmallFile(this.root, this.treeRecordPath(b3), this.#checked);
    if (record === undefined) return { state: { reason: "no tree digest is recorded for it" } };
    const [recorded = "", recordedStamp] = record.split("\n");
    const entries = diskTreeEntries(dir);
    if (entries === undefined) return { state: { reason: "it holds a link or a special file" } };
    const stamp = fast ? await treeStamp(entries, Date.now()) : undefined;
    if (stamp !== undefined && stamp === recordedStamp) return { state: "ok" };
    const actual = await diskTreeDigest(entries);
    if (actual !== recorded) {
      return {
        state: { reason: `its files changed (tree digest ${actual}, recorded ${recorded})` },
      };
    }
    return stamp === undefined
      ? { state: "ok" }
      : { state: "ok", restamp: `${recorded}\n${stamp}` };
  }

  /** Directory of SHA-256 aliases: `<root>/aliases/sha256`. */
  get aliasDir(): string {
    return join(this.root, "aliases", "sha256");
  }

  /**
   * Path of the SHA-256 alias of a blob: `<root>/aliases/sha256/<sha256-hex>` (a small file
   * holding the BLAKE3 address).
   *
   * @param sha256 SHA-256 hex digest
   * @returns the path (the file may not exist)
   * @throws {MochiError} `BLOB_E008` on a malformed digest
   */
  aliasPath(sha256: string): string {
    checkDigest(sha256, "SHA-256 digest");
    return join(this.aliasDir, sha256);
  }

  /**
   * The blob a SHA-256 names (a `.crate` file is pinned by SHA-256 only), when its alias is a
   * regular file holding a digest and that blob is in the store. The blob's bytes are not
   * re-hashed here: {@link FsStore.checkBlob} does that, and {@link FsStore.verify} checks the
   * alias's SHA-256 against the blob.
   *
   * @param sha256 SHA-256 hex digest
   * @returns the blob's BLAKE3 address, or undefined
   * @throws {MochiError} `BLOB_E008` on a malformed digest
   */
  async resolveAlias(sha256: string): Promise<string | undefined> {
    const path = this.aliasPath(sha256);
    const st = await lstatOrUndefined(path);
    if (st === undefined || !st.isFile || st.size > 256) return undefined;
    const b3 = (await Deno.readTextFile(path)).trim();
    if (!isHexDigest(b3) || !(await this.hasBlob(b3))) return undefined;
    return b3;
  }

  /**
   * Record that the blob at `b3` has SHA-256 `sha256` (atomic write, fsync). Called by
   * {@link FsStore.putBlob} when only the SHA-256 was pinned.
   *
   * @param sha256 SHA-256 hex digest of the blob
   * @param b3 its BLAKE3 address
   * @throws {MochiError} `BLOB_E008` malformed digest; `INTERNAL_E001` without the store lock
   */
  async putAlias(sha256: string, b3: string): Promise<void> {
    this.#writable("recording a SHA-256 alias");
    checkDigest(b3);
    const path = this.aliasPath(sha256);
    await mkdirInStore(this.root, this.aliasDir);
    await writeFileAtomic(path, new TextEncoder().encode(`${b3}\n`));
  }

  /**
   * Whether a Sigstore verification with this key passed before in this store: its record is a
   * regular file whose first line is the key itself (an empty or torn file left by a crash does
   * not count), at `<root>/verified/<aa>/<name>` where `name` is HMAC-SHA256 of the key under
   * this user's secret ({@link FsStore.putVerified}). The key is computed from public data, so
   * without the secret a co-user who can write the store could plant a record for a forged
   * bundle; with it they cannot name one. No usable secret (missing, not a regular file, not
   * owned by this user, readable by others, not 32 bytes, or no owner ids on this platform)
   * means no record counts and every bundle is verified.
   * What the key covers is the caller's (`verifiedSignatureKey` in `src/install/signatures.ts`).
   *
   * @param key 64 lowercase hex digits
   * @returns true when the record is there and whole
   * @throws {MochiError} `BLOB_E008` on a malformed key
   */
  async hasVerified(key: string): Promise<boolean> {
    checkDigest(key, "verification key");
    const secret = await this.#verifiedSecret(false);
    if (secret === undefined) return false;
    const name = await recordName(secret, key);
    const path = join(this.root, "verified", name.slice(0, 2), name);
    const st = await lstatOrUndefined(path);
    if (st === undefined || !st.isFile || st.size > VERIFIED_RECORD_MAX_BYTES) return false;
    if (!(await parentsAreReal(this.root, path))) return false;
    const text = await Deno.readTextFile(path).catch(() => "");
    return text.startsWith(`${key}\n`);
  }

  /**
   * Record that the Sigstore verification named by `key` passed (call only after a full
   * verification), under the name {@link FsStore.hasVerified} looks for; creates this user's
   * secret (`<root>/verified/secret`, 32 random bytes, mode 0600) on first use, and records
   * nothing when a secret is there but unusable. Written to a temp file and renamed, not synced:
   * a record lost to a crash only means verifying again.
   *
   * @param key 64 lowercase hex digits
   * @param about what was verified, for a reader (one line, kept under 4 KiB)
   * @throws {MochiError} `BLOB_E008` malformed key; `INTERNAL_E001` without the store lock
   */
  async putVerified(key: string, about: string): Promise<void> {
    this.#writable("recording a verified signature");
    checkDigest(key, "verification key");
    const secret = await this.#verifiedSecret(true);
    if (secret === undefined) return;
    const name = await recordName(secret, key);
    const dir = join(this.root, "verified", name.slice(0, 2));
    await mkdirInStore(this.root, dir);
    const path = join(dir, name);
    const text = `${key}\n${about.replace(/[\r\n]/g, " ")}\n`.slice(0, VERIFIED_RECORD_MAX_BYTES);
    const tmp = tempPathBeside(path);
    try {
      await Deno.writeTextFile(tmp, text, { createNew: true });
      await Deno.rename(tmp, path);
    } catch (e) {
      await Deno.remove(tmp).catch(() => {});
      throw e;
    }
  }

  /** This user's record secret, or undefined when there is none usable (see hasVerified). */
  async #verifiedSecret(create: boolean): Promise<Uint8Array | undefined> {
    let uid: number | null;
    try {
      uid = Deno.uid(); // needs --allow-sys=uid; without it, no record counts
    } catch {
      return undefined;
    }
    if (uid === null) return undefined;
    const dir = join(this.root, "verified");
    const path = join(dir, "secret");
    const read = async (): Promise<Uint8Array | undefined> => {
      const st = await lstatOrUndefined(path);
      if (st === undefined) return undefined;
      if (
        !st.isFile || st.uid !== uid || st.mode === null || (st.mode & 0o077) !== 0 ||
        st.size !== 32 || !(await parentsAreReal(this.root, path))
      ) return INVALID_SECRET;
      const bytes = await Deno.readFile(path).catch(() => INVALID_SECRET);
      return bytes.length === 32 ? bytes : INVALID_SECRET;
    };
    let secret = await read();
    if (secret === undefined && create) {
      await mkdirInStore(this.root, dir);
      try {
        const f = await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
        try {
          await f.write(crypto.getRandomValues(new Uint8Array(32)));
        } finally {
          f.close();
        }
      } catch (e) {
        if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      }
      secret = await read();
    }
    return secret === undefined || secret === INVALID_SECRET ? undefined : secret;
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
    await mkdirInStore(this.root, dir);
    await refuseLink(join(dir, b3.slice(0, 2)));
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
    return await exists(this.root, this.blobPath(b3), "file", this.#checked);
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
    this.#writable("storing a blob");
    if (expected.blake3 !== undefined) {
      const finalPath = this.blobPath(expected.blake3);
      if (await exists(this.root, finalPath, "file")) {
        await stream.cancel().catch(() => {});
        return {
          path: finalPath,
          blake3: expected.blake3,
          sizeBytes: (await Deno.stat(finalPath)).size,
          written: false,
        };
      }
    }
    checkDigest(expected.sha256, "SHA-256 digest");
    const pinned = expected.blake3 ?? expected.sha256;
    await this.#ensureWorkDir();
    const tmp = join(this.workDir, `${pinned}.${crypto.randomUUID().slice(0, 8)}.part`);
    const hasher = await createDualHasher();
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
              `(pinned ${pinned})`,
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
              `(pinned ${pinned}); stopped reading`,
            { hint: "the registry sent more data than any blob may hold; report it" },
          );
        }
        await hasher.update(chunk);
        let off = 0;
        while (off < chunk.byteLength) off += await file.write(chunk.subarray(off));
        if (!faultedMid && off > 0) {
          faultedMid = true;
          faultPoint("mid-download");
        }
      }
      digest = await hasher.finish();
      faultPoint("after-download-before-verify");
      if (expected.sizeBytes !== undefined && digest.sizeBytes < expected.sizeBytes) {
        throw new MochiError(
          "BLOB_E002",
          `${label}: blob download ended early: got ${digest.sizeBytes} of ${expected.sizeBytes} bytes`,
          { hint: "retry; the connection was cut" },
        );
      }
      const diffs: string[] = [];
      if (expected.blake3 !== undefined && digest.blake3 !== expected.blake3) {
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
      const address = digest.blake3;
      const finalPath = this.blobPath(address);
      const dir = join(this.root, "blobs", address.slice(0, 2), address.slice(2, 4));
      await mkdirInStore(this.root, dir);
      faultPoint("before-rename");
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
      if (expected.blake3 === undefined) await this.putAlias(expected.sha256, address);
      return { path: finalPath, blake3: address, sizeBytes: digest.sizeBytes, written };
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
    this.#writable("extracting a blob");
    const finalDir = this.extractedPath(b3);
    // An existing tree is used only when it is still what was extracted (a co-user or a tool
    // may have edited it); otherwise it is extracted again from the blob.
    const { state, restamp } = await this.#treeState(b3, true);
    if (state === "ok") {
      if (restamp !== undefined) {
        await writeFileAtomic(this.treeRecordPath(b3), new TextEncoder().encode(`${restamp}\n`));
      }
      return finalDir;
    }
    if (state !== "missing") {
      await removeIfExists(finalDir);
      await this.#remove(this.treeRecordPath(b3));
    }
    const blob = this.blobPath(b3);
    if (!(await exists(this.root, blob, "file", this.#checked))) {
      throw new MochiError("BLOB_E007", `blob ${b3} is not in the store (${blob})`, {
        hint: "fetch it first (mochi install without --offline)",
      });
    }
    const size = (await Deno.lstat(blob)).size;
    await this.#ensureWorkDir();
    await mkdirInStore(this.root, join(this.root, "extracted"));
    const work = await Deno.makeTempDir({ dir: this.workDir, prefix: `x-${b3.slice(0, 16)}-` });
    let wroteOne = false;
    const treeEntries: TreeEntry[] = [];
    try {
      // Read and re-hash the blob first, into one buffer of its exact size (the archive reader
      // takes it without a copy), so a blob that no longer matches its address is reported as
      // such, never parsed. The bytes of blobs being extracted at once are bounded by
      // LIMITS.extractInFlightBytes (a larger blob waits to run alone), so eight parallel
      // extractions of large blobs do not hold eight blobs.
      const release = await EXTRACT_BUDGET.acquire(size);
      let entries;
      try {
        const compressed = await readVerified(blob, size, b3);
        // Loaded on first use: commands that never extract do not load the tar library.
        const { readArchiveBytes } = await import("../archive.ts");
        entries = readArchiveBytes(compressed, {
          compressedSizeBytes: size,
          ...this.#archivePolicy,
          ...policy,
        });
      } catch (e) {
        release();
        throw e;
      }
      try {
        for await (const entry of entries) {
          const target = join(work, ...entry.path.split("/"));
          if (entry.type === "directory") {
            await Deno.mkdir(target, { recursive: true, mode: 0o755 });
            treeEntries.push({
              path: entry.path,
              type: "directory",
              executable: false,
              sizeBytes: 0,
              sha256: "",
            });
            continue;
          }
          const parent = join(work, ...entry.path.split("/").slice(0, -1));
          if (parent !== work) await Deno.mkdir(parent, { recursive: true, mode: 0o755 });
          const mode = entry.executable ? 0o755 : 0o644;
          const out = await Deno.open(target, { write: true, createNew: true, mode });
          const sha = await createStreamingSha256();
          try {
            for await (const chunk of entry.body()) {
              sha.update(chunk);
              let off = 0;
              while (off < chunk.byteLength) off += await out.write(chunk.subarray(off));
            }
          } finally {
            out.close();
          }
          treeEntries.push({
            path: entry.path,
            type: "file",
            executable: entry.executable && Deno.build.os !== "windows",
            sizeBytes: entry.sizeBytes,
            sha256: sha.digest("hex"),
          });
          if (Deno.build.os !== "windows") await Deno.chmod(target, mode);
          if (!wroteOne) {
            wroteOne = true;
            faultPoint("mid-extract");
          }
        }
      } finally {
        release();
      }
      if (Deno.build.os !== "windows") await Deno.chmod(work, 0o755);
      // The tree digest is recorded before the tree gets its name, so a named tree always has
      // one (a tree without one is extracted again).
      await mkdirInStore(this.root, this.treeRecordDir);
      await writeFileAtomic(
        this.treeRecordPath(b3),
        new TextEncoder().encode(`${treeDigest(treeEntries)}\n`),
      );
      try {
        await Deno.rename(work, finalDir);
      } catch (e) {
        if (await exists(this.root, finalDir, "dir")) {
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
   * @throws {MochiError} `BLOB_E008` on a malformed digest; `STORE_E002` when the blob or a
   *   directory above it is a link or of the wrong kind
   */
  async checkBlob(b3: string): Promise<"ok" | "missing" | "corrupt"> {
    const path = this.blobPath(b3);
    const st = await lstatInStore(this.root, path, this.#checked);
    if (st === undefined) return "missing";
    if (st.isSymlink) throw plantedPathError(path, "a symbolic link");
    if (!st.isFile) throw plantedPathError(path, "not a regular file");
    try {
      // The address is the BLAKE3: that alone is compared (the SHA-256 was checked with it when
      // the blob was stored, and `mochi verify` computes both).
      return (await blake3OfFile(path, st.size)) === b3 ? "ok" : "corrupt";
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return "missing";
      throw e;
    }
  }

  /**
   * Remove a blob and the tree extracted from it (missing ones are ignored; a link in their
   * place is removed as a link, never followed).
   *
   * @param b3 BLAKE3 hex digest
   * @throws {MochiError} `BLOB_E008` on a malformed digest; `STORE_E002` when a directory above
   *   them is a link; `INTERNAL_E001` without the store lock
   */
  async removeBlob(b3: string): Promise<void> {
    this.#writable("removing a blob");
    await this.#remove(this.extractedPath(b3));
    await this.#remove(this.treeRecordPath(b3));
    await this.#remove(this.blobPath(b3));
  }

  /** Remove `path` inside the store (recursively; a link itself), its parents checked real. */
  async #remove(path: string): Promise<void> {
    if (await parentsAreReal(this.root, path)) await removeIfExists(path);
  }

  /**
   * Record that a blob was used now (its file's mtime is the last-use record read by
   * {@link FsStore.prune}). Missing blobs are ignored. A `.crate` is touched through its
   * address: {@link FsStore.resolveAlias} gives it. A blob whose mtime is already within
   * {@link TOUCH_INTERVAL_MS} before `nowMs` is left as it is (like the `relatime` mount option),
   * so a no-op install writes nothing to the store; the record is exact to within that interval.
   *
   * @param b3 BLAKE3 hex digest
   * @param nowMs the time to record, epoch ms (default now)
   * @throws {MochiError} `STORE_E002` when the blob or a directory above it is a link
   */
  async touch(b3: string, nowMs: number = Date.now()): Promise<void> {
    this.#writable("recording a blob's last use");
    const path = this.blobPath(b3);
    const st = await lstatInStore(this.root, path, this.#checked);
    if (st === undefined) return;
    if (st.isSymlink) throw plantedPathError(path, "a symbolic link");
    if (!st.isFile) throw plantedPathError(path, "not a regular file");
    const mtime = st.mtime?.getTime();
    if (mtime !== undefined && mtime <= nowMs && nowMs - mtime < TOUCH_INTERVAL_MS) return;
    const t = new Date(nowMs);
    try {
      await Deno.utime(path, t, t);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }

  /**
   * Every blob file in the store, walked with `lstat`: only bucket directories named by two hex
   * digits and files named by a digest in their own bucket are taken; links and anything else
   * go to `skipped`, never followed.
   */
  async #blobs(skipped: SkippedEntry[]): Promise<BlobEntry[]> {
    const out: BlobEntry[] = [];
    const top = join(this.root, "blobs");
    if (!(await realDirOrSkip(top, skipped))) return out;
    for (const aa of await listDir(top)) {
      const aaPath = join(top, aa.name);
      if (!BUCKET.test(aa.name) || !aa.isDirectory) {
        skipped.push(skippedEntry(aaPath, aa));
        continue;
      }
      for (const bb of await listDir(aaPath)) {
        const bbPath = join(aaPath, bb.name);
        if (!BUCKET.test(bb.name) || !bb.isDirectory) {
          skipped.push(skippedEntry(bbPath, bb));
          continue;
        }
        for (const f of await listDir(bbPath)) {
          const path = join(bbPath, f.name);
          const inPlace = isHexDigest(f.name) && f.name.startsWith(aa.name + bb.name);
          if (!f.isFile || !inPlace) {
            skipped.push(skippedEntry(path, f));
            continue;
          }
          const st = await lstatOrUndefined(path);
          if (st?.isFile) out.push({ b3: f.name, path, st });
        }
      }
    }
    return out;
  }

  /** Extracted trees (real directories named by a digest); links and others go to `skipped`. */
  async #trees(skipped: SkippedEntry[]): Promise<{ b3: string; path: string }[]> {
    const out: { b3: string; path: string }[] = [];
    const top = join(this.root, "extracted");
    if (!(await realDirOrSkip(top, skipped))) return out;
    for (const t of await listDir(top)) {
      const path = join(top, t.name);
      if (!isHexDigest(t.name) || !t.isDirectory) skipped.push(skippedEntry(path, t));
      else out.push({ b3: t.name, path });
    }
    return out;
  }

  /** SHA-256 aliases (regular files named by a digest); links and others go to `skipped`. */
  async #aliases(skipped: SkippedEntry[]): Promise<{ sha256: string; path: string }[]> {
    const out: { sha256: string; path: string }[] = [];
    if (!(await realDirOrSkip(join(this.root, "aliases"), skipped))) return out;
    if (!(await realDirOrSkip(this.aliasDir, skipped))) return out;
    for (const a of await listDir(this.aliasDir)) {
      const path = join(this.aliasDir, a.name);
      if (!isHexDigest(a.name) || !a.isFile) skipped.push(skippedEntry(path, a));
      else out.push({ sha256: a.name, path });
    }
    return out;
  }

  /** The address an alias file holds, when it is a digest. */
  async #aliasTarget(path: string): Promise<string | undefined> {
    const st = await lstatOrUndefined(path);
    if (!st?.isFile || st.size > 256) return undefined;
    const b3 = (await Deno.readTextFile(path)).trim();
    return isHexDigest(b3) ? b3 : undefined;
  }

  /**
   * Delete blobs whose last use (see {@link FsStore.touch}) is older than `olderThanMs`, with
   * their extracted trees and aliases, and trees and aliases whose blob is gone. The store is
   * walked with `lstat`: only entries named by a digest are touched, links are never followed
   * (they are listed in {@link PruneReport.skipped}, and a dry run reports exactly what a real
   * run removes). The caller holds the store lock exclusively ({@link openStoreSession}), so no
   * install is using what is deleted.
   *
   * @param options age threshold, dry run, clock
   * @returns what was (or would be) removed, and what was left alone
   * @throws {MochiError} `INTERNAL_E001` without the exclusive store lock
   */
  async prune(options: PruneOptions): Promise<PruneReport> {
    this.#writable("pruning", "exclusive");
    const now = options.nowMs ?? Date.now();
    const skipped: SkippedEntry[] = [];
    const report: PruneReport = {
      blobs: 0,
      blobBytes: 0,
      trees: 0,
      treeBytes: 0,
      aliases: 0,
      skipped,
    };
    const kept = new Set<string>();
    for (const b of await this.#blobs(skipped)) {
      if (now - (b.st.mtime?.getTime() ?? 0) < options.olderThanMs) {
        kept.add(b.b3);
        continue;
      }
      report.blobs++;
      report.blobBytes += b.st.size;
      if (!options.dryRun) await removeIfExists(b.path);
    }
    for (const t of await this.#trees(skipped)) {
      if (kept.has(t.b3)) continue;
      report.trees++;
      report.treeBytes += await treeBytes(t.path);
      if (!options.dryRun) await removeIfExists(t.path);
    }
    if (await realDirOrSkip(this.treeRecordDir, skipped)) {
      for (const r of await listDir(this.treeRecordDir)) {
        const path = join(this.treeRecordDir, r.name);
        if (!isHexDigest(r.name) || !r.isFile) skipped.push(skippedEntry(path, r));
        else if (!kept.has(r.name) && !options.dryRun) await removeIfExists(path);
      }
    }
    for (const a of await this.#aliases(skipped)) {
      const b3 = await this.#aliasTarget(a.path);
      if (b3 !== undefined && kept.has(b3)) continue;
      report.aliases++;
      if (!options.dryRun) await removeIfExists(a.path);
    }
    return report;
  }

  /**
   * Count blobs, extracted trees and temp files with their sizes (`mochi cache size`), walking
   * with `lstat` (links are not followed or counted).
   *
   * @returns a {@link StoreSize}
   */
  async size(): Promise<StoreSize> {
    const out: StoreSize = { blobs: 0, blobBytes: 0, trees: 0, treeBytes: 0, tempBytes: 0 };
    const skipped: SkippedEntry[] = [];
    for (const b of await this.#blobs(skipped)) {
      out.blobs++;
      out.blobBytes += b.st.size;
    }
    for (const t of await this.#trees(skipped)) {
      out.trees++;
      out.treeBytes += await treeBytes(t.path);
    }
    out.tempBytes = await treeBytes(this.tmpDir);
    return out;
  }

  /**
   * Re-hash every blob (`mochi verify`) and report those whose BLAKE3 differs from their name,
   * or that sit in the wrong bucket or have a name that is not a digest; check every SHA-256
   * alias against the SHA-256 of the blob it names; list links found inside the store.
   *
   * @returns how many blobs and aliases were checked, and what is wrong
   */
  async verify(): Promise<VerifyReport> {
    const skipped: SkippedEntry[] = [];
    const report: VerifyReport = {
      checked: 0,
      corrupt: [],
      aliasesChecked: 0,
      badAliases: [],
      planted: [],
      treesChecked: 0,
      corruptTrees: [],
    };
    const sha256Of = new Map<string, string>();
    for (const b of await this.#blobs(skipped)) {
      const actual = await digestFile(b.path);
      report.checked++;
      if (actual.blake3 !== b.b3) {
        report.corrupt.push({ b3: b.b3, path: b.path, actualBlake3: actual.blake3 });
      } else sha256Of.set(b.b3, actual.sha256);
    }
    for (const a of await this.#aliases(skipped)) {
      report.aliasesChecked++;
      const b3 = await this.#aliasTarget(a.path);
      const reason = b3 === undefined
        ? "it does not hold a BLAKE3 digest"
        : !sha256Of.has(b3)
        ? `it names blob ${b3}, which is not in the store (or is corrupt)`
        : sha256Of.get(b3) !== a.sha256
        ? `it names blob ${b3}, whose SHA-256 is ${sha256Of.get(b3)}`
        : undefined;
      if (reason !== undefined) report.badAliases.push({ sha256: a.sha256, path: a.path, reason });
    }
    for (const t of await this.#trees(skipped)) {
      report.treesChecked++;
      const state = await this.checkTree(t.b3);
      if (typeof state === "object") {
        report.corruptTrees.push({ b3: t.b3, path: t.path, reason: state.reason });
      }
    }
    // Regular files with a wrong name or place inside a bucket are corrupt blobs (as before);
    // links, and anything in place of a directory, are planted.
    for (const s of skipped) {
      if (s.kind === "file" && s.path.startsWith(join(this.root, "blobs") + "/")) {
        const rel = s.path.slice(this.root.length + "/blobs/".length).split("/");
        if (rel.length === 3) {
          const actual = await digestFile(s.path);
          report.checked++;
          report.corrupt.push({ b3: rel[2]!, path: s.path, actualBlake3: actual.blake3 });
          continue;
        }
      }
      if (s.kind === "symlink") report.planted.push(s);
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
   * @throws {MochiError} `INTERNAL_E001` without the store lock
   */
  async removeCorrupt(corrupt: readonly Pick<CorruptBlob, "b3" | "path">[]): Promise<number> {
    this.#writable("removing corrupt blobs");
    let removed = 0;
    const blobsRoot = join(this.root, "blobs") + "/";
    for (const c of corrupt) {
      if (!c.path.startsWith(blobsRoot)) continue; // only ever delete inside the store
      if (!(await parentsAreReal(this.root, c.path))) continue;
      try {
        await Deno.remove(c.path);
        removed++;
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
      if (isHexDigest(c.b3)) await this.#remove(this.extractedPath(c.b3));
    }
    return removed;
  }

  /**
   * Remove extracted trees found changed by {@link FsStore.verify} (with their tree digests), so
   * the next install extracts them again from their blobs.
   *
   * @param trees entries from {@link VerifyReport.corruptTrees}
   * @returns the number of trees removed
   * @throws {MochiError} `INTERNAL_E001` without the store lock
   */
  async removeTrees(trees: readonly Pick<CorruptTree, "b3">[]): Promise<number> {
    this.#writable("removing changed trees");
    let removed = 0;
    for (const t of trees) {
      if (!isHexDigest(t.b3)) continue;
      await this.#remove(this.extractedPath(t.b3));
      await this.#remove(this.treeRecordPath(t.b3));
      removed++;
    }
    return removed;
  }

  /**
   * Remove temp files and dirs left by crashed processes: entries of `<root>/tmp` older than
   * `maxAgeMs` that are not `keep` (the caller's own session). With the store lock held
   * exclusively no other session is live; the age rule spares a process that wrote its first
   * temp file without a lock (none does). Entries are removed as found (a link as a link), and
   * `tmp` itself must be a real directory.
   *
   * @param options `maxAgeMs` (default {@link TEMP_MAX_AGE_MS}), names to `keep`, `dryRun`
   * @returns how many entries were removed (or would be)
   * @throws {MochiError} `INTERNAL_E001` without the exclusive store lock
   */
  async pruneTemp(
    options: { maxAgeMs?: number; keep?: readonly string[]; dryRun?: boolean } = {},
  ): Promise<number> {
    this.#writable("pruning temp files", "exclusive");
    const maxAgeMs = options.maxAgeMs ?? TEMP_MAX_AGE_MS;
    const keep = new Set(options.keep ?? []);
    let removed = 0;
    const now = Date.now();
    if (!(await realDirOrSkip(this.tmpDir, []))) return 0;
    for (const e of await listDir(this.tmpDir)) {
      if (keep.has(e.name)) continue;
      const path = join(this.tmpDir, e.name);
      const st = await lstatOrUndefined(path);
      if (st === undefined || now - (st.mtime?.getTime() ?? 0) < maxAgeMs) continue;
      removed++;
      if (!options.dryRun) await removeIfExists(path);
    }
    return removed;
  }
}

/**
 * A byte budget shared by the extractions of one process: {@link ByteBudget.acquire} waits until
 * `bytes` fit; a request larger than the whole budget waits until nothing else holds any.
 */
class ByteBudget {
  #free: number;
  readonly #total: number;
  #waiters: { bytes: number; wake: () => void }[] = [];
  constructor(totalBytes: number) {
    this.#total = totalBytes;
    this.#free = totalBytes;
  }
  async acquire(bytes: number): Promise<() => void> {
    const take = Math.min(bytes, this.#total);
    if (this.#waiters.length > 0 || this.#free < take) {
      await new Promise<void>((wake) => this.#waiters.push({ bytes: take, wake }));
    } else this.#free -= take;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#free += take;
      for (
        let w = this.#waiters[0];
        w !== undefined && this.#free >= w.bytes;
        w = this.#waiters[0]
      ) {
        this.#waiters.shift();
        this.#free -= w.bytes;
        w.wake();
      }
    };
  }
}

const EXTRACT_BUDGET = new ByteBudget(LIMITS.extractInFlightBytes);

/** Read a blob of `size` bytes into one buffer while hashing it; `BLOB_E006` on a mismatch. */
async function readVerified(path: string, size: number, b3: string): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  const hasher = await createDualHasher();
  const file = await Deno.open(path, { read: true });
  let n = 0;
  try {
    while (n < size) {
      const r = await file.read(out.subarray(n, Math.min(size, n + READ_CHUNK_BYTES)));
      if (r === null) break;
      await hasher.update(out.subarray(n, n + r));
      n += r;
    }
    const extra = n === size ? await file.read(new Uint8Array(1)) : null;
    const digest = await hasher.finish();
    if (n !== size || extra !== null || digest.blake3 !== b3) {
      throw new MochiError(
        "BLOB_E006",
        `store blob ${path} no longer matches its address: blake3 is ${
          n === size && extra === null ? digest.blake3 : `unknown (it changed size while read)`
        }`,
        { hint: "run `mochi verify` to remove corrupt blobs, then install again" },
      );
    }
    return out;
  } catch (e) {
    hasher.abort();
    throw e;
  } finally {
    file.close();
  }
}

/** How old a temp entry must be before {@link FsStore.pruneTemp} removes it: one hour. */
export const TEMP_MAX_AGE_MS: number = 60 * 60 * 1000;

const BUCKET = /^[0-9a-f]{2}$/;

/** A small regular file inside the store, trimmed; undefined when missing, a link, or big. */
async function readSmallFile(
  root: string,
  path: string,
  checked?: CheckedDirs,
): Promise<string | undefined> {
  const st = await lstatInStore(root, path, checked);
  if (st === undefined || !st.isFile || st.size > 4096) return undefined;
  // Synchronous: a few hundred bytes (see lstatOrUndefined).
  return Deno.readTextFileSync(path).trim();
}

/** The {@link treeDigest} of walked entries (every file's SHA-256 read from disk). */
async function diskTreeDigest(entries: readonly DiskTreeEntry[]): Promise<string> {
  const out: TreeEntry[] = [];
  for (const e of entries) {
    out.push(
      e.type === "directory"
        ? { path: e.path, type: "directory", executable: false, sizeBytes: 0, sha256: "" }
        : {
          path: e.path,
          type: "file",
          executable: Deno.build.os !== "windows" && ((e.st.mode ?? 0) & 0o111) !== 0,
          sizeBytes: e.st.size,
          sha256: await sha256File(e.full, e.st.size),
        },
    );
  }
  return treeDigest(out);
}

async function sha256File(path: string, sizeBytes: number): Promise<string> {
  if (sizeBytes <= SYNC_READ_BYTES && smallHashBudget >= sizeBytes) {
    // As in blake3OfFile: a few small files are hashed without loading node:crypto. A file that
    // grew since its lstat hashes to something else than the recorded tree (its size is in it).
    smallHashBudget -= sizeBytes;
    return smallSha256Hex(readFileSyncUpTo(path, sizeBytes + 1));
  }
  const h = await createStreamingSha256();
  const file = await Deno.open(path, { read: true });
  try {
    const buf = new Uint8Array(READ_CHUNK_BYTES);
    while (true) {
      const n = await file.read(buf);
      if (n === null) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    file.close();
  }
  return h.digest("hex");
}

interface BlobEntry {
  b3: string;
  path: string;
  st: Deno.FileInfo;
}

/** An entry a store walk left alone (a link, or a name or kind the store never creates). */
export interface SkippedEntry {
  /** Its path. */
  path: string;
  /** What it is. */
  kind: "symlink" | "file" | "directory" | "other";
}

function skippedEntry(path: string, e: Deno.DirEntry): SkippedEntry {
  const kind = e.isSymlink ? "symlink" : e.isFile ? "file" : e.isDirectory ? "directory" : "other";
  return { path, kind };
}

/** True when `path` is a real directory; a link or other kind in its place is listed. */
async function realDirOrSkip(path: string, skipped: SkippedEntry[]): Promise<boolean> {
  const st = await lstatOrUndefined(path);
  if (st === undefined) return false;
  if (st.isDirectory) return true;
  skipped.push({ path, kind: st.isSymlink ? "symlink" : st.isFile ? "file" : "other" });
  return false;
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
