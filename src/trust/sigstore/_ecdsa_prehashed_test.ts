import assert from "node:assert/strict";
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import fc from "fast-check";
import { CURVES, parseDerSignature, verifyEcdsaPrehashed } from "./_ecdsa_prehashed.ts";

const SETUPS = [
  { curve: "P-256", hash: "sha256" },
  { curve: "P-256", hash: "sha512" }, // digest longer than the order: truncated
  { curve: "P-384", hash: "sha384" },
  { curve: "P-384", hash: "sha256" },
  { curve: "P-521", hash: "sha512" },
] as const;

Deno.test("ecdsa prehashed: curve constants put G on the curve", () => {
  for (const [name, c] of Object.entries(CURVES)) {
    const lhs = (c.gy * c.gy) % c.p;
    const rhs = (((c.gx * c.gx % c.p) * c.gx + c.a * c.gx + c.b) % c.p + c.p) % c.p;
    assert.equal(lhs, rhs, name);
  }
});

for (const { curve, hash } of SETUPS) {
  Deno.test(`ecdsa prehashed: agrees with node:crypto for ${curve}/${hash}`, () => {
    const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: curve });
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        (message, other) => {
          const signature = sign(hash, message, privateKey);
          const digest = createHash(hash).update(message).digest();
          assert.equal(verifyEcdsaPrehashed(publicKey, digest, signature), true);
          const otherDigest = createHash(hash).update(message).update(other).digest();
          assert.equal(verifyEcdsaPrehashed(publicKey, otherDigest, signature), false);
        },
      ),
      { numRuns: curve === "P-521" ? 5 : 15 },
    );
  });
}

Deno.test("ecdsa prehashed: tampered signature, wrong key and bad DER are rejected", () => {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const other = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey;
  const message = new TextEncoder().encode("mochi");
  const digest = createHash("sha256").update(message).digest();
  const signature = sign("sha256", message, privateKey);
  assert.equal(verifyEcdsaPrehashed(publicKey, digest, signature), true);
  assert.equal(verifyEcdsaPrehashed(other, digest, signature), false);
  const flipped = Uint8Array.from(signature);
  flipped[flipped.length - 1]! ^= 1;
  assert.equal(verifyEcdsaPrehashed(publicKey, digest, flipped), false);
  assert.equal(verifyEcdsaPrehashed(publicKey, digest, signature.subarray(0, 10)), false);
  const trailing = new Uint8Array([...signature, 0]);
  assert.equal(verifyEcdsaPrehashed(publicKey, digest, trailing), false);
  // r = 0 and s = 0 are out of range even though the DER is fine.
  assert.equal(
    verifyEcdsaPrehashed(publicKey, digest, Uint8Array.of(0x30, 6, 2, 1, 0, 2, 1, 0)),
    false,
  );
});

Deno.test("ecdsa prehashed: non-EC keys are refused with a RangeError", () => {
  const { publicKey } = generateKeyPairSync("ed25519");
  assert.throws(
    () => verifyEcdsaPrehashed(publicKey, new Uint8Array(32), new Uint8Array(8)),
    RangeError,
  );
});

Deno.test("ecdsa prehashed: DER parser is strict", () => {
  assert.deepEqual(parseDerSignature(Uint8Array.of(0x30, 6, 2, 1, 5, 2, 1, 7)), { r: 5n, s: 7n });
  // leading zero only allowed before a high bit
  assert.deepEqual(parseDerSignature(Uint8Array.of(0x30, 7, 2, 2, 0, 0x80, 2, 1, 7)), {
    r: 0x80n,
    s: 7n,
  });
  assert.equal(parseDerSignature(Uint8Array.of(0x30, 7, 2, 2, 0, 5, 2, 1, 7)), undefined);
  assert.equal(parseDerSignature(Uint8Array.of(0x30, 6, 2, 1, 0x85, 2, 1, 7)), undefined); // negative
  assert.equal(parseDerSignature(Uint8Array.of(0x30, 5, 2, 1, 5, 2, 1, 7)), undefined); // length
  assert.equal(parseDerSignature(Uint8Array.of(0x31, 6, 2, 1, 5, 2, 1, 7)), undefined); // not SEQ
  assert.equal(parseDerSignature(Uint8Array.of(0x30, 0x81, 6, 2, 1, 5, 2, 1, 7)), undefined); // long form < 128
});
