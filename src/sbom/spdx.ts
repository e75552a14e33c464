/**
 * SPDX 3.0.1 JSON-LD (spdx.github.io/spdx-spec/v3.0.1/serializations) from an
 * {@link SbomModel}: one `@graph` with the creation info, the agents (mochi pkg and each
 * publisher identity), an `SpdxDocument` holding a `software_Sbom`, a `software_Package` per
 * component, licence expressions with `hasDeclaredLicense` relationships and `dependsOn`
 * relationships. Byte-reproducible: every `spdxId` is `urn:mochi-sbom:<lock SHA-256>:…`, and
 * `created` (which SPDX requires) is given by the caller (`SOURCE_DATE_EPOCH`, or the Unix epoch).
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { SbomComponent, SbomModel } from "./model.ts";
import type { SbomTool } from "./cyclonedx.ts";

/** The JSON-LD context of SPDX 3.0.1. */
export const SPDX_CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld";

const CREATION = "_:creationinfo";

function short(s: string): string {
  return createHash("sha256").update(s).digest("hex").slice(0, 16);
}

/**
 * Writes the model as an SPDX 3.0.1 JSON-LD document.
 *
 * @param model the SBOM model
 * @param tool what wrote it (the creating `SoftwareAgent`)
 * @param created the creation time, `YYYY-MM-DDTHH:MM:SSZ` (SPDX requires one; pass a time
 *   derived from `SOURCE_DATE_EPOCH` or `1970-01-01T00:00:00Z` for byte-reproducible output)
 * @returns the JSON text, two-space indented, with a final newline
 *
 * @example
 * ```ts
 * import { sbomModel, SPDX_CONTEXT, toSpdx } from "@mochi/pkg/sbom";
 * import assert from "node:assert/strict";
 * import { parseLockfile } from "@mochi/pkg/lockfile";
 * import { parseManifest } from "@mochi/pkg/manifest";
 * const manifest = parseManifest(
 *   '[package]\nname = "app"\nversion = "1.0.0"\nedition = "2026"\nmochi = "*"\n',
 * ).manifest;
 * const lockText = 'version = 1\nmanifest_hash = "blake3-256:' + "0".repeat(64) + '"\n';
 * const model = sbomModel(manifest, parseLockfile(lockText), lockText);
 * const text = toSpdx(model, { name: "mochi pkg", version: "0.1.0" }, "1970-01-01T00:00:00Z");
 * assert.equal(text, toSpdx(model, { name: "mochi pkg", version: "0.1.0" }, "1970-01-01T00:00:00Z"));
 * assert.equal(JSON.parse(text)["@context"], SPDX_CONTEXT);
 * assert(text.includes("pkg:mochi/app@1.0.0"));
 * ```
 */
export function toSpdx(model: SbomModel, tool: SbomTool, created: string): string {
  const base = `urn:mochi-sbom:${model.contentSha256}:`;
  const pkgId = (c: SbomComponent) => `${base}package:${encodeURIComponent(c.purl)}`;
  const toolId = `${base}agent:mochi-pkg`;
  const all = [model.root, ...model.components];

  const agents = new Map<string, Record<string, unknown>>();
  for (const c of all) {
    if (c.signer === undefined || agents.has(c.signer)) continue;
    const agent: Record<string, unknown> = {
      type: "Agent",
      spdxId: `${base}agent:${short(c.signer)}`,
      creationInfo: CREATION,
      name: c.signer,
    };
    if (c.signerIssuer !== undefined) agent.comment = `OIDC issuer ${c.signerIssuer}`;
    agents.set(c.signer, agent);
  }
  const sortedAgents = [...agents.values()].sort((a, b) =>
    (a.spdxId as string) < (b.spdxId as string) ? -1 : 1
  );

  const packages = all.map((c, i) => {
    const p: Record<string, unknown> = {
      type: "software_Package",
      spdxId: pkgId(c),
      creationInfo: CREATION,
      name: c.name,
      software_packageVersion: c.version,
      software_packageUrl: c.purl,
      software_primaryPurpose: i === 0 ? "application" : "library",
    };
    if (c.hashes.length > 0) {
      p.verifiedUsing = c.hashes.map((h) => ({
        type: "Hash",
        algorithm: h.alg === "SHA-256" ? "sha256" : "blake3",
        hashValue: h.hex,
      }));
    }
    if (c.signer !== undefined) p.suppliedBy = agents.get(c.signer)!.spdxId;
    const props: [string, string][] = [
      ...c.capabilities.map((cap): [string, string] => ["mochi:capability", cap]),
      ...c.properties,
    ];
    if (props.length > 0) {
      p.extension = [{
        type: "extension_CdxPropertiesExtension",
        extension_cdxProperty: props.map(([name, value]) => ({
          type: "extension_CdxPropertyEntry",
          extension_cdxPropName: name,
          extension_cdxPropValue: value,
        })),
      }];
    }
    return p;
  });

  const licenses = new Map<string, Record<string, unknown>>();
  const relationships: Record<string, unknown>[] = [];
  for (const c of all) {
    if (c.license === undefined) continue;
    let lic = licenses.get(c.license);
    if (!lic) {
      lic = {
        type: "simplelicensing_LicenseExpression",
        spdxId: `${base}license:${short(c.license)}`,
        creationInfo: CREATION,
        simplelicensing_licenseExpression: c.license,
      };
      licenses.set(c.license, lic);
    }
    relationships.push({
      type: "Relationship",
      spdxId: `${base}relationship:hasDeclaredLicense:${encodeURIComponent(c.purl)}`,
      creationInfo: CREATION,
      from: pkgId(c),
      relationshipType: "hasDeclaredLicense",
      to: [lic.spdxId],
    });
  }
  const byPurl = new Map(all.map((c) => [c.purl, c]));
  for (const c of all) {
    if (c.dependsOn.length === 0) continue;
    relationships.push({
      type: "Relationship",
      spdxId: `${base}relationship:dependsOn:${encodeURIComponent(c.purl)}`,
      creationInfo: CREATION,
      from: pkgId(c),
      relationshipType: "dependsOn",
      to: c.dependsOn.flatMap((d) => {
        const target = byPurl.get(d);
        return target ? [pkgId(target)] : [];
      }),
    });
  }
  const sortedLicenses = [...licenses.values()].sort((a, b) =>
    (a.spdxId as string) < (b.spdxId as string) ? -1 : 1
  );

  const elementIds = [
    toolId,
    ...sortedAgents.map((a) => a.spdxId as string),
    ...packages.map((p) => p.spdxId as string),
    ...sortedLicenses.map((l) => l.spdxId as string),
    ...relationships.map((r) => r.spdxId as string),
  ];
  const sbomId = `${base}sbom`;
  const graph: Record<string, unknown>[] = [
    {
      type: "CreationInfo",
      "@id": CREATION,
      specVersion: "3.0.1",
      created,
      createdBy: [toolId],
    },
    {
      type: "SoftwareAgent",
      spdxId: toolId,
      creationInfo: CREATION,
      name: `${tool.name} ${tool.version}`,
    },
    ...sortedAgents,
    {
      type: "SpdxDocument",
      spdxId: `${base}document`,
      creationInfo: CREATION,
      name: `SBOM of ${model.root.name} ${model.root.version}`,
      profileConformance: ["core", "software", "simpleLicensing", "extension"],
      rootElement: [sbomId],
      element: [sbomId, ...elementIds],
    },
    {
      type: "software_Sbom",
      spdxId: sbomId,
      creationInfo: CREATION,
      software_sbomType: ["source"],
      rootElement: [pkgId(model.root)],
      element: elementIds,
    },
    ...packages,
    ...sortedLicenses,
    ...relationships,
  ];
  return JSON.stringify({ "@context": SPDX_CONTEXT, "@graph": graph }, null, 2) + "\n";
}

/**
 * The SPDX `created` value for a `SOURCE_DATE_EPOCH` (reproducible-builds.org: seconds since
 * the Unix epoch), or the epoch itself when none is set.
 *
 * @param sourceDateEpoch the variable's value, if any
 * @returns `YYYY-MM-DDTHH:MM:SSZ`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { spdxCreated } from "@mochi/pkg/sbom";
 * assert.equal(spdxCreated(undefined), "1970-01-01T00:00:00Z");
 * assert.equal(spdxCreated("1700000000"), "2023-11-14T22:13:20Z");
 * ```
 */
export function spdxCreated(sourceDateEpoch: string | undefined): string {
  const secs = sourceDateEpoch !== undefined && /^[0-9]{1,12}$/.test(sourceDateEpoch)
    ? Number(sourceDateEpoch)
    : 0;
  return new Date(secs * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}
