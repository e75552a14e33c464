/**
 * The registry side of the signed index snapshot (`src/index/snapshot.ts`): make a signing key,
 * and (re)write `snapshot.json` over a registry directory — the SHA-256 and size of every index
 * file, a version one higher than the last, an expiry — signed with Ed25519, with the public
 * key published as `snapshot-key` in `config.json` (`mochi registry keygen`,
 * `mochi registry snapshot`).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { MochiError } from "../../errors.ts";
import {
  formatPublicKey,
  formatSnapshot,
  parseRegistryConfig,
  parseSnapshot,
  signSnapshot,
  SNAPSHOT_PATH,
  type SnapshotFile,
} from "../../index/mod.ts";
import { DirectoryStorage } from "./storage.ts";
import type { RegistryStorage } from "./storage_types.ts";

/** A freshly generated signing key. */
export interface SnapshotKeyPair {
  /** The private key file body: `"ed25519-private:<base64 PKCS#8>"` and a final LF. */
  readonly privateKeyFile: string;
  /** The public key, `"ed25519:<base64 of 32 bytes>"`. */
  readonly publicKey: string;
}

const PRIVATE_PREFIX = "ed25519-private:";

/**
 * Generates an Ed25519 key pair for signing a registry's snapshots.
 *
 * @returns the private key file text (keep it secret) and the public key text
 */
export async function generateSnapshotKey(): Promise<SnapshotKeyPair> {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  return {
    privateKeyFile: `${PRIVATE_PREFIX}${btoa(String.fromCharCode(...pkcs8))}\n`,
    publicKey: formatPublicKey(raw),
  };
}

/**
 * Generates a signing key and writes its private half to `path` (mode 0600, never over an
 * existing file): `mochi registry keygen`.
 *
 * @param path where the private key goes
 * @returns the public key text, `"ed25519:<base64>"`
 * @throws {MochiError} `SNAPSHOT_E007` when `path` already exists
 */
export async function writeSnapshotKeyFile(path: string): Promise<string> {
  const pair = await generateSnapshotKey();
  try {
    await Deno.writeTextFile(path, pair.privateKeyFile, { mode: 0o600, createNew: true });
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) {
      throw new MochiError("SNAPSHOT_E007", `${path} already exists`, {
        hint: "keygen never overwrites a key; pick another file name",
      });
    }
    throw e;
  }
  return pair.publicKey;
}

/**
 * Reads the private key file at `path`.
 *
 * @param path the key file
 * @returns its text, for {@link WriteSnapshotOptions.privateKeyFile}
 * @throws {MochiError} `SNAPSHOT_E007` when it cannot be read
 */
export async function readSnapshotKeyFile(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    throw new MochiError("SNAPSHOT_E007", `cannot read the signing key ${path}`, {
      hint: "create one with mochi registry keygen <file>",
      cause: e,
      file: path,
    });
  }
}

/**
 * Reads a private key file written by {@link generateSnapshotKey}.
 *
 * @param text the key file body
 * @param file its path, for errors
 * @returns the signing key and its public key text
 * @throws {MochiError} `SNAPSHOT_E007` when the text is not such a key
 */
export async function readSnapshotKey(
  text: string,
  file: string,
): Promise<{ privateKey: CryptoKey; publicKey: string }> {
  const t = text.trim();
  const fail = (cause?: unknown): never => {
    throw new MochiError("SNAPSHOT_E007", `${file} is not a mochi snapshot signing key`, {
      hint: "create one with `mochi registry keygen <file>`",
      file,
      cause,
    });
  };
  if (!t.startsWith(PRIVATE_PREFIX)) fail();
  try {
    const der = Uint8Array.from(atob(t.slice(PRIVATE_PREFIX.length)), (c) => c.charCodeAt(0));
    const privateKey = await crypto.subtle.importKey("pkcs8", der, "Ed25519", true, ["sign"]);
    // The public half: export as JWK and take `x` (base64url of the raw public key).
    const jwk = await crypto.subtle.exportKey("jwk", privateKey);
    const x = (jwk.x ?? "").replaceAll("-", "+").replaceAll("_", "/");
    const raw = Uint8Array.from(
      atob(x + "=".repeat((4 - x.length % 4) % 4)),
      (c) => c.charCodeAt(0),
    );
    if (raw.length !== 32) fail();
    return { privateKey, publicKey: formatPublicKey(raw) };
  } catch (e) {
    if (e instanceof MochiError) throw e;
    return fail(e);
  }
}

/** Options of {@link writeRegistrySnapshot}. */
export interface WriteSnapshotOptions {
  /** The signing key file body (from {@link generateSnapshotKey}). */
  privateKeyFile: string;
  /** How long the snapshot is valid, in milliseconds; default 7 days. */
  expiresInMs?: number;
  /** The current time, epoch milliseconds; default `Date.now()`. */
  nowMs?: number;
  /** The version to write; default one more than the existing snapshot's (1 when none). */
  version?: number;
}

/** What {@link writeRegistrySnapshot} wrote. */
export interface WrittenSnapshot {
  /** The snapshot's version. */
  readonly version: number;
  /** Its expiry, RFC 3339 UTC. */
  readonly expires: string;
  /** How many index files it lists. */
  readonly files: number;
  /** The public key now in `config.json`. */
  readonly publicKey: string;
}

const BLOB_NAME = /^[0-9a-f]{64}(\.sigstore)?$/;
/** Largest `config.json`, `snapshot.json` or index file hashed into a snapshot, in bytes. */
const MAX_SNAPSHOT_INPUT_BYTES = 64 * 1024 * 1024;
/** Digests of index files by storage etag, so a snapshot re-hashes only what changed. */
const DIGEST_CACHE_KEY = ".snapshot-digests.json";
/** How many times a snapshot that lost a compare-and-swap race is made again. */
const SNAPSHOT_ATTEMPTS = 200;

interface CachedDigest {
  etag: string;
  sha256: string;
  size: number;
  /** When the digest was taken, epoch ms. */
  at: number;
}

/**
 * Whether a cached digest still holds for an object listed with `etag`. A directory's etag holds
 * the file's mtime in milliseconds, so a file rewritten in place within the same millisecond
 * would keep its etag: as git does for "racily clean" entries, a digest taken less than a second
 * after the file's mtime is not trusted (S3 etags are content digests and always are).
 */
function cacheHolds(hit: CachedDigest | undefined, etag: string): hit is CachedDigest {
  if (hit === undefined || etag === "" || hit.etag !== etag) return false;
  const m = /^"[0-9a-f]+-(\d+)-\d+"$/.exec(etag);
  return m === null || Number(m[1]) + 1000 < hit.at;
}

/**
 * Writes a signed `snapshot.json` for a registry (a directory path or a {@link RegistryStorage},
 * e.g. an S3 bucket shared by several servers), listing every index file (every object except
 * `config.json`, `snapshot.json`, dot entries, blobs and the blob folder named by `dl`), and sets
 * `snapshot-key` in `config.json` when it differs.
 *
 * Safe with several writers: the snapshot is read first, then the listing and the files that
 * changed since their digest was cached (by storage etag, in `.snapshot-digests.json`), and the
 * new snapshot replaces exactly the version read (compare-and-swap); a writer that lost the race
 * starts over, so a snapshot never drops another writer's change and its version only goes up.
 *
 * @param dir the registry directory (holds `config.json`) or its storage
 * @param options the key, expiry, clock and version
 * @returns the version, expiry, file count and public key
 * @throws {MochiError} `REGISTRY_E001` no config.json; `INDEX_E003` invalid config.json;
 *   `SNAPSHOT_E007` bad key; `SNAPSHOT_E003` when `version` is not above the existing one;
 *   `REGISTRY_E004` when the snapshot kept changing under the write
 */
export async function writeRegistrySnapshot(
  dir: string | RegistryStorage,
  options: WriteSnapshotOptions,
): Promise<WrittenSnapshot> {
  const storage = typeof dir === "string" ? new DirectoryStorage(dir) : dir;
  const { privateKey, publicKey } = await readSnapshotKey(options.privateKeyFile, "signing key");
  const dec = new TextDecoder();
  const enc = new TextEncoder();
  for (let attempt = 0; attempt < SNAPSHOT_ATTEMPTS; attempt++) {
    const previousObject = await storage.get(SNAPSHOT_PATH, MAX_SNAPSHOT_INPUT_BYTES);
    const configObject = await storage.get("config.json", MAX_SNAPSHOT_INPUT_BYTES);
    if (configObject === undefined) {
      throw new MochiError(
        "REGISTRY_E001",
        `no registry at ${storage.url}: config.json is missing`,
        {
          hint: "pass the registry directory (the one holding config.json)",
        },
      );
    }
    const configText = dec.decode(configObject.bytes);
    const config = parseRegistryConfig(configText, "config.json");
    const dl = /^[a-z][a-z0-9+.-]*:/i.test(config.dl) ? undefined : config.dl.replace(/\/+$/, "");
    const previous = previousObject === undefined
      ? undefined
      : parseSnapshot(dec.decode(previousObject.bytes), SNAPSHOT_PATH);
    const version = options.version ?? (previous?.signed.version ?? 0) + 1;
    if (previous !== undefined && version <= previous.signed.version) {
      throw new MochiError(
        "SNAPSHOT_E003",
        `snapshot version ${version} is not above the published version ${previous.signed.version}`,
        { hint: "leave out the version to take the next one" },
      );
    }

    const cache = await readDigestCache(storage);
    const keys: { key: string; etag: string }[] = [];
    for await (const o of storage.list("")) {
      const parts = o.key.split("/");
      const name = parts[parts.length - 1]!;
      if (parts.some((p) => p.startsWith(".")) || BLOB_NAME.test(name)) continue;
      if (dl !== undefined && (o.key === dl || o.key.startsWith(`${dl}/`))) continue;
      if (o.key === "config.json" || o.key === SNAPSHOT_PATH) continue;
      keys.push({ key: o.key, etag: o.etag });
    }
    keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const files: Record<string, SnapshotFile> = {};
    const nextCache = new Map<string, CachedDigest>();
    let changed = false;
    await forEachLimited(keys, 8, async ({ key, etag }) => {
      const hit = cache.get(key);
      if (cacheHolds(hit, etag)) {
        nextCache.set(key, hit);
        return;
      }
      const got = await storage.get(key, MAX_SNAPSHOT_INPUT_BYTES);
      if (got === undefined) return; // removed since the listing
      changed = true;
      nextCache.set(key, {
        at: Date.now(),
        etag: got.etag,
        sha256: createHash("sha256").update(got.bytes).digest("hex"),
        size: got.bytes.length,
      });
    });
    for (const { key } of keys) {
      const d = nextCache.get(key);
      if (d !== undefined) files[key] = { sha256: d.sha256, size: d.size };
    }

    const nowMs = options.nowMs ?? Date.now();
    const expires = new Date(nowMs + (options.expiresInMs ?? 7 * 24 * 3600 * 1000)).toISOString()
      .replace(/\.\d+Z$/, "Z");
    const signed = await signSnapshot({ version, expires, files }, privateKey, publicKey);
    if (config.snapshotKey !== publicKey) {
      const raw = JSON.parse(configText) as Record<string, unknown>;
      raw["snapshot-key"] = publicKey;
      const ok = await storage.put("config.json", enc.encode(JSON.stringify(raw) + "\n"), {
        condition: { ifMatch: configObject.etag },
        contentType: "application/json",
      });
      if (ok === undefined) continue;
    }
    const written = await storage.put(SNAPSHOT_PATH, enc.encode(formatSnapshot(signed)), {
      condition: previousObject === undefined
        ? { ifNoneMatch: "*" }
        : { ifMatch: previousObject.etag },
      contentType: "application/json",
    });
    if (written === undefined) {
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * (attempt + 1))));
      continue;
    }
    if (changed || nextCache.size !== cache.size) await writeDigestCache(storage, nextCache);
    return { version, expires, files: Object.keys(files).length, publicKey };
  }
  throw new MochiError(
    "REGISTRY_E004",
    `${SNAPSHOT_PATH} in ${storage.url} kept changing under this write (${SNAPSHOT_ATTEMPTS} attempts)`,
    { hint: "too many servers are re-signing at once; run mochi registry snapshot again" },
  );
}

async function readDigestCache(storage: RegistryStorage): Promise<Map<string, CachedDigest>> {
  const out = new Map<string, CachedDigest>();
  const got = await storage.get(DIGEST_CACHE_KEY, MAX_SNAPSHOT_INPUT_BYTES).catch(() => undefined);
  if (got === undefined) return out;
  try {
    const raw = JSON.parse(new TextDecoder().decode(got.bytes)) as unknown;
    if (typeof raw !== "object" || raw === null) return out;
    for (const [k, v] of Object.entries(raw)) {
      const d = v as Partial<CachedDigest>;
      if (
        typeof d.etag === "string" && typeof d.sha256 === "string" &&
        /^[0-9a-f]{64}$/.test(d.sha256) && typeof d.size === "number" &&
        typeof d.at === "number"
      ) out.set(k, { etag: d.etag, sha256: d.sha256, size: d.size, at: d.at });
    }
  } catch {
    // A damaged cache only costs a re-hash.
  }
  return out;
}

async function writeDigestCache(
  storage: RegistryStorage,
  cache: Map<string, CachedDigest>,
): Promise<void> {
  const obj = Object.create(null) as Record<string, CachedDigest>;
  for (const [k, v] of [...cache].sort((a, b) => (a[0] < b[0] ? -1 : 1))) obj[k] = v;
  // Best effort: the cache is only a shortcut, checked by etag on every use.
  await storage.put(DIGEST_CACHE_KEY, new TextEncoder().encode(JSON.stringify(obj)), {
    contentType: "application/json",
  }).catch(() => {});
}

async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}
