/**
 * Software bills of materials from `mochi.lock`: CycloneDX 1.6 JSON and SPDX 3.0.1 JSON-LD, with
 * package URLs for Mochi packages (`pkg:mochi/…`), crates, Go modules and Python distributions.
 * The same lock gives the same bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseLockfile } from "@mochi/pkg/lockfile";
 * import { parseManifest } from "@mochi/pkg/manifest";
 * import { sbomModel, toCycloneDx } from "@mochi/pkg/sbom";
 * const manifest = parseManifest(
 *   '[package]\nname = "app"\nversion = "1.0.0"\nedition = "2026"\nmochi = "*"\n',
 * ).manifest;
 * const lockText = 'version = 1\nmanifest_hash = "blake3-256:' + "0".repeat(64) + '"\n';
 * const bom = JSON.parse(toCycloneDx(sbomModel(manifest, parseLockfile(lockText), lockText), {
 *   name: "mochi pkg",
 *   version: "0.1.0",
 * }));
 * assert(bom.serialNumber.startsWith("urn:uuid:"));
 * ```
 *
 * @module
 */
export {
  packageUrl,
  type SbomComponent,
  type SbomEcosystem,
  type SbomHash,
  type SbomModel,
  sbomModel,
  UUID_NAMESPACE_URL,
  uuidV5,
} from "./model.ts";
export { type SbomTool, toCycloneDx } from "./cyclonedx.ts";
export { SPDX_CONTEXT, spdxCreated, toSpdx } from "./spdx.ts";
