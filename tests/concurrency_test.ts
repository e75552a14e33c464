/**
 * Processes sharing one store. Installs share the store lock and never
 * write a blob twice; `mochi cache prune` takes it exclusively, so it never deletes what an
 * install is using; a killed holder never blocks the next process; after 1 s of waiting mochi
 * says which pid holds the lock.
 */
import { assert, assertEquals } from "./assert.ts";
import { ROOT, runCli, writeProject, writeRegistry } from "./helpers.ts";
import { concurrentInstalls, sharedGraph } from "./concurrency_loop.ts";
import { startFakeRegistry } from "./fake_registry.ts";
import { assertNoTemp, withSandbox } from "./sandbox.ts";
import { acquireStoreLock } from "../src/store/fs/store_lock.ts";

Deno.test("8 processes install different projects sharing deps into one store: all succeed, each blob downloaded and written once, store clean", async () => {
  await withSandbox(async (sb) => {
    const r = await concurrentInstalls(sb.root, sb.env, 8, 12);
    assertEquals(r.codes, [0, 0, 0, 0, 0, 0, 0, 0]);
    // 12 shared + 8 top packages: each stored by exactly one process.
    assertEquals(r.stored.size, 20, [...r.stored.keys()].join(", "));
    for (const [pkg, count] of r.stored) assertEquals(count, 1, `${pkg} stored ${count} times`);
    assertEquals(r.blobRequests, 20, "each blob downloaded once across the 8 processes");
    const v = await runCli(["verify"], { env: sb.env });
    assertEquals(v.code, 0, v.stderr);
    assert(v.stdout.includes("Checked 20 blobs"), v.stdout);
    await assertNoTemp(sb.store);
  });
});

Deno.test("after 1 s of waiting mochi says which pid holds the store lock, then proceeds", async () => {
  await withSandbox(async (sb) => {
    const registry = `${sb.root}/registry`;
    await writeRegistry(registry, [{ name: "solo", version: "1.0.0" }]);
    const project = `${sb.root}/project`;
    await writeProject(project, { solo: "1" });
    const held = await acquireStoreLock(sb.store, "exclusive", { command: "test" });
    const t0 = performance.now();
    const run = runCli(["install", "-C", project], {
      env: { ...sb.env, MOCHI_REGISTRY: registry },
    });
    setTimeout(() => held.release(), 2000);
    const r = await run;
    assertEquals(r.code, 0, r.stderr);
    assert(performance.now() - t0 >= 2000, "the install waited for the lock");
    assert(
      r.stderr.includes(`for the store lock, held by pid ${Deno.pid} (mochi test)`),
      r.stderr,
    );
    await assertNoTemp(sb.store);
  });
});

Deno.test("a SIGKILLed lock holder never blocks the next process; its session is cleaned up", async () => {
  await withSandbox(async (sb) => {
    // An exclusive holder (a stand-in for `cache prune`) killed while holding the lock.
    const holder = new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `import { acquireStoreLock } from "${ROOT}/src/store/fs/store_lock.ts";
         await acquireStoreLock(${JSON.stringify(sb.store)}, "exclusive", { command: "holder" });
         console.log("held");
         await new Promise(() => setInterval(() => {}, 1000));`,
      ],
      stdout: "piped",
      env: sb.env,
    }).spawn();
    const reader = holder.stdout.pipeThrough(new TextDecoderStream()).getReader();
    assertEquals((await reader.read()).value?.trim(), "held");
    reader.releaseLock();
    holder.kill("SIGKILL");
    await holder.status;
    await holder.stdout.cancel().catch(() => {});

    // A shared holder (an install) killed mid-download.
    const registry = `${sb.root}/registry`;
    await writeRegistry(registry, [{ name: "solo", version: "1.0.0" }]);
    const project = `${sb.root}/project`;
    await writeProject(project, { solo: "1" });
    const env = { ...sb.env, MOCHI_REGISTRY: registry };
    const killed = await runCli(["install", "-C", project], {
      env: { ...env, MOCHI_TEST_FAULT: "mid-download" },
    });
    assertEquals(killed.code, 137, killed.stderr);

    const t0 = performance.now();
    const prune = await runCli(["cache", "prune", "--dry-run"], { env });
    assertEquals(prune.code, 0, prune.stderr);
    assert(!prune.stderr.includes("Blocking"), prune.stderr);
    // The holder's session was already removed by the killed install when it started; the
    // install's own is what is left.
    assert(prune.stdout.includes("1 sessions of killed processes"), prune.stdout);
    const ok = await runCli(["install", "-C", project], { env });
    assertEquals(ok.code, 0, ok.stderr);
    assert(!ok.stderr.includes("Blocking"), ok.stderr);
    assert(performance.now() - t0 < 10_000);
    await assertNoTemp(sb.store);
  });
});

Deno.test("cache size and prune: last-use record, --older-than, --dry-run; prune waits for a running install", async () => {
  await withSandbox(async (sb) => {
    const registry = `${sb.root}/registry`;
    const digests = await writeRegistry(registry, [
      { name: "keep-me", version: "1.0.0" },
      { name: "old-one", version: "1.0.0" },
    ]);
    const env = { ...sb.env, MOCHI_REGISTRY: registry };
    const project = `${sb.root}/project`;
    await writeProject(project, { "keep-me": "1", "old-one": "1" });
    assertEquals((await runCli(["install", "-C", project], { env })).code, 0);
    const size = await runCli(["cache", "size"], { env });
    assert(/blobs\s+2 \(/.test(size.stdout), size.stdout);
    assert(/extracted trees\s+2 \(/.test(size.stdout), size.stdout);

    // Last used 40 days ago: the default prune (30 d) removes it, and only it.
    const old = digests.get("old-one@1.0.0")!;
    const path = `${sb.store}/blobs/${old.slice(0, 2)}/${old.slice(2, 4)}/${old}`;
    const then = new Date(Date.now() - 40 * 86_400_000);
    await Deno.utime(path, then, then);
    const dry = await runCli(["cache", "prune", "--dry-run"], { env });
    assert(dry.stdout.includes("Would remove 1 blobs"), dry.stdout);
    assert(await Deno.stat(path).then(() => true), "dry run deleted nothing");
    const pruned = await runCli(["cache", "prune"], { env });
    assert(pruned.stdout.includes("Removed 1 blobs"), pruned.stdout);
    assert(await Deno.stat(path).then(() => false, () => true), "the old blob is gone");
    assert((await runCli(["cache", "prune", "--older-than", "1h"], { env })).stdout.includes(
      "Removed 0 blobs",
    ));

    // An install in progress (shared lock held here): prune waits, says so, deletes after.
    const held = await acquireStoreLock(sb.store, "shared", { command: "install" });
    const t0 = performance.now();
    const run = runCli(["cache", "prune", "--older-than", "0"], { env });
    // Held well past the 1 s notice, so a slow start of the subprocess under load still sees it.
    setTimeout(() => held.release(), 3000);
    const r = await run;
    assert(performance.now() - t0 >= 3000, "prune waited for the install");
    assert(r.stderr.includes(`held by pid ${Deno.pid} (mochi install)`), r.stderr);
    assert(r.stdout.includes("Removed 1 blobs"), r.stdout);
    const after = await runCli(["cache", "size"], { env });
    assert(/blobs\s+0 \(/.test(after.stdout), after.stdout);
    const bad = await runCli(["cache", "prune", "--older-than", "soon"], { env });
    assertEquals(bad.code, 1);
    assert(bad.stderr.includes('"soon" is not a duration'), bad.stderr);
  });
});

Deno.test("prune running concurrently with installs never deletes what an install is using", async () => {
  await withSandbox(async (sb) => {
    const registry = `${sb.root}/registry`;
    await writeRegistry(registry, sharedGraph(4, 8));
    await using server = startFakeRegistry(registry);
    server.fault("blobs/*", { latencyMs: 30 });
    const env = { ...sb.env, MOCHI_REGISTRY: server.url };
    const installs = Array.from({ length: 4 }, async (_, k) => {
      const project = `${sb.root}/project-${k}`;
      await writeProject(project, { [`top-${k}`]: "1" });
      await new Promise((r) => setTimeout(r, k * 150));
      return await runCli(["install", "-C", project], { env });
    });
    const prunes = Array.from({ length: 3 }, async (_, k) => {
      await new Promise((r) => setTimeout(r, 100 + k * 250));
      return await runCli(["cache", "prune", "--older-than", "0"], { env });
    });
    const results = await Promise.all([...installs, ...prunes]);
    for (const r of results) assertEquals(r.code, 0, r.stderr);
    const v = await runCli(["verify"], { env });
    assertEquals(v.code, 0, v.stderr);
    await assertNoTemp(sb.store);
  });
});
