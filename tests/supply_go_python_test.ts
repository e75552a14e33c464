/**
 * The SBOM and the audit over `[[go-package]]` and `[[python-wheel]]` entries: Go modules as
 * `pkg:golang/…` with their zip BLAKE3 and `h1:` lines, wheels as `pkg:pypi/…` with their SHA-256;
 * OSV's `Go` (versions without "v") and `PyPI` (PEP 440 order, PEP 503 names) ecosystems match.
 */
import "ajv";
import "ajv-formats";
import "ajv-formats-draft2019";
import assert from "node:assert/strict";
import * as CDX from "@cyclonedx/cyclonedx-library";
import type { Lockfile } from "../src/lockfile/mod.ts";
import { parseManifest } from "../src/manifest/mod.ts";
import { sbomModel, spdxCreated, toCycloneDx, toSpdx } from "../src/sbom/mod.ts";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { auditLock, readOsv } from "../src/audit/mod.ts";

const HEX = (c: string) => c.repeat(64);
const manifest = parseManifest(
  '[package]\nname = "app"\nversion = "1.0.0"\nedition = "2026"\nmochi = "*"\n',
).manifest;
const lock: Lockfile = {
  version: 1,
  manifestHash: `blake3-256:${HEX("0")}`,
  packages: [],
  goPackages: [
    {
      module: "golang.org/x/text",
      version: "v0.3.7",
      source: { kind: "module-proxy", url: "http://127.0.0.1:1/" },
      zipH1: "h1:olpwvP2KacW1ZWvsR7uQhoyTYvKAupfQrRGBFM352Gk=",
      gomodH1: "h1:5Zoc/QRtKVWzQhOtBMvqHzDpF6irO9z98xDceosuGiQ=",
      zipBlake3: HEX("a"),
      dependencies: [],
    },
  ],
  pythonPackages: [{ name: "requests", alias: "requests", source: "registry", version: "2.31.0" }],
  pythonWheels: [
    {
      name: "requests",
      version: "2.31.0",
      filename: "requests-2.31.0-py3-none-any.whl",
      sha256: HEX("b"),
      index: "http://127.0.0.1:1/simple/",
    },
  ],
  capabilitiesSeen: new Map(),
};

Deno.test("SBOM: Go modules and Python wheels, valid CycloneDX 1.6", async () => {
  const text = toCycloneDx(sbomModel(manifest, lock, "lock text"), {
    name: "mochi pkg",
    version: "0",
  });
  const validator = new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6);
  assert.equal(await validator.validate(text), null);
  const doc = JSON.parse(text);
  assert.deepEqual(doc.components.map((c: { purl: string }) => c.purl), [
    "pkg:golang/golang.org/x/text@v0.3.7",
    "pkg:pypi/requests@2.31.0",
  ]);
  assert.deepEqual(doc.components[0].hashes, [{ alg: "BLAKE3", content: HEX("a") }]);
  assert.equal(
    doc.components[0].properties.find((p: { name: string }) => p.name === "go:h1").value,
    "h1:olpwvP2KacW1ZWvsR7uQhoyTYvKAupfQrRGBFM352Gk=",
  );
  assert.deepEqual(doc.dependencies[0].dependsOn, [
    "pkg:golang/golang.org/x/text@v0.3.7",
    "pkg:pypi/requests@2.31.0",
  ]);
});

Deno.test("SBOM: Go modules and Python wheels, valid SPDX 3.0.1", async () => {
  const schema = JSON.parse(
    await Deno.readTextFile(new URL("../fixtures/spdx/schema-v3.0.1.json", import.meta.url)),
  );
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  const validate = ajv.compile(schema);
  const doc = JSON.parse(
    toSpdx(
      sbomModel(manifest, lock, "lock text"),
      { name: "mochi pkg", version: "0" },
      spdxCreated(undefined),
    ),
  );
  assert(validate(doc as unknown), ajv.errorsText(validate.errors));
  const urls = (doc["@graph"] as Record<string, unknown>[]).flatMap((e) =>
    typeof e.software_packageUrl === "string" ? [e.software_packageUrl] : []
  );
  assert.deepEqual(urls, [
    "pkg:mochi/app@1.0.0",
    "pkg:golang/golang.org/x/text@v0.3.7",
    "pkg:pypi/requests@2.31.0",
  ]);
});

Deno.test("audit: OSV Go and PyPI ecosystems", () => {
  const go = readOsv({
    id: "GO-2022-1059",
    modified: "",
    affected: [{
      package: { ecosystem: "Go", name: "golang.org/x/text" },
      ranges: [{ type: "SEMVER", events: [{ introduced: "0" }, { fixed: "0.3.8" }] }],
    }],
  }, "go.json");
  const py = readOsv({
    id: "PYSEC-2023-74",
    modified: "",
    affected: [{
      package: { ecosystem: "PyPI", name: "Requests" },
      ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "2.3.0" }, { fixed: "2.31.0" }] }],
    }, {
      package: { ecosystem: "PyPI", name: "requests" },
      versions: ["2.31.0.post1"],
    }],
  }, "py.json");
  const report = auditLock(lock, [go, py], { root: "app 1.0.0", edges: new Map() });
  assert.deepEqual(report.findings.map((f) => `${f.ecosystem} ${f.name} ${f.id}`), [
    "Go golang.org/x/text GO-2022-1059",
  ]);
  const older = { ...lock, pythonWheels: [{ ...lock.pythonWheels![0]!, version: "2.30.0" }] };
  assert.deepEqual(
    auditLock(older, [go, py], { root: "r", edges: new Map() }).findings.map((f) => f.id),
    ["GO-2022-1059", "PYSEC-2023-74"],
  );
});
