/**
 * ECDSA signature verification over a digest the caller already has (no message bytes).
 *
 * Needed for `mochi sigstore verify … sha256:<hex>`: a message-signature bundle signs the artifact
 * bytes, and `node:crypto`/WebCrypto can only verify by hashing the message themselves. The
 * sigstore-conformance client protocol lets the artifact be given as a digest, and sigstore-python
 * and sigstore-go verify such "prehashed" signatures; this module does the same for the ECDSA
 * curves Fulcio issues (P-256, P-384, P-521).
 *
 * Verification only touches public values, so plain BigInt arithmetic (not constant-time) is fine.
 * Follows SEC 1 v2 §4.1.4 (ECDSA verification) and RFC 3279 §2.2.3 (`Ecdsa-Sig-Value` DER).
 *
 * @module
 */

import type { KeyObject } from "node:crypto";

/** Short Weierstrass curve y² = x³ + ax + b over GF(p) with base point (gx, gy) of order n. */
export interface EcCurve {
  /** Field prime. */
  p: bigint;
  /** Coefficient a. */
  a: bigint;
  /** Coefficient b. */
  b: bigint;
  /** Base point x. */
  gx: bigint;
  /** Base point y. */
  gy: bigint;
  /** Order of the base point. */
  n: bigint;
  /** Bit length of n. */
  bits: number;
}

/** NIST curves from FIPS 186-4 §D.1.2 (a = -3 mod p for all three). */
export const CURVES: Readonly<Record<string, EcCurve>> = {
  "P-256": {
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    a: 0xffffffff00000001000000000000000000000000fffffffffffffffffffffffcn,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
    gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    bits: 256,
  },
  "P-384": {
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    a: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000fffffffcn,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
    gx:
      0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n,
    gy:
      0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    bits: 384,
  },
  "P-521": {
    p: (1n << 521n) - 1n,
    a: (1n << 521n) - 4n,
    b: 0x0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00n,
    gx:
      0x00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66n,
    gy:
      0x011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650n,
    n: 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
    bits: 521,
  },
};

/** Jacobian point (X/Z², Y/Z³); `z === 0n` is the point at infinity. */
type Jacobian = { x: bigint; y: bigint; z: bigint };

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

function inverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [mod(a, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new RangeError("value has no modular inverse");
  return mod(oldS, m);
}

function double(c: EcCurve, P: Jacobian): Jacobian {
  if (P.z === 0n || P.y === 0n) return { x: 0n, y: 1n, z: 0n };
  const { p } = c;
  const yy = mod(P.y * P.y, p);
  const s = mod(4n * P.x * yy, p);
  const zz = mod(P.z * P.z, p);
  const m = mod(3n * P.x * P.x + c.a * zz * zz, p);
  const x = mod(m * m - 2n * s, p);
  const y = mod(m * (s - x) - 8n * yy * yy, p);
  const z = mod(2n * P.y * P.z, p);
  return { x, y, z };
}

function add(c: EcCurve, P: Jacobian, Q: Jacobian): Jacobian {
  if (P.z === 0n) return Q;
  if (Q.z === 0n) return P;
  const { p } = c;
  const pz2 = mod(P.z * P.z, p);
  const qz2 = mod(Q.z * Q.z, p);
  const u1 = mod(P.x * qz2, p);
  const u2 = mod(Q.x * pz2, p);
  const s1 = mod(P.y * qz2 * Q.z, p);
  const s2 = mod(Q.y * pz2 * P.z, p);
  if (u1 === u2) return s1 === s2 ? double(c, P) : { x: 0n, y: 1n, z: 0n };
  const h = mod(u2 - u1, p);
  const r = mod(s2 - s1, p);
  const hh = mod(h * h, p);
  const hhh = mod(h * hh, p);
  const v = mod(u1 * hh, p);
  const x = mod(r * r - hhh - 2n * v, p);
  const y = mod(r * (v - x) - s1 * hhh, p);
  const z = mod(h * P.z * Q.z, p);
  return { x, y, z };
}

/** u1·G + u2·Q by Shamir's simultaneous double-and-add. */
function twoMultiply(c: EcCurve, u1: bigint, G: Jacobian, u2: bigint, Q: Jacobian): Jacobian {
  const GQ = add(c, G, Q);
  let R: Jacobian = { x: 0n, y: 1n, z: 0n };
  const bits = Math.max(u1.toString(2).length, u2.toString(2).length);
  for (let i = bits - 1; i >= 0; i--) {
    R = double(c, R);
    const b1 = (u1 >> BigInt(i)) & 1n;
    const b2 = (u2 >> BigInt(i)) & 1n;
    if (b1 && b2) R = add(c, R, GQ);
    else if (b1) R = add(c, R, G);
    else if (b2) R = add(c, R, Q);
  }
  return R;
}

function onEcCurve(c: EcCurve, x: bigint, y: bigint): boolean {
  if (x < 0n || x >= c.p || y < 0n || y >= c.p) return false;
  return mod(y * y - (x * x * x + c.a * x + c.b), c.p) === 0n;
}

function bigintOf(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const byte of bytes) v = (v << 8n) | BigInt(byte);
  return v;
}

function fromBase64Url(text: string): bigint {
  const b64 = text.replaceAll("-", "+").replaceAll("_", "/");
  return bigintOf(
    Uint8Array.from(atob(b64 + "=".repeat((4 - b64.length % 4) % 4)), (ch) => ch.charCodeAt(0)),
  );
}

/** Strict DER `SEQUENCE { INTEGER r, INTEGER s }`; `undefined` when malformed. */
export function parseDerSignature(der: Uint8Array): { r: bigint; s: bigint } | undefined {
  let pos = 0;
  const length = (): number | undefined => {
    const first = der[pos++];
    if (first === undefined) return undefined;
    if (first < 0x80) return first;
    const count = first & 0x7f;
    if (count === 0 || count > 2) return undefined;
    let len = 0;
    for (let i = 0; i < count; i++) {
      const b = der[pos++];
      if (b === undefined) return undefined;
      len = (len << 8) | b;
    }
    if (len < 0x80 || (count === 2 && len < 0x100)) return undefined; // not minimal
    return len;
  };
  const integer = (): bigint | undefined => {
    if (der[pos++] !== 0x02) return undefined;
    const len = length();
    if (len === undefined || len === 0 || pos + len > der.length) return undefined;
    const body = der.subarray(pos, pos + len);
    pos += len;
    if (body[0]! & 0x80) return undefined; // negative
    if (len > 1 && body[0] === 0 && !(body[1]! & 0x80)) return undefined; // not minimal
    return bigintOf(body);
  };
  if (der[pos++] !== 0x30) return undefined;
  const seqLen = length();
  if (seqLen === undefined || pos + seqLen !== der.length) return undefined;
  const r = integer();
  const s = integer();
  if (r === undefined || s === undefined || pos !== der.length) return undefined;
  return { r, s };
}

/**
 * Verify a DER-encoded ECDSA signature against a message digest computed elsewhere.
 *
 * @param key an EC public key (`node:crypto` `KeyObject`, curve P-256, P-384 or P-521)
 * @param digest the message digest (any length; truncated to the curve order's bit length as in
 *   SEC 1 §4.1.4 step 3)
 * @param signature DER `Ecdsa-Sig-Value`
 * @returns `true` only when the signature is well-formed, in range and valid for the digest
 * @throws {RangeError} when the key is not an EC key on a supported curve
 */
export function verifyEcdsaPrehashed(
  key: KeyObject,
  digest: Uint8Array,
  signature: Uint8Array,
): boolean {
  const jwk = key.export({ format: "jwk" });
  const curve = jwk.kty === "EC" && typeof jwk.crv === "string" ? CURVES[jwk.crv] : undefined;
  if (curve === undefined || typeof jwk.x !== "string" || typeof jwk.y !== "string") {
    throw new RangeError(
      `prehashed verification supports EC keys on P-256/P-384/P-521, got ${jwk.kty} ${jwk.crv}`,
    );
  }
  const qx = fromBase64Url(jwk.x);
  const qy = fromBase64Url(jwk.y);
  if (!onEcCurve(curve, qx, qy)) return false;
  const sig = parseDerSignature(signature);
  if (sig === undefined) return false;
  const { r, s } = sig;
  const { n } = curve;
  if (r < 1n || r >= n || s < 1n || s >= n) return false;
  let e = bigintOf(digest);
  const digestBits = digest.length * 8;
  if (digestBits > curve.bits) e >>= BigInt(digestBits - curve.bits);
  const w = inverse(s, n);
  const u1 = mod(e * w, n);
  const u2 = mod(r * w, n);
  const R = twoMultiply(curve, u1, { x: curve.gx, y: curve.gy, z: 1n }, u2, {
    x: qx,
    y: qy,
    z: 1n,
  });
  if (R.z === 0n) return false;
  const zInv = inverse(R.z, curve.p);
  const x = mod(R.x * zInv * zInv, curve.p);
  return mod(x, n) === r;
}
