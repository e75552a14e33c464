import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHash, generateKeyPairSync, sign, verify as nodeVerify } from "node:crypto";
import { bundleFromJSON } from "@sigstore/bundle";
import { crypto as coreCrypto } from "@sigstore/core";
import { toSignedEntity, toTrustMaterial, Verifier } from "@sigstore/verify";
import { exitStatusOf, MochiError } from "../../errors.ts";
import { nodeDefaultDigest, withSigstoreDefaultDigest } from "./_default_digest_shim.ts";
import { trustedRootFromObject } from "./trusted_root.ts";
import {
  exactPattern,
  parseArtifactDigest,
  PRODUCTION_TRUSTED_ROOT,
  type SigstoreVerifyOptions,
  verifySigstoreBundle,
} from "./verify.ts";

const DATA = new URL("../../../fixtures/sigstore-conformance/", import.meta.url);
const SAN =
  "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ISSUER = "https://token.actions.githubusercontent.com";

const text = (path: string) => Deno.readTextFile(new URL(path, DATA));
const bytes = (path: string) => Deno.readFile(new URL(path, DATA));
const sha = (alg: string, data: Uint8Array) => createHash(alg).update(data).digest("hex");

async function options(
  caseName: string,
  artifact?: SigstoreVerifyOptions["artifact"],
): Promise<SigstoreVerifyOptions> {
  return {
    bundleJson: await text(`${caseName}/bundle.sigstore.json`),
    identity: SAN,
    issuer: ISSUER,
    artifact: artifact ?? { bytes: await bytes(`${caseName}/artifact`) },
  };
}

async function expectFailure(o: SigstoreVerifyOptions, code: string, reasonPart: string) {
  const result = await verifySigstoreBundle(o);
  assert.ok(!result.ok, `expected ${code}, got success`);
  assert.equal(result.code, code, result.reason);
  assert.ok(result.reason.includes(reasonPart), result.reason);
}

/** True when this runtime's node:crypto has no default digest for EC keys (Deno ≤ 2.9). */
function runtimeLacksDefaultDigest(): boolean {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const data = Buffer.from("probe");
  try {
    return !nodeVerify(null, data, publicKey, sign("sha256", data, privateKey));
  } catch {
    return true;
  }
}

Deno.test("shim: raw sigstore-js rejects a good DSSE bundle under Deno; the shim fixes it", async () => {
  const bundle = bundleFromJSON(
    JSON.parse(await text("happy-path-intoto-in-dsse-v3/bundle.sigstore.json")),
  );
  const trust = toTrustMaterial(trustedRootFromObject(PRODUCTION_TRUSTED_ROOT));
  const run = () => new Verifier(trust).verify(toSignedEntity(bundle));
  if (runtimeLacksDefaultDigest()) {
    assert.throws(run, /inclusion promise|signature verification failed|checkpoint/);
  } else {
    console.log("node:crypto has a default digest here: only the shimmed path is checked");
  }
  const signer = withSigstoreDefaultDigest(run);
  assert.equal(signer.identity?.subjectAlternativeName, SAN);
});

Deno.test("shim: fills the digest only when none is given and is removed afterwards", () => {
  const original = coreCrypto.verify;
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const ed = generateKeyPairSync("ed25519");
  const data = Buffer.from("mochi");
  const ecSig = sign("sha256", data, ec.privateKey);
  const rsa512 = sign("sha512", data, rsa.privateKey);
  const edSig = sign(null, data, ed.privateKey);
  assert.equal(nodeDefaultDigest(ec.publicKey), "sha256");
  assert.equal(nodeDefaultDigest(ed.publicKey), undefined);
  withSigstoreDefaultDigest(() => {
    assert.equal(coreCrypto.verify(data, ec.publicKey, ecSig), true);
    // An explicit algorithm is passed through untouched: sha512 verifies, sha256 does not.
    assert.equal(coreCrypto.verify(data, rsa.publicKey, rsa512, "sha512"), true);
    assert.equal(coreCrypto.verify(data, rsa.publicKey, rsa512), false);
    assert.equal(coreCrypto.verify(data, ed.publicKey, edSig), true);
    assert.equal(coreCrypto.verify(Buffer.from("other"), ec.publicKey, ecSig), false);
  });
  assert.equal(coreCrypto.verify, original);
  assert.throws(() =>
    withSigstoreDefaultDigest(() => {
      throw new Error("boom");
    }), /boom/);
  assert.equal(coreCrypto.verify, original);
  assert.throws(() => withSigstoreDefaultDigest(() => Promise.resolve(1)), TypeError);
  assert.equal(coreCrypto.verify, original);
});

Deno.test("trusted root gap: sigstore-js itself treats a missing validFor.start as 1970", () => {
  // Why trusted_root.ts must reject it: toTrustMaterial silently fills the beginning of time.
  const root = trustedRootFromObject(PRODUCTION_TRUSTED_ROOT);
  // deno-lint-ignore no-explicit-any
  delete (root.tlogs[0]!.publicKey as any).validFor.start;
  assert.equal(toTrustMaterial(root).tlogs[0]!.validFor.start.getTime(), 0);
});

Deno.test("identity: the policy is exact, not a regular expression", () => {
  const p = exactPattern("https://a.example/x+y(1)?[z]{2}|$^\\-");
  assert.ok(p.test("https://a.example/x+y(1)?[z]{2}|$^\\-"));
  assert.ok(!p.test("https://aXexample/x+y(1)?[z]{2}|$^\\-"));
  assert.ok(!p.test("https://a.example/x+y(1)?[z]{2}|$^\\-/more"));
  assert.ok(!p.test("prefix https://a.example/x+y(1)?[z]{2}|$^\\-"));
  assert.ok(!exactPattern("a.b").test("axb"));
  assert.ok(!exactPattern("dev@example.com").test("dev@example.com\n"));
});

Deno.test("identity: a SAN that matches only as an unanchored regex is rejected", async () => {
  const o = await options("happy-path-v0.3");
  // Each policy matches the real SAN under sigstore-js's own `String.match`, but is not equal.
  for (const identity of [SAN.replace("github.com", "github.co."), SAN.slice(0, 40), "main$"]) {
    assert.ok(SAN.match(identity), identity);
    await expectFailure({ ...o, identity }, "SIG_E005", "exact match");
  }
  await expectFailure({ ...o, identity: "" }, "SIG_E005", "required");
  await expectFailure({ ...o, issuer: ISSUER + "/" }, "SIG_E005", "OIDC issuer");
});

Deno.test("DSSE: the artifact must be an in-toto subject (sigstore-js ignores it)", async () => {
  const name = "happy-path-intoto-in-dsse-v3";
  const good = await bytes(`${name}/artifact`);
  const ok = await verifySigstoreBundle(await options(name));
  assert.ok(ok.ok && ok.signer.bundleType === "dsse");
  const other = new TextEncoder().encode("not the attested file");
  // Raw sigstore-js is happy with any artifact for a DSSE bundle:
  const bundle = bundleFromJSON(JSON.parse(await text(`${name}/bundle.sigstore.json`)));
  const trust = toTrustMaterial(trustedRootFromObject(PRODUCTION_TRUSTED_ROOT));
  withSigstoreDefaultDigest(() =>
    new Verifier(trust).verify(toSignedEntity(bundle, Buffer.from(other)))
  );
  await expectFailure(await options(name, { bytes: other }), "SIG_E003", "none of");
  // The subject digest form works both ways.
  const ok256 = await verifySigstoreBundle(
    await options(name, { digest: { algorithm: "sha256", hex: sha("sha256", good) } }),
  );
  assert.ok(ok256.ok, !ok256.ok ? ok256.reason : "");
  await expectFailure(
    await options(name, { digest: { algorithm: "sha256", hex: sha("sha256", other) } }),
    "SIG_E003",
    "none of",
  );
});

Deno.test("DSSE: a tampered envelope signature is rejected (the signature is really checked)", async () => {
  const o = await options("happy-path-intoto-in-dsse-v3");
  const doc = JSON.parse(o.bundleJson);
  const sig = Buffer.from(doc.dsseEnvelope.signatures[0].sig, "base64");
  sig[sig.length - 5]! ^= 1;
  doc.dsseEnvelope.signatures[0].sig = sig.toString("base64");
  const result = await verifySigstoreBundle({ ...o, bundleJson: JSON.stringify(doc) });
  assert.ok(!result.ok);
  assert.equal(result.code, "SIG_E004", result.reason);
});

Deno.test("message signature: artifact given as a digest", async () => {
  const name = "happy-path-v0.3";
  const artifact = await bytes(`${name}/artifact`);
  const hex = sha("sha256", artifact);
  const ok = await verifySigstoreBundle(
    await options(name, { digest: { algorithm: "sha256", hex: hex.toUpperCase() } }),
  );
  assert.ok(ok.ok, !ok.ok ? ok.reason : "");
  assert.equal(ok.signer.bundleType, "messageSignature");
  const wrong = hex.slice(0, -1) + (hex.endsWith("0") ? "1" : "0");
  await expectFailure(
    await options(name, { digest: { algorithm: "sha256", hex: wrong } }),
    "SIG_E003",
    "does not match",
  );
  await expectFailure(
    await options(name, { digest: { algorithm: "sha512", hex: sha("sha512", artifact) } }),
    "SIG_E003",
    "sha256 digest",
  );
  // The prehashed ECDSA path really checks the signature: flip a bit and it fails.
  const o = await options(name, { digest: { algorithm: "sha256", hex } });
  const doc = JSON.parse(o.bundleJson);
  const sig = Buffer.from(doc.messageSignature.signature, "base64");
  sig[sig.length - 3]! ^= 1;
  doc.messageSignature.signature = sig.toString("base64");
  const tampered = await verifySigstoreBundle({ ...o, bundleJson: JSON.stringify(doc) });
  assert.ok(!tampered.ok);
  assert.equal(tampered.code, "SIG_E004", tampered.reason);
});

Deno.test("artifact digest argument parsing", () => {
  const hex = "AB".repeat(32);
  assert.deepEqual(parseArtifactDigest(`sha256:${hex}`), {
    algorithm: "sha256",
    hex: hex.toLowerCase(),
  });
  assert.equal(parseArtifactDigest("sha512:" + "0".repeat(128))?.algorithm, "sha512");
  assert.equal(parseArtifactDigest("./sha256:file.txt"), undefined);
  assert.equal(parseArtifactDigest("artifact.tar"), undefined);
  for (const bad of ["sha256:abc", "sha256:" + "g".repeat(64), "sha512:" + "0".repeat(64)]) {
    assert.throws(
      () => parseArtifactDigest(bad),
      (e: unknown) => e instanceof MochiError && e.code === "SIG_E006" && exitStatusOf(e) === 1,
    );
  }
});

Deno.test("malformed inputs map to SIG_E001/SIG_E002/SIG_E006 with exit 4 or 1", async () => {
  const o = await options("happy-path-v0.3");
  await expectFailure({ ...o, bundleJson: "{" }, "SIG_E001", "invalid Sigstore bundle");
  await expectFailure({ ...o, bundleJson: '{"mediaType":"x"}' }, "SIG_E001", "bundle");
  await expectFailure({ ...o, trustedRootJson: "[]" }, "SIG_E002", "trusted root");
  await expectFailure(
    { ...o, artifact: { digest: { algorithm: "sha256", hex: "00" } } },
    "SIG_E006",
    "invalid artifact digest",
  );
  assert.equal(exitStatusOf(new MochiError("SIG_E004", "x")), 4);
});
