/**
 * `mochi vendor [DIR]` and installs from a vendor directory (cargo's `cargo vendor` with source
 * replacement, the cargo book "Source Replacement").
 *
 * `mochi vendor` brings the lock up to date and every locked Mochi package (registry and git
 * sources) and Rust crate into the store, then copies each blob into `DIR` (default `vendor`)
 * with a manifest of digests:
 *
 * ```
 * DIR/vendor.json                       { version: 1, lock-sha256, packages: [...] }
 * DIR/mochi/<name>-<version>.tar.zst    each [[package]] blob (scope "@a/b" → "a-b")
 * DIR/crates/<name>-<version>.crate     each [[rust-package]] file
 * ```
 *
 * The directory is written beside its final place and renamed over it, so an interrupted vendor
 * leaves the old one whole. A project whose manifest says `[registry] vendor = "DIR"` then takes
 * every locked package and crate from there: the executor streams each file with the lock's
 * digests as the only authority (a file that hashes otherwise is `VENDOR_E002`, exit 4, and never
 * stored), so `mochi install --offline` works on a machine with no network and no cache. A
 * package the directory lacks is `VENDOR_E001`, naming it.
 *
 * @module
 */
import { dirname, isAbsolute, join, resolve as resolvePath } from "node:path";
import { MochiError, quoteValue } from "../errors.ts";
import type { Lockfile } from "../lockfile/mod.ts";
import { sha256Hex } from "../store/digest.ts";
import { digestFile } from "../store/fs/fs_store.ts";
import { fsyncDir } from "../store/fs/fs_atomic.ts";
import { openStoreSession } from "../store/fs/session.ts";
import type { ArtifactSource } from "./executor.ts";
import { type Artifact, lockArtifacts } from "./plan.ts";
import { crateAddresses } from "./rust.ts";

/** The file naming what a vendor directory holds. */
export const VENDOR_MANIFEST = "vendor.json";

/** Largest `vendor.json` read, in bytes. */
export const MAX_VENDOR_MANIFEST_BYTES = 64 * 1024 * 1024;

/** One vendored file. */
export interface VendorEntry {
  /** `"mochi"` (a `[[package]]` blob) or `"crate"` (a `[[rust-package]]` file). */
  kind: "mochi" | "crate";
  /** Package or crate name. */
  name: string;
  /** Exact version. */
  version: string;
  /** The lock's source (registry URL, `git+…`, or the cargo index). */
  source: string;
  /** Path of the file inside the vendor directory, `/` separators. */
  file: string;
  /** BLAKE3-256, lowercase hex. */
  blake3: string;
  /** SHA-256, lowercase hex. */
  sha256: string;
  /** Size in bytes. */
  sizeBytes: number;
}

/** The parsed `vendor.json`. */
export interface VendorManifest {
  /** Format version; always 1. */
  version: 1;
  /** SHA-256 of the `mochi.lock` text it was made from, lowercase hex. */
  lockSha256: string;
  /** Every vendored file, sorted by kind, name, version. */
  packages: VendorEntry[];
}

/** What {@link writeVendorDir} did. */
export interface VendorReport {
  /** The vendor directory (absolute). */
  dir: string;
  /** Mochi packages copied. */
  packages: number;
  /** Rust crates copied. */
  crates: number;
  /** Bytes copied. */
  bytes: number;
  /** Locked path packages, not copied (they are used where they are). */
  pathPackages: string[];
}

const HEX64 = /^[0-9a-f]{64}$/;
const SAFE_FILE = /^(mochi|crates)\/[A-Za-z0-9][A-Za-z0-9._+-]{0,200}\.(tar\.zst|crate)$/;

function fileOf(a: Artifact): string {
  const base = `${a.name.replace(/^@/, "").replace("/", "-")}-${a.version}`;
  return a.kind === "crate" ? `crates/${base}.crate` : `mochi/${base}.tar.zst`;
}

function compare(a: VendorEntry, b: VendorEntry): number {
  const ka = `${a.kind}\0${a.name}\0${a.version}`;
  const kb = `${b.kind}\0${b.name}\0${b.version}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * Copies every locked Mochi blob and crate from the store into `dir` with a `vendor.json`
 * (written beside it, then renamed over it). Each copy is hashed again and must equal the lock.
 *
 * @param lock the lock (its artifacts must be in the store: install and fetch first)
 * @param lockText the lock's text (its SHA-256 goes into `vendor.json`)
 * @param mochiHome `$MOCHI_HOME`
 * @param dir the vendor directory (absolute)
 * @returns counts
 * @throws {MochiError} `VENDOR_E001` when `dir` exists and is not a vendor directory, or a
 *   locked artifact is not in the store; `VENDOR_E002` a store copy does not hash to the lock
 */
export async function writeVendorDir(
  lock: Lockfile,
  lockText: string,
  mochiHome: string,
  dir: string,
): Promise<VendorReport> {
  try {
    const info = await Deno.lstat(dir);
    const isVendor = info.isDirectory &&
      await Deno.lstat(join(dir, VENDOR_MANIFEST)).then((i) => i.isFile, () => false);
    const empty = info.isDirectory && (await Array.fromAsync(Deno.readDir(dir))).length === 0;
    if (!isVendor && !empty) {
      throw new MochiError(
        "VENDOR_E001",
        `${dir} exists and is not a vendor directory (it has no ${VENDOR_MANIFEST})`,
        { hint: "give another directory (mochi vendor DIR), or move that one away" },
      );
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const artifacts = lockArtifacts({ ...lock, goPackages: [], pythonWheels: [] });
  const pathPackages = lock.packages.filter((p) => p.source.startsWith("path+"))
    .map((p) => `${p.name} ${p.version}`);
  const parent = dirname(dir);
  await Deno.mkdir(parent, { recursive: true });
  const tmp = await Deno.makeTempDir({ dir: parent, prefix: ".mochi-vendor-" });
  const session = await openStoreSession(mochiHome, "shared", { command: "vendor" });
  let bytes = 0;
  try {
    const store = session.store;
    const addresses = crateAddresses(store);
    await Deno.mkdir(join(tmp, "mochi"));
    await Deno.mkdir(join(tmp, "crates"));
    const entries: VendorEntry[] = [];
    for (const a of artifacts) {
      const b3 = a.blake3 ?? await addresses.get(a.sha256);
      if (b3 === undefined || await store.checkBlob(b3) !== "ok") {
        throw new MochiError(
          "VENDOR_E001",
          `${a.label} is not in the store, so it cannot be vendored`,
          { hint: "run mochi install and mochi fetch first (mochi vendor does both)" },
        );
      }
      const file = fileOf(a);
      const to = join(tmp, ...file.split("/"));
      await Deno.copyFile(store.blobPath(b3), to);
      const d = await digestFile(to);
      if (d.blake3 !== b3 || d.sha256 !== a.sha256) {
        throw new MochiError(
          "VENDOR_E002",
          `the store's copy of ${a.label} hashes to sha256 ${d.sha256}, not the locked ${a.sha256}`,
          { hint: "run mochi verify, then mochi vendor again" },
        );
      }
      bytes += d.sizeBytes;
      entries.push({
        kind: a.kind as "mochi" | "crate",
        name: a.name,
        version: a.version,
        source: a.kind === "crate" || a.source.startsWith("git+")
          ? a.source
          : `registry+${a.source}`,
        file,
        blake3: d.blake3,
        sha256: d.sha256,
        sizeBytes: d.sizeBytes,
      });
    }
    entries.sort(compare);
    const manifest = {
      version: 1,
      "lock-sha256": sha256Hex(lockText),
      packages: entries.map((e) => ({
        kind: e.kind,
        name: e.name,
        version: e.version,
        source: e.source,
        file: e.file,
        blake3: e.blake3,
        sha256: e.sha256,
        "size-bytes": e.sizeBytes,
      })),
    };
    await Deno.writeTextFile(join(tmp, VENDOR_MANIFEST), JSON.stringify(manifest, null, 2) + "\n");
    // Swap: the old directory aside, the new one in, the old one removed.
    const old = `${tmp}.old`;
    const hadOld = await Deno.rename(dir, old).then(() => true, (e) => {
      if (e instanceof Deno.errors.NotFound) return false;
      throw e;
    });
    await Deno.rename(tmp, dir);
    await fsyncDir(parent);
    if (hadOld) await Deno.remove(old, { recursive: true });
    return {
      dir,
      packages: entries.filter((e) => e.kind === "mochi").length,
      crates: entries.filter((e) => e.kind === "crate").length,
      bytes,
      pathPackages,
    };
  } catch (e) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw e;
  } finally {
    await session.release();
  }
}

/**
 * Reads and checks a `vendor.json`: every entry's kind, name, version, file path (inside the
 * directory, nothing else), digests and size.
 *
 * @param text the file's text
 * @param file its path, for errors
 * @returns the manifest
 * @throws {MochiError} `VENDOR_E001` naming the first bad field
 */
export function parseVendorManifest(text: string, file: string): VendorManifest {
  const bad = (why: string): never => {
    throw new MochiError("VENDOR_E001", `${file} is not a vendor manifest: ${why}`, {
      hint: "run mochi vendor again to rewrite the vendor directory",
      file,
    });
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    bad(`not JSON (${(e as Error).message.slice(0, 200)})`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) bad("not an object");
  const d = doc as Record<string, unknown>;
  if (d.version !== 1) bad(`version must be 1, found ${quoteValue(String(d.version))}`);
  const lockSha256 = d["lock-sha256"];
  if (typeof lockSha256 !== "string" || !HEX64.test(lockSha256)) bad("lock-sha256 is not hex");
  if (!Array.isArray(d.packages)) bad("packages is not an array");
  const packages = (d.packages as unknown[]).map((raw, i): VendorEntry => {
    const at = `packages[${i}]`;
    if (typeof raw !== "object" || raw === null) return bad(`${at} is not an object`);
    const r = raw as Record<string, unknown>;
    const str = (k: string): string => {
      const v = r[k];
      if (typeof v !== "string" || v.length === 0 || v.length > 4096) {
        return bad(`${at}.${k} is not a string`);
      }
      return v;
    };
    const kind = str("kind");
    if (kind !== "mochi" && kind !== "crate") bad(`${at}.kind must be "mochi" or "crate"`);
    const f = str("file");
    if (!SAFE_FILE.test(f) || f.includes("..")) bad(`${at}.file ${quoteValue(f)} is not allowed`);
    const blake3 = str("blake3");
    const sha256 = str("sha256");
    if (!HEX64.test(blake3) || !HEX64.test(sha256)) bad(`${at} digests are not 64 lowercase hex`);
    const size = r["size-bytes"];
    if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
      bad(`${at}.size-bytes is not a size`);
    }
    return {
      kind: kind as "mochi" | "crate",
      name: str("name"),
      version: str("version"),
      source: str("source"),
      file: f,
      blake3,
      sha256,
      sizeBytes: size as number,
    };
  });
  return { version: 1, lockSha256: lockSha256 as string, packages };
}

/**
 * The project's vendor directory: `[registry] vendor`, relative to the project directory.
 *
 * @param projectDir the project directory
 * @param vendor the manifest value
 * @returns the absolute directory
 */
export function vendorDirOf(projectDir: string, vendor: string): string {
  return isAbsolute(vendor) ? vendor : resolvePath(projectDir, vendor);
}

/**
 * Opens a vendor directory as the executor's artifact source: each artifact is the file
 * `vendor.json` names for its kind, name and version, whose recorded digests must be the lock's;
 * the executor then checks the bytes against the lock while it stores them.
 *
 * @param dir the vendor directory (absolute)
 * @returns the source; `entries` is what the directory holds
 * @throws {MochiError} `VENDOR_E001` when the directory or its `vendor.json` is missing or bad
 */
export async function openVendorSource(
  dir: string,
): Promise<ArtifactSource & { entries: VendorEntry[] }> {
  const file = join(dir, VENDOR_MANIFEST);
  let text: string;
  try {
    const info = await Deno.stat(file);
    if (info.size > MAX_VENDOR_MANIFEST_BYTES) {
      throw new MochiError(
        "VENDOR_E001",
        `${file} is larger than ${MAX_VENDOR_MANIFEST_BYTES} bytes`,
      );
    }
    text = await Deno.readTextFile(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new MochiError("VENDOR_E001", `the vendor directory ${dir} has no ${VENDOR_MANIFEST}`, {
        hint: "run mochi vendor to make it, or remove [registry] vendor from mochi.toml",
      });
    }
    throw e;
  }
  const manifest = parseVendorManifest(text, file);
  const byId = new Map<string, VendorEntry>();
  for (const e of manifest.packages) byId.set(`${e.kind} ${e.name} ${e.version}`, e);
  const entryOf = (a: Artifact): VendorEntry => {
    const e = byId.get(`${a.kind} ${a.name} ${a.version}`);
    if (e === undefined) {
      throw new MochiError(
        "VENDOR_E001",
        `${a.label} is not in the vendor directory ${dir}`,
        { hint: "run mochi vendor again after changing dependencies (on a machine with network)" },
      );
    }
    if (e.sha256 !== a.sha256 || (a.blake3 !== undefined && e.blake3 !== a.blake3)) {
      throw new MochiError(
        "VENDOR_E002",
        `${dir}/${e.file} is recorded with sha256 ${e.sha256}, but mochi.lock pins ${a.label} ` +
          `at ${a.sha256}`,
        { hint: "the vendor directory is from another lock: run mochi vendor again" },
      );
    }
    return e;
  };
  return {
    entries: manifest.packages,
    async open(a: Artifact): Promise<ReadableStream<Uint8Array>> {
      const e = entryOf(a);
      const f = await Deno.open(join(dir, ...e.file.split("/")), { read: true });
      return f.readable;
    },
    explain(err: unknown, a: Artifact): Promise<unknown> {
      if (
        err instanceof MochiError &&
        ["BLOB_E001", "RUST_E004", "BLOB_E002", "BLOB_E004"].includes(err.code)
      ) {
        const e = byId.get(`${a.kind} ${a.name} ${a.version}`);
        return Promise.resolve(
          new MochiError(
            "VENDOR_E002",
            `${dir}/${e?.file ?? a.label} does not match the digests mochi.lock pins for ` +
              `${a.label}: ${err.message}`,
            {
              hint: "someone changed the vendor directory; nothing was installed. Run mochi " +
                "vendor again from a trusted machine",
              cause: err,
            },
          ),
        );
      }
      return Promise.resolve(err);
    },
  };
}
