/**
 * Per-platform dependencies resolved once into a universal lock (issue 18 item 4), through the
 * real CLI: every platform's packages are locked with markers, `lock`/`lock --check` give the
 * same bytes whatever platform they run as, and install fetches only what the platform it
 * installs for needs (`MOCHI_PLATFORM` simulates the others).
 */
import { assert, assertEquals } from "./assert.ts";
import { runCli, snapshotTree, writeRegistry } from "./helpers.ts";
import { withSandbox } from "./sandbox.ts";
import { parseLockfile } from "../src/lockfile/mod.ts";

const MANIFEST = `[package]
name = "app"
version = "0.1.0"
edition = "2026"
mochi = ">=0.7"

[dependencies]
json = "1"

[target.'cfg(os = "windows")'.dependencies]
winapi = "1"

[target.'cfg(os = "macos")'.dependencies]
macfs = "1"
json = "1"

[target.'cfg(all(os = "linux", arch = "aarch64"))'.dependencies]
armopt = "1"
`;

Deno.test("universal lock: one resolution for every platform, markers on entries, install takes this platform's", async () => {
  await withSandbox(async (sb) => {
    const registry = `${sb.root}/registry`;
    await writeRegistry(registry, [
      { name: "json", version: "1.0.0" },
      { name: "winapi", version: "1.0.0", deps: { winsys: "1", json: "1" } },
      { name: "winsys", version: "1.0.0" },
      { name: "macfs", version: "1.0.0" },
      { name: "armopt", version: "1.0.0" },
    ]);
    const project = `${sb.root}/app`;
    await Deno.mkdir(project);
    await Deno.writeTextFile(`${project}/mochi.toml`, MANIFEST);
    const run = (platform: string, ...args: string[]) =>
      runCli([...args, "-C", project], {
        env: { ...sb.env, MOCHI_REGISTRY: registry, MOCHI_PLATFORM: platform },
      });

    assertEquals((await run("linux-x86_64", "lock")).code, 0);
    const text = await Deno.readTextFile(`${project}/mochi.lock`);
    assertEquals(
      parseLockfile(text).packages.map((p) => `${p.name} ${p.marker ?? "(all)"}`),
      [
        'armopt cfg(all(os = "linux", arch = "aarch64"))',
        "json (all)",
        'macfs cfg(os = "macos")',
        'winapi cfg(os = "windows")',
        'winsys cfg(os = "windows")',
      ],
    );
    assert(text.includes('marker = "cfg(os = \\"windows\\")"'), text);
    // The same bytes on every simulated platform: lock rewrites nothing, --check passes.
    for (const p of ["macos-aarch64", "windows-x86_64", "linux-aarch64"]) {
      const check = await run(p, "lock", "--check");
      assertEquals(check.code, 0, `${p}: ${check.stdout}${check.stderr}`);
      assertEquals((await run(p, "lock")).code, 0);
      assertEquals(await Deno.readTextFile(`${project}/mochi.lock`), text, p);
    }

    // linux-x86_64 needs json only.
    const linux = await run("linux-x86_64", "install");
    assertEquals(linux.code, 0, linux.stdout + linux.stderr);
    assert(
      linux.stdout.includes(
        "Skipped 4 packages only other platforms need (installing for linux-x86_64): " +
          "armopt 1.0.0, macfs 1.0.0, winapi 1.0.0, winsys 1.0.0",
      ),
      linux.stdout,
    );
    assertEquals((await snapshotTree(`${sb.store}/blobs`)).length, 1);
    // windows-x86_64 adds winapi and winsys; the lock is untouched.
    const windows = await run("windows-x86_64", "install", "--locked");
    assertEquals(windows.code, 0, windows.stdout + windows.stderr);
    assertEquals((await snapshotTree(`${sb.store}/blobs`)).length, 3);
    assertEquals(await Deno.readTextFile(`${project}/mochi.lock`), text);
    const arm = await run("linux-aarch64", "install", "--locked");
    assertEquals(arm.code, 0, arm.stdout + arm.stderr);
    assertEquals((await snapshotTree(`${sb.store}/blobs`)).length, 4);
    const bad = await run("beos-x86_64", "install");
    assertEquals(bad.code, 1);
    assert(bad.stderr.includes("MOCHI_PLATFORM"), bad.stderr);
    // tree shows the platform-only packages too.
    const tree = await run("linux-x86_64", "tree");
    assert(tree.stdout.includes("winapi 1.0.0"), tree.stdout);
  });
});
