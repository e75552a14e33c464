/**
 * Lock trust through the real CLI (issue "close the escapes", items 5–8): a reused `mochi.lock`
 * is checked against the registry index (digests, capabilities) and may name configured
 * registries only; `--require-signatures` holds for blobs already in the store; registry data is
 * validated before it reaches the lock, and `mochi lock --refresh` repairs what the lock errors
 * point at; `install --locked/--frozen` never rewrites a lock that `lock --locked` refuses.
 * Each test fails on the code before these fixes.
 */
import { assert, assertEquals } from "./assert.ts";
import { runCli, snapshotTree, writeProject, writeRegistry } from "./helpers.ts";
import { type Sandbox, withSandbox } from "./sandbox.ts";
import { startFakeRegistry } from "./fake_registry.ts";
import { formatIndexRecord, indexPath, parseIndexFile } from "../src/index/mod.ts";
import { parseLockfile } from "../src/lockfile/mod.ts";

interface Ctx {
  sb: Sandbox;
  registry: string;
  project: string;
  env: Record<string, string>;
  digests: Map<string, string>;
  cli(args: string[], extraEnv?: Record<string, string>): ReturnType<typeof runCli>;
  lockText(): Promise<string>;
}

async function withProject(
  fn: (c: Ctx) => Promise<void>,
  versions = [
    { name: "lib", version: "1.0.0" },
    { name: "lib", version: "1.0.1" },
    { name: "util", version: "2.0.0", capabilities: ["clock"] },
  ],
  deps: Record<string, string> = { lib: "1", util: "2" },
): Promise<void> {
  await withSandbox(async (sb) => {
    const registry = `${sb.root}/registry`;
    const digests = await writeRegistry(registry, versions);
    const project = `${sb.root}/project`;
    await writeProject(project, deps);
    const env = { ...sb.env, MOCHI_REGISTRY: registry };
    await fn({
      sb,
      registry,
      project,
      env,
      digests,
      cli: (args, extraEnv = {}) =>
        runCli([...args, "-C", project], { env: { ...env, ...extraEnv } }),
      lockText: () => Deno.readTextFile(`${project}/mochi.lock`),
    });
  });
}

async function storeBlobs(home: string): Promise<string[]> {
  return await snapshotTree(`${home}/store/blobs`);
}

Deno.test("lock trust: digests swapped for another version's are refused online (BLOB_E009), nothing stored", async () => {
  await withProject(async (c) => {
    assertEquals((await c.cli(["lock"])).code, 0);
    const lock = parseLockfile(await c.lockText());
    const lib = lock.packages.find((p) => p.name === "lib")!;
    assertEquals(lib.version, "1.0.1");
    const old = parseIndexFile(
      "lib",
      await Deno.readTextFile(`${c.registry}/${indexPath("lib")}`),
    ).find((r) => r.version === "1.0.0")!;
    const swapped = (await c.lockText()).replace(lib.blake3!, old.blake3).replace(
      lib.sha256!,
      old.sha256,
    );
    await Deno.writeTextFile(`${c.project}/mochi.lock`, swapped);
    const r = await c.cli(["install", "--locked"]);
    assertEquals(r.code, 4, r.stdout + r.stderr);
    assert(r.stderr.includes("error[BLOB_E009]"), r.stderr);
    assert(r.stderr.includes(`lib 1.0.1: mochi.lock pins blake3 ${old.blake3}`), r.stderr);
    assertEquals(await storeBlobs(c.sb.mochiHome), []);
    assertEquals(await c.lockText(), swapped, "the lock is left as it was");
  });
});

Deno.test("lock trust: a lock that widens a package's capabilities is refused online (LOCK_E008)", async () => {
  await withProject(async (c) => {
    assertEquals((await c.cli(["install"])).code, 0);
    const text = await c.lockText();
    assert(text.includes('capabilities = ["clock"]'), text);
    const widened = text.replace(
      'capabilities = ["clock"]',
      'capabilities = ["clock", "proc.spawn"]',
    );
    await Deno.writeTextFile(`${c.project}/mochi.lock`, widened);
    const r = await c.cli(["install", "--locked"]);
    assertEquals(r.code, 4, r.stdout + r.stderr);
    assert(r.stderr.includes("error[LOCK_E008]"), r.stderr);
    assert(r.stderr.includes("grants capabilities [clock, proc.spawn]"), r.stderr);
    assert(r.stderr.includes("records [clock]"), r.stderr);
  });
});

Deno.test("lock trust: a lock source naming a registry configured nowhere is refused (SOURCE_E002); offline says what was not checked", async () => {
  await withProject(async (c) => {
    assertEquals((await c.cli(["install"])).code, 0);
    const text = await c.lockText();
    // Offline, nothing is contacted: the install proceeds from the store and says so.
    const offline = await c.cli(["install", "--offline"]);
    assertEquals(offline.code, 0, offline.stderr);
    assert(
      offline.stderr.includes(
        "note: 2 locked package(s) could not be checked against the registry index",
      ),
      offline.stderr,
    );
    const elsewhere = text.replaceAll(
      /source = "registry\+[^"]*"/g,
      'source = "registry+http://127.0.0.1:9/"',
    );
    await Deno.writeTextFile(`${c.project}/mochi.lock`, elsewhere);
    const r = await c.cli(["install", "--locked"], { MOCHI_HOME: `${c.sb.root}/home2` });
    assertEquals(r.code, 4, r.stdout + r.stderr);
    assert(r.stderr.includes("error[SOURCE_E002]"), r.stderr);
    assert(r.stderr.includes("from registry+http://127.0.0.1:9/"), r.stderr);
    assertEquals(await storeBlobs(`${c.sb.root}/home2`), []);
  });
});

Deno.test("lock trust: --require-signatures refuses an unsigned package already in the store, also from another project", async () => {
  await withProject(async (c) => {
    const lax = await c.cli(["install"]);
    assertEquals(lax.code, 0, lax.stderr);
    const strict = await c.cli(["install", "--require-signatures"]);
    assertEquals(strict.code, 4, strict.stdout + strict.stderr);
    assert(/error\[SIG_E009\].*lib 1\.0\.1/.test(strict.stderr), strict.stderr);
    const other = `${c.sb.root}/other`;
    await writeProject(other, { lib: "1" });
    const r = await runCli(["install", "--require-signatures", "-C", other], { env: c.env });
    assertEquals(r.code, 4, r.stdout + r.stderr);
    assert(/error\[SIG_E009\].*lib 1\.0\.1/.test(r.stderr), r.stderr);
    assert(!(await Deno.stat(`${other}/mochi.lock`).then(() => true, () => false)));
  });
});

async function editIndex(
  registry: string,
  name: string,
  edit: (r: Record<string, unknown>) => Record<string, unknown>,
): Promise<void> {
  const path = `${registry}/${indexPath(name)}`;
  // Lenient about `c`: a test plants capabilities the reader refuses, then edits them back.
  const lines = (await Deno.readTextFile(path)).split("\n").filter((l) => l.trim() !== "");
  const recs = lines.map((line) => {
    const { c, ...rest } = JSON.parse(line);
    const [rec] = parseIndexFile(name, JSON.stringify(rest) + "\n");
    return { ...rec, capabilities: c ?? [] };
  });
  await Deno.writeTextFile(
    path,
    recs.map((r) => formatIndexRecord(edit({ ...r }) as never) + "\n").join(""),
  );
}

Deno.test('lock trust: a record depending on "JSON" cannot put a second json in the graph (INDEX_E001), no lock written', async () => {
  await withProject(
    async (c) => {
      await editIndex(c.registry, "tool", (r) => ({ ...r, dependencies: { JSON: "^1" } }));
      const r = await c.cli(["install"]);
      assertEquals(r.code, 1, r.stdout + r.stderr);
      assert(r.stderr.includes("error[INDEX_E001]"), r.stderr);
      assert(r.stderr.includes('dependency "JSON" is not a valid name'), r.stderr);
      assert(!(await Deno.stat(`${c.project}/mochi.lock`).then(() => true, () => false)));
    },
    [
      { name: "json", version: "1.0.0" },
      { name: "json", version: "2.0.0" },
      { name: "tool", version: "1.0.0" },
    ],
    { json: "2", tool: "1" },
  );
});

Deno.test("lock trust: an unknown capability in a record never reaches the lock; lock --refresh repairs a lock that has one", async () => {
  await withProject(async (c) => {
    await editIndex(c.registry, "util", (r) => ({ ...r, capabilities: ["net.dail"] }));
    const r = await c.cli(["install"]);
    assertEquals(r.code, 1, r.stdout + r.stderr);
    assert(r.stderr.includes("error[INDEX_E001]"), r.stderr);
    assert(r.stderr.includes('unknown capability "net.dail"'), r.stderr);
    assert(!(await Deno.stat(`${c.project}/mochi.lock`).then(() => true, () => false)));
    // A lock that already holds one (written by an older mochi): every command refuses it and
    // names `mochi lock --refresh`, which now repairs it.
    await editIndex(c.registry, "util", (r) => ({ ...r, capabilities: ["clock"] }));
    assertEquals((await c.cli(["install"])).code, 0);
    const bad = (await c.lockText()).replace(
      'capabilities = ["clock"]',
      'capabilities = ["net.dail"]',
    );
    await Deno.writeTextFile(`${c.project}/mochi.lock`, bad);
    const refused = await c.cli(["install"]);
    assertEquals(refused.code, 1, refused.stderr);
    assert(refused.stderr.includes("mochi lock --refresh"), refused.stderr);
    const repaired = await c.cli(["lock", "--refresh"]);
    assertEquals(repaired.code, 0, repaired.stdout + repaired.stderr);
    assert(
      repaired.stdout.includes("Rewrote mochi.lock, which could not be read"),
      repaired.stdout,
    );
    assertEquals((await c.cli(["install", "--locked"])).code, 0);
  });
});

Deno.test("lock trust: lock --refresh repairs git conflict markers, keeping the locked versions", async () => {
  await withProject(async (c) => {
    assertEquals((await c.cli(["install"])).code, 0);
    // A newer lib appears after the lock was written: the repair must keep the locked 1.0.1.
    await writeRegistry(c.registry, [
      { name: "lib", version: "1.0.0" },
      { name: "lib", version: "1.0.1" },
      { name: "lib", version: "1.0.2" },
      { name: "util", version: "2.0.0", capabilities: ["clock"] },
    ]);
    const text = await c.lockText();
    const conflicted = text.replace(
      /(\[\[package\]\]\nname = "lib"\n)/,
      "<<<<<<< HEAD\n$1=======\n$1>>>>>>> branch\n",
    );
    assert(conflicted !== text);
    await Deno.writeTextFile(`${c.project}/mochi.lock`, conflicted);
    const refused = await c.cli(["install", "--locked"]);
    assertEquals(refused.code, 1, refused.stderr);
    assert(refused.stderr.includes("LOCK_E007") && refused.stderr.includes("mochi lock --refresh"));
    const repaired = await c.cli(["lock", "--refresh"]);
    assertEquals(repaired.code, 0, repaired.stdout + repaired.stderr);
    assertEquals(await c.lockText(), text);
  });
});

Deno.test("lock trust: install --locked/--frozen never rewrite a non-canonical lock that lock --locked refuses (LOCK_E002)", async () => {
  await withProject(async (c) => {
    assertEquals((await c.cli(["install"])).code, 0);
    const edited = (await c.lockText()) + "# a note added by hand\n";
    await Deno.writeTextFile(`${c.project}/mochi.lock`, edited);
    for (const flag of ["--locked", "--frozen"]) {
      const r = await c.cli(["install", flag]);
      assertEquals(r.code, 1, `${flag}: ${r.stdout}${r.stderr}`);
      assert(r.stderr.includes("error[LOCK_E002]"), r.stderr);
      assert(r.stderr.includes("not in the canonical form"), r.stderr);
      assertEquals(await c.lockText(), edited, `${flag} rewrote the lock`);
    }
    const l = await c.cli(["lock", "--locked"]);
    assertEquals(l.code, 1, l.stderr);
    assert(l.stderr.includes("error[LOCK_E002]"), l.stderr);
    assertEquals(await c.lockText(), edited);
  });
});

Deno.test("lock trust: a no-op install of an unchanged lock reads no index file; an edited lock is read and checked again", async () => {
  await withSandbox(async (sb) => {
    const registry = `${sb.root}/registry`;
    await writeRegistry(registry, [
      { name: "lib", version: "1.0.0" },
      { name: "util", version: "2.0.0", capabilities: ["clock"] },
    ]);
    await using server = startFakeRegistry(registry);
    const project = `${sb.root}/project`;
    await writeProject(project, { lib: "1", util: "2" });
    const env = { ...sb.env, MOCHI_REGISTRY: server.url };
    const cli = (args: string[]) => runCli([...args, "-C", project], { env });
    assertEquals((await cli(["install"])).code, 0);
    const reads = () => server.count(indexPath("lib")) + server.count(indexPath("util"));
    const first = reads();
    const again = await cli(["install"]);
    assertEquals(again.code, 0, again.stderr);
    assertEquals(reads(), first, "the unchanged lock was checked when it was written");
    // The same lock with a hand-added comment: another text, so it is checked (and then kept).
    const text = await Deno.readTextFile(`${project}/mochi.lock`);
    await Deno.writeTextFile(
      `${project}/mochi.lock`,
      text.replace("\n[[package]]", "\n# edited\n[[package]]"),
    );
    const edited = await cli(["install"]);
    assertEquals(edited.code, 0, edited.stderr);
    assert(reads() > first, "the edited lock was not checked against the index");
  });
});
