/**
 * `mochi provenance <pkg>[@version] [--json]`: fetch the Sigstore bundle `mochi publish` attached
 * to a locked package, verify it as install does (certificate chain to the trusted root,
 * transparency log, DSSE signature, in-toto subject `<name>@<version>` with the locked BLAKE3 and
 * SHA-256, the signer the lock records), and show its SLSA provenance v1: builder, build type,
 * source repository, ref and commit, the workflow identity that signed it, and the run.
 *
 * @module
 */
import { readLockedProject } from "../../install/install.ts";
import { pickLockedPackage, verifiedProvenance } from "../../install/provenance.ts";
import type { ProvenanceJson } from "../../publish/provenance.ts";
import { type CommandSpec, flag } from "../command.ts";
import { mochiHomeOf, projectDirOf, trustedRootOf } from "../common.ts";

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
    const project = await readLockedProject(projectDir);
    const p = pickLockedPackage(project.lock.packages, ctx.args[0]!);
    const id = `${p.name} ${p.version}`;
    const doc: ProvenanceJson = await verifiedProvenance(p, {
      mochiHome: mochiHomeOf(ctx),
      env: ctx.env,
      ...(await trustedRootOf(ctx.env)),
    });
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
