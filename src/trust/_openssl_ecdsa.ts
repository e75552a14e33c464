/**
 * OpenSSL's ECDSA verification for the Sigstore verifier, where the system's libcrypto loads
 * (the I/O half of {@link provideEcdsaBackend}; importing this module provides it, loaded on the
 * first verification).
 *
 * Deno 2.9's `node:crypto.verify` takes ten times OpenSSL's CPU time for one P-256 verification,
 * and a Sigstore bundle needs five. This binds the few `libcrypto.so.3` functions one
 * verification needs through Deno's FFI: `d2i_EC_PUBKEY` (the key from its DER
 * `SubjectPublicKeyInfo`; ~25 µs, where the generic `d2i_PUBKEY` of OpenSSL 3 takes ~160 µs) and
 * `ECDSA_verify` over the digest the caller computed (~90 µs for P-256 on the project's machine,
 * against ~650–950 µs in `node:crypto`). It loads only on Linux, only when Deno's `ffi`
 * permission is already granted (queried, never prompted for) and only when a known-answer test
 * passes (a valid P-256 signature verifies, the same signature over another digest does not);
 * otherwise nothing is provided and `node:crypto` verifies as before. macOS is left out on
 * purpose: its system libcrypto aborts a process that loads it directly.
 *
 * Keys parsed by OpenSSL are kept for the trusted root's sake (the CA, CT log and transparency
 * log keys recur in every bundle; a leaf's key is used once): at most {@link KEY_CACHE_ENTRIES},
 * the least recently used freed first.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { type EcdsaBackend, provideEcdsaBackend } from "./sigstore/_native_ecdsa.ts";

/** How many parsed public keys are kept. */
export const KEY_CACHE_ENTRIES = 32;

const SYMBOLS = {
  OpenSSL_version: { parameters: ["i32"], result: "pointer" },
  d2i_EC_PUBKEY: { parameters: ["pointer", "buffer", "i64"], result: "pointer" },
  EC_KEY_free: { parameters: ["pointer"], result: "void" },
  ECDSA_verify: {
    parameters: ["i32", "buffer", "i32", "buffer", "i32", "pointer"],
    result: "i32",
  },
  ERR_clear_error: { parameters: [], result: "void" },
} as const;

const LIBRARY = "libcrypto.so.3";

/** Largest key, digest or signature handed to OpenSSL, in bytes (P-384 needs ~120). */
const MAX_INPUT_BYTES = 1024;

/**
 * Load OpenSSL's ECDSA verification (see the module doc).
 *
 * @returns the backend, or undefined when it is not usable here (not Linux, no `ffi`
 *   permission, no `libcrypto.so.3`, or the known-answer test failed)
 */
export function loadOpensslEcdsa(): EcdsaBackend | undefined {
  if (Deno.build.os !== "linux") return undefined;
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return undefined;
  let lib: Deno.DynamicLibrary<typeof SYMBOLS>;
  try {
    lib = Deno.dlopen(LIBRARY, SYMBOLS);
  } catch {
    return undefined;
  }
  const s = lib.symbols;
  const keys = new Map<string, Deno.PointerObject>();
  const keyOf = (spki: Uint8Array): Deno.PointerValue => {
    const id = hexOf(spki);
    const hit = keys.get(id);
    if (hit !== undefined) {
      keys.delete(id);
      keys.set(id, hit);
      return hit;
    }
    const copy = new Uint8Array(spki);
    // d2i_EC_PUBKEY(NULL, &p, len) reads len bytes at p and advances p (a copy of our pointer).
    const pp = new BigUint64Array([Deno.UnsafePointer.value(Deno.UnsafePointer.of(copy))]);
    const key = s.d2i_EC_PUBKEY(null, pp, BigInt(copy.length));
    if (key === null) return null;
    keys.set(id, key);
    if (keys.size > KEY_CACHE_ENTRIES) {
      const [oldest, p] = keys.entries().next().value!;
      keys.delete(oldest);
      s.EC_KEY_free(p);
    }
    return key;
  };
  const versionPtr = s.OpenSSL_version(0);
  const version = versionPtr === null
    ? "OpenSSL"
    : new Deno.UnsafePointerView(versionPtr).getCString();
  const backend: EcdsaBackend = {
    name: `${version} (${LIBRARY})`,
    verifyDigest(spki, digest, signature) {
      for (const b of [spki, digest, signature]) {
        if (b.length === 0 || b.length > MAX_INPUT_BYTES) {
          throw new RangeError(`input of ${b.length} bytes: left to node:crypto`);
        }
      }
      try {
        const key = keyOf(spki);
        if (key === null) throw new RangeError("OpenSSL did not read the key: left to node:crypto");
        const d = new Uint8Array(digest);
        const sig = new Uint8Array(signature);
        // 1: valid; 0: invalid; -1: malformed signature or error (not valid either).
        return s.ECDSA_verify(0, d, d.length, sig, sig.length, key) === 1;
      } finally {
        s.ERR_clear_error(); // a failed check leaves errors on the thread's queue
      }
    },
  };
  // Known answer: a P-256 signature made once with node:crypto over "mochi", SHA-256.
  const spki = bytesOf(KAT_SPKI);
  const sig = bytesOf(KAT_SIGNATURE);
  const digest = (text: string) => new Uint8Array(createHash("sha256").update(text).digest());
  try {
    if (
      backend.verifyDigest(spki, digest("mochi"), sig) &&
      !backend.verifyDigest(spki, digest("mochj"), sig)
    ) return backend;
  } catch {
    // not usable
  }
  lib.close();
  return undefined;
}

function hexOf(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

function bytesOf(hex: string): Uint8Array {
  return new Uint8Array(hex.match(/../g)!.map((b) => parseInt(b, 16)));
}

const KAT_SPKI =
  "3059301306072a8648ce3d020106082a8648ce3d03010703420004d5e04ea1027faaca883f68f50a146a7020f2338293049be036e6f727f8e6ca497b25f794ebe6e4bef15c3bfc7801abda2f14dd758e464bf2e5383cdacf17a31e";
const KAT_SIGNATURE =
  "3045022071f0f3f44efdbca31b527729367c5ede116460d0bd45f236b19542a6950272870221008faeae3006f4aa50c30e5b08535e354cf745a6f9e16adb0f3098ceccc756ee82";

provideEcdsaBackend(loadOpensslEcdsa);
