/**
 * Fetching and verifying the SLSA provenance `mochi publish` attaches to a package: the bundle is
 * read with a size cap, verified as install verifies it (certificate chain to the trusted root,
 * transparency log, DSSE signature, in-toto subject `<name>@<version>` with the locked BLAKE3 and
 * SHA-256, the signer the lock records), and its predicate read. `mochi provenance` shows it;
 * `install --require-provenance-from` decides on it before anything is fetched into the store.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { LIMITS } from "../limits.ts";
import type { LockedPackage } from "../lockfile/mod.ts";
import { publisherIdentity } from "../publish/binding.ts";
import {
  provenanceFields,
  type ProvenanceJson,
  type ProvenanceRefusal,
  provenanceRefusal,
} from "../publish/provenance.ts";
import { SLSA_PROVENANCE_V1, subjectName } from "../publish/statement.ts";
import { readAtMost } from "../registry/client/_bounded_read.ts";
import {
  type NetworkLimits,
  networkLimitsFromEnv,
  openRegistry,
} from "../registry/client/index_client.ts";
import { mochiHomeLayout } from "../store/fs/home.ts";

/** Where provenance comes from and what it is verified against. */
export interface ProvenanceOptions {
  /** `$MOCHI_HOME` (the index cache lives under it). */
  mochiHome: string;
  /** Environment for the network limits (`MOCHI_HTTP_TIMEOUT`, …) when `network` is absent. */
  env?: Record<string, string | undefined>;
  /** Network limits (deadlines, sizes); from `env` when absent. */
  network?: NetworkLimits;
  /** Trusted root text; the public-good root when absent. */
  trustedRootJson?: string;
  /** `fetch` to use (tests). */
  fetch?: typeof fetch;
}

/**
 * The one locked package a `<name>[@version]` operand names.
 *
 * @param packages the lock's packages
 * @param spec `name` or `name@version`
 * @returns the package
 * @throws {MochiError} `CLI_E001` when none or several match (naming the versions)
 */
export function pickLockedPackage(
  packages: readonly LockedPackage[],
  spec: string,
): LockedPackage {
  const at = spec.lastIndexOf("@");
  const [name, version] = at > 0 ? [spec.slice(0, at), spec.slice(at + 1)] : [spec, undefined];
  const matches = packages.filter((p) =>
    p.name === name && (version === undefined || p.version === version)
  );
  if (matches.length === 0) {
    throw new MochiError("CLI_E001", `${spec} is not in mochi.lock`, {
      hint: "mochi tree lists the locked packages",
    });
  }
  if (matches.length > 1) {
    throw new MochiError(
      "CLI_E001",
      `${name} is locked at ${matches.map((p) => p.version).join(", ")}`,
      { hint: `name one: ${name}@${matches[0]!.version}` },
    );
  }
  return matches[0]!;
}

/**
 * Fetches a locked package's Sigstore bundle from its registry, verifies it and returns its SLSA
 * provenance.
 *
 * @param p the locked package
 * @param options home, environment, trusted root
 * @returns the verified provenance
 * @throws {MochiError} `SIG_E009` unsigned; `CLI_E001` not from a registry; `SIG_E001` bundle
 *   over {@link LIMITS}.bundleBytes; `SIG_E001`–`SIG_E004` it does not verify; `SIG_E003`
 *   another package's subject; `SIG_E005` another signer than the lock's; `SIG_E007` not SLSA
 *   provenance v1; `BLOB_E002` the registry has no bundle
 */
export async function verifiedProvenance(
  p: LockedPackage,
  options: ProvenanceOptions,
): Promise<ProvenanceJson> {
  const id = `${p.name} ${p.version}`;
  if (p.signer === undefined || p.blake3 === undefined || p.sha256 === undefined) {
    throw new MochiError("SIG_E009", `${id} is not signed: it has no provenance`, {
      hint: "only packages published with mochi publish (signed) carry provenance",
    });
  }
  if (!p.source.startsWith("registry+")) {
    throw new MochiError("CLI_E001", `${id} does not come from a registry (${p.source})`);
  }
  const client = openRegistry(p.source.slice("registry+".length), {
    cacheDir: mochiHomeLayout(options.mochiHome).index,
    ...(options.network ?? networkLimitsFromEnv(options.env ?? {})),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const bytes = await readAtMost(await client.fetchBundle(p.blake3), {
    bytes: LIMITS.bundleBytes,
    error: () =>
      new MochiError(
        "SIG_E001",
        `${id}: its Sigstore bundle is larger than ${LIMITS.bundleBytes} bytes`,
        { hint: "the registry serves something that is not a bundle" },
      ),
  });
  const { verifySigstoreAttestation } = await import("../trust/sigstore/verify.ts");
  const verified = verifySigstoreAttestation({
    bundleJson: new TextDecoder().decode(bytes),
    ...(options.trustedRootJson === undefined ? {} : { trustedRootJson: options.trustedRootJson }),
    subjectDigests: { blake3: p.blake3, sha256: p.sha256 },
  });
  if (verified.subject.name !== subjectName(p.name, p.version)) {
    throw new MochiError(
      "SIG_E003",
      `${id}: the signed subject is ${JSON.stringify(verified.subject.name)}`,
      { hint: "the registry serves another package's attestation" },
    );
  }
  const san = verified.signer.subjectAlternativeName;
  if (publisherIdentity(san) !== p.signer || verified.signer.issuer !== p.signerIssuer) {
    throw new MochiError(
      "SIG_E005",
      `${id}: signed by ${san} (issuer ${verified.signer.issuer}), not by ${p.signer}`,
      { hint: "someone other than the package's publisher signed it" },
    );
  }
  if (verified.statement.predicateType !== SLSA_PROVENANCE_V1) {
    throw new MochiError(
      "SIG_E007",
      `${id}: the attestation is ${
        JSON.stringify(verified.statement.predicateType)
      }, not SLSA provenance v1`,
    );
  }
  return {
    name: p.name,
    version: p.version,
    signer: san,
    issuer: verified.signer.issuer,
    predicateType: verified.statement.predicateType,
    ...provenanceFields(verified.statement.predicate),
  };
}

/**
 * Every locked registry package that fails `--require-provenance-from <pattern>`: unsigned,
 * signed by a workflow of another repository, or whose verified SLSA provenance records another
 * source repository (or none). The signer is checked from the lock first; only packages that
 * pass it have their bundle fetched and verified. Nothing is written.
 *
 * @param packages the planned lock's packages (path packages are skipped)
 * @param pattern the pattern (`*` one path segment, `**` any)
 * @param options home, environment, trusted root
 * @returns the refusals, in lock order (empty when every package passes)
 * @throws {MochiError} as {@link verifiedProvenance} when a bundle does not verify
 */
export async function provenanceRefusals(
  packages: readonly LockedPackage[],
  pattern: string,
  options: ProvenanceOptions,
): Promise<ProvenanceRefusal[]> {
  const out: ProvenanceRefusal[] = [];
  for (const p of packages) {
    if (!p.source.startsWith("registry+")) continue;
    const early = provenanceRefusal(p, pattern);
    if (early !== undefined) {
      out.push(early);
      continue;
    }
    const late = provenanceRefusal(p, pattern, await verifiedProvenance(p, options));
    if (late !== undefined) out.push(late);
  }
  return out;
}

/**
 * Refuses an install whose planned lock has a registry package failing
 * `--require-provenance-from <pattern>` ({@link provenanceRefusals}); called by `install` once
 * the lock is decided and before anything is fetched or written.
 *
 * @param packages the planned lock's packages
 * @param pattern the pattern
 * @param options home, environment, trusted root
 * @throws {MochiError} `SIG_E009` (exit 1) when a package is unsigned, else `SIG_E005` (exit 4),
 *   listing every refused package; what {@link verifiedProvenance} throws
 */
export async function refuseWithoutProvenance(
  packages: readonly LockedPackage[],
  pattern: string,
  options: ProvenanceOptions,
): Promise<void> {
  const refused = await provenanceRefusals(packages, pattern, options);
  if (refused.length === 0) return;
  throw new MochiError(
    refused.some((r) => r.unsigned) ? "SIG_E009" : "SIG_E005",
    `--require-provenance-from ${pattern}: ${refused.length} package(s) refused:\n${
      refused.map((r) => `  ${r.line}`).join("\n")
    }`,
    {
      hint:
        "nothing was fetched or written; check the packages' publishers (mochi provenance <pkg>)",
    },
  );
}
