/**
 * Tests of src/go/note.ts. Vectors (keys, text, signatures, manglings, bad messages): repository
 * github.com/golang/mod, files sumdb/note/note_test.go and sumdb/note/example_test.go.
 */
import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { MochiError } from "../errors.ts";
import {
  generateKey,
  newEd25519VerifierKey,
  newSigner,
  newVerifier,
  openNote,
  type Signer,
  signNote,
  type Verifier,
  verifierList,
} from "./mod.ts";

const PETER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const ENOCH_KEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const TEXT = "If you think cryptography is the answer to your problem,\n" +
  "then you don't know what your problem is.\n";
const PETER_SIG =
  "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIG =
  "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";
const PETER = {
  name: "PeterNeumann",
  hash: 0xc74f20a3,
  base64:
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
};
const ENOCH = {
  name: "EnochRoot",
  hash: 0xaf0cfe78,
  base64:
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=",
};

const te = new TextEncoder();
const td = new TextDecoder();
const enc = (s: string) => te.encode(s);

function code(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (!(e instanceof MochiError)) throw e;
    return e.code;
  }
}

function bump(s: string, i: number): string {
  // The byte at i plus one, as note_test.go's b[i]++ (on the UTF-8 bytes).
  const b = te.encode(s);
  b[i] = (b[i]! + 1) & 0xff;
  return new TextDecoder().decode(b);
}

Deno.test("newVerifier: note_test.go TestNewVerifier (every substring and every byte+1 refused)", () => {
  const v = newVerifier(PETER_KEY);
  assertEquals([v.name, v.keyHash], ["PeterNeumann", 0xc74f20a3]);
  for (let i = 0; i <= PETER_KEY.length; i++) {
    for (let j = i + 1; j <= PETER_KEY.length; j++) {
      if (i !== 0 || j !== PETER_KEY.length) {
        assertEquals(
          code(() => newVerifier(PETER_KEY.slice(i, j))),
          "GO_E005",
          PETER_KEY.slice(i, j),
        );
      }
    }
  }
  for (let i = 0; i < PETER_KEY.length; i++) {
    assertEquals(code(() => newVerifier(bump(PETER_KEY, i))), "GO_E005", bump(PETER_KEY, i));
  }
  // Wrong length key and unknown algorithm, each with an adjusted key hash.
  assertEquals(
    code(() =>
      newVerifier("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==")
    ),
    "GO_E005",
  );
  assertEquals(
    code(() => newVerifier("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")),
    "GO_E005",
  );
});

Deno.test("newSigner: note_test.go TestNewSigner (every substring and every byte+1 refused)", () => {
  assertEquals(newSigner(PETER_SKEY).keyHash, 0xc74f20a3);
  for (let i = 0; i <= PETER_SKEY.length; i++) {
    for (let j = i + 1; j <= PETER_SKEY.length; j++) {
      if (i === 0 && j === PETER_SKEY.length) continue;
      assertEquals(
        code(() => newSigner(PETER_SKEY.slice(i, j))),
        "GO_E005",
        PETER_SKEY.slice(i, j),
      );
    }
  }
  for (let i = 0; i < PETER_SKEY.length; i++) {
    assertEquals(code(() => newSigner(bump(PETER_SKEY, i))), "GO_E005", bump(PETER_SKEY, i));
  }
});

function signerAndVerifier(name: string, signer: Signer, verifier: Verifier) {
  assertEquals(signer.name, name);
  assertEquals(verifier.name, name);
  assertEquals(signer.keyHash, verifier.keyHash);
  const msg = enc("hi");
  const sig = signer.sign(msg);
  assert(verifier.verify(msg, sig));
  sig[0]!++;
  assert(!verifier.verify(msg, sig));
  sig[0]!--;
  msg[0]!++;
  assert(!verifier.verify(msg, sig));
}

Deno.test("generateKey and newEd25519VerifierKey: note_test.go TestGenerateKey, TestFromEd25519", () => {
  const { skey, vkey } = generateKey("EnochRoot");
  signerAndVerifier("EnochRoot", newSigner(skey), newVerifier(vkey));
  // A fixed seed gives a fixed pair (example_test.go's zero reader gives the zero seed).
  const zero = generateKey("EnochRoot", new Uint8Array(32));
  assertEquals(zero, generateKey("EnochRoot", new Uint8Array(32)));
  const raw = Uint8Array.from(atob(zero.vkey.split("+")[2]!), (c) => c.charCodeAt(0)).subarray(1);
  assertEquals(newEd25519VerifierKey("EnochRoot", raw), zero.vkey);
  assertEquals(code(() => newEd25519VerifierKey("EnochRoot", raw.subarray(1))), "GO_E005");
  assertEquals(code(() => generateKey("bad name")), "GO_E005");
});

Deno.test("signNote: note_test.go TestSign", () => {
  const signer = newSigner(PETER_SKEY);
  const want = `${TEXT}\n${PETER_SIG}`;
  assertEquals(td.decode(signNote({ text: TEXT }, signer)), want);
  // An existing signature by the same key is replaced by the new one.
  assertEquals(
    td.decode(
      signNote({
        text: TEXT,
        sigs: [{ name: "PeterNeumann", hash: 0xc74f20a3, base64: "BADSIGN=" }],
      }, signer),
    ),
    want,
  );
  assertEquals(code(() => signNote({ text: "abc" }, signer)), "GO_E006");
  assertEquals(
    code(() => signNote({ text: TEXT, sigs: [{ name: "a+b", hash: 0, base64: "ABCD" }] })),
    "GO_E006",
  );
  assertEquals(
    code(() =>
      signNote({
        text: TEXT,
        sigs: [{ name: "PeterNeumann", hash: 0xc74f20a3, base64: "BADHASH=" }],
      })
    ),
    "GO_E006",
  );
  const badSigner: Signer = { name: "bad name", keyHash: signer.keyHash, sign: signer.sign };
  assertEquals(code(() => signNote({ text: TEXT }, badSigner)), "GO_E005");
  // Kept signatures come before the new ones.
  const enochKept = td.decode(signNote({ text: TEXT, unverifiedSigs: [ENOCH] }, signer));
  assertEquals(enochKept, `${TEXT}\n${ENOCH_SIG}${PETER_SIG}`);
});

Deno.test("verifierList: note_test.go TestVerifierList", () => {
  const peter = newVerifier(PETER_KEY);
  const enoch = newVerifier(ENOCH_KEY);
  const list = verifierList(peter, enoch, enoch);
  assertEquals(list.verifier("PeterNeumann", 0xc74f20a3), peter);
  assertEquals(list.verifier("PeterNeumann", 0xc74f20a4), undefined);
  assertEquals(list.verifier("PeterNeuman", 0xc74f20a3), undefined);
  const e = assertThrows(() => list.verifier("EnochRoot", 0xaf0cfe78), MochiError);
  assertEquals(e.message, "ambiguous key EnochRoot+af0cfe78");
});

Deno.test("openNote: note_test.go TestOpen", () => {
  const peter = newVerifier(PETER_KEY);
  const enoch = newVerifier(ENOCH_KEY);
  // One verified, one not.
  let n = openNote(enc(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`), verifierList(peter));
  assertEquals(n.text, TEXT);
  assertEquals(n.sigs, [PETER]);
  assertEquals(n.unverifiedSigs, [ENOCH]);
  // Both verified.
  n = openNote(enc(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`), [peter, enoch]);
  assertEquals(n.sigs, [PETER, ENOCH]);
  assertEquals(n.unverifiedSigs, []);
  // Both unverified: refused, naming the unknown keys.
  let e = assertThrows(() => openNote(enc(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`), []), MochiError);
  assertEquals(e.code, "GO_E006");
  assert(e.message.includes("note has no verifiable signatures"), e.message);
  assert(e.message.includes("PeterNeumann+c74f20a3") && e.message.includes("EnochRoot+af0cfe78"));
  // Duplicated verifier, used: ambiguous. Unused: fine.
  e = assertThrows(() => openNote(enc(`${TEXT}\n${ENOCH_SIG}`), [enoch, peter, enoch]), MochiError);
  assertEquals(e.message, "ambiguous key EnochRoot+af0cfe78");
  openNote(enc(`${TEXT}\n${PETER_SIG}`), [enoch, peter, enoch]);
  // Too many signatures, known or not.
  for (const known of [[peter], []]) {
    e = assertThrows(() => openNote(enc(`${TEXT}\n${PETER_SIG.repeat(101)}`), known), MochiError);
    assert(e.message.startsWith("malformed note"), e.message);
  }
  // Invalid signature by a known key (Go slices bytes at 60: the em dash is 3 bytes, 1 unit here).
  const bad = `${PETER_SIG.slice(0, 58)}ABCD${PETER_SIG.slice(58)}`;
  e = assertThrows(() => openNote(enc(`${TEXT}\n${bad}`), [peter]), MochiError);
  assertEquals(e.message, "invalid signature for key PeterNeumann+c74f20a3");
  // Duplicated verified and unverified signatures.
  const enochABCD = {
    ...ENOCH,
    base64:
      "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5nABCD2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=",
  };
  const enochBad = `${ENOCH_SIG.slice(0, 58)}ABCD${ENOCH_SIG.slice(58)}`;
  n = openNote(enc(`${TEXT}\n${PETER_SIG}${PETER_SIG}${ENOCH_SIG}${ENOCH_SIG}${enochBad}`), [
    peter,
  ]);
  assertEquals(n.sigs, [PETER]);
  assertEquals(n.unverifiedSigs, [ENOCH, enochABCD]);
  // Invalid encoded message syntax.
  const badMsgs: Uint8Array[] = [
    enc(TEXT),
    enc(`${TEXT}\n`),
    enc(`${TEXT}\n${PETER_SIG.slice(0, -1)}`),
    enc(`\x01${TEXT}\n${PETER_SIG}`),
    Uint8Array.from([0xff, ...enc(`${TEXT}\n${PETER_SIG}`)]),
    enc(
      `${TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=`,
    ),
    enc(`${TEXT}\n${PETER_SIG}Unexpected line.\n`),
  ];
  for (const msg of badMsgs) {
    e = assertThrows(() => openNote(msg, [peter]), MochiError, td.decode(msg));
    assert(e.message.startsWith("malformed note"), e.message);
  }
  // A Verifiers set that answers with a verifier of another name or hash.
  const fixed = { verifier: () => peter };
  for (
    const sig of [
      PETER_SIG.replaceAll("PeterNeumann", "CarmenSandiego"),
      PETER_SIG.replaceAll("x08g", "xxxx"),
    ]
  ) {
    e = assertThrows(() => openNote(enc(`${TEXT}\n${sig}`), fixed), MochiError);
    assertEquals(e.message, "verifier name or hash doesn't match signature");
  }
});

Deno.test("openNote: a note signed by a fresh signer opens with its verifier only", () => {
  const { skey, vkey } = generateKey("sum.test.example");
  const msg = signNote({ text: "go.sum database tree\n3\nAAAA\n" }, newSigner(skey));
  assertEquals(openNote(msg, [newVerifier(vkey)]).text, "go.sum database tree\n3\nAAAA\n");
  const other = generateKey("sum.test.example");
  assertEquals(code(() => openNote(msg, [newVerifier(other.vkey)])), "GO_E006");
  // One flipped byte of the text breaks the signature.
  const tampered = msg.slice();
  tampered[22] = 0x34; // "3" -> "4"
  const e = assertThrows(() => openNote(tampered, [newVerifier(vkey)]), MochiError);
  assert(e.message.startsWith("invalid signature"), e.message);
});
