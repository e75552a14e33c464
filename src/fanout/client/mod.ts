/**
 * The author's side of fan-out publishing: the uploaders of each target registry's own protocol,
 * keyed by ecosystem.
 *
 * @module
 */

export type {
  Artifact,
  Ecosystem,
  FanoutDependency,
  FanoutFile,
  FanoutPackage,
  Packer,
  Uploader,
  UploadReceipt,
  UploadTarget,
} from "../types.ts";
export type { FanoutBuild } from "../provenance.ts";
export { UPLOADERS } from "./uploaders.ts";
export { npmEscapedName, npmPublishDocument, uploadNpm } from "./npm.ts";
export { JSR_PROCESSING_LIMIT_MS, uploadJsr } from "./jsr.ts";
export { signArtifacts, type SignArtifactsOptions } from "./sign.ts";
export {
  type FanoutPublishOptions,
  type FanoutPublishReport,
  type FanoutTargetReport,
  publishFanout,
} from "./publish.ts";
export { pep740Attestation, pypiUploadFields, uploadPypi } from "./pypi.ts";
export { mergeMavenMetadata, uploadMaven } from "./maven.ts";
export { newCrateMetadata, uploadCrates } from "./crates.ts";
export { uploadHex } from "./hex.ts";
export { uploadNuget } from "./nuget.ts";
export { uploadSwiftpm } from "./swiftpm.ts";
