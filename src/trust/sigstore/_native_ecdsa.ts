/**
 * A faster ECDSA verifier under sigstore-js's signature checks, where one was provided.
 *
 * Every signature a Sigstore bundle carries or depends on is checked through `@sigstore/core`'s
 * `crypto.verify` (the leaf certificate under the CA, its SCT, the Rekor SET, the checkpoint and
 * the DSSE signature: five ECDSA verifications per bundle). Deno 2.9's `node:crypto.verify` takes
 * ~0.65–0.95 ms of CPU for one P-256 verification on the project's machine, ten times what OpenSSL
 * takes for the same check, and after the DER fix ({@link withFastDer}) it was three quarters of
 * the verifier's time. The I/O half of the trust room (`src/trust/_openssl_ecdsa.ts`) provides
 * OpenSSL's `ECDSA_verify` where the system's libcrypto loads ({@link provideEcdsaBackend});
 * {@link withNativeEcdsa} routes to it only what both implement the same way — EC keys on P-256 or
 * P-384 with SHA-256, SHA-384 or SHA-512 over DER signatures — and everything else (and any
 * backend failure) to the library's own path. A verdict is the backend's only when it answers
 * true or false; `_openssl_ecdsa_test.ts` checks that it answers as `node:crypto` does on valid,
 * altered, truncated and malformed signatures.
 *
 * As with {@link withSigstoreDefaultDigest}, the function is replaced only for the duration of one
 * synchronous verifier call.
 *
 * @module
 */
import { createHash, type KeyObject } from "node:crypto";
import { crypto as coreCrypto } from "@sigstore/core";
import { nodeDefaultDigest } from "./_default_digest_shim.ts";

/** An ECDSA verifier (see the module doc). */
export interface EcdsaBackend {
  /** Where it comes from, for reports (e.g. `OpenSSL 3.0.13 (libcrypto.so.3)`). */
  name: string;
  /**
   * Verify a DER `Ecdsa-Sig-Value` over a message digest computed by the caller.
   *
   * @param spkiDer the public key, DER `SubjectPublicKeyInfo` (EC, P-256 or P-384)
   * @param digest the message's digest (SHA-256, SHA-384 or SHA-512 of it)
   * @param signatureDer the signature (untrusted bytes)
   * @returns true only when the signature is valid
   * @throws on an internal failure of the backend (then the library's own path decides)
   */
  verifyDigest(spkiDer: Uint8Array, digest: Uint8Array, signatureDer: Uint8Array): boolean;
}

/** Loads a backend; undefined when none is usable here. */
export type EcdsaBackendLoader = () => EcdsaBackend | undefined;

let loader: EcdsaBackendLoader | undefined;
let backend: EcdsaBackend | null | undefined; // null: loaded, none usable

/**
 * Set (or, with undefined, remove) the loader of the ECDSA backend; it runs on the first
 * verification after this call.
 *
 * @param load the loader
 */
export function provideEcdsaBackend(load: EcdsaBackendLoader | undefined): void {
  loader = load;
  backend = undefined;
}

/**
 * The backend in use, loading it if needed.
 *
 * @returns the backend, or undefined when none was provided or it did not load
 */
export function ecdsaBackend(): EcdsaBackend | undefined {
  if (backend === undefined) {
    try {
      backend = loader?.() ?? null;
    } catch {
      backend = null;
    }
  }
  return backend ?? undefined;
}

const CURVES = new Set(["prime256v1", "secp384r1"]);
const DIGESTS = new Set<string>(["sha256", "sha384", "sha512"]);
const spkiOf = new WeakMap<KeyObject, Uint8Array>();

function spki(key: KeyObject): Uint8Array {
  let der = spkiOf.get(key);
  if (der === undefined) {
    der = new Uint8Array(key.export({ format: "der", type: "spki" }));
    spkiOf.set(key, der);
  }
  return der;
}

type CoreVerify = (
  data: Uint8Array,
  key: KeyObject,
  signature: Uint8Array,
  algorithm?: string,
) => boolean;

/**
 * Run a synchronous verifier call with `@sigstore/core`'s `crypto.verify` answered by the
 * provided backend where it applies (see the module doc); without a backend, `fn` runs as is.
 *
 * @param fn synchronous work that calls into `@sigstore/verify`
 * @returns what `fn` returns
 * @throws whatever `fn` throws; `TypeError` if `fn` returns a promise
 */
export function withNativeEcdsa<T>(fn: () => T): T {
  const native = ecdsaBackend();
  if (native === undefined) return fn();
  const target = coreCrypto as unknown as { verify: CoreVerify };
  const original = target.verify;
  target.verify = (data, key, signature, algorithm) => {
    const digest = algorithm ?? nodeDefaultDigest(key);
    if (
      key?.type === "public" && key.asymmetricKeyType === "ec" &&
      CURVES.has(String(key.asymmetricKeyDetails?.namedCurve)) && digest !== undefined &&
      DIGESTS.has(digest) && data instanceof Uint8Array && signature instanceof Uint8Array &&
      signature.length > 0
    ) {
      try {
        const hashed = createHash(digest).update(data).digest();
        return native.verifyDigest(spki(key), hashed, signature) === true;
      } catch {
        // the backend failed (not "invalid"): the library's own path decides
      }
    }
    return original(data, key, signature, algorithm);
  };
  try {
    const result = fn();
    if (result instanceof Promise) {
      throw new TypeError("withNativeEcdsa needs a synchronous function");
    }
    return result;
  } finally {
    target.verify = original;
  }
}
