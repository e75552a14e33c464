/**
 * The demo's job on the real fixture data (160 crates, 3,852 versions from crates.io's index):
 * convert, serve with `mochi registry serve`, `mochi install` twice in real subprocesses.
 */
import { assert, assertEquals } from "./assert.ts";
import { ROOT, runCli, serveRegistrySubprocess, snapshotTree } from "./helpers.ts";
import { convertCratesIndex } from "../scripts/convert_crates_index.ts";
import { guardedTest } from "./stray.ts";

guardedTest(
  "demo manifest: install resolves the real crate graph; the second run is a no-op; the lock ignores TZ/LANG",
  async () => {
    const tmp = await Deno.makeTempDir({ prefix: "mochi-demo-" });
    try {
      const registry = `${tmp}/registry`;
      const { versions } = await convertCratesIndex(`${ROOT}/fixtures/crates-index`, registry);
      assertEquals(versions, 3852);
      const project = `${tmp}/demo`;
      await Deno.mkdir(project);
      await Deno.copyFile(`${ROOT}/fixtures/demo/mochi.toml`, `${project}/mochi.toml`);
      await using server = await serveRegistrySubprocess(registry);
      const env = { MOCHI_HOME: `${tmp}/home`, MOCHI_REGISTRY: server.url };

      const first = await runCli(["install", "-C", project], { env });
      assertEquals(first.code, 0, first.stderr);
      const m = first.stdout.match(/Resolved (\d+) packages/);
      assert(m && Number(m[1]) >= 50, first.stdout);
      assert(first.stdout.includes(`Fetched ${m[1]} packages`), first.stdout);
      const lock = await Deno.readTextFile(`${project}/mochi.lock`);
      for (
        const name of [
          "anyhow",
          "clap",
          "rand",
          "regex",
          "reqwest",
          "serde",
          "serde_json",
          "time",
          "tokio",
          "uuid",
        ]
      ) {
        assert(lock.includes(`name = "${name}"\n`), `${name} missing from the lock`);
      }
      const store = await snapshotTree(`${tmp}/home/store/blobs`);
      assertEquals(store.length, Number(m[1]));

      const second = await runCli(["install", "-C", project], {
        env: { ...env, TZ: "Pacific/Chatham", LANG: "de_DE.UTF-8" },
      });
      assertEquals(second.code, 0, second.stderr);
      assert(
        second.stdout.includes("Up to date") && second.stdout.includes("nothing fetched"),
        second.stdout,
      );
      assertEquals(await snapshotTree(`${tmp}/home/store/blobs`), store);

      await Deno.remove(`${project}/mochi.lock`);
      const again = await runCli(["lock", "-C", project], {
        env: { ...env, TZ: "Asia/Ho_Chi_Minh", LANG: "C" },
      });
      assertEquals(again.code, 0, again.stderr);
      assertEquals(
        await Deno.readTextFile(`${project}/mochi.lock`),
        lock,
        "same bytes under another TZ/LANG",
      );
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
);
