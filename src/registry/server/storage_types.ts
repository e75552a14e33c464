/**
 * The shapes of a registry's storage ({@link RegistryStorage}) and its key rule, shared by the
 * directory backend (`storage.ts`) and the S3 backend (`_storage_s3.ts`).
 *
 * @module
 */
import { MochiError } from "../../errors.ts";

/** One stored object's identity. */
export interface ObjectInfo {
  /** The key, a relative POSIX path such as `st/ri/mochi/strings`. */
  readonly key: string;
  /** Size in bytes. */
  readonly sizeBytes: number;
  /**
   * An opaque version tag that changes with every write of the key (S3's `ETag`; the directory
   * backend's is made of the file's inode, mtime and size). Pass it to `put`'s `ifMatch`.
   */
  readonly etag: string;
}

/** An object read whole. */
export interface StoredObject extends ObjectInfo {
  /** The bytes. */
  readonly bytes: Uint8Array<ArrayBuffer>;
}

/** An object opened for streaming. */
export interface OpenedObject extends ObjectInfo {
  /** The body; cancel it when not read to the end. */
  readonly body: ReadableStream<Uint8Array>;
}

/** The condition of a compare-and-swap write. */
export type PutCondition =
  /** Create only: the key must not exist. */
  | { readonly ifNoneMatch: "*" }
  /** Replace only the version read: the key's etag must still be this one. */
  | { readonly ifMatch: string };

/** Options of {@link RegistryStorage.put}. */
export interface PutOptions {
  /** Write only when this holds; without it the write always happens. */
  readonly condition?: PutCondition;
  /** `Content-Type` stored with the object (S3 only). */
  readonly contentType?: string;
}

/** A registry's storage: a directory or an S3-compatible bucket. */
export interface RegistryStorage {
  /** What it was opened from: an absolute directory path or `s3://bucket/prefix`. */
  readonly url: string;
  /** `"directory"` or `"s3"`. */
  readonly kind: "directory" | "s3";
  /**
   * Reads a whole object.
   *
   * @param key the object's key
   * @param maxBytes largest accepted size
   * @returns the bytes and etag, or undefined when the key does not exist
   * @throws {MochiError} `REGISTRY_E003` when the storage fails or the object exceeds `maxBytes`
   */
  get(key: string, maxBytes: number): Promise<StoredObject | undefined>;
  /**
   * Opens an object for streaming (blobs).
   *
   * @returns the body and identity, or undefined when the key does not exist
   */
  open(key: string): Promise<OpenedObject | undefined>;
  /** The size and etag of an object, or undefined when it does not exist. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /**
   * Writes an object whole, atomically (readers see the old bytes or the new ones).
   *
   * @returns the new etag, or undefined when `options.condition` did not hold (nothing written)
   * @throws {MochiError} `REGISTRY_E003` when the storage fails
   */
  put(key: string, bytes: Uint8Array, options?: PutOptions): Promise<string | undefined>;
  /**
   * Every object whose key starts with `prefix` (`""` = all), in no set order. Keys whose last
   * segment starts with `.` (temporary and lock files) are left out; keys under a dot folder
   * are listed only when `prefix` starts inside it.
   */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Removes an object; a missing key is not an error. */
  delete(key: string): Promise<void>;
  /**
   * A URL a client may download the object from directly, valid for `expiresInS` seconds (S3:
   * a presigned GET), or undefined when the backend has none (directory).
   */
  directUrl(key: string, expiresInS: number): Promise<string | undefined>;
}

/** S3 settings not given by the URL; each falls back to the standard AWS environment. */
export interface S3Settings {
  /** Endpoint, e.g. `http://127.0.0.1:9000`; env `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`. */
  endpoint?: string;
  /** Region; env `AWS_REGION`, `AWS_DEFAULT_REGION`, the config file; default `us-east-1`. */
  region?: string;
  /** Env `AWS_ACCESS_KEY_ID` or the credentials file (`AWS_SHARED_CREDENTIALS_FILE`). */
  accessKeyId?: string;
  /** Env `AWS_SECRET_ACCESS_KEY` or the credentials file. */
  secretAccessKey?: string;
  /** Env `AWS_SESSION_TOKEN` or the credentials file. */
  sessionToken?: string;
  /** Deadline of one request in milliseconds; default 30 000. */
  timeoutMs?: number;
  /** The fetch to use (tests); default the global one. */
  fetch?: typeof fetch;
}

/**
 * Checks a storage key: a relative POSIX path of non-empty segments, none `.` or `..`, without
 * backslash, NUL or control characters.
 *
 * @param key the key
 * @returns the key
 * @throws {MochiError} `REGISTRY_E002` when it is not such a path
 */
export function checkStorageKey(key: string): string {
  const segments = key.split("/");
  if (
    key.length === 0 || key.length > 1024 ||
    segments.some((s) => s === "" || s === "." || s === ".." || hasControlOrBackslash(s))
  ) {
    throw new MochiError("REGISTRY_E002", `${JSON.stringify(key)} is not a storage key`, {
      hint: "keys are relative paths of plain segments",
    });
  }
  return key;
}

function hasControlOrBackslash(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x5c) return true;
  }
  return false;
}
