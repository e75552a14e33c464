/**
 * The SBOM writers checked by the formats' own validators: CycloneDX 1.6 through
 * `@cyclonedx/cyclonedx-library`'s strict JSON validator (its bundled schemas, offline), SPDX 3.0.1
 * through the SPDX project's JSON Schema (`fixtures/spdx/schema-v3.0.1.json`, provenance in
 * `fixtures/README.md`) with Ajv's draft 2020-12 mode; and byte stability.
 */
import "ajv";
import "ajv-formats";
import "ajv-formats-draft2019";
import assert from "node:assert/strict";
import * as CDX from "@cyclonedx/cyclonedx-library";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { parseLockfile } from "../lockfile/mod.ts";
import { parseManifest } from "../manifest/mod.ts";
import { toCycloneDx } from "./cyclonedx.ts";
import { packageUrl, sbomModel, uuidV5 } from "./model.ts";
import { spdxCreated, toSpdx } from "./spdx.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const APP = `${ROOT}fixtures/supply/app`;
const TOOL = { name: "mochi pkg", version: "0.1.0" };

async function fixtureModel(licenses = new Map<string, string>()) {
  const manifestText = await Deno.readTextFile(`${APP}/mochi.toml`);
  const lockText = await Deno.readTextFile(`${APP}/mochi.lock`);
  const { manifest } = parseManifest(manifestText, `${APP}/mochi.toml`);
  return sbomModel(manifest, parseLockfile(lockText), lockText, licenses);
}

async function spdxValidator(): Promise<(doc: unknown) => string | undefined> {
  const schema = JSON.parse(await Deno.readTextFile(`${ROOT}fixtures/spdx/schema-v3.0.1.json`));
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  const validate = ajv.compile(schema);
  return (doc) => (validate(doc) ? undefined : ajv.errorsText(validate.errors));
}

Deno.test("CycloneDX 1.6: the fixture lock's SBOM passes the CycloneDX library's strict validator", async () => {
  const text = toCycloneDx(
    await fixtureModel(new Map([[packageUrl("mochi", "@acme/log", "0.3.1"), "MIT OR Apache-2.0"]])),
    TOOL,
  );
  const validator = new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6);
  assert.equal(await validator.validate(text), null);
  const doc = JSON.parse(text);
  const refs = doc.components.map((c: { "bom-ref": string }) => c["bom-ref"]);
  assert.deepEqual(refs, [
    "pkg:cargo/crossbeam-channel@0.5.13",
    "pkg:cargo/h2@0.3.20",
    "pkg:cargo/regex@1.5.4",
    "pkg:cargo/smallvec@1.6.0",
    "pkg:mochi/%40acme/http@1.2.0",
    "pkg:mochi/%40acme/log@0.3.1",
    "pkg:mochi/left-pad@1.0.0",
  ]);
  const http = doc.components[4];
  assert.equal(http.publisher, "https://github.com/acme/http/.github/workflows/release.yml");
  assert.deepEqual(http.hashes.map((h: { alg: string }) => h.alg), ["SHA-256", "BLAKE3"]);
  assert.deepEqual(http.properties[0], { name: "mochi:capability", value: "net.dial" });
  assert.deepEqual(doc.components[5].licenses, [{ expression: "MIT OR Apache-2.0" }]);
  assert.deepEqual(doc.dependencies[0], {
    ref: "pkg:mochi/%40acme/app@0.4.0",
    dependsOn: [
      "pkg:cargo/h2@0.3.20",
      "pkg:cargo/regex@1.5.4",
      "pkg:cargo/smallvec@1.6.0",
      "pkg:mochi/%40acme/http@1.2.0",
      "pkg:mochi/left-pad@1.0.0",
    ],
  });
  // The validator is not a rubber stamp: a component without its type is refused.
  const broken = JSON.parse(text);
  delete broken.components[0].type;
  assert.notEqual(await validator.validate(JSON.stringify(broken)), null);
});

Deno.test("SPDX 3.0.1: the fixture lock's SBOM validates against the SPDX JSON Schema", async () => {
  const validate = await spdxValidator();
  const text = toSpdx(
    await fixtureModel(new Map([[packageUrl("mochi", "@acme/log", "0.3.1"), "MIT"]])),
    TOOL,
    spdxCreated(undefined),
  );
  const doc = JSON.parse(text);
  assert.equal(validate(doc), undefined);
  const graph = doc["@graph"] as Record<string, unknown>[];
  const packages = graph.filter((e) => e.type === "software_Package");
  assert.equal(packages.length, 8); // the project and 7 locked components
  const http = packages.find((p) => p.name === "@acme/http")!;
  assert.equal(http.software_packageUrl, "pkg:mochi/%40acme/http@1.2.0");
  assert.deepEqual((http.verifiedUsing as { algorithm: string }[]).map((h) => h.algorithm), [
    "sha256",
    "blake3",
  ]);
  const agent = graph.find((e) => e.spdxId === http.suppliedBy)!;
  assert.equal(agent.name, "https://github.com/acme/http/.github/workflows/release.yml");
  const deps = graph.filter((e) => e.relationshipType === "dependsOn");
  assert.equal(deps.length, 4); // the project, @acme/http, left-pad, h2
  const licences = graph.filter((e) => e.relationshipType === "hasDeclaredLicense");
  assert.equal(licences.length, 2); // the project (Apache-2.0) and @acme/log (MIT)
  // Broken on purpose: an unknown hash algorithm and a missing creationInfo are refused.
  const bad = structuredClone(doc);
  (bad["@graph"] as Record<string, unknown>[]).find((e) => e.name === "@acme/http")!
    .verifiedUsing = [{ type: "Hash", algorithm: "sha257", hashValue: "00" }];
  assert.notEqual(validate(bad), undefined);
  const bad2 = structuredClone(doc);
  delete (bad2["@graph"] as Record<string, unknown>[]).find((e) => e.name === "@acme/http")!
    .creationInfo;
  assert.notEqual(validate(bad2), undefined);
});

Deno.test("SBOMs are byte-stable and derive their identifiers from the lock and licences", async () => {
  const a = await fixtureModel();
  const b = await fixtureModel();
  assert.equal(toCycloneDx(a, TOOL), toCycloneDx(b, TOOL));
  assert.equal(toSpdx(a, TOOL, spdxCreated("0")), toSpdx(b, TOOL, spdxCreated(undefined)));
  const serial = (m: typeof a) => JSON.parse(toCycloneDx(m, TOOL)).serialNumber;
  // Another lock text gives another serial number.
  const manifest = parseManifest(await Deno.readTextFile(`${APP}/mochi.toml`)).manifest;
  const lockText = await Deno.readTextFile(`${APP}/mochi.lock`);
  const relocked = sbomModel(manifest, parseLockfile(lockText), lockText + "\n");
  assert.notEqual(serial(relocked), serial(a));
  // One lock with a licence now known (read from the store after an install) is other bytes,
  // so it gets another serial number and other SPDX identifiers.
  const licensed = await fixtureModel(
    new Map([[packageUrl("mochi", "@acme/log", "0.3.1"), "MIT"]]),
  );
  assert.equal(licensed.lockSha256, a.lockSha256);
  assert.notEqual(serial(licensed), serial(a));
  const firstId = (m: typeof a) =>
    JSON.parse(toSpdx(m, TOOL, spdxCreated("0")))["@graph"].find((e: { spdxId?: string }) =>
      e.spdxId !== undefined
    ).spdxId;
  assert.match(firstId(a), /^urn:mochi-sbom:[0-9a-f]{64}:/);
  assert.notEqual(firstId(licensed), firstId(a));
});

Deno.test("uuidV5 is RFC 9562's name-based UUID (its appendix example)", () => {
  // RFC 9562 Appendix A.4: namespace DNS, name "www.example.com".
  assert.equal(
    uuidV5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.example.com"),
    "2ed6657d-e927-568b-95e1-2665a8aea6a2",
  );
});

Deno.test("package URLs percent-encode as the purl spec says", () => {
  assert.equal(
    packageUrl("mochi", "@acme/http", "1.0.0+build.1"),
    "pkg:mochi/%40acme/http@1.0.0%2Bbuild.1",
  );
  assert.equal(packageUrl("pypi", "Django_Rest", "3.0"), "pkg:pypi/django-rest@3.0");
  assert.equal(
    packageUrl("golang", "github.com/google/uuid", "v1.6.0"),
    "pkg:golang/github.com/google/uuid@v1.6.0",
  );
});
