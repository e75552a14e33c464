/**
 * The author's side reads the registry through the same client as install (issue 12 item 2):
 * `mochi yank` signs over digests from a snapshot-verified read, so an index file that does not
 * match the registry's signed snapshot is refused before any token is asked for; `mochi audit
 * capabilities` checks the snapshot too.
 */
import assert from "node:assert/strict";
import { formatIndexRecord, indexPath } from "../src/index/mod.ts";
import { yankPackage } from "../src/publish/client/publish.ts";
import { startFakeSigstore, workflowSan } from "./fake_sigstore.ts";
import { runCli, serveRegistrySubprocess } from "./helpers.ts";
import { publisherEnv, writeSignedRegistry } from "./signed_registry.ts";
import { guardedTest } from "./stray.ts";

const TOML = `[package]
name = "@acme/strings"
version = "1.0.0"
edition = "2026"
mochi = ">=0.7"
description = "String helpers"
license = "MIT"
readme = "README.md"
repository = "https://github.com/acme/strings"
`;

guardedTest(
  "mochi yank and audit capabilities refuse an index file that does not match the signed snapshot",
  async () => {
    const tmp = await Deno.makeTempDir();
    await using fake = await startFakeSigstore();
    try {
      const { reg, rootFile, serveArgs } = await writeSignedRegistry(tmp, fake, { snapshot: true });
      await using server = await serveRegistrySubprocess(reg, serveArgs);
      const token = fake.token(workflowSan("acme/strings", "v1.0.0"));
      const env = {
        ...publisherEnv(`${tmp}/home`, server.url, fake),
        MOCHI_SIGSTORE_ROOT: rootFile,
        GITHUB_ACTIONS: "true",
        GITHUB_REPOSITORY: "acme/strings",
        ACTIONS_ID_TOKEN_REQUEST_URL: fake.oidcRequestUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: fake.oidcRequestToken,
      };
      fake.oidcSubject = workflowSan("acme/strings", "v1.0.0");
      const pkg = `${tmp}/pkg`;
      await Deno.mkdir(`${pkg}/src`, { recursive: true });
      await Deno.writeTextFile(`${pkg}/mochi.toml`, TOML);
      await Deno.writeTextFile(`${pkg}/README.md`, "# strings\n");
      await Deno.writeTextFile(`${pkg}/src/lib.mochi`, "// 1.0.0\n");
      const published = await runCli(["publish"], { cwd: pkg, env });
      assert.equal(published.code, 0, published.stderr);
      const app = `${tmp}/app`;
      await Deno.mkdir(app);
      await Deno.writeTextFile(
        `${app}/mochi.toml`,
        '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2026"\nmochi = ">=0.7"\n\n' +
          '[dependencies]\n"@acme/strings" = "1"\n',
      );
      const installed = await runCli(["install"], { cwd: app, env });
      assert.equal(installed.code, 0, installed.stderr);
      const tokensBefore = fake.oidcRequests;

      // Someone rewrites the index file behind the snapshot's back.
      const file = `${reg}/${indexPath("@acme/strings")}`;
      const text = await Deno.readTextFile(file);
      await Deno.writeTextFile(file, text.replace(/}\n$/, ',"y":true}\n'));
      assert.notEqual(await Deno.readTextFile(file), text);

      const yank = await runCli(["yank", "@acme/strings@1.0.0", "--identity-token", token], {
        cwd: tmp,
        env,
      });
      assert.equal(yank.code, 4, yank.stderr);
      assert.match(yank.stderr, /SNAPSHOT_E00/);
      assert.equal(fake.oidcRequests, tokensBefore, "nothing was signed");

      const audit = await runCli(["audit", "capabilities"], { cwd: app, env });
      assert.equal(audit.code, 4, audit.stderr);
      assert.match(audit.stderr, /SNAPSHOT_E00/);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
);

guardedTest(
  "mochi yank: an endless answer from the publish API is cut off (PUB_E011)",
  async () => {
    const tmp = await Deno.makeTempDir();
    await using fake = await startFakeSigstore();
    const record = formatIndexRecord({
      version: "1.0.0",
      blake3: "a".repeat(64),
      sha256: "b".repeat(64),
      dependencies: {},
      yanked: false,
      capabilities: [],
      extra: {},
    }) + "\n";
    const ac = new AbortController();
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
      async (req) => {
        const path = new URL(req.url).pathname;
        if (path === "/config.json") return new Response('{"dl": "blobs/", "api": null}');
        if (path === `/${indexPath("@acme/strings")}`) return new Response(record);
        if (req.method === "POST") {
          await req.body?.cancel();
          let sent = 0;
          return new Response(
            new ReadableStream({
              pull(c) {
                sent += 65536;
                if (sent > 64 * 1024 * 1024) c.close(); // bounded, far past the cap
                else c.enqueue(new Uint8Array(65536).fill(32));
              },
            }),
            { status: 500 },
          );
        }
        return new Response("", { status: 404 });
      },
    );
    try {
      let code = "";
      try {
        await yankPackage({
          name: "@acme/strings",
          version: "1.0.0",
          action: "yank",
          registryUrl: `http://127.0.0.1:${server.addr.port}/`,
          env: {},
          identityToken: fake.token(workflowSan("acme/strings", "v1.0.0")),
          fulcioUrl: fake.url,
          rekorUrl: fake.url,
          mochiHome: `${tmp}/home`,
        });
      } catch (e) {
        code = (e as { code?: string }).code ?? String(e);
      }
      assert.equal(code, "PUB_E011");
    } finally {
      ac.abort();
      await server.finished;
      await Deno.remove(tmp, { recursive: true });
    }
  },
);
