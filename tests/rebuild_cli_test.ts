/**
 * `mochi rebuild` through the real CLI: a package whose published blob is what its tagged source
 * packs to passes (exit 0); one whose blob carries a file the source lacks (the xz-utils pattern)
 * fails with exit 4 naming that file.
 */
import assert from "node:assert/strict";
import { packPackage } from "../src/publish/client/pack.ts";
import { runCli, serveRegistrySubprocess, writeProject, writeRegistry } from "./helpers.ts";
import { git } from "./git_server.ts";
import { guardedTest } from "./stray.ts";

async function writeSource(dir: string, version: string): Promise<void> {
  await Deno.mkdir(`${dir}/src`, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/mochi.toml`,
    `[package]\nname = "tool"\nversion = "${version}"\nedition = "2026"\nmochi = ">=0.7"\n`,
  );
  await Deno.writeTextFile(`${dir}/src/lib.mochi`, `// tool ${version}\n`);
}

guardedTest(
  "mochi rebuild: an honest package is reproducible; an injected file is caught",
  async () => {
    const tmp = await Deno.makeTempDir({ prefix: "mochi-rebuild-" });
    try {
      const repo = `${tmp}/repo`;
      await Deno.mkdir(repo);
      await git(["init", "--quiet"], repo);
      await writeSource(repo, "1.0.0");
      await git(["add", "."], repo);
      await git(["commit", "--quiet", "-m", "1.0.0"], repo);
      const c1 = await git(["rev-parse", "HEAD"], repo);
      const honest = (await packPackage({ projectDir: repo, skipPreflight: true })).archive;
      await writeSource(repo, "1.0.1");
      await git(["commit", "--quiet", "-am", "1.0.1"], repo);
      const c2 = await git(["rev-parse", "HEAD"], repo);
      // The 1.0.1 release archive is packed from a tree with one more file than the tag has.
      await Deno.writeTextFile(`${repo}/src/build-to-host.mochi`, "// not in the repository\n");
      const injected = (await packPackage({ projectDir: repo, skipPreflight: true })).archive;
      await Deno.remove(`${repo}/src/build-to-host.mochi`);

      const reg = `${tmp}/registry`;
      await writeRegistry(reg, [
        { name: "tool", version: "1.0.0", archive: honest },
        { name: "tool", version: "1.0.1", archive: injected },
      ]);
      await using server = await serveRegistrySubprocess(reg);
      const app = `${tmp}/app`;
      const env = { MOCHI_HOME: `${tmp}/home` };
      await writeProject(app, { tool: "=1.0.0" }, `[registry]\ndefault = "${server.url}"\n`);
      assert.equal((await runCli(["lock"], { cwd: app, env })).code, 0);
      const ok = await runCli(["rebuild", "tool@1.0.0", "--from-source", `${repo}@${c1}`], {
        cwd: app,
        env,
      });
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /tool 1\.0\.0: reproducible/);

      await writeProject(app, { tool: "=1.0.1" }, `[registry]\ndefault = "${server.url}"\n`);
      assert.equal((await runCli(["lock"], { cwd: app, env })).code, 0);
      const bad = await runCli(["rebuild", "tool@1.0.1", "--from-source", `${repo}@${c2}`], {
        cwd: app,
        env,
      });
      assert.equal(bad.code, 4, bad.stderr);
      assert.match(bad.stdout, /^ {2}src\/build-to-host\.mochi: only in the published archive$/m);
      assert.equal(bad.stdout.trim().split("\n").length, 1);
      assert.match(bad.stderr, /REBUILD_E001/);

      const wrong = await runCli(["rebuild", "tool@1.0.1", "--from-source", `${repo}@${c1}`], {
        cwd: app,
        env,
      });
      assert.equal(wrong.code, 4);
      assert.match(wrong.stderr, /is tool 1\.0\.0, not tool 1\.0\.1/);
      const nocommit = await runCli([
        "rebuild",
        "tool@1.0.1",
        "--from-source",
        `${repo}@${"f".repeat(40)}`,
      ], {
        cwd: app,
        env,
      });
      assert.equal(nocommit.code, 1);
      assert.match(nocommit.stderr, /REBUILD_E002/);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
);
