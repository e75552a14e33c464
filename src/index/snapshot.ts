/**
 * The registry's signed `snapshot.json`: a monotonic version, an expiry and the SHA-256 and size of
 * every index file, signed with the registry's Ed25519 key (WebCrypto). It closes the TUF attacks a
 * plain sparse index leaves open (the TUF specification, theupdateframework.io, §1.5.2 "Attacks"):
 * **rollback** (serving a snapshot older than one the client saw), **freeze** (serving an old
 * snapshot forever; it expires), and **mix-and-match** (index files that never coexisted: every
 * file must match the current snapshot).
 *
 * Wire form (`<index root>/snapshot.json`):
 *
 * ```json
 * {"signed":{"expires":"2026-12-01T00:00:00Z","files":{"se/rd/-/serde":{"sha256":"…","size":812}},
 *   "version":7},
 *  "signatures":[{"keyid":"<16 hex>","sig":"<base64 of 64 bytes>"}]}
 * ```
 *
 * The signature covers the canonical JSON of `signed` (keys sorted, no whitespace). The public
 * key is `"ed25519:<base64 of the 32 raw bytes>"`, published as `snapshot-key` in `config.json`
 * and pinned by the client on first use. Pure: WebCrypto and hash-wasm hashing only.
 *
 * @module
 */
import { sha256Hex } from "../store/digest.ts";
import { MochiError } from "../errors.ts";
import { canonicalJson } from "../manifest/digest.ts";

/** Path of the snapshot, relative to the index root. */
export const SNAPSHOT_PATH = "snapshot.json";

/** One index file as the snapshot lists it. */
export interface SnapshotFile {
  /** SHA-256 of the file's bytes, 64 lowercase hex digits. */
  readonly sha256: string;
  /** Size in bytes. */
  readonly size: number;
}

/** The signed part of a snapshot. */
export interface Snapshot {
  /** Monotonic version, a positive safe integer; every publish increases it. */
  readonly version: number;
  /** Expiry, RFC 3339 UTC (`2026-12-01T00:00:00Z`). */
  readonly expires: string;
  /** Index path (`se/rd/-/serde`) → digest and size of every index file of the registry. */
  readonly files: Readonly<Record<string, SnapshotFile>>;
}

/** `snapshot.json`: the signed part and its signatures. */
export interface SignedSnapshot {
  /** What the signatures cover. */
  readonly signed: Snapshot;
  /** Ed25519 signatures over {@link snapshotSigningBytes}. */
  readonly signatures: readonly { readonly keyid: string; readonly sig: string }[];
}

/** What a client remembers about a registry between runs (its trust state). */
export interface TrustedSnapshot {
  /** The pinned public key, `"ed25519:<base64>"`. */
  readonly key: string;
  /** Highest snapshot version seen. */
  readonly version: number;
  /** SHA-256 of the canonical signed part of that version. */
  readonly digest: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
const KEY = /^ed25519:([A-Za-z0-9+/]{43}=)$/;
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/**
 * The bytes a snapshot signature covers: the canonical JSON of the signed part.
 *
 * @param snapshot the signed part
 * @returns UTF-8 bytes of the canonical JSON (keys sorted, no whitespace)
 */
export function snapshotSigningBytes(snapshot: Snapshot): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(canonicalJson(snapshot));
}

/**
 * SHA-256 of the canonical signed part, used to tell two snapshots with one version apart.
 *
 * @param snapshot the signed part
 * @returns 64 lowercase hex digits
 */
export function snapshotDigest(snapshot: Snapshot): string {
  return sha256Hex(snapshotSigningBytes(snapshot));
}

/**
 * Parses `snapshot.json`.
 *
 * @param text the file body
 * @param source URL or path of the file, for errors
 * @returns the signed snapshot
 * @throws {MochiError} `SNAPSHOT_E001` when it is not JSON, a field is missing or mistyped
 *   (version not a positive safe integer, expires not RFC 3339 UTC, a file entry without a
 *   64-hex `sha256` or a non-negative integer `size`), or there is no signature
 */
export function parseSnapshot(text: string, source: string): SignedSnapshot {
  const fail = (what: string): never => {
    throw new MochiError("SNAPSHOT_E001", `${source}: ${what}`, {
      hint: "the registry serves a malformed snapshot.json; report it to the registry operator " +
        "(or run `mochi registry snapshot` again if you run the registry)",
      file: source,
    });
  };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    fail(`not valid JSON (${(e as Error).message.slice(0, 200)})`);
  }
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isObject(value)) fail("expected a JSON object");
  const o = value as Record<string, unknown>;
  const signed = o.signed;
  if (!isObject(signed)) fail('"signed" must be an object');
  const s = signed as Record<string, unknown>;
  if (typeof s.version !== "number" || !Number.isSafeInteger(s.version) || s.version < 1) {
    fail('"signed.version" must be a positive integer');
  }
  if (
    typeof s.expires !== "string" || !RFC3339_UTC.test(s.expires) || isNaN(Date.parse(s.expires))
  ) {
    fail('"signed.expires" must be an RFC 3339 UTC time like "2026-12-01T00:00:00Z"');
  }
  if (!isObject(s.files)) fail('"signed.files" must be an object of index path → {sha256, size}');
  const files: Record<string, SnapshotFile> = {};
  for (const [path, entry] of Object.entries(s.files as Record<string, unknown>)) {
    const e = entry as Record<string, unknown>;
    if (
      !isObject(entry) || typeof e.sha256 !== "string" || !HEX64.test(e.sha256) ||
      typeof e.size !== "number" || !Number.isSafeInteger(e.size) || e.size < 0
    ) {
      fail(
        `file entry ${
          JSON.stringify(path.slice(0, 200))
        } must be {"sha256": <64 hex>, "size": <bytes>}`,
      );
    }
    // defineProperty: a path named "__proto__" stays plain data, never the prototype.
    Object.defineProperty(files, path, {
      value: { sha256: e.sha256 as string, size: e.size as number },
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  const sigs = o.signatures;
  if (!Array.isArray(sigs) || sigs.length === 0) fail('"signatures" must be a non-empty array');
  const signatures = (sigs as unknown[]).map((g) => {
    const x = g as Record<string, unknown>;
    if (!isObject(g) || typeof x.keyid !== "string" || typeof x.sig !== "string") {
      fail('each signature must be {"keyid": "...", "sig": "<base64>"}');
    }
    return { keyid: x.keyid as string, sig: x.sig as string };
  });
  return {
    signed: { version: s.version as number, expires: s.expires as string, files },
    signatures,
  };
}

/**
 * Formats a signed snapshot as the `snapshot.json` body (canonical JSON, one final LF).
 *
 * @param snapshot the signed snapshot
 * @returns the file body; {@link parseSnapshot} reads it back to an equal value
 */
export function formatSnapshot(snapshot: SignedSnapshot): string {
  return canonicalJson(snapshot) + "\n";
}

/**
 * The raw 32 bytes of a public key written `"ed25519:<base64>"`.
 *
 * @param key the key text
 * @returns the raw key bytes
 * @throws {MochiError} `SNAPSHOT_E007` when the text is not an Ed25519 key in that form
 */
export function parsePublicKey(key: string): Uint8Array<ArrayBuffer> {
  const m = KEY.exec(key);
  const raw = m === null ? undefined : fromBase64(m[1]!);
  if (raw === undefined || raw.length !== 32) {
    throw new MochiError(
      "SNAPSHOT_E007",
      `not an Ed25519 public key: ${JSON.stringify(key.slice(0, 100))}`,
      {
        hint: 'a snapshot key looks like "ed25519:" followed by 44 base64 characters',
      },
    );
  }
  return raw;
}

/**
 * Writes a raw Ed25519 public key as `"ed25519:<base64>"`.
 *
 * @param raw the 32 raw key bytes
 * @returns the key text
 */
export function formatPublicKey(raw: Uint8Array): string {
  return `ed25519:${toBase64(raw)}`;
}

/**
 * The key id of a public key: the first 16 hex digits of SHA-256 of its raw bytes.
 *
 * @param key `"ed25519:<base64>"`
 * @returns 16 lowercase hex digits
 * @throws {MochiError} `SNAPSHOT_E007` on a malformed key
 */
export function publicKeyId(key: string): string {
  return sha256Hex(parsePublicKey(key)).slice(0, 16);
}

/**
 * Signs a snapshot with an Ed25519 private key (WebCrypto).
 *
 * @param snapshot the signed part
 * @param privateKey an Ed25519 `CryptoKey` with the `sign` usage
 * @param publicKey the matching public key text (names the signature's `keyid`)
 * @returns the signed snapshot, one signature
 */
export async function signSnapshot(
  snapshot: Snapshot,
  privateKey: CryptoKey,
  publicKey: string,
): Promise<SignedSnapshot> {
  const sig = new Uint8Array(
    await crypto.subtle.sign("Ed25519", privateKey, snapshotSigningBytes(snapshot)),
  );
  return { signed: snapshot, signatures: [{ keyid: publicKeyId(publicKey), sig: toBase64(sig) }] };
}

/**
 * Checks that a snapshot carries a valid signature by `publicKey`.
 *
 * @param snapshot the parsed snapshot
 * @param publicKey the pinned key, `"ed25519:<base64>"`
 * @param source URL of the snapshot, for errors
 * @returns nothing when one signature with the key's id verifies
 * @throws {MochiError} `SNAPSHOT_E002` naming the source and key id when none verifies;
 *   `SNAPSHOT_E007` when the key text is malformed
 */
export async function verifySnapshotSignature(
  snapshot: SignedSnapshot,
  publicKey: string,
  source: string,
): Promise<void> {
  const keyid = publicKeyId(publicKey);
  const key = await crypto.subtle.importKey("raw", parsePublicKey(publicKey), "Ed25519", false, [
    "verify",
  ]);
  const data = snapshotSigningBytes(snapshot.signed);
  for (const s of snapshot.signatures) {
    if (s.keyid !== keyid) continue;
    const sig = fromBase64(s.sig);
    if (sig === undefined || sig.length !== 64) continue;
    if (await crypto.subtle.verify("Ed25519", key, sig, data)) return;
  }
  throw new MochiError(
    "SNAPSHOT_E002",
    `${source} (version ${snapshot.signed.version}) has no valid signature by the registry's ` +
      `pinned key ${keyid}`,
    {
      hint: "the index was modified after it was signed, or it is not the registry you trust; " +
        "do not install from it and tell the registry operator",
    },
  );
}

/**
 * Decides whether a newly fetched snapshot may replace the trusted one (TUF's client checks):
 * its version must not be lower than the highest seen (rollback), the same version must carry
 * the same content, and it must not have expired at `nowMs` (freeze).
 *
 * @param trusted what the client saw before, or undefined on first use
 * @param next the verified signed part just fetched
 * @param nowMs the current time, epoch milliseconds (injectable for tests)
 * @param source URL of the snapshot, for errors
 * @param checkExpiry false to accept an expired snapshot (offline use of a cached copy)
 * @returns nothing when the snapshot is acceptable
 * @throws {MochiError} `SNAPSHOT_E003` rollback or the same version with other content;
 *   `SNAPSHOT_E004` expired
 */
export function checkSnapshotFreshness(
  trusted: TrustedSnapshot | undefined,
  next: Snapshot,
  nowMs: number,
  source: string,
  checkExpiry = true,
): void {
  if (trusted !== undefined) {
    if (next.version < trusted.version) {
      throw new MochiError(
        "SNAPSHOT_E003",
        `${source} is version ${next.version}, older than version ${trusted.version} already ` +
          `seen from this registry: the index was rolled back`,
        {
          hint: "a mirror or proxy may be serving stale metadata; retry later or from another " +
            "network, and report it to the registry operator",
        },
      );
    }
    if (next.version === trusted.version && snapshotDigest(next) !== trusted.digest) {
      throw new MochiError(
        "SNAPSHOT_E003",
        `${source} is version ${next.version} again but with different content than the ` +
          `version ${trusted.version} seen before`,
        {
          hint: "the registry re-signed an old version number; report it to the registry operator",
        },
      );
    }
  }
  if (checkExpiry && Date.parse(next.expires) <= nowMs) {
    throw new MochiError(
      "SNAPSHOT_E004",
      `${source} (version ${next.version}) expired at ${next.expires}; now is ${
        new Date(nowMs).toISOString()
      }`,
      {
        hint: "the registry (or a mirror in between) serves frozen metadata; retry later, or use " +
          "--offline to work from what is already cached",
      },
    );
  }
}

/**
 * Checks one index file against the current snapshot: a file the snapshot lists must be there
 * with the listed size and SHA-256; a file it does not list must be absent.
 *
 * @param snapshot the current verified snapshot
 * @param path index path (`se/rd/-/serde`)
 * @param bytes the file's bytes, or null when the registry has no such file
 * @param source URL of the file, for errors
 * @returns nothing when the file matches
 * @throws {MochiError} `SNAPSHOT_E005` naming the file, the snapshot version and what differs
 */
export function checkIndexFile(
  snapshot: Snapshot,
  path: string,
  bytes: Uint8Array | null,
  source: string,
): void {
  const listed = Object.hasOwn(snapshot.files, path) ? snapshot.files[path] : undefined;
  const fail = (what: string): never => {
    throw new MochiError(
      "SNAPSHOT_E005",
      `index file ${source} ${what} (snapshot version ${snapshot.version})`,
      {
        hint: "the index files and snapshot.json never coexisted (a mirror mixing old and new " +
          "files, or tampering); retry later, and report it to the registry operator if it stays",
      },
    );
  };
  if (bytes === null) {
    if (listed !== undefined) fail("is missing but the snapshot lists it");
    return;
  }
  if (listed === undefined) fail("exists but the snapshot does not list it");
  if (bytes.length !== listed!.size) {
    fail(`is ${bytes.length} bytes; the snapshot says ${listed!.size}`);
  }
  const actual = sha256Hex(bytes);
  if (actual !== listed!.sha256) {
    fail(`has SHA-256 ${actual}; the snapshot says ${listed!.sha256}`);
  }
}

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    const s = atob(text);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}

/** What {@link snapshotKeyPolicy} decides from. */
export interface SnapshotKeyInput {
  /** The registry's index root URL (for messages). */
  registry: string;
  /** A key the user pinned explicitly (`"ed25519:<base64>"`), overriding everything else. */
  publicKey?: string;
  /** The key and version pinned on an earlier run, if any. */
  pinned?: TrustedSnapshot;
  /** The `snapshot-key` the registry's `config.json` names now, if any. */
  configKey?: string;
  /** Where the pinned state lives (for the hint). */
  stateDir: string;
}

/**
 * Which key a registry's snapshot must be signed by: trust on first use, then pinned (TUF's root
 * of trust by first contact; the same rule as SSH's known hosts). An explicit key wins; else the
 * pinned one; else the one `config.json` names now, which the caller pins once a snapshot
 * signed by it verifies. A registry never seen signed and naming no key is unsigned (undefined).
 * A config naming another key than the pinned one is a key change, refused.
 *
 * @param input the explicit, pinned and announced keys
 * @returns the key to verify with, or undefined for an unsigned registry
 * @throws {MochiError} `SNAPSHOT_E006` when the pinned key and the config's or explicit key differ
 *
 * @example
 * ```ts
 * import { snapshotKeyPolicy } from "@mochi/pkg/trust";
 * const key = "ed25519:" + "A".repeat(43) + "=";
 * if (snapshotKeyPolicy({ registry: "r", configKey: key, stateDir: "s" }) !== key) {
 *   throw new Error("first use trusts config.json");
 * }
 * if (snapshotKeyPolicy({ registry: "r", stateDir: "s" }) !== undefined) throw new Error();
 * ```
 */
export function snapshotKeyPolicy(input: SnapshotKeyInput): string | undefined {
  const { pinned, configKey } = input;
  const key = input.publicKey ?? pinned?.key ?? configKey;
  if (key === undefined) return undefined;
  const changed = (what: string): never => {
    throw new MochiError("SNAPSHOT_E006", `registry ${input.registry}: ${what}`, {
      hint: "if the registry operator announced a new key, remove the pinned state file " +
        `for this registry under ${input.stateDir}/snapshots/; otherwise do not install ` +
        "from it",
    });
  };
  if (pinned !== undefined && pinned.key !== key) {
    changed(`the snapshot key ${key} is not the key ${pinned.key} pinned before`);
  }
  if (configKey !== undefined && configKey !== key) {
    changed(`config.json names snapshot key ${configKey}, but ${key} is pinned`);
  }
  return key;
}

/**
 * The trust state to record after a snapshot verified, or undefined when it is the one already
 * recorded (nothing to write).
 *
 * @param pinned the state recorded before, if any
 * @param key the key the snapshot verified with
 * @param next the verified snapshot
 * @returns the new state, or undefined when unchanged
 */
export function advancedTrust(
  pinned: TrustedSnapshot | undefined,
  key: string,
  next: Snapshot,
): TrustedSnapshot | undefined {
  const seen = { key, version: next.version, digest: snapshotDigest(next) };
  return pinned !== undefined && pinned.key === seen.key && pinned.version === seen.version &&
      pinned.digest === seen.digest
    ? undefined
    : seen;
}
