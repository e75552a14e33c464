/**
 * `mochi yank` takes its registry from the project: a broken mochi.toml is an error, not a
 * silent fall-back to MOCHI_REGISTRY (another registry than the project's).
 */
import assert from "node:assert/strict";
import { runCli } from "./helpers.ts";
import { guardedTest } from "./stray.ts";

guardedTest(
  "mochi yank: a broken mochi.toml is reported, not replaced by MOCHI_REGISTRY",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "mochi-yank-" });
    try {
      await Deno.writeTextFile(`${dir}/mochi.toml`, "[package\nname = \n");
      const r = await runCli(["yank", "@acme/core@1.0.0", "--identity-token", "x"], {
        cwd: dir,
        env: { MOCHI_HOME: `${dir}/home`, MOCHI_REGISTRY: "http://127.0.0.1:9/" },
      });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /MANIFEST_E0/);
      assert.doesNotMatch(r.stderr, /127\.0\.0\.1:9/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
