/**
 * Forked universal resolution (issue 18 item 4, uv's forking resolver), through the real CLI:
 * platform tables that need different versions of one package lock into one entry per version
 * with disjoint markers, shared packages stay on one version across the forks, the lock is the
 * same bytes whatever platform writes or checks it (`MOCHI_PLATFORM`), install takes each
 * platform's own version, and a fork with no solution names its platforms.
 */
import { assert, assertEquals } from "./assert.ts";
import { runCli, snapshotTree, writeRegistry } from "./helpers.ts";
import { withSandbox } from "./sandbox.ts";
import { parseLockfile } from "../src/lockfile/mod.ts";

const HEAD = `[package]
name = "app"
version = "0.1.0"
edition = "2026"
mochi = ">=0.7"

[dependencies]
json = "1"
`;

const MANIFEST = HEAD + `
[target.'cfg(os = "windows")'.dependencies]
foo = "1"

[target.'cfg(os = "linux")'.dependencies]
foo = "2"
`;

Deno.test("forked lock: windows foo 1 and linux foo 2 lock as two entries with disjoint markers; install takes each platform's", async () => {
  await withSandbox(async (sb) => {
    const registry = `${sb.root}/registry`;
    await writeRegistry(registry, [
      { name: "json", version: "1.0.0" },
      // Linux's foo holds shared to 1.1; windows' foo would take 1.2 on its own.
      { name: "foo", version: "1.0.0", deps: { shared: "1" } },
      { name: "foo", version: "2.0.0", deps: { shared: "~1.1" } },
      { name: "shared", version: "1.0.0" },
      { name: "shared", version: "1.1.0" },
      { name: "shared", version: "1.2.0" },
    ]);
    const project = `${sb.root}/app`;
    await Deno.mkdir(project);
    await Deno.writeTextFile(`${project}/mochi.toml`, MANIFEST);
    const run = (platform: string, ...args: string[]) =>
      runCli([...args, "-C", project], {
        env: { ...sb.env, MOCHI_REGISTRY: registry, MOCHI_PLATFORM: platform },
      });

    const locked = await run("linux-x86_64", "lock");
    assertEquals(locked.code, 0, locked.stdout + locked.stderr);
    const text = await Deno.readTextFile(`${project}/mochi.lock`);
    assertEquals(
      parseLockfile(text).packages.map((p) => `${p.name} ${p.version} ${p.marker ?? "(all)"}`),
      [
        'foo 1.0.0 cfg(os = "windows")',
        'foo 2.0.0 cfg(os = "linux")',
        "json 1.0.0 (all)",
        // One version for both forks (windows preferred linux's choice), the union marker.
        'shared 1.1.0 cfg(any(os = "linux", os = "windows"))',
      ],
    );
    // The same bytes whatever platform locks or checks.
    for (const p of ["macos-aarch64", "windows-x86_64", "linux-aarch64", "windows-aarch64"]) {
      const check = await run(p, "lock", "--check");
      assertEquals(check.code, 0, `${p}: ${check.stdout}${check.stderr}`);
      await Deno.remove(`${project}/mochi.lock`);
      const again = await run(p, "lock");
      assertEquals(again.code, 0, `${p}: ${again.stdout}${again.stderr}`);
      assertEquals(await Deno.readTextFile(`${project}/mochi.lock`), text, p);
    }

    const linux = await run("linux-x86_64", "install", "--locked");
    assertEquals(linux.code, 0, linux.stdout + linux.stderr);
    assert(
      linux.stdout.includes(
        "Skipped 1 package only other platforms need (installing for linux-x86_64): foo 1.0.0",
      ),
      linux.stdout,
    );
    assertEquals((await snapshotTree(`${sb.store}/blobs`)).length, 3);
    const windows = await run("windows-aarch64", "install", "--locked");
    assertEquals(windows.code, 0, windows.stdout + windows.stderr);
    assert(
      windows.stdout.includes(
        "Skipped 1 package only other platforms need (installing for windows-aarch64): foo 2.0.0",
      ),
      windows.stdout,
    );
    assertEquals((await snapshotTree(`${sb.store}/blobs`)).length, 4);
    const macos = await run("macos-x86_64", "install", "--locked");
    assertEquals(macos.code, 0, macos.stdout + macos.stderr);
    assert(
      macos.stdout.includes(
        "Skipped 3 packages only other platforms need (installing for macos-x86_64): " +
          "foo 1.0.0, foo 2.0.0, shared 1.1.0",
      ),
      macos.stdout,
    );
    assertEquals(await Deno.readTextFile(`${project}/mochi.lock`), text);

    // Relocking keeps every fork's locked version although a newer one appeared.
    await writeRegistry(registry, [
      { name: "json", version: "1.0.0" },
      { name: "foo", version: "1.0.0", deps: { shared: "1" } },
      { name: "foo", version: "1.5.0", deps: { shared: "1" } },
      { name: "foo", version: "2.0.0", deps: { shared: "~1.1" } },
      { name: "shared", version: "1.0.0" },
      { name: "shared", version: "1.1.0" },
      { name: "shared", version: "1.2.0" },
    ]);
    assertEquals((await run("linux-x86_64", "lock")).code, 0);
    assertEquals(await Deno.readTextFile(`${project}/mochi.lock`), text);
  });
});

Deno.test("forked lock: a fork with no solution is SOLVER_E002 naming its platforms", async () => {
  await withSandbox(async (sb) => {
    const registry = `${sb.root}/registry`;
    await writeRegistry(registry, [
      { name: "json", version: "1.0.0" },
      { name: "foo", version: "1.0.0" },
      { name: "foo", version: "2.0.0" },
    ]);
    const project = `${sb.root}/app`;
    await Deno.mkdir(project);
    await Deno.writeTextFile(
      `${project}/mochi.toml`,
      HEAD + `
[target.'cfg(os = "linux")'.dependencies]
foo = "2"

[target.'cfg(all(os = "windows", arch = "aarch64"))'.dependencies]
foo = "3"
`,
    );
    const r = await runCli(["lock", "-C", project], {
      env: { ...sb.env, MOCHI_REGISTRY: registry, MOCHI_PLATFORM: "linux-x86_64" },
    });
    assertEquals(r.code, 1, r.stdout + r.stderr);
    assert(r.stderr.includes("SOLVER_E002"), r.stderr);
    assert(
      r.stderr.includes(
        'the fork for cfg(all(os = "windows", arch = "aarch64")) (windows-aarch64)',
      ),
      r.stderr,
    );
    assert(r.stderr.includes("foo"), r.stderr);
    assert(!(await Deno.stat(`${project}/mochi.lock`).catch(() => undefined)), "no lock written");
  });
});

Deno.test("platform tables: a path dependency only macos needs is read from its directory and marked", async () => {
  await withSandbox(async (sb) => {
    const registry = `${sb.root}/registry`;
    await writeRegistry(registry, [{ name: "json", version: "1.0.0" }]);
    const local = `${sb.root}/macglue`;
    await Deno.mkdir(`${local}/src`, { recursive: true });
    await Deno.writeTextFile(
      `${local}/mochi.toml`,
      `[package]\nname = "macglue"\nversion = "0.3.0"\nedition = "2026"\nmochi = ">=0.7"\n`,
    );
    await Deno.writeTextFile(`${local}/src/lib.mochi`, "export fun glue(): int { return 1 }\n");
    const project = `${sb.root}/app`;
    await Deno.mkdir(project);
    await Deno.writeTextFile(
      `${project}/mochi.toml`,
      HEAD + `\n[target.'cfg(os = "macos")'.dependencies]\nmacglue = { path = "../macglue" }\n`,
    );
    const r = await runCli(["lock", "-C", project], {
      env: { ...sb.env, MOCHI_REGISTRY: registry, MOCHI_PLATFORM: "linux-x86_64" },
    });
    assertEquals(r.code, 0, r.stdout + r.stderr);
    const lock = parseLockfile(await Deno.readTextFile(`${project}/mochi.lock`));
    assertEquals(
      lock.packages.map((p) => `${p.name} ${p.version} ${p.marker ?? "(all)"}`),
      ["json 1.0.0 (all)", 'macglue 0.3.0 cfg(os = "macos")'],
    );
    assertEquals(lock.packages[1]!.source, "path+../macglue");
    // Moved to another platform's table: lock --check names the marker change.
    await Deno.writeTextFile(
      `${project}/mochi.toml`,
      HEAD + `\n[target.'cfg(os = "linux")'.dependencies]\nmacglue = { path = "../macglue" }\n`,
    );
    const check = await runCli(["lock", "--check", "-C", project], {
      env: { ...sb.env, MOCHI_REGISTRY: registry, MOCHI_PLATFORM: "linux-x86_64" },
    });
    assertEquals(check.code, 1, check.stdout + check.stderr);
    assert(
      (check.stdout + check.stderr).includes(
        '~ macglue 0.3.0 (platforms changed: cfg(os = "linux"))',
      ),
      check.stdout + check.stderr,
    );
  });
});

Deno.test("platform tables: Rust, Go or Python dependencies under [target.'cfg(…)'] are TARGET_E002 at the key", async () => {
  await withSandbox(async (sb) => {
    const project = `${sb.root}/app`;
    await Deno.mkdir(project);
    await Deno.writeTextFile(
      `${project}/mochi.toml`,
      HEAD + `\n[target.'cfg(os = "linux")'.targets.rust.ffi]\nlibc = "0.2"\n`,
    );
    const r = await runCli(["lock", "-C", project], {
      env: { ...sb.env, MOCHI_REGISTRY: `${sb.root}/none`, MOCHI_PLATFORM: "linux-x86_64" },
    });
    assertEquals(r.code, 1, r.stdout + r.stderr);
    assert(r.stderr.includes("TARGET_E002"), r.stderr);
    assert(r.stderr.includes(":10:"), r.stderr);
    assert(r.stderr.includes("[targets.rust.ffi]"), r.stderr);
  });
});

Deno.test("forked lock in a workspace: a transitive conflict between two members' platform tables forks too", async () => {
  await withSandbox(async (sb) => {
    const registry = `${sb.root}/registry`;
    await writeRegistry(registry, [
      { name: "winio", version: "1.0.0", deps: { codec: "^1" } },
      { name: "linio", version: "1.0.0", deps: { codec: "^2" } },
      { name: "codec", version: "1.0.0" },
      { name: "codec", version: "2.0.0" },
    ]);
    const root = `${sb.root}/ws`;
    const member = (name: string, table: string) =>
      `[package]\nname = "${name}"\nversion = "0.1.0"\nedition = "2026"\nmochi = ">=0.7"\n\n${table}`;
    const files: Record<string, string> = {
      "mochi.toml": '[workspace]\nmembers = ["a", "b"]\n',
      "a/mochi.toml": member("a", `[target.'cfg(os = "windows")'.dependencies]\nwinio = "1"\n`),
      "b/mochi.toml": member(
        "b",
        `[target.'cfg(not(os = "windows"))'.dependencies]\nlinio = "1"\n`,
      ),
    };
    for (const [path, text] of Object.entries(files)) {
      await Deno.mkdir(`${root}/${path}`.replace(/\/[^/]+$/, ""), { recursive: true });
      await Deno.writeTextFile(`${root}/${path}`, text);
    }
    const lockAs = (platform: string, ...args: string[]) =>
      runCli(["lock", ...args], {
        cwd: root,
        env: { ...sb.env, MOCHI_REGISTRY: registry, MOCHI_PLATFORM: platform },
      });
    const r = await lockAs("windows-x86_64");
    assertEquals(r.code, 0, r.stdout + r.stderr);
    const text = await Deno.readTextFile(`${root}/mochi.lock`);
    assertEquals(
      parseLockfile(text).packages.map((p) => `${p.name} ${p.version} ${p.marker ?? "(all)"}`),
      [
        "a 0.1.0 (all)",
        "b 0.1.0 (all)",
        'codec 1.0.0 cfg(os = "windows")',
        'codec 2.0.0 cfg(any(os = "linux", os = "macos"))',
        'linio 1.0.0 cfg(any(os = "linux", os = "macos"))',
        'winio 1.0.0 cfg(os = "windows")',
      ],
    );
    const check = await lockAs("macos-aarch64", "--check");
    assertEquals(check.code, 0, check.stdout + check.stderr);
  });
});

Deno.test("platform tables of a path dependency: followed, forked when they conflict, and install --locked reuses the lock", async () => {
  await withSandbox(async (sb) => {
    const registry = `${sb.root}/registry`;
    await writeRegistry(registry, [
      { name: "json", version: "1.0.0" },
      { name: "foo", version: "1.0.0" },
      { name: "foo", version: "2.0.0" },
      { name: "armopt", version: "1.0.0" },
    ]);
    const glue = `${sb.root}/glue`;
    await Deno.mkdir(`${glue}/src`, { recursive: true });
    await Deno.writeTextFile(
      `${glue}/mochi.toml`,
      `[package]\nname = "glue"\nversion = "0.2.0"\nedition = "2026"\nmochi = ">=0.7"\n\n` +
        `[target.'cfg(os = "windows")'.dependencies]\nfoo = "1"\n\n` +
        `[target.'cfg(not(os = "windows"))'.dependencies]\nfoo = "2"\n\n` +
        `[target.'cfg(arch = "aarch64")'.dependencies]\narmopt = "1"\n`,
    );
    await Deno.writeTextFile(`${glue}/src/lib.mochi`, "export fun glue(): int { return 1 }\n");
    const project = `${sb.root}/app`;
    await Deno.mkdir(project);
    await Deno.writeTextFile(
      `${project}/mochi.toml`,
      HEAD + `glue = { path = "../glue" }\n`,
    );
    const run = (platform: string, ...args: string[]) =>
      runCli([...args, "-C", project], {
        env: { ...sb.env, MOCHI_REGISTRY: registry, MOCHI_PLATFORM: platform },
      });
    const r = await run("macos-aarch64", "lock");
    assertEquals(r.code, 0, r.stdout + r.stderr);
    const text = await Deno.readTextFile(`${project}/mochi.lock`);
    assertEquals(
      parseLockfile(text).packages.map((p) => `${p.name} ${p.version} ${p.marker ?? "(all)"}`),
      [
        'armopt 1.0.0 cfg(arch = "aarch64")',
        'foo 1.0.0 cfg(os = "windows")',
        'foo 2.0.0 cfg(any(os = "linux", os = "macos"))',
        "glue 0.2.0 (all)",
        "json 1.0.0 (all)",
      ],
    );
    for (const p of ["windows-aarch64", "linux-x86_64"]) {
      const check = await run(p, "lock", "--check");
      assertEquals(check.code, 0, `${p}: ${check.stdout}${check.stderr}`);
    }
    const win = await run("windows-x86_64", "install", "--locked");
    assertEquals(win.code, 0, win.stdout + win.stderr);
    assert(
      win.stdout.includes(
        "Skipped 2 packages only other platforms need (installing for windows-x86_64): " +
          "armopt 1.0.0, foo 2.0.0",
      ),
      win.stdout,
    );
    assertEquals(await Deno.readTextFile(`${project}/mochi.lock`), text);
  });
});
