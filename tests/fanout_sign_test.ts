/**
 * Item 5 of issue 16: a Sigstore bundle with SLSA provenance per fan-out artifact, through the
 * existing keyless flow (loopback Fulcio + Rekor from `tests/fake_sigstore.ts`), each verified
 * offline with the same verifier install uses: the certificate chain, the log entry, the DSSE
 * signature, and the in-toto subject's digests equal to the artifact's.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { packJsr } from "../src/fanout/jsr.ts";
import { packNpm } from "../src/fanout/npm.ts";
import { signArtifacts } from "../src/fanout/client/sign.ts";
import { MOCHI_FANOUT_BUILD_TYPE, needsBundle } from "../src/fanout/provenance.ts";
import { makeArtifact } from "../src/fanout/archive.ts";
import { verifySigstoreAttestation } from "../src/trust/sigstore/verify.ts";
import { MochiError } from "../src/errors.ts";
import { startFakeSigstore, workflowSan } from "./fake_sigstore.ts";
import { tsFixturePackage } from "./fanout_js_fixture.ts";
import { guardedTest } from "./stray.ts";

guardedTest("fan-out signing: one verified bundle with SLSA provenance per artifact", async () => {
  await using fake = await startFakeSigstore();
  const san = workflowSan("acme/greet", "v1.2.0");
  const build = {
    builderId: "https://github.com/actions/runner/github-hosted",
    repository: "https://github.com/acme/greet",
    commit: "0123456789abcdef0123456789abcdef01234567",
    ref: "refs/tags/v1.2.0",
  };
  for (const eco of ["npm", "jsr"] as const) {
    const pkg = await tsFixturePackage(eco, "1.2.0");
    const artifacts = await (eco === "npm" ? packNpm(pkg) : packJsr(pkg));
    // A checksum companion gets no bundle; a primary does.
    const sha1 = makeArtifact(
      eco,
      `${artifacts[0]!.fileName}.sha1`,
      new Uint8Array(40),
      "text/plain",
      "companion",
    );
    const bundles = await signArtifacts(pkg, [...artifacts, sha1], {
      identityToken: fake.token(san),
      build,
      fulcioUrl: fake.url,
      rekorUrl: fake.url,
    });
    assert.equal(bundles.length, 1, "one bundle: the checksum file is not signed");
    const [b] = bundles;
    const a = artifacts[0]!;
    assert.equal(b!.fileName, `${a.fileName}.sigstore.json`);
    assert.equal(b!.role, "companion");
    assert.equal(b!.mediaType, "application/vnd.dev.sigstore.bundle.v0.3+json");
    const v = verifySigstoreAttestation({
      bundleJson: new TextDecoder().decode(b!.bytes),
      trustedRootJson: fake.trustedRootJson,
      subjectDigests: {
        sha256: a.sha256,
        sha512: createHash("sha512").update(a.bytes).digest("hex"),
      },
    });
    assert.equal(v.signer.subjectAlternativeName, san);
    assert.equal(v.statement.predicateType, "https://slsa.dev/provenance/v1");
    assert.equal(
      v.subject.name,
      eco === "npm" ? "pkg:npm/%40acme/greet@1.2.0" : "acme-greet-1.2.0.jsr.tgz",
    );
    const p = v.statement.predicate as {
      buildDefinition: {
        buildType: string;
        externalParameters: Record<string, unknown>;
        resolvedDependencies: unknown[];
      };
    };
    assert.equal(p.buildDefinition.buildType, MOCHI_FANOUT_BUILD_TYPE);
    assert.deepEqual(p.buildDefinition.externalParameters.ecosystem, eco);
    assert.equal(p.buildDefinition.externalParameters.package, "@acme/greet");
    assert.deepEqual(p.buildDefinition.resolvedDependencies[0], {
      uri: "git+https://github.com/acme/greet@refs/tags/v1.2.0",
      digest: { gitCommit: build.commit },
    });
    // The bundle does not verify for other bytes (one flipped byte of the artifact).
    const other = new Uint8Array(a.bytes);
    other[other.length - 1]! ^= 1;
    assert.throws(
      () =>
        verifySigstoreAttestation({
          bundleJson: new TextDecoder().decode(b!.bytes),
          trustedRootJson: fake.trustedRootJson,
          subjectDigests: { sha256: createHash("sha256").update(other).digest("hex") },
        }),
      (e: unknown) => e instanceof MochiError && e.code === "SIG_E003",
    );
  }
  assert.equal(needsBundle({ fileName: "x-1.0.0.pom", role: "companion" }), true);
  assert.equal(needsBundle({ fileName: "x-1.0.0.jar.asc", role: "companion" }), false);
});
