/**
 * `@mochi/pkg/publish`: trusted publishing, both halves. The pure part: the in-toto statements a
 * publish or a yank signs (SLSA provenance v1, a yank predicate), publisher bindings, and the
 * registry's publish and yank rules as functions of the index state. The author's side: pack a
 * byte-reproducible archive, get an OIDC identity token from CI, sign keylessly with Sigstore and
 * upload (`mochi publish`, `mochi yank`).
 *
 * The model is PyPI's and npm's trusted publishing (a package bound to a CI workflow identity,
 * no long-lived token) with statements in the in-toto attestation format
 * (github.com/in-toto/attestation) and SLSA provenance v1 (slsa.dev/spec/v1.0/provenance).
 *
 * @example
 * ```ts
 * import { subjectName, yankStatement } from "@mochi/pkg/publish";
 * import assert from "node:assert/strict";
 *
 * const digest = { blake3: "a".repeat(64), sha256: "b".repeat(64) };
 * const s = yankStatement("@acme/strings", "1.2.0", digest, "yank", "broken build", new Date());
 * assert.equal(s.subject[0]?.name, subjectName("@acme/strings", "1.2.0"));
 * assert.equal(s.predicate.action, "yank");
 * ```
 *
 * @module
 */

export {
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_TYPE,
  MOCHI_BUILD_TYPE,
  MOCHI_YANK_PREDICATE,
  mochiPurl,
  type ProvenanceInput,
  provenanceStatement,
  type ResolvedDependency,
  SLSA_PROVENANCE_V1,
  type Statement,
  type SubjectDigest,
  subjectName,
  type YankAction,
  yankStatement,
} from "./statement.ts";
export {
  bindingMismatch,
  defaultBinding,
  defaultScopeBinding,
  type PublisherBinding,
  publisherIdentity,
  type SignerIdentity,
} from "./binding.ts";
export {
  PUBLISH_CHECKS,
  type PublishCheck,
  type PublishCheckContext,
  runPublishChecks,
} from "./checks.ts";
export {
  type NameOwnership,
  parseSubjectName,
  type PublishPermission,
  publishPermission,
  scopeOf,
  type YankPermission,
  yankPermission,
  type YankRequest,
} from "./rules.ts";
export { publishedRecord } from "./record.ts";
export {
  DEFAULT_EXCLUDES,
  DEFAULT_INCLUDES,
  type FileRules,
  type FileSelector,
  fileSelector,
  publishProblems,
} from "../pack/mod.ts";
export {
  archiveFileName,
  MAX_PACKAGE_BYTES,
  MAX_PACKAGE_UNPACKED_BYTES,
  type PackedPackage,
  type PackOptions,
  packPackage,
  type PackResult,
  packToDir,
} from "./client/pack.ts";
export {
  type PublishOptions,
  publishPackage,
  type PublishReport,
  type YankOptions,
  yankPackage,
} from "./client/publish.ts";
export { type IdentityToken, identityToken, type IdentityTokenOptions } from "./client/oidc.ts";
export { signStatement, type SignStatementOptions } from "./client/sign.ts";
export {
  type ProvenanceFields,
  provenanceFields,
  type ProvenanceJson,
  type ProvenanceRefusal,
  provenanceRefusal,
  repositoryMatches,
  signerRepository,
} from "./provenance.ts";
export { archiveDifferences, parseFromSource, type RebuildDifference } from "./rebuild.ts";
export {
  NORMALIZED_MANIFEST_HEADER,
  type NormalizedManifest,
  normalizeMemberManifest,
} from "./normalize.ts";
