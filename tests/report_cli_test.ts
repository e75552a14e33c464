// Issue 13 items 7 and 8 through the real CLI: requirements with build metadata resolve as cargo's
// semver crate reads them, and a conflict report shows each requirement as the manifest or the
// index wrote it (`<=2.0.0` stays `<=2.0.0`, not `<2.0.1`; `>1.0.0` stays, not `>=1.0.1`).
import { assert, assertEquals } from "./assert.ts";
import { runCli, writeRegistry } from "./helpers.ts";
import { guardedTest } from "./stray.ts";

function manifest(deps: string[]): string {
  return [
    "[package]",
    'name = "app"',
    'version = "0.1.0"',
    'edition = "2026"',
    'mochi = ">=0.7"',
    "",
    "[dependencies]",
    ...deps,
    "",
  ].join("\n");
}

guardedTest(
  "mochi lock: requirements with build metadata and as-written conflict reports",
  async () => {
    const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "mochi-report-" }));
    try {
      await writeRegistry(`${root}/registry`, [
        { name: "shared", version: "1.0.0" },
        { name: "shared", version: "2.0.0" },
        { name: "shared", version: "2.0.1" },
        { name: "foo", version: "1.0.0", deps: { shared: "<=2.0.0" } },
      ]);
      const app = `${root}/app`;
      await Deno.mkdir(app);
      const env = { MOCHI_HOME: `${root}/home`, MOCHI_REGISTRY: `${root}/registry` };
      const cli = (args: string[]) => runCli([...args, "-C", app], { env });

      // Item 8: foo needs shared <=2.0.0, the root needs shared >2.0.0.
      await Deno.writeTextFile(`${app}/mochi.toml`, manifest(['foo = "1"', 'shared = ">2.0.0"']));
      const conflict = await cli(["lock"]);
      assertEquals(conflict.code, 1, conflict.stderr);
      assert(conflict.stderr.includes("shared <=2.0.0"), conflict.stderr);
      assert(conflict.stderr.includes("shared >2.0.0"), conflict.stderr);
      assert(
        !conflict.stderr.includes("<2.0.1") && !conflict.stderr.includes(">=2.0.1"),
        conflict.stderr,
      );
      await Deno.stat(`${app}/mochi.lock`).then(
        () => assert(false, "a failed lock wrote mochi.lock"),
        (e) => assert(e instanceof Deno.errors.NotFound),
      );

      // Item 7: build metadata on a comparator is accepted and ignored (`=2.0.0+build1` is 2.0.0).
      await Deno.writeTextFile(`${app}/mochi.toml`, manifest(['shared = "=2.0.0+build1"']));
      const ok = await cli(["lock"]);
      assertEquals(ok.code, 0, ok.stderr);
      assert((await Deno.readTextFile(`${app}/mochi.lock`)).includes('version = "2.0.0"'));

      // Item 7: `*` with another comparator is refused, as cargo refuses it.
      await Deno.writeTextFile(`${app}/mochi.toml`, manifest(['shared = "*, <2"']));
      const star = await cli(["lock"]);
      assertEquals(star.code, 1, star.stderr);
      assert(/error\[MANIFEST_E\d+\]/.test(star.stderr), star.stderr);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);
