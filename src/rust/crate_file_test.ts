import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { buildTar } from "../store/tar_builder_testing.ts";
import { cargoLicenseExpression, crateLicense } from "./crate_file.ts";

function crate(entries: { name: string; body: string; type?: string }[]): Uint8Array {
  return new Uint8Array(gzipSync(buildTar(entries)));
}

Deno.test("cargoLicenseExpression: SPDX as written, the legacy / as OR, anything else refused", () => {
  assert.equal(cargoLicenseExpression("MIT OR Apache-2.0"), "MIT OR Apache-2.0");
  assert.equal(cargoLicenseExpression("MIT/Apache-2.0"), "MIT OR Apache-2.0");
  assert.equal(
    cargoLicenseExpression("Apache-2.0 WITH LLVM-exception"),
    "Apache-2.0 WITH LLVM-exception",
  );
  assert.equal(cargoLicenseExpression("see LICENSE"), undefined);
  assert.equal(cargoLicenseExpression("MIT\u001b[2J"), undefined);
});

Deno.test("crateLicense: reads <name>-<version>/Cargo.toml only, as a regular file", async () => {
  const toml = '[package]\nname = "demo"\nversion = "1.0.0"\nlicense = "MIT/Apache-2.0"\n';
  assert.equal(
    await crateLicense(crate([{ name: "demo-1.0.0/Cargo.toml", body: toml }]), "demo", "1.0.0"),
    "MIT OR Apache-2.0",
  );
  // Another crate's directory, a symlink named Cargo.toml, a licence-file only, not gzip.
  assert.equal(
    await crateLicense(crate([{ name: "other-1.0.0/Cargo.toml", body: toml }]), "demo", "1.0.0"),
    undefined,
  );
  assert.equal(
    await crateLicense(
      crate([{ name: "demo-1.0.0/Cargo.toml", body: "", type: "2" }]),
      "demo",
      "1.0.0",
    ),
    undefined,
  );
  assert.equal(
    await crateLicense(
      crate([{ name: "demo-1.0.0/Cargo.toml", body: '[package]\nlicense-file = "L"\n' }]),
      "demo",
      "1.0.0",
    ),
    undefined,
  );
  assert.equal(
    await crateLicense(new TextEncoder().encode("not gzip"), "demo", "1.0.0"),
    undefined,
  );
});
