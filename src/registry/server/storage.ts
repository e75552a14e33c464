/**
 * Where a registry keeps its files: a directory on this machine, or an S3-compatible bucket
 * (`s3://bucket/prefix`). Both give the same small object interface — read, conditional write,
 * list — so the publish API, the snapshot signer, the server and `mochi mirror sync` run the same
 * code over either, and several servers can share one bucket.
 *
 * Compare-and-swap follows S3's conditional writes (`If-None-Match: *` creates only a missing
 * object, `If-Match: <etag>` replaces only the version read; RFC 9110 §13.1.1–2): a write whose
 * condition fails answers `undefined` and the caller reads again. The directory backend gives
 * the same guarantee across processes with an exclusive file lock around the compare and the
 * atomic rename.
 *
 * The S3 backend (`_storage_s3.ts`, signed with the `aws4fetch` library) is loaded only when an
 * `s3://` URL is opened.
 *
 * @module
 */
import { dirname, join, resolve, sep } from "node:path";
import { MochiError } from "../../errors.ts";
import { writeFileAtomic } from "../../store/fs/fs_atomic.ts";
import {
  checkStorageKey,
  type ObjectInfo,
  type OpenedObject,
  type PutOptions,
  type RegistryStorage,
  type S3Settings,
  type StoredObject,
} from "./storage_types.ts";

/** Options of {@link openStorage}. */
export interface OpenStorageOptions {
  /** Environment to read AWS settings from; default `Deno.env.toObject()`. */
  env?: Record<string, string | undefined>;
  /** S3 settings that win over the environment. */
  s3?: S3Settings;
}

/**
 * Opens a registry's storage by URL: `s3://bucket/prefix` (an S3-compatible bucket; endpoint,
 * region and credentials from `options.s3`, then the standard AWS environment variables, then
 * the shared credentials and config files, profile `AWS_PROFILE` or `default`), a `file://` URL
 * or a plain path (a directory).
 *
 * @param url where the registry lives
 * @param options environment and S3 settings
 * @returns the storage
 * @throws {MochiError} `REGISTRY_E002` for a malformed URL or missing S3 settings
 *
 * @example
 * ```ts
 * import { openStorage } from "@mochi/pkg/registry";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const storage = await openStorage(dir);
 * assert.ok(await storage.put("a/b", new TextEncoder().encode("one")) !== undefined);
 * const first = await storage.get("a/b", 1024);
 * assert.equal(await storage.put("a/b", new Uint8Array(), { condition: { ifNoneMatch: "*" } }), undefined);
 * assert.ok(await storage.put("a/b", new Uint8Array([50]), { condition: { ifMatch: first!.etag } }));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function openStorage(
  url: string,
  options: OpenStorageOptions = {},
): Promise<RegistryStorage> {
  if (url.startsWith("s3://")) {
    const { openS3Storage } = await import("./_storage_s3.ts");
    return await openS3Storage(url, options.s3 ?? {}, options.env ?? Deno.env.toObject());
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !url.startsWith("file://")) {
    throw new MochiError(
      "REGISTRY_E002",
      `${JSON.stringify(url)} is not a registry storage URL`,
      { hint: "pass a directory, a file:// URL or s3://bucket/prefix" },
    );
  }
  const path = url.startsWith("file://") ? decodeURIComponent(new URL(url).pathname) : url;
  return new DirectoryStorage(path);
}

class Mutex {
  #tail: Promise<void> = Promise.resolve();
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((r) => (release = r));
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

const LOCK_FILE = ".storage.lock";

/**
 * The directory backend: keys are files under the root (created with their folders), written
 * through a temp file, fsync and rename. Conditional writes hold an exclusive lock on
 * `<root>/.storage.lock` (kernel `flock`, released when a process dies) around the compare and
 * the rename, so several processes on one directory get S3's compare-and-swap.
 */
export class DirectoryStorage implements RegistryStorage {
  /** The absolute root directory. */
  readonly url: string;
  /** Always `"directory"`. */
  readonly kind = "directory" as const;
  #mutex = new Mutex();

  /**
   * Opens a directory as a registry's storage; nothing is read or created until the first call.
   *
   * @param root the registry directory (created on the first write)
   */
  constructor(root: string) {
    this.url = resolve(root);
  }

  #path(key: string): string {
    return this.url + sep + checkStorageKey(key).split("/").join(sep);
  }

  async get(key: string, maxBytes: number): Promise<StoredObject | undefined> {
    let f: Deno.FsFile;
    try {
      f = await Deno.open(this.#path(key), { read: true });
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
    try {
      const info = await f.stat();
      if (!info.isFile) return undefined;
      if (info.size > maxBytes) {
        throw new MochiError(
          "REGISTRY_E003",
          `${key} in ${this.url} is ${info.size} bytes, over the ${maxBytes} byte limit`,
          { hint: "the registry storage holds a file larger than expected; check what wrote it" },
        );
      }
      const bytes = new Uint8Array(info.size);
      let off = 0;
      while (off < bytes.length) {
        const n = await f.read(bytes.subarray(off));
        if (n === null) break;
        off += n;
      }
      return { key, sizeBytes: off, etag: fileEtag(info), bytes: bytes.subarray(0, off) };
    } finally {
      f.close();
    }
  }

  async open(key: string): Promise<OpenedObject | undefined> {
    let f: Deno.FsFile;
    try {
      f = await Deno.open(this.#path(key), { read: true });
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
    const info = await f.stat();
    if (!info.isFile) {
      f.close();
      return undefined;
    }
    return { key, sizeBytes: info.size, etag: fileEtag(info), body: f.readable };
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const info = await Deno.stat(this.#path(key));
      return info.isFile ? { key, sizeBytes: info.size, etag: fileEtag(info) } : undefined;
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  async put(key: string, bytes: Uint8Array, options: PutOptions = {}): Promise<string | undefined> {
    const path = this.#path(key);
    await Deno.mkdir(dirname(path), { recursive: true });
    const condition = options.condition;
    if (condition === undefined) {
      await writeFileAtomic(path, bytes);
      return fileEtag(await Deno.stat(path));
    }
    return await this.#mutex.run(async () => {
      await Deno.mkdir(this.url, { recursive: true });
      const lock = await Deno.open(join(this.url, LOCK_FILE), { create: true, write: true });
      try {
        await lock.lock(true);
        const current = await this.head(key);
        if (
          "ifNoneMatch" in condition ? current !== undefined : current?.etag !== condition.ifMatch
        ) {
          return undefined;
        }
        await writeFileAtomic(path, bytes);
        let info = await Deno.stat(path);
        // Every version of a key gets a later mtime, so a tag never comes back (an inode
        // number can be reused within the same millisecond).
        const before = current === undefined ? undefined : mtimeOfEtag(current.etag);
        if (before !== undefined && (info.mtime?.getTime() ?? 0) <= before) {
          await Deno.utime(path, new Date(), new Date(before + 1));
          info = await Deno.stat(path);
        }
        return fileEtag(info);
      } finally {
        lock.close();
      }
    });
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const cut = prefix.lastIndexOf("/");
    const startRel = cut < 0 ? "" : prefix.slice(0, cut);
    if (startRel !== "") checkStorageKey(startRel);
    const start = startRel === "" ? this.url : join(this.url, ...startRel.split("/"));
    const stack: [string, string][] = [[start, startRel]];
    while (stack.length > 0) {
      const [abs, rel] = stack.pop()!;
      let entries: Deno.DirEntry[];
      try {
        entries = await Array.fromAsync(Deno.readDir(abs));
      } catch (e) {
        if (isMissing(e)) continue;
        throw e;
      }
      for (const e of entries) {
        if (
          e.name.startsWith(".") &&
          !(rel === startRel && prefix.startsWith(`${keyOf(rel, e.name)}/`))
        ) {
          continue;
        }
        const key = keyOf(rel, e.name);
        if (e.isDirectory) {
          if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) {
            stack.push([join(abs, e.name), key]);
          }
          continue;
        }
        if (!e.isFile || !key.startsWith(prefix)) continue;
        try {
          const info = await Deno.stat(join(abs, e.name));
          yield { key, sizeBytes: info.size, etag: fileEtag(info) };
        } catch (err) {
          if (!isMissing(err)) throw err;
        }
      }
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await Deno.remove(this.#path(key));
    } catch (e) {
      if (!isMissing(e)) throw e;
    }
  }

  directUrl(_key: string, _expiresInS: number): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }
}

function keyOf(rel: string, name: string): string {
  return rel === "" ? name : `${rel}/${name}`;
}

/** A file's version tag: inode, mtime and size (a rename-over gives a new inode). */
function fileEtag(info: Deno.FileInfo): string {
  return `"${(info.ino ?? 0).toString(16)}-${info.mtime?.getTime() ?? 0}-${info.size}"`;
}

function mtimeOfEtag(etag: string): number | undefined {
  const m = /^"[0-9a-f]+-(\d+)-\d+"$/.exec(etag);
  return m === null ? undefined : Number(m[1]);
}

function isMissing(e: unknown): boolean {
  return e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory;
}
