/**
 * `mochi publish` through the CLI against `mochi registry serve --allow-publish` (both real
 * subprocesses) and a loopback fake Fulcio + Rekor + GitHub-style OIDC token endpoint.
 */
import assert from "node:assert/strict";
import { FAKE_ISSUER, startFakeSigstore, workflowSan } from "./fake_sigstore.ts";
import { runCli, serveRegistrySubprocess } from "./helpers.ts";
import { githubActionsEnv, publisherEnv, writeSignedRegistry } from "./signed_registry.ts";
import { guardedTest } from "./stray.ts";

const TOML = (version: string) =>
  `[package]
name = "@acme/strings"
version = "${version}"
edition = "2026"
mochi = ">=0.7"
description = "String helpers"
license = "MIT"
readme = "README.md"
repository = "https://github.com/acme/strings"
`;

async function writePkg(dir: string, version: string) {
  await Deno.mkdir(`${dir}/src`, { recursive: true });
  await Deno.writeTextFile(`${dir}/mochi.toml`, TOML(version));
  await Deno.writeTextFile(`${dir}/README.md`, "# strings\n");
  await Deno.writeTextFile(`${dir}/src/lib.mochi`, `// ${version}\n`);
}

async function grepTree(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  async function walk(d: string) {
    for await (const e of Deno.readDir(d)) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else if (e.isFile && (await Deno.readTextFile(p).catch(() => "")).includes(needle)) {
        hits.push(p);
      }
    }
  }
  await walk(dir);
  return hits;
}

guardedTest(
  "mochi publish: GitHub Actions token, idempotent, wrong publisher 403, token never on disk",
  async () => {
    const tmp = await Deno.makeTempDir();
    await using fake = await startFakeSigstore();
    try {
      const { reg, serveArgs } = await writeSignedRegistry(tmp, fake);
      await using server = await serveRegistrySubprocess(reg, serveArgs);
      const home = `${tmp}/home`;
      const base = publisherEnv(home, server.url, fake);
      const owner = workflowSan("acme/strings", "v1.0.0");
      fake.oidcSubject = owner;
      const gha = {
        ...base,
        ...githubActionsEnv(fake, "acme/strings", "v1.0.0"),
      };
      const pkg = `${tmp}/pkg`;
      await writePkg(pkg, "1.0.0");

      const dry = await runCli(["publish", "--dry-run"], { cwd: pkg, env: gha });
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /"predicateType": "https:\/\/slsa.dev\/provenance\/v1"/);
      assert.match(dry.stdout, /"gitCommit": "0123456789abcdef0123456789abcdef01234567"/);
      assert.equal(fake.oidcRequests, 0, "a dry run asks for no token");

      const r1 = await runCli(["publish"], { cwd: pkg, env: gha });
      assert.equal(r1.code, 0, r1.stderr);
      assert.match(r1.stdout, /OIDC token from github-actions/);
      assert.match(r1.stdout, /Published @acme\/strings 1\.0\.0/);
      assert.equal(fake.oidcRequests, 1);

      const r2 = await runCli(["publish"], { cwd: pkg, env: gha });
      assert.equal(r2.code, 0, r2.stderr);
      assert.match(r2.stdout, /already published with these exact bytes/);

      const none = await runCli(["publish"], { cwd: pkg, env: base });
      assert.equal(none.code, 1);
      assert.match(none.stderr, /PUB_E009/);

      await writePkg(pkg, "1.1.0");
      const intruderToken = fake.token(workflowSan("mallory/strings", "v1.1.0"));
      const r3 = await runCli(["publish"], {
        cwd: pkg,
        env: { ...base, SIGSTORE_ID_TOKEN: intruderToken },
      });
      assert.equal(r3.code, 4, r3.stderr);
      assert.match(r3.stderr, /PUB_E005/);
      assert.match(r3.stderr, /mallory\/strings/);

      const ownerToken = fake.token(workflowSan("acme/strings", "v1.1.0"), FAKE_ISSUER);
      const r4 = await runCli(["publish", "--identity-token", ownerToken], { cwd: pkg, env: base });
      assert.equal(r4.code, 0, r4.stderr);
      assert.match(r4.stdout, /Published @acme\/strings 1\.1\.0/);

      // A patch release that adds a capability is refused by the preflight, before signing.
      await writePkg(pkg, "1.1.1");
      await Deno.writeTextFile(
        `${pkg}/mochi.toml`,
        TOML("1.1.1") + '\n[capabilities]\nrequired = ["net.dial"]\n',
      );
      const patch = await runCli(["publish", "--identity-token", ownerToken], {
        cwd: pkg,
        env: base,
      });
      assert.equal(patch.code, 1, patch.stderr);
      assert.match(patch.stderr, /CAP_E002/);
      assert.match(patch.stderr, /net\.dial/);

      // Yank and unyank through the CLI, signed like a publish.
      const y1 = await runCli(["yank", "@acme/strings@1.0.0", "--reason", "broken"], {
        cwd: tmp,
        env: { ...base, SIGSTORE_ID_TOKEN: intruderToken },
      });
      assert.equal(y1.code, 4, y1.stderr);
      assert.match(y1.stderr, /PUB_E005/);
      const y2 = await runCli(
        ["yank", "@acme/strings@1.0.0", "--reason", "broken", "--identity-token", ownerToken],
        { cwd: tmp, env: base },
      );
      assert.equal(y2.code, 0, y2.stderr);
      assert.match(y2.stdout, /Yanked @acme\/strings 1\.0\.0/);
      const index = await Deno.readTextFile(`${reg}/st/ri/acme/strings`);
      assert.match(index.split("\n")[0]!, /"y":true,"yr":"broken"/);
      const y3 = await runCli([
        "yank",
        "@acme/strings@1.0.0",
        "--undo",
        "--identity-token",
        ownerToken,
      ], {
        cwd: tmp,
        env: base,
      });
      assert.equal(y3.code, 0, y3.stderr);
      assert.doesNotMatch(await Deno.readTextFile(`${reg}/st/ri/acme/strings`), /"y":true/);

      for (const t of [intruderToken, ownerToken, fake.oidcRequestToken]) {
        assert.deepEqual(await grepTree(tmp, t), [], "a token was written to disk");
      }
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
);
