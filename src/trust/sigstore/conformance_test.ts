// Runs every case of fixtures/sigstore-conformance/ (sigstore-conformance and sigstore-js
// bundles; see cases.json there) through verifySigstoreBundle and checks the expected result.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { verifySigstoreBundle } from "./verify.ts";
import { PRODUCTION_TRUSTED_ROOT_SHA256 } from "./_production_trusted_root.ts";

const DATA = new URL("../../../fixtures/sigstore-conformance/", import.meta.url);

interface Case {
  expect: "pass" | "fail";
  identity: { san: string; issuer: string; match: string };
  trusted_root: string;
  artifact: string | null;
  dsse_subject?: { name: string; digest: Record<string, string> }[];
  why: string;
}

/** The SIG_E code each failing case must fail with (what the case is about). */
const EXPECTED_CODE: Record<string, string> = {
  "wrong-material_fail": "SIG_E003",
  "intoto-expired-certificate_fail": "SIG_E004",
  "intoto-set-outside-signing-cert-validity_fail": "SIG_E004",
  "inclusion-proof-corrupted-hash_fail": "SIG_E004",
  "set-invalid-signature_fail": "SIG_E004",
  "bundle-from-wrong-instance_fail": "SIG_E004",
  "trust-root-tlog-missing-validity-start_fail": "SIG_E002",
  "happy-path-v0.3--wrong-san_fail": "SIG_E005",
  "happy-path-v0.3--wrong-issuer_fail": "SIG_E005",
  "happy-path-v0.3--san-prefix_fail": "SIG_E005",
};

async function readText(name: string): Promise<string> {
  return await Deno.readTextFile(new URL(name, DATA));
}

async function exists(name: string): Promise<boolean> {
  try {
    await Deno.stat(new URL(name, DATA));
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

Deno.test("sigstore conformance: all cases give the expected result", async (t) => {
  const cases = JSON.parse(await readText("cases.json")) as Record<string, Case>;
  const names = Object.keys(cases).filter((name) => name !== "_about");
  assert.equal(names.length, 17, "cases.json lists 17 cases");
  let agreed = 0;
  for (const name of names) {
    const c = cases[name]!;
    const ok = await t.step(name, async () => {
      const bundleJson = await readText(`${name}/bundle.sigstore.json`);
      const production = c.trusted_root.startsWith("production");
      const rootText = await readText(`${name}/trusted_root.json`);
      if (production) {
        // The case's root is the shipped one: verify with the default instead of passing it.
        const sha = createHash("sha256").update(rootText).digest("hex");
        assert.equal(sha, PRODUCTION_TRUSTED_ROOT_SHA256);
      }
      const artifact = (await exists(`${name}/artifact`))
        ? { bytes: await Deno.readFile(new URL(`${name}/artifact`, DATA)) }
        : (() => {
          // No artifact shipped (the npm tarball is code): use the subject digest from cases.json.
          const digest = c!.dsse_subject?.[0]?.digest ?? {};
          const algorithm = "sha512" in digest ? "sha512" : "sha256";
          assert.ok(digest[algorithm], `${name}: no artifact and no subject digest`);
          return { digest: { algorithm, hex: digest[algorithm] } } as const;
        })();
      const result = await verifySigstoreBundle({
        bundleJson,
        ...(production ? {} : { trustedRootJson: rootText }),
        identity: c!.identity.san,
        issuer: c!.identity.issuer,
        artifact,
      });
      if (c!.expect === "pass") {
        assert.ok(result.ok, `${name} should verify: ${!result.ok && result.reason}`);
        assert.equal(result.signer.subjectAlternativeName, c!.identity.san);
        assert.equal(result.signer.issuer, c!.identity.issuer);
      } else {
        assert.ok(!result.ok, `${name} should be rejected (${c!.why})`);
        assert.equal(result.code, EXPECTED_CODE[name], `${name}: ${result.reason}`);
        assert.ok(result.reason.length > 0);
      }
    });
    if (ok) agreed++;
  }
  assert.equal(agreed, names.length, `${agreed}/${names.length} conformance cases as expected`);
});
