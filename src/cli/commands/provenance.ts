/**
 * `mochi provenance <pkg>[@version] [--json]`: fetch the Sigstore bundle `mochi publish` attached
 * to a locked package, verify it as install does (certificate chain to the trusted root,
 * transparency log, DSSE signature, in-toto subject `<name>@<version>` with the locked BLAKE3 and
 * SHA-256, the signer the lock records), and show its SLSA provenance v1: builder, build type,
 * source repository, ref and commit, the workflow identity that signed it, and the run.
 *
 * @module
 */
import { MochiError } from "../../errors.ts";
import { readProject } from "../../install/install.ts";
import { networkLimitsFromEnv, openRegistry } from "../../registry/client/index_client.ts";
import { mochiHomeLayout } from "../../store/fs/home.ts";
import { LIMITS } from "../../limits.ts";
import { publisherIdentity } from "../../publish/binding.ts";
import { SLSA_PROVENANCE_V1, subjectName } from "../../publish/statement.ts";
import type { LockedPackage } from "../../lockfile/mod.ts";
import { type CommandSpec, flag } from "../command.ts";
import { mochiHomeOf, projectDirOf, trustedRootOf } from "../common.ts";

/** The provenance of one package, as `--json` prints it (docs/schemas/provenance.schema.json). */
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

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 && v.length <= 2048 ? v : undefined;
}

function obj(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v)
    ? v as Record<string, unknown>
    : {};
}

/**
 * The fields of a SLSA provenance v1 predicate `mochi provenance` shows (slsa.dev/spec/v1.0/
 * provenance: `buildDefinition.buildType`, `externalParameters`, `resolvedDependencies`,
 * `runDetails.builder.id`, `runDetails.metadata.invocationId`); every value hostile until checked.
 *
 * @param predicate the predicate
 * @returns the fields found
 */
export function provenanceFields(
  predicate: unknown,
): Omit<ProvenanceJson, "name" | "version" | "signer" | "issuer" | "predicateType"> {
  const p = obj(predicate);
  const build = obj(p.buildDefinition);
  const ext = obj(build.externalParameters);
  const source = obj(ext.source);
  const run = obj(p.runDetails);
  const out: Omit<ProvenanceJson, "name" | "version" | "signer" | "issuer" | "predicateType"> = {};
  const set = <K extends keyof typeof out>(k: K, v: string | undefined) => {
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

function pick(packages: readonly LockedPackage[], spec: string): LockedPackage {
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
      { hint: `name one: mochi provenance ${name}@${matches[0]!.version}` },
    );
  }
  return matches[0]!;
}

/** `mochi provenance`. */
export const command: CommandSpec = {
  operands: "<pkg>[@version]",
  minArgs: 1,
  maxArgs: 1,
  description: [
    "Verifies the package's Sigstore bundle as install does, then shows its SLSA provenance.",
    "Exit 4 when the bundle does not verify; 1 when the package is unsigned.",
    "Example: mochi provenance @acme/http",
  ].join("\n"),
  options: { json: { type: "boolean", help: "print JSON (docs/schemas/provenance.schema.json)" } },
  async run(ctx) {
    const projectDir = await projectDirOf(ctx);
    const project = await readProject(projectDir);
    if (!project.lock) {
      throw new MochiError("LOCK_E005", `no mochi.lock in ${projectDir}`, {
        hint: "run mochi lock first",
      });
    }
    const p = pick(project.lock.packages, ctx.args[0]!);
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
      cacheDir: mochiHomeLayout(mochiHomeOf(ctx)).index,
      ...networkLimitsFromEnv(ctx.env),
    });
    const stream = await client.fetchBundle(p.blake3);
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const c of stream) {
      size += c.length;
      if (size > LIMITS.bundleBytes) {
        throw new MochiError(
          "SIG_E001",
          `${id}: its Sigstore bundle is larger than ${LIMITS.bundleBytes} bytes`,
        );
      }
      chunks.push(c);
    }
    const bundleJson = new TextDecoder().decode(
      chunks.reduce((acc, c) => {
        const out = new Uint8Array(acc.length + c.length);
        out.set(acc);
        out.set(c, acc.length);
        return out;
      }, new Uint8Array()),
    );
    const { verifySigstoreAttestation } = await import("../../trust/sigstore/verify.ts");
    const verified = verifySigstoreAttestation({
      bundleJson,
      ...(await trustedRootOf(ctx.env)),
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
    const doc: ProvenanceJson = {
      name: p.name,
      version: p.version,
      signer: san,
      issuer: verified.signer.issuer,
      predicateType: verified.statement.predicateType,
      ...provenanceFields(verified.statement.predicate),
    };
    if (flag(ctx.values, "json")) {
      ctx.out.data(JSON.stringify(doc));
      return 0;
    }
    ctx.out.data(`${id}: provenance verified (SLSA provenance v1, Sigstore)`);
    ctx.out.data(`  signed by:   ${doc.signer}`);
    ctx.out.data(`  issuer:      ${doc.issuer}`);
    if (doc.builder) ctx.out.data(`  builder:     ${doc.builder}`);
    if (doc.buildType) ctx.out.data(`  build type:  ${doc.buildType}`);
    if (doc.repository) ctx.out.data(`  repository:  ${doc.repository}`);
    if (doc.ref) ctx.out.data(`  ref:         ${doc.ref}`);
    if (doc.commit) ctx.out.data(`  commit:      ${doc.commit}`);
    if (doc.invocationId) ctx.out.data(`  run:         ${doc.invocationId}`);
    return 0;
  },
};
