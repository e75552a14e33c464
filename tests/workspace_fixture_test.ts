/**
 * Issue 18's "Done when" workspace (`fixtures/workspace/`): four members, one depending on
 * another by path, one with a Rust crate, one with a git dependency, one with a platform-specific
 * dependency. It locks to one byte-stable lock (the same bytes on every simulated platform),
 * installs, fetches its crate, vendors, and installs again offline from the vendor directory
 * with an empty cache and the registries, the cargo index and the git repository gone.
 */
import { gzipSync } from "node:zlib";
import { assert, assertEquals } from "./assert.ts";
import { ROOT, runCli, writeRegistry } from "./helpers.ts";
import { withSandbox } from "./sandbox.ts";
import { makePackageRepo } from "./git_server.ts";
import { parseLockfile } from "../src/lockfile/mod.ts";
import { crateIndexPath } from "../src/rust/mod.ts";
import { digestBytes } from "../src/store/mod.ts";

/** A file:// cargo sparse index holding `crates` (name, version), each `.crate` a gzip blob. */
async function writeCargoIndex(dir: string, crates: [string, string][]): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/config.json`,
    JSON.stringify({ dl: `file://${dir}/dl/{crate}/{version}/download`, api: null }),
  );
  for (const [name, vers] of crates) {
    const body = new Uint8Array(gzipSync(new TextEncoder().encode(`${name}-${vers} source\n`)));
    await Deno.mkdir(`${dir}/dl/${name}/${vers}`, { recursive: true });
    await Deno.writeFile(`${dir}/dl/${name}/${vers}/download`, body);
    const line = JSON.stringify({
      name,
      vers,
      deps: [],
      cksum: (await digestBytes(body)).sha256,
      features: {},
      yanked: false,
    });
    const p = `${dir}/${crateIndexPath(name)}`;
    await Deno.mkdir(p.slice(0, p.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(p, line + "\n");
  }
}

async function copyTree(from: string, to: string, fill: Record<string, string>): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) await copyTree(`${from}/${e.name}`, `${to}/${e.name}`, fill);
    else {
      let text = await Deno.readTextFile(`${from}/${e.name}`);
      for (const [k, v] of Object.entries(fill)) text = text.replaceAll(k, v);
      await Deno.writeTextFile(`${to}/${e.name}`, text);
    }
  }
}

Deno.test("workspace fixture: 4 members lock to one byte-stable lock, install, vendor, and install again offline from the vendor directory", async () => {
  await withSandbox(async (sb) => {
    const registry = `${sb.root}/registry`;
    await writeRegistry(registry, [
      { name: "json", version: "1.2.0" },
      { name: "json", version: "1.4.1" },
      { name: "log", version: "2.3.0" },
      { name: "winapi", version: "1.0.0" },
      { name: "macfs", version: "1.1.0" },
    ]);
    const index = `${sb.root}/cargo-index`;
    await writeCargoIndex(index, [["alpha", "1.0.3"]]);
    const repo = await makePackageRepo(sb.root, "gitpkg", "0.3.0", { log: "2" });
    const ws = `${sb.root}/ws`;
    await copyTree(`${ROOT}/fixtures/workspace`, ws, {
      "@GIT_URL@": `file://${repo.bare}`,
      "@CRATES_IO@": `sparse+file://${index}/`,
    });
    const run = (cwd: string, platform: string, ...args: string[]) =>
      runCli(args, {
        cwd,
        env: { ...sb.env, MOCHI_REGISTRY: registry, MOCHI_PLATFORM: platform },
      });

    const locked = await run(ws, "linux-x86_64", "lock");
    assertEquals(locked.code, 0, locked.stdout + locked.stderr);
    const text = await Deno.readTextFile(`${ws}/mochi.lock`);
    const lock = parseLockfile(text);
    assertEquals(
      lock.packages.map((p) => `${p.name} ${p.version} ${p.source.replace(/[+].*/, "")}`),
      [
        "app 0.2.0 path",
        "core 0.2.0 path",
        "gitpkg 0.3.0 git",
        "json 1.4.1 registry",
        "log 2.3.0 registry",
        "macfs 1.1.0 registry",
        "native 0.2.0 path",
        "remote 0.2.0 path",
        "winapi 1.0.0 registry",
      ],
    );
    const byName = new Map(lock.packages.map((p) => [p.name, p]));
    assertEquals(byName.get("app")!.dependencies, ["core 0.2.0", "json 1.4.1"]);
    assertEquals(byName.get("winapi")!.marker, 'cfg(os = "windows")');
    assertEquals(byName.get("gitpkg")!.source.endsWith(`#${repo.commit}`), true);
    assertEquals(lock.rustPackages?.map((c) => `${c.name} ${c.version}`), ["alpha 1.0.3"]);
    // Byte-stable: again from a member's directory, and checked as three other platforms.
    assertEquals((await run(`${ws}/packages/native`, "macos-aarch64", "lock")).code, 0);
    assertEquals(await Deno.readTextFile(`${ws}/mochi.lock`), text);
    for (const p of ["macos-aarch64", "windows-x86_64", "linux-aarch64"]) {
      const check = await run(ws, p, "lock", "--check");
      assertEquals(check.code, 0, `${p}: ${check.stdout}${check.stderr}`);
    }

    const installed = await run(`${ws}/packages/app`, "linux-x86_64", "install");
    assertEquals(installed.code, 0, installed.stdout + installed.stderr);
    assert(installed.stdout.includes("macfs 1.1.0, winapi 1.0.0"), installed.stdout);
    const fetched = await run(ws, "linux-x86_64", "fetch");
    assertEquals(fetched.code, 0, fetched.stdout + fetched.stderr);
    assertEquals(await Deno.readTextFile(`${ws}/mochi.lock`), text);

    // Vendor every platform's packages and the crate; path members are not copied.
    const vendored = await run(ws, "linux-x86_64", "vendor");
    assertEquals(vendored.code, 0, vendored.stdout + vendored.stderr);
    assert(vendored.stdout.includes('vendor = "vendor"'), vendored.stdout);
    assert(vendored.stdout.includes("app 0.2.0"), vendored.stdout);
    const manifest = JSON.parse(await Deno.readTextFile(`${ws}/vendor/vendor.json`));
    assertEquals(
      (manifest.packages as { name: string }[]).map((p) => p.name).sort(),
      ["alpha", "gitpkg", "json", "log", "macfs", "winapi"],
    );
    await Deno.writeTextFile(
      `${ws}/mochi.toml`,
      (await Deno.readTextFile(`${ws}/mochi.toml`)).replace(
        "[registry]\n",
        '[registry]\nvendor = "vendor"\n',
      ),
    );

    // The network gone (no registry, no cargo index, no git repository) and an empty cache:
    // installs offline from the vendor directory, for this platform and for another.
    await Deno.rename(registry, `${registry}.gone`);
    await Deno.rename(index, `${index}.gone`);
    await Deno.rename(repo.bare, `${repo.bare}.gone`);
    await Deno.remove(sb.mochiHome, { recursive: true });
    const offline = await run(ws, "linux-x86_64", "install", "--offline");
    assertEquals(offline.code, 0, offline.stdout + offline.stderr);
    assertEquals(await Deno.readTextFile(`${ws}/mochi.lock`), text);
    const windows = await run(ws, "windows-x86_64", "install", "--frozen");
    assertEquals(windows.code, 0, windows.stdout + windows.stderr);
    assertEquals(await Deno.readTextFile(`${ws}/mochi.lock`), text);
    const tree = await run(ws, "linux-x86_64", "tree", "--workspace", "--depth", "1");
    assertEquals(tree.code, 0, tree.stderr);
    assert(tree.stdout.includes("remote 0.2.0 (packages/remote)"), tree.stdout);
    assert(tree.stdout.includes("gitpkg 0.3.0"), tree.stdout);
  });
});
