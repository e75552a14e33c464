/**
 * Polyglot fan-out: one Mochi package packed as each target ecosystem's native artifact. The
 * contract (`FanoutPackage`, `Artifact`, `Packer`, `Uploader`), the byte-reproducible archive
 * writers, and the packer table.
 *
 * @module
 */

export {
  type Artifact,
  type Ecosystem,
  ECOSYSTEMS,
  type FanoutDependency,
  type FanoutFile,
  type FanoutPackage,
  type Packer,
  type Uploader,
  type UploadReceipt,
  type UploadTarget,
} from "./types.ts";
export {
  type ArchiveFile,
  type ArchiveOptions,
  checkArchivePath,
  compareUtf8,
  gzip,
  type HashAlgorithm,
  hashHex,
  makeArtifact,
  sha256Hex,
  tar,
  tarGz,
  zip,
} from "./archive.ts";
export type { Version } from "../semver/mod.ts";
export { buildFanoutPackage, type FanoutProject, targetTableFor } from "./build.ts";
export { type CapabilityFile, lowerCapabilitiesFor, UNHONOURED } from "./capabilities.ts";
export {
  type EcosystemName,
  ecosystemName,
  ecosystemNameProblem,
  pep503,
  TARGET_ECOSYSTEMS,
  targetOf,
} from "./names.ts";
export { PACKERS } from "./packers.ts";
export {
  type Bound,
  mapRange,
  mapVersion,
  requirementInterval,
  type VersionInterval,
} from "./versions.ts";
export type { Statement } from "../publish/statement.ts";
export { NPM_TARBALL_MTIME_SECONDS, npmPackageJson, npmTarballName, packNpm } from "./npm.ts";
export { jsrArchiveName, jsrConfig, packJsr } from "./jsr.ts";
export {
  artifactSubjectName,
  bundleFileName,
  type FanoutBuild,
  fanoutStatement,
  MOCHI_FANOUT_BUILD_TYPE,
  needsBundle,
  SIGSTORE_BUNDLE_MEDIA_TYPE,
} from "./provenance.ts";
export {
  ecosystemVariable,
  type FanoutPublishInput,
  planFanoutPublish,
  type PlannedTarget,
} from "./publish_plan.ts";
export {
  packPypi,
  PYPI_EXTRA_KEYS,
  type PypiCoreMetadata,
  pypiCoreMetadata,
  pypiFileNamePart,
} from "./pypi.ts";
export {
  isJavaModuleName,
  MAVEN_CHECKSUMS,
  MAVEN_EXTRA_KEYS,
  mavenVersionDir,
  packMaven,
} from "./maven.ts";
export { packCrates, tomlString } from "./crates.ts";
export { erlangBinary, type ErlangTerm, formatErlangTerm, packHex } from "./hex.ts";
export { NUSPEC_NAMESPACE, packNuget, relationshipId } from "./nuget.ts";
export { packSwiftpm, splitSwiftIdentifier } from "./swiftpm.ts";
