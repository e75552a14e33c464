/**
 * Test helper: a tiny raw tar writer that can emit any header, including the hostile ones real
 * tar tools refuse to create (absolute names, `..`, backslashes, links, devices, PAX and GNU
 * long-name overrides). Used by the store's tests only.
 *
 * @module
 */

import { constants as zc, zstdCompressSync } from "node:zlib";

const enc = new TextEncoder();

/** One raw header (and body) for {@link buildTar}. */
export interface RawEntry {
  /** Name field (up to 100 bytes; longer names are cut). */
  name: string;
  /** Typeflag character: `0` file, `1` hardlink, `2` symlink, `3` char dev, `4` block dev,
   * `5` directory, `6` FIFO, `x` PAX, `L` GNU long name. Default `0`. */
  type?: string;
  /** Body bytes (default empty). */
  body?: Uint8Array | string;
  /** Size field; defaults to the body length (set it to lie). Sizes of 8 GiB and more are
   * written in GNU base-256, as GNU tar does. */
  size?: number;
  /** Mode (default 0o644). */
  mode?: number;
  /** Link name field. */
  linkname?: string;
  /** USTAR prefix field. */
  prefix?: string;
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, "0") + "\0";
}

/** GNU base-256 numeric field: high bit of the first byte set, big-endian value. */
function base256(n: number, width: number): Uint8Array {
  const out = new Uint8Array(width);
  let v = BigInt(n);
  for (let i = width - 1; i > 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  out[0] = 0x80;
  return out;
}

/**
 * Encode one 512-byte USTAR header with a correct checksum.
 *
 * @param e the raw fields
 * @returns the header block
 */
export function header(e: RawEntry): Uint8Array {
  const b = new Uint8Array(512);
  const put = (s: string, off: number, len: number) => b.set(enc.encode(s).subarray(0, len), off);
  const body = typeof e.body === "string" ? enc.encode(e.body) : e.body ?? new Uint8Array();
  put(e.name, 0, 100);
  put(octal(e.mode ?? 0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  const size = e.size ?? body.length;
  if (size >= 8 * 1024 ** 3) b.set(base256(size, 12), 124);
  else put(octal(size, 12), 124, 12);
  put(octal(0, 12), 136, 12);
  put(e.type ?? "0", 156, 1);
  if (e.linkname) put(e.linkname, 157, 100);
  put("ustar\0", 257, 6);
  put("00", 263, 2);
  if (e.prefix) put(e.prefix, 345, 155);
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  put(octal(sum, 7) + " ", 148, 8);
  return b;
}

/**
 * A PAX extended header (`x`) entry overriding the next entry's fields.
 *
 * @param records key/value pairs, e.g. `{ path: "../x" }`
 * @returns a raw entry for {@link buildTar}
 */
export function pax(records: Record<string, string>): RawEntry {
  let body = "";
  for (const [k, v] of Object.entries(records)) {
    const rest = ` ${k}=${v}\n`;
    let len = rest.length + 1;
    while (String(len).length + enc.encode(rest).length !== len) len++;
    body += `${len}${rest}`;
  }
  return { name: "PaxHeader", type: "x", body };
}

/**
 * A GNU long-name (`L`, `././@LongLink`) entry overriding the next entry's name.
 *
 * @param name the long name
 * @returns a raw entry for {@link buildTar}
 */
export function gnuLongName(name: string): RawEntry {
  return { name: "././@LongLink", type: "L", body: name + "\0" };
}

/**
 * A GNU long-link-name (`K`) entry overriding the next entry's link name.
 *
 * @param linkname the long link target
 * @returns a raw entry for {@link buildTar}
 */
export function gnuLongLink(linkname: string): RawEntry {
  return { name: "././@LongLink", type: "K", body: linkname + "\0" };
}

/**
 * `depth` nested directories `d/d/d/…/` followed by one file at the bottom (node-tar's
 * `excessively-deep.tar`).
 *
 * @param depth number of directory levels
 * @returns raw entries for {@link buildTar}; names over 100 bytes go through PAX `path`
 */
export function deepNesting(depth: number): RawEntry[] {
  const out: RawEntry[] = [];
  let path = "";
  const step = Math.max(1, Math.floor(depth / 64)); // a handful of explicit dirs is enough
  for (let i = 1; i <= depth; i++) {
    path += "d/";
    if (i % step === 0 || i === depth) {
      out.push(pax({ path }), { name: "dir", type: "5", mode: 0o755 });
    }
  }
  out.push(pax({ path: path + "f" }), { name: "file", body: "deep" });
  return out;
}

/**
 * Assemble raw entries into a tar (bodies padded to 512, two zero blocks at the end).
 *
 * @param entries the headers and bodies in order
 * @returns the tar bytes
 */
export function buildTar(entries: RawEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const body = typeof e.body === "string" ? enc.encode(e.body) : e.body ?? new Uint8Array();
    parts.push(header(e));
    if (body.length > 0) {
      parts.push(body);
      const pad = (512 - (body.length % 512)) % 512;
      parts.push(new Uint8Array(pad));
    }
  }
  parts.push(new Uint8Array(1024));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * zstd-compress bytes (level 3, content checksum on).
 *
 * @param bytes raw tar
 * @returns a `.tar.zst`
 */
export function zstd(bytes: Uint8Array): Uint8Array {
  const c = zstdCompressSync(bytes, {
    params: { [zc.ZSTD_c_compressionLevel]: 3, [zc.ZSTD_c_checksumFlag]: 1 },
  });
  return new Uint8Array(c.buffer, c.byteOffset, c.byteLength);
}

/**
 * A zstd frame of one raw block (`prefix`) followed by RLE blocks of `zeroBytes` zero bytes,
 * without a declared content size or checksum: a decompression bomb that costs 4 bytes per
 * 128 KiB (1 GiB of zeros in 32 KiB). With a tar header as `prefix` and `zeroBytes` covering its
 * body, padding and the end marker, it is a valid `.tar.zst`.
 *
 * @param prefix bytes emitted first, as a raw block (at most 128 KiB)
 * @param zeroBytes how many zero bytes follow
 * @returns the compressed frame
 */
export function zstdRleBomb(prefix: Uint8Array, zeroBytes: number): Uint8Array {
  const BLOCK = 128 * 1024;
  const blocks = Math.ceil(zeroBytes / BLOCK);
  const out = new Uint8Array(6 + 3 + prefix.length + blocks * 4);
  out.set([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38]); // magic; no FCS, no checksum; window 128 KiB
  let off = 6;
  const blockHeader = (last: boolean, type: number, size: number) => {
    const v = (last ? 1 : 0) | (type << 1) | (size << 3);
    out[off++] = v & 0xff;
    out[off++] = (v >> 8) & 0xff;
    out[off++] = (v >> 16) & 0xff;
  };
  blockHeader(blocks === 0, 0, prefix.length);
  out.set(prefix, off);
  off += prefix.length;
  for (let i = 0, left = zeroBytes; i < blocks; i++, left -= BLOCK) {
    blockHeader(i === blocks - 1, 1, Math.min(BLOCK, left));
    out[off++] = 0;
  }
  return out;
}

/**
 * A `.tar.zst` holding one file `zeros` of `sizeBytes` zero bytes, built without ever holding
 * the tar in memory ({@link zstdRleBomb}).
 *
 * @param sizeBytes the file's size
 * @returns the compressed archive (about 4 bytes per 128 KiB)
 */
export function zeroFileBomb(sizeBytes: number): Uint8Array {
  const pad = (512 - (sizeBytes % 512)) % 512;
  return zstdRleBomb(header({ name: "zeros", size: sizeBytes }), sizeBytes + pad + 1024);
}

/**
 * Build and compress in one step.
 *
 * @param entries raw entries
 * @returns a `.tar.zst`
 */
export function buildTarZst(entries: RawEntry[]): Uint8Array {
  return zstd(buildTar(entries));
}

/** The hostile archives every extract path must reject with `BLOB_E003`, by case name. */
export const HOSTILE_ARCHIVES: Record<string, RawEntry[]> = {
  "symlink": [{ name: "link", type: "2", linkname: "/etc/passwd" }],
  "hardlink": [{ name: "a.txt", body: "a" }, { name: "hard", type: "1", linkname: "a.txt" }],
  "dotdot": [{ name: "../x", body: "evil" }],
  "nested dotdot": [{ name: "a/../../x", body: "evil" }],
  "absolute": [{ name: "/abs", body: "evil" }],
  "many slashes absolute": [{ name: "////etc/x", body: "evil" }],
  "drive letter": [{ name: "C:../x", body: "evil" }],
  "backslash": [{ name: "a\\b", body: "evil" }],
  "char device": [{ name: "dev", type: "3" }],
  "block device": [{ name: "blk", type: "4" }],
  "fifo": [{ name: "pipe", type: "6" }],
  "pax path dotdot": [pax({ path: "../../x" }), { name: "innocent.txt", body: "evil" }],
  "pax linkpath on file": [pax({ linkpath: "/etc/passwd" }), { name: "f.txt", body: "x" }],
  "gnu long name dotdot": [gnuLongName("../../" + "x".repeat(120)), { name: "short", body: "e" }],
  "prefix dotdot": [{ name: "x", prefix: "..", body: "evil" }],
  "duplicate": [{ name: "a.txt", body: "1" }, { name: "a.txt", body: "2" }],
  "case collision": [{ name: "README", body: "1" }, { name: "readme", body: "2" }],
  "dir case collision": [{ name: "Src/a", body: "1" }, { name: "src/b", body: "2" }],
  "unicode fold collision": [{ name: "stra\u00dfe", body: "1" }, { name: "STRASSE", body: "2" }],
  "file then child": [{ name: "a", body: "1" }, { name: "a/b", body: "2" }],
  "setuid": [{ name: "run", body: "x", mode: 0o4755 }],
  "dot segment": [{ name: "./a", body: "x" }],
  "empty segment": [{ name: "a//b", body: "x" }],
  "long segment": [pax({ path: "x".repeat(256) }), { name: "y", body: "x" }],
};

/**
 * The rest of the archive escape classes (CVE-2021-32803/32804 in node-tar, CVE-2007-4559 in
 * Python's tarfile), by case name: every one must be rejected with `BLOB_E003` (unit test in
 * `archive_test.ts`, through `mochi install` in `tests/extract_escape_test.ts`). Together with
 * {@link HOSTILE_ARCHIVES} this is the whole table.
 */
export const ESCAPE_TABLE: Record<string, RawEntry[]> = {
  "CVE-2021-32803 dir then symlink then child": [
    { name: "d/", type: "5", mode: 0o755 },
    { name: "d", type: "2", linkname: "/tmp" },
    { name: "d/x", body: "evil" },
  ],
  "CVE-2021-37701 FOO dir then foo symlink": [
    { name: "FOO/", type: "5", mode: 0o755 },
    { name: "foo", type: "2", linkname: "/tmp" },
    { name: "foo/x", body: "evil" },
  ],
  "CVE-2021-37701 backslash dir": [
    { name: "a\\b/", type: "5", mode: 0o755 },
    { name: "a\\b/x", body: "evil" },
  ],
  "symlink to /tmp then through it": [
    { name: "l", type: "2", linkname: "/tmp" },
    { name: "l/x", body: "evil" },
  ],
  "relative symlink escaping": [{ name: "up", type: "2", linkname: "../../.." }],
  "CVE-2021-37712 ligature ff vs FF": [
    { name: "\ufb00", body: "1" },
    { name: "FF", body: "2" },
  ],
  "CVE-2021-37712 NFC vs NFD": [
    { name: "caf\u00e9", body: "1" },
    { name: "cafe\u0301", body: "2" },
  ],
  "CVE-2021-37713 drive relative C:..\\x": [{ name: "C:..\\x", body: "evil" }],
  "C:\\x": [{ name: "C:\\x", body: "evil" }],
  "//?/C:/x": [{ name: "//?/C:/x", body: "evil" }],
  "backslash dotdot a\\..\\..\\x": [{ name: "a\\..\\..\\x", body: "evil" }],
  "CVE-2026-23745 hardlink to /etc/passwd": [{ name: "pw", type: "1", linkname: "/etc/passwd" }],
  "hardlink to an earlier entry": [
    { name: "a.txt", body: "a" },
    { name: "b.txt", type: "1", linkname: "a.txt" },
  ],
  "pax linkpath escaping on symlink": [
    pax({ linkpath: "../../../etc/passwd" }),
    { name: "s", type: "2", linkname: "ok" },
  ],
  "gnu long link name": [gnuLongLink("/" + "e".repeat(120)), { name: "s", type: "2" }],
  "contiguous file type": [{ name: "c", type: "7", body: "x" }],
  "unknown type": [{ name: "u", type: "Z", body: "x" }],
  "sticky dir": [{ name: "s/", type: "5", mode: 0o1777 }],
  "10000-deep nesting": deepNesting(10_000),
};
