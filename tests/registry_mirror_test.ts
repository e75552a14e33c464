/**
 * Issue 19, mirrors: `mochi mirror sync` copies a primary that signs its snapshot; `mochi install`
 * with `MOCHI_MIRRORS` fails over from a dead primary to the mirror and checks everything against
 * the primary's signed snapshot (pinned on the first install); three tampered mirrors (a changed
 * blob, an extra version, a stale snapshot) are refused, and `mochi mirror audit` names each
 * divergence. Real CLI subprocesses, registries served on 127.0.0.1.
 */
import assert from "node:assert/strict";
import { serveRegistry } from "../src/registry/server/registry_server.ts";
import {
  generateSnapshotKey,
  readSnapshotKey,
  writeRegistrySnapshot,
  writeSnapshotKeyFile,
} from "../src/registry/server/registry_snapshot.ts";
import { formatSnapshot, parseIndexFile, signSnapshot } from "../src/index/mod.ts";
import { syncMirror } from "../src/registry/server/mirror.ts";
import { openStorage } from "../src/registry/server/storage.ts";
import {
  runCli,
  serveRegistrySubprocess,
  snapshotTree,
  writeProject,
  writeRegistry,
} from "./helpers.ts";
import { startFakeSigstore, workflowSan } from "./fake_sigstore.ts";
import { guardedTest } from "./stray.ts";
import { publisherEnv, writeSignedRegistry } from "./signed_registry.ts";

async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) await copyDir(`${from}/${e.name}`, `${to}/${e.name}`);
    else if (e.isFile) await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}

function served(dir: string, hits?: { n: number }) {
  return serveRegistry(dir, hits === undefined ? {} : { onResponse: () => void hits.n++ });
}

guardedTest(
  "mirrors: failover from a dead primary, tampered mirrors refused, audit names each",
  async () => {
    const tmp = await Deno.makeTempDir();
    const stop: (() => Promise<void>)[] = [];
    try {
      const primaryDir = `${tmp}/primary`;
      await writeRegistry(primaryDir, [
        { name: "serde", version: "1.0.0" },
        { name: "serde", version: "1.1.0" },
        { name: "rand", version: "0.8.5", deps: { serde: "^1" } },
      ]);
      const keyPath = `${tmp}/snap.key`;
      await writeSnapshotKeyFile(keyPath);
      const privateKeyFile = await Deno.readTextFile(keyPath);
      await writeRegistrySnapshot(primaryDir, { privateKeyFile });
      let primary = served(primaryDir);
      stop.push(() => primary.shutdown());

      // A mirror synced at snapshot version 1 (it will go stale), then the primary moves to 2.
      const sync1 = await runCli(["mirror", "sync", primary.url, `${tmp}/m-stale`]);
      assert.equal(sync1.code, 0, sync1.stderr);
      assert.match(sync1.stdout, /snapshot version 1 .*: 2 index files, 3 blobs/);
      await writeRegistrySnapshot(primaryDir, { privateKeyFile });
      const sync2 = await runCli(["mirror", "sync", primary.url, `${tmp}/m-good`]);
      assert.equal(sync2.code, 0, sync2.stderr);
      assert.match(sync2.stdout, /snapshot version 2/);
      // Incremental: nothing to copy the second time.
      const again = await runCli(["mirror", "sync", primary.url, `${tmp}/m-good`]);
      assert.match(again.stdout, /up to date \(snapshot version 2\)/);

      // Tampered copies of the good mirror.
      await copyDir(`${tmp}/m-good`, `${tmp}/m-blob`);
      await copyDir(`${tmp}/m-good`, `${tmp}/m-extra`);
      const serdeIndex = await Deno.readTextFile(`${primaryDir}/se/rd/-/serde`);
      const serde11 = parseIndexFile("serde", serdeIndex).find((r) => r.version === "1.1.0")!;
      const blobPath = `${tmp}/m-blob/blobs/${serde11.blake3}`;
      const bytes = await Deno.readFile(blobPath);
      bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
      await Deno.writeFile(blobPath, bytes);
      const extraLine = serdeIndex.trimEnd().split("\n").at(-1)!.replace('"1.1.0"', '"1.2.0"');
      await Deno.writeTextFile(`${tmp}/m-extra/se/rd/-/serde`, serdeIndex + extraLine + "\n");

      const good = { n: 0 };
      const mirrors = {
        good: served(`${tmp}/m-good`, good),
        blob: served(`${tmp}/m-blob`),
        extra: served(`${tmp}/m-extra`),
        stale: served(`${tmp}/m-stale`),
      };
      for (const m of Object.values(mirrors)) stop.push(() => m.shutdown());

      // First install from the live primary pins its key and snapshot version 2.
      const app = `${tmp}/app`;
      await writeProject(app, { rand: "^0.8" });
      const home = `${tmp}/home`;
      const env = (h: string, mirror: string) => ({
        MOCHI_HOME: h,
        MOCHI_REGISTRY: primary.url,
        MOCHI_MIRRORS: mirror,
      });
      const first = await runCli(["install", "-C", app], { env: env(home, mirrors.good.url) });
      assert.equal(first.code, 0, first.stderr);
      assert.equal(good.n, 0, "the primary answered: the mirror was not asked");
      const lock = await Deno.readTextFile(`${app}/mochi.lock`);

      // The primary goes down. A fresh store (trust state kept) installs through the mirror.
      const primaryUrl = primary.url;
      await primary.shutdown();
      stop.shift();
      const freshHome = async (name: string) => {
        const h = `${tmp}/${name}`;
        await copyDir(`${home}/state`, `${h}/state`);
        return h;
      };
      const viaMirror = await runCli(["install", "-C", app], {
        env: { ...env(await freshHome("h-good"), mirrors.good.url), MOCHI_REGISTRY: primaryUrl },
      });
      assert.equal(viaMirror.code, 0, viaMirror.stderr);
      assert.ok(good.n > 0, "the mirror served the install");
      assert.equal(await Deno.readTextFile(`${app}/mochi.lock`), lock);
      // Resolving again (no lock) reads the mirror's index files, checked against the snapshot.
      await Deno.remove(`${app}/mochi.lock`);
      const resolved = await runCli(["install", "-C", app], {
        env: { ...env(await freshHome("h-good2"), mirrors.good.url), MOCHI_REGISTRY: primaryUrl },
      });
      assert.equal(resolved.code, 0, resolved.stderr);
      assert.equal(await Deno.readTextFile(`${app}/mochi.lock`), lock);

      // A changed blob: refused by its digest.
      const badBlob = await runCli(["install", "-C", app], {
        env: { ...env(await freshHome("h-blob"), mirrors.blob.url), MOCHI_REGISTRY: primaryUrl },
      });
      assert.equal(badBlob.code, 4, badBlob.stderr);
      // An extra version: the index file does not match the primary's signed snapshot.
      await Deno.remove(`${app}/mochi.lock`);
      const badExtra = await runCli(["install", "-C", app], {
        env: { ...env(await freshHome("h-extra"), mirrors.extra.url), MOCHI_REGISTRY: primaryUrl },
      });
      assert.equal(badExtra.code, 4, badExtra.stderr);
      assert.match(badExtra.stderr, /SNAPSHOT_E/);
      // A stale snapshot: older than the version pinned from the primary.
      const badStale = await runCli(["install", "-C", app], {
        env: { ...env(await freshHome("h-stale"), mirrors.stale.url), MOCHI_REGISTRY: primaryUrl },
      });
      assert.equal(badStale.code, 4, badStale.stderr);
      assert.match(badStale.stderr, /SNAPSHOT_E003/);
      // Mirrors need a key: a home that never saw the primary is refused.
      const unpinned = await runCli(["install", "-C", app], {
        env: { ...env(`${tmp}/h-none`, mirrors.good.url), MOCHI_REGISTRY: primaryUrl },
      });
      assert.notEqual(unpinned.code, 0);

      // The audit, with the primary back up.
      primary = served(primaryDir);
      stop.push(() => primary.shutdown());
      const audit = (m: string) => runCli(["mirror", "audit", m, "--primary", primary.url]);
      const ok = await audit(mirrors.good.url);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /matches .*snapshot version 2, 3 blobs checked/);
      const a1 = await audit(mirrors.blob.url);
      assert.equal(a1.code, 4);
      assert.match(
        a1.stdout,
        new RegExp(`different-blob\\t\\S*${serde11.blake3}\\t.*serde 1\\.1\\.0`),
      );
      assert.match(a1.stderr, /MIRROR_E001.*1 way/);
      const a2 = await audit(mirrors.extra.url);
      assert.equal(a2.code, 4);
      assert.match(a2.stdout, /different-file\tse\/rd\/-\/serde/);
      assert.match(
        a2.stdout,
        /extra-version\tse\/rd\/-\/serde\tserde 1\.2\.0 is on the mirror only/,
      );
      const a3 = await audit(mirrors.stale.url);
      assert.equal(a3.code, 4);
      assert.match(a3.stdout, /stale-snapshot\tsnapshot\.json\t.*version 1, the primary's 2/);
    } finally {
      for (const s of stop) await s().catch(() => {});
      await Deno.remove(tmp, { recursive: true });
    }
  },
);

guardedTest(
  "mirrors: signed packages install through a mirror with --require-signatures; an altered bundle is refused",
  async () => {
    const tmp = await Deno.makeTempDir();
    await using fake = await startFakeSigstore();
    try {
      const { reg, rootFile, serveArgs } = await writeSignedRegistry(tmp, fake, { snapshot: true });
      const server = await serveRegistrySubprocess(reg, serveArgs);
      const primaryUrl = server.url;
      let primaryUp = true;
      try {
        const pkg = `${tmp}/core`;
        await Deno.mkdir(`${pkg}/src`, { recursive: true });
        await Deno.writeTextFile(
          `${pkg}/mochi.toml`,
          `[package]\nname = "@acme/core"\nversion = "1.0.0"\nedition = "2026"\nmochi = ">=0.7"\n` +
            `description = "core"\nlicense = "MIT"\nreadme = "README.md"\n` +
            `repository = "https://github.com/acme/core"\n`,
        );
        await Deno.writeTextFile(`${pkg}/README.md`, "# core\n");
        await Deno.writeTextFile(`${pkg}/src/lib.mochi`, "// core\n");
        const pub = await runCli(
          ["publish", "--identity-token", fake.token(workflowSan("acme/core"))],
          {
            cwd: pkg,
            env: publisherEnv(`${tmp}/publisher-home`, primaryUrl, fake),
          },
        );
        assert.equal(pub.code, 0, pub.stderr);
        const sync = await runCli(["mirror", "sync", primaryUrl, `${tmp}/mirror`]);
        assert.equal(sync.code, 0, sync.stderr);
        await copyDir(`${tmp}/mirror`, `${tmp}/mirror-bad`);
        const mirror = served(`${tmp}/mirror`);
        const bad = served(`${tmp}/mirror-bad`);
        try {
          const app = `${tmp}/app`;
          await writeProject(app, { [`"@acme/core"`]: "^1.0" });
          const env = (home: string, m: string) => ({
            MOCHI_HOME: home,
            MOCHI_REGISTRY: primaryUrl,
            MOCHI_MIRRORS: m,
            MOCHI_SIGSTORE_ROOT: rootFile,
          });
          const first = await runCli(["install", "--require-signatures"], {
            cwd: app,
            env: env(`${tmp}/home`, mirror.url),
          });
          assert.equal(first.code, 0, first.stderr);
          await server[Symbol.asyncDispose]();
          primaryUp = false;
          for (const h of ["h1", "h2"]) await copyDir(`${tmp}/home/state`, `${tmp}/${h}/state`);
          const viaMirror = await runCli(["install", "--require-signatures"], {
            cwd: app,
            env: env(`${tmp}/h1`, mirror.url),
          });
          assert.equal(viaMirror.code, 0, viaMirror.stderr);
          assert.match(viaMirror.stdout, /Verified 1 Sigstore signature/);
          // The bad mirror serves the bundle with one byte of its signature changed: refused.
          const rec = parseIndexFile(
            "@acme/core",
            await Deno.readTextFile(`${tmp}/mirror/co/re/acme/core`),
          )[0]!;
          const bundlePath = `${tmp}/mirror-bad/blobs/${rec.blake3}.sigstore`;
          const text = await Deno.readTextFile(bundlePath);
          const sig = /"sig"\s*:\s*"/.exec(text);
          assert.ok(sig !== null, "the bundle has a DSSE signature");
          const at = sig.index + sig[0].length + 10;
          await Deno.writeTextFile(
            bundlePath,
            text.slice(0, at) + (text[at] === "A" ? "B" : "A") + text.slice(at + 1),
          );
          const refused = await runCli(["install", "--require-signatures"], {
            cwd: app,
            env: env(`${tmp}/h2`, bad.url),
          });
          assert.equal(refused.code, 4, refused.stderr);
          assert.match(refused.stderr, /SIG_E00\d/);
        } finally {
          await Promise.all([mirror.shutdown(), bad.shutdown()]);
        }
      } finally {
        if (primaryUp) await server[Symbol.asyncDispose]();
      }
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
);

Deno.test("mirror sync refuses a signed snapshot listing a dot path, and writes nothing", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const up = `${tmp}/up`;
    await Deno.mkdir(`${up}/.publishers`, { recursive: true });
    await Deno.writeTextFile(`${up}/.publishers/evil`, "x");
    const { privateKeyFile, publicKey } = await generateSnapshotKey();
    const { privateKey } = await readSnapshotKey(privateKeyFile, "key");
    await Deno.writeTextFile(
      `${up}/config.json`,
      JSON.stringify({ dl: "blobs/", api: null, "snapshot-key": publicKey }),
    );
    const signed = await signSnapshot(
      {
        version: 1,
        expires: "2999-01-01T00:00:00Z",
        files: { ".publishers/evil": { sha256: "0".repeat(64), size: 1 } },
      },
      privateKey,
      publicKey,
    );
    await Deno.writeTextFile(`${up}/snapshot.json`, formatSnapshot(signed));
    const server = serveRegistry(up);
    try {
      await assert.rejects(
        async () => await syncMirror(server.url, await openStorage(`${tmp}/mirror`)),
        { code: "MIRROR_E002", message: /\.publishers\/evil/ },
      );
      assert.deepEqual(await snapshotTree(`${tmp}/mirror`), []);
    } finally {
      await server.shutdown();
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
