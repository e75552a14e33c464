/**
 * `mochi add` through the CLI against a loopback registry with a `popular.json`: the entry is
 * written (the rest of mochi.toml byte for byte), the highest non-yanked release is picked, a
 * look-alike of a popular name is warned about, and bad input changes nothing.
 */
import assert from "node:assert/strict";
import { serveRegistry } from "../src/registry/server/registry_server.ts";
import { runCli, writeRegistry } from "./helpers.ts";
import { strayGuard } from "./stray.ts";

const MANIFEST = `# app
[package]
name = "app"
version = "0.1.0"
edition = "2026"
mochi = ">=0.7"

[dependencies]
left-pad = "1"   # pinned on purpose

[features]
default = []
`;

Deno.test("mochi add: writes the entry, picks the release, warns on a look-alike", async () => {
  const check = await strayGuard();
  const tmp = await Deno.makeTempDir({ prefix: "mochi-add-" });
  const reg = `${tmp}/registry`;
  await writeRegistry(reg, [
    { name: "lodash", version: "4.17.21" },
    { name: "lodahs", version: "1.0.0" },
    { name: "left-pad", version: "1.3.0" },
    { name: "serde", version: "1.0.0" },
    { name: "serde", version: "1.1.0" },
    { name: "serde", version: "1.2.0", yanked: true },
    { name: "serde", version: "2.0.0-rc.1" },
  ]);
  Deno.writeTextFileSync(`${reg}/popular.json`, JSON.stringify(["lodash", "serde"]));
  const server = serveRegistry(reg, { port: 0 });
  try {
    const app = `${tmp}/app`;
    Deno.mkdirSync(app);
    const text = MANIFEST.replace("# app\n", `# app\n[registry]\ndefault = "${server.url}"\n\n`);
    Deno.writeTextFileSync(`${app}/mochi.toml`, text);
    const env = { MOCHI_HOME: `${tmp}/home` };

    const squat = await runCli(["add", "lodahs", "-C", app], { env });
    assert.equal(squat.code, 0, squat.stderr);
    assert.match(
      squat.stderr,
      /warning\[NAME_E001\]: "lodahs" is one edit away from the popular package "lodash"/,
    );
    let now = Deno.readTextFileSync(`${app}/mochi.toml`);
    assert.equal(
      now,
      text.replace("# pinned on purpose\n", '# pinned on purpose\nlodahs = "1.0.0"\n'),
    );

    const serde = await runCli(["add", "serde", "-C", app], { env });
    assert.equal(serde.code, 0, serde.stderr);
    assert.equal(serde.stderr, "", "no warning for a popular name itself");
    assert.match(serde.stdout, /Added serde = "1\.1\.0"/); // 1.2.0 is yanked, 2.0.0-rc.1 a pre-release
    const pinned = await runCli(["add", "serde@~1.0", "-C", app], { env });
    assert.equal(pinned.code, 0, pinned.stderr);
    assert.match(pinned.stdout, /Updated serde = "~1\.0"/);
    now = Deno.readTextFileSync(`${app}/mochi.toml`);
    assert.ok(now.includes('serde = "~1.0"\n') && !now.includes('serde = "1.1.0"'));

    // The project installs with what add wrote.
    const inst = await runCli(["install", "-C", app], { env });
    assert.equal(inst.code, 0, inst.stderr);

    const before = Deno.readTextFileSync(`${app}/mochi.toml`);
    const missing = await runCli(["add", "lodsh", "-C", app], { env });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /INDEX_E002[^\n]*no package named lodsh/);
    assert.match(missing.stderr, /did you mean "lodash"/);
    const bad = await runCli(["add", "Bad_Name", "-C", app], { env });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /MANIFEST_E003/);
    const badReq = await runCli(["add", "serde@^^1", "-C", app], { env });
    assert.equal(badReq.code, 1);
    assert.match(badReq.stderr, /SEMVER_E002/);
    assert.equal(Deno.readTextFileSync(`${app}/mochi.toml`), before, "failed adds change nothing");
  } finally {
    await server.shutdown();
    await Deno.remove(tmp, { recursive: true });
  }
  await check();
});
