/**
 * `mochi publish --target …` through the real CLI (a subprocess) on a project with a
 * `[targets.typescript]` table: the dry run lists every artifact with name, version, size,
 * digest and destination and asks for no token; the real run signs each artifact (loopback
 * Fulcio/Rekor, GitHub-style OIDC), writes `target/fanout/<ecosystem>/` and uploads to loopback
 * npm and JSR registries; unknown and missing targets, `--strict` and its refusals.
 */
import assert from "node:assert/strict";
import { startFakeSigstore, workflowSan } from "./fake_sigstore.ts";
import { startFakeJsr } from "./fake_jsr.ts";
import { startFakeNpm } from "./fake_npm.ts";
import { TS_OUT } from "./fanout_js_fixture.ts";
import { ROOT, runCli } from "./helpers.ts";
import { guardedTest } from "./stray.ts";
import { githubActionsEnv } from "./signed_registry.ts";

const TOML = `[package]
name = "@acme/greet"
version = "1.2.0"
edition = "2026"
mochi = ">=0.7"
description = "Greets people"
license = "MIT"
readme = "README.md"
repository = "https://github.com/acme/greet"

[targets.typescript]
out = "target/typescript"
`;

async function writeProject(dir: string, extra = "") {
  await Deno.mkdir(`${dir}/src`, { recursive: true });
  await Deno.mkdir(`${dir}/target/typescript`, { recursive: true });
  await Deno.writeTextFile(`${dir}/mochi.toml`, TOML + extra);
  await Deno.writeTextFile(`${dir}/README.md`, "# greet\n");
  await Deno.writeTextFile(`${dir}/src/lib.mochi`, "// greet\n");
  for await (const e of Deno.readDir(TS_OUT)) {
    await Deno.copyFile(`${TS_OUT}/${e.name}`, `${dir}/target/typescript/${e.name}`);
  }
}

guardedTest("mochi publish --target: dry run, signed upload to npm and JSR, refusals", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "mochi-publish-target-" });
  try {
    await using sig = await startFakeSigstore();
    await using npm = startFakeNpm();
    await using jsr = startFakeJsr();
    jsr.packages.add("@acme/greet");
    sig.oidcSubject = workflowSan("acme/greet", "v1.2.0");
    const pkg = `${tmp}/pkg`;
    await writeProject(pkg);
    const env = {
      MOCHI_HOME: `${tmp}/home`,
      MOCHI_FULCIO_URL: sig.url,
      MOCHI_REKOR_URL: sig.url,
      ...githubActionsEnv(sig, "acme/greet", "v1.2.0"),
      MOCHI_NPM_REGISTRY: npm.url,
      MOCHI_NPM_TOKEN: npm.token,
      MOCHI_JSR_REGISTRY: jsr.api,
      MOCHI_JSR_TOKEN: jsr.token,
    };

    const dry = await runCli(["publish", "--target", "all", "--dry-run"], { cwd: pkg, env });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /Dry run: nothing was signed or uploaded/);
    const npmRow = new RegExp(
      `Would publish npm @acme/greet 1\\.2\\.0 → ${
        npm.url.replace(/[.]/g, "\\.")
      } \\(MOCHI_NPM_REGISTRY\\)`,
    );
    assert.match(dry.stdout, npmRow);
    assert.match(
      dry.stdout,
      /Would publish jsr @acme\/greet 1\.2\.0 → http:\/\/127\.0\.0\.1:\d+\/api\/ \(MOCHI_JSR_REGISTRY\)/,
    );
    assert.match(dry.stdout, /acme-greet-1\.2\.0\.tgz {2}\d+ bytes {2}sha256 [0-9a-f]{64}/);
    assert.match(dry.stdout, /acme-greet-1\.2\.0\.jsr\.tgz {2}\d+ bytes {2}sha256 [0-9a-f]{64}/);
    assert.equal(sig.oidcRequests, 0, "a dry run asks for no token");
    assert.equal(npm.puts, 0);

    // Strict, and JSR has no registry: nothing is signed or uploaded, npm included.
    const { MOCHI_JSR_REGISTRY: _, ...noJsr } = env;
    const strict = await runCli(["publish", "--target", "all", "--strict"], {
      cwd: pkg,
      env: noJsr,
    });
    assert.equal(strict.code, 1, strict.stderr);
    assert.match(strict.stderr, /error\[FANOUT_E010\]: no jsr registry/);
    assert.match(strict.stderr, /MOCHI_JSR_REGISTRY/);
    assert.match(strict.stdout, /Skipped npm @acme\/greet 1\.2\.0/);
    assert.equal(sig.oidcRequests, 0);
    assert.equal(npm.puts, 0);

    const r = await runCli(["publish", "--target", "npm", "--target", "jsr"], { cwd: pkg, env });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /OIDC token from github-actions/);
    assert.match(r.stdout, /Published npm @acme\/greet 1\.2\.0/);
    assert.match(r.stdout, /Published jsr @acme\/greet 1\.2\.0/);
    assert.equal(sig.oidcRequests, 1, "one token for every target");
    const npmDir = await Array.fromAsync(Deno.readDir(`${pkg}/target/fanout/npm`));
    assert.deepEqual(npmDir.map((e) => e.name).sort(), [
      "acme-greet-1.2.0.tgz",
      "acme-greet-1.2.0.tgz.sigstore.json",
    ]);
    assert.ok(npm.published.get("@acme/greet@1.2.0")?.bundle, "npm got the provenance bundle");
    assert.ok(jsr.published.get("@acme/greet@1.2.0")?.has("/jsr.json"));

    const typo = await runCli(["publish", "--target", "pypl", "--dry-run"], { cwd: pkg, env });
    assert.equal(typo.code, 1);
    assert.match(typo.stderr, /FANOUT_E011[\s\S]*did you mean "pypi"/);
    const notOpted = await runCli(["publish", "--target", "hex", "--dry-run"], { cwd: pkg, env });
    assert.equal(notOpted.code, 1);
    assert.match(notOpted.stderr, /FANOUT_E011[\s\S]*\[targets\.beam\]/);
    const bare = await runCli(["publish", "--strict"], { cwd: pkg, env });
    assert.equal(bare.code, 1);
    assert.match(bare.stderr, /CLI_E001[\s\S]*--strict is for publishing with --target/);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

guardedTest(
  "mochi publish --target all --dry-run lists the artifacts of all eight targets",
  async () => {
    const tmp = await Deno.makeTempDir({ prefix: "mochi-publish-all-" });
    try {
      await copyTree(`${ROOT}/fixtures/fanout/lib`, `${tmp}/lib`);
      const r = await runCli(["publish", "--target", "all", "--dry-run"], {
        cwd: `${tmp}/lib`,
        env: { MOCHI_HOME: `${tmp}/home`, MOCHI_NPM_REGISTRY: "http://127.0.0.1:9/" },
      });
      assert.equal(r.code, 0, r.stderr + r.stdout);
      for (const eco of ["npm", "jsr", "pypi", "maven", "nuget", "crates", "hex", "swiftpm"]) {
        assert.match(r.stdout, new RegExp(`^Would publish ${eco} \\S+ \\S+ → `, "m"), eco);
      }
      // Every listed artifact has a size and a SHA-256.
      const rows = r.stdout.split("\n").filter((l) => /^ {2}\S+ {2}\d+ bytes {2}sha256 /.test(l));
      assert.ok(rows.length >= 8, r.stdout);
      for (const l of rows) assert.match(l, /sha256 [0-9a-f]{64}$/);
      assert.match(r.stdout, /Would publish npm @mochi\/greet 0\.3\.1 → http:\/\/127\.0\.0\.1:9\//);
      // Targets without a registry are said, not failed, in a dry run.
      assert.match(r.stderr, /warning: jsr cannot be published: no jsr registry/);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
);

async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) await copyTree(`${from}/${e.name}`, `${to}/${e.name}`);
    else if (e.isFile) await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}
