import assert from "node:assert/strict";
import { MochiError } from "../errors.ts";
import type { LockedPackage } from "../lockfile/mod.ts";
import { provenanceStatement } from "../publish/mod.ts";
import { signStatement } from "../publish/client/sign.ts";
import { FAKE_ISSUER, startFakeSigstore, workflowSan } from "../../tests/fake_sigstore.ts";
import { loadSignatureVerifier, verifyLockedPackage } from "./signatures.ts";
import { verifyPool } from "./_verify_pool.ts";

const B3 = "b".repeat(64);
const SHA = "c".repeat(64);

function locked(over: Partial<LockedPackage> = {}): LockedPackage {
  return {
    name: "pkg",
    version: "1.0.0",
    source: "registry+http://r/",
    blake3: B3,
    sha256: SHA,
    capabilities: [],
    dependencies: [],
    signer: "https://github.com/o/pkg/.github/workflows/release.yml",
    signerIssuer: FAKE_ISSUER,
    ...over,
  };
}

/** What the main thread's verifyLockedPackage throws for these inputs (code, message, hint). */
function mainThreadError(p: LockedPackage, bundle: string, root: string): MochiError {
  try {
    verifyLockedPackage(p, bundle, root);
  } catch (e) {
    assert.ok(e instanceof MochiError);
    return e;
  }
  assert.fail("expected a refusal on the main thread");
}

Deno.test("signature Workers: the same verdicts and the same errors as the main thread, fail-closed", async () => {
  await loadSignatureVerifier();
  await using fake = await startFakeSigstore();
  const bundle = await signStatement({
    statement: provenanceStatement({
      name: "pkg",
      version: "1.0.0",
      digest: { blake3: B3, sha256: SHA },
      builderId: "https://mochi-lang.org/pkg/test",
    }),
    identityToken: fake.token(workflowSan("o/pkg")),
    fulcioUrl: fake.url,
    rekorUrl: fake.url,
  });
  const root = fake.trustedRootJson;
  // A flipped character inside the DSSE signature; a package of other bytes; another publisher.
  const tampered = bundle.replace(
    /("sig":"[^"]{30})(.)/,
    (_, head: string, c: string) => head + (c === "A" ? "B" : "A"),
  );
  assert.notEqual(tampered, bundle);
  const refusals: [string, LockedPackage, string][] = [
    ["a tampered bundle", locked(), tampered],
    ["other bytes", locked({ sha256: "d".repeat(64) }), bundle],
    ["another publisher", locked({ signer: "https://github.com/x/y" }), bundle],
  ];
  const expectSame = async (pool: ReturnType<typeof verifyPool>, label: string) => {
    assert.equal(typeof await pool.verify(locked(), bundle, root), "number", label);
    for (const [what, p, b] of refusals) {
      const want = mainThreadError(p, b, root);
      await assert.rejects(pool.verify(p, b, root), (e: unknown) => {
        assert.ok(e instanceof MochiError, `${label}, ${what}: ${e}`);
        assert.equal(e.code, want.code, `${label}, ${what}`);
        assert.equal(e.message, want.message, `${label}, ${what}`);
        assert.equal(e.hint, want.hint, `${label}, ${what}`);
        return true;
      });
    }
  };
  assert.deepEqual(
    refusals.map(([, p, b]) => mainThreadError(p, b, root).code),
    ["SIG_E004", "SIG_E003", "SIG_E005"],
  );

  // In Workers (two, several bundles at once).
  {
    using pool = verifyPool(2);
    await expectSame(pool, "Workers");
    const many = await Promise.all(
      Array.from({ length: 6 }, () => pool.verify(locked(), bundle, root)),
    );
    assert.equal(many.length, 6);
    assert.equal(pool.mainThreadRuns, 0, "every bundle was verified in a Worker");
  }
  // A Worker that cannot start: its bundles are verified on the main thread, refusals included.
  {
    const failing = new URL(`data:application/javascript,${encodeURIComponent("throw 1;")}`);
    using pool = verifyPool(1, failing);
    await expectSame(pool, "no Worker");
    assert.ok(pool.mainThreadRuns >= 4);
  }
  // After close: the main thread verifies.
  {
    const pool = verifyPool(1);
    await pool.verify(locked(), bundle, root);
    pool.close();
    await expectSame(pool, "closed");
    assert.equal(pool.mainThreadRuns, 4);
  }
});
