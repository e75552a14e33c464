/**
 * Python packaging for the Python bridge: PEP 440 versions and specifiers exactly as
 * pypa/packaging's `packaging.version` and `packaging.specifiers`, and PEP 440 version sets for
 * the one PubGrub solver.
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
