/**
 * Signing fan-out artifacts through the existing keyless flow: for each artifact that gets a
 * bundle ({@link needsBundle}), its SLSA provenance statement ({@link fanoutStatement}) is signed
 * by `signStatement` (an ephemeral key, a Fulcio certificate for the OIDC identity, a Rekor
 * entry) and the bundle becomes a companion artifact `<file>.sigstore.json` beside it.
 *
 * @module
 */
import { signStatement } from "../../publish/client/sign.ts";
import { makeArtifact } from "../archive.ts";
import {
  bundleFileName,
  type FanoutBuild,
  fanoutStatement,
  needsBundle,
  SIGSTORE_BUNDLE_MEDIA_TYPE,
} from "../provenance.ts";
import type { Artifact, FanoutPackage } from "../types.ts";

/** Options of {@link signArtifacts}. */
export interface SignArtifactsOptions {
  /** OIDC identity token (audience `sigstore`); never logged or stored. */
  identityToken: string;
  /** The builder and source the statements name. */
  build: FanoutBuild;
  /** Fulcio base URL (`MOCHI_FULCIO_URL`); the public-good instance by default. */
  fulcioUrl?: string;
  /** Rekor base URL (`MOCHI_REKOR_URL`); the public-good instance by default. */
  rekorUrl?: string;
}

/**
 * Signs a package's artifacts and returns the bundles as companion artifacts (the input is not
 * changed). Artifacts are signed one after another, in order, so Rekor entries follow the
 * artifact list.
 *
 * @param pkg the package the artifacts were packed from
 * @param artifacts the packer's output
 * @param o identity token, builder, Fulcio and Rekor
 * @returns one `<file>.sigstore.json` companion per artifact that needs one, in order
 * @throws {MochiError} `PUB_E010` when Fulcio or Rekor fails or refuses
 */
export async function signArtifacts(
  pkg: FanoutPackage,
  artifacts: readonly Artifact[],
  o: SignArtifactsOptions,
): Promise<Artifact[]> {
  const out: Artifact[] = [];
  for (const a of artifacts) {
    if (!needsBundle(a)) continue;
    const bundle = await signStatement({
      statement: fanoutStatement(pkg, a, o.build),
      identityToken: o.identityToken,
      ...(o.fulcioUrl ? { fulcioUrl: o.fulcioUrl } : {}),
      ...(o.rekorUrl ? { rekorUrl: o.rekorUrl } : {}),
    });
    out.push(
      makeArtifact(
        a.ecosystem,
        bundleFileName(a.fileName),
        new TextEncoder().encode(bundle),
        SIGSTORE_BUNDLE_MEDIA_TYPE,
        "companion",
      ),
    );
  }
  return out;
}
