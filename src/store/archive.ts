/**
 * Deterministic `.tar.zst` archives and a strict reader for them.
 *
 * Format (POSIX.1-2001 pax, IEEE Std 1003.1 `pax`): USTAR, with a PAX `path` record when a name
 * does not fit the USTAR name/prefix fields or is not ASCII; entries sorted by the UTF-8 bytes of
 * their path, every directory implied by a path emitted as its own entry before its children;
 * uid/gid 0, empty user/group names, modes 0644 (files), 0755 (executables, directories); one mtime
 * for every entry (`SOURCE_DATE_EPOCH` or 0); zstd level 19 with the content checksum on.
 *
 * The reader follows cargo's policy (only `Regular` and `Directory` entries,
 * `src/sources/registry/mod.rs::unpack`) and node-tar's lessons (CVE-2021-32803, CVE-2021-37701):
 * every header is checked before its body is read, and any link, device, FIFO, escaping or
 * colliding path rejects the whole archive (`BLOB_E003`). Size limits follow cargo's unpack cap
 * `max(512 MiB, 20 × compressed size)` (`BLOB_E004`).
 *
 * Decompression streams (`createZstdDecompress` piped into the tar parser with backpressure), and
 * {@link readArchiveStream} hands out entry bodies as streams, so peak memory is the compressed
 * blob plus stream buffers, not the unpacked size: a 1 GiB zstd bomb is refused at its header, and
 * a 256 MiB file is extracted, with a few MiB resident (`tests/bomb_test.ts` measures both). Since
 * zstd reports neither a frame cut short nor, always, trailing garbage, the reader counts the
 * output against the cap, checks the frame's declared content size when it has one, and requires
 * the tar end-of-archive marker before it ends.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { constants as zc, createZstdDecompress, zstdCompressSync } from "node:zlib";
import tar from "tar-stream";
import { MochiError } from "../errors.ts";
import { LIMITS } from "../limits.ts";

/** One file to put into an archive with {@link writeArchive}. */
export interface ArchiveInput {
  /** Relative path with `/` separators, e.g. `src/lib.mochi`. */
  path: string;
  /** File contents. */
  bytes: Uint8Array;
  /** Mode 0755 instead of 0644. */
  executable?: boolean;
}

/** Options of {@link writeArchive}. */
export interface WriteArchiveOptions {
  /** mtime of every entry, seconds since the epoch (`SOURCE_DATE_EPOCH`); default 0. */
  mtimeSeconds?: number;
}

/** An entry yielded by {@link readArchive}: validated, normalised, body read in full. */
export interface ArchiveEntry {
  /** Normalised relative path, `/` separators, no trailing slash. */
  path: string;
  /** Regular file or directory: nothing else gets through. */
  type: "file" | "directory";
  /** File mode has an execute bit (extract as 0755); false for directories. */
  executable: boolean;
  /** Body length in bytes (0 for directories). */
  sizeBytes: number;
  /** Body (empty for directories). */
  bytes: Uint8Array;
}

/**
 * Limits applied by {@link readArchive}; every field optional (defaults in {@link archiveLimits}).
 */
export interface ArchivePolicy {
  /** Size of the compressed archive in bytes; feeds the `20 ×` ratio of the unpack cap. */
  compressedSizeBytes?: number;
  /** Cap on the sum of entry sizes in bytes; default `max(unpackFloorBytes, unpackRatio ×
   * compressed)`. When given, the floor and ratio are ignored. */
  maxUnpackedBytes?: number;
  /** Floor of the unpack cap in bytes; default 512 MiB (cargo). */
  unpackFloorBytes?: number;
  /** Ratio of the unpack cap to the compressed size; default 20 (cargo). */
  unpackRatio?: number;
  /** Cap on the number of entries (files + directories); default 100 000. */
  maxEntries?: number;
  /** Cap on one entry's size in bytes; default the unpack cap. */
  maxEntryBytes?: number;
}

/** The limits {@link readArchive} enforces, all resolved to numbers. */
export interface ArchiveLimits {
  /** Cap on the sum of entry sizes in bytes. */
  maxUnpackedBytes: number;
  /** Cap on the number of entries. */
  maxEntries: number;
  /** Cap on one entry's size in bytes. */
  maxEntryBytes: number;
}

/** cargo's floor for the unpack cap: 512 MiB. */
export const DEFAULT_MAX_UNPACKED_BYTES: number = LIMITS.unpackedBytes;
/** cargo's ratio for the unpack cap: 20 × the compressed size. */
export const DEFAULT_UNPACK_RATIO: number = LIMITS.unpackRatio;
/** Default cap on entries per archive. */
export const DEFAULT_MAX_ENTRIES: number = LIMITS.archiveEntries;
/** Longest path segment in UTF-8 bytes (POSIX NAME_MAX). */
export const MAX_SEGMENT_BYTES = 255;
/** Longest path in UTF-8 bytes (POSIX PATH_MAX). */
export const MAX_PATH_BYTES = 4096;
/** Deepest path, in segments (node-tar's depth limit, CVE-2024-28863). */
export const MAX_PATH_DEPTH = 64;
/** zstd level of {@link writeArchive}. */
export const ZSTD_LEVEL = 19;

const utf8 = new TextEncoder();

/**
 * Resolve a policy to concrete limits: cargo's `max(512 MiB, 20 × compressed)` unless given.
 *
 * @param policy the caller's overrides
 * @returns every limit as a number of bytes or entries
 */
export function archiveLimits(policy: ArchivePolicy = {}): ArchiveLimits {
  const byRatio = (policy.compressedSizeBytes ?? 0) * (policy.unpackRatio ?? DEFAULT_UNPACK_RATIO);
  const maxUnpackedBytes = policy.maxUnpackedBytes ??
    Math.max(policy.unpackFloorBytes ?? DEFAULT_MAX_UNPACKED_BYTES, byRatio);
  return {
    maxUnpackedBytes,
    maxEntries: policy.maxEntries ?? DEFAULT_MAX_ENTRIES,
    maxEntryBytes: policy.maxEntryBytes ?? maxUnpackedBytes,
  };
}

function unsafe(path: string, why: string): MochiError {
  return new MochiError("BLOB_E003", `archive entry ${JSON.stringify(path)} ${why}`, {
    hint: "the archive was rejected as a whole and nothing was extracted; report it to the " +
      "package's maintainers or the registry",
  });
}

/**
 * Check one entry path and normalise it (drop a directory's trailing `/`).
 *
 * Rejects: empty names; NUL; backslashes; absolute paths (any number of leading `/`); Windows
 * drive letters (`C:`); empty, `.` or `..` segments; segments over 255 UTF-8 bytes, paths over
 * 4096 bytes or 64 segments.
 *
 * @param raw the name as stored (after PAX/GNU long-name records are applied)
 * @param type what the entry is; only a directory may end in `/`
 * @returns the path without trailing slash
 * @throws {MochiError} `BLOB_E003` naming the entry and the rule it breaks
 */
export function validateEntryPath(raw: string, type: "file" | "directory"): string {
  if (raw.length === 0) throw unsafe(raw, "has an empty name");
  if (raw.includes("\0")) throw unsafe(raw, "contains a NUL byte");
  if (raw.includes("\\")) throw unsafe(raw, "contains a backslash");
  if (raw.startsWith("/")) throw unsafe(raw, "is an absolute path");
  if (/^[A-Za-z]:/.test(raw)) throw unsafe(raw, "starts with a drive letter");
  let path = raw;
  if (type === "directory" && path.endsWith("/")) path = path.slice(0, -1);
  if (utf8.encode(path).length > MAX_PATH_BYTES) {
    throw unsafe(raw, `is longer than ${MAX_PATH_BYTES} bytes`);
  }
  const segments = path.split("/");
  if (segments.length > MAX_PATH_DEPTH) {
    throw unsafe(raw, `is nested deeper than ${MAX_PATH_DEPTH} levels`);
  }
  for (const seg of segments) {
    if (seg === "") throw unsafe(raw, "has an empty path segment");
    if (seg === "." || seg === "..") throw unsafe(raw, `has a "${seg}" segment`);
    if (utf8.encode(seg).length > MAX_SEGMENT_BYTES) {
      throw unsafe(raw, `has a segment longer than ${MAX_SEGMENT_BYTES} bytes`);
    }
  }
  return path;
}

/**
 * The key two paths collide under on case-insensitive or normalising filesystems (APFS, NTFS):
 * NFD, then lower case, then upper case (as node-tar's path reservations; folds `ß`/`SS`,
 * `ﬀ`/`FF`).
 */
function foldKey(path: string): string {
  return path.normalize("NFD").toLowerCase().toUpperCase();
}

/**
 * Tracks every path an archive creates, explicit or implied by a deeper path, and rejects
 * duplicates, case/normalisation collisions and a file used as a directory.
 */
class PathSet {
  #seen = new Map<string, { path: string; type: "file" | "directory"; explicit: boolean }>();

  add(path: string, type: "file" | "directory"): void {
    const segments = path.split("/");
    for (let i = 1; i < segments.length; i++) {
      const parent = segments.slice(0, i).join("/");
      const key = foldKey(parent);
      const prev = this.#seen.get(key);
      if (prev === undefined) {
        this.#seen.set(key, { path: parent, type: "directory", explicit: false });
      } else if (prev.path !== parent) {
        throw unsafe(path, `collides with ${JSON.stringify(prev.path)} (case or Unicode form)`);
      } else if (prev.type === "file") {
        throw unsafe(path, `is inside ${JSON.stringify(parent)}, which is a file`);
      }
    }
    const key = foldKey(path);
    const prev = this.#seen.get(key);
    if (prev !== undefined) {
      if (prev.path !== path) {
        throw unsafe(path, `collides with ${JSON.stringify(prev.path)} (case or Unicode form)`);
      }
      if (prev.explicit) throw unsafe(path, "appears twice");
      if (type === "file") throw unsafe(path, "is a file but other entries use it as a directory");
    }
    this.#seen.set(key, { path, type, explicit: true });
  }
}

function compareUtf8(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/**
 * Parse `SOURCE_DATE_EPOCH` (reproducible-builds.org) into an mtime for {@link writeArchive}.
 *
 * @param value the variable's value, or undefined when unset
 * @returns seconds since the epoch; 0 when unset or empty
 * @throws {MochiError} `CLI_E001` when set to anything but a non-negative integer
 */
export function sourceDateEpoch(value: string | undefined): number {
  if (value === undefined || value === "") return 0;
  if (!/^[0-9]{1,11}$/.test(value) || Number(value) > 0o77777777777) {
    throw new MochiError("CLI_E001", `SOURCE_DATE_EPOCH=${JSON.stringify(value)} is not valid`, {
      hint: "set it to a non-negative integer number of seconds, or unset it",
    });
  }
  return Number(value);
}

/**
 * Build a deterministic `.tar.zst`: the same set of files gives the same bytes whatever the input
 * order. Directories implied by the paths are emitted too; entries are sorted by UTF-8 bytes.
 *
 * @param entries files to include (paths relative, `/`-separated)
 * @param options `mtimeSeconds` for every entry (default 0)
 * @returns the compressed archive
 * @throws {MochiError} `BLOB_E003` for a path the reader would reject (escape, duplicate,
 *   collision); `INTERNAL_E001` for a bad `mtimeSeconds`
 */
export async function writeArchive(
  entries: readonly ArchiveInput[],
  options: WriteArchiveOptions = {},
): Promise<Uint8Array> {
  const mtimeSeconds = options.mtimeSeconds ?? 0;
  if (!Number.isInteger(mtimeSeconds) || mtimeSeconds < 0 || mtimeSeconds > 0o77777777777) {
    throw new MochiError("INTERNAL_E001", `archive mtime ${mtimeSeconds} is out of range`);
  }
  const set = new PathSet();
  const dirs = new Set<string>();
  const files = new Map<string, ArchiveInput>();
  for (const e of entries) {
    const path = validateEntryPath(e.path, "file");
    set.add(path, "file");
    files.set(path, e);
    const segs = path.split("/");
    for (let i = 1; i < segs.length; i++) dirs.add(segs.slice(0, i).join("/"));
  }
  const all = [...dirs, ...files.keys()].sort(compareUtf8);
  const mtime = new Date(mtimeSeconds * 1000);
  const pack = tar.pack();
  const chunks: Uint8Array[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Uint8Array);
  })();
  for (const path of all) {
    const file = files.get(path);
    const common = { uid: 0, gid: 0, uname: "", gname: "", mtime };
    if (file === undefined) {
      pack.entry({ ...common, name: `${path}/`, type: "directory", mode: 0o755, size: 0 });
    } else {
      pack.entry(
        {
          ...common,
          name: path,
          type: "file",
          mode: file.executable ? 0o755 : 0o644,
          size: file.bytes.byteLength,
        },
        Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength),
      );
    }
  }
  pack.finalize();
  await collected;
  const tarBytes = Buffer.concat(chunks);
  // The pledged size lets zstd size its window and tables to the input: level 19 on a small
  // archive then costs ~0.05 ms instead of ~50 ms (mostly allocating an 8 MiB window), and the
  // frame header records the content size, which the reader uses to bound decompression.
  const compressed = zstdCompressSync(
    tarBytes,
    {
      params: {
        [zc.ZSTD_c_compressionLevel]: ZSTD_LEVEL,
        [zc.ZSTD_c_checksumFlag]: 1,
      },
      pledgedSrcSize: tarBytes.length,
    } as Parameters<typeof zstdCompressSync>[1],
  );
  return new Uint8Array(compressed.buffer, compressed.byteOffset, compressed.byteLength);
}

/**
 * The content size a zstd frame header declares, if any (RFC 8878 §3.1.1.1).
 *
 * @returns the size, `undefined` when the frame does not say, `null` when `b` is not zstd
 */
function zstdFrameContentSize(b: Uint8Array): number | undefined | null {
  if (b.length < 5) return null;
  if (b[0] !== 0x28 || b[1] !== 0xb5 || b[2] !== 0x2f || b[3] !== 0xfd) return null;
  const fhd = b[4]!;
  const fcsFlag = fhd >> 6;
  const singleSegment = (fhd! >> 5) & 1;
  const dictFlag = fhd! & 3;
  let pos = 5 + (singleSegment ? 0 : 1) + [0, 1, 2, 4][dictFlag]!;
  const fcsBytes = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag]!;
  if (fcsBytes === 0) return undefined;
  if (b.length < pos + fcsBytes) return null;
  let v = 0;
  for (let i = fcsBytes! - 1; i >= 0; i--) v = v * 256 + b[pos + i]!;
  pos += fcsBytes!;
  return fcsBytes === 2 ? v + 256 : v;
}

function corrupt(what: string, cause?: unknown): MochiError {
  return new MochiError("BLOB_E005", `archive is not a valid zstd-compressed tar: ${what}`, {
    hint: "the blob matched its digests, so the publisher uploaded a broken archive; report it",
    cause,
  });
}

function tooBig(what: string): MochiError {
  return new MochiError("BLOB_E004", `archive ${what}`, {
    hint: "the archive is larger than mochi's unpack limits allow; report it to its maintainers",
  });
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const chunk of stream) {
    parts.push(chunk);
    n += chunk.byteLength;
  }
  if (parts.length === 1 && parts[0] !== undefined) return parts[0]; // one chunk: no copy
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out;
}

/** Raw tar bytes allowed for an archive: the unpack cap plus per-entry header/padding room. */
function rawCapOf(limits: ArchiveLimits): number {
  // Raw tar = bodies + one 512-byte header and up to 511 bytes of padding per entry, PAX
  // records, and the end marker; allow that overhead on top of the unpack cap.
  return limits.maxUnpackedBytes + Math.min(limits.maxEntries, 1 << 20) * 2048 + (1 << 20);
}

/**
 * Decompress `compressed` as a stream into `extract`, never holding more than the stream
 * buffers: counts the output against the raw cap, checks the frame's declared content size, the
 * 512-byte framing and the end-of-archive marker, and ends `extract` only when all of that
 * holds (else destroys it with the mochi error, which the entry iterator then throws).
 */
async function pump(
  compressed: Uint8Array,
  limits: ArchiveLimits,
  extract: ReturnType<typeof tar.extract>,
): Promise<void> {
  const declared = zstdFrameContentSize(compressed);
  const rawCap = rawCapOf(limits);
  const z = createZstdDecompress();
  z.on("error", () => {}); // surfaced through the iteration below
  let total = 0;
  const tail = new Uint8Array(1024);
  let tailFill = 0;
  try {
    if (declared === null) throw corrupt("no zstd frame header");
    if (declared !== undefined && declared > rawCap) {
      throw tooBig(`declares ${declared} bytes unpacked, over the limit of ${rawCap}`);
    }
    z.end(Buffer.from(compressed.buffer, compressed.byteOffset, compressed.byteLength));
    try {
      for await (const c of z) {
        const chunk = c as Buffer;
        total += chunk.length;
        if (total > rawCap) throw tooBig(`unpacks to more than ${rawCap} bytes`);
        // keep the last 1024 bytes for the end-of-archive check
        if (chunk.length >= 1024) {
          tail.set(chunk.subarray(chunk.length - 1024));
          tailFill = 1024;
        } else {
          const keep = Math.min(tailFill, 1024 - chunk.length);
          tail.copyWithin(0, tailFill - keep, tailFill);
          tail.set(chunk, keep);
          tailFill = keep + chunk.length;
        }
        if (extract.destroyed) return;
        if (!extract.write(chunk)) {
          await new Promise<void>((resolve) => {
            const done = () => {
              extract.off("drain", done);
              extract.off("close", done);
              resolve();
            };
            extract.on("drain", done);
            extract.on("close", done);
          });
        }
      }
    } catch (e) {
      throw e instanceof MochiError ? e : corrupt((e as Error).message ?? String(e), e);
    }
    if (declared !== undefined && total !== declared) {
      throw corrupt(`frame declares ${declared} bytes but holds ${total} (truncated?)`);
    }
    if (total % 512 !== 0) throw corrupt("tar length is not a multiple of 512 bytes");
    if (total < 1024) throw corrupt("tar end-of-archive marker is missing");
    if (tail.some((b) => b !== 0)) {
      throw corrupt("tar end-of-archive marker is missing (truncated?)");
    }
    extract.end(undefined);
  } catch (e) {
    z.destroy();
    extract.destroy(e as Error);
  }
}

/**
 * An entry yielded by {@link readArchiveStream}: validated header, body still to be read.
 */
export interface ArchiveStreamEntry {
  /** Normalised relative path, `/` separators, no trailing slash. */
  path: string;
  /** Regular file or directory: nothing else gets through. */
  type: "file" | "directory";
  /** File mode has an execute bit (extract as 0755); false for directories. */
  executable: boolean;
  /** Body length in bytes as the header declares it (0 for directories). */
  sizeBytes: number;
  /**
   * The body in chunks, checked against `sizeBytes` (a longer or shorter body throws
   * `BLOB_E005`). Read it to the end before asking for the next entry; an unread body is drained
   * (and checked) by the generator.
   */
  body(): AsyncGenerator<Uint8Array, void, undefined>;
}

/**
 * Read a `.tar.zst` and yield its entries, checking each header before its body is read, with
 * bodies as streams: memory stays at the compressed archive plus stream buffers, whatever the
 * entries' sizes (`FsStore.extract` writes them straight to disk).
 *
 * Only regular files and directories are accepted; any other type (symlink, hardlink, character
 * or block device, FIFO, contiguous file, unknown), a link name, setuid/setgid/sticky bits, or a
 * path rejected by {@link validateEntryPath}, a duplicate, or a case/Unicode collision rejects the
 * whole archive. A consumer must treat everything it wrote as garbage when the generator throws.
 *
 * @param stream the compressed archive
 * @param policy limits (see {@link archiveLimits})
 * @returns an async generator of validated entries, in archive order
 * @throws {MochiError} `BLOB_E003` unsafe entry (message names it); `BLOB_E004` over a limit;
 *   `BLOB_E005` not zstd, truncated, bad checksum, or malformed tar
 */
export async function* readArchiveStream(
  stream: ReadableStream<Uint8Array>,
  policy: ArchivePolicy = {},
): AsyncGenerator<ArchiveStreamEntry, void, undefined> {
  yield* readArchiveBytes(await readAll(stream), policy);
}

/**
 * {@link readArchiveStream} for an archive already in memory: the bytes are decompressed in
 * place, never copied (the store reads a blob into one buffer of its size and passes it here).
 *
 * @param compressed the compressed archive
 * @param policy limits (see {@link archiveLimits})
 * @returns an async generator of validated entries, in archive order
 * @throws {MochiError} `BLOB_E003`, `BLOB_E004`, `BLOB_E005` as {@link readArchiveStream}
 */
export async function* readArchiveBytes(
  compressed: Uint8Array,
  policy: ArchivePolicy = {},
): AsyncGenerator<ArchiveStreamEntry, void, undefined> {
  const limits = archiveLimits({ compressedSizeBytes: compressed.byteLength, ...policy });
  const extract = tar.extract();
  extract.on("error", () => {}); // surfaced through the iterator below
  const pumping = pump(compressed, limits, extract);
  const paths = new PathSet();
  let entries = 0;
  let total = 0;
  const iterator = extract[Symbol.asyncIterator]();
  try {
    while (true) {
      let step: Awaited<ReturnType<typeof iterator.next>>;
      try {
        step = await iterator.next();
      } catch (e) {
        throw e instanceof MochiError ? e : corrupt((e as Error).message ?? String(e), e);
      }
      if (step.done) break;
      const entry = step.value;
      const h = entry.header;
      const name = h.name ?? "";
      if (++entries > limits.maxEntries) {
        throw tooBig(`has more than ${limits.maxEntries} entries`);
      }
      if (h.type !== "file" && h.type !== "directory") {
        throw unsafe(
          name,
          `has type ${h.type ?? "unknown"}; only regular files and directories ` +
            "are allowed",
        );
      }
      const type = h.type;
      const path = validateEntryPath(name, type);
      if (h.linkname) throw unsafe(name, `carries a link name ${JSON.stringify(h.linkname)}`);
      const mode = h.mode ?? 0;
      if (mode & 0o7000) {
        throw unsafe(name, `has setuid/setgid/sticky mode bits (${mode.toString(8)})`);
      }
      const size = h.size ?? 0;
      if (type === "directory" && size !== 0) throw corrupt(`directory ${name} has a body`);
      if (size > limits.maxEntryBytes) {
        throw tooBig(
          `entry ${JSON.stringify(name)} is ${size} bytes, over the per-entry limit ` +
            `of ${limits.maxEntryBytes}`,
        );
      }
      total += size;
      if (total > limits.maxUnpackedBytes) {
        throw tooBig(`unpacks to more than ${limits.maxUnpackedBytes} bytes (at ${name})`);
      }
      paths.add(path, type);
      let started = false;
      const body = async function* (): AsyncGenerator<Uint8Array, void, undefined> {
        if (started) throw new MochiError("INTERNAL_E001", `body of ${name} read twice`);
        started = true;
        let off = 0;
        try {
          for await (const chunk of entry) {
            const c = chunk as Uint8Array;
            off += c.byteLength;
            if (off > size) throw corrupt(`entry ${name} is longer than its header`);
            yield c;
          }
        } catch (e) {
          throw e instanceof MochiError ? e : corrupt((e as Error).message ?? String(e), e);
        }
        if (off !== size) throw corrupt(`entry ${name} is shorter than its header says`);
      };
      yield {
        path,
        type,
        executable: type === "file" && (mode & 0o111) !== 0,
        sizeBytes: size,
        body,
      };
      if (!started) {
        for await (const _ of body()) {
          // drain and check an unread body
        }
      }
    }
  } finally {
    extract.destroy();
    await pumping;
  }
}

/**
 * Read a `.tar.zst` and yield its entries with their bodies in memory (see
 * {@link readArchiveStream} for the checks; memory grows with the largest entry).
 *
 * @param stream the compressed archive
 * @param policy limits (see {@link archiveLimits})
 * @returns an async generator of validated entries, in archive order
 * @throws {MochiError} `BLOB_E003` unsafe entry (message names it); `BLOB_E004` over a limit;
 *   `BLOB_E005` not zstd, truncated, bad checksum, or malformed tar
 */
export async function* readArchive(
  stream: ReadableStream<Uint8Array>,
  policy: ArchivePolicy = {},
): AsyncGenerator<ArchiveEntry, void, undefined> {
  for await (const e of readArchiveStream(stream, policy)) {
    const bytes = new Uint8Array(e.sizeBytes);
    let off = 0;
    for await (const c of e.body()) {
      bytes.set(c, off);
      off += c.byteLength;
    }
    yield { path: e.path, type: e.type, executable: e.executable, sizeBytes: e.sizeBytes, bytes };
  }
}

/**
 * Read every entry of a `.tar.zst` into memory (see {@link readArchive} for the checks).
 *
 * @param stream the compressed archive
 * @param policy limits
 * @returns the validated entries in archive order
 * @throws {MochiError} `BLOB_E003`, `BLOB_E004`, `BLOB_E005` as {@link readArchive}
 */
export async function readArchiveAll(
  stream: ReadableStream<Uint8Array>,
  policy: ArchivePolicy = {},
): Promise<ArchiveEntry[]> {
  const out: ArchiveEntry[] = [];
  for await (const e of readArchive(stream, policy)) out.push(e);
  return out;
}
