/**
 * The same DER bytes `@sigstore/core` 4.0.1's `ASN1Obj.toDER` writes, in one allocation.
 *
 * The library re-encodes certificates for every comparison (`X509Certificate.equals`), every
 * certificate signature check (`tbsCertificate.toDER()`), every copy (`clone`, which the SCT
 * check makes of each leaf) and the SCT check's pre-certificate. Its `toDER` builds each node in
 * two `ByteStream`s that start at 1 KiB and grow by copying, so one certificate of ~100 nodes
 * allocates some 200 KiB of zeroed `Buffer`s; a CPU profile of a signed install spent a third of
 * the verifier's time there. {@link fastToDER} follows the library's algorithm exactly (tag byte,
 * `encodeLength` of the content, then the children's encodings in order or, for a node without
 * children, its `value`), sizing the output first and writing it once, so every caller gets the
 * bytes it got before; `_fast_der_test.ts` compares both on parsed, edited and built trees.
 *
 * As with {@link withSigstoreDefaultDigest}, the method is replaced only for the duration of one
 * synchronous verifier call.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { ASN1Obj } from "@sigstore/core";

/** The parts of an `ASN1Obj` the encoding reads. */
interface Node {
  tag: { toDER(): number };
  value: Uint8Array;
  subs: Node[];
}

/** Bytes of the DER length field for a content of `len` bytes (`encodeLength` in the library). */
function lengthFieldBytes(len: number): number {
  if (len < 128) return 1;
  let n = 1;
  for (let v = len; v > 0; v = Math.floor(v / 256)) n++;
  return n;
}

function contentLength(o: Node, lens: Map<Node, number>): number {
  let n = 0;
  if (o.subs.length > 0) {
    for (const sub of o.subs) {
      const c = contentLength(sub, lens);
      n += 1 + lengthFieldBytes(c) + c;
    }
  } else n = o.value.length;
  lens.set(o, n);
  return n;
}

function write(o: Node, out: Uint8Array, at: number, lens: Map<Node, number>): number {
  const len = lens.get(o)!;
  let pos = at;
  out[pos++] = o.tag.toDER();
  if (len < 128) out[pos++] = len;
  else {
    const count = lengthFieldBytes(len) - 1;
    out[pos++] = 0x80 | count;
    for (let i = count - 1; i >= 0; i--) out[pos++] = Math.floor(len / 256 ** i) % 256;
  }
  if (o.subs.length > 0) {
    for (const sub of o.subs) pos = write(sub, out, pos, lens);
  } else {
    out.set(o.value, pos);
    pos += len;
  }
  return pos;
}

/**
 * Encode an ASN.1 tree as `@sigstore/core`'s `ASN1Obj.toDER` does, in one allocation.
 *
 * @param obj a parsed or built `ASN1Obj`
 * @returns the DER bytes, as a `Buffer` (what the library's callers expect)
 */
export function fastToDER(obj: ASN1Obj): Buffer {
  const lens = new Map<Node, number>();
  const node = obj as unknown as Node;
  const len = contentLength(node, lens);
  const out = Buffer.alloc(1 + lengthFieldBytes(len) + len);
  write(node, out, 0, lens);
  return out;
}

/**
 * Run a synchronous verifier call with `ASN1Obj.prototype.toDER` replaced by {@link fastToDER}.
 *
 * @param fn synchronous work that calls into `@sigstore/verify`
 * @returns what `fn` returns
 * @throws whatever `fn` throws; `TypeError` if `fn` returns a promise
 */
export function withFastDer<T>(fn: () => T): T {
  const proto = ASN1Obj.prototype;
  const original = proto.toDER;
  proto.toDER = function (this: ASN1Obj): Buffer {
    return fastToDER(this);
  };
  try {
    const result = fn();
    if (result instanceof Promise) throw new TypeError("withFastDer needs a synchronous function");
    return result;
  } finally {
    proto.toDER = original;
  }
}
