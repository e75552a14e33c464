/**
 * Crashes and full disks mid-install. Every named fault point, first as a
 * SIGKILL (the process dies there, no cleanup runs), then as ENOSPC (the error a full disk
 * raises); then a short random SIGKILL loop (the long one is `deno task stress`).
 */
import { assert, assertEquals } from "./assert.ts";
import { runCli, snapshotTree, writeProject, writeRegistry } from "./helpers.ts";
import { assertNoTemp, withSandbox } from "./sandbox.ts";
import { killLoop } from "./crash_loop.ts";
import { FAULT_POINTS } from "../src/store/fs/test_hooks.ts";

async function withUpdate(
  fn: (c: { project: string; env: Record<string, string>; store: string; old: string }) => Promise<
    void
  >,
) {
  await withSandbox(async (sb) => {
    const registry = `${sb.root}/registry`;
    await writeRegistry(registry, [
      { name: "first", version: "1.0.0" },
      { name: "second", version: "1.0.0", deps: { third: "1" } },
      { name: "third", version: "1.0.0" },
    ]);
    const project = `${sb.root}/project`;
    const env = { ...sb.env, MOCHI_REGISTRY: registry };
    await writeProject(project, { first: "1" });
    const r = await runCli(["install", "-C", project], { env });
    assertEquals(r.code, 0, r.stderr);
    const old = await Deno.readTextFile(`${project}/mochi.lock`);
    // The update adds two packages: every fault point is on its path.
    await writeProject(project, { first: "1", second: "1" });
    await fn({ project, env, store: sb.store, old });
  });
}

for (const point of FAULT_POINTS) {
  Deno.test(`SIGKILL at ${point}: verify passes, lock is the old bytes, the next run cleans up and succeeds`, async () => {
    await withUpdate(async ({ project, env, store, old }) => {
      const killed = await runCli(["install", "-C", project], {
        env: { ...env, MOCHI_TEST_FAULT: point },
      });
      assertEquals(killed.code, 137, `killed at ${point}: ${killed.stderr}`);
      assertEquals(await Deno.readTextFile(`${project}/mochi.lock`), old);
      const v = await runCli(["verify"], { env });
      assertEquals(v.code, 0, v.stderr);
      const next = await runCli(["install", "-v", "-C", project], { env });
      assertEquals(next.code, 0, next.stderr);
      assert(next.stderr.includes("removed 1 session(s) left by killed processes"), next.stderr);
      const lock = await Deno.readTextFile(`${project}/mochi.lock`);
      assert(lock !== old && lock.includes('name = "third"'), lock);
      assertEquals((await runCli(["verify"], { env })).code, 0);
      await assertNoTemp(store);
      const files = (await snapshotTree(project)).map((l) => l.split(" ")[0]);
      assertEquals(files, ["mochi.lock", "mochi.toml"], "the temp lockfile was cleaned up");
    });
  });

  Deno.test(`ENOSPC at ${point}: exit 1 with STORE_E001, nothing half-written, lock unchanged`, async () => {
    await withUpdate(async ({ project, env, store, old }) => {
      const r = await runCli(["install", "-C", project], {
        env: { ...env, MOCHI_TEST_FAULT: `${point}:enospc` },
      });
      assertEquals(r.code, 1, r.stderr);
      assert(r.stderr.includes("error[STORE_E001]: no space left on the device"), r.stderr);
      assertEquals(await Deno.readTextFile(`${project}/mochi.lock`), old);
      await assertNoTemp(store);
      const lockDir = (await snapshotTree(project)).map((l) => l.split(" ")[0]);
      assertEquals(lockDir, ["mochi.lock", "mochi.toml"], "no temp lockfile left");
      assertEquals((await runCli(["verify"], { env })).code, 0);
      const next = await runCli(["install", "-C", project], { env });
      assertEquals(next.code, 0, next.stderr);
    });
  });
}

Deno.test("an unknown fault point is refused (exit 1), and MOCHI_TEST_FAULT is ignored without MOCHI_TEST=1", async () => {
  await withUpdate(async ({ project, env, old }) => {
    const bad = await runCli(["install", "-C", project], {
      env: { ...env, MOCHI_TEST_FAULT: "nowhere" },
    });
    assertEquals(bad.code, 1, bad.stderr);
    assert(bad.stderr.includes('unknown point "nowhere"'), bad.stderr);
    assertEquals(await Deno.readTextFile(`${project}/mochi.lock`), old);
    const ignored = await runCli(["install", "-C", project], {
      env: { ...env, MOCHI_TEST: "0", MOCHI_TEST_FAULT: "mid-download" },
    });
    assertEquals(ignored.code, 0, ignored.stderr);
  });
});

Deno.test("random SIGKILL loop (short; deno task stress runs 200): store verifies, lock old or new, next run succeeds", async () => {
  await withSandbox(async (sb) => {
    const r = await killLoop(sb.root, sb.env, 10);
    assertEquals(r.failures, []);
    assertEquals(r.runs, 10);
    assertEquals(r.lockOld + r.lockNew, 10);
  });
});
