/**
 * The in-toto Statement v1 a publish signs: the package archive as the subject, with BLAKE3 and
 * SHA-256 digests, and a SLSA provenance v1 predicate (slsa.dev/spec/v1.0/provenance; in-toto
 * Statement v1). Yank and unyank requests are signed statements too, about the same subject.
 *
 * @module
 */

/** `_type` of every statement (in-toto Statement v1). */
export const IN_TOTO_STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
/** DSSE payload type of an in-toto statement. */
export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";
/** Predicate type of a publish: SLSA provenance v1. */
export const SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1";
/** SLSA `buildType` of a mochi pack (slsa.dev/spec/v1.0/provenance `buildDefinition.buildType`). */
export const MOCHI_BUILD_TYPE = "https://mochi-lang.org/buildtype/v1";
/** Predicate type of a yank or unyank request. */
export const MOCHI_YANK_PREDICATE = "https://mochi-lang.org/yank/v1";

/** BLAKE3 and SHA-256 of a blob, lowercase hex. */
export interface SubjectDigest {
  /** BLAKE3-256, 64 lowercase hex. */
  blake3: string;
  /** SHA-256, 64 lowercase hex. */
  sha256: string;
}

/** One package the published version was built against (from `mochi.lock`). */
export interface ResolvedDependency {
  /** Package name. */
  name: string;
  /** Exact version. */
  version: string;
  /** Digests of its archive, when the lock has them. */
  digest?: Partial<SubjectDigest>;
}

/** Inputs of {@link provenanceStatement}. */
export interface ProvenanceInput {
  /** Package name. */
  name: string;
  /** Version text. */
  version: string;
  /** Digests of the archive. */
  digest: SubjectDigest;
  /** Builder id, e.g. `https://github.com/actions/runner/github-hosted`. */
  builderId: string;
  /** Source repository URL (`[package] repository` or the CI's). */
  repository?: string;
  /** Source commit (git SHA-1/SHA-256 hex), when known. */
  commit?: string;
  /** Source ref, e.g. `refs/tags/v1.2.0`, when known. */
  ref?: string;
  /** CI run URL or id, when known. */
  invocationId?: string;
  /** The lock's resolved dependencies. */
  dependencies?: readonly ResolvedDependency[];
}

/** An in-toto Statement v1. */
export interface Statement {
  /** {@link IN_TOTO_STATEMENT_TYPE}. */
  _type: string;
  /** What the statement is about. */
  subject: { name: string; digest: Record<string, string> }[];
  /** What kind of claim {@link Statement.predicate} is. */
  predicateType: string;
  /** The claim. */
  predicate: Record<string, unknown>;
}

/**
 * The subject name of a package version: `<name>@<version>` (the in-toto
 * `ResourceDescriptor.name`).
 *
 * @param name package name
 * @param version version text
 * @returns e.g. `@acme/strings@1.2.0`
 */
export function subjectName(name: string, version: string): string {
  return `${name}@${version}`;
}

/**
 * A package URL for a mochi package (purl spec: the `@` of a scope is percent-encoded).
 *
 * @param name package name
 * @param version exact version
 * @returns e.g. `pkg:mochi/%40acme/strings@1.2.0`
 */
export function mochiPurl(name: string, version: string): string {
  return `pkg:mochi/${name.replace(/^@/, "%40")}@${encodeURIComponent(version)}`;
}

/**
 * The publish statement: subject `<name>@<version>` with `{blake3, sha256}`, predicate SLSA
 * provenance v1 (`buildDefinition` with {@link MOCHI_BUILD_TYPE}, the package, version and
 * source as external parameters, the source commit and the lock's packages as resolved
 * dependencies; `runDetails.builder.id`).
 *
 * @param input package, digests, builder and source
 * @returns the statement, ready to serialise
 */
export function provenanceStatement(input: ProvenanceInput): Statement {
  const resolved: Record<string, unknown>[] = [];
  if (input.repository !== undefined) {
    const uri = `git+${input.repository.replace(/^git\+/, "")}${
      input.ref === undefined ? "" : `@${input.ref}`
    }`;
    resolved.push(
      input.commit === undefined ? { uri } : { uri, digest: { gitCommit: input.commit } },
    );
  }
  for (const d of input.dependencies ?? []) {
    const digest: Record<string, string> = {};
    if (d.digest?.blake3) digest.blake3 = d.digest.blake3;
    if (d.digest?.sha256) digest.sha256 = d.digest.sha256;
    resolved.push({ uri: mochiPurl(d.name, d.version), digest });
  }
  const source: Record<string, string> = {};
  if (input.repository !== undefined) source.repository = input.repository;
  if (input.ref !== undefined) source.ref = input.ref;
  if (input.commit !== undefined) source.commit = input.commit;
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{
      name: subjectName(input.name, input.version),
      digest: { blake3: input.digest.blake3, sha256: input.digest.sha256 },
    }],
    predicateType: SLSA_PROVENANCE_V1,
    predicate: {
      buildDefinition: {
        buildType: MOCHI_BUILD_TYPE,
        externalParameters: { package: input.name, version: input.version, source },
        internalParameters: {},
        resolvedDependencies: resolved,
      },
      runDetails: {
        builder: { id: input.builderId },
        metadata: input.invocationId === undefined ? {} : { invocationId: input.invocationId },
      },
    },
  };
}

/** What a yank statement asks for. */
export type YankAction = "yank" | "unyank";

/**
 * The statement that authorises a yank or unyank: the version's subject and digests, predicate
 * {@link MOCHI_YANK_PREDICATE} `{action, reason, timestamp}`. The registry refuses a statement
 * whose timestamp is more than 10 minutes from its clock (no replays of old requests).
 *
 * @param name package name
 * @param version version text
 * @param digest the published archive's digests
 * @param action yank or unyank
 * @param reason why (yank only; may be empty)
 * @param now the signing time
 * @returns the statement
 */
export function yankStatement(
  name: string,
  version: string,
  digest: SubjectDigest,
  action: YankAction,
  reason: string,
  now: Date,
): Statement {
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{ name: subjectName(name, version), digest: { ...digest } }],
    predicateType: MOCHI_YANK_PREDICATE,
    predicate: { action, reason, timestamp: now.toISOString() },
  };
}
