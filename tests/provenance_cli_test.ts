/**
 * `mochi provenance` through the real CLI: a package published from a (simulated) GitHub Actions
 * run to a loopback registry, signed by a loopback Sigstore; its provenance verifies and shows the
 * builder, repository, ref, commit and run; `install --require-provenance-from` refuses a package
 * signed from another repository before fetching anything; a flipped bundle byte is exit 4.
 */
import assert from "node:assert/strict";
import { Ajv } from "ajv";
import { startFakeSigstore, workflowSan } from "./fake_sigstore.ts";
import { runCli, serveRegistrySubprocess, writeProject } from "./helpers.ts";
import { guardedTest } from "./stray.ts";
import { publisherEnv, writeSignedRegistry } from "./signed_registry.ts";

guardedTest(
  "mochi provenance: verified SLSA provenance of a locked package; tampering is exit 4",
  async () => {
    const tmp = await Deno.makeTempDir();
    await using fake = await startFakeSigstore();
    try {
      const { reg, rootFile, serveArgs } = await writeSignedRegistry(tmp, fake);
      await using server = await serveRegistrySubprocess(reg, serveArgs);
      const commit = "0123456789abcdef0123456789abcdef01234567";
      /** Publishes @acme/<short> 1.0.0 signed by acme/<short>'s workflow, the CI naming `ciRepo`. */
      const publishSigned = async (short: string, ciRepo: string, runId: string) => {
        const pkg = `${tmp}/${short}`;
        await Deno.mkdir(`${pkg}/src`, { recursive: true });
        await Deno.writeTextFile(
          `${pkg}/mochi.toml`,
          `[package]\nname = "@acme/${short}"\nversion = "1.0.0"\nedition = "2026"\n` +
            `mochi = ">=0.7"\ndescription = "${short}"\nlicense = "MIT"\nreadme = "README.md"\n` +
            `repository = "https://github.com/acme/${short}"\n`,
        );
        await Deno.writeTextFile(`${pkg}/README.md`, `# ${short}\n`);
        await Deno.writeTextFile(`${pkg}/src/lib.mochi`, `// ${short}\n`);
        const pub = await runCli([
          "publish",
          "--identity-token",
          fake.token(workflowSan(`acme/${short}`, "v1.0.0")),
        ], {
          cwd: pkg,
          env: {
            ...publisherEnv(`${tmp}/publisher-home`, server.url, fake),
            GITHUB_ACTIONS: "true",
            GITHUB_REPOSITORY: ciRepo,
            GITHUB_SHA: commit,
            GITHUB_REF: "refs/tags/v1.0.0",
            GITHUB_RUN_ID: runId,
          },
        });
        assert.equal(pub.code, 0, pub.stderr);
      };
      await publishSigned("core", "acme/core", "42");

      const app = `${tmp}/app`;
      await writeProject(app, { [`"@acme/core"`]: "^1.0" });
      const env = {
        MOCHI_HOME: `${tmp}/home`,
        MOCHI_REGISTRY: server.url,
        MOCHI_SIGSTORE_ROOT: rootFile,
      };
      const lock = await runCli(["lock"], { cwd: app, env });
      assert.equal(lock.code, 0, lock.stderr);

      const text = await runCli(["provenance", "@acme/core"], { cwd: app, env });
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /@acme\/core 1\.0\.0: provenance verified/);
      assert.match(text.stdout, /builder: +https:\/\/github\.com\/actions\/runner\/github-hosted/);
      assert.match(text.stdout, /repository: +https:\/\/github\.com\/acme\/core/);
      assert.match(text.stdout, /ref: +refs\/tags\/v1\.0\.0/);
      assert.match(text.stdout, new RegExp(`commit: +${commit}`));
      assert.match(
        text.stdout,
        /run: +https:\/\/github\.com\/acme\/core\/actions\/runs\/42\/attempts\/1/,
      );
      const json = await runCli(["provenance", "@acme/core@1.0.0", "--json"], { cwd: app, env });
      const doc = JSON.parse(json.stdout);
      const schema = JSON.parse(
        await Deno.readTextFile(new URL("../docs/schemas/provenance.schema.json", import.meta.url)),
      );
      const ajv = new Ajv({ strict: true, allErrors: true });
      const validate = ajv.compile(schema);
      assert(validate(doc as unknown), ajv.errorsText(validate.errors));
      assert.equal(doc.signer, workflowSan("acme/core", "v1.0.0"));
      assert.equal(doc.predicateType, "https://slsa.dev/provenance/v1");
      assert.equal(doc.commit, commit);

      const missing = await runCli(["provenance", "@acme/nope"], { cwd: app, env });
      assert.equal(missing.code, 1);

      // install --require-provenance-from: checked on the planned lock before anything is fetched.
      const lockBefore = await Deno.readTextFile(`${app}/mochi.lock`);
      const other = await runCli(
        ["install", "--require-provenance-from", "https://github.com/other/*"],
        { cwd: app, env: { ...env, MOCHI_HOME: `${tmp}/home-refused` } },
      );
      assert.equal(other.code, 4, other.stderr);
      assert.match(other.stderr, /SIG_E005/);
      assert.match(
        other.stderr,
        /@acme\/core 1\.0\.0: signed from https:\/\/github\.com\/acme\/core/,
      );
      await assert.rejects(Deno.stat(`${tmp}/home-refused/store/blobs`));
      assert.equal(await Deno.readTextFile(`${app}/mochi.lock`), lockBefore);
      const ours = await runCli(["install", "--require-provenance-from", "github.com/acme/*"], {
        cwd: app,
        env,
      });
      assert.equal(ours.code, 0, ours.stderr);
      await Deno.stat(`${tmp}/home/store/blobs`); // where the refused install stored nothing

      // Signed by acme/extra's workflow, but its SLSA provenance names another source
      // repository: the signer passes the pattern, the predicate does not.
      await publishSigned("extra", "mallory/extra", "43");
      const app2 = `${tmp}/app2`;
      await writeProject(app2, { [`"@acme/core"`]: "^1.0", [`"@acme/extra"`]: "^1.0" });
      assert.equal((await runCli(["lock"], { cwd: app2, env })).code, 0);
      const lock2 = await Deno.readTextFile(`${app2}/mochi.lock`);
      const forged = await runCli(["install", "--require-provenance-from", "github.com/acme/*"], {
        cwd: app2,
        env: { ...env, MOCHI_HOME: `${tmp}/home-forged` },
      });
      assert.equal(forged.code, 4, forged.stderr);
      assert.match(forged.stderr, /SIG_E005/);
      assert.match(
        forged.stderr,
        /@acme\/extra 1\.0\.0: its SLSA provenance names the source "https:\/\/github\.com\/mallory\/extra"/,
      );
      assert.doesNotMatch(forged.stderr, /@acme\/core/);
      await assert.rejects(Deno.stat(`${tmp}/home-forged/store/blobs`));
      assert.equal(await Deno.readTextFile(`${app2}/mochi.lock`), lock2);
      // With no lock, the install resolves once, then refuses before writing one.
      await Deno.remove(`${app2}/mochi.lock`);
      const fresh = await runCli(["install", "--require-provenance-from", "github.com/acme/*"], {
        cwd: app2,
        env: { ...env, MOCHI_HOME: `${tmp}/home-fresh` },
      });
      assert.equal(fresh.code, 4, fresh.stderr);
      assert.match(fresh.stderr, /@acme\/extra 1\.0\.0: its SLSA provenance names the source/);
      await assert.rejects(Deno.stat(`${app2}/mochi.lock`));
      await assert.rejects(Deno.stat(`${tmp}/home-fresh/store/blobs`));

      // A flipped byte in the DSSE signature: exit 4.
      const lockText = await Deno.readTextFile(`${app}/mochi.lock`);
      const b3 = lockText.match(/blake3 = "([0-9a-f]{64})"/)![1]!;
      const bundlePath = `${reg}/blobs/${b3}.sigstore`;
      const bundle = JSON.parse(await Deno.readTextFile(bundlePath));
      const sig: string = bundle.dsseEnvelope.signatures[0].sig;
      bundle.dsseEnvelope.signatures[0].sig = sig.slice(0, 10) + (sig[10] === "A" ? "B" : "A") +
        sig.slice(11);
      await Deno.writeTextFile(bundlePath, JSON.stringify(bundle));
      const bad = await runCli(["provenance", "@acme/core"], { cwd: app, env });
      assert.equal(bad.code, 4, bad.stderr);
      assert.match(bad.stderr, /SIG_E004/);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
);
