/**
 * SLSA provenance as mochi pkg reads it back: the fields `mochi provenance` shows, the repository
 * a Sigstore signer identity names, and the `--require-provenance-from` pattern rule. Pure: the
 * fetching and verifying is `src/install/provenance.ts`.
 *
 * @module
 */

/** The provenance of one package, as `mochi provenance --json` prints it (docs/schemas/provenance.schema.json). */
export interface ProvenanceJson {
  /** Package name. */
  name: string;
  /** Locked version. */
  version: string;
  /** The Sigstore certificate's subject alternative name (the signing workflow). */
  signer: string;
  /** Its OIDC issuer. */
  issuer: string;
  /** The in-toto predicate type (`https://slsa.dev/provenance/v1`). */
  predicateType: string;
  /** `runDetails.builder.id`. */
  builder?: string;
  /** `buildDefinition.buildType`. */
  buildType?: string;
  /** Source repository (`externalParameters.source.repository`). */
  repository?: string;
  /** Source ref (`externalParameters.source.ref`). */
  ref?: string;
  /** Source commit (`externalParameters.source.commit`, or a resolved dependency's gitCommit). */
  commit?: string;
  /** `runDetails.metadata.invocationId`. */
  invocationId?: string;
}

/** The predicate fields of a {@link ProvenanceJson}. */
export type ProvenanceFields = Omit<
  ProvenanceJson,
  "name" | "version" | "signer" | "issuer" | "predicateType"
>;

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 && v.length <= 2048 ? v : undefined;
}

function obj(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v)
    ? v as Record<string, unknown>
    : {};
}

/**
 * The fields of a SLSA provenance v1 predicate (slsa.dev/spec/v1.0/provenance:
 * `buildDefinition.buildType`, `externalParameters.source`, `resolvedDependencies`,
 * `runDetails.builder.id`, `runDetails.metadata.invocationId`); every value hostile until
 * checked: only strings of 1–2048 characters are taken, anything else is absent.
 *
 * @param predicate the statement's predicate
 * @returns the fields found
 *
 * @example
 * ```ts
 * import { provenanceFields } from "@mochi/pkg/publish";
 * import assert from "node:assert/strict";
 * const f = provenanceFields({
 *   buildDefinition: { externalParameters: { source: { repository: "https://github.com/acme/core" } } },
 *   runDetails: { builder: { id: 42 } },
 * });
 * assert.deepEqual(f, { repository: "https://github.com/acme/core" });
 * ```
 */
export function provenanceFields(predicate: unknown): ProvenanceFields {
  const p = obj(predicate);
  const build = obj(p.buildDefinition);
  const ext = obj(build.externalParameters);
  const source = obj(ext.source);
  const run = obj(p.runDetails);
  const out: ProvenanceFields = {};
  const set = <K extends keyof ProvenanceFields>(k: K, v: string | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set("builder", str(obj(run.builder).id));
  set("buildType", str(build.buildType));
  set("repository", str(source.repository));
  set("ref", str(source.ref));
  let commit = str(source.commit);
  if (commit === undefined && Array.isArray(build.resolvedDependencies)) {
    for (const d of build.resolvedDependencies) {
      const c = str(obj(obj(d).digest).gitCommit);
      if (c !== undefined) {
        commit = c;
        break;
      }
    }
  }
  set("commit", commit);
  set("invocationId", str(obj(run.metadata).invocationId));
  return out;
}

/**
 * The repository a Sigstore signer identity names: the part before `/.github/workflows/`
 * (GitHub Actions) or before `//` (GitLab CI's `<project>//<file>`), else the identity itself.
 *
 * @param signer the lock's `signer` (a workflow URL)
 * @returns e.g. `https://github.com/acme/core`
 *
 * @example
 * ```ts
 * import { signerRepository } from "@mochi/pkg/publish";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   signerRepository("https://github.com/acme/core/.github/workflows/release.yml@refs/tags/v1"),
 *   "https://github.com/acme/core",
 * );
 * ```
 */
export function signerRepository(signer: string): string {
  const gh = signer.indexOf("/.github/workflows/");
  if (gh > 0) return signer.slice(0, gh);
  const scheme = signer.indexOf("://");
  const dbl = signer.indexOf("//", scheme < 0 ? 0 : scheme + 3);
  return dbl > 0 ? signer.slice(0, dbl) : signer;
}

/**
 * Whether a repository matches a `--require-provenance-from` pattern: `*` is any run of
 * characters within one path segment, `**` any run across segments; a pattern without a scheme
 * matches the repository without its scheme; a `git+` prefix and a `.git` suffix on the
 * repository are ignored (SLSA provenance often writes `git+https://…/x.git`).
 *
 * @param repository e.g. `https://github.com/acme/core`
 * @param pattern e.g. `https://github.com/acme/*` or `github.com/acme/*`
 * @returns true when it matches
 *
 * @example
 * ```ts
 * import { repositoryMatches } from "@mochi/pkg/publish";
 * import assert from "node:assert/strict";
 * assert(repositoryMatches("git+https://github.com/acme/core.git", "github.com/acme/*"));
 * assert(!repositoryMatches("https://github.com/acme/core/x", "github.com/acme/*"));
 * ```
 */
export function repositoryMatches(repository: string, pattern: string): boolean {
  const plain = repository.replace(/^git\+/, "").replace(/\.git\/?$/, "");
  const subject = pattern.includes("://") ? plain : plain.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "");
  const re = new RegExp(
    "^" +
      pattern.replace(/\/+$/, "").split("**").map((part) =>
        part.split("*").map((t) => t.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^/]*")
      ).join(".*") + "/?$",
  );
  return re.test(subject);
}

/** Why a package fails `--require-provenance-from`, or why not. */
export interface ProvenanceRefusal {
  /** `<name> <version>: …`, the line to print. */
  line: string;
  /** True when the package is unsigned (no provenance at all: `SIG_E009`), else `SIG_E005`. */
  unsigned: boolean;
}

/**
 * Whether one package's provenance comes from a repository matching the pattern: both the
 * repository the signer identity names (the workflow that signed) and the source repository
 * the SLSA predicate records must match; a predicate that records no source repository fails.
 * Decides from data only; `src/install/provenance.ts` fetches and verifies.
 *
 * @param p the locked package (`name`, `version`, `signer`)
 * @param pattern the `--require-provenance-from` pattern
 * @param provenance its verified provenance, or undefined to check the signer alone (before
 *   the bundle is fetched)
 * @returns the refusal, or undefined when it passes
 *
 * @example
 * ```ts
 * import { provenanceRefusal } from "@mochi/pkg/publish";
 * import assert from "node:assert/strict";
 * const p = { name: "@acme/core", version: "1.0.0" };
 * assert.equal(provenanceRefusal(p, "github.com/acme/*")?.unsigned, true);
 * ```
 */
export function provenanceRefusal(
  p: { name: string; version: string; signer?: string | undefined },
  pattern: string,
  provenance?: ProvenanceJson,
): ProvenanceRefusal | undefined {
  const id = `${p.name} ${p.version}`;
  if (p.signer === undefined) return { line: `${id}: unsigned (no provenance)`, unsigned: true };
  const repo = signerRepository(p.signer);
  if (!repositoryMatches(repo, pattern)) {
    return { line: `${id}: signed from ${repo}`, unsigned: false };
  }
  if (provenance === undefined) return undefined;
  if (provenance.repository === undefined) {
    return { line: `${id}: its SLSA provenance names no source repository`, unsigned: false };
  }
  if (!repositoryMatches(provenance.repository, pattern)) {
    return {
      line: `${id}: its SLSA provenance names the source ${
        JSON.stringify(provenance.repository)
      } (signed from ${repo})`,
      unsigned: false,
    };
  }
  return undefined;
}
