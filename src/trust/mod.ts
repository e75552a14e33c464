/**
 * `@mochi/pkg/trust`: what a client checks before it believes a registry. Sigstore bundles
 * verified offline against a trusted root (certificate chain, transparency-log inclusion, signed
 * timestamp, signer identity); in-toto attestations; the registry's signed `snapshot.json`
 * (rollback, freeze and mix-and-match checks, as TUF's snapshot and timestamp roles) and the
 * per-registry pinned key; and publisher bindings (which signer may publish a name, as PyPI's and
 * npm's trusted publishing bind a package to a CI workflow).
 *
 * Sigstore verification follows the Sigstore client specification (github.com/sigstore/
 * architecture-docs, "Sigstore Client Spec") through `@sigstore/verify`.
 *
 * @example
 * ```ts
 * import { parseArtifactDigest, publisherIdentity } from "@mochi/pkg/trust";
 * import assert from "node:assert/strict";
 *
 * const digest = parseArtifactDigest("sha256:" + "ab".repeat(32));
 * assert.equal(digest?.algorithm, "sha256");
 * assert.equal(
 *   publisherIdentity("https://github.com/acme/lib/.github/workflows/release.yml@refs/tags/v1"),
 *   "https://github.com/acme/lib/.github/workflows/release.yml",
 * );
 * ```
 *
 * @module
 */

export {
  type ArtifactDigestAlgorithm,
  type AttestationVerifyOptions,
  type InTotoStatement,
  parseArtifactDigest,
  PRODUCTION_TRUSTED_ROOT,
  type SigstoreArtifact,
  type SigstoreErrorCode,
  type SigstoreSigner,
  type SigstoreVerifyOptions,
  type SigstoreVerifyResult,
  type VerifiedAttestation,
  verifySigstoreAttestation,
  verifySigstoreBundle,
} from "./sigstore/verify.ts";
export {
  type CertificateAuthorityMessage,
  parseTrustedRoot,
  type TimeRangeMessage,
  type TransparencyLogMessage,
  TRUSTED_ROOT_MEDIA_TYPE_PREFIX,
  trustedRootFromObject,
  type TrustedRootMessage,
} from "./sigstore/trusted_root.ts";
export { signStatement, type SignStatementOptions } from "../publish/client/sign.ts";
export { TrustStore } from "./trust_state.ts";
export {
  advancedTrust,
  checkIndexFile,
  checkSnapshotFreshness,
  formatPublicKey,
  parsePublicKey,
  parseSnapshot,
  publicKeyId,
  type SignedSnapshot,
  signSnapshot,
  type Snapshot,
  SNAPSHOT_PATH,
  snapshotDigest,
  type SnapshotFile,
  type SnapshotKeyInput,
  snapshotKeyPolicy,
  type TrustedSnapshot,
  verifySnapshotSignature,
} from "../index/snapshot.ts";
export {
  bindingMismatch,
  defaultBinding,
  defaultScopeBinding,
  type PublisherBinding,
  publisherIdentity,
  type SignerIdentity,
} from "../publish/binding.ts";
export {
  type DeferredVerifiedRecords,
  deferVerifiedRecords,
  loadSignatureVerifier,
  publisherChanges,
  refusePublisherChanges,
  signerOfRecord,
  type VerifiedRecords,
  verifiedSignatureKey,
  verifyLockedPackage,
  verifyLockedPackageOnce,
} from "../install/signatures.ts";
