/**
 * The newcomer's verbs through the real CLI against a loopback `mochi registry serve`:
 * `mochi new` and `mochi init` write a valid project that installs right away, overwrite
 * nothing; `mochi remove` (and `rm`) keeps the rest of mochi.toml and relocks (`-` lines);
 * `mochi outdated` lists current, compatible and latest (exit 0, `--json`).
 */
import assert from "node:assert/strict";
import { runCli, serveRegistrySubprocess, type TestVersion, writeRegistry } from "./helpers.ts";
import { strayGuard } from "./stray.ts";

const VERSIONS: TestVersion[] = [
  { name: "serde", version: "1.0.0", deps: { core: "^1.0" } },
  { name: "serde", version: "1.2.0", deps: { core: "^1.0" } },
  { name: "serde", version: "2.0.0" },
  { name: "core", version: "1.0.0" },
  { name: "rand", version: "0.8.0" },
];

Deno.test("mochi new / init write a project that installs; nothing is overwritten", async () => {
  const check = await strayGuard();
  const tmp = await Deno.makeTempDir({ prefix: "mochi-init-" });
  try {
    const env = { MOCHI_HOME: `${tmp}/home` };
    const made = await runCli(["new", "My App", "-C", tmp], { env });
    assert.equal(made.code, 0, made.stderr);
    const app = `${tmp}/My App`;
    const toml = await Deno.readTextFile(`${app}/mochi.toml`);
    assert.match(toml, /^name = "my-app"$/m);
    assert.match(toml, /^edition = "2026"$/m);
    assert.match(toml, /^# \[registry\]$/m);
    assert.equal(await Deno.readTextFile(`${app}/.gitignore`), "/target/\n");
    assert.ok((await Deno.stat(`${app}/src/main.mochi`)).isFile);
    const install = await runCli(["install"], { cwd: app, env });
    assert.equal(install.code, 0, install.stderr);
    assert.ok((await Deno.stat(`${app}/mochi.lock`)).isFile);

    const again = await runCli(["init"], { cwd: app, env });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /PROJECT_E004\]: .*mochi\.toml already exists/);
    assert.equal(await Deno.readTextFile(`${app}/mochi.toml`), toml, "init overwrote nothing");
    const taken = await runCli(["new", "My App", "-C", tmp], { env });
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /PROJECT_E004/);

    const lib = `${tmp}/lib`;
    await Deno.mkdir(lib);
    await Deno.writeTextFile(`${lib}/.gitignore`, "node_modules");
    const init = await runCli(["init", "--lib", "--name", "strings"], { cwd: lib, env });
    assert.equal(init.code, 0, init.stderr);
    assert.match(await Deno.readTextFile(`${lib}/mochi.toml`), /^name = "strings"$/m);
    assert.equal(await Deno.readTextFile(`${lib}/.gitignore`), "node_modules\n/target/\n");
    assert.ok((await Deno.stat(`${lib}/src/lib.mochi`)).isFile);
    const badName = await runCli(["new", "2026", "-C", tmp], { env });
    assert.equal(badName.code, 1);
    assert.match(badName.stderr, /MANIFEST_E003.*\n(.*\n)*help: pass --name/);
    await assert.rejects(Deno.stat(`${tmp}/2026`), "a refused name creates no directory");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
  await check();
});

Deno.test("mochi remove keeps the rest of mochi.toml and relocks; outdated lists versions", async () => {
  const check = await strayGuard();
  const tmp = await Deno.makeTempDir({ prefix: "mochi-remove-" });
  const reg = `${tmp}/registry`;
  await writeRegistry(reg, VERSIONS);
  await using server = await serveRegistrySubprocess(reg);
  try {
    const env = { MOCHI_HOME: `${tmp}/home` };
    const app = `${tmp}/app`;
    await Deno.mkdir(app);
    const text = `# app
[registry]
default = "${server.url}"

[package]
name = "app"
version = "0.1.0"
edition = "2026"
mochi = ">=0.7"

[dependencies]
serde = { version = "1.0", capabilities = [] } # pinned: no capabilities
rand = "0.8" # random numbers
`;
    await Deno.writeTextFile(`${app}/mochi.toml`, text);
    const lock = await runCli(["lock", "--upgrade"], { cwd: app, env });
    assert.equal(lock.code, 0, lock.stderr);

    const out = await runCli(["outdated"], { cwd: app, env });
    assert.equal(out.code, 0, out.stderr);
    assert.match(
      out.stdout,
      /^Name +Current +Compat +Latest +Kind\nserde +1\.2\.0 +- +2\.0\.0 +direct\n$/,
    );
    const json = await runCli(["outdated", "--json"], { cwd: app, env });
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), {
      outdated: [{
        name: "serde",
        current: "1.2.0",
        compatible: "1.2.0",
        latest: "2.0.0",
        direct: true,
        requirement: "1.0",
      }],
      checked: 3,
    });

    const typo = await runCli(["remove", "sedre"], { cwd: app, env });
    assert.equal(typo.code, 1);
    assert.match(typo.stderr, /PROJECT_E002\]: sedre is not a dependency/);
    assert.match(typo.stderr, /did you mean "serde"\?/);

    const rm = await runCli(["rm", "serde"], { cwd: app, env });
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal(
      rm.stdout.replace(/ in [^\n]*mochi\.toml/, "").replace(/Wrote [^\n]*/, "Wrote"),
      "Removed serde from [dependencies]\n- core 1.0.0\n- serde 1.2.0\nWrote\n",
    );
    assert.equal(
      await Deno.readTextFile(`${app}/mochi.toml`),
      text.replace(/serde = [^\n]*\n/, ""),
      "every other line kept",
    );
    const locked = await Deno.readTextFile(`${app}/mochi.lock`);
    assert.doesNotMatch(locked, /name = "(serde|core)"/);
    const inst = await runCli(["install", "--locked"], { cwd: app, env });
    assert.equal(inst.code, 0, `the lock remove wrote is current: ${inst.stderr}`);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
  await check();
});

Deno.test("mochi remove takes a Rust crate out of [targets.rust.ffi], keeping the rest", async () => {
  const check = await strayGuard();
  const tmp = await Deno.makeTempDir({ prefix: "mochi-remove-crate-" });
  try {
    const text = `[package]
name = "app"
version = "0.1.0"
edition = "2026"
mochi = ">=0.7"

[targets.rust.ffi]
# the error type
anyhow = "1"
serde = { version = "1", features = ["derive"] } # derive only
`;
    await Deno.writeTextFile(`${tmp}/mochi.toml`, text);
    const r = await runCli(["remove", "anyhow", "serde"], {
      cwd: tmp,
      env: { MOCHI_HOME: `${tmp}/home` },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Removed anyhow from \[targets\.rust\.ffi\]/);
    assert.equal(
      await Deno.readTextFile(`${tmp}/mochi.toml`),
      text.replace(/# the error type\nanyhow = "1"\nserde = [^\n]*\n/, ""),
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
  await check();
});
