import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { X509Certificate } from "@sigstore/core";
import { toTrustMaterial } from "@sigstore/verify";
import { markTrustedCertificates, withTrustedCertMemo } from "./_trusted_cert_memo.ts";
import { trustedRootFromObject } from "./trusted_root.ts";
import { PRODUCTION_TRUSTED_ROOT } from "./verify.ts";

function productionCerts(): X509Certificate[][] {
  const material = toTrustMaterial(trustedRootFromObject(PRODUCTION_TRUSTED_ROOT));
  markTrustedCertificates(material);
  return material.certificateAuthorities.map((ca) => ca.certChain);
}

Deno.test("trusted certificates: the memo gives the library's answers, failures included", () => {
  const chains = productionCerts().filter((c) => c.length >= 2);
  assert.ok(chains.length > 0, "the public-good root has a CA chain of two certificates");
  const all = chains.flat();
  // A copy parsed from the same bytes is not marked: it goes through the library unchanged.
  const stranger = X509Certificate.parse(Buffer.from(all[0]!.root.toDER()));
  const plain = (fn: () => boolean[]) => fn();
  const answers = () => {
    const out: boolean[] = [];
    for (const a of [...all, stranger]) {
      for (const b of [...all, stranger]) {
        out.push(a.equals(b), a.verify(b));
      }
      out.push(a.verify());
    }
    return out;
  };
  const expected = plain(answers);
  assert.ok(expected.includes(true) && expected.includes(false));
  for (let round = 0; round < 3; round++) {
    assert.deepEqual(withTrustedCertMemo(answers), expected, `round ${round}`);
  }
  const [intermediate, root] = chains[0]!;
  withTrustedCertMemo(() => {
    assert.equal(intermediate!.verify(root), true);
    assert.equal(root!.verify(intermediate), false); // never remembered as true
    assert.equal(root!.verify(intermediate), false);
  });
});

Deno.test("trusted certificates: the methods are the library's again after the call", () => {
  const equals = X509Certificate.prototype.equals;
  const verify = X509Certificate.prototype.verify;
  withTrustedCertMemo(() => assert.notEqual(X509Certificate.prototype.equals, equals));
  assert.throws(() =>
    withTrustedCertMemo(() => {
      throw new Error("boom");
    }), /boom/);
  assert.throws(() => withTrustedCertMemo(() => Promise.resolve(1)), TypeError);
  assert.equal(X509Certificate.prototype.equals, equals);
  assert.equal(X509Certificate.prototype.verify, verify);
});
