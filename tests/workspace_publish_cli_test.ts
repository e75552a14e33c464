/**
 * `mochi publish` in a workspace (issue 18 item 1), through the CLI against
 * `mochi registry serve --allow-publish` (both real subprocesses) and the loopback fake Sigstore:
 * members upload in the member graph's order, each archive carries its normalized `mochi.toml`
 * (inherited values written out, no `path`, no workspace keys), a failure stops the run naming what
 * was published, identical bytes count as done, and path-only or git dependencies are refused
 * before anything is signed or uploaded.
 */
import assert from "node:assert/strict";
import { type FakeSigstore, startFakeSigstore, workflowSan } from "./fake_sigstore.ts";
import { runCli, serveRegistrySubprocess } from "./helpers.ts";
import { guardedTest } from "./stray.ts";
import { publisherEnv, writeSignedRegistry } from "./signed_registry.ts";
import { readArchiveAll } from "../src/store/mod.ts";
import { parseManifest } from "../src/manifest/mod.ts";
import { indexPath } from "../src/index/mod.ts";

const ROOT = `[workspace]
members = ["packages/*"]

[workspace.package]
version = "0.4.0"
edition = "2026"
mochi = ">=0.7"
license = "MIT"
description = "Workspace demo"
repository = "https://github.com/acme/ws"
readme = "README.md"

[workspace.dependencies]
"@acme/core" = { path = "packages/core", version = "0.4.0", features = ["fast"] }
"@acme/util" = { path = "packages/util", version = "0.4.0" }
`;

const INHERIT = "version.workspace = true\nedition.workspace = true\nmochi.workspace = true\n" +
  "license.workspace = true\nrepository.workspace = true\nreadme.workspace = true\n";

/** core ← util ← app (app also on core); names sort the other way, so order is the graph's. */
const MEMBERS: Record<string, string> = {
  "packages/core/mochi.toml": `[package]\nname = "@acme/core"\n${INHERIT}` +
    "description.workspace = true\n\n[features]\nfast = []\n",
  "packages/util/mochi.toml": `[package]\nname = "@acme/util"\n${INHERIT}` +
    'description = "Utilities"\n\n[dependencies]\n"@acme/core".workspace = true\n',
  "packages/app/mochi.toml": `[package]\nname = "@acme/app"\n${INHERIT}` +
    'description = "The app"\n\n[dependencies]\n' +
    '"@acme/util" = { path = "../util", version = "0.4.0" }\n' +
    '"@acme/core" = { workspace = true, optional = true }\n\n' +
    '[dev-dependencies]\nfixture = { path = "../../fixture" }\n',
};

async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    const full = `${root}/${path}`;
    await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(full, text);
  }
}

async function writeWorkspace(root: string, members = MEMBERS): Promise<void> {
  const files: Record<string, string> = { "mochi.toml": ROOT, ...members };
  for (const m of ["core", "util", "app"]) {
    files[`packages/${m}/README.md`] = `# ${m}\n`;
    files[`packages/${m}/src/lib.mochi`] = `// ${m}\n`;
  }
  await writeTree(root, files);
}

/** Every `mochi.toml` in the registry's archives, by package name. */
async function publishedManifests(reg: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let names: string[] = [];
  try {
    names = [...Deno.readDirSync(`${reg}/blobs`)].map((e) => e.name);
  } catch {
    return out;
  }
  for (const name of names) {
    if (name.endsWith(".sigstore")) continue;
    const entries = await readArchiveAll(new Blob([await Deno.readFile(`${reg}/blobs/${name}`)])
      .stream());
    const toml = entries.find((e) => e.path === "mochi.toml");
    if (toml?.bytes === undefined) continue;
    const text = new TextDecoder().decode(toml.bytes);
    out.set(parseManifest(text).manifest.package.name, text);
  }
  return out;
}

async function withRegistry(
  fn: (ctx: {
    tmp: string;
    reg: string;
    env: Record<string, string>;
    fake: FakeSigstore;
  }) => Promise<void>,
): Promise<void> {
  const tmp = await Deno.makeTempDir();
  await using fake = await startFakeSigstore();
  try {
    const { reg, serveArgs } = await writeSignedRegistry(tmp, fake);
    await using server = await serveRegistrySubprocess(reg, serveArgs);
    fake.oidcSubject = workflowSan("acme/ws", "v0.4.0");
    const env = {
      ...publisherEnv(`${tmp}/home`, server.url, fake),
      GITHUB_ACTIONS: "true",
      GITHUB_REPOSITORY: "acme/ws",
      GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
      GITHUB_REF: "refs/tags/v0.4.0",
      ACTIONS_ID_TOKEN_REQUEST_URL: fake.oidcRequestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: fake.oidcRequestToken,
    };
    await fn({ tmp, reg, env, fake });
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

guardedTest(
  "workspace publish: members upload in graph order with normalized manifests; a failure stops the run naming what was published; identical bytes count as done",
  async () => {
    await withRegistry(async ({ tmp, reg, env, fake }) => {
      const ws = `${tmp}/ws`;
      await writeWorkspace(ws);
      const cli = (...args: string[]) => runCli(args, { cwd: ws, env });

      // The dry run shows each member's manifest as published and uploads nothing.
      const dry = await cli("publish", "--workspace", "--dry-run");
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(
        dry.stdout,
        /Publish order: @acme\/core 0\.4\.0, @acme\/util 0\.4\.0, @acme\/app/,
      );
      assert.match(dry.stdout, /"@acme\/util" = "0\.4\.0"/);
      assert.match(dry.stdout, /\[dev-dependencies\] fixture is left out/);
      assert.equal(fake.oidcRequests, 0);
      assert.equal((await publishedManifests(reg)).size, 0);

      // app 0.4.0 is already in the registry with other bytes: the run stops there.
      const first = await cli("publish", "-p", "@acme/app");
      assert.equal(first.code, 0, first.stderr);
      await Deno.writeTextFile(`${ws}/packages/app/src/lib.mochi`, "// app, changed\n");
      const stopped = await cli("publish", "--workspace");
      assert.equal(stopped.code, 1, stopped.stdout + stopped.stderr);
      assert.match(stopped.stderr, /PUB_E006/);
      assert.match(stopped.stderr, /Stopped at @acme\/app 0\.4\.0/);
      assert.match(stopped.stderr, /published: @acme\/core 0\.4\.0, @acme\/util 0\.4\.0\n/);
      assert.match(stopped.stderr, /not published: @acme\/app 0\.4\.0/);
      const lines = stopped.stdout.split("\n").filter((l) => l.startsWith("Published "));
      assert.deepEqual(lines.map((l) => l.split(" to ")[0]), [
        "Published @acme/core 0.4.0",
        "Published @acme/util 0.4.0",
      ]);

      // With app's bytes back, every member is already there: done, nothing changes.
      await Deno.writeTextFile(`${ws}/packages/app/src/lib.mochi`, "// app\n");
      const again = await cli("publish", "--workspace");
      assert.equal(again.code, 0, again.stdout + again.stderr);
      assert.equal(again.stdout.match(/already published with these exact bytes/g)?.length, 3);

      // The registry's archives hold the normalized manifests.
      const published = await publishedManifests(reg);
      assert.deepEqual([...published.keys()].sort(), ["@acme/app", "@acme/core", "@acme/util"]);
      for (const [name, text] of published) {
        const body = text.split("\n").filter((l) => !l.startsWith("#")).join("\n");
        assert.doesNotMatch(body, /workspace/, `${name}: ${text}`);
        assert.doesNotMatch(body, /path\s*=/, `${name}: ${text}`);
        const m = parseManifest(text).manifest;
        assert.equal(m.package.version, "0.4.0");
        assert.equal(m.package.license, "MIT");
        assert.equal(m.package.repository, "https://github.com/acme/ws");
      }
      const core = parseManifest(published.get("@acme/core")!).manifest;
      assert.equal(core.package.description, "Workspace demo");
      const util = parseManifest(published.get("@acme/util")!).manifest;
      assert.deepEqual(util.dependencies.get("@acme/core")?.features, ["fast"]);
      assert.equal(util.dependencies.get("@acme/core")?.requirement, "0.4.0");
      const app = parseManifest(published.get("@acme/app")!).manifest;
      assert.equal(app.dependencies.get("@acme/util")?.requirement, "0.4.0");
      assert.equal(app.dependencies.get("@acme/core")?.optional, true);
      assert.equal(app.devDependencies.size, 0);
      // The registry's index names the dependencies by version.
      const index = await Deno.readTextFile(`${reg}/${indexPath("@acme/app")}`);
      assert.match(index, /"@acme\/util":"0\.4\.0"/);
    });
  },
);

guardedTest(
  "workspace publish: a path-only or git dependency is refused before anything is signed or uploaded (WORKSPACE_E004)",
  async () => {
    await withRegistry(async ({ tmp, reg, env, fake }) => {
      const pathOnly = `${tmp}/path-only`;
      await writeWorkspace(pathOnly, {
        ...MEMBERS,
        "packages/app/mochi.toml": `[package]\nname = "@acme/app"\n${INHERIT}` +
          'description = "The app"\n\n[dependencies]\n"@acme/util" = { path = "../util" }\n',
      });
      const r1 = await runCli(["publish", "--workspace"], { cwd: pathOnly, env });
      assert.equal(r1.code, 1, r1.stdout + r1.stderr);
      assert.match(r1.stderr, /WORKSPACE_E004/);
      assert.match(r1.stderr, /@acme\/util has a path and no version/);

      const git = `${tmp}/git`;
      await writeWorkspace(git, {
        ...MEMBERS,
        "packages/core/mochi.toml": `[package]\nname = "@acme/core"\n${INHERIT}` +
          'description = "Core"\n\n[dependencies]\n' +
          `remote = { git = "file://${tmp}/remote.git", tag = "v1" }\n`,
      });
      const r2 = await runCli(["publish", "--workspace"], { cwd: git, env });
      assert.equal(r2.code, 1, r2.stdout + r2.stderr);
      assert.match(r2.stderr, /WORKSPACE_E004/);
      assert.match(r2.stderr, /remote comes from git/);

      assert.equal(fake.oidcRequests, 0, "nothing was signed");
      assert.equal((await publishedManifests(reg)).size, 0, "nothing was uploaded");
    });
  },
);

guardedTest(
  "workspace publish: a later member the registry's rules refuse (a patch adding a capability) stops the run before any member is signed",
  async () => {
    await withRegistry(async ({ tmp, reg, env, fake }) => {
      const ws = `${tmp}/ws`;
      await writeWorkspace(ws);
      const first = await runCli(["publish", "-p", "@acme/util"], { cwd: ws, env });
      assert.equal(first.code, 0, first.stderr);
      const signed = fake.oidcRequests;
      await Deno.writeTextFile(
        `${ws}/mochi.toml`,
        ROOT.replace('"0.4.0"\nedition', '"0.4.1"\nedition'),
      );
      await Deno.writeTextFile(
        `${ws}/packages/util/mochi.toml`,
        MEMBERS["packages/util/mochi.toml"]! + '\n[capabilities]\nrequired = ["net.dial"]\n',
      );
      const r = await runCli(["publish", "--workspace"], { cwd: ws, env });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /CAP_E002/);
      assert.match(r.stderr, /Nothing was signed or uploaded/);
      assert.equal(fake.oidcRequests, signed, "no member was signed");
      assert.deepEqual([...(await publishedManifests(reg)).keys()], ["@acme/util"]);
    });
  },
);

guardedTest(
  "mochi pack in a member's directory packs the member with its normalized mochi.toml (before: WORKSPACE_E001)",
  async () => {
    const tmp = await Deno.makeTempDir();
    try {
      const ws = `${tmp}/ws`;
      await writeWorkspace(ws);
      const r = await runCli(["pack", "--out", `${tmp}/out`], {
        cwd: `${ws}/packages/app`,
        env: { MOCHI_HOME: `${tmp}/home` },
      });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /Packed @acme\/app 0\.4\.0/);
      const entries = await readArchiveAll(
        new Blob([await Deno.readFile(`${tmp}/out/acme-app-0.4.0.tar.zst`)]).stream(),
      );
      const text = new TextDecoder().decode(entries.find((e) => e.path === "mochi.toml")!.bytes);
      const m = parseManifest(text).manifest;
      assert.equal(m.package.license, "MIT");
      assert.equal(m.dependencies.get("@acme/util")?.path, undefined);
      assert.equal(m.dependencies.get("@acme/util")?.requirement, "0.4.0");
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
);
