/**
 * Path and git sources of Mochi packages (issue 18 item 2), through the real CLI: a path
 * package, and a git package from a bare repository made in the test, served as `file://` and
 * over loopback smart HTTP (`git http-backend`); the lock pins the full commit and the packed
 * tree's digests, every install re-checks the store's copy, a refetch that packs to other bytes
 * is refused (exit 4), `mochi update <pkg>` moves a branch pin, and publishing refuses git.
 */
import assert from "node:assert/strict";
import { parseLockfile } from "../src/lockfile/mod.ts";
import { FsStore } from "../src/store/fs/fs_store.ts";
import { runCli, writeRegistry } from "./helpers.ts";
import { makePackageRepo, serveGitHttp } from "./git_server.ts";
import { guardedTest } from "./stray.ts";

async function project(dir: string, deps: string): Promise<void> {
  await Deno.mkdir(`${dir}/src`, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/mochi.toml`,
    `[package]\nname = "app"\nversion = "0.1.0"\nedition = "2026"\nmochi = ">=0.7"\n\n` +
      `[dependencies]\n${deps}`,
  );
}

guardedTest("path and git (file://) sources: locked, installed, re-checked, updated", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "mochi-src18-" });
  try {
    const reg = `${tmp}/registry`;
    await writeRegistry(reg, [{ name: "leaf", version: "1.0.0" }, {
      name: "leaf",
      version: "1.2.0",
    }]);
    // A path package depending on a registry package.
    await Deno.mkdir(`${tmp}/liba/src`, { recursive: true });
    await Deno.writeTextFile(
      `${tmp}/liba/mochi.toml`,
      `[package]\nname = "liba"\nversion = "0.2.0"\nedition = "2026"\nmochi = ">=0.7"\n\n` +
        `[dependencies]\nleaf = "^1"\n`,
    );
    const repo = await makePackageRepo(tmp, "gitpkg", "0.3.0", { leaf: "=1.0.0" });
    const url = `file://${repo.bare}`;
    const app = `${tmp}/app`;
    await project(
      app,
      `liba = { path = "../liba", version = "0.2" }\ngitpkg = { git = "${url}", branch = "main" }\n`,
    );
    const env = { MOCHI_HOME: `${tmp}/home`, MOCHI_REGISTRY: reg };

    const first = await runCli(["install"], { cwd: app, env });
    assert.equal(first.code, 0, first.stderr);
    const lockText = await Deno.readTextFile(`${app}/mochi.lock`);
    const lock = parseLockfile(lockText);
    const byName = new Map(lock.packages.map((p) => [p.name, p]));
    assert.equal(byName.get("liba")!.source, "path+../liba");
    assert.equal(byName.get("liba")!.blake3, undefined);
    assert.deepEqual(byName.get("liba")!.dependencies, ["leaf 1.0.0"]);
    const g = byName.get("gitpkg")!;
    assert.equal(g.source, `git+${url}?branch=main#${repo.commit}`);
    assert.match(g.blake3!, /^[0-9a-f]{64}$/);
    assert.equal(byName.get("leaf")!.version, "1.0.0"); // =1.0.0 from the git package
    // The git package's packed tree is in the store under its BLAKE3, extracted.
    const store = new FsStore(`${tmp}/home/store`);
    assert.equal(await store.checkBlob(g.blake3!), "ok");
    assert.equal(
      await Deno.readTextFile(`${store.extractedPath(g.blake3!)}/src/lib.mochi`),
      `// gitpkg 0.3.0\nlet version = "0.3.0"\n`,
    );

    // A second install runs no git and changes nothing, even with the repository gone.
    await Deno.rename(repo.bare, `${repo.bare}.away`);
    const again = await runCli(["install", "--locked"], { cwd: app, env });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await Deno.readTextFile(`${app}/mochi.lock`), lockText);
    // Re-resolving offline takes the git package from the store (re-hashed), not from git.
    const relock = await runCli(["lock", "--offline", "--refresh"], { cwd: app, env });
    assert.equal(relock.code, 0, relock.stderr);
    assert.equal(await Deno.readTextFile(`${app}/mochi.lock`), lockText);
    await Deno.rename(`${repo.bare}.away`, repo.bare);

    // Every install re-checks the store's copy: a damaged blob is fetched again from git.
    await Deno.writeFile(store.blobPath(g.blake3!), new TextEncoder().encode("damaged"));
    const refetch = await runCli(["install"], { cwd: app, env });
    assert.equal(refetch.code, 0, refetch.stderr);
    assert.equal(await store.checkBlob(g.blake3!), "ok");

    // A lock pinning other bytes for that commit is refused before anything is stored.
    await Deno.remove(store.blobPath(g.blake3!));
    await Deno.remove(store.extractedPath(g.blake3!), { recursive: true });
    const forged = lockText.replace(g.blake3!, "0".repeat(64));
    await Deno.writeTextFile(`${app}/mochi.lock`, forged);
    const bad = await runCli(["install"], { cwd: app, env });
    assert.equal(bad.code, 4, bad.stderr);
    assert.match(bad.stderr, /GIT_E003/);
    assert.equal(await store.checkBlob("0".repeat(64)), "missing");
    await Deno.writeTextFile(`${app}/mochi.lock`, lockText);

    // The branch moves upstream: install keeps the locked commit; update moves it.
    const next = await repo.push("0.3.1");
    const kept = await runCli(["install"], { cwd: app, env });
    assert.equal(kept.code, 0, kept.stderr);
    assert.equal(await Deno.readTextFile(`${app}/mochi.lock`), lockText);
    const up = await runCli(["update", "gitpkg"], { cwd: app, env });
    assert.equal(up.code, 0, up.stderr);
    const moved = parseLockfile(await Deno.readTextFile(`${app}/mochi.lock`));
    const g2 = moved.packages.find((p) => p.name === "gitpkg")!;
    assert.equal(g2.source, `git+${url}?branch=main#${next}`);
    assert.equal(g2.version, "0.3.1");
    assert.notEqual(g2.blake3, g.blake3);

    // A changed path package re-resolves on the next install.
    await Deno.writeTextFile(
      `${tmp}/liba/mochi.toml`,
      (await Deno.readTextFile(`${tmp}/liba/mochi.toml`)).replace("0.2.0", "0.2.5"),
    );
    const path2 = await runCli(["install"], { cwd: app, env });
    assert.equal(path2.code, 0, path2.stderr);
    const relocked = parseLockfile(await Deno.readTextFile(`${app}/mochi.lock`));
    assert.equal(relocked.packages.find((p) => p.name === "liba")!.version, "0.2.5");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

guardedTest(
  "git sources over loopback smart HTTP: tag and rev pins, a missing ref, wrong package",
  async () => {
    const tmp = await Deno.makeTempDir({ prefix: "mochi-src18-http-" });
    const root = `${tmp}/srv`;
    await Deno.mkdir(root);
    await using server = serveGitHttp(root);
    try {
      const repo = await makePackageRepo(root, "hp", "1.0.0");
      const second = await repo.push("1.1.0", "v1.1.0");
      const env = { MOCHI_HOME: `${tmp}/home`, MOCHI_REGISTRY: `${tmp}/empty-registry` };
      await Deno.mkdir(`${tmp}/empty-registry`);
      await Deno.writeTextFile(`${tmp}/empty-registry/config.json`, '{"dl":"blobs/"}');
      const app = `${tmp}/app`;

      await project(app, `hp = { git = "${server.url}hp.git", tag = "v1.0.0" }\n`);
      const byTag = await runCli(["install"], { cwd: app, env });
      assert.equal(byTag.code, 0, byTag.stderr);
      let locked = parseLockfile(await Deno.readTextFile(`${app}/mochi.lock`)).packages[0]!;
      assert.equal(locked.source, `git+${server.url}hp.git?tag=v1.0.0#${repo.commit}`);
      assert.equal(locked.version, "1.0.0");
      assert.ok(server.requests.some((r) => r.includes("git-upload-pack")), "smart HTTP was used");

      await project(app, `hp = { git = "${server.url}hp.git", rev = "${second.slice(0, 10)}" }\n`);
      const byRev = await runCli(["install"], { cwd: app, env });
      assert.equal(byRev.code, 0, byRev.stderr);
      locked = parseLockfile(await Deno.readTextFile(`${app}/mochi.lock`)).packages[0]!;
      assert.equal(locked.source, `git+${server.url}hp.git?rev=${second.slice(0, 10)}#${second}`);
      assert.equal(locked.version, "1.1.0");

      const before = await Deno.readTextFile(`${app}/mochi.lock`);
      await project(app, `hp = { git = "${server.url}hp.git", branch = "nope" }\n`);
      const missing = await runCli(["install"], { cwd: app, env });
      assert.equal(missing.code, 1, missing.stderr);
      assert.match(missing.stderr, /GIT_E002.*branch "nope" is not in/s);
      assert.equal(await Deno.readTextFile(`${app}/mochi.lock`), before, "lock untouched");

      await project(app, `other = { git = "${server.url}hp.git" }\n`);
      const wrong = await runCli(["install"], { cwd: app, env });
      assert.equal(wrong.code, 1, wrong.stderr);
      assert.match(wrong.stderr, /SOURCE_E003.*holds the package hp, not other/s);

      await project(app, `hp = { git = "http://127.0.0.1:9/hp.git" }\n`);
      const down = await runCli(["install"], { cwd: app, env });
      assert.equal(down.code, 3, down.stderr);
      assert.match(down.stderr, /GIT_E001/);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
);

guardedTest(
  "a hostile git URL or ref never reaches git; publishing refuses git and path sources",
  async () => {
    const tmp = await Deno.makeTempDir({ prefix: "mochi-src18-hostile-" });
    try {
      const app = `${tmp}/app`;
      const env = { MOCHI_HOME: `${tmp}/home`, MOCHI_REGISTRY: `${tmp}/nowhere` };
      const canary = `${tmp}/pwned`;
      for (
        const [dep, column] of [
          [`x = { git = "ext::sh -c touch% ${canary}" }`, 13],
          [`x = { git = "--upload-pack=touch ${canary}" }`, 13],
          [`x = { git = "file:///tmp/x.git", branch = "--upload-pack=touch ${canary}" }`, 43],
        ] as const
      ) {
        await project(app, dep + "\n");
        const r = await runCli(["install"], { cwd: app, env });
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /MANIFEST_E007/);
        assert.match(r.stderr, new RegExp(`mochi\\.toml:8:${column}\n`));
      }
      await assert.rejects(Deno.stat(canary));

      await Deno.writeTextFile(
        `${app}/mochi.toml`,
        `[package]\nname = "app"\nversion = "0.1.0"\nedition = "2026"\nmochi = ">=0.7"\n` +
          `description = "d"\nlicense = "MIT"\nreadme = "README.md"\n` +
          `repository = "https://example.org/app"\n\n[dependencies]\n` +
          `g = { git = "https://example.org/g.git", tag = "v1" }\np = { path = "../p" }\n`,
      );
      await Deno.writeTextFile(`${app}/README.md`, "# app\n");
      const pack = await runCli(["pack"], { cwd: app, env });
      assert.equal(pack.code, 1, pack.stderr);
      assert.match(pack.stderr, /PUB_E001/);
      assert.match(pack.stderr, /\[dependencies\] g comes from git/);
      assert.match(pack.stderr, /\[dependencies\] p comes from the path/);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
);
