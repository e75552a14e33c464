/**
 * Work `@sigstore/verify` repeats for every bundle on the trusted root's own certificates, done
 * once per process. Its certificate-chain check (`key/certificate.js`) compares certificates with
 * `X509Certificate.equals`, which re-encodes both certificates' DER on every call, and checks each
 * CA certificate's signature by its issuer again for every leaf. The trusted root's certificates
 * are parsed once per process ({@link markTrustedCertificates}, called where the trust material is
 * built) and never changed afterwards, so their DER encoding and the verdict of one trusted
 * certificate's signature under another trusted certificate are facts about constant values:
 * both are kept here, by object identity, in weak maps.
 *
 * Only certificates of the trust material are memoised; a bundle's own certificates (the leaf,
 * and the copy the SCT check edits) always go through the library unchanged, and a signature
 * check that fails is never remembered. As with {@link withSigstoreDefaultDigest}, the two methods
 * are replaced only for the duration of one synchronous verifier call.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import { X509Certificate } from "@sigstore/core";
import type { TrustMaterial } from "@sigstore/verify";

const trusted = new WeakSet<X509Certificate>();
const derOf = new WeakMap<X509Certificate, Buffer>();
/** Trusted certificate → the trusted issuers (itself for a self-signed one) it verified under. */
const verifiedUnder = new WeakMap<X509Certificate, WeakSet<X509Certificate>>();

/**
 * Mark the certificates of a trust material's certificate authorities as constant (parsed once
 * per process, never changed).
 *
 * @param material trust material built from a trusted root
 */
export function markTrustedCertificates(material: TrustMaterial): void {
  for (const ca of material.certificateAuthorities) {
    for (const cert of ca.certChain) trusted.add(cert);
  }
}

function der(cert: X509Certificate): Buffer {
  let d = derOf.get(cert);
  if (d === undefined) {
    d = cert.root.toDER();
    derOf.set(cert, d);
  }
  return d;
}

/**
 * Run a synchronous verifier call with `X509Certificate.equals` and `.verify` remembering what
 * they found about trusted certificates ({@link markTrustedCertificates}).
 *
 * @param fn synchronous work that calls into `@sigstore/verify`
 * @returns what `fn` returns
 * @throws whatever `fn` throws; `TypeError` if `fn` returns a promise
 */
export function withTrustedCertMemo<T>(fn: () => T): T {
  const proto = X509Certificate.prototype;
  const equals = proto.equals;
  const verify = proto.verify;
  proto.equals = function (this: X509Certificate, other: X509Certificate): boolean {
    if (this === other && trusted.has(this)) return true;
    if (!trusted.has(this) && !trusted.has(other)) return equals.call(this, other);
    const a = trusted.has(this) ? der(this) : this.root.toDER();
    const b = trusted.has(other) ? der(other) : other.root.toDER();
    return a.equals(b);
  };
  proto.verify = function (this: X509Certificate, issuer?: X509Certificate): boolean {
    const by = issuer ?? this;
    if (!trusted.has(this) || !trusted.has(by)) return verify.call(this, issuer);
    if (verifiedUnder.get(this)?.has(by)) return true;
    const ok = verify.call(this, issuer);
    if (ok) {
      let set = verifiedUnder.get(this);
      if (set === undefined) verifiedUnder.set(this, set = new WeakSet());
      set.add(by);
    }
    return ok;
  };
  try {
    const result = fn();
    if (result instanceof Promise) {
      throw new TypeError("withTrustedCertMemo needs a synchronous function");
    }
    return result;
  } finally {
    proto.equals = equals;
    proto.verify = verify;
  }
}
