/**
 * The Go bridge end to end (issue 14 "Done when" 3–4): real CLI subprocesses against a loopback
 * module proxy and checksum database (`tests/go_loopback.ts`), modules zipped in the test.
 */
import assert from "node:assert/strict";
import { parseLockfile } from "../src/lockfile/mod.ts";
import { runCli } from "./helpers.ts";
import { guardedTest } from "./stray.ts";
import {
  type GoLoopback,
  type GoTestModule,
  startGoLoopback,
  writeGoProject,
} from "./go_loopback.ts";

const MODULES: GoTestModule[] = [
  {
    path: "example.com/app/lib",
    version: "v1.2.0",
    goMod: "module example.com/app/lib\n\ngo 1.21\n\nrequire example.com/dep v1.0.0\n",
  },
  { path: "example.com/app/lib", version: "v1.1.0" },
  { path: "example.com/dep", version: "v1.0.0" },
  { path: "example.com/dep", version: "v1.1.0" },
  {
    path: "github.com/Upper/Case",
    version: "v2.0.0+incompatible",
    goMod: "module github.com/Upper/Case\n",
  },
];

async function withGo(
  fn: (go: GoLoopback, dir: string, env: Record<string, string>) => Promise<void>,
  modules: GoTestModule[] = MODULES,
): Promise<void> {
  const go = await startGoLoopback(modules);
  const dir = await Deno.makeTempDir({ prefix: "mochi-go-" });
  try {
    const env = {
      MOCHI_HOME: `${dir}/home`,
      MOCHI_GOPROXY: go.url,
      MOCHI_GOSUMDB: go.gosumdb(),
    };
    await fn(go, dir, env);
  } finally {
    await go.close();
    await Deno.remove(dir, { recursive: true });
  }
}

guardedTest(
  "go: install resolves with MVS, verifies h1 in the checksum database, locks and stores the zips",
  async () => {
    await withGo(async (go, dir, env) => {
      const app = `${dir}/app`;
      await writeGoProject(app, { "example.com/app/lib": "latest", "example.com/dep": "v1.0.0" }, [
        'import go "github.com/Upper/Case@v2.0.0+incompatible" as upper',
      ]);
      const r = await runCli(["install"], { cwd: app, env });
      assert.equal(r.code, 0, r.stderr);
      const lockText = await Deno.readTextFile(`${app}/mochi.lock`);
      const lock = parseLockfile(lockText);
      const mods = lock.goPackages!.map((m) => `${m.module} ${m.version}`);
      assert.deepEqual(mods, [
        "example.com/app/lib v1.2.0",
        "example.com/dep v1.0.0",
        "github.com/Upper/Case v2.0.0+incompatible",
      ]);
      const lib = lock.goPackages![0]!;
      const served = go.modules.get("example.com/app/lib@v1.2.0")!;
      assert.equal(lib.zipH1, served.zipH1);
      assert.equal(lib.gomodH1, served.modH1);
      assert.deepEqual(lib.source, { kind: "module-proxy", url: go.url });
      assert.deepEqual(lib.dependencies, ["example.com/dep v1.0.0"]);
      const tree = await go.db.tree();
      assert.equal(lib.sumdb?.origin, "sum.test.example");
      assert.equal(lib.sumdb?.treeSize, tree.n);
      // The escaped path was asked for (!upper/!case), and the zips are in the store.
      assert.ok(go.requests.some((p) => p.startsWith("/github.com/!upper/!case/@v/")));
      const blobs: string[] = [];
      for await (const e of Deno.readDir(`${env.MOCHI_HOME}/store/blobs`)) blobs.push(e.name);
      assert.ok(blobs.length > 0);
      // The newest verified tree head is kept.
      const kept = await Deno.readTextFile(
        `${env.MOCHI_HOME}/state/go-sumdb/sum.test.example/latest`,
      );
      assert.match(kept, /^go\.sum database tree\n/);
      // A second run resolves nothing and fetches nothing; the lock keeps its bytes.
      const again = await runCli(["install"], { cwd: app, env });
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout + again.stderr, /Up to date/);
      assert.equal(await Deno.readTextFile(`${app}/mochi.lock`), lockText);
      // lock --check agrees.
      const check = await runCli(["lock", "--check"], { cwd: app, env });
      assert.equal(check.code, 0, check.stderr + check.stdout);
    });
  },
);

guardedTest(
  "go: GONOSUMDB skips the checksum database visibly; lock --check catches a changed h1 (exit 1)",
  async () => {
    const priv: GoTestModule = { path: "corp.example/private", version: "v0.1.0" };
    const go = await startGoLoopback([priv], { register: false });
    const dir = await Deno.makeTempDir({ prefix: "mochi-go-" });
    try {
      const env = {
        MOCHI_HOME: `${dir}/home`,
        MOCHI_GOPROXY: go.url,
        MOCHI_GOSUMDB: go.gosumdb(),
        GONOSUMDB: "corp.example",
      };
      const app = `${dir}/app`;
      await writeGoProject(app, { [priv.path]: priv.version });
      const r = await runCli(["install"], { cwd: app, env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stderr,
        /1 Go module\(s\) not checked in a checksum database: corp\.example\/private@v0\.1\.0 \(GONOSUMDB\)/,
      );
      const lockText = await Deno.readTextFile(`${app}/mochi.lock`);
      const entry = parseLockfile(lockText).goPackages![0]!;
      assert.equal(entry.sumdb, undefined);
      assert.ok(!go.requests.some((p) => p.startsWith("/sumdb/")), "the database was not asked");
      // The private proxy now serves other bytes for the same version.
      await go.add([{ ...priv, files: { "private.go": "package private // changed\n" } }], {
        register: false,
      });
      const check = await runCli(["lock", "--check"], { cwd: app, env });
      assert.equal(check.code, 1, check.stdout + check.stderr);
      assert.match(
        check.stderr,
        new RegExp(
          `~ go corp\\.example/private v0\\.1\\.0 \\(zip-h1 ${
            entry.zipH1.replace(/[+/]/g, ".")
          } → h1:`,
        ),
      );
      assert.equal(await Deno.readTextFile(`${app}/mochi.lock`), lockText, "nothing written");
    } finally {
      await go.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

guardedTest("go: lock --check reports a locked version its module retracted (exit 1)", async () => {
  await withGo(async (go, dir, env) => {
    const app = `${dir}/app`;
    await writeGoProject(app, { "example.com/dep": "v1.0.0" });
    assert.equal((await runCli(["lock"], { cwd: app, env })).code, 0);
    const check = await runCli(["lock", "--check"], { cwd: app, env });
    assert.equal(check.code, 0, check.stderr);
    await go.add([{
      path: "example.com/dep",
      version: "v1.2.0",
      goMod: "module example.com/dep\n\ngo 1.21\n\nretract v1.0.0 // data loss on close\n",
    }]);
    const after = await runCli(["lock", "--check"], { cwd: app, env });
    assert.equal(after.code, 1, after.stdout + after.stderr);
    assert.match(after.stderr, /~ go example\.com\/dep v1\.0\.0 \(retracted: data loss on close\)/);
  });
});

guardedTest(
  "go: --locked refuses a Go change; --offline installs from the lock and the store; a retraction rationale is printed escaped",
  async () => {
    await withGo(async (go, dir, env) => {
      const app = `${dir}/app`;
      await writeGoProject(app, { "example.com/dep": "v1.0.0" });
      assert.equal((await runCli(["install"], { cwd: app, env })).code, 0);
      const lockText = await Deno.readTextFile(`${app}/mochi.lock`);
      // Offline, with the proxy gone: the lock and the store are enough.
      const served = go.requests.length;
      const offline = await runCli(["install", "--offline"], { cwd: app, env });
      assert.equal(offline.code, 0, offline.stderr);
      assert.equal(go.requests.length, served, "nothing was asked of the proxy");
      // A new requirement: --locked refuses, nothing written.
      await writeGoProject(app, { "example.com/dep": "v1.1.0" });
      const locked = await runCli(["install", "--locked"], { cwd: app, env });
      assert.equal(locked.code, 1, locked.stderr);
      assert.match(locked.stderr, /LOCK_E002/);
      assert.equal(await Deno.readTextFile(`${app}/mochi.lock`), lockText);
      // A hostile rationale reaches the terminal escaped.
      await writeGoProject(app, { "example.com/dep": "v1.0.0" });
      await go.add([{
        path: "example.com/dep",
        version: "v1.3.0",
        goMod: "module example.com/dep\n\ngo 1.21\n\nretract v1.0.0 // bad\x1b[2Jnews\n",
      }]);
      const check = await runCli(["lock", "--check"], { cwd: app, env });
      assert.equal(check.code, 1, check.stderr);
      assert.ok(!check.stderr.includes("\x1b"), "no raw escape reaches the terminal");
      assert.match(check.stderr, /retracted: bad\\x1b\[2Jnews/);
    });
  },
);

guardedTest(
  "go: mochi update keeps the [[go-package]] entries (they used to be dropped by a relock)",
  async () => {
    await withGo(async (_go, dir, env) => {
      const app = `${dir}/app`;
      await writeGoProject(app, { "example.com/dep": "v1.0.0" });
      assert.equal((await runCli(["install"], { cwd: app, env })).code, 0);
      const before = await Deno.readTextFile(`${app}/mochi.lock`);
      const r = await runCli(["update"], { cwd: app, env });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(await Deno.readTextFile(`${app}/mochi.lock`), before);
    });
  },
);
