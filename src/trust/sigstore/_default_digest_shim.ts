/**
 * Gives sigstore-js Node's default digest for `crypto.verify(null, …)` under Deno.
 *
 * Node's `crypto.verify(null | undefined, data, key, sig)` uses OpenSSL's default digest, SHA-256,
 * for EC and RSA keys. Deno 2.9's `node:crypto` throws "no default digest" instead (Ed25519 is
 * fine). `@sigstore/verify` 4.1.3 relies on Node's behaviour in four places — the Rekor signed
 * entry timestamp (`tlog/set.js`), checkpoints (`tlog/checkpoint.js`) and DSSE signatures
 * (`bundle/dsse.js`) all call `@sigstore/core`'s `crypto.verify(data, key, sig)` with no
 * algorithm — and `@sigstore/core`'s wrapper catches the throw and returns `false`, so every good
 * bundle read "invalid signature".
 *
 * Layer chosen: `@sigstore/core`'s exported `crypto.verify` wrapper, the single choke point every
 * sigstore-js signature check goes through (`@sigstore/verify` reads `core_1.crypto.verify` and
 * `@sigstore/core`'s X.509/SCT/RFC 3161 code reads the same exports object at call time). Patching
 * `node:crypto` instead would change behaviour for every user of the process; forking the call
 * sites would mean vendoring `@sigstore/verify`. The patch is installed only for the duration of a
 * synchronous call ({@link withSigstoreDefaultDigest}); `Verifier.verify` is synchronous, so no
 * other code can run while it is in place, and it is removed in `finally`.
 *
 * @module
 */

import { crypto as coreCrypto } from "@sigstore/core";
import type { KeyObject } from "node:crypto";

type CoreVerify = (
  data: Buffer,
  key: KeyObject,
  signature: Buffer,
  algorithm?: string,
) => boolean;

/**
 * The digest Node's `crypto.verify` uses when none is given: SHA-256 for EC and RSA keys
 * (OpenSSL's `EVP_PKEY_get_default_digest_name`), none for Ed25519/Ed448 (they hash internally).
 *
 * @param key the public key the signature is checked with
 * @returns `"sha256"` for `ec`/`rsa` keys, otherwise `undefined` (leave the call unchanged)
 */
export function nodeDefaultDigest(key: KeyObject): string | undefined {
  const type = key.asymmetricKeyType;
  return type === "ec" || type === "rsa" ? "sha256" : undefined;
}

/**
 * Run a synchronous function while `@sigstore/core`'s `crypto.verify` fills in Node's default
 * digest ({@link nodeDefaultDigest}) when the caller gives none. Calls that name an algorithm
 * (message signatures, X.509 chains, SCTs, RFC 3161 timestamps) pass through unchanged.
 *
 * @param fn synchronous work that calls into `@sigstore/verify` (e.g. `Verifier.verify`)
 * @returns what `fn` returns
 * @throws whatever `fn` throws; `INTERNAL_E001`-worthy `TypeError` if `fn` returns a promise
 *   (the patch must not outlive a synchronous call)
 */
export function withSigstoreDefaultDigest<T>(fn: () => T): T {
  const target = coreCrypto as unknown as { verify: CoreVerify };
  const original = target.verify;
  target.verify = (data, key, signature, algorithm) =>
    original(data, key, signature, algorithm ?? nodeDefaultDigest(key));
  try {
    const result = fn();
    if (result instanceof Promise) {
      throw new TypeError("withSigstoreDefaultDigest needs a synchronous function");
    }
    return result;
  } finally {
    target.verify = original;
  }
}
