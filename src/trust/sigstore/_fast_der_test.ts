import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { ASN1Obj, type X509Certificate } from "@sigstore/core";
import { toTrustMaterial } from "@sigstore/verify";
import { fastToDER, withFastDer } from "./_fast_der.ts";
import { trustedRootFromObject } from "./trusted_root.ts";
import { PRODUCTION_TRUSTED_ROOT } from "./verify.ts";

function certificates(): X509Certificate[] {
  const material = toTrustMaterial(trustedRootFromObject(PRODUCTION_TRUSTED_ROOT));
  return material.certificateAuthorities.flatMap((ca) => ca.certChain);
}

function* nodes(o: ASN1Obj): Generator<ASN1Obj> {
  yield o;
  for (const sub of o.subs) yield* nodes(sub);
}

function sameAsLibrary(o: ASN1Obj, what: string): void {
  const library = o.toDER(); // not patched here: the library's own encoder
  const fast = fastToDER(o);
  assert.ok(Buffer.isBuffer(fast), `${what}: a Buffer`);
  assert.equal(fast.toString("hex"), library.toString("hex"), what);
}

Deno.test("fast DER: the library's bytes for every node of parsed certificates", () => {
  const certs = certificates();
  assert.ok(certs.length >= 3);
  for (const [i, cert] of certs.entries()) {
    let n = 0;
    for (const node of nodes(cert.root)) sameAsLibrary(node, `certificate ${i} node ${n++}`);
    assert.ok(n > 50, "a certificate has many nodes");
  }
});

Deno.test("fast DER: the library's bytes after an edit (the SCT check drops an extension)", () => {
  for (const [i, cert] of certificates().entries()) {
    const clone = cert.clone();
    if (clone.extensions.length === 0) continue;
    clone.extensions.splice(0, 1);
    sameAsLibrary(clone.tbsCertificate, `certificate ${i} without its first extension`);
    sameAsLibrary(clone.root, `certificate ${i} root after the edit`);
    // The edit changed the encoding: the fast encoder does not return the parsed bytes.
    assert.notEqual(fastToDER(clone.root).length, fastToDER(cert.root).length);
  }
});

Deno.test("fast DER: every length form (short, one, two and three length bytes), empty values", () => {
  const tagOf = (byte: number) => ASN1Obj.parseBuffer(Buffer.from([byte, 0])).tag;
  for (const size of [0, 1, 127, 128, 255, 256, 65535, 65536, 70000]) {
    const leaf = new ASN1Obj(tagOf(0x04), Buffer.alloc(size, 0xab), []);
    sameAsLibrary(leaf, `octet string of ${size} bytes`);
    const seq = new ASN1Obj(tagOf(0x30), Buffer.alloc(0), [
      leaf,
      leaf,
      new ASN1Obj(tagOf(0x05), Buffer.alloc(0), []),
    ]);
    sameAsLibrary(seq, `sequence around ${size} bytes`);
  }
});

Deno.test("fast DER: toDER is the library's again after the call, also on a throw", () => {
  const original = ASN1Obj.prototype.toDER;
  const inside = withFastDer(() => ASN1Obj.prototype.toDER);
  assert.notEqual(inside, original);
  assert.throws(() =>
    withFastDer(() => {
      throw new Error("boom");
    }), /boom/);
  assert.throws(() => withFastDer(() => Promise.resolve(1)), TypeError);
  assert.equal(ASN1Obj.prototype.toDER, original);
});
