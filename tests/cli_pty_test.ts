/**
 * The CLI on a real pseudo-terminal (issue 13): `install` draws a progress line with counts while
 * downloading and clears it, so the screen ends with the summary alone; colour is on by default on
 * a terminal, off with `NO_COLOR`; under `CI` no progress line is drawn.
 */
import { assert, assertEquals } from "./assert.ts";
import {
  serveRegistrySubprocess,
  type TestVersion,
  writeProject,
  writeRegistry,
} from "./helpers.ts";
import { HAS_SCRIPT, runOnTerminal, screenText } from "./pty.ts";
import { guardedTest } from "./stray.ts";

Deno.test("screenText applies carriage returns and line erasures and drops colours", () => {
  assertEquals(
    screenText("\x1b[2K\x1b[G⠋ Downloading 1/2\x1b[2K\x1b[G\x1b[33mwarning\x1b[39m: x\r\nok\r\n"),
    "warning: x\nok",
  );
  assertEquals(screenText("abc\rX\n"), "Xbc");
});

guardedTest({
  name: "install on a terminal: a progress line with counts, cleared at the end; NO_COLOR; CI",
  ignore: !HAS_SCRIPT,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "mochi-pty-" });
    try {
      const versions: TestVersion[] = [];
      const deps: Record<string, string> = {};
      for (let i = 0; i < 24; i++) {
        versions.push({ name: `pkg${i}`, version: "1.0.0" });
        deps[`pkg${i}`] = "1";
      }
      await writeRegistry(`${tmp}/reg`, versions);
      await using server = await serveRegistrySubprocess(`${tmp}/reg`);
      for (
        const [name, extra] of [["tty", {}], ["nocolor", { NO_COLOR: "1" }], ["ci", {
          CI: "true",
        }]] as const
      ) {
        const project = `${tmp}/${name}`;
        await writeProject(project, deps);
        const r = await runOnTerminal(["install"], {
          cwd: project,
          env: { MOCHI_HOME: `${tmp}/home-${name}`, MOCHI_REGISTRY: server.url, ...extra },
        });
        assertEquals(r.code, 0, r.raw);
        assert(r.screen.includes("Resolved 24 packages"), r.screen);
        assert(/Done in .*$/.test(r.screen), r.screen);
        assert(!r.screen.includes("Downloading"), `the progress line is cleared: ${r.screen}`);
        if (name === "ci") {
          assert(!r.raw.includes("Downloading"), JSON.stringify(r.raw));
          continue;
        }
        assert(/Downloading \d+\/24/.test(r.raw), JSON.stringify(r.raw.slice(0, 2000)));
        const coloured = r.raw.includes("\x1b[33mwarning");
        assertEquals(coloured, name === "tty", JSON.stringify(r.raw.slice(-1500)));
      }
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
