/**
 * The index record a publish writes, built from the uploaded manifest, the archive's digests and
 * the verified signer (README.md §Trusted publishing; `pr` carries the bundle path, SAN and
 * issuer so installs can verify the signer).
 *
 * @module
 */
import type { IndexRecord } from "../index/mod.ts";
import type { Manifest } from "../manifest/mod.ts";
import type { SignerIdentity } from "./binding.ts";
import type { SubjectDigest } from "./statement.ts";

/**
 * The index record of a newly published version.
 *
 * @param manifest the manifest read from the uploaded archive
 * @param digest the archive's BLAKE3 and SHA-256
 * @param signer the verified signer
 * @param bundlePath the bundle's path relative to the index root (`<dl><blake3>.sigstore`)
 * @param releasedAt the publish time
 * @returns the record, not yanked, capabilities sorted, `releasedAt` to the second (UTC)
 */
export function publishedRecord(
  manifest: Manifest,
  digest: SubjectDigest,
  signer: SignerIdentity,
  bundlePath: string,
  releasedAt: Date,
): IndexRecord {
  return {
    version: manifest.package.version,
    blake3: digest.blake3,
    sha256: digest.sha256,
    dependencies: Object.fromEntries(
      [...manifest.dependencies].map(([n, d]) => [n, d.requirement]),
    ),
    yanked: false,
    capabilities: [...manifest.capabilities.required].sort(),
    mochi: manifest.package.mochi,
    edition: manifest.package.edition,
    ...(manifest.package.license ? { license: manifest.package.license } : {}),
    releasedAt: releasedAt.toISOString().replace(/\.\d{3}Z$/, "Z"),
    provenance: { sig: bundlePath, san: signer.subjectAlternativeName, iss: signer.issuer },
    extra: {},
  };
}
