/**
 * `mochi add` checks and locks (issue 13 item 3) through the real CLI against a loopback
 * `mochi registry serve`: a requirement no published version meets is refused (it used to be
 * written, exit 0, and the next install failed), the lock is updated with `+`/`~` lines, a
 * requirement that cannot be resolved with the rest of the project changes no file, and
 * `--no-lock` leaves mochi.lock alone.
 */
import assert from "node:assert/strict";
import { runCli, serveRegistrySubprocess, writeProject, writeRegistry } from "./helpers.ts";
import { strayGuard } from "./stray.ts";

Deno.test("mochi add refuses an unmet requirement, relocks, and loses nothing on failure", async () => {
  const check = await strayGuard();
  const tmp = await Deno.makeTempDir({ prefix: "mochi-add-lock-" });
  const reg = `${tmp}/registry`;
  await writeRegistry(reg, [
    { name: "serde", version: "1.0.0", deps: { core: "^1.0" } },
    { name: "serde", version: "1.1.0", deps: { core: "^1.0" } },
    { name: "serde", version: "2.0.0", yanked: true },
    { name: "core", version: "1.0.0" },
    { name: "core", version: "1.2.0" },
    { name: "fancy", version: "1.0.0", deps: { core: "^1.2" } },
    { name: "rand", version: "0.8.0" },
  ]);
  await using server = await serveRegistrySubprocess(reg);
  try {
    const app = `${tmp}/app`;
    await writeProject(app, { core: "=1.0.0" }, `[registry]\ndefault = "${server.url}"\n`);
    const env = { MOCHI_HOME: `${tmp}/home` };
    const first = await runCli(["lock", "-C", app], { env });
    assert.equal(first.code, 0, first.stderr);
    const toml0 = await Deno.readTextFile(`${app}/mochi.toml`);
    const lock0 = await Deno.readTextFile(`${app}/mochi.lock`);
    const unchanged = async (what: string) => {
      assert.equal(await Deno.readTextFile(`${app}/mochi.toml`), toml0, `${what}: mochi.toml`);
      assert.equal(await Deno.readTextFile(`${app}/mochi.lock`), lock0, `${what}: mochi.lock`);
    };

    const yanked = await runCli(["add", "serde@2", "-C", app], { env });
    assert.equal(yanked.code, 1, yanked.stdout);
    assert.match(yanked.stderr, /PROJECT_E001\]: serde 2\.0\.0 meets "2" but is yanked/);
    assert.match(yanked.stderr, /help: mochi add serde@1\.1\.0/);
    await unchanged("add serde@2");
    const none = await runCli(["add", "serde@^3.1", "-C", app], { env });
    assert.equal(none.code, 1);
    assert.match(
      none.stderr,
      /no published version of serde meets "\^3\.1" \(the newest: 1\.1\.0, 1\.0\.0\)/,
    );
    await unchanged("add serde@^3.1");

    // fancy needs core ^1.2, the project pins core =1.0.0: unsolvable, nothing written.
    const conflict = await runCli(["add", "fancy", "-C", app], { env });
    assert.equal(conflict.code, 1, conflict.stdout);
    assert.match(conflict.stderr, /SOLVER_E002/);
    await unchanged("add fancy");

    const added = await runCli(["add", "serde", "-C", app], { env });
    assert.equal(added.code, 0, added.stderr);
    assert.match(
      added.stdout,
      /Added serde = "1\.1\.0"[^\n]*\n\+ serde 1\.1\.0\nWrote [^\n]*mochi\.lock \(1 version changed\)\n$/,
    );
    const lock1 = await Deno.readTextFile(`${app}/mochi.lock`);
    assert.match(lock1, /name = "serde"\nversion = "1\.1\.0"/);
    assert.match(lock1, /name = "core"\nversion = "1\.0\.0"/, "core keeps its locked version");
    const install = await runCli(["install", "--locked", "-C", app], { env });
    assert.equal(install.code, 0, `the lock add wrote is current: ${install.stderr}`);

    const noLock = await runCli(["add", "rand", "--no-lock", "-C", app], { env });
    assert.equal(noLock.code, 0, noLock.stderr);
    assert.doesNotMatch(noLock.stdout, /\+ rand/);
    assert.equal(await Deno.readTextFile(`${app}/mochi.lock`), lock1, "--no-lock: lock untouched");
    assert.match(await Deno.readTextFile(`${app}/mochi.toml`), /^rand = "0\.8\.0"$/m);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
  await check();
});
