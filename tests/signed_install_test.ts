/**
 * Publish → install round trips on loopback, all through the CLI as real subprocesses: a fake
 * Fulcio + Rekor, `mochi registry serve --allow-publish`, `mochi publish`, `mochi install`.
 * A flipped byte in a bundle, a flipped byte in a blob, or another signer each make install exit
 * 4 naming the package and the reason, with the store and lock unchanged. A new publisher is
 * refused until `--accept-publisher`; unsigned packages warn, or fail with
 * `--require-signatures`.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { signStatement } from "../src/publish/client/sign.ts";
import { parseLockfile } from "../src/lockfile/mod.ts";
import type { Statement } from "../src/publish/mod.ts";
import { type FakeSigstore, startFakeSigstore, workflowSan } from "./fake_sigstore.ts";
import {
  runCli,
  serveRegistrySubprocess,
  snapshotTree,
  writeProject,
  writeRegistry,
} from "./helpers.ts";
import { guardedTest } from "./stray.ts";
import { publisherEnv, writeSignedRegistry } from "./signed_registry.ts";

function toml(name: string, version: string, deps: Record<string, string> = {}): string {
  return `[package]
name = "${name}"
version = "${version}"
edition = "2026"
mochi = ">=0.7"
description = "${name} for tests"
license = "MIT"
readme = "README.md"
repository = "https://github.com/${name.slice(1)}"

[dependencies]
${Object.entries(deps).map(([n, r]) => `"${n}" = "${r}"`).join("\n")}
`;
}

async function publish(
  fake: FakeSigstore,
  env: Record<string, string>,
  dir: string,
  name: string,
  version: string,
  san: string,
  deps: Record<string, string> = {},
): Promise<void> {
  await Deno.mkdir(`${dir}/src`, { recursive: true });
  await Deno.writeTextFile(`${dir}/mochi.toml`, toml(name, version, deps));
  await Deno.writeTextFile(`${dir}/README.md`, `# ${name}\n`);
  await Deno.writeTextFile(`${dir}/src/lib.mochi`, `// ${name} ${version}\n`);
  const r = await runCli(["publish", "--identity-token", fake.token(san)], { cwd: dir, env });
  assert.equal(r.code, 0, r.stderr);
}

/** The store's contents: blobs, trees and temp files (lock files are bookkeeping, empty). */
async function storeContents(dir: string): Promise<string[]> {
  return (await snapshotTree(dir)).filter((e) =>
    !e.startsWith(".lock ") && !/^locks\/\S+ 0$/.test(e)
  );
}

function flipBase64Char(text: string, at: number): string {
  return text.slice(0, at) + (text[at] === "A" ? "B" : "A") + text.slice(at + 1);
}

guardedTest(
  "signed install: round trip verifies; flipped bundle, flipped blob, other signer exit 4; store unchanged",
  async () => {
    const tmp = await Deno.makeTempDir();
    await using fake = await startFakeSigstore();
    try {
      const { reg, rootFile, serveArgs } = await writeSignedRegistry(tmp, fake);
      await using server = await serveRegistrySubprocess(reg, serveArgs);
      const pubEnv = publisherEnv(`${tmp}/publisher-home`, server.url, fake);
      const coreSan = workflowSan("acme/core", "v1.0.0");
      await publish(fake, pubEnv, `${tmp}/core`, "@acme/core", "1.0.0", coreSan);
      await publish(
        fake,
        pubEnv,
        `${tmp}/strings`,
        "@acme/strings",
        "1.0.0",
        workflowSan("acme/strings"),
        {
          "@acme/core": "^1.0",
        },
      );

      const env = (home: string) => ({
        MOCHI_HOME: home,
        MOCHI_REGISTRY: server.url,
        MOCHI_SIGSTORE_ROOT: rootFile,
      });

      // The round trip.
      const app = `${tmp}/app`;
      await writeProject(app, { [`"@acme/strings"`]: "^1.0" });
      const ok = await runCli(["install", "--require-signatures"], {
        cwd: app,
        env: env(`${tmp}/home`),
      });
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /Verified 2 Sigstore signatures/);
      assert.doesNotMatch(ok.stderr, /warning/);
      const lock = parseLockfile(await Deno.readTextFile(`${app}/mochi.lock`));
      const core = lock.packages.find((p) => p.name === "@acme/core")!;
      assert.equal(core.signer, "https://github.com/acme/core/.github/workflows/release.yml");
      assert.equal(core.signerIssuer, "https://token.actions.githubusercontent.com");
      const coreBlob = `${reg}/blobs/${core.blake3}`;
      const coreBundle = `${coreBlob}.sigstore`;
      const goodBlob = await Deno.readFile(coreBlob);
      const goodBundle = await Deno.readTextFile(coreBundle);

      const expectRefused = async (label: string, code: string, reason: RegExp): Promise<void> => {
        const home = `${tmp}/home-${label}`;
        const dir = `${tmp}/app-${label}`;
        await writeProject(dir, { [`"@acme/strings"`]: "^1.0" });
        const storeBefore = await storeContents(`${home}/store`);
        const r = await runCli(["install"], { cwd: dir, env: env(home) });
        assert.equal(r.code, 4, `${label}: ${r.stderr}`);
        assert.match(r.stderr, new RegExp(`error\\[${code}\\]: @acme/core 1\\.0\\.0`), label);
        assert.match(r.stderr, reason, `${label}: ${r.stderr}`);
        assert.deepEqual(
          await storeContents(`${home}/store`),
          storeBefore,
          `${label}: store changed`,
        );
        await assert.rejects(Deno.stat(`${dir}/mochi.lock`), Deno.errors.NotFound);
      };

      // A flipped byte in the bundle (inside the DSSE signature).
      const b = JSON.parse(goodBundle);
      b.dsseEnvelope.signatures[0].sig = flipBase64Char(b.dsseEnvelope.signatures[0].sig, 10);
      await Deno.writeTextFile(coreBundle, JSON.stringify(b));
      await expectRefused("bundle", "SIG_E004", /signature does not verify/);
      await Deno.writeTextFile(coreBundle, goodBundle);

      // A flipped byte in the blob.
      const bad = goodBlob.slice();
      bad[bad.length - 1]! ^= 0x01;
      await Deno.writeFile(coreBlob, bad);
      await expectRefused("blob", "BLOB_E001", /does not match its pinned digests/);
      await Deno.writeFile(coreBlob, goodBlob);

      // The same statement signed by someone else.
      const statement = JSON.parse(
        Buffer.from(b.dsseEnvelope.payload, "base64").toString("utf8"),
      ) as Statement;
      const forged = await signStatement({
        statement,
        identityToken: fake.token(workflowSan("mallory/core")),
        fulcioUrl: fake.url,
        rekorUrl: fake.url,
      });
      await Deno.writeTextFile(coreBundle, forged);
      await expectRefused("signer", "SIG_E005", /signed by https:\/\/github\.com\/mallory\/core/);
      await Deno.writeTextFile(coreBundle, goodBundle);

      // A missing bundle: the package is named, nothing is stored.
      await Deno.remove(coreBundle);
      {
        const home = `${tmp}/home-missing`;
        await writeProject(`${tmp}/app-missing`, { [`"@acme/strings"`]: "^1.0" });
        const r = await runCli(["install"], { cwd: `${tmp}/app-missing`, env: env(home) });
        assert.notEqual(r.code, 0);
        assert.match(
          r.stderr,
          /@acme\/core 1\.0\.0 is signed .* but its Sigstore bundle could not be fetched/,
        );
        assert.deepEqual(await storeContents(`${home}/store`), []);
      }
      await Deno.writeTextFile(coreBundle, goodBundle);

      // With everything restored the same install works again.
      const again = await runCli(["install"], {
        cwd: `${tmp}/app-signer`,
        env: env(`${tmp}/home-signer`),
      });
      assert.equal(again.code, 0, again.stderr);

      // A new publisher of @acme/core (the binding was rotated on the registry): refused on update
      // until accepted.
      // (The operator rewrites the binding: an existing name is never claimed by an upload.)
      await Deno.writeTextFile(
        `${reg}/.publishers/co/re/acme/core.json`,
        JSON.stringify({
          issuer: "https://token.actions.githubusercontent.com",
          subjectPattern: "^https://github\\.com/mallory/core/.+$",
        }),
      );
      await publish(
        fake,
        pubEnv,
        `${tmp}/core2`,
        "@acme/core",
        "1.1.0",
        workflowSan("mallory/core", "v1.1.0"),
      );
      await writeProject(app, { [`"@acme/strings"`]: "^1.0", [`"@acme/core"`]: "^1.1" });
      const lockBefore = await Deno.readTextFile(`${app}/mochi.lock`);
      const refused = await runCli(["install"], { cwd: app, env: env(`${tmp}/home`) });
      assert.equal(refused.code, 4, refused.stderr);
      assert.match(refused.stderr, /SIG_E008/);
      assert.match(
        refused.stderr,
        /@acme\/core 1\.1\.0 is published by https:\/\/github\.com\/mallory\/core/,
      );
      assert.match(refused.stderr, /--accept-publisher @acme\/core/);
      assert.equal(await Deno.readTextFile(`${app}/mochi.lock`), lockBefore);
      const accepted = await runCli(["install", "--accept-publisher", "@acme/core"], {
        cwd: app,
        env: env(`${tmp}/home`),
      });
      assert.equal(accepted.code, 0, accepted.stderr);
      const newLock = parseLockfile(await Deno.readTextFile(`${app}/mochi.lock`));
      assert.equal(
        newLock.packages.find((p) => p.name === "@acme/core")!.signer,
        "https://github.com/mallory/core/.github/workflows/release.yml",
      );
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
);

guardedTest("unsigned packages: a warning, or exit 4 with --require-signatures", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    await writeRegistry(`${tmp}/reg`, [{ name: "plain", version: "1.0.0" }]);
    await writeProject(`${tmp}/app`, { plain: "^1" });
    const env = { MOCHI_HOME: `${tmp}/home`, MOCHI_REGISTRY: `${tmp}/reg` };
    const strict = await runCli(["install", "--require-signatures"], { cwd: `${tmp}/app`, env });
    assert.equal(strict.code, 4, strict.stderr);
    assert.match(strict.stderr, /SIG_E009.*plain 1\.0\.0/);
    assert.deepEqual(await storeContents(`${tmp}/home/store`), []);
    const lax = await runCli(["install"], { cwd: `${tmp}/app`, env });
    assert.equal(lax.code, 0, lax.stderr);
    assert.match(lax.stderr, /warning: 1 package\(s\) have no Sigstore signature: plain 1\.0\.0/);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
