/**
 * Workspaces on disk (issue 18 item 1): member globs and exclude, inheritance through the loader,
 * the root found from a member, `-p`/`--workspace`/default-members, and cargo's errors.
 */
import { assert, assertEquals, assertRejects, assertThrows } from "../../tests/assert.ts";
import { MochiError } from "../errors.ts";
import {
  findWorkspaceRoot,
  loadWorkspace,
  planWorkspacePublish,
  publishOrder,
  selectMembers,
  workspaceManifest,
} from "./workspace.ts";

const pkg = (name: string, extra = "") =>
  `[package]\nname = "${name}"\nversion.workspace = true\nedition = "2026"\nmochi = ">=0.7"\n${extra}`;

async function tree(files: Record<string, string>): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "mochi-ws-" });
  for (const [path, text] of Object.entries(files)) {
    const full = `${root}/${path}`;
    await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(full, text);
  }
  return root;
}

const ROOT = `[workspace]
members = ["packages/*", "tools/cli"]
exclude = ["packages/scratch"]
default-members = ["packages/app"]

[workspace.package]
version = "2.1.0"

[workspace.dependencies]
json = "^1.2"
`;

Deno.test("workspace loader: globs minus exclude, inheritance, default-members, the root found from a member", async () => {
  const root = await tree({
    "mochi.toml": ROOT,
    "packages/app/mochi.toml": pkg(
      "app",
      '\n[dependencies]\njson.workspace = true\ncore = { path = "../core", version = "2.1.0" }\n',
    ),
    "packages/core/mochi.toml": pkg("core"),
    "packages/scratch/notes.txt": "no manifest here, but excluded",
    "packages/.hidden/mochi.toml": pkg("hidden"),
    "tools/cli/mochi.toml": pkg("cli"),
    "tools/other/mochi.toml": pkg("other"),
  });
  try {
    const found = await findWorkspaceRoot(`${root}/packages/app`);
    assertEquals(found?.root, root);
    assertEquals(await findWorkspaceRoot(`${root}/tools/other`), undefined);
    const ws = await loadWorkspace(root, found!.manifest);
    assertEquals(ws.members.map((m) => `${m.relDir} ${m.name} ${m.version}`), [
      "packages/app app 2.1.0",
      "packages/core core 2.1.0",
      "tools/cli cli 2.1.0",
    ]);
    const app = ws.members[0]!;
    assertEquals(app.manifest.dependencies.get("json")!.requirement, "^1.2");
    assertEquals(ws.defaultMembers.map((m) => m.name), ["app"]);
    assertEquals(selectMembers(ws, {}).map((m) => m.name), ["app"]);
    assertEquals(selectMembers(ws, { all: true }).length, 3);
    assertEquals(selectMembers(ws, { cwd: `${root}/tools/cli` }).map((m) => m.name), ["cli"]);
    assertEquals(selectMembers(ws, { packages: ["cli", "core"] }).map((m) => m.name), [
      "core",
      "cli",
    ]);
    const e = assertThrows(() => selectMembers(ws, { packages: ["cor"] }), MochiError);
    assertEquals(e.code, "WORKSPACE_E003");
    assert(e.message.includes('did you mean "core"?'), e.message);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("workspace loader: a member without mochi.toml, two members with one name, a bad default member, a link out of the root", async () => {
  const cases: [Record<string, string>, RegExp][] = [
    [
      { "mochi.toml": ROOT, "packages/app/x.txt": "", "tools/cli/mochi.toml": pkg("cli") },
      /failed to load the manifest of workspace member "packages\/app"/,
    ],
    [
      {
        "mochi.toml": ROOT,
        "packages/a/mochi.toml": pkg("same"),
        "packages/b/mochi.toml": pkg("same"),
        "tools/cli/mochi.toml": pkg("cli"),
      },
      /two packages named "same" in this workspace: packages\/a\/mochi.toml and packages\/b/,
    ],
    [
      {
        "mochi.toml": ROOT.replace('["packages/app"]', '["packages/ap"]'),
        "packages/app/mochi.toml": pkg("app"),
        "tools/cli/mochi.toml": pkg("cli"),
      },
      /"packages\/ap" is listed in default-members but is not a member.*did you mean "packages\/app"\?/,
    ],
    [{ "mochi.toml": ROOT }, /workspace member "tools\/cli" .* is not a directory/],
  ];
  for (const [files, re] of cases) {
    const root = await tree(files);
    try {
      const { manifest } = (await findWorkspaceRoot(root))!;
      const e = await assertRejects(() => loadWorkspace(root, manifest), MochiError);
      assertEquals(e.code, "WORKSPACE_E002");
      assert(re.test(e.message), e.message);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  }
  // A literal member that is a symbolic link to a directory outside the root.
  const outside = await tree({ "mochi.toml": pkg("evil") });
  const root = await tree({ "mochi.toml": '[workspace]\nmembers = ["link"]\n' });
  try {
    await Deno.symlink(outside, `${root}/link`);
    const { manifest } = (await findWorkspaceRoot(root))!;
    const e = await assertRejects(() => loadWorkspace(root, manifest), MochiError);
    assertEquals(e.code, "WORKSPACE_E002");
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("workspace loader: a root with its own [package] is a member; ** finds nested members", async () => {
  const root = await tree({
    "mochi.toml":
      `[package]\nname = "top"\nversion = "0.3.0"\nedition = "2026"\nmochi = ">=0.7"\n\n` +
      `[workspace]\nmembers = ["libs/**"]\n\n[workspace.package]\nversion = "0.3.0"\n`,
    "libs/a/mochi.toml": pkg("a"),
    "libs/group/b/mochi.toml": pkg("b"),
    "libs/group/mochi.toml": pkg("group"),
    "libs/target/mochi.toml": pkg("never"),
  });
  try {
    const { manifest } = (await findWorkspaceRoot(`${root}/libs/group/b`))!;
    const ws = await loadWorkspace(root, manifest);
    assertEquals(ws.members.map((m) => `${m.relDir} ${m.name}`), [
      ". top",
      "libs/a a",
      "libs/group group",
      "libs/group/b b",
    ]);
    assertEquals(selectMembers(ws, { cwd: root }).map((m) => m.name), ["top"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("publish order: members after what they depend on; path-only, git and cycles refused (WORKSPACE_E004)", async () => {
  const lib = (name: string, deps = "") =>
    `[package]\nname = "${name}"\nversion = "1.0.0"\nedition = "2026"\nmochi = ">=0.7"\n\n[dependencies]\n${deps}`;
  const root = await tree({
    "mochi.toml": '[workspace]\nmembers = ["*"]\n',
    "app/mochi.toml": lib("app", 'mid = { path = "../mid", version = "1" }\n'),
    "mid/mochi.toml": lib("mid", 'base = { path = "../base", version = "1" }\n'),
    "base/mochi.toml": lib("base"),
    "tool/mochi.toml": lib("tool"),
  });
  try {
    const ws = await loadWorkspace(root, (await findWorkspaceRoot(root))!.manifest);
    assertEquals(publishOrder(ws, ws.members).map((m) => m.name), ["base", "tool", "mid", "app"]);
    assertEquals(publishOrder(ws, selectMembers(ws, { packages: ["app"] })).map((m) => m.name), [
      "app",
    ]);
    await Deno.writeTextFile(`${root}/app/mochi.toml`, lib("app", 'mid = { path = "../mid" }\n'));
    const pathOnly = await loadWorkspace(root, (await findWorkspaceRoot(root))!.manifest);
    const e = assertThrows(() => publishOrder(pathOnly, pathOnly.members), MochiError);
    assertEquals(e.code, "WORKSPACE_E004");
    assert(
      e.message.includes("app cannot be published: [dependencies] mid has a path and no version"),
    );
    await Deno.writeTextFile(`${root}/app/mochi.toml`, lib("app"));
    await Deno.writeTextFile(
      `${root}/base/mochi.toml`,
      lib("base", 'mid = { path = "../mid", version = "1" }\n'),
    );
    const cyclic = await loadWorkspace(root, (await findWorkspaceRoot(root))!.manifest);
    const c = assertThrows(() => publishOrder(cyclic, cyclic.members), MochiError);
    assert(c.message.includes("base, mid depend on each other in a cycle"), c.message);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a member's own [registry] is refused at its line (the root's applies to every member)", async () => {
  const root = await tree({
    "mochi.toml": '[workspace]\nmembers = ["a"]\n\n[registry]\ndefault = "http://127.0.0.1:1/"\n',
    "a/mochi.toml": pkg("a", '\n[registry]\ndefault = "http://127.0.0.1:2/"\n').replace(
      "version.workspace = true",
      'version = "1.0.0"',
    ),
  });
  try {
    const e = await assertRejects(
      async () => await loadWorkspace(root, (await findWorkspaceRoot(root))!.manifest),
      MochiError,
    );
    assertEquals(e.code, "WORKSPACE_E002");
    assertEquals([e.file, e.line], [`${root}/a/mochi.toml`, 7]);
    assert(e.message.includes("has a [registry] table"), e.message);
    assert(e.hint!.includes(`${root}/mochi.toml`), e.hint);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("two members naming one Go module or Python distribution differently is an error naming both; the same entry merges", async () => {
  const lib = (name: string, extra: string) =>
    `[package]\nname = "${name}"\nversion = "1.0.0"\nedition = "2026"\nmochi = ">=0.7"\n${extra}`;
  const go = (q: string) => `\n[targets.go.ffi]\n"github.com/google/uuid" = "${q}"\n`;
  const py = (r: string) => `\n[targets.python.ffi]\nhttpx = "${r}"\n`;
  const root = await tree({
    "mochi.toml": '[workspace]\nmembers = ["a", "b"]\n',
    "a/mochi.toml": lib("a", go("v1.6.0") + py(">=0.27")),
    "b/mochi.toml": lib("b", go("v1.6.0") + py(">=0.27")),
  });
  const load = async () =>
    workspaceManifest(await loadWorkspace(root, (await findWorkspaceRoot(root))!.manifest));
  try {
    const same = await load();
    assertEquals([...same.goDependencies!.keys()], ["github.com/google/uuid"]);
    assertEquals(same.pythonDependencies!.get("httpx")!.requirement, "httpx>=0.27");
    await Deno.writeTextFile(`${root}/b/mochi.toml`, lib("b", go("v1.5.0") + py(">=0.27")));
    const g = await assertRejects(load, MochiError);
    assertEquals(g.code, "WORKSPACE_E002");
    assert(g.message.includes('a (a/mochi.toml) writes "v1.6.0"'), g.message);
    assert(g.message.includes('b (b/mochi.toml) writes "v1.5.0"'), g.message);
    assertEquals([g.file, g.line], [`${root}/b/mochi.toml`, 8]);
    await Deno.writeTextFile(`${root}/b/mochi.toml`, lib("b", go("v1.6.0") + py("<1")));
    const p = await assertRejects(load, MochiError);
    assert(p.message.includes('[targets.python.ffi] "httpx"'), p.message);
    assert(p.message.includes("a (a/mochi.toml)") && p.message.includes("b (b/mochi.toml)"));
    // [targets.python]'s environment: one for the workspace.
    const env = (v: string) => `\n[targets.python]\npython = "${v}"\n`;
    await Deno.writeTextFile(`${root}/a/mochi.toml`, lib("a", go("v1.6.0") + env("3.12")));
    await Deno.writeTextFile(`${root}/b/mochi.toml`, lib("b", go("v1.6.0") + env("3.12")));
    assertEquals((await load()).pythonTarget?.python, "3.12");
    await Deno.writeTextFile(`${root}/b/mochi.toml`, lib("b", go("v1.6.0") + env("3.11")));
    const t = await assertRejects(load, MochiError);
    assert(t.message.includes('a writes "3.12" and b writes "3.11"'), t.message);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("publish plan: the root package's manifest loses [workspace] and [registry]; platform and dev dependencies normalized", async () => {
  const root = await tree({
    "mochi.toml": `[package]
name = "top"
version = "1.0.0"
edition = "2026"
mochi = ">=0.7"

[dependencies]
lib = { path = "lib", version = "1.0.0" }

[target.'cfg(os = "linux")'.dependencies]
lib2 = { path = "lib2", version = "^1", default-features = false }

[dev-dependencies]
scratch = { path = "scratch" }
helper = { path = "lib", version = "1.0.0" }

[registry]
default = "http://127.0.0.1:1/"

[workspace]
members = ["lib", "lib2"]

[workspace.package]
version = "1.0.0"
`,
    "lib/mochi.toml": pkg("lib"),
    "lib2/mochi.toml": pkg("lib2"),
  });
  try {
    const ws = await loadWorkspace(root, (await findWorkspaceRoot(root))!.manifest);
    const plan = await planWorkspacePublish(ws, selectMembers(ws, { packages: ["top"] }));
    assertEquals(plan.map((p) => p.member.name), ["top"]);
    const text = plan[0]!.manifestText.split("\n").filter((l) => !l.startsWith("#")).join("\n");
    for (const gone of ["[workspace", "[registry", "path =", "scratch"]) {
      assert(!text.includes(gone), `${gone} in:\n${text}`);
    }
    assert(text.includes('lib = "1.0.0"'), text);
    assert(
      text.includes(
        '[target."cfg(os = \\"linux\\")".dependencies]\nlib2 = { version = "^1", default-features = false }',
      ),
      text,
    );
    assert(text.includes('helper = "1.0.0"'), text);
    assertEquals(plan[0]!.droppedDevDependencies, ["[dev-dependencies] scratch"]);
    const lib = (await planWorkspacePublish(ws, selectMembers(ws, { packages: ["lib"] })))[0]!;
    assert(lib.manifestText.includes('version = "1.0.0"'), lib.manifestText);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
