/**
 * Path and git crates in `[targets.rust.ffi]` (issue 18 item 2, where cargo has them), through
 * the real CLI: a path crate and a git crate (a bare repository made in the test, `file://`),
 * each depending on a registry crate; the lock pins the git crate's full commit and the SHA-256
 * of its packed files, the path crate by its directory; `mochi fetch` downloads only the
 * registry crate; a branch that moves upstream stays locked until `mochi update`.
 */
import assert from "node:assert/strict";
import { formatLockfile, parseLockfile } from "../src/lockfile/mod.ts";
import { runCli } from "./helpers.ts";
import { git } from "./git_server.ts";
import { guardedTest } from "./stray.ts";
import { writeCargoIndex } from "./cargo_index_testing.ts";

function cargoToml(name: string, version: string): string {
  return `[package]\nname = "${name}"\nversion = "${version}"\nedition = "2021"\n\n` +
    `[dependencies]\nalpha = { version = "1", optional = true }\n\n` +
    `[features]\ndefault = ["alpha"]\n`;
}

guardedTest(
  "[targets.rust.ffi] path and git crates: locked by directory and by commit",
  async () => {
    const tmp = await Deno.makeTempDir({ prefix: "mochi-rust-src-" });
    try {
      await writeCargoIndex(`${tmp}/cargo`, [{ name: "alpha", vers: "1.0.0" }]);
      await Deno.mkdir(`${tmp}/pathy/src`, { recursive: true });
      await Deno.writeTextFile(`${tmp}/pathy/Cargo.toml`, cargoToml("pathy", "0.1.0"));
      await Deno.writeTextFile(`${tmp}/pathy/src/lib.rs`, "pub fn f() {}\n");
      const work = `${tmp}/gitty-work`;
      await Deno.mkdir(`${work}/src`, { recursive: true });
      await Deno.writeTextFile(`${work}/Cargo.toml`, cargoToml("gitty", "0.2.0"));
      await Deno.writeTextFile(`${work}/src/lib.rs`, "pub fn g() {}\n");
      await git(["init", "-q", work]);
      await git(["add", "-A"], work);
      await git(["commit", "-q", "-m", "one"], work);
      const bare = `${tmp}/gitty.git`;
      await git(["clone", "-q", "--bare", work, bare]);
      const first = await git(["rev-parse", "HEAD"], work);

      const app = `${tmp}/app`;
      await Deno.mkdir(`${app}/src`, { recursive: true });
      await Deno.writeTextFile(
        `${app}/mochi.toml`,
        `[package]\nname = "app"\nversion = "0.1.0"\nedition = "2026"\nmochi = ">=0.7"\n\n` +
          `[registry]\ncrates-io = "file://${tmp}/cargo/"\n\n[targets.rust.ffi]\n` +
          `pathy = { path = "../pathy" }\n` +
          `gitty = { git = "file://${bare}", branch = "main", version = "0.2" }\n`,
      );
      const env = { MOCHI_HOME: `${tmp}/home` };
      const lock1 = await runCli(["lock"], { cwd: app, env });
      assert.equal(lock1.code, 0, lock1.stderr);
      const text = await Deno.readTextFile(`${app}/mochi.lock`);
      const crates = parseLockfile(text).rustPackages!;
      assert.deepEqual(crates.map((c) => `${c.name} ${c.version}`), [
        "alpha 1.0.0",
        "gitty 0.2.0",
        "pathy 0.1.0",
      ]);
      const gitty = crates.find((c) => c.name === "gitty")!;
      assert.deepEqual(gitty.source, {
        kind: "git",
        id: `git+file://${bare}?branch=main#${first}`,
      });
      assert.match(gitty.checksumSha256, /^[0-9a-f]{64}$/);
      assert.deepEqual(gitty.dependencies, ["alpha 1.0.0"]);
      const pathy = crates.find((c) => c.name === "pathy")!;
      assert.deepEqual(pathy.source, { kind: "path", path: "../pathy" });
      assert.equal(pathy.checksumSha256, "");
      assert.match(text, /source = \{ kind = "path", path = "\.\.\/pathy" \}\n(?!checksum)/);

      // Install reuses the lock (no git), fetch downloads the registry crate only.
      const inst = await runCli(["install", "--locked"], { cwd: app, env });
      assert.equal(inst.code, 0, inst.stderr);
      const fetch = await runCli(["fetch"], { cwd: app, env });
      assert.equal(fetch.code, 0, fetch.stderr);
      assert.match(fetch.stdout, /Fetched 1 crates/);
      assert.equal(await Deno.readTextFile(`${app}/mochi.lock`), text);

      // Upstream moves; the lock keeps the commit until mochi update.
      await Deno.writeTextFile(`${work}/src/lib.rs`, "pub fn g() { }\n");
      await git(["commit", "-q", "-am", "two"], work);
      await git(["push", "-q", bare, "main"], work);
      const second = await git(["rev-parse", "HEAD"], work);
      const again = await runCli(["lock"], { cwd: app, env });
      assert.equal(again.code, 0, again.stderr);
      assert.equal(await Deno.readTextFile(`${app}/mochi.lock`), text);
      const up = await runCli(["update"], { cwd: app, env });
      assert.equal(up.code, 0, up.stderr);
      const moved = parseLockfile(await Deno.readTextFile(`${app}/mochi.lock`)).rustPackages!
        .find((c) => c.name === "gitty")!;
      assert.deepEqual(moved.source, {
        kind: "git",
        id: `git+file://${bare}?branch=main#${second}`,
      });
      assert.notEqual(moved.checksumSha256, gitty.checksumSha256);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
);

guardedTest("[targets.rust.ffi] git and path keys: refused values at their position", async () => {
  const { parseManifest } = await import("../src/manifest/parse.ts");
  const head = `[package]\nname = "a"\nversion = "1.0.0"\nedition = "2026"\nmochi = ">=0.7"\n` +
    `[targets.rust.ffi]\n`;
  for (
    const [line, col, re] of [
      [`x = { git = "ext::sh" }`, 13, /transport/],
      [`x = { git = "https://e.org/x.git", tag = "-x" }`, 42, /tag/],
      [`x = { path = "p", git = "https://e.org/x.git" }`, 19, /both/],
      [`x = { branch = "main" }`, 7, /no "git"/],
    ] as const
  ) {
    assert.throws(
      () => parseManifest(head + line + "\n"),
      (e: Error & { code?: string; line?: number; column?: number }) =>
        e.code === "RUST_E002" && e.line === 7 && e.column === col && re.test(e.message),
      line,
    );
  }
  const w = parseManifest(head + `x = { git = "https://e.org/x.git", tga = "v1" }\n`).warnings;
  assert.match(w[0]!.message, /did you mean "tag"/);
  const m = parseManifest(head + `x = { git = "https://e.org/x.git", rev = "abc123" }\n`).manifest;
  assert.deepEqual(m.rustDependencies!.get("x")!.git, {
    url: "https://e.org/x.git",
    rev: "abc123",
  });
});

guardedTest("[[rust-package]] git and path sources: round-trip, refused hostile ids", () => {
  const commit = "0123456789abcdef0123456789abcdef01234567";
  const head = `version = 1\nmanifest_hash = "blake3-256:${"0".repeat(64)}"\n\n[[rust-package]]\n` +
    `name = "x"\nversion = "1.0.0"\n`;
  const tail = `dependencies = []\nfeatures = []\n`;
  const git = head +
    `source = { kind = "git", id = "git+https://e.org/x.git?tag=v1#${commit}" }\n` +
    `checksum-sha256 = "${"a".repeat(64)}"\n` + tail;
  const lock = parseLockfile(git);
  assert.deepEqual(lock.rustPackages![0]!.source, {
    kind: "git",
    id: `git+https://e.org/x.git?tag=v1#${commit}`,
  });
  assert.deepEqual(parseLockfile(formatLockfile(lock)), lock);
  const path = parseLockfile(head + `source = { kind = "path", path = "../x" }\n` + tail);
  assert.equal(path.rustPackages![0]!.checksumSha256, "");
  assert.doesNotMatch(formatLockfile(path), /checksum-sha256/);
  for (
    const bad of [
      `source = { kind = "git", id = "git+ext::sh#${commit}" }\nchecksum-sha256 = "${
        "a".repeat(64)
      }"\n`,
      `source = { kind = "git", id = "git+--upload-pack=x#${commit}" }\nchecksum-sha256 = "${
        "a".repeat(64)
      }"\n`,
      `source = { kind = "git", id = "git+https://e.org/x.git#main" }\nchecksum-sha256 = "${
        "a".repeat(64)
      }"\n`,
      `source = { kind = "git", id = "git+https://e.org/x.git#${commit}" }\n`,
      `source = { kind = "path", path = "" }\n`,
      `source = { kind = "svn", url = "x" }\n`,
    ]
  ) {
    assert.throws(
      () => parseLockfile(head + bad + tail),
      (e: Error & { code?: string }) => e.code === "LOCK_E005",
      bad,
    );
  }
});
