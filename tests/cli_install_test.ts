/**
 * End-to-end: real `mochi registry serve` and real `mochi` subprocesses on 127.0.0.1.
 */
import { assert, assertEquals } from "./assert.ts";
import {
  runCli,
  serveRegistrySubprocess,
  snapshotTree,
  type TestVersion,
  writeProject,
  writeRegistry,
} from "./helpers.ts";
import { guardedTest } from "./stray.ts";

const GRAPH: TestVersion[] = [
  { name: "app-core", version: "1.0.0", deps: { "text-util": "^0.3" } },
  { name: "app-core", version: "1.2.0", deps: { "text-util": "^0.3", "log-lite": "1" } },
  { name: "app-core", version: "2.0.0", deps: { "text-util": "^0.4" } },
  { name: "text-util", version: "0.3.1" },
  { name: "text-util", version: "0.3.4", deps: { "log-lite": "^1.0" } },
  { name: "text-util", version: "0.4.0" },
  { name: "log-lite", version: "1.0.0" },
  { name: "log-lite", version: "1.1.0", yanked: true },
  { name: "json-ish", version: "0.9.0", deps: { "text-util": ">=0.3.2, <0.4" } },
];

async function withFixture(
  fn: (
    ctx: {
      tmp: string;
      registry: string;
      project: string;
      home: string;
      env: Record<string, string>;
    },
  ) => Promise<void>,
) {
  const tmp = await Deno.makeTempDir({ prefix: "mochi-e2e-" });
  try {
    const registry = `${tmp}/registry`;
    await writeRegistry(registry, GRAPH);
    const project = `${tmp}/project`;
    await writeProject(project, { "app-core": "1", "json-ish": "0.9" });
    const home = `${tmp}/home`;
    await using server = await serveRegistrySubprocess(registry);
    await fn({
      tmp,
      registry,
      project,
      home,
      env: { MOCHI_HOME: home, MOCHI_REGISTRY: server.url },
    });
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

guardedTest(
  "mochi install resolves, locks, fetches; the second run is a no-op with identical bytes",
  async () => {
    await withFixture(async ({ project, home, env }) => {
      const first = await runCli(["install", "-C", project], { env });
      assertEquals(first.code, 0, first.stderr);
      assert(first.stdout.includes("Resolved 4 packages"), first.stdout);
      assert(first.stdout.includes("Fetched 4 packages"), first.stdout);
      const lock = await Deno.readTextFile(`${project}/mochi.lock`);
      assert(lock.includes('name = "app-core"\nversion = "1.2.0"'), lock);
      assert(lock.includes('name = "log-lite"\nversion = "1.0.0"'), "yanked 1.1.0 must be skipped");
      assert(lock.includes('name = "text-util"\nversion = "0.3.4"'), lock);
      const store = await snapshotTree(`${home}/store`);

      const second = await runCli(["install", "-C", project], {
        env: { ...env, TZ: "Asia/Ho_Chi_Minh", LANG: "tr_TR.UTF-8" },
      });
      assertEquals(second.code, 0, second.stderr);
      assert(second.stdout.includes("Up to date"), second.stdout);
      assertEquals(await Deno.readTextFile(`${project}/mochi.lock`), lock);
      assertEquals(await snapshotTree(`${home}/store`), store);

      // A fresh resolution under another TZ/LANG writes the same bytes.
      await Deno.remove(`${project}/mochi.lock`);
      const third = await runCli(["lock", "-C", project], {
        env: { ...env, TZ: "America/Adak", LANG: "C" },
      });
      assertEquals(third.code, 0, third.stderr);
      assertEquals(await Deno.readTextFile(`${project}/mochi.lock`), lock);

      const check = await runCli(["lock", "--check", "-C", project], { env });
      assertEquals(check.code, 0, check.stderr);
    });
  },
);

guardedTest(
  "a flipped byte in a served blob: exit 4 naming the package and both digests; nothing stored, no lock",
  async () => {
    await withFixture(async ({ registry, project, home, env }) => {
      const digests = await writeRegistry(`${registry}-scratch`, GRAPH);
      const b3 = digests.get("text-util@0.3.4")!;
      const blob = await Deno.readFile(`${registry}/blobs/${b3}`);
      blob[blob.length >> 1]! ^= 0x01;
      await Deno.writeFile(`${registry}/blobs/${b3}`, blob);
      const r = await runCli(["install", "-C", project], { env });
      assertEquals(r.code, 4, r.stderr);
      assert(r.stderr.includes("BLOB_E001"), r.stderr);
      assert(r.stderr.includes("text-util 0.3.4"), r.stderr);
      assert(r.stderr.includes(b3), `expected digest named: ${r.stderr}`);
      const stored = await snapshotTree(`${home}/store/blobs`);
      assert(!stored.some((l) => l.includes(b3)), "the bad blob must not be stored");
      assert(!stored.some((l) => /\.(part|tmp)/.test(l)), `no temp files: ${stored}`);
      await Deno.stat(`${project}/mochi.lock`).then(
        () => assert(false, "mochi.lock must not be written"),
        (e) => assert(e instanceof Deno.errors.NotFound),
      );
    });
  },
);

guardedTest(
  "bad manifest, unknown package, dead registry and --locked drift each fail with their code and change nothing",
  async () => {
    await withFixture(async ({ tmp, project, env }) => {
      assertEquals((await runCli(["install", "-C", project], { env })).code, 0);
      const lock = await Deno.readTextFile(`${project}/mochi.lock`);
      const manifest = await Deno.readTextFile(`${project}/mochi.toml`);

      await Deno.writeTextFile(`${project}/mochi.toml`, manifest + "\n[dependencies.oops\n");
      const bad = await runCli(["install", "-C", project], { env });
      assertEquals(bad.code, 1, bad.stderr);
      assert(bad.stderr.includes("MANIFEST_E001"), bad.stderr);
      assert(/mochi\.toml:\d+:\d+/.test(bad.stderr), bad.stderr);

      await Deno.writeTextFile(
        `${project}/mochi.toml`,
        manifest.replace("[dependencies]", '[dependencies]\nno-such-pkg = "1"'),
      );
      const missing = await runCli(["install", "-C", project], { env });
      assertEquals(missing.code, 1, missing.stderr);
      assert(missing.stderr.includes("no-such-pkg"), missing.stderr);

      const locked = await runCli(["install", "--locked", "-C", project], { env });
      assertEquals(locked.code, 1, locked.stderr);
      assert(locked.stderr.includes("LOCK_E002"), locked.stderr);

      await Deno.writeTextFile(
        `${project}/mochi.toml`,
        manifest.replace('"app-core" = "1"', 'app-core = "2"').replace(
          'app-core = "1"',
          'app-core = "2"',
        ),
      );
      const dead = await runCli(["install", "-C", project], {
        env: { ...env, MOCHI_REGISTRY: "http://127.0.0.1:9/", MOCHI_HOME: `${tmp}/empty-home` },
      });
      assertEquals(dead.code, 3, dead.stderr);
      assert(dead.stderr.includes("127.0.0.1:9"), dead.stderr);

      assertEquals(await Deno.readTextFile(`${project}/mochi.lock`), lock);
    });
  },
);

guardedTest("mochi tree, why and verify read the lock and the store", async () => {
  await withFixture(async ({ project, home, env }) => {
    assertEquals((await runCli(["install", "-C", project], { env })).code, 0);
    const tree = await runCli(["tree", "-C", project], { env });
    assertEquals(tree.code, 0, tree.stderr);
    assertEquals(tree.stdout.split("\n")[0], "app 0.1.0");
    assert(tree.stdout.includes("├── app-core 1.2.0"), tree.stdout);
    // text-util's subtree is printed once, then marked (*) (cargo tree's convention).
    assertEquals(
      tree.stdout.split("\n").filter((l) => l.includes("text-util 0.3.4")).length,
      2,
      tree.stdout,
    );
    assert(tree.stdout.includes("└── text-util 0.3.4 (*)"), tree.stdout);
    assert(tree.stdout.includes("(*) shown above"), tree.stdout);
    const why = await runCli(["why", "text-util", "-C", project], { env });
    assertEquals(why.code, 0, why.stderr);
    assert(why.stdout.startsWith("text-util 0.3.4\n"), why.stdout);
    assert(why.stdout.includes("app 0.1.0 (your manifest)"), why.stdout);

    const ok = await runCli(["verify"], { env });
    assertEquals(ok.code, 0, ok.stderr);
    assert(ok.stdout.includes("Checked 4 blobs"), ok.stdout);
    // Corrupt one stored blob in place: verify finds it.
    const files = (await snapshotTree(`${home}/store/blobs`)).map((l) => l.split(" ")[0]);
    const victim = `${home}/store/blobs/${files[0]}`;
    const bytes = await Deno.readFile(victim);
    bytes[0]! ^= 0xff;
    await Deno.writeFile(victim, bytes);
    const bad = await runCli(["verify"], { env });
    assertEquals(bad.code, 4, bad.stdout + bad.stderr);
    assert(bad.stderr.includes("BLOB_E006"), bad.stderr);
  });
});

guardedTest(
  "mochi lock --check: exit 0 when a newer version appears, 1 with a diff when a locked digest changes",
  async () => {
    await withFixture(async ({ tmp, registry, project, env }) => {
      assertEquals((await runCli(["lock", "-C", project], { env })).code, 0);
      const before = await Deno.readTextFile(`${project}/mochi.lock`);
      // A new compatible version: the lock still satisfies the manifest and is kept (cargo's rule).
      await writeRegistry(registry, [...GRAPH, { name: "text-util", version: "0.3.9" }]);
      const same = await runCli(["lock", "--check", "-C", project], {
        env: { ...env, MOCHI_HOME: `${tmp}/h2` },
      });
      assertEquals(same.code, 0, same.stderr);
      // The registry now serves other bytes for a locked version: drift, named.
      const changed = GRAPH.map((v) =>
        v.name === "text-util" && v.version === "0.3.4" ? { ...v, deps: {} } : v
      );
      await writeRegistry(registry, changed);
      const drift = await runCli(["lock", "--check", "-C", project], {
        env: { ...env, MOCHI_HOME: `${tmp}/h3` },
      });
      assertEquals(drift.code, 1, drift.stderr);
      assert(drift.stderr.includes("~ text-util 0.3.4 (digest changed)"), drift.stderr);
      assertEquals(
        await Deno.readTextFile(`${project}/mochi.lock`),
        before,
        "--check writes nothing",
      );
    });
  },
);

guardedTest(
  "a lock from a newer mochi, or with conflict markers under --locked, is refused and left as it is",
  async () => {
    await withFixture(async ({ project, env }) => {
      assertEquals((await runCli(["install", "-C", project], { env })).code, 0);
      const good = await Deno.readTextFile(`${project}/mochi.lock`);
      const newer = good.replace("version = 1", "version = 7");
      await Deno.writeTextFile(`${project}/mochi.lock`, newer);
      const r1 = await runCli(["install", "-C", project], { env });
      assertEquals(r1.code, 1, r1.stderr);
      assert(r1.stderr.includes("LOCK_E003") && r1.stderr.includes("newer mochi"), r1.stderr);
      assertEquals(await Deno.readTextFile(`${project}/mochi.lock`), newer);

      const conflicted = good.replace(
        'version = "1.2.0"',
        '<<<<<<< ours\nversion = "1.2.0"\n=======\nversion = "1.0.0"\n>>>>>>> theirs',
      );
      await Deno.writeTextFile(`${project}/mochi.lock`, conflicted);
      // (without --locked, install merges the two sides: tests/lock_merge_test.ts)
      const r2 = await runCli(["install", "--locked", "-C", project], { env });
      assertEquals(r2.code, 1, r2.stderr);
      assert(r2.stderr.includes("LOCK_E007") && r2.stderr.includes("--refresh"), r2.stderr);
      assertEquals(await Deno.readTextFile(`${project}/mochi.lock`), conflicted);
    });
  },
);

guardedTest(
  "a registry given as a plain path or file:// URL installs the same lock as over HTTP",
  async () => {
    await withFixture(async ({ tmp, registry, project, env }) => {
      assertEquals((await runCli(["lock", "-C", project], { env })).code, 0);
      const overHttp = (await Deno.readTextFile(`${project}/mochi.lock`)).replace(
        /registry\+http:\/\/[^"]+/g,
        "SRC",
      );
      for (const url of [registry, `file://${registry}`]) {
        await Deno.remove(`${project}/mochi.lock`);
        const r = await runCli(["install", "-C", project], {
          env: { MOCHI_HOME: `${tmp}/home-file`, MOCHI_REGISTRY: url },
        });
        assertEquals(r.code, 0, r.stderr);
        const lock = await Deno.readTextFile(`${project}/mochi.lock`);
        assert(lock.includes(`registry+file://${registry}/`), lock);
        assertEquals(lock.replace(/registry\+file:\/\/[^"]+/g, "SRC"), overHttp);
      }
    });
  },
);

guardedTest(
  "--offline installs from the lock and store; --frozen refuses a lock change",
  async () => {
    await withFixture(async ({ project, env }) => {
      assertEquals((await runCli(["install", "-C", project], { env })).code, 0);
      const offlineEnv = { ...env, MOCHI_REGISTRY: "http://127.0.0.1:9/" }; // nothing listens there
      const r = await runCli(["install", "--offline", "-C", project], { env: offlineEnv });
      assertEquals(r.code, 0, r.stderr);
      assert(r.stdout.includes("Up to date"), r.stdout);
      const manifest = await Deno.readTextFile(`${project}/mochi.toml`);
      await Deno.writeTextFile(
        `${project}/mochi.toml`,
        manifest.replace("[dependencies]", '[dependencies]\nlog-lite = "1"'),
      );
      const frozen = await runCli(["install", "--frozen", "-C", project], { env: offlineEnv });
      assertEquals(frozen.code, 1, frozen.stderr);
      assert(frozen.stderr.includes("LOCK_E002"), frozen.stderr);
    });
  },
);
