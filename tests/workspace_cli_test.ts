/**
 * Workspaces through the real CLI (issue 18 item 1): one `mochi.lock` at the root for every
 * member, members resolved as path packages with their inherited keys, commands run from a
 * member's directory use the root's lock, `-p`/`--workspace` in tree, why and outdated.
 */
import { assert, assertEquals } from "./assert.ts";
import { runCli, writeRegistry } from "./helpers.ts";
import { withSandbox } from "./sandbox.ts";
import { parseLockfile } from "../src/lockfile/mod.ts";

const member = (name: string, deps: string) =>
  `[package]\nname = "${name}"\nversion.workspace = true\nedition.workspace = true\n` +
  `mochi.workspace = true\nlicense.workspace = true\n\n[dependencies]\n${deps}`;

/** A workspace of three members: app → core (path), app → json (inherited), cli → util. */
export async function writeWorkspace(root: string): Promise<void> {
  const files: Record<string, string> = {
    "mochi.toml": `[workspace]
members = ["packages/*", "tools/cli"]
exclude = ["packages/scratch"]
default-members = ["packages/app"]

[workspace.package]
version = "0.4.0"
edition = "2026"
mochi = ">=0.7"
license = "MIT"

[workspace.dependencies]
json = "^1.2"
core = { path = "packages/core", version = "0.4.0" }
`,
    "packages/app/mochi.toml": member("app", "json.workspace = true\ncore.workspace = true\n"),
    "packages/app/src/main.mochi": "print(1)\n",
    "packages/core/mochi.toml": member("core", 'log = "2"\n'),
    "packages/scratch/notes.txt": "not a member\n",
    "tools/cli/mochi.toml": member("cli", 'util = "1"\n'),
  };
  for (const [path, text] of Object.entries(files)) {
    const full = `${root}/${path}`;
    await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(full, text);
  }
}

Deno.test("workspace CLI: one root lock for every member, byte-stable; install from a member; tree, why, outdated show members", async () => {
  await withSandbox(async (sb) => {
    const registry = `${sb.root}/registry`;
    await writeRegistry(registry, [
      { name: "json", version: "1.2.0" },
      { name: "json", version: "1.3.0" },
      { name: "log", version: "2.0.0" },
      { name: "log", version: "2.1.0" },
      { name: "util", version: "1.0.0", deps: { log: "2" } },
    ]);
    const root = `${sb.root}/ws`;
    await writeWorkspace(root);
    const env = { ...sb.env, MOCHI_REGISTRY: registry };
    const cli = (cwd: string, ...args: string[]) => runCli(args, { cwd, env });

    const locked = await cli(root, "lock");
    assertEquals(locked.code, 0, locked.stdout + locked.stderr);
    const text = await Deno.readTextFile(`${root}/mochi.lock`);
    const lock = parseLockfile(text);
    assertEquals(
      lock.packages.map((p) => `${p.name} ${p.version} ${p.source.split("+")[0]}`),
      [
        "app 0.4.0 path",
        "cli 0.4.0 path",
        "core 0.4.0 path",
        "json 1.3.0 registry",
        "log 2.1.0 registry",
        "util 1.0.0 registry",
      ],
    );
    const app = lock.packages.find((p) => p.name === "app")!;
    assertEquals(app.source, "path+packages/app");
    assertEquals(app.blake3, undefined);
    assertEquals(app.dependencies, ["core 0.4.0", "json 1.3.0"]);
    // No lock in the members; a second lock from a member's directory changes nothing.
    assert(!(await Deno.stat(`${root}/packages/app/mochi.lock`).then(() => true, () => false)));
    const again = await cli(`${root}/packages/core`, "lock");
    assertEquals(again.code, 0, again.stderr);
    assertEquals(await Deno.readTextFile(`${root}/mochi.lock`), text);
    assertEquals((await cli(`${root}/tools/cli`, "lock", "--check")).code, 0);

    const installed = await cli(`${root}/packages/app`, "install");
    assertEquals(installed.code, 0, installed.stdout + installed.stderr);
    assertEquals(await Deno.readTextFile(`${root}/mochi.lock`), text);
    assertEquals((await cli(root, "install", "--frozen")).code, 0);

    // tree: the member of the directory; -p another; --workspace every member.
    const tree = await cli(`${root}/packages/app`, "tree");
    assertEquals(tree.code, 0, tree.stderr);
    assertEquals(tree.stdout.split("\n")[0], "app 0.4.0 (packages/app)");
    assert(tree.stdout.includes("core 0.4.0 (packages/core)"), tree.stdout);
    assert(tree.stdout.includes("log 2.1.0"), tree.stdout);
    const cliTree = await cli(root, "tree", "-p", "cli");
    assertEquals(cliTree.stdout.split("\n")[0], "cli 0.4.0 (tools/cli)");
    const all = await cli(root, "tree", "--workspace", "--depth", "0");
    assertEquals(
      all.stdout.trim().split("\n"),
      ["app 0.4.0 (packages/app)", "", "core 0.4.0 (packages/core)", "", "cli 0.4.0 (tools/cli)"],
    );
    const unknown = await cli(root, "tree", "-p", "clli");
    assertEquals(unknown.code, 1);
    assert(unknown.stderr.includes("WORKSPACE_E003"), unknown.stderr);
    assert(unknown.stderr.includes('did you mean "cli"?'), unknown.stderr);

    // why: every path to log, through the members.
    const why = await cli(root, "why", "log");
    assertEquals(why.code, 0, why.stderr);
    assert(why.stdout.includes("core 0.4.0 (packages/core)"), why.stdout);
    assert(why.stdout.includes("util 1.0.0"), why.stdout);

    // outdated: json is locked at its newest; nothing to report for members themselves, and a
    // newer log appears for both members that reach it.
    await writeRegistry(registry, [
      { name: "json", version: "1.2.0" },
      { name: "json", version: "1.3.0" },
      { name: "log", version: "2.0.0" },
      { name: "log", version: "2.1.0" },
      { name: "log", version: "2.2.0" },
      { name: "util", version: "1.0.0", deps: { log: "2" } },
    ]);
    const outdated = await cli(root, "outdated", "--workspace");
    assertEquals(outdated.code, 0, outdated.stderr);
    assert(/log\s+2\.1\.0\s+2\.2\.0/.test(outdated.stdout), outdated.stdout);
    assert(outdated.stdout.includes("core"), outdated.stdout);

    // add/remove edit the member of the directory (never the virtual root) and relock the root.
    const rootText = await Deno.readTextFile(`${root}/mochi.toml`);
    const added = await cli(`${root}/packages/app`, "add", "log@2");
    assertEquals(added.code, 0, added.stdout + added.stderr);
    assert((await Deno.readTextFile(`${root}/packages/app/mochi.toml`)).includes('log = "2"'));
    assertEquals(await Deno.readTextFile(`${root}/mochi.toml`), rootText);
    const relocked = parseLockfile(await Deno.readTextFile(`${root}/mochi.lock`));
    assertEquals(relocked.packages.find((p) => p.name === "app")!.dependencies, [
      "core 0.4.0",
      "json 1.3.0",
      "log 2.1.0",
    ]);
    const removed = await cli(`${root}/packages/app`, "remove", "log");
    assertEquals(removed.code, 0, removed.stdout + removed.stderr);
    assertEquals(await Deno.readTextFile(`${root}/mochi.lock`), text);
    const atRoot = await cli(root, "add", "log@2");
    assertEquals(atRoot.code, 1);
    assert(atRoot.stderr.includes("WORKSPACE_E003"), atRoot.stderr);

    // publish: the member graph's order (core before app); the dry run packs every member, so
    // the first one's missing publish metadata stops it (tests/workspace_publish_cli_test.ts
    // publishes a workspace that has it).
    const order = await cli(root, "publish", "--workspace", "--dry-run");
    assert(order.stdout.includes("Publish order: cli 0.4.0, core 0.4.0, app 0.4.0"), order.stdout);
    assertEquals(order.code, 1, order.stderr);
    assert(order.stderr.includes("PUB_E001") && order.stderr.includes("cli 0.4.0"), order.stderr);

    // A member's manifest change is seen from the root: the lock is re-resolved.
    await Deno.writeTextFile(
      `${root}/tools/cli/mochi.toml`,
      member("cli", 'util = "1"\njson = "=1.2.0"\n'),
    );
    const check = await cli(root, "lock", "--check");
    assertEquals(check.code, 1, check.stdout);
  });
});

Deno.test("workspace CLI: a member's capability pin on a dependency holds for the whole workspace (CAP_E001)", async () => {
  await withSandbox(async (sb) => {
    const registry = `${sb.root}/registry`;
    await writeRegistry(registry, [{ name: "util", version: "1.0.0", capabilities: ["clock"] }]);
    const root = `${sb.root}/ws`;
    const files: Record<string, string> = {
      "mochi.toml": '[workspace]\nmembers = ["a", "b"]\n',
      "a/mochi.toml":
        '[package]\nname = "a"\nversion = "0.1.0"\nedition = "2026"\nmochi = ">=0.7"\n\n[dependencies]\nutil = { version = "1", capabilities = [] }\n',
      "b/mochi.toml":
        '[package]\nname = "b"\nversion = "0.1.0"\nedition = "2026"\nmochi = ">=0.7"\n\n[dependencies]\nutil = "1"\n',
    };
    for (const [path, text] of Object.entries(files)) {
      await Deno.mkdir(`${root}/${path}`.replace(/\/[^/]+$/, ""), { recursive: true });
      await Deno.writeTextFile(`${root}/${path}`, text);
    }
    const env = { ...sb.env, MOCHI_REGISTRY: registry };
    const refused = await runCli(["lock"], { cwd: root, env });
    assertEquals(refused.code, 1, refused.stdout + refused.stderr);
    assert(refused.stderr.includes("CAP_E001"), refused.stderr);
    // Widened in the member, it resolves.
    await Deno.writeTextFile(
      `${root}/a/mochi.toml`,
      files["a/mochi.toml"]!.replace("capabilities = []", 'capabilities = ["clock"]'),
    );
    const ok = await runCli(["lock"], { cwd: root, env });
    assertEquals(ok.code, 0, ok.stdout + ok.stderr);
  });
});
