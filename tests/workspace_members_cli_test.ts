/**
 * Workspace members through the real CLI (issue 18): a member's dependency that names another
 * member from git or an outside path is refused at its key (not a crash), members' manifest
 * warnings are printed with their position, and member errors carry line and column.
 */
import { assert, assertEquals } from "./assert.ts";
import { runCli } from "./helpers.ts";
import { withSandbox } from "./sandbox.ts";

const pkg = (name: string, version: string, rest = "") =>
  `[package]\nname = "${name}"\nversion = "${version}"\nedition = "2026"\nmochi = ">=0.7"\n${rest}`;

/** Writes `files` (path → text) below `root`. */
async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    const full = `${root}/${path}`;
    await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(full, text);
  }
}

Deno.test("workspace CLI: a member's git or outside-path dependency named like another member is WORKSPACE_E002 at its key, not a crash", async () => {
  await withSandbox(async (sb) => {
    for (
      const spec of [
        'a = { git = "file:///nowhere", branch = "main" }',
        'a = { path = "../../elsewhere/a" }',
      ]
    ) {
      const root = `${sb.root}/ws-${spec.includes("git") ? "git" : "path"}`;
      await writeFiles(root, {
        "mochi.toml": '[workspace]\nmembers = ["crates/*"]\n',
        "crates/a/mochi.toml": pkg("a", "0.3.0"),
        "crates/b/mochi.toml": pkg("b", "0.1.0", `\n[dependencies]\n${spec}\n`),
        "elsewhere/a/mochi.toml": pkg("a", "9.0.0"),
      });
      const r = await runCli(["lock"], { cwd: root, env: sb.env });
      assertEquals(r.code, 1, r.stdout + r.stderr);
      assert(r.stderr.includes("error[WORKSPACE_E002]"), r.stderr);
      assert(!r.stderr.includes("INTERNAL_E001"), r.stderr);
      assert(r.stderr.includes('"a" is a workspace member'), r.stderr);
      assert(r.stderr.includes(`${root}/crates/b/mochi.toml:8:1`), r.stderr);
    }
  });
});

Deno.test("workspace CLI: members' unknown keys warn with file, position and did-you-mean, from the root and from a member", async () => {
  await withSandbox(async (sb) => {
    const root = `${sb.root}/ws`;
    await writeFiles(root, {
      "mochi.toml": '[workspace]\nmembers = ["crates/*"]\n\n[workspace.dependencies]\n' +
        'a = { path = "crates/a", version = "0.3.0" }\n',
      "crates/a/mochi.toml": pkg("a", "0.3.0", 'descriptoin = "x"\n'),
      "crates/b/mochi.toml": pkg(
        "b",
        "0.1.0",
        '\n[dependencies]\na = { path = "../a", verison = "0.3" }\n',
      ),
      "crates/c/mochi.toml": pkg(
        "c",
        "0.1.0",
        '\n[dependencies]\na = { workspace = true, pth = "x" }\n',
      ),
    });
    for (const cwd of [root, `${root}/crates/b`]) {
      const r = await runCli(["lock"], { cwd, env: sb.env });
      assertEquals(r.code, 0, r.stdout + r.stderr);
      for (
        const [key, mean, at] of [
          ["descriptoin", "description", "crates/a/mochi.toml:6:1"],
          ["verison", "version", "crates/b/mochi.toml:8:22"],
          ["pth", "path", "crates/c/mochi.toml:8:25"],
        ]
      ) {
        assert(r.stderr.includes(`unknown key "${key}"`), `${cwd}: ${r.stderr}`);
        assert(r.stderr.includes(`did you mean "${mean}"?`), r.stderr);
        assert(r.stderr.includes(`${root}/${at}`), r.stderr);
      }
      // Once each.
      assertEquals(r.stderr.split('unknown key "verison"').length, 2, r.stderr);
    }
  });
});

Deno.test("workspace CLI: member errors carry line:column (member without its path before INDEX_E007, a path without a version at publish, a default-members entry that is no member)", async () => {
  await withSandbox(async (sb) => {
    const root = `${sb.root}/ws`;
    const env = { ...sb.env };
    delete env.MOCHI_REGISTRY;
    await writeFiles(root, {
      "mochi.toml": '[workspace]\nmembers = ["crates/*"]\n',
      "crates/a/mochi.toml": pkg("a", "0.3.0"),
      "crates/b/mochi.toml": pkg("b", "0.1.0", '\n[dependencies]\na = "0.3"\n'),
    });
    const bare = await runCli(["lock"], { cwd: root, env });
    assertEquals(bare.code, 1, bare.stdout + bare.stderr);
    assert(bare.stderr.includes("error[WORKSPACE_E002]"), bare.stderr);
    assert(bare.stderr.includes("without its path"), bare.stderr);
    assert(bare.stderr.includes(`${root}/crates/b/mochi.toml:8:1`), bare.stderr);

    await Deno.writeTextFile(
      `${root}/crates/b/mochi.toml`,
      pkg(
        "b",
        "0.1.0",
        'license = "MIT"\ndescription = "b"\n\n[dependencies]\na = { path = "../a" }\n',
      ),
    );
    const publish = await runCli(["publish", "--workspace", "--dry-run"], { cwd: root, env });
    assertEquals(publish.code, 1, publish.stdout + publish.stderr);
    assert(publish.stderr.includes("error[WORKSPACE_E004]"), publish.stderr);
    assert(publish.stderr.includes("has a path and no version"), publish.stderr);
    assert(publish.stderr.includes(`${root}/crates/b/mochi.toml:10:1`), publish.stderr);

    await Deno.writeTextFile(
      `${root}/mochi.toml`,
      '[workspace]\nmembers = ["crates/*"]\ndefault-members = ["crates/a", "crates/z"]\n',
    );
    const defaults = await runCli(["lock"], { cwd: root, env });
    assertEquals(defaults.code, 1, defaults.stdout + defaults.stderr);
    assert(defaults.stderr.includes('"crates/z" is listed in default-members'), defaults.stderr);
    assert(defaults.stderr.includes(`${root}/mochi.toml:3:32`), defaults.stderr);
  });
});

Deno.test("workspace CLI: why in a virtual workspace ends its paths at the members, never at the workspace's own root", async () => {
  await withSandbox(async (sb) => {
    const root = `${sb.root}/ws`;
    await writeFiles(root, {
      "mochi.toml": '[workspace]\nmembers = ["crates/*"]\n',
      "crates/a/mochi.toml": pkg("a", "0.3.0"),
      "crates/b/mochi.toml": pkg("b", "0.1.0", '\n[dependencies]\na = { path = "../a" }\n'),
    });
    const locked = await runCli(["lock"], { cwd: root, env: sb.env });
    assertEquals(locked.code, 0, locked.stdout + locked.stderr);
    const a = await runCli(["why", "a"], { cwd: root, env: sb.env });
    assertEquals(a.code, 0, a.stdout + a.stderr);
    assertEquals(a.stdout.trimEnd().split("\n"), ["a 0.3.0 (crates/a)", "└── b 0.1.0 (crates/b)"]);
    const b = await runCli(["why", "b"], { cwd: root, env: sb.env });
    assertEquals(b.stdout.trimEnd().split("\n"), ["b 0.1.0 (crates/b)"]);
    assert(!(a.stdout + b.stdout).includes("(workspace)"), a.stdout + b.stdout);
  });
});

Deno.test("CLI: -p help says (repeatable) once; a missing file:// git repository is GIT_E001 (unreachable, exit 3), not GIT_E002", async () => {
  await withSandbox(async (sb) => {
    const help = await runCli(["why", "--help"], { cwd: sb.root, env: sb.env });
    const line = (help.stdout + help.stderr).split("\n").find((l) => l.includes("--package"));
    assert(line !== undefined, help.stdout + help.stderr);
    assertEquals(line.split("repeatable").length, 2, line);

    const app = `${sb.root}/app`;
    await writeFiles(app, {
      "mochi.toml": pkg(
        "app",
        "0.1.0",
        `\n[dependencies]\nx = { git = "file://${sb.root}/nowhere" }\n`,
      ),
    });
    const r = await runCli(["lock"], { cwd: app, env: sb.env });
    assertEquals(r.code, 3, r.stdout + r.stderr);
    assert(r.stderr.includes("error[GIT_E001]"), r.stderr);
    assert(r.stderr.includes("does not appear to be a git repository"), r.stderr);
  });
});
