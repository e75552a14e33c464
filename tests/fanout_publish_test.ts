/**
 * Item 6's frame, library level (`publishFanout`): npm and JSR published together against
 * loopback registries with loopback Sigstore; the dry run signs and uploads nothing; `--strict`
 * signs nothing when one target cannot go, and stops at the first failed upload; without it the
 * other targets still go.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { publishFanout } from "../src/fanout/client/publish.ts";
import type { MochiError } from "../src/errors.ts";
import { verifySigstoreAttestation } from "../src/trust/sigstore/verify.ts";
import { startFakeSigstore, workflowSan } from "./fake_sigstore.ts";
import { startFakeJsr } from "./fake_jsr.ts";
import { startFakeNpm } from "./fake_npm.ts";
import { tsFixturePackage } from "./fanout_js_fixture.ts";
import { guardedTest } from "./stray.ts";
import { githubActionsEnv } from "./signed_registry.ts";

guardedTest("publishFanout: npm + JSR signed and uploaded; dry run; strict and not", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "mochi-fanout-publish-" });
  try {
    await using sig = await startFakeSigstore();
    await using npm = startFakeNpm();
    await using jsr = startFakeJsr();
    jsr.packages.add("@acme/greet");
    sig.oidcSubject = workflowSan("acme/greet", "v1.2.0");
    const env = {
      ...githubActionsEnv(sig, "acme/greet", "v1.2.0"),
      MOCHI_NPM_REGISTRY: npm.url,
      MOCHI_NPM_TOKEN: npm.token,
      MOCHI_JSR_TOKEN: jsr.token,
    };
    const packages = [
      await tsFixturePackage("npm", "1.2.0"),
      await tsFixturePackage("jsr", "1.2.0"),
    ];
    const base = {
      packages,
      manifestRegistries: { jsr: jsr.api },
      env,
      fulcioUrl: sig.url,
      rekorUrl: sig.url,
      timeoutMs: 10_000,
    };

    // Dry run: packed and planned, nothing signed or uploaded.
    const dry = await publishFanout({ ...base, dryRun: true, strict: false });
    assert.deepEqual(dry.targets.map((t) => [t.ecosystem, t.status, t.destination]), [
      ["npm", "packed", npm.url],
      ["jsr", "packed", jsr.api],
    ]);
    assert.equal(dry.targets[1]!.destinationSource, "[targets.typescript] registry");
    assert.equal(sig.oidcRequests, 0);
    assert.equal(npm.puts, 0);

    // Strict with one target lacking a registry: nothing is signed or uploaded at all.
    const noJsr = await publishFanout({
      ...base,
      manifestRegistries: {},
      dryRun: false,
      strict: true,
    });
    assert.deepEqual(noJsr.targets.map((t) => t.status), ["skipped", "failed"]);
    assert.equal((noJsr.targets[1]!.error as MochiError).code, "FANOUT_E010");
    assert.match((noJsr.targets[1]!.error as MochiError).hint ?? "", /MOCHI_JSR_REGISTRY/);
    assert.equal(sig.oidcRequests, 0, "strict: no token asked for");
    assert.equal(npm.puts, 0);

    // The real thing.
    const out = `${tmp}/target/fanout`;
    const r = await publishFanout({ ...base, dryRun: false, strict: false, outDir: out });
    assert.equal(r.tokenSource, "github-actions");
    assert.deepEqual(r.targets.map((t) => [t.ecosystem, t.status]), [
      ["npm", "published"],
      ["jsr", "published"],
    ]);
    for (const t of r.targets) {
      const [primary, bundle] = t.artifacts;
      assert.equal(bundle!.fileName, `${primary!.fileName}.sigstore.json`);
      // Written beside each other, and the bundle verifies for the bytes written.
      const written = await Deno.readFile(`${out}/${t.ecosystem}/${primary!.fileName}`);
      assert.deepEqual(written, primary!.bytes);
      const v = verifySigstoreAttestation({
        bundleJson: await Deno.readTextFile(`${out}/${t.ecosystem}/${bundle!.fileName}`),
        trustedRootJson: sig.trustedRootJson,
        subjectDigests: { sha256: createHash("sha256").update(written).digest("hex") },
      });
      assert.equal(v.signer.subjectAlternativeName, workflowSan("acme/greet", "v1.2.0"));
    }
    const onNpm = npm.published.get("@acme/greet@1.2.0")!;
    assert.deepEqual(onNpm.tarball, r.targets[0]!.artifacts[0]!.bytes);
    assert.equal(onNpm.bundle, new TextDecoder().decode(r.targets[0]!.artifacts[1]!.bytes));
    assert.ok(jsr.published.has("@acme/greet@1.2.0"));

    // Without --strict a failing target does not stop the others; with it, the rest is skipped.
    const next = [await tsFixturePackage("npm", "1.3.0"), await tsFixturePackage("jsr", "1.3.0")];
    const bad = { ...env, MOCHI_NPM_TOKEN: "wrong" };
    const loose = await publishFanout({
      ...base,
      packages: next,
      env: bad,
      dryRun: false,
      strict: false,
    });
    assert.deepEqual(loose.targets.map((t) => t.status), ["failed", "published"]);
    assert.equal((loose.targets[0]!.error as MochiError).code, "FANOUT_E010");
    const later = [await tsFixturePackage("npm", "1.4.0"), await tsFixturePackage("jsr", "1.4.0")];
    const strict = await publishFanout({
      ...base,
      packages: later,
      env: bad,
      dryRun: false,
      strict: true,
    });
    assert.deepEqual(strict.targets.map((t) => t.status), ["failed", "skipped"]);
    assert.ok(!jsr.published.has("@acme/greet@1.4.0"));
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
