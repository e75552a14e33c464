/**
 * `mochi sbom` through the real CLI: both formats are byte-identical across runs (and with
 * `--output`), valid for their validators, and a wrong `--format` is refused with exit 1.
 */
import "ajv";
import "ajv-formats";
import "ajv-formats-draft2019";
import assert from "node:assert/strict";
import * as CDX from "@cyclonedx/cyclonedx-library";
import { gzipSync } from "node:zlib";
import { buildTar } from "../src/store/tar_builder_testing.ts";
import { writeCargoIndex } from "./cargo_index_testing.ts";
import { writeArchive } from "../src/store/archive.ts";
import { ROOT, runCli, serveRegistrySubprocess, writeProject, writeRegistry } from "./helpers.ts";
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

guardedTest(
  "mochi sbom: a crate's licence comes from its Cargo.toml in the store, re-checked",
  async () => {
    const root = await Deno.makeTempDir({ prefix: "mochi-sbom-crate-" });
    try {
      const index = `${root}/index`;
      await Deno.mkdir(index);
      const toml = '[package]\nname = "demo"\nversion = "1.0.0"\nlicense = "MIT/Apache-2.0"\n';
      const body = new Uint8Array(
        gzipSync(buildTar([{ name: "demo-1.0.0/Cargo.toml", body: toml }])),
      );
      await writeCargoIndex(index, [{ name: "demo", vers: "1.0.0", body }]);
      await using served = await serveRegistrySubprocess(index);
      const app = `${root}/app`;
      await Deno.mkdir(app);
      await Deno.writeTextFile(
        `${app}/mochi.toml`,
        '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2026"\nmochi = ">=0.7"\n\n' +
          `[registry]\ncrates-io = "sparse+${served.url}"\n\n[targets.rust.ffi]\ndemo = "1"\n`,
      );
      const env = { MOCHI_HOME: `${root}/home` };
      const install = await runCli(["fetch", "-C", app], { env }); // downloads the .crate
      assert.equal(install.code, 0, install.stderr);
      const licenceOf = async () => {
        const r = await runCli(["sbom", "-C", app], { env });
        assert.equal(r.code, 0, r.stderr);
        const c = JSON.parse(r.stdout).components.find((c: { purl: string }) =>
          c.purl === "pkg:cargo/demo@1.0.0"
        );
        return c.licenses;
      };
      assert.deepEqual(await licenceOf(), [{ expression: "MIT OR Apache-2.0" }]);
      // An altered blob in the store is not believed.
      const flip = async (dir: string): Promise<number> => {
        let n = 0;
        for await (const e of Deno.readDir(dir)) {
          const path = `${dir}/${e.name}`;
          if (e.isDirectory) n += await flip(path);
          else if (e.isFile) {
            await Deno.chmod(path, 0o644);
            const bytes = await Deno.readFile(path);
            bytes[bytes.length - 1]! ^= 1;
            await Deno.writeFile(path, bytes);
            n++;
          }
        }
        return n;
      };
      assert.equal(await flip(`${root}/home/store/blobs`), 1);
      assert.equal(await licenceOf(), undefined);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);

guardedTest(
  "mochi sbom: a Mochi package's licence comes from its mochi.toml in the store",
  async () => {
    const root = await Deno.makeTempDir({ prefix: "mochi-sbom-pkg-" });
    try {
      const manifest = '[package]\nname = "@acme/lic"\nversion = "1.0.0"\nedition = "2026"\n' +
        'mochi = ">=0.7"\nlicense = "MIT OR Apache-2.0"\n';
      const archive = await writeArchive([
        { path: "mochi.toml", bytes: new TextEncoder().encode(manifest) },
      ]);
      await writeRegistry(`${root}/reg`, [{ name: "@acme/lic", version: "1.0.0", archive }]);
      await using served = await serveRegistrySubprocess(`${root}/reg`);
      const app = `${root}/app`;
      await writeProject(app, { [`"@acme/lic"`]: "^1.0" });
      const env = { MOCHI_HOME: `${root}/home`, MOCHI_REGISTRY: served.url };
      assert.equal((await runCli(["lock"], { cwd: app, env })).code, 0);
      const serial = async () =>
        JSON.parse((await runCli(["sbom"], { cwd: app, env })).stdout).serialNumber;
      const before = await serial(); // nothing in the store yet: no licence known
      const install = await runCli(["install"], { cwd: app, env });
      assert.equal(install.code, 0, install.stderr);
      // The licence now known changes the bytes, so it changes the serial number too.
      const after = await serial();
      assert.notEqual(after, before);
      assert.equal(await serial(), after);
      const r = await runCli(["sbom", "--format", "spdx"], { cwd: app, env });
      assert.equal(r.code, 0, r.stderr);
      const exprs = JSON.parse(r.stdout)["@graph"].flatMap((n: Record<string, unknown>) =>
        n.type === "simplelicensing_LicenseExpression" ? [n.simplelicensing_licenseExpression] : []
      );
      assert(exprs.includes("MIT OR Apache-2.0"), JSON.stringify(exprs));
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);
