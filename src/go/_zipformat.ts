/**
 * The zip container format (PKWARE APPNOTE): reading the central directory of a zip held in
 * memory, inflating entries with a decoded-size cap and a CRC-32 check, and writing a plain zip
 * (stored or deflated entries, no zip64). Private to src/go: zip.ts applies the module rules.
 *
 * @module
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { MochiError, quoteValue } from "../errors.ts";

/** One entry of a zip's central directory. */
export interface RawZipEntry {
  /** The name as stored (decoded as UTF-8; invalid bytes become U+FFFD and `nameValid` false). */
  name: string;
  /** Whether the name bytes were valid UTF-8. */
  nameValid: boolean;
  /** Compression method (0 stored, 8 deflate). */
  method: number;
  /** General-purpose flags. */
  flags: number;
  /** CRC-32 of the decoded data. */
  crc32: number;
  /** Compressed size in bytes. */
  compressedSize: number;
  /** Decoded size in bytes, as declared. */
  size: number;
  /** Offset of the local file header. */
  localOffset: number;
  /** Unix mode from the external attributes when made on Unix, else undefined. */
  unixMode: number | undefined;
}

function bad(why: string): MochiError {
  return new MochiError("GO_E003", `module zip is malformed: ${why}`, {
    hint: "the module proxy served a file that is not a valid zip; it may be damaged or tampered",
  });
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE) of bytes. */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8Lossy = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * Reads a zip's central directory.
 *
 * @param zip the whole zip
 * @param maxEntries the most entries accepted
 * @throws {MochiError} `GO_E003` when the zip is malformed, uses zip64, spans disks, or has more
 *   than `maxEntries` entries
 */
export function readZipDirectory(zip: Uint8Array, maxEntries: number): RawZipEntry[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const minEocd = 22;
  if (zip.length < minEocd) throw bad("too short to be a zip");
  let eocd = -1;
  const stop = Math.max(0, zip.length - minEocd - 0xffff);
  for (let i = zip.length - minEocd; i >= stop; i--) {
    if (
      view.getUint32(i, true) === 0x06054b50 &&
      i + minEocd + view.getUint16(i + 20, true) === zip.length
    ) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad("no end of central directory record");
  const disk = view.getUint16(eocd + 4, true);
  const cdDisk = view.getUint16(eocd + 6, true);
  const entriesHere = view.getUint16(eocd + 8, true);
  const entries = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  const cdOffset = view.getUint32(eocd + 16, true);
  if (entries === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    throw bad("zip64 archives are not supported (a module zip is at most 500 MiB)");
  }
  if (disk !== 0 || cdDisk !== 0 || entriesHere !== entries) throw bad("multi-disk zip");
  if (entries > maxEntries) throw bad(`${entries} entries (limit ${maxEntries})`);
  if (cdOffset + cdSize > eocd) throw bad("central directory out of bounds");
  const out: RawZipEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < entries; i++) {
    if (p + 46 > eocd || view.getUint32(p, true) !== 0x02014b50) {
      throw bad("bad central directory entry");
    }
    const madeBy = view.getUint16(p + 4, true);
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    const compressedSize = view.getUint32(p + 20, true);
    const size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    const external = view.getUint32(p + 38, true);
    const localOffset = view.getUint32(p + 42, true);
    if (compressedSize === 0xffffffff || size === 0xffffffff || localOffset === 0xffffffff) {
      throw bad("zip64 entries are not supported");
    }
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > eocd) throw bad("central directory entry out of bounds");
    const nameBytes = zip.subarray(p + 46, p + 46 + nameLen);
    let name: string;
    let nameValid = true;
    try {
      name = utf8.decode(nameBytes);
    } catch {
      name = utf8Lossy.decode(nameBytes);
      nameValid = false;
    }
    out.push({
      name,
      nameValid,
      method,
      flags,
      crc32: crc,
      compressedSize,
      size,
      localOffset,
      unixMode: madeBy >> 8 === 3 ? external >>> 16 : undefined,
    });
    p = end;
  }
  return out;
}

/**
 * Decodes one entry's data, refusing more than its declared size, a wrong size, a wrong CRC-32,
 * encryption and methods other than stored and deflate.
 *
 * @param zip the whole zip
 * @param e the entry
 * @throws {MochiError} `GO_E003`
 */
export function readZipEntry(zip: Uint8Array, e: RawZipEntry): Uint8Array {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const at = e.localOffset;
  if (at + 30 > zip.length || view.getUint32(at, true) !== 0x04034b50) {
    throw bad(`bad local header for ${quoteValue(e.name)}`);
  }
  if (e.flags & 1) throw bad(`${quoteValue(e.name)} is encrypted`);
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  const end = start + e.compressedSize;
  if (end > zip.length) throw bad(`data of ${quoteValue(e.name)} out of bounds`);
  const raw = zip.subarray(start, end);
  let data: Uint8Array;
  if (e.method === 0) {
    if (e.compressedSize !== e.size) throw bad(`stored ${quoteValue(e.name)} has two sizes`);
    data = raw;
  } else if (e.method === 8) {
    try {
      data = new Uint8Array(inflateRawSync(raw, { maxOutputLength: Math.max(1, e.size) }));
    } catch (err) {
      throw bad(
        `${quoteValue(e.name)} does not inflate within its declared ${e.size} bytes (${
          (err as Error).message
        })`,
      );
    }
  } else {
    throw bad(`${quoteValue(e.name)} uses compression method ${e.method}`);
  }
  if (data.length !== e.size) {
    throw bad(`${quoteValue(e.name)} decodes to ${data.length} bytes, not its declared ${e.size}`);
  }
  if (crc32(data) !== e.crc32) throw bad(`${quoteValue(e.name)} fails its CRC-32 check`);
  return data;
}

/**
 * Writes a zip of the given entries, in order (deflated when that is smaller, else stored), with
 * no zip64, no comment and a fixed time stamp (1980-01-01), so the same input gives the same bytes.
 *
 * @param entries names (a trailing `/` for a directory entry) and data
 * @returns the zip
 */
export function writeZip(entries: readonly { name: string; data: Uint8Array }[]): Uint8Array {
  const te = new TextEncoder();
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = te.encode(e.name);
    const deflated = new Uint8Array(deflateRawSync(e.data));
    const useDeflate = deflated.length < e.data.length;
    const body = useDeflate ? deflated : e.data;
    const crc = crc32(e.data);
    const nonAscii = /[^\x20-\x7e]/.test(e.name);
    const flags = nonAscii ? 0x800 : 0;
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(6, flags, true);
    lv.setUint16(8, useDeflate ? 8 : 0, true);
    lv.setUint16(10, 0, true);
    lv.setUint16(12, 0x21, true); // 1980-01-01
    lv.setUint32(14, crc, true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, e.data.length, true);
    lv.setUint16(26, name.length, true);
    lv.setUint16(28, 0, true);
    local.set(name, 30);
    const cd = new Uint8Array(46 + name.length);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, (3 << 8) | 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(8, flags, true);
    cv.setUint16(10, useDeflate ? 8 : 0, true);
    cv.setUint16(12, 0, true);
    cv.setUint16(14, 0x21, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, body.length, true);
    cv.setUint32(24, e.data.length, true);
    cv.setUint16(28, name.length, true);
    const mode = e.name.endsWith("/") ? 0o40755 : 0o100644;
    cv.setUint32(38, (mode << 16) >>> 0, true);
    cv.setUint32(42, offset, true);
    cd.set(name, 46);
    chunks.push(local, body);
    central.push(cd);
    offset += local.length + body.length;
  }
  const cdSize = central.reduce((n, c) => n + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const all = [...chunks, ...central, eocd];
  const out = new Uint8Array(all.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of all) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
