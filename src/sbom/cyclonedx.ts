/**
 * CycloneDX 1.6 JSON (cyclonedx.org/docs/1.6/json) from an {@link SbomModel}: byte-reproducible
 * (no timestamp; the serial number is a version-5 UUID of the lock's SHA-256), keys in a fixed
 * order, components sorted by purl.
 *
 * @module
 */
import { type SbomComponent, type SbomModel, UUID_NAMESPACE_URL, uuidV5 } from "./model.ts";

/** What wrote the SBOM, for `metadata.tools`. */
export interface SbomTool {
  /** The tool's name (`mochi pkg`). */
  name: string;
  /** Its version. */
  version: string;
}

function group(c: SbomComponent): { group?: string; name: string } {
  if (c.ecosystem === "mochi" && c.name.startsWith("@") && c.name.includes("/")) {
    const at = c.name.indexOf("/");
    return { group: c.name.slice(0, at), name: c.name.slice(at + 1) };
  }
  return { name: c.name };
}

function component(c: SbomComponent, type: "library" | "application"): Record<string, unknown> {
  const out: Record<string, unknown> = { type, "bom-ref": c.purl, ...group(c) };
  out.version = c.version;
  if (c.signer !== undefined) out.publisher = c.signer;
  if (c.hashes.length > 0) out.hashes = c.hashes.map((h) => ({ alg: h.alg, content: h.hex }));
  if (c.license !== undefined) out.licenses = [{ expression: c.license }];
  out.purl = c.purl;
  const props = [
    ...c.capabilities.map((cap) => ({ name: "mochi:capability", value: cap })),
    ...c.properties.map(([name, value]) => ({ name, value })),
  ];
  if (c.signerIssuer !== undefined) {
    props.push({ name: "mochi:signer-issuer", value: c.signerIssuer });
  }
  if (props.length > 0) out.properties = props;
  return out;
}

/**
 * Writes the model as a CycloneDX 1.6 JSON document.
 *
 * Each component has `bom-ref` = purl, `group` (a Mochi scope), `name`, `version`, `publisher`
 * (the Sigstore identity that signed it), `hashes` (SHA-256 and BLAKE3), `licenses`
 * (an SPDX expression), `purl` and `properties` (`mochi:capability` once per capability,
 * `mochi:source`, `mochi:signer-issuer`, `cargo:feature`, …); `dependencies` lists every
 * component's edges, the project's first.
 *
 * @param model the SBOM model
 * @param tool what wrote it (`metadata.tools.components`)
 * @returns the JSON text, two-space indented, with a final newline
 *
 * @example
 * ```ts
 * import { sbomModel, toCycloneDx } from "@mochi/pkg/sbom";
 * import assert from "node:assert/strict";
 * import { parseLockfile } from "@mochi/pkg/lockfile";
 * import { parseManifest } from "@mochi/pkg/manifest";
 * const manifest = parseManifest(
 *   '[package]\nname = "app"\nversion = "1.0.0"\nedition = "2026"\nmochi = "*"\n',
 * ).manifest;
 * const lockText = 'version = 1\nmanifest_hash = "blake3-256:' + "0".repeat(64) + '"\n';
 * const model = sbomModel(manifest, parseLockfile(lockText), lockText);
 * const text = toCycloneDx(model, { name: "mochi pkg", version: "0.1.0" });
 * assert.equal(text, toCycloneDx(model, { name: "mochi pkg", version: "0.1.0" })); // reproducible
 * const bom = JSON.parse(text);
 * assert.equal(bom.bomFormat, "CycloneDX");
 * assert.equal(bom.specVersion, "1.6");
 * assert.equal(bom.metadata.component.purl, "pkg:mochi/app@1.0.0");
 * ```
 */
export function toCycloneDx(model: SbomModel, tool: SbomTool): string {
  const serial = uuidV5(UUID_NAMESPACE_URL, `mochi-sbom:${model.contentSha256}`);
  const doc = {
    $schema: "http://cyclonedx.org/schema/bom-1.6.schema.json",
    bomFormat: "CycloneDX",
    specVersion: "1.6",
    serialNumber: `urn:uuid:${serial}`,
    version: 1,
    metadata: {
      tools: {
        components: [{ type: "application", name: tool.name, version: tool.version }],
      },
      component: component(model.root, "application"),
      properties: [{ name: "mochi:lock-sha256", value: model.lockSha256 }],
    },
    components: model.components.map((c) => component(c, "library")),
    dependencies: [model.root, ...model.components].map((c) => ({
      ref: c.purl,
      dependsOn: c.dependsOn,
    })),
  };
  return JSON.stringify(doc, null, 2) + "\n";
}
