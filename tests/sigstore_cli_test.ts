/**
 * The 17 sigstore-conformance cases of `fixtures/sigstore-conformance/` through the real CLI:
 * `mochi sigstore verify` must exit 0 for every "pass" case and 4 for every "fail" case.
 */
import { assert, assertEquals } from "./assert.ts";
import { ROOT, runCli } from "./helpers.ts";
import { guardedTest } from "./stray.ts";

const DATA = `${ROOT}/fixtures/sigstore-conformance`;

interface Case {
  expect: "pass" | "fail";
  identity: { san: string; issuer: string };
  artifact: string | null;
  dsse_subject?: { digest: Record<string, string> }[];
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

guardedTest(
  "mochi sigstore verify gives the expected result on all 17 conformance cases",
  async (t) => {
    const cases = JSON.parse(await Deno.readTextFile(`${DATA}/cases.json`)) as Record<string, Case>;
    const names = Object.keys(cases).filter((k) => !k.startsWith("_")).sort();
    assertEquals(names.length, 17);
    let agreed = 0;
    for (const name of names) {
      const c = cases[name]!;
      await t.step(name, async () => {
        const dir = `${DATA}/${name}`;
        let artifact = `${dir}/artifact`;
        if (!(await exists(artifact))) {
          const digest = c.dsse_subject?.[0]?.digest ?? {};
          const alg = "sha512" in digest ? "sha512" : "sha256";
          artifact = `${alg}:${digest[alg]}`;
        }
        const r = await runCli([
          "sigstore",
          "verify",
          "--bundle",
          `${dir}/bundle.sigstore.json`,
          "--trusted-root",
          `${dir}/trusted_root.json`,
          "--certificate-identity",
          c!.identity.san,
          "--certificate-oidc-issuer",
          c!.identity.issuer,
          artifact,
        ]);
        assertEquals(r.code, c!.expect === "pass" ? 0 : 4, `${name}: ${r.stdout}${r.stderr}`);
        if (c!.expect === "fail") assert(/error\[SIG_E\d{3}\]/.test(r.stderr), r.stderr);
        else assert(r.stdout.startsWith("OK:"), r.stdout);
        agreed++;
      });
    }
    assertEquals(agreed, 17);
  },
);

guardedTest(
  "mochi sigstore verify uses the shipped production root by default; MOCHI_SIGSTORE_ROOT overrides it",
  async () => {
    const dir = `${DATA}/happy-path-v0.3`;
    const c = (JSON.parse(await Deno.readTextFile(`${DATA}/cases.json`)) as Record<string, Case>)[
      "happy-path-v0.3"
    ];
    const args = [
      "sigstore",
      "verify",
      "--bundle",
      `${dir}/bundle.sigstore.json`,
      "--certificate-identity",
      c!.identity.san,
      "--certificate-oidc-issuer",
      c!.identity.issuer,
      `${dir}/artifact`,
    ];
    const byDefault = await runCli(args);
    assertEquals(byDefault.code, 0, byDefault.stderr);
    // A root from another Sigstore instance cannot verify a public-good bundle.
    const other = await runCli(args, {
      env: { MOCHI_SIGSTORE_ROOT: `${DATA}/intoto-with-custom-trust-root/trusted_root.json` },
    });
    assertEquals(other.code, 4, other.stdout + other.stderr);
  },
);
