/**
 * The Python bridge's pure core: PEP 440 versions and specifiers exactly as pypa/packaging's
 * `packaging.version` and `packaging.specifiers`, PEP 440 version sets for the one PubGrub solver,
 * PEP 503 names, PEP 508 requirements and markers, wheel tags, core metadata, PEP 691 index pages
 * and resolution. {@link pep440Scheme} runs the one solver over PEP 440 version sets
 * ({@link Pep440VersionSet}): pass it to `resolveWith` of `@mochi/pkg/solver`.
 *
 * @example
 * ```ts
 * import {
 *   comparePep440,
 *   normalizePep440,
 *   parseSpecifierSet,
 *   specifierSetContains,
 * } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 *
 * assert.equal(normalizePep440("1.0-RC.1"), "1.0rc1");
 * assert(comparePep440("1.0.post1", "1.0") > 0);
 * assert.equal(specifierSetContains(parseSpecifierSet("~=1.4.2"), "1.4.9"), true);
 * ```
 *
 * @module
 */
export {
  baseVersionPep440,
  comparePep440,
  comparePep440Versions,
  formatPep440,
  isPep440Prerelease,
  makePep440Version,
  MAX_PEP440_VERSION_LENGTH,
  normalizePep440,
  parsePep440Version,
  type Pep440Version,
  type PreReleaseLetter,
  publicPep440,
  tryParsePep440Version,
} from "./pep440.ts";
export {
  type ContainsOptions,
  MAX_SPECIFIER_SET_LENGTH,
  parseSpecifierSet,
  type PrereleaseOptions,
  Specifier,
  type SpecifierOperator,
  SpecifierSet,
  specifierSetContains,
  type VersionInput,
} from "./specifiers.ts";
export { isValidPythonName, MAX_PYTHON_NAME_LENGTH, normalizePythonName } from "./names.ts";
export {
  DEFAULT_MARKER_ENVIRONMENT,
  evaluateMarker,
  formatMarker,
  type Marker,
  type MarkerEnvironment,
  type MarkerOp,
  type MarkerValue,
  type MarkerVariable,
  MAX_REQUIREMENT_LENGTH,
  parseMarker,
  parsePythonRequirement,
  type PythonRequirement,
} from "./pep508.ts";
export {
  type CoreMetadata,
  MAX_METADATA_BYTES,
  MAX_METADATA_FIELDS,
  MAX_REQUIRES_DIST,
  parseCoreMetadata,
} from "./metadata.ts";
export {
  macosPlatforms,
  manylinuxPlatforms,
  parseWheelFilename,
  supportedTags,
  type TagTarget,
  type WheelFilename,
  wheelRank,
} from "./tags.ts";
export {
  MAX_PAGE_FILES,
  parseProjectPage,
  PEP691_JSON,
  type PythonFile,
  type PythonProjectPage,
} from "./index_page.ts";
export {
  DEFAULT_PYTHON_ENVIRONMENT,
  PYTHON_PLATFORMS,
  type PythonEnvironment,
  pythonEnvironment,
  type PythonPackageSource,
  type PythonPlatform,
  type PythonResolution,
  type PythonResolvedFile,
  type ResolvedPythonPackage,
  resolvePython,
  type ResolvePythonOptions,
} from "./resolve.ts";
export { pep440Scheme, Pep440VersionSet } from "./version_set.ts";
export {
  type DeclaredPythonDependency,
  MAX_PYTHON_REQUIREMENT_LENGTH,
  mergePythonRequirements,
  parsePythonImportSpec,
  pep440SpecifierProblem,
  pythonAliasOf,
  type PythonImport,
  pythonImportOfLine,
  type PythonImportRequirement,
  type PythonImportSource,
  type PythonImportSpec,
  scanPythonImports,
} from "./imports.ts";
