/**
 * Issue 13 items 5 and 6 and the upward search for mochi.toml, through the real CLI: manifest
 * warnings are printed (and `-q` silences them), `tree --depth 0` prints the root only,
 * `lock --check` without dependencies or lock says what is missing, `MOCHI_HOME` naming a file
 * and a port in use are user errors with a hint (not INTERNAL_E001), and mochi.toml is found from
 * a subdirectory.
 */
import { assert, assertEquals } from "./assert.ts";
import { runCli, writeProject, writeRegistry } from "./helpers.ts";
import { guardedTest } from "./stray.ts";

async function withProject(
  fn: (c: { tmp: string; project: string; env: Record<string, string> }) => Promise<void>,
  extra = "",
): Promise<void> {
  const tmp = await Deno.makeTempDir({ prefix: "mochi-env-" });
  try {
    await writeRegistry(`${tmp}/reg`, [
      { name: "top", version: "1.0.0", deps: { leaf: "1" } },
      { name: "leaf", version: "1.0.0" },
    ]);
    const project = `${tmp}/project`;
    await writeProject(project, { top: "1" }, extra);
    await fn({ tmp, project, env: { MOCHI_HOME: `${tmp}/home`, MOCHI_REGISTRY: `${tmp}/reg` } });
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

guardedTest("manifest warnings are printed; -q silences them", async () => {
  await withProject(async ({ project, env }) => {
    const toml = await Deno.readTextFile(`${project}/mochi.toml`);
    await Deno.writeTextFile(
      `${project}/mochi.toml`,
      toml.replace('version = "0.1.0"', 'version = "0.1.0"\nautor = "me"'),
    );
    const r = await runCli(["lock", "-C", project], { env });
    assertEquals(r.code, 0, r.stderr);
    assert(/warning: .*autor/.test(r.stderr), r.stderr);
    assert(r.stderr.includes(`${project}/mochi.toml:`), r.stderr);
    const q = await runCli(["lock", "-q", "-C", project], { env });
    assertEquals(q.code, 0, q.stderr);
    assertEquals(q.stderr, "");
  });
});

guardedTest(
  "tree --depth 0 prints the project only; --depth 1 its direct dependencies",
  async () => {
    await withProject(async ({ project, env }) => {
      assertEquals((await runCli(["install", "-C", project], { env })).code, 0);
      const zero = await runCli(["tree", "--depth", "0", "-C", project], { env });
      assertEquals(zero.code, 0, zero.stderr);
      assertEquals(zero.stdout.trim().split("\n").length, 1, zero.stdout);
      const one = await runCli(["tree", "--depth", "1", "-C", project], { env });
      assert(one.stdout.includes("top") && !one.stdout.includes("leaf"), one.stdout);
    });
  },
);

guardedTest("mochi.toml is found from a subdirectory (cargo, uv, deno)", async () => {
  await withProject(async ({ project, env }) => {
    await Deno.mkdir(`${project}/src/deep`, { recursive: true });
    const r = await runCli(["install"], { env, cwd: `${project}/src/deep` });
    assertEquals(r.code, 0, r.stderr);
    assert(r.stdout.includes(`Wrote ${project}/mochi.lock`), r.stdout);
    const t = await runCli(["tree"], { env, cwd: `${project}/src` });
    assert(t.stdout.includes("leaf"), t.stdout);
  });
});

guardedTest(
  "lock --check with no dependencies and no lock says mochi.lock does not exist",
  async () => {
    await withProject(async ({ tmp, env }) => {
      const empty = `${tmp}/empty`;
      await writeProject(empty, {});
      const r = await runCli(["lock", "--check", "-C", empty], { env });
      assertEquals(r.code, 1, r.stderr);
      assert(!r.stderr.includes("0 change(s)"), r.stderr);
      assert(
        r.stderr.includes(
          "error[LOCK_E002]: mochi.lock needs to be updated: mochi.lock does not exist",
        ),
        r.stderr,
      );
      assert(r.stderr.includes("help: run mochi lock to create it"), r.stderr);
    });
  },
);

guardedTest("MOCHI_HOME naming a file is a user error with a hint, not INTERNAL_E001", async () => {
  await withProject(async ({ tmp, project, env }) => {
    await Deno.writeTextFile(`${tmp}/file`, "");
    for (const args of [["install", "-C", project], ["cache", "size"], ["verify"]]) {
      const r = await runCli(args, { env: { ...env, MOCHI_HOME: `${tmp}/file` } });
      assertEquals(r.code, 1, r.stderr);
      assert(
        r.stderr.includes(`error[STORE_E001]: MOCHI_HOME ${tmp}/file is not a directory`),
        r.stderr,
      );
      assert(r.stderr.includes("help: point MOCHI_HOME at a directory"), r.stderr);
      assert(!r.stderr.includes("INTERNAL_E001"), r.stderr);
    }
  });
});

guardedTest("registry serve on a port in use is CLI_E002 with a hint", async () => {
  await withProject(async ({ tmp }) => {
    using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    const r = await runCli(["registry", "serve", `${tmp}/reg`, "--port", String(port)]);
    assertEquals(r.code, 1, r.stderr);
    assert(
      r.stderr.includes(`error[CLI_E002]: port ${port} on 127.0.0.1 is already in use`),
      r.stderr,
    );
    assert(r.stderr.includes("--port 0"), r.stderr);
    assert(!r.stderr.includes("INTERNAL_E001"), r.stderr);
  });
});
