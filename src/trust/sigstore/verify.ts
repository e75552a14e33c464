/**
 * Offline Sigstore bundle verification (`mochi sigstore verify`).
 *
 * Wraps `@sigstore/verify` 4.1.3 and closes the gaps it has under Deno 2.9 and against the
 * sigstore-conformance suite (github.com/sigstore/sigstore-conformance):
 *
 * 1. Deno's `node:crypto.verify(null, …)` has no default digest for EC/RSA keys; sigstore-js relies
 *    on Node's SHA-256 default for the Rekor SET, checkpoints and DSSE signatures. Fixed by
 *    {@link withSigstoreDefaultDigest} around the (synchronous) verifier call.
 * 2. A trusted root whose key has no `validFor.start` is accepted by sigstore-js as valid since
 *    1970. Fixed by parsing the root strictly ({@link parseTrustedRoot}, `SIG_E002`).
 * 3. sigstore-js matches the policy SAN as an unanchored regular expression. The policy here is
 *    exact: the SAN is escaped and anchored for sigstore-js, then compared with `===` again.
 * 4. sigstore-js never looks at the artifact for DSSE bundles. The artifact's digest must equal
 *    one of the in-toto statement's subject digests (`SIG_E003`).
 *
 * The artifact may be given as bytes or as a digest (`sha256:<hex>`/`sha512:<hex>`, as the
 * sigstore-conformance client protocol allows). A digest-only message-signature bundle is checked
 * with {@link verifyEcdsaPrehashed} (Fulcio signing keys are ECDSA).
 *
 * 5. Work repeated per bundle on the trusted root's own certificates (their DER re-encoded for
 *    every comparison, the CA chain's signatures checked again for every leaf) is done once per
 *    process ({@link withTrustedCertMemo}); a bundle's own certificates are always checked.
 *
 * 6. Where the system's OpenSSL loads (`src/trust/_openssl_ecdsa.ts`), EC signatures are verified
 *    by it instead of Deno's slower `node:crypto` ({@link withNativeEcdsa}), and the library's DER
 *    encoder is replaced by one that writes the same bytes in one allocation ({@link withFastDer}).
 *
 * Trust material is built only from trusted-root JSON ({@link PRODUCTION_TRUSTED_ROOT} by
 * default); nothing is fetched (no TUF).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createHash, type KeyObject } from "node:crypto";
import { bundleFromJSON } from "@sigstore/bundle";
import {
  PolicyError,
  type SignedEntity,
  type Signer,
  toSignedEntity,
  toTrustMaterial,
  type TrustMaterial,
  VerificationError,
  Verifier,
} from "@sigstore/verify";
import { type ErrorCode, MochiError } from "../../errors.ts";
import { withSigstoreDefaultDigest } from "./_default_digest_shim.ts";
import { markTrustedCertificates, withTrustedCertMemo } from "./_trusted_cert_memo.ts";
import { withFastDer } from "./_fast_der.ts";
import { withNativeEcdsa } from "./_native_ecdsa.ts";
import { verifyEcdsaPrehashed } from "./_ecdsa_prehashed.ts";
import { PRODUCTION_TRUSTED_ROOT } from "./_production_trusted_root.ts";
import { parseTrustedRoot, trustedRootFromObject } from "./trusted_root.ts";

export { PRODUCTION_TRUSTED_ROOT } from "./_production_trusted_root.ts";

/** Digest algorithms an artifact digest may be given in. */
export type ArtifactDigestAlgorithm = "sha256" | "sha512";

/** The artifact a bundle is checked against: its bytes, or its digest. */
export type SigstoreArtifact =
  | { bytes: Uint8Array }
  | { digest: { algorithm: ArtifactDigestAlgorithm; hex: string } };

/** Input of {@link verifySigstoreBundle}. */
export interface SigstoreVerifyOptions {
  /** Text of the `.sigstore.json` bundle (v0.1, v0.2 or v0.3). */
  bundleJson: string;
  /** Text of a `trusted_root.json`; {@link PRODUCTION_TRUSTED_ROOT} (public-good) when omitted. */
  trustedRootJson?: string;
  /** Expected certificate SAN, compared exactly (`--certificate-identity`). */
  identity: string;
  /** Expected OIDC issuer (Fulcio OID 1.3.6.1.4.1.57264.1.8 / .1.1), compared exactly. */
  issuer: string;
  /** The artifact bytes, or its digest. */
  artifact: SigstoreArtifact;
}

/** Who signed, as verified. */
export interface SigstoreSigner {
  /** Certificate SAN (URI or e-mail), equal to the requested identity. */
  subjectAlternativeName: string;
  /** OIDC issuer from the certificate, equal to the requested issuer. */
  issuer: string;
  /** What the bundle signs: the artifact itself or a DSSE envelope (in-toto statement). */
  bundleType: "messageSignature" | "dsse";
  /** The bundle's media type, e.g. `application/vnd.dev.sigstore.bundle.v0.3+json`. */
  mediaType: string;
}

/** The `SIG_E…` codes a failed verification reports (see `src/errors.ts`). */
export type SigstoreErrorCode =
  | "SIG_E001"
  | "SIG_E002"
  | "SIG_E003"
  | "SIG_E004"
  | "SIG_E005"
  | "SIG_E006"
  | "SIG_E007";

/** Result of {@link verifySigstoreBundle}. */
export type SigstoreVerifyResult =
  | { ok: true; signer: SigstoreSigner }
  | { ok: false; code: SigstoreErrorCode; reason: string; hint?: string };

const HASH_NAMES: Readonly<Record<number, string>> = {
  1: "sha256", // SHA2_256
  2: "sha384", // SHA2_384
  3: "sha512", // SHA2_512
  4: "sha3-256", // SHA3_256
  5: "sha3-384", // SHA3_384
};

const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

/**
 * Read an artifact argument of the form `sha256:<64 hex>` / `sha512:<128 hex>`.
 *
 * @param text the command-line artifact argument
 * @returns the digest (hex lowercased), or `undefined` when `text` does not start with `sha256:`
 *   or `sha512:` (then it is a file path)
 * @throws {MochiError} `SIG_E006` when the prefix is there but the hex is not the right length
 */
export function parseArtifactDigest(
  text: string,
): { algorithm: ArtifactDigestAlgorithm; hex: string } | undefined {
  const match = /^(sha256|sha512):(.*)$/s.exec(text);
  if (match === null) return undefined;
  const algorithm = match[1] as ArtifactDigestAlgorithm;
  return { algorithm, hex: checkDigestHex(algorithm, match[2]!) };
}

function checkDigestHex(algorithm: string, hex: string): string {
  const want = algorithm === "sha256" ? 64 : algorithm === "sha512" ? 128 : 0;
  if (want === 0 || !new RegExp(`^[0-9a-fA-F]{${want}}$`).test(hex)) {
    throw new MochiError(
      "SIG_E006",
      `invalid artifact digest ${JSON.stringify(`${algorithm}:${hex}`)}`,
      { hint: "write sha256:<64 hex digits> or sha512:<128 hex digits>, or pass a file path" },
    );
  }
  return hex.toLowerCase();
}

/**
 * Escape a string so a `RegExp` built from it matches it literally, anchored at both ends.
 *
 * @param text the exact string (e.g. a certificate SAN)
 * @returns a `RegExp` matching only `text` itself
 */
export function exactPattern(text: string): RegExp {
  return new RegExp(`^${text.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&")}$`);
}

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

function fail(code: ErrorCode, message: string, hint?: string, cause?: unknown): never {
  throw new MochiError(code, message, {
    ...(hint === undefined ? {} : { hint }),
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Trust material by trusted-root text (`""` = the production root); a few roots at most. */
const trustCache = new Map<string, TrustMaterial>();

function trustMaterialOf(trustedRootJson: string | undefined): TrustMaterial {
  const key = trustedRootJson ?? "";
  const cached = trustCache.get(key);
  if (cached !== undefined) return cached;
  const material = buildTrustMaterial(trustedRootJson);
  if (trustCache.size >= 8) trustCache.delete(trustCache.keys().next().value!);
  trustCache.set(key, material);
  return material;
}

function buildTrustMaterial(trustedRootJson: string | undefined): TrustMaterial {
  const root = trustedRootJson === undefined
    ? trustedRootFromObject(PRODUCTION_TRUSTED_ROOT)
    : parseTrustedRoot(trustedRootJson);
  try {
    const material = toTrustMaterial(root);
    markTrustedCertificates(material);
    return material;
  } catch (cause) {
    fail(
      "SIG_E002",
      `invalid Sigstore trusted root: a key or certificate does not decode (${cause})`,
      "use the trusted_root.json published by the Sigstore instance, unmodified",
      cause,
    );
  }
}

type Bundle = ReturnType<typeof bundleFromJSON>;

function parseBundle(bundleJson: string): Bundle {
  try {
    return bundleFromJSON(JSON.parse(bundleJson));
  } catch (cause) {
    fail(
      "SIG_E001",
      `invalid Sigstore bundle: ${cause instanceof Error ? cause.message : String(cause)}`,
      "pass the .sigstore.json bundle produced by the signer",
      cause,
    );
  }
}

/** Message-signature bundle: check the artifact's digest against the signed message digest. */
function messageEntity(
  bundle: Bundle,
  signature: { messageDigest?: { algorithm: number; digest: Buffer }; signature: Buffer },
  artifact: SigstoreArtifact,
): SignedEntity {
  const md = signature.messageDigest;
  const mdName = md === undefined ? undefined : HASH_NAMES[md.algorithm];
  if ("bytes" in artifact) {
    if (md !== undefined && mdName !== undefined) {
      const actual = createHash(mdName).update(artifact.bytes).digest("hex");
      if (actual !== hexOf(md.digest)) {
        fail(
          "SIG_E003",
          `artifact ${mdName} ${actual} does not match the bundle's message digest ${
            hexOf(md.digest)
          }`,
          "check that the artifact is the file that was signed",
        );
      }
    }
    return toSignedEntity(bundle, Buffer.from(artifact.bytes));
  }
  const given = artifact.digest;
  if (md === undefined || mdName === undefined) {
    fail(
      "SIG_E007",
      "the bundle has no usable message digest, so it cannot be checked against a digest",
      "pass the artifact file instead of its digest",
    );
  }
  if (mdName !== given.algorithm) {
    fail(
      "SIG_E003",
      `the bundle signs a ${mdName} digest, but a ${given.algorithm} digest was given`,
      `pass ${mdName}:<hex> or the artifact file`,
    );
  }
  if (given.hex !== hexOf(md.digest)) {
    fail(
      "SIG_E003",
      `artifact ${given.algorithm} ${given.hex} does not match the bundle's message digest ${
        hexOf(md.digest)
      }`,
      "check that the digest is of the file that was signed",
    );
  }
  const entity = toSignedEntity(bundle, Buffer.alloc(0));
  const digestBytes = Buffer.from(given.hex, "hex");
  const content = entity.signature;
  return {
    ...entity,
    signature: {
      signature: content.signature,
      compareSignature: (sig) => content.compareSignature(sig),
      compareDigest: (digest) => content.compareDigest(digest),
      compareSignedDigest: (digest) => content.compareSignedDigest(digest),
      verifySignature: (key: KeyObject) => {
        if (key.asymmetricKeyType !== "ec") {
          fail(
            "SIG_E007",
            `digest-only verification supports ECDSA signing keys, got ${key.asymmetricKeyType}`,
            "pass the artifact file instead of its digest",
          );
        }
        return verifyEcdsaPrehashed(key, digestBytes, content.signature);
      },
    },
  };
}

/** DSSE bundle: the artifact's digest must be one of the in-toto statement's subjects. */
function checkInTotoSubject(
  envelope: { payloadType: string; payload: Buffer },
  artifact: SigstoreArtifact,
): void {
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    fail(
      "SIG_E007",
      `DSSE payload type ${JSON.stringify(envelope.payloadType)} is not ${IN_TOTO_PAYLOAD_TYPE}`,
      "only in-toto attestations can be bound to an artifact",
    );
  }
  let subjects: unknown;
  try {
    subjects = (JSON.parse(envelope.payload.toString("utf8")) as { subject?: unknown }).subject;
  } catch (cause) {
    fail("SIG_E001", "the DSSE payload is not a JSON in-toto statement", undefined, cause);
  }
  if (!Array.isArray(subjects) || subjects.length === 0) {
    fail("SIG_E001", "the in-toto statement has no subject");
  }
  const wanted: Record<string, string> = "bytes" in artifact
    ? {
      sha256: createHash("sha256").update(artifact.bytes).digest("hex"),
      sha512: createHash("sha512").update(artifact.bytes).digest("hex"),
    }
    : { [artifact.digest.algorithm]: artifact.digest.hex };
  const names: string[] = [];
  for (const subject of subjects) {
    const digest = (subject as { digest?: unknown })?.digest;
    names.push(String((subject as { name?: unknown })?.name ?? "?"));
    if (typeof digest !== "object" || digest === null) continue;
    for (const [algorithm, hex] of Object.entries(wanted)) {
      const value = (digest as Record<string, unknown>)[algorithm];
      if (typeof value === "string" && value.toLowerCase() === hex) return;
    }
  }
  const shown = Object.entries(wanted).map(([a, h]) => `${a}:${h.slice(0, 16)}…`).join(", ");
  fail(
    "SIG_E003",
    `the artifact (${shown}) is none of the attestation's subjects (${names.join(", ")})`,
    "check that the artifact is the one the attestation is about",
  );
}

function runVerifier(
  trust: TrustMaterial,
  entity: SignedEntity,
  identity: string | undefined,
): Signer {
  try {
    return withSigstoreDefaultDigest(() =>
      withNativeEcdsa(() =>
        withFastDer(() =>
          withTrustedCertMemo(() =>
            identity === undefined
              ? new Verifier(trust).verify(entity)
              : new Verifier(trust).verify(entity, {
                subjectAlternativeName: exactPattern(identity),
              })
          )
        )
      )
    );
  } catch (cause) {
    if (cause instanceof MochiError) throw cause;
    if (cause instanceof PolicyError) {
      const got = /, got (.*)$/s.exec(cause.message)?.[1];
      fail(
        "SIG_E005",
        `certificate identity ${got === undefined ? "(none)" : JSON.stringify(got)} is not ${
          JSON.stringify(identity)
        } (exact match)`,
        "the artifact was signed by someone else; check --certificate-identity",
        cause,
      );
    }
    if (cause instanceof VerificationError) {
      fail(
        "SIG_E004",
        `Sigstore verification failed: ${cause.code}: ${cause.message}`,
        "the bundle is not valid for this trusted root; do not use the artifact",
        cause,
      );
    }
    fail(
      "SIG_E004",
      `Sigstore verification failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      "the bundle is not valid for this trusted root; do not use the artifact",
      cause,
    );
  }
}

/**
 * Verify a Sigstore bundle offline, throwing on failure. See {@link verifySigstoreBundle}.
 *
 * @param o bundle, trusted root, exact identity policy and artifact
 * @returns the verified signer
 * @throws {MochiError} `SIG_E001` bad bundle, `SIG_E002` bad trusted root, `SIG_E003` artifact not
 *   covered by the bundle, `SIG_E004` signature/certificate/log/timestamp failure, `SIG_E005`
 *   identity mismatch, `SIG_E006` malformed digest, `SIG_E007` unsupported bundle feature
 */
export function verifySigstoreBundleSync(o: SigstoreVerifyOptions): SigstoreSigner {
  if (o.identity === "" || o.issuer === "") {
    fail("SIG_E005", "an expected certificate identity and OIDC issuer are both required");
  }
  const artifact: SigstoreArtifact = "digest" in o.artifact
    ? {
      digest: {
        algorithm: o.artifact.digest.algorithm,
        hex: checkDigestHex(o.artifact.digest.algorithm, o.artifact.digest.hex),
      },
    }
    : o.artifact;
  const trust = trustMaterialOf(o.trustedRootJson);
  const bundle = parseBundle(o.bundleJson);

  let entity: SignedEntity;
  let bundleType: SigstoreSigner["bundleType"];
  try {
    if (bundle.content.$case === "messageSignature") {
      bundleType = "messageSignature";
      entity = messageEntity(bundle, bundle.content.messageSignature, artifact);
    } else {
      bundleType = "dsse";
      entity = toSignedEntity(bundle);
    }
  } catch (cause) {
    if (cause instanceof MochiError) throw cause;
    fail("SIG_E001", `invalid Sigstore bundle: ${cause}`, undefined, cause);
  }

  const signer = runVerifier(trust, entity, o.identity);

  const san = signer.identity?.subjectAlternativeName;
  const issuer = signer.identity?.extensions?.issuer;
  if (san !== o.identity) {
    fail(
      "SIG_E005",
      `certificate identity ${JSON.stringify(san)} is not ${JSON.stringify(o.identity)}`,
      "the artifact was signed by someone else; check --certificate-identity",
    );
  }
  if (issuer !== o.issuer) {
    fail(
      "SIG_E005",
      `certificate OIDC issuer ${JSON.stringify(issuer)} is not ${JSON.stringify(o.issuer)}`,
      "check --certificate-oidc-issuer",
    );
  }
  if (bundle.content.$case === "dsseEnvelope") {
    checkInTotoSubject(bundle.content.dsseEnvelope, artifact);
  }
  return { subjectAlternativeName: san, issuer, bundleType, mediaType: bundle.mediaType };
}

/**
 * Verify a Sigstore bundle offline against a trusted root, an exact identity policy and the
 * artifact (bytes or digest).
 *
 * Checks, in order: digest syntax, trusted root (strict), bundle structure, the message digest
 * against the artifact (message signatures), then with sigstore-js the certificate chain and
 * validity at the log/TSA time, SCTs, tlog inclusion proof/promise and checkpoint, timestamps and
 * the signature; then the SAN and issuer exactly; then (DSSE) the in-toto subject digest.
 *
 * @param o bundle JSON, optional trusted root JSON (public-good production root when omitted),
 *   expected SAN and issuer, and the artifact
 * @returns `{ ok: true, signer }`, or `{ ok: false, code, reason, hint }` where `code` is a
 *   `SIG_E…` code (exit 4, or 1 for `SIG_E006`) and `reason` says what did not verify
 * @throws only on internal bugs (non-`MochiError` failures outside sigstore-js)
 */
export function verifySigstoreBundle(o: SigstoreVerifyOptions): Promise<SigstoreVerifyResult> {
  try {
    return Promise.resolve({ ok: true, signer: verifySigstoreBundleSync(o) });
  } catch (error) {
    if (error instanceof MochiError && error.code.startsWith("SIG_")) {
      return Promise.resolve({
        ok: false,
        code: error.code as SigstoreErrorCode,
        reason: error.message,
        ...(error.hint === undefined ? {} : { hint: error.hint }),
      });
    }
    return Promise.reject(error);
  }
}

/** Input of {@link verifySigstoreAttestation}. */
export interface AttestationVerifyOptions {
  /** Text of a DSSE `.sigstore` bundle whose payload is an in-toto statement. */
  bundleJson: string;
  /** Text of a `trusted_root.json`; {@link PRODUCTION_TRUSTED_ROOT} when omitted. */
  trustedRootJson?: string;
  /**
   * Digests one subject of the statement must carry, algorithm → lowercase hex, e.g.
   * `{ blake3, sha256 }`; every given algorithm must be present and equal in that one subject.
   */
  subjectDigests: Readonly<Record<string, string>>;
}

/** A verified in-toto attestation: who signed it and what it says. */
export interface VerifiedAttestation {
  /** The certificate's SAN and OIDC issuer (not yet compared with any policy). */
  signer: SigstoreSigner;
  /** The in-toto statement, parsed from the DSSE payload. */
  statement: InTotoStatement;
  /** The subject that matched {@link AttestationVerifyOptions.subjectDigests}. */
  subject: { name: string; digest: Record<string, string> };
}

/** The parts of an in-toto Statement v1 mochi reads. */
export interface InTotoStatement {
  /** `https://in-toto.io/Statement/v1`. */
  _type: string;
  /** What the statement is about: names and digests. */
  subject: { name: string; digest: Record<string, string> }[];
  /** e.g. `https://slsa.dev/provenance/v1`. */
  predicateType: string;
  /** The predicate body. */
  predicate?: unknown;
}

/**
 * Verify a DSSE attestation bundle offline with no identity policy, and check that one subject
 * of its in-toto statement carries exactly the given digests. The caller decides whether the
 * returned signer is acceptable (a publisher binding, or the signer recorded in a lockfile).
 *
 * Checks: trusted root (strict), bundle structure, certificate chain and validity at the log
 * time, SCTs, transparency-log inclusion (proof or promise) and the DSSE signature (sigstore-js,
 * under {@link withSigstoreDefaultDigest}); then the statement's subjects.
 *
 * @param o bundle, trusted root and the subject digests expected
 * @returns the signer, the statement and the matching subject
 * @throws {MochiError} `SIG_E001` bad bundle or statement, `SIG_E002` bad trusted root,
 *   `SIG_E003` no subject carries the digests, `SIG_E004` signature/chain/log failure,
 *   `SIG_E007` not a DSSE in-toto bundle
 */
export function verifySigstoreAttestation(o: AttestationVerifyOptions): VerifiedAttestation {
  const trust = trustMaterialOf(o.trustedRootJson);
  const bundle = parseBundle(o.bundleJson);
  if (bundle.content.$case !== "dsseEnvelope") {
    fail(
      "SIG_E007",
      "the bundle signs a message, not an in-toto attestation (DSSE)",
      "sign the package with mochi publish, which writes a DSSE in-toto bundle",
    );
  }
  const envelope = bundle.content.dsseEnvelope;
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    fail(
      "SIG_E007",
      `DSSE payload type ${JSON.stringify(envelope.payloadType)} is not ${IN_TOTO_PAYLOAD_TYPE}`,
    );
  }
  let entity: SignedEntity;
  try {
    entity = toSignedEntity(bundle);
  } catch (cause) {
    fail("SIG_E001", `invalid Sigstore bundle: ${cause}`, undefined, cause);
  }
  const signer = runVerifier(trust, entity, undefined);
  const san = signer.identity?.subjectAlternativeName;
  const issuer = signer.identity?.extensions?.issuer;
  if (!san || !issuer) {
    fail("SIG_E004", "the signing certificate has no subject alternative name or OIDC issuer");
  }
  let statement: InTotoStatement;
  try {
    statement = JSON.parse(envelope.payload.toString("utf8")) as InTotoStatement;
  } catch (cause) {
    fail("SIG_E001", "the DSSE payload is not a JSON in-toto statement", undefined, cause);
  }
  if (!Array.isArray(statement?.subject) || statement.subject.length === 0) {
    fail("SIG_E001", "the in-toto statement has no subject");
  }
  const wanted = Object.entries(o.subjectDigests);
  for (const subject of statement.subject) {
    const digest = subject?.digest;
    if (typeof digest !== "object" || digest === null) continue;
    if (wanted.every(([alg, hex]) => String(digest[alg] ?? "").toLowerCase() === hex)) {
      return {
        signer: {
          subjectAlternativeName: san,
          issuer,
          bundleType: "dsse",
          mediaType: bundle.mediaType,
        },
        statement,
        subject: { name: String(subject.name), digest: { ...digest } },
      };
    }
  }
  const shown = wanted.map(([a, h]) => `${a}:${h.slice(0, 16)}…`).join(", ");
  const names = statement.subject.map((x) => String(x?.name ?? "?")).join(", ");
  fail(
    "SIG_E003",
    `the artifact (${shown}) is none of the attestation's subjects (${names})`,
    "the bundle was made for other bytes; do not use the artifact",
  );
}
