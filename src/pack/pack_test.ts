import assert from "node:assert/strict";
import { parseManifest } from "../manifest/mod.ts";
import { fileSelector } from "./rules.ts";
import { publishProblems } from "./preflight.ts";

Deno.test("fileSelector: defaults include root docs and src/**, exclude secrets and VCS", () => {
  const s = fileSelector();
  for (const p of ["mochi.toml", "README.md", "LICENSE", "CHANGELOG.md", "src/a/b.mochi"]) {
    assert.ok(s.includesFile(p), p);
  }
  for (const p of ["docs/README.md", "notes.txt", "src/x.log", "src/.env.local", "src/k.pem"]) {
    assert.ok(!s.includesFile(p), p);
  }
  assert.ok(!s.enterDirectory(".git"));
  assert.ok(!s.enterDirectory("src/node_modules"));
  assert.ok(!s.enterDirectory("target"));
  assert.ok(s.enterDirectory("src/target"), "only the root target/ is build output");
});

Deno.test("fileSelector: include replaces the defaults; * stays in a segment, ** crosses", () => {
  const s = fileSelector({ include: ["lib/*.mochi", "assets/**"], always: ["mochi.toml"] });
  assert.ok(s.includesFile("lib/a.mochi"));
  assert.ok(!s.includesFile("lib/sub/a.mochi"));
  assert.ok(s.includesFile("assets/x/y/z.png"));
  assert.ok(!s.includesFile("src/a.mochi"));
  assert.ok(s.includesFile("mochi.toml"));
});

Deno.test("fileSelector: .mochiignore adds excludes, ! re-includes", () => {
  const s = fileSelector({ ignoreFile: "src/gen/\n*.bak\n!keep.bak\n" });
  assert.ok(!s.enterDirectory("src/gen"));
  assert.ok(!s.includesFile("src/a.bak"));
  assert.ok(s.includesFile("src/keep.bak"));
});

const BASE = `[package]
name = "x"
version = "1.0.0"
edition = "2026"
mochi = ">=0.7"
`;

Deno.test("publishProblems: none for a complete manifest", () => {
  const { manifest } = parseManifest(
    BASE +
      `description = "d"\nlicense = "Apache-2.0 WITH LLVM-exception"\nreadme = "README.md"\nrepository = "git+https://h/x"\n`,
  );
  assert.deepEqual(publishProblems(manifest, new Set(["README.md"])), []);
});

Deno.test("publishProblems: readme not packed, long description, bad license", () => {
  const { manifest } = parseManifest(
    BASE +
      `description = "${
        "x".repeat(201)
      }"\nlicense = "GPL"\nreadme = "README.md"\nrepository = "ssh://git@h/x"\n`,
  );
  assert.deepEqual(publishProblems(manifest, new Set()), [
    "[package] description is 201 characters; at most 200 are allowed",
    '[package] license "GPL" is not a valid SPDX expression (see https://spdx.org/licenses/)',
    '[package] readme "README.md" is not a file in the package',
  ]);
});

Deno.test("publishProblems: platform dependencies are refused (the index cannot carry them); platform dev-dependencies are not", () => {
  const complete = BASE +
    `description = "d"\nlicense = "MIT"\nreadme = "README.md"\nrepository = "https://h/x"\n`;
  const { manifest } = parseManifest(
    complete +
      `\n[target.'cfg(os = "windows")'.dependencies]\nwinio = "1"\nwinreg = "2"\n` +
      `\n[target.'cfg(os = "linux")'.dev-dependencies]\nprobe = "1"\n`,
  );
  assert.deepEqual(publishProblems(manifest, new Set(["README.md"])), [
    `[target.'cfg(os = "windows")'.dependencies] (winio, winreg) cannot be published yet: the ` +
    "registry index has no place for platform-specific dependencies; move them to [dependencies] " +
    "or keep this package unpublished",
  ]);
  const devOnly = parseManifest(
    complete + `\n[target.'cfg(os = "linux")'.dev-dependencies]\nprobe = "1"\n`,
  ).manifest;
  assert.deepEqual(publishProblems(devOnly, new Set(["README.md"])), []);
});

Deno.test("publishProblems: [targets.rust.ffi] crates from git or a path are refused, as cargo refuses them", () => {
  const { manifest } = parseManifest(
    BASE +
      `description = "d"\nlicense = "MIT"\nreadme = "README.md"\nrepository = "https://h/x"\n` +
      `\n[targets.rust.ffi]\nlocal = { path = "../local", version = "1" }\n` +
      `remote = { git = "https://h/remote.git", tag = "v1" }\nitoa = "1"\n`,
  );
  assert.deepEqual(publishProblems(manifest, new Set(["README.md"])), [
    '[targets.rust.ffi] local comes from the path "../local"; a published package depends on ' +
    "crate versions from the registry only: publish the crate first and depend on a version",
    "[targets.rust.ffi] remote comes from git (https://h/remote.git); a published package " +
    "depends on crate versions from the registry only: depend on a published version",
  ]);
});
