/**
 * `mochi add` on an entry that already exists changes its requirement and nothing else (issue 13
 * item 2; `cargo add` with `toml_edit` is the bar): the capability pin, `optional`, `features`,
 * a comment holding quotes, the literal quoting and the `[dependencies.x]` table form all
 * survive, through the real CLI against a loopback registry.
 */
import assert from "node:assert/strict";
import { serveRegistry } from "../src/registry/server/registry_server.ts";
import { parseManifest } from "../src/manifest/parse.ts";
import { runCli, writeRegistry } from "./helpers.ts";
import { guardedTest } from "./stray.ts";

const DEPS = `[dependencies]
serde = { version = "1", capabilities = ["fs.read"], optional = true, features = ["derive"] } # it's "pinned"
left-pad = '1'   # don't touch 'this'

# the dice
[dependencies.rand]
version = "0.8"
capabilities = []
`;

guardedTest("mochi add keeps the capability pin and every other key of the entry", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "mochi-add-keep-" });
  const reg = `${tmp}/registry`;
  await writeRegistry(reg, [
    { name: "serde", version: "1.0.200" },
    { name: "left-pad", version: "1.3.0" },
    { name: "rand", version: "0.8.5" },
    { name: "tokio", version: "1.40.0" },
  ]);
  const server = serveRegistry(reg, { port: 0 });
  try {
    const app = `${tmp}/app`;
    await Deno.mkdir(app);
    const text = `[registry]\ndefault = "${server.url}"\n\n[package]\nname = "app"\n` +
      `version = "0.1.0"\nedition = "2026"\nmochi = ">=0.7"\n\n${DEPS}`;
    await Deno.writeTextFile(`${app}/mochi.toml`, text);
    const env = { MOCHI_HOME: `${tmp}/home` };
    const add = async (spec: string) => {
      const r = await runCli(["add", spec, "-C", app], { env });
      assert.equal(r.code, 0, `mochi add ${spec}: ${r.stderr}`);
    };

    await add("serde@1.0.200");
    let expected = text.replace('version = "1", capabilities', 'version = "1.0.200", capabilities');
    assert.equal(await Deno.readTextFile(`${app}/mochi.toml`), expected);

    await add("left-pad@1.3");
    expected = expected.replace("left-pad = '1'", "left-pad = '1.3'");
    assert.equal(await Deno.readTextFile(`${app}/mochi.toml`), expected);

    await add("rand@0.8.5");
    expected = expected.replace('version = "0.8"', 'version = "0.8.5"');
    assert.equal(await Deno.readTextFile(`${app}/mochi.toml`), expected);

    await add("tokio@1");
    expected = expected.replace(
      "left-pad = '1.3'   # don't touch 'this'\n",
      (l) => `${l}tokio = "1"\n`,
    );
    assert.equal(await Deno.readTextFile(`${app}/mochi.toml`), expected);

    const deps = parseManifest(expected).manifest.dependencies;
    assert.deepEqual(deps.get("serde")?.capabilities, ["fs.read"]);
    assert.equal(deps.get("serde")?.optional, true);
    assert.deepEqual(deps.get("serde")?.features, ["derive"]);
    assert.deepEqual(deps.get("rand")?.capabilities, []);
  } finally {
    await server.shutdown();
    await Deno.remove(tmp, { recursive: true });
  }
});
