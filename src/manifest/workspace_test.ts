/**
 * `[workspace]` in `mochi.toml` (issue 18 item 1): cargo's keys, inheritance with
 * `key.workspace = true`, and its errors with positions and a did-you-mean.
 */
import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { MochiError } from "../errors.ts";
import { parseManifest } from "./parse.ts";
import type { WorkspaceContext } from "./types.ts";
import { memberPatternMatches, memberPatternProblem } from "./workspace.ts";

const ROOT = `
[workspace]
members = ["packages/*", "tools/cli"]
exclude = ["packages/scratch"]
default-members = ["packages/app"]

[workspace.package]
version = "1.4.0"
license = "MIT"
authors = ["Ada <ada@example.invalid>"]
mochi = ">=0.7"
edition = "2026"

[workspace.dependencies]
json = { version = "^1.2", features = ["fast"] }
"@acme/log" = "2"
shared = { path = "packages/shared", version = "1.4.0" }
`;

function root(): WorkspaceContext {
  const { manifest } = parseManifest(ROOT, "/ws/mochi.toml");
  return { config: manifest.workspace!, rootFile: "/ws/mochi.toml", memberToRoot: "../.." };
}

function failure(fn: () => unknown): MochiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof MochiError) return e;
    throw e;
  }
  throw new Error("expected a MochiError");
}

Deno.test("workspace root: a virtual manifest with members, exclude, default-members, package and dependencies", () => {
  const { manifest, warnings } = parseManifest(ROOT, "/ws/mochi.toml");
  assertEquals(warnings, []);
  assert(manifest.virtual);
  const ws = manifest.workspace!;
  assertEquals(ws.members, ["packages/*", "tools/cli"]);
  assertEquals(ws.exclude, ["packages/scratch"]);
  assertEquals(ws.defaultMembers, ["packages/app"]);
  assertEquals(ws.package.version, "1.4.0");
  assertEquals(ws.package.authors, ["Ada <ada@example.invalid>"]);
  assertEquals([...ws.dependencies.keys()], ["json", "@acme/log", "shared"]);
  assertEquals(ws.dependencies.get("json")!.features, ["fast"]);
});

Deno.test("workspace member: key.workspace = true and name = { workspace = true } inherit, cargo's merge", () => {
  const text = `
[package]
name = "app"
version.workspace = true
edition.workspace = true
mochi.workspace = true
license = { workspace = true }

[dependencies]
json = { workspace = true, features = ["pretty"], optional = true }
"@acme/log".workspace = true
shared.workspace = true
`;
  const { manifest, warnings } = parseManifest(text, "/ws/packages/app/mochi.toml", {
    workspace: root(),
  });
  assertEquals(warnings, []);
  assertEquals(manifest.package.version, "1.4.0");
  assertEquals(manifest.package.license, "MIT");
  assertEquals(manifest.package.mochi, ">=0.7");
  const json = manifest.dependencies.get("json")!;
  assertEquals([json.requirement, json.versionGiven, json.optional], ["^1.2", true, true]);
  assertEquals(json.features, ["fast", "pretty"]);
  assertEquals(json.workspace, undefined);
  assertEquals(manifest.dependencies.get("@acme/log")!.requirement, "2");
  // A path in [workspace.dependencies] is relative to the root: rebased for the member.
  assertEquals(manifest.dependencies.get("shared")!.path, "../../packages/shared");
});

Deno.test("workspace member: an inherited [package] key the root does not define names the file and what it defines", () => {
  const text = `[package]
name = "app"
version = "0.1.0"
edition = "2026"
mochi = ">=0.7"
description.workspace = true
`;
  const e = failure(() =>
    parseManifest(text, "/ws/packages/app/mochi.toml", { workspace: root() })
  );
  assertEquals(e.code, "WORKSPACE_E001");
  assertEquals([e.line, e.column], [6, 1]);
  assert(e.message.includes('"workspace.package.description" is not defined'), e.message);
  assert(e.message.includes("/ws/mochi.toml"), e.message);
  assert(e.message.includes('"version"'), e.message);
  assert(e.hint!.includes("add description = … to [workspace.package]"), e.hint);
});

Deno.test("workspace member: a dependency missing from [workspace.dependencies] gets a did-you-mean", () => {
  const text = `[package]
name = "app"
version = "0.1.0"
edition = "2026"
mochi = ">=0.7"

[dependencies]
jsno = { workspace = true }
`;
  const e = failure(() =>
    parseManifest(text, "/ws/packages/app/mochi.toml", { workspace: root() })
  );
  assertEquals(e.code, "WORKSPACE_E001");
  assertEquals(e.line, 8);
  assert(e.message.includes('did you mean "json"?'), e.message);
});

Deno.test("[package] key.workspace = true with no root, and name.workspace, are refused with positions", () => {
  const base = '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2026"\nmochi = ">=0.7"\n';
  // Read on its own, a dependency's workspace = true is kept for the project reader.
  const alone = parseManifest(base + "\n[dependencies]\njson.workspace = true\n");
  assertEquals(alone.manifest.dependencies.get("json")!.workspace, true);
  const ver = failure(() =>
    parseManifest(base.replace('version = "0.1.0"', "version.workspace = true"))
  );
  assertEquals([ver.code, ver.line], ["WORKSPACE_E001", 3]);
  const name = failure(() =>
    parseManifest(base.replace('name = "app"', "name.workspace = true"), "m.toml", {
      workspace: root(),
    })
  );
  assertEquals([name.code, name.line], ["WORKSPACE_E001", 2]);
  assert(name.message.includes("cannot be inherited"), name.message);
});

Deno.test("workspace root: bad members, optional workspace dependencies and a virtual [dependencies] are refused with positions", () => {
  const members = failure(() => parseManifest('[workspace]\nmembers = ["ok", "../out"]\n'));
  assertEquals([members.code, members.line], ["WORKSPACE_E002", 2]);
  assert(members.message.includes("leaves the workspace root"), members.message);
  const optional = failure(() =>
    parseManifest(
      '[workspace]\nmembers = []\n\n[workspace.dependencies]\nx = { version = "1", optional = true }\n',
    )
  );
  assertEquals([optional.code, optional.line], ["WORKSPACE_E002", 5]);
  const virtualDeps = failure(() =>
    parseManifest('[workspace]\nmembers = []\n\n[dependencies]\nx = "1"\n')
  );
  assertEquals([virtualDeps.code, virtualDeps.line], ["WORKSPACE_E002", 4]);
  const version = failure(() =>
    parseManifest('[workspace]\n\n[workspace.package]\nversion = "one"\n')
  );
  assertEquals([version.code, version.line], ["MANIFEST_E005", 4]);
});

Deno.test("workspace keys: misspelt ones are warnings with a did-you-mean, positioned", () => {
  const { warnings } = parseManifest(
    '[workspace]\nmembres = ["a"]\ndefault_members = ["a"]\n\n[workspace.package]\nlicence = "MIT"\n',
  );
  assertEquals(
    warnings.map((w) => [w.line, w.message.match(/did you mean "([^"]+)"/)?.[1]]),
    [[2, "members"], [3, "default-members"], [6, "license"]],
  );
});

Deno.test("member globs: cargo's glob grammar, ** across directories, dot directories skipped", () => {
  assert(memberPatternMatches("packages/*", "packages/app"));
  assert(!memberPatternMatches("packages/*", "packages"));
  assert(memberPatternMatches("packages/app-?", "packages/app-1"));
  assert(memberPatternMatches("packages/[ab]*", "packages/beta"));
  assert(!memberPatternMatches("packages/[!ab]*", "packages/beta"));
  assert(memberPatternMatches("libs/**", "libs/x/y"));
  assert(memberPatternMatches("**/core", "a/b/core"));
  assert(!memberPatternMatches("*", ".hidden"));
  assert(memberPatternMatches("./tools/cli/", "tools/cli"));
  assertEquals(memberPatternProblem("/abs"), "it is an absolute path");
  assertEquals(memberPatternProblem("a/**b"), '"**" must be a whole path segment (in "**b")');
  assertThrows(() => parseManifest('[workspace]\nmembers = ["a//b"]\n'), MochiError);
});
