/**
 * What a fan-out publish signs: one in-toto Statement v1 per artifact, with SLSA provenance v1
 * (slsa.dev/spec/v1.0/provenance) saying which Mochi package and version it was fanned out from,
 * for which ecosystem, from which source and by which builder. The subject is the artifact file
 * with its SHA-256 and SHA-512; for npm it is named by the package URL and carries the SHA-512
 * npm's registry checks (`pkg:npm/%40scope/name@version`, as `npm publish --provenance` signs).
 *
 * Which artifacts get a bundle: every primary artifact and every companion that is not itself a
 * checksum or signature (a Maven `.pom` and `-sources.jar` get one; `.sha1` and `.asc` do not),
 * as Maven Central asks for a `.sigstore.json` beside each file it signs.
 *
 * @module
 */
import { createHash } from "node:crypto";
import {
  IN_TOTO_STATEMENT_TYPE,
  SLSA_PROVENANCE_V1,
  type Statement,
} from "../publish/statement.ts";
import type { Artifact, FanoutPackage } from "./types.ts";

/** SLSA `buildType` of a fan-out artifact. */
export const MOCHI_FANOUT_BUILD_TYPE = "https://mochi-lang.org/buildtype/fanout/v1";

/** Media type of a Sigstore bundle v0.3 (JSON). */
export const SIGSTORE_BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";

/** Where and by what the artifacts were built (the CI context of the publish). */
export interface FanoutBuild {
  /** Builder id, e.g. `https://github.com/actions/runner/github-hosted`. */
  builderId: string;
  /** Source repository URL. */
  repository?: string;
  /** Source commit, when known. */
  commit?: string;
  /** Source ref (`refs/tags/v1.2.0`), when known. */
  ref?: string;
  /** CI run URL or id, when known. */
  invocationId?: string;
}

const SKIP = /\.(md5|sha1|sha256|sha512|asc|sigstore|sigstore\.json)$/;

/**
 * Whether an artifact gets its own Sigstore bundle (see the module doc).
 *
 * @example
 * ```ts
 * import { needsBundle } from "@mochi/pkg/fanout";
 * import assert from "node:assert/strict";
 * assert.equal(needsBundle({ fileName: "greet-1.0.0.pom", role: "companion" }), true);
 * assert.equal(needsBundle({ fileName: "greet-1.0.0.jar.sha1", role: "companion" }), false);
 * ```
 *
 * @param a the artifact's file name and role
 * @returns true for primaries and for companions that are not checksums or signatures
 */
export function needsBundle(a: Pick<Artifact, "fileName" | "role">): boolean {
  return a.role === "primary" || !SKIP.test(a.fileName);
}

/** The file name of an artifact's bundle: `<file>.sigstore.json`. */
export function bundleFileName(fileName: string): string {
  return `${fileName}.sigstore.json`;
}

/**
 * The in-toto subject name of an artifact: npm's package URL for the npm tarball, else the file
 * name.
 *
 * @param pkg the package
 * @param a the artifact
 * @returns e.g. `pkg:npm/%40acme/greet@1.2.0` or `acme_greet-1.2.0-py3-none-any.whl`
 */
export function artifactSubjectName(pkg: FanoutPackage, a: Artifact): string {
  if (pkg.ecosystem === "npm" && a.role === "primary") {
    return `pkg:npm/${pkg.name.replace(/^@/, "%40")}@${encodeURIComponent(pkg.version)}`;
  }
  return a.fileName;
}

/**
 * The statement signed for one artifact.
 *
 * @example
 * ```ts
 * import { fanoutStatement } from "@mochi/pkg/fanout";
 * import assert from "node:assert/strict";
 * const bytes = new TextEncoder().encode("x");
 * const s = fanoutStatement(
 *   { ecosystem: "jsr", name: "@acme/greet", version: "1.0.0",
 *     mochi: { name: "@acme/greet", version: "1.0.0" }, authors: [], keywords: [],
 *     dependencies: [], files: [], capabilities: [], extra: {} },
 *   { ecosystem: "jsr", fileName: "acme-greet-1.0.0.jsr.tgz", bytes, mediaType: "application/gzip",
 *     sha256: "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881",
 *     sizeBytes: 1, role: "primary" },
 *   { builderId: "https://example.test/builder" },
 * );
 * assert.equal(s.subject[0]!.digest.sha256, "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881");
 * assert.equal(s.predicateType, "https://slsa.dev/provenance/v1");
 * ```
 *
 * @param pkg the package the artifact was packed from
 * @param a the artifact
 * @param build the builder and source
 * @returns the in-toto Statement v1 with SLSA provenance v1
 */
export function fanoutStatement(pkg: FanoutPackage, a: Artifact, build: FanoutBuild): Statement {
  const resolved: Record<string, unknown>[] = [];
  if (build.repository !== undefined) {
    const uri = `git+${build.repository.replace(/^git\+/, "")}${
      build.ref === undefined ? "" : `@${build.ref}`
    }`;
    resolved.push(
      build.commit === undefined ? { uri } : { uri, digest: { gitCommit: build.commit } },
    );
  }
  const source: Record<string, string> = {};
  if (build.repository !== undefined) source.repository = build.repository;
  if (build.ref !== undefined) source.ref = build.ref;
  if (build.commit !== undefined) source.commit = build.commit;
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{
      name: artifactSubjectName(pkg, a),
      digest: {
        sha256: a.sha256,
        sha512: createHash("sha512").update(a.bytes).digest("hex"),
      },
    }],
    predicateType: SLSA_PROVENANCE_V1,
    predicate: {
      buildDefinition: {
        buildType: MOCHI_FANOUT_BUILD_TYPE,
        externalParameters: {
          package: pkg.mochi.name,
          version: pkg.mochi.version,
          ecosystem: pkg.ecosystem,
          name: pkg.name,
          ...(pkg.group === undefined ? {} : { group: pkg.group }),
          targetVersion: pkg.version,
          artifact: a.fileName,
          source,
        },
        internalParameters: {},
        resolvedDependencies: resolved,
      },
      runDetails: {
        builder: { id: build.builderId },
        metadata: build.invocationId === undefined ? {} : { invocationId: build.invocationId },
      },
    },
  };
}
