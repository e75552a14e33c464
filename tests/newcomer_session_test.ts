/**
 * Issue 13's done-when: a whole newcomer session on a real pseudo-terminal (`script`), asserting
 * on what the screen shows: `init`, `add` with a typo first, `install`, `tree`, `why`,
 * `outdated`, `update <pkg>`, `remove`, running from a subdirectory, and `--help` of each.
 * The registry is `mochi registry serve` on 127.0.0.1.
 */
import { assert, assertEquals } from "./assert.ts";
import { serveRegistrySubprocess, writeRegistry } from "./helpers.ts";
import { HAS_SCRIPT, runOnTerminal } from "./pty.ts";
import { guardedTest } from "./stray.ts";

guardedTest({
  name: "a newcomer's session on a terminal: init, add (typo first), install, tree, why, " +
    "outdated, update, remove, from a subdirectory, --help of each",
  ignore: !HAS_SCRIPT,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "mochi-newcomer-" });
    try {
      const registry = `${tmp}/registry`;
      await writeRegistry(registry, [
        { name: "app-core", version: "1.2.0", deps: { "text-util": "^0.3" } },
        { name: "app-core", version: "2.0.0", deps: { "text-util": "^0.4" } },
        { name: "text-util", version: "0.3.1" },
        { name: "text-util", version: "0.4.0" },
      ]);
      await using server = await serveRegistrySubprocess(registry);
      const project = `${tmp}/hello`;
      await Deno.mkdir(project);
      const env = { MOCHI_HOME: `${tmp}/home`, MOCHI_REGISTRY: server.url };
      const mochi = (args: string[], cwd = project) => runOnTerminal(args, { cwd, env });
      const step = async (args: string[], code: number, ...expected: (string | RegExp)[]) => {
        const r = await mochi(args);
        assertEquals(r.code, code, `mochi ${args.join(" ")}:\n${r.screen}`);
        for (const e of expected) {
          const ok = typeof e === "string" ? r.screen.includes(e) : e.test(r.screen);
          assert(ok, `mochi ${args.join(" ")}: expected ${e} on the screen:\n${r.screen}`);
        }
        // A screen never keeps a progress line or a raw escape sequence.
        assert(!/Resolving|Downloading/.test(r.screen) && !r.screen.includes("\x1b"), r.screen);
        return r.screen;
      };

      await step(["init"], 0, "Created package hello", "mochi.toml");
      // Typos: a misspelt command gets a did-you-mean; a misspelt package is refused and
      // nothing is written.
      await step(["ad", "app-core"], 1, 'unknown command "ad"', "did you mean mochi add?");
      await step(["add", "app-cor"], 1, "error[INDEX_E002]", "app-cor", "MOCHI_REGISTRY");
      assert(!(await Deno.readTextFile(`${project}/mochi.toml`)).includes("app-cor"));
      await step(
        ["add", "app-core@1"],
        0,
        /Added app-core = "[^"]+" in .*mochi\.toml/,
        "+ app-core 1.2.0",
      );
      await step(["install"], 0, /Fetched 2 packages|Up to date/);
      await step(["tree"], 0, "hello 0.1.0", "app-core 1.2.0", "text-util 0.3.1");
      await step(["why", "text-util"], 0, "text-util 0.3.1", "app-core 1.2.0");
      await step(["outdated"], 0, "app-core", "2.0.0");

      // A new compatible release appears; update moves that one package only.
      await writeRegistry(registry, [
        { name: "app-core", version: "1.2.0", deps: { "text-util": "^0.3" } },
        { name: "app-core", version: "2.0.0", deps: { "text-util": "^0.4" } },
        { name: "text-util", version: "0.3.1" },
        { name: "text-util", version: "0.3.2" },
        { name: "text-util", version: "0.4.0" },
      ]);
      await step(["update", "text-util"], 0, "text-util 0.3.1 → 0.3.2");

      // From a subdirectory, mochi.toml is found above.
      await Deno.mkdir(`${project}/src/deep`, { recursive: true });
      const sub = await mochi(["tree"], `${project}/src/deep`);
      assertEquals(sub.code, 0, sub.screen);
      assert(sub.screen.includes("text-util 0.3.2"), sub.screen);
      const subInstall = await mochi(["install"], `${project}/src/deep`);
      assertEquals(subInstall.code, 0, subInstall.screen);

      await step(["remove", "app-core"], 0, "- app-core 1.2.0");
      const toml = await Deno.readTextFile(`${project}/mochi.toml`);
      assert(!toml.includes("app-core"), toml);

      for (const cmd of ["init", "add", "install", "tree", "why", "outdated", "update", "remove"]) {
        await step([cmd, "--help"], 0, `mochi ${cmd}: `, "Usage: mochi ", "Global options:");
      }
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
