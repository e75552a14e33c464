/**
 * Signed notes, as the Go checksum database signs its tree heads (`golang.org/x/mod/sumdb/note`):
 * a UTF-8 text ending in a newline, a blank line, then signature lines
 * `— <name> <base64(key hash ‖ signature)>`. Keys are `<name>+<hash>+<base64(alg ‖ key)>` with
 * Ed25519 (algorithm 1) the one algorithm; the key hash is the first four bytes of
 * SHA-256(`<name>\n` ‖ alg ‖ key).
 *
 * @module
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  randomBytes,
  sign as edSign,
  verify as edVerify,
} from "node:crypto";
import { Buffer } from "node:buffer";
import { MochiError, quoteValue } from "../errors.ts";
import { decodeBase64, encodeBase64 } from "./_base64.ts";

/** A key that checks signatures of one signer (`golang.org/x/mod/sumdb/note` Verifier). */
export interface Verifier {
  /** The signer's name (the checksum database's name, e.g. `sum.example.com`). */
  readonly name: string;
  /** The key hash, an unsigned 32-bit number. */
  readonly keyHash: number;
  /** Whether `sig` is a valid signature of `msg` by this key. */
  verify(msg: Uint8Array, sig: Uint8Array): boolean;
}

/** A key that signs notes (`golang.org/x/mod/sumdb/note` Signer). */
export interface Signer {
  /** The signer's name. */
  readonly name: string;
  /** The key hash, an unsigned 32-bit number. */
  readonly keyHash: number;
  /** The signature of `msg`. */
  sign(msg: Uint8Array): Uint8Array;
}

/** A set of known verifiers (`golang.org/x/mod/sumdb/note` Verifiers). */
export interface Verifiers {
  /**
   * The verifier for a name and key hash, or undefined when none is known.
   *
   * @throws {MochiError} `GO_E006` when more than one verifier has that name and hash
   */
  verifier(name: string, keyHash: number): Verifier | undefined;
}

/** One signature line of a note. */
export interface NoteSignature {
  /** The signer's name. */
  name: string;
  /** The key hash, an unsigned 32-bit number. */
  hash: number;
  /** The line's base64 (key hash and signature), as written. */
  base64: string;
}

/** A note opened by {@link openNote}. */
export interface Note {
  /** The signed text, ending in a newline. */
  text: string;
  /** Signatures by known keys, each verified. */
  sigs: NoteSignature[];
  /** Signatures by unknown keys, not verified. */
  unverifiedSigs: NoteSignature[];
}

const ALG_ED25519 = 1;
const SPKI_ED25519 = Uint8Array.from([
  0x30,
  0x2a,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
  0x03,
  0x21,
  0x00,
]);
const PKCS8_ED25519 = Uint8Array.from([
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
  0x04,
  0x22,
  0x04,
  0x20,
]);
const MAX_SIGNATURES = 100;
const te = new TextEncoder();

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function keyHash(name: string, key: Uint8Array): number {
  const sum = createHash("sha256").update(te.encode(`${name}\n`)).update(key).digest();
  return sum.readUInt32BE(0);
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, "0");
}

/** Whether a signer name is valid: non-empty, well-formed, no white space, no `+`. */
function isValidName(name: string): boolean {
  return name !== "" && name.isWellFormed() && !/\p{White_Space}/u.test(name) &&
    !name.includes("+");
}

function badKey(what: string, key: string, why: string): MochiError {
  return new MochiError("GO_E005", `${what} ${quoteValue(key, 80)}: ${why}`, {
    hint: "a verifier key is <name>+<8 hex digits>+<base64 of 0x01 and a 32-byte Ed25519 key>",
  });
}

function cut(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ""] : [s.slice(0, i), s.slice(i + sep.length)];
}

/**
 * Parses a verifier key `<name>+<hash>+<base64 key>` into a {@link Verifier}.
 *
 * Follows golang.org/x/mod/sumdb/note NewVerifier.
 *
 * @param vkey the verifier key
 * @returns the verifier
 * @throws {MochiError} `GO_E005` when the key is malformed, its hash does not match, or its
 *   algorithm is not Ed25519
 *
 * @example
 * ```ts
 * import { newVerifier } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const v = newVerifier("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
 * assert.equal(v.name, "PeterNeumann");
 * assert.equal(v.keyHash, 0xc74f20a3);
 * assert.throws(() => newVerifier("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"), {
 *   code: "GO_E005",
 * });
 * ```
 */
export function newVerifier(vkey: string): Verifier {
  if (typeof vkey !== "string") throw badKey("verifier key", String(vkey), "not a string");
  const [name, rest] = cut(vkey, "+");
  const [hash16, key64] = cut(rest, "+");
  const key = decodeBase64(key64);
  if (
    !/^[0-9a-fA-F]{8}$/.test(hash16) || key === undefined || !isValidName(name) || key.length === 0
  ) {
    throw badKey("verifier key", vkey, "malformed verifier id");
  }
  const hash = parseInt(hash16, 16);
  if (hash !== keyHash(name, key)) throw badKey("verifier key", vkey, "invalid verifier hash");
  if (key[0] !== ALG_ED25519) throw badKey("verifier key", vkey, "unknown verifier algorithm");
  if (key.length !== 33) throw badKey("verifier key", vkey, "malformed verifier id");
  const publicKey = createPublicKey({
    key: Buffer.from(concat(SPKI_ED25519, key.subarray(1))),
    format: "der",
    type: "spki",
  });
  return {
    name,
    keyHash: hash,
    verify: (msg, sig) => {
      if (sig.length !== 64) return false;
      try {
        return edVerify(null, msg, publicKey, sig);
      } catch {
        return false;
      }
    },
  };
}

function signerFromSeed(name: string, seed: Uint8Array): { signer: Signer; pub: Uint8Array } {
  const privateKey: KeyObject = createPrivateKey({
    key: Buffer.from(concat(PKCS8_ED25519, seed)),
    format: "der",
    type: "pkcs8",
  });
  const spki = createPublicKey(privateKey).export({ format: "der", type: "spki" });
  const pub = concat(Uint8Array.of(ALG_ED25519), new Uint8Array(spki).subarray(12));
  const signer: Signer = {
    name,
    keyHash: keyHash(name, pub),
    sign: (msg) => new Uint8Array(edSign(null, msg, privateKey)),
  };
  return { signer, pub };
}

/**
 * Parses a signer key `PRIVATE+KEY+<name>+<hash>+<base64(alg ‖ seed)>` into a {@link Signer}
 * (for test checksum databases; mochi never signs a real one).
 *
 * Follows golang.org/x/mod/sumdb/note NewSigner.
 *
 * @param skey the signer key
 * @returns the signer
 * @throws {MochiError} `GO_E005` when the key is malformed or its hash does not match
 *
 * @example
 * ```ts
 * import { newSigner } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const s = newSigner("PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz");
 * assert.equal(s.keyHash, 0xc74f20a3);
 * ```
 */
export function newSigner(skey: string): Signer {
  if (typeof skey !== "string") throw badKey("signer key", "", "not a string");
  const [priv1, r1] = cut(skey, "+");
  const [priv2, r2] = cut(r1, "+");
  const [name, r3] = cut(r2, "+");
  const [hash16, key64] = cut(r3, "+");
  const key = decodeBase64(key64);
  if (
    priv1 !== "PRIVATE" || priv2 !== "KEY" || !/^[0-9a-fA-F]{8}$/.test(hash16) ||
    key === undefined || !isValidName(name) || key.length === 0
  ) {
    throw badKey("signer key", "PRIVATE+KEY+…", "malformed signer key");
  }
  if (key[0] !== ALG_ED25519) throw badKey("signer key", "PRIVATE+KEY+…", "unknown algorithm");
  if (key.length !== 33) throw badKey("signer key", "PRIVATE+KEY+…", "malformed signer key");
  const { signer } = signerFromSeed(name, key.subarray(1));
  if (signer.keyHash !== parseInt(hash16, 16)) {
    throw badKey("signer key", "PRIVATE+KEY+…", "invalid signer hash");
  }
  return signer;
}

/**
 * Generates an Ed25519 key pair for a test signer: the signer key (`PRIVATE+KEY+…`) and the
 * verifier key. With a 32-byte `seed` the pair is deterministic.
 *
 * Follows golang.org/x/mod/sumdb/note GenerateKey.
 *
 * @param name the signer's name (no white space, no `+`)
 * @param seed optional 32-byte Ed25519 seed (random when absent)
 * @returns `{ skey, vkey }`
 * @throws {MochiError} `GO_E005` when the name or the seed is invalid
 *
 * @example
 * ```ts
 * import { generateKey, newSigner, newVerifier } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const { skey, vkey } = generateKey("test.example");
 * assert.equal(newSigner(skey).keyHash, newVerifier(vkey).keyHash);
 * ```
 */
export function generateKey(
  name: string,
  seed: Uint8Array = new Uint8Array(randomBytes(32)),
): { skey: string; vkey: string } {
  if (!isValidName(name)) throw badKey("signer name", name, "invalid name");
  if (seed.length !== 32) throw badKey("seed for", name, "an Ed25519 seed is 32 bytes");
  const { signer, pub } = signerFromSeed(name, seed);
  const h = hex8(signer.keyHash);
  return {
    skey: `PRIVATE+KEY+${name}+${h}+${encodeBase64(concat(Uint8Array.of(ALG_ED25519), seed))}`,
    vkey: `${name}+${h}+${encodeBase64(pub)}`,
  };
}

/**
 * The verifier key for a name and a raw 32-byte Ed25519 public key.
 *
 * Follows golang.org/x/mod/sumdb/note NewEd25519VerifierKey.
 *
 * @param name the signer's name
 * @param publicKey the 32-byte Ed25519 public key
 * @returns `<name>+<hash>+<base64>`
 * @throws {MochiError} `GO_E005` when the key is not 32 bytes or the name is invalid
 *
 * @example
 * ```ts
 * import { newEd25519VerifierKey } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => newEd25519VerifierKey("x", new Uint8Array(31)), { code: "GO_E005" });
 * ```
 */
export function newEd25519VerifierKey(name: string, publicKey: Uint8Array): string {
  if (publicKey.length !== 32) {
    throw badKey(
      "public key for",
      name,
      `invalid public key size ${publicKey.length}, expected 32`,
    );
  }
  if (!isValidName(name)) throw badKey("signer name", name, "invalid name");
  const pub = concat(Uint8Array.of(ALG_ED25519), publicKey);
  return `${name}+${hex8(keyHash(name, pub))}+${encodeBase64(pub)}`;
}

/**
 * A {@link Verifiers} set from a list; a name and hash given twice is ambiguous (refused when a
 * note is signed by it).
 *
 * Follows golang.org/x/mod/sumdb/note VerifierList.
 *
 * @param list the verifiers
 * @returns the set
 *
 * @example
 * ```ts
 * import { newVerifier, verifierList } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const v = newVerifier("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
 * const known = verifierList(v);
 * assert.equal(known.verifier("PeterNeumann", 0xc74f20a3), v);
 * assert.equal(known.verifier("PeterNeumann", 0xc74f20a4), undefined);
 * ```
 */
export function verifierList(...list: Verifier[]): Verifiers {
  const m = new Map<string, Verifier[]>();
  for (const v of list) {
    const k = `${v.name}+${hex8(v.keyHash)}`;
    const have = m.get(k);
    if (have === undefined) m.set(k, [v]);
    else have.push(v);
  }
  return {
    verifier(name: string, hash: number): Verifier | undefined {
      const k = `${name}+${hex8(hash)}`;
      const v = m.get(k);
      if (v === undefined) return undefined;
      if (v.length > 1) {
        throw new MochiError("GO_E006", `ambiguous key ${k}`, {
          hint: "give each checksum-database key once",
        });
      }
      return v[0];
    },
  };
}

function malformed(why: string): MochiError {
  return new MochiError("GO_E006", `malformed note: ${why}`, {
    hint: "the checksum database's answer is not a signed note; it may be tampered with",
  });
}

const SIG_PREFIX = te.encode("— ");

/**
 * Opens a signed note: checks its syntax and the signature of every known key (a bad signature
 * by a known key is refused), and requires at least one verified signature. Signatures by
 * unknown keys are kept, unverified.
 *
 * Follows golang.org/x/mod/sumdb/note Open.
 *
 * @param msg the signed note's bytes
 * @param verifiers the known keys (a {@link Verifiers} set or a list)
 * @returns the text and the verified and unverified signatures
 * @throws {MochiError} `GO_E006` when the note is malformed, has more than 100 signatures, a known
 *   key's signature does not verify, a key is ambiguous, or no known key signed it (the message
 *   names the unknown signers)
 *
 * @example
 * ```ts
 * import { newVerifier, openNote } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const v = newVerifier("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
 * const msg = new TextEncoder().encode(
 *   "If you think cryptography is the answer to your problem,\n" +
 *     "then you don't know what your problem is.\n\n" +
 *     "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
 * );
 * const n = openNote(msg, [v]);
 * assert.equal(n.sigs[0]!.hash, 0xc74f20a3);
 * assert.throws(() => openNote(msg, []), { code: "GO_E006" });
 * ```
 */
export function openNote(msg: Uint8Array, verifiers: Verifiers | readonly Verifier[]): Note {
  const known: Verifiers = Array.isArray(verifiers)
    ? verifierList(...verifiers)
    : verifiers as Verifiers;
  let whole: string;
  try {
    whole = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(msg);
  } catch {
    throw malformed("not valid UTF-8");
  }
  for (let i = 0; i < whole.length; i++) {
    const c = whole.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) throw malformed("control character");
  }
  // Find the last "\n\n" in the bytes.
  let split = -1;
  for (let i = msg.length - 2; i >= 0; i--) {
    if (msg[i] === 0x0a && msg[i + 1] === 0x0a) {
      split = i;
      break;
    }
  }
  if (split < 0) throw malformed("no blank line before the signatures");
  const textBytes = msg.subarray(0, split + 1);
  let sigs = msg.subarray(split + 2);
  if (sigs.length === 0 || sigs[sigs.length - 1] !== 0x0a) {
    throw malformed("no signature lines, or the last one lacks its newline");
  }
  const dec = new TextDecoder("utf-8", { ignoreBOM: true });
  const note: Note = { text: dec.decode(textBytes), sigs: [], unverifiedSigs: [] };
  const seen = new Set<string>();
  const seenUnverified = new Set<string>();
  let numSig = 0;
  while (sigs.length > 0) {
    const nl = sigs.indexOf(0x0a);
    let line = sigs.subarray(0, nl);
    sigs = sigs.subarray(nl + 1);
    if (line.length < SIG_PREFIX.length || SIG_PREFIX.some((b, i) => line[i] !== b)) {
      throw malformed("a signature line does not start with an em dash and a space");
    }
    line = line.subarray(SIG_PREFIX.length);
    const lineText = dec.decode(line);
    const [name, b64] = cut(lineText, " ");
    const sig = decodeBase64(b64);
    if (sig === undefined || !isValidName(name) || b64 === "" || sig.length < 5) {
      throw malformed(`bad signature line for ${quoteValue(name, 60)}`);
    }
    const hash = ((sig[0]! << 24) | (sig[1]! << 16) | (sig[2]! << 8) | sig[3]!) >>> 0;
    if (++numSig > MAX_SIGNATURES) throw malformed(`more than ${MAX_SIGNATURES} signatures`);
    const v = known.verifier(name, hash);
    if (v === undefined) {
      if (seenUnverified.has(lineText)) continue;
      seenUnverified.add(lineText);
      note.unverifiedSigs.push({ name, hash, base64: b64 });
      continue;
    }
    if (v.name !== name || v.keyHash !== hash) {
      throw new MochiError("GO_E006", "verifier name or hash doesn't match signature", {
        hint: `the signature names ${name}+${hex8(hash)}`,
      });
    }
    const key = `${name}+${hex8(hash)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (!v.verify(textBytes, sig.subarray(4))) {
      throw new MochiError("GO_E006", `invalid signature for key ${key}`, {
        hint: "the note was changed after it was signed, or signed by another key of that name: " +
          "do not trust this checksum database answer",
      });
    }
    note.sigs.push({ name, hash, base64: b64 });
  }
  if (note.sigs.length === 0) {
    const who = note.unverifiedSigs.map((s) => `${s.name}+${hex8(s.hash)}`).join(", ");
    throw new MochiError(
      "GO_E006",
      `note has no verifiable signatures (signed by unknown key${
        note.unverifiedSigs.length === 1 ? "" : "s"
      } ${who})`,
      {
        hint: "the tree head is not signed by the configured checksum-database key; check " +
          "GOSUMDB-style settings, or the database is not the one you trust",
      },
    );
  }
  return note;
}

/**
 * Signs a note's text with each signer, keeping the note's other signatures (a signer's own old
 * signature is replaced).
 *
 * Follows golang.org/x/mod/sumdb/note Sign.
 *
 * @param note the text (ending in a newline) and any signatures to keep
 * @param signers the signers
 * @returns the signed note's bytes
 * @throws {MochiError} `GO_E006` when the text does not end in a newline or a kept signature is
 *   malformed; `GO_E005` when a signer's name is invalid
 *
 * @example
 * ```ts
 * import { newSigner, signNote } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const s = newSigner("PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz");
 * const text = "If you think cryptography is the answer to your problem,\n" +
 *   "then you don't know what your problem is.\n";
 * assert.equal(
 *   new TextDecoder().decode(signNote({ text }, s)),
 *   text + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
 * );
 * ```
 */
export function signNote(
  note: { text: string; sigs?: NoteSignature[]; unverifiedSigs?: NoteSignature[] },
  ...signers: Signer[]
): Uint8Array {
  if (!note.text.endsWith("\n")) throw malformed("the text does not end in a newline");
  const text = te.encode(note.text);
  let own = "";
  const have = new Set<string>();
  for (const s of signers) {
    have.add(`${s.name}+${hex8(s.keyHash)}`);
    if (!isValidName(s.name)) throw badKey("signer name", s.name, "invalid signer");
    const sig = s.sign(text);
    const h = new Uint8Array(4);
    new DataView(h.buffer).setUint32(0, s.keyHash >>> 0);
    own += `— ${s.name} ${encodeBase64(concat(h, sig))}\n`;
  }
  let kept = "";
  for (const sig of [...note.sigs ?? [], ...note.unverifiedSigs ?? []]) {
    if (!isValidName(sig.name)) throw malformed(`invalid signer name ${quoteValue(sig.name)}`);
    if (have.has(`${sig.name}+${hex8(sig.hash)}`)) continue;
    const raw = decodeBase64(sig.base64);
    if (raw === undefined || raw.length < 4 || new DataView(raw.buffer).getUint32(0) !== sig.hash) {
      throw malformed(`bad signature for ${quoteValue(sig.name)}`);
    }
    kept += `— ${sig.name} ${sig.base64}\n`;
  }
  return concat(text, te.encode(`\n${kept}${own}`));
}
