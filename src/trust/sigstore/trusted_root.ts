/**
 * Strict, offline parser for a Sigstore trusted root (`trusted_root.json`).
 *
 * Produces the object shape `@sigstore/verify`'s `toTrustMaterial` expects (the shape
 * `TrustedRoot.fromJSON` of `@sigstore/protobuf-specs` 0.5.2 returns: bytes as `Buffer`, times as
 * `Date`, enums as their protobuf numbers), but rejects what that lenient protobuf decoder accepts
 * silently: a missing or unparsable `validFor.start` (the sigstore-conformance case
 * `trust-root-tlog-missing-validity-start_fail`; `toTrustMaterial` would treat it as "valid since
 * 1970"), bad base64, an end before its start, an empty certificate chain and a wrong media type.
 *
 * We parse ourselves instead of importing `@sigstore/protobuf-specs` because that package is
 * only a transitive dependency (not in the import map); importing it would change `deno.lock`.
 *
 * Follows sigstore/protobuf-specs `sigstore_trustroot.proto` (TrustedRoot, TransparencyLogInstance,
 * CertificateAuthority) and `sigstore_common.proto` (TimeRange, PublicKey, LogId).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { toTrustMaterial } from "@sigstore/verify";
import { MochiError } from "../../errors.ts";

/** A validity period; `end` absent means open-ended. */
export interface TimeRangeMessage {
  /** First instant the key/authority is valid. */
  start: Date;
  /** Last instant, when bounded. */
  end?: Date;
}

/** A transparency (Rekor) or certificate-transparency log instance. */
export interface TransparencyLogMessage {
  /** Log base URL. */
  baseUrl: string;
  /** `HashAlgorithm` enum number. */
  hashAlgorithm: number;
  /** The log's public key, its encoding (`PublicKeyDetails` enum number) and validity. */
  publicKey: { rawBytes: Buffer; keyDetails: number; validFor: TimeRangeMessage };
  /** Log ID (SHA-256 of the key). */
  logId: { keyId: Buffer };
  /** Checkpoint key ID (Rekor v2), when present. */
  checkpointKeyId: { keyId: Buffer } | undefined;
  /** Operator name, or "". */
  operator: string;
}

/** A certificate authority (Fulcio) or timestamp authority. */
export interface CertificateAuthorityMessage {
  /** Not decoded (unused by verification). */
  subject: undefined;
  /** Authority URI. */
  uri: string;
  /** DER certificates, leaf-most first. */
  certChain: { certificates: { rawBytes: Buffer }[] };
  /** When the authority may be used. */
  validFor: TimeRangeMessage;
  /** Operator name, or "". */
  operator: string;
}

/**
 * The `TrustedRoot` message `toTrustMaterial` takes (protobuf-specs 0.5.2 shape: bytes as
 * `Buffer`, times as `Date`, enums as numbers).
 */
export interface TrustedRootMessage {
  /** `application/vnd.dev.sigstore.trustedroot+json;version=…`. */
  mediaType: string;
  /** Rekor logs. */
  tlogs: TransparencyLogMessage[];
  /** Certificate-transparency logs. */
  ctlogs: TransparencyLogMessage[];
  /** Fulcio CAs. */
  certificateAuthorities: CertificateAuthorityMessage[];
  /** RFC 3161 timestamp authorities. */
  timestampAuthorities: CertificateAuthorityMessage[];
}

// Compile-time proof that our message is what toTrustMaterial accepts.
const _assignable: (r: TrustedRootMessage) => Parameters<typeof toTrustMaterial>[0] = (r) => r;
void _assignable;

/** Media type prefix every trusted root carries (`…;version=0.1`, `…;version=0.2`). */
export const TRUSTED_ROOT_MEDIA_TYPE_PREFIX = "application/vnd.dev.sigstore.trustedroot";

/**
 * `PublicKeyDetails` enum of protobuf-specs 0.5.2 (`sigstore_common.proto`), name → number.
 * `toTrustMaterial` reads it only to decide between PKCS#1 and SPKI key encodings.
 */
const PUBLIC_KEY_DETAILS: Readonly<Record<string, number>> = {
  PUBLIC_KEY_DETAILS_UNSPECIFIED: 0,
  PKCS1_RSA_PKCS1V5: 1,
  PKCS1_RSA_PSS: 2,
  PKIX_RSA_PKCS1V5: 3,
  PKIX_RSA_PSS: 4,
  PKIX_ECDSA_P256_SHA_256: 5,
  PKIX_ECDSA_P256_HMAC_SHA_256: 6,
  PKIX_ED25519: 7,
  PKIX_ED25519_PH: 8,
  PKIX_RSA_PKCS1V15_2048_SHA256: 9,
  PKIX_RSA_PKCS1V15_3072_SHA256: 10,
  PKIX_RSA_PKCS1V15_4096_SHA256: 11,
  PKIX_ECDSA_P384_SHA_384: 12,
  PKIX_ECDSA_P521_SHA_512: 13,
  LMS_SHA256: 14,
  LMOTS_SHA256: 15,
  PKIX_RSA_PSS_2048_SHA256: 16,
  PKIX_RSA_PSS_3072_SHA256: 17,
  PKIX_RSA_PSS_4096_SHA256: 18,
  PKIX_ECDSA_P384_SHA_256: 19,
  PKIX_ECDSA_P521_SHA_256: 20,
  ML_DSA_65: 21,
  ML_DSA_87: 22,
  ML_DSA_44: 23,
};

/** `HashAlgorithm` enum of protobuf-specs 0.5.2, name → number. */
const HASH_ALGORITHMS: Readonly<Record<string, number>> = {
  HASH_ALGORITHM_UNSPECIFIED: 0,
  SHA2_256: 1,
  SHA2_384: 2,
  SHA2_512: 3,
  SHA3_256: 4,
  SHA3_384: 5,
};

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

type Json = Record<string, unknown>;

function fail(path: string, what: string): never {
  throw new MochiError("SIG_E002", `invalid Sigstore trusted root: ${path} ${what}`, {
    hint: "use the trusted_root.json published by the Sigstore instance (TUF target), unmodified",
  });
}

function obj(value: unknown, path: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail(path, "is not an object");
  }
  return value as Json;
}

function arr(value: unknown, path: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(path, "is not an array");
  return value;
}

function str(value: unknown, path: string): string {
  if (typeof value !== "string") fail(path, "is missing or not a string");
  return value;
}

function bytes(value: unknown, path: string): Buffer {
  const text = str(value, path);
  if (text.length === 0) fail(path, "is empty");
  if (BASE64.test(text)) return Buffer.from(text, "base64");
  if (BASE64URL.test(text)) return Buffer.from(text, "base64url");
  fail(path, `is not base64 (${JSON.stringify(text.slice(0, 16))}…)`);
}

function time(value: unknown, path: string): Date {
  const text = str(value, path);
  const date = new Date(text);
  if (!RFC3339.test(text) || Number.isNaN(date.getTime())) {
    fail(path, `is not an RFC 3339 timestamp: ${JSON.stringify(text)}`);
  }
  return date;
}

/** TimeRange with a REQUIRED start (sigstore_common.proto) and an optional end ≥ start. */
function timeRange(value: unknown, path: string): TimeRangeMessage {
  if (value === undefined) fail(path, "is missing (a validity period with a start is required)");
  const range = obj(value, path);
  if (range.start === undefined) fail(`${path}.start`, "is missing (must not be unbounded)");
  const start = time(range.start, `${path}.start`);
  if (range.end === undefined) return { start };
  const end = time(range.end, `${path}.end`);
  if (end.getTime() < start.getTime()) fail(`${path}.end`, "is before its start");
  return { start, end };
}

function transparencyLog(value: unknown, path: string): TransparencyLogMessage {
  const log = obj(value, path);
  const key = obj(log.publicKey, `${path}.publicKey`);
  const detailsName = key.keyDetails === undefined ? "PUBLIC_KEY_DETAILS_UNSPECIFIED" : str(
    key.keyDetails,
    `${path}.publicKey.keyDetails`,
  );
  const keyDetails = PUBLIC_KEY_DETAILS[detailsName];
  if (keyDetails === undefined) fail(`${path}.publicKey.keyDetails`, `is unknown: ${detailsName}`);
  const hashName = log.hashAlgorithm === undefined
    ? "HASH_ALGORITHM_UNSPECIFIED"
    : str(log.hashAlgorithm, `${path}.hashAlgorithm`);
  const hashAlgorithm = HASH_ALGORITHMS[hashName];
  if (hashAlgorithm === undefined) fail(`${path}.hashAlgorithm`, `is unknown: ${hashName}`);
  const logId = obj(log.logId, `${path}.logId`);
  return {
    baseUrl: log.baseUrl === undefined ? "" : str(log.baseUrl, `${path}.baseUrl`),
    hashAlgorithm,
    publicKey: {
      rawBytes: bytes(key.rawBytes, `${path}.publicKey.rawBytes`),
      keyDetails,
      validFor: timeRange(key.validFor, `${path}.publicKey.validFor`),
    },
    logId: { keyId: bytes(logId.keyId, `${path}.logId.keyId`) },
    checkpointKeyId: log.checkpointKeyId === undefined ? undefined : {
      keyId: bytes(
        obj(log.checkpointKeyId, `${path}.checkpointKeyId`).keyId,
        `${path}.checkpointKeyId.keyId`,
      ),
    },
    operator: typeof log.operator === "string" ? log.operator : "",
  };
}

function certificateAuthority(value: unknown, path: string): CertificateAuthorityMessage {
  const ca = obj(value, path);
  const chain = obj(ca.certChain, `${path}.certChain`);
  const certificates = arr(chain.certificates, `${path}.certChain.certificates`).map((c, i) => ({
    rawBytes: bytes(
      obj(c, `${path}.certChain.certificates[${i}]`).rawBytes,
      `${path}.certChain.certificates[${i}].rawBytes`,
    ),
  }));
  if (certificates.length === 0) fail(`${path}.certChain.certificates`, "is empty");
  return {
    subject: undefined,
    uri: typeof ca.uri === "string" ? ca.uri : "",
    certChain: { certificates },
    validFor: timeRange(ca.validFor, `${path}.validFor`),
    operator: typeof ca.operator === "string" ? ca.operator : "",
  };
}

/**
 * Parse and strictly validate a trusted root document.
 *
 * @param json the text of a `trusted_root.json` (protobuf JSON of `dev.sigstore.trustroot.v1.TrustedRoot`)
 * @returns the `TrustedRoot` message for `toTrustMaterial` (bytes as `Buffer`, times as `Date`)
 * @throws {MochiError} `SIG_E002` when the text is not JSON, the media type is not a trusted root,
 *   it has no transparency log or certificate authority, or any key/authority lacks a validity
 *   start, has bad base64, an unknown key type or an end before its start
 */
export function parseTrustedRoot(json: string): TrustedRootMessage {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (cause) {
    throw new MochiError("SIG_E002", `invalid Sigstore trusted root: not JSON (${cause})`, {
      hint: "pass the trusted_root.json file of the Sigstore instance",
      cause,
    });
  }
  return trustedRootFromObject(doc);
}

/**
 * Validate an already-decoded trusted root document (see {@link parseTrustedRoot}).
 *
 * @param doc the decoded JSON value
 * @returns the `TrustedRoot` message for `toTrustMaterial`
 * @throws {MochiError} `SIG_E002` on the same conditions as {@link parseTrustedRoot}
 */
export function trustedRootFromObject(doc: unknown): TrustedRootMessage {
  const root = obj(doc, "document");
  const mediaType = str(root.mediaType, "mediaType");
  if (!mediaType.startsWith(TRUSTED_ROOT_MEDIA_TYPE_PREFIX)) {
    fail("mediaType", `is not a trusted root media type: ${JSON.stringify(mediaType)}`);
  }
  const tlogs = arr(root.tlogs, "tlogs").map((t, i) => transparencyLog(t, `tlogs[${i}]`));
  const ctlogs = arr(root.ctlogs, "ctlogs").map((t, i) => transparencyLog(t, `ctlogs[${i}]`));
  const certificateAuthorities = arr(root.certificateAuthorities, "certificateAuthorities").map(
    (c, i) => certificateAuthority(c, `certificateAuthorities[${i}]`),
  );
  const timestampAuthorities = arr(root.timestampAuthorities, "timestampAuthorities").map(
    (c, i) => certificateAuthority(c, `timestampAuthorities[${i}]`),
  );
  if (tlogs.length === 0) fail("tlogs", "is empty (no transparency log to trust)");
  if (certificateAuthorities.length === 0) fail("certificateAuthorities", "is empty");
  return {
    mediaType,
    tlogs,
    ctlogs,
    certificateAuthorities,
    timestampAuthorities,
  };
}
