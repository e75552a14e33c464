/**
 * `mochi sbom` through the real CLI: both formats are byte-identical across runs (and with
 * `--output`), valid for their validators, and a wrong `--format` is refused with exit 1.
 */
import "ajv";
import "ajv-formats";
import "ajv-formats-draft2019";
import assert from "node:assert/strict";
import * as CDX from "@cyclonedx/cyclonedx-library";
import { ROOT, runCli } from "./helpers.ts";
import { guardedTest } from "./stray.ts";

const APP = `${ROOT}/fixtures/supply/app`;

guardedTest("mochi sbom: CycloneDX and SPDX, byte-stable, --output equals stdout", async () => {
  const home = await Deno.makeTempDir({ prefix: "mochi-sbom-" });
  try {
    const env = { MOCHI_HOME: home };
    const a = await runCli(["sbom", "-C", APP], { env });
    const b = await runCli(["sbom", "--format", "cyclonedx", "-C", APP], { env });
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout, b.stdout);
    const validator = new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6);
    assert.equal(await validator.validate(a.stdout), null);
    assert.equal(JSON.parse(a.stdout).components.length, 7);

    const s1 = await runCli(["sbom", "--format", "spdx", "-C", APP], { env });
    const out = `${home}/sbom.spdx.json`;
    const s2 = await runCli(["sbom", "--format", "spdx", "--output", out, "-C", APP], { env });
    assert.equal(s1.code, 0, s1.stderr);
    assert.equal(s2.code, 0, s2.stderr);
    assert.equal(s2.stdout, "");
    assert.equal(await Deno.readTextFile(out), s1.stdout);
    assert.equal(JSON.parse(s1.stdout)["@graph"][0].created, "1970-01-01T00:00:00Z");
    const dated = await runCli(["sbom", "--format", "spdx", "-C", APP], {
      env: { ...env, SOURCE_DATE_EPOCH: "1700000000" },
    });
    assert.equal(JSON.parse(dated.stdout)["@graph"][0].created, "2023-11-14T22:13:20Z");

    const bad = await runCli(["sbom", "--format", "swid", "-C", APP], { env });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--format takes cyclonedx or spdx, got "swid"/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
