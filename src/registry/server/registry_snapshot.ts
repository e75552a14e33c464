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
import { join } from "node:path";
import { MochiError } from "../../errors.ts";
import {
  formatPublicKey,
  formatSnapshot,
  parseRegistryConfig,
  parseSnapshot,
  type SignedSnapshot,
  signSnapshot,
  SNAPSHOT_PATH,
  type SnapshotFile,
} from "../../index/mod.ts";
import { writeFileAtomic } from "../../store/fs/fs_atomic.ts";

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

/**
 * Writes a signed `snapshot.json` for the registry directory `dir`, listing every index file
 * (every regular file except `config.json`, `snapshot.json`, dot files, blobs and the blob
 * directory named by `dl`), and sets `snapshot-key` in `config.json` when it differs. Both files
 * are replaced atomically (temp file, fsync, rename).
 *
 * @param dir the registry directory (holds `config.json`)
 * @param options the key, expiry, clock and version
 * @returns the version, expiry, file count and public key
 * @throws {MochiError} `REGISTRY_E001` no config.json; `INDEX_E003` invalid config.json;
 *   `SNAPSHOT_E007` bad key; `SNAPSHOT_E003` when `version` is not above the existing one
 */
export async function writeRegistrySnapshot(
  dir: string,
  options: WriteSnapshotOptions,
): Promise<WrittenSnapshot> {
  const { privateKey, publicKey } = await readSnapshotKey(options.privateKeyFile, "signing key");
  const configPath = join(dir, "config.json");
  let configText: string;
  try {
    configText = await Deno.readTextFile(configPath);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    throw new MochiError("REGISTRY_E001", `no registry at ${dir}: config.json is missing`, {
      hint: "pass the registry directory (the one holding config.json)",
    });
  }
  const config = parseRegistryConfig(configText, configPath);
  const dl = /^[a-z][a-z0-9+.-]*:/i.test(config.dl) ? undefined : config.dl.replace(/\/+$/, "");

  let previous: SignedSnapshot | undefined;
  try {
    previous = parseSnapshot(await Deno.readTextFile(join(dir, SNAPSHOT_PATH)), SNAPSHOT_PATH);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const version = options.version ?? (previous?.signed.version ?? 0) + 1;
  if (previous !== undefined && version <= previous.signed.version) {
    throw new MochiError(
      "SNAPSHOT_E003",
      `snapshot version ${version} is not above the published version ${previous.signed.version}`,
      { hint: "leave out the version to take the next one" },
    );
  }

  const files: Record<string, SnapshotFile> = {};
  const walk = async (abs: string, rel: string): Promise<void> => {
    const entries: Deno.DirEntry[] = [];
    for await (const e of Deno.readDir(abs)) entries.push(e);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const path = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.name.startsWith(".")) continue;
      if (e.isDirectory) {
        if (path !== dl) await walk(join(abs, e.name), path);
        continue;
      }
      if (!e.isFile || BLOB_NAME.test(e.name)) continue;
      if (rel === "" && (e.name === "config.json" || e.name === SNAPSHOT_PATH)) continue;
      const bytes = await Deno.readFile(join(abs, e.name));
      files[path] = {
        sha256: createHash("sha256").update(bytes).digest("hex"),
        size: bytes.length,
      };
    }
  };
  await walk(dir, "");

  const nowMs = options.nowMs ?? Date.now();
  const expires = new Date(nowMs + (options.expiresInMs ?? 7 * 24 * 3600 * 1000)).toISOString()
    .replace(/\.\d+Z$/, "Z");
  const signed = await signSnapshot({ version, expires, files }, privateKey, publicKey);
  const enc = new TextEncoder();
  if (config.snapshotKey !== publicKey) {
    const raw = JSON.parse(configText) as Record<string, unknown>;
    raw["snapshot-key"] = publicKey;
    await writeFileAtomic(configPath, enc.encode(JSON.stringify(raw) + "\n"));
  }
  await writeFileAtomic(join(dir, SNAPSHOT_PATH), enc.encode(formatSnapshot(signed)));
  return { version, expires, files: Object.keys(files).length, publicKey };
}
