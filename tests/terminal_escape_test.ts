/**
 * Issue 11 item 14: terminal control characters in registry data (names, requirements,
 * capabilities) must not reach the terminal raw: `ESC [ 2 K \r` would erase the line a warning is
 * on and print over it. Every line the CLI prints goes through one writer that escapes them
 * (src/cli/output.ts); these run the real CLI against a loopback registry holding such records.
 */
import { assert } from "./assert.ts";
import { runCli, serveRegistrySubprocess, writeProject, writeRegistry } from "./helpers.ts";
import { guardedTest } from "./stray.ts";

const ERASE = "\x1b[2K\r";

function assertNoRawControls(text: string): void {
  // deno-lint-ignore no-control-regex
  const raw = text.match(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  assert(raw === null, `raw control ${JSON.stringify(raw?.[0])} in ${JSON.stringify(text)}`);
}

guardedTest("registry data with ESC [2K \\r reaches the terminal escaped", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "mochi-escape-" });
  try {
    await writeRegistry(`${tmp}/reg`, [
      { name: "good", version: "1.0.0" },
      { name: "badreq", version: "1.0.0", deps: { good: `1${ERASE}` } },
      { name: "badname", version: "1.0.0", deps: { [`good${ERASE}`]: "1" } },
    ]);
    await using server = await serveRegistrySubprocess(`${tmp}/reg`);
    const env = { MOCHI_HOME: `${tmp}/home`, MOCHI_REGISTRY: server.url };
    for (const name of ["badreq", "badname"]) {
      const project = `${tmp}/${name}`;
      await writeProject(project, { [name]: "1" });
      const r = await runCli(["install", "-C", project], { env });
      assert(r.code === 1, r.stderr);
      assertNoRawControls(r.stdout + r.stderr);
      assert(r.stderr.includes("\\x1b[2"), `the escape is shown, visibly: ${r.stderr}`);
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
