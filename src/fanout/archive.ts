/**
 * Byte-reproducible archive writers for the fan-out packers: {@link tarGz} (ustar in gzip) and
 * {@link zip} (deflate), plus the digests the ecosystems ask for ({@link sha256Hex},
 * {@link hashHex}) and {@link makeArtifact}.
 *
 * The same files give the same bytes whatever their input order, on any machine: entries are
 * sorted by the UTF-8 bytes of their path (after any `first` paths), every entry has one fixed
 * mtime, uid/gid 0, empty owner names and mode 0644 or 0755; gzip and deflate are fflate's (pure
 * JavaScript, pinned), so the compressed bytes do not depend on the system zlib. The gzip header
 * is fixed (mtime 0, no file name, OS byte 3) as reproducible-builds.org's archive notes ask; zip
 * entries carry the DOS date 1980-01-01 00:00:00 (the earliest DOS time, as `SOURCE_DATE_EPOCH`
 * tools such as Python's `wheel` and Maven's `project.build.outputTimestamp` clamp to), made-by
 * Unix and the Unix mode in the external attributes.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import tarStream from "tar-stream";
import { gzipSync, Zip, ZipDeflate, ZipPassThrough } from "fflate";
import { MochiError } from "../errors.ts";
import type { Artifact, Ecosystem } from "./types.ts";

/** One file to put into an archive. */
export interface ArchiveFile {
  /** Relative POSIX path inside the archive (`package/index.js`); no `..`, no leading `/`. */
  path: string;
  /** The file's contents. */
  bytes: Uint8Array;
  /** Mode 0755 instead of 0644. */
  executable?: boolean;
}

/** Options of {@link tarGz} and {@link zip}. */
export interface ArchiveOptions {
  /**
   * Also write one entry per directory the paths imply (mode 0755, before its children); default
   * false (npm tarballs and crates carry no directory entries; sdists and jars usually do).
   */
  directories?: boolean;
  /**
   * Paths (files or, with `directories`, directories without the trailing `/`) written first, in
   * this order, before the sorted rest; e.g. `META-INF/MANIFEST.MF` for a jar, which
   * `java.util.jar.JarInputStream` reads only as the first or second entry. Paths not present are
   * ignored.
   */
  first?: readonly string[];
  /**
   * tar only: mtime of every entry in seconds since the epoch; default 0 (npm uses 499162500,
   * 1985-10-26T08:15:00Z, to keep tools that dislike the epoch quiet). Zip always uses 1980-01-01.
   */
  mtimeSeconds?: number;
  /** Compression level 0–9; default 9. */
  level?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
}

const enc = new TextEncoder();

/** Orders strings by their UTF-8 bytes (what `sort` does on bytes, unlike UTF-16 order). */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const x = enc.encode(a);
  const y = enc.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    if (x[i] !== y[i]) return x[i]! - y[i]!;
  }
  return x.length - y.length;
}

/**
 * Checks one archive path: relative, `/`-separated, no empty, `.` or `..` segment, no backslash,
 * no control character, at most 4096 UTF-8 bytes.
 *
 * @param path the path to check
 * @returns the same path
 * @throws {MochiError} `FANOUT_E001` naming the path
 */
export function checkArchivePath(path: string): string {
  const bad = (why: string) =>
    new MochiError("FANOUT_E001", `archive path ${JSON.stringify(path)} ${why}`, {
      hint: "compiler output and overrides must be relative POSIX paths inside the project",
    });
  if (path.length === 0) throw bad("is empty");
  if (enc.encode(path).length > 4096) throw bad("is longer than 4096 bytes");
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(path)) throw bad("has a backslash or control character");
  if (path.startsWith("/")) throw bad("is absolute");
  for (const seg of path.split("/")) {
    if (seg === "" || seg === "." || seg === "..") {
      throw bad("has an empty, `.` or `..` segment");
    }
  }
  return path;
}

interface Planned {
  path: string;
  file?: ArchiveFile;
}

/** The entries in writing order: checked, no duplicates, directories implied, `first` first. */
function plan(files: readonly ArchiveFile[], options: ArchiveOptions): Planned[] {
  const byPath = new Map<string, ArchiveFile>();
  const dirs = new Set<string>();
  for (const f of files) {
    checkArchivePath(f.path);
    if (byPath.has(f.path)) {
      throw new MochiError("FANOUT_E001", `archive path ${JSON.stringify(f.path)} appears twice`, {
        hint: "an override or capability file collides with a compiler output file; rename one",
      });
    }
    byPath.set(f.path, f);
    const segs = f.path.split("/");
    for (let i = 1; i < segs.length; i++) dirs.add(segs.slice(0, i).join("/"));
  }
  for (const d of dirs) {
    if (byPath.has(d)) {
      throw new MochiError(
        "FANOUT_E001",
        `archive path ${JSON.stringify(d)} is a file and a folder`,
        {
          hint: "rename the file or the folder in the compiler output",
        },
      );
    }
  }
  const all: Planned[] = [...byPath.values()].map((file) => ({ path: file.path, file }));
  if (options.directories === true) { for (const d of dirs) all.push({ path: d }); }
  all.sort((a, b) => compareUtf8(a.path, b.path));
  const first = options.first ?? [];
  if (first.length === 0) return all;
  const rank = new Map(first.map((p, i) => [p, i]));
  const head = all.filter((e) => rank.has(e.path)).sort((a, b) =>
    rank.get(a.path)! - rank.get(b.path)!
  );
  return [...head, ...all.filter((e) => !rank.has(e.path))];
}

function checkLevel(options: ArchiveOptions): 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 {
  const level = options.level ?? 9;
  if (!Number.isInteger(level) || level < 0 || level > 9) {
    throw new MochiError("INTERNAL_E001", `compression level ${level} is not 0–9`);
  }
  return level;
}

/**
 * The uncompressed ustar bytes of {@link tarGz} (for formats that nest a plain tar, such as Hex's
 * outer tarball).
 *
 * @param files the files (any order)
 * @param options see {@link ArchiveOptions} (`level` unused)
 * @returns the tar bytes
 * @throws {MochiError} `FANOUT_E001` for a bad or repeated path; `INTERNAL_E001` for a bad mtime
 */
export async function tar(
  files: readonly ArchiveFile[],
  options: ArchiveOptions = {},
): Promise<Uint8Array> {
  const mtimeSeconds = options.mtimeSeconds ?? 0;
  if (!Number.isInteger(mtimeSeconds) || mtimeSeconds < 0 || mtimeSeconds > 0o77777777777) {
    throw new MochiError("INTERNAL_E001", `archive mtime ${mtimeSeconds} is out of range`);
  }
  const entries = plan(files, options);
  const mtime = new Date(mtimeSeconds * 1000);
  const pack = tarStream.pack();
  const chunks: Uint8Array[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Uint8Array);
  })();
  for (const e of entries) {
    const common = { uid: 0, gid: 0, uname: "", gname: "", mtime };
    if (e.file === undefined) {
      pack.entry({ ...common, name: `${e.path}/`, type: "directory", mode: 0o755, size: 0 });
    } else {
      const b = e.file.bytes;
      pack.entry(
        {
          ...common,
          name: e.path,
          type: "file",
          mode: e.file.executable === true ? 0o755 : 0o644,
          size: b.byteLength,
        },
        Buffer.from(b.buffer, b.byteOffset, b.byteLength),
      );
    }
  }
  pack.finalize();
  await collected;
  const out = Buffer.concat(chunks);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Gzip with a fixed header (mtime 0, no file name, OS 3), fflate's deflate.
 *
 * @param bytes what to compress
 * @param level 0–9, default 9
 * @returns the gzip member
 */
export function gzip(
  bytes: Uint8Array,
  level: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 = 9,
): Uint8Array {
  return gzipSync(bytes, { level, mtime: 0 });
}

/**
 * A byte-reproducible `.tar.gz` (ustar, PAX records only for paths ustar cannot hold).
 *
 * @example
 * ```ts
 * import { tarGz } from "@mochi/pkg/fanout";
 * import assert from "node:assert/strict";
 * const a = await tarGz([{ path: "b", bytes: new Uint8Array([1]) }, { path: "a", bytes: new Uint8Array() }]);
 * const b = await tarGz([{ path: "a", bytes: new Uint8Array() }, { path: "b", bytes: new Uint8Array([1]) }]);
 * assert.deepEqual(a, b);
 * ```
 *
 * @param files the files (any order)
 * @param options see {@link ArchiveOptions}
 * @returns the compressed archive
 * @throws {MochiError} `FANOUT_E001` for a bad or repeated path; `INTERNAL_E001` for a bad mtime
 *   or level
 */
export async function tarGz(
  files: readonly ArchiveFile[],
  options: ArchiveOptions = {},
): Promise<Uint8Array> {
  const level = checkLevel(options);
  return gzip(await tar(files, options), level);
}

/** Unix `st_mode` of a regular file, executable file and directory, for zip external attributes. */
const MODE_FILE = 0o100644;
const MODE_EXEC = 0o100755;
const MODE_DIR = 0o40755;
/** The DOS time 1980-01-01 00:00:00, built from local-time parts as fflate reads local time. */
const DOS_EPOCH = new Date(1980, 0, 1, 0, 0, 0);

/**
 * A byte-reproducible `.zip` (deflate, DOS time 1980-01-01 00:00:00, Unix modes): wheels, jars,
 * nupkgs, SwiftPM source archives.
 *
 * @example
 * ```ts
 * import { zip } from "@mochi/pkg/fanout";
 * import assert from "node:assert/strict";
 * const z = zip([{ path: "x/y.txt", bytes: new TextEncoder().encode("hi") }]);
 * assert.deepEqual([z[0], z[1], z[2], z[3]], [0x50, 0x4b, 3, 4]);
 * ```
 *
 * @param files the files (any order)
 * @param options see {@link ArchiveOptions} (`mtimeSeconds` unused)
 * @returns the archive
 * @throws {MochiError} `FANOUT_E001` for a bad or repeated path; `INTERNAL_E001` for a bad level
 */
export function zip(files: readonly ArchiveFile[], options: ArchiveOptions = {}): Uint8Array {
  const level = checkLevel(options);
  const entries = plan(files, options);
  const chunks: Uint8Array[] = [];
  let failure: Error | null = null;
  const z = new Zip((err, data) => {
    if (err) failure = err;
    else chunks.push(data);
  });
  for (const e of entries) {
    if (e.file === undefined) {
      const d = new ZipPassThrough(`${e.path}/`);
      d.mtime = DOS_EPOCH;
      d.os = 3;
      d.attrs = ((MODE_DIR << 16) | 0x10) >>> 0;
      z.add(d);
      d.push(new Uint8Array(0), true);
    } else {
      const f = level === 0 ? new ZipPassThrough(e.path) : new ZipDeflate(e.path, { level });
      f.mtime = DOS_EPOCH;
      f.os = 3;
      f.attrs = ((e.file.executable === true ? MODE_EXEC : MODE_FILE) << 16) >>> 0;
      z.add(f);
      f.push(e.file.bytes, true);
    }
  }
  z.end();
  if (failure !== null) {
    throw new MochiError("INTERNAL_E001", `zip writer failed: ${String(failure)}`, {
      cause: failure,
    });
  }
  let n = 0;
  for (const c of chunks) n += c.byteLength;
  const out = new Uint8Array(n);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

/** A digest the ecosystems ask for beside an artifact (Maven's `.md5`/`.sha1`/…, NuGet, Hex). */
export type HashAlgorithm = "md5" | "sha1" | "sha256" | "sha512";

/**
 * A digest of `bytes` as lowercase hex.
 *
 * @param algorithm `md5`, `sha1`, `sha256` or `sha512`
 * @param bytes the data
 * @returns lowercase hex
 */
export function hashHex(algorithm: HashAlgorithm, bytes: Uint8Array): string {
  return createHash(algorithm).update(bytes).digest("hex");
}

/**
 * SHA-256 of `bytes` as lowercase hex.
 *
 * @example
 * ```ts
 * import { sha256Hex } from "@mochi/pkg/fanout";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   sha256Hex(new Uint8Array()),
 *   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
 * );
 * ```
 *
 * @param bytes the data
 * @returns 64 lowercase hex digits
 */
export function sha256Hex(bytes: Uint8Array): string {
  return hashHex("sha256", bytes);
}

/**
 * An {@link Artifact} with its digest and size filled in.
 *
 * @param ecosystem the ecosystem it is for
 * @param fileName the file name, no directory
 * @param bytes the file's bytes
 * @param mediaType IANA media type
 * @param role `primary` (the package) or `companion`
 * @returns the artifact
 * @throws {MochiError} `FANOUT_E001` when `fileName` has a `/`, is `.`/`..` or is empty
 */
export function makeArtifact(
  ecosystem: Ecosystem,
  fileName: string,
  bytes: Uint8Array,
  mediaType: string,
  role: "primary" | "companion" = "primary",
): Artifact {
  checkArchivePath(fileName);
  if (fileName.includes("/")) {
    throw new MochiError("FANOUT_E001", `artifact file name ${JSON.stringify(fileName)} has a /`);
  }
  return {
    ecosystem,
    fileName,
    bytes,
    mediaType,
    sha256: sha256Hex(bytes),
    sizeBytes: bytes.byteLength,
    role,
  };
}
