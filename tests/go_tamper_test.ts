/**
 * The Go bridge's tamper cases (issue 14 item 7), each through a real `mochi` subprocess against
 * a loopback module proxy and checksum database: refused with exit 4 and a named reason, and
 * nothing written (no mochi.lock, nothing stored, the kept tree head unchanged).
 */
import assert from "node:assert/strict";
import { formatRecord } from "../src/go/mod.ts";
import { TestChecksumDatabase } from "../src/go/checksum_db_testing.ts";
import { parseLockfile } from "../src/lockfile/mod.ts";
import { runCli } from "./helpers.ts";
import { guardedTest } from "./stray.ts";
import {
  buildModule,
  type GoLoopback,
  type GoTestModule,
  proxyPath,
  startGoLoopback,
  writeGoProject,
} from "./go_loopback.ts";

const DEP: GoTestModule = { path: "example.com/dep", version: "v1.0.0" };
const OTHER: GoTestModule = { path: "example.com/other", version: "v0.3.0" };
/** The same module version with other bytes. */
const EVIL = buildModule({ ...DEP, files: { "dep.go": "package dep // evil\n" } });

async function withGo(
  fn: (go: GoLoopback, dir: string, env: Record<string, string>) => Promise<void>,
): Promise<void> {
  const go = await startGoLoopback([DEP, OTHER]);
  const dir = await Deno.makeTempDir({ prefix: "mochi-go-tamper-" });
  try {
    await fn(go, dir, {
      MOCHI_HOME: `${dir}/home`,
      MOCHI_GOPROXY: go.url,
      MOCHI_GOSUMDB: go.gosumdb(),
    });
  } finally {
    await go.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Runs `mochi install` in a new project needing `modules`; asserts exit 4 and nothing written. */
async function refused(
  dir: string,
  env: Record<string, string>,
  modules: Record<string, string>,
  code: string,
  reason: RegExp,
): Promise<void> {
  const app = `${dir}/app-${crypto.randomUUID().slice(0, 8)}`;
  await writeGoProject(app, modules);
  const blobsIn = () =>
    Array.fromAsync(Deno.readDir(`${env.MOCHI_HOME}/store/blobs`)).then((l) => l.length, () => 0);
  const before = await blobsIn();
  const r = await runCli(["install"], { cwd: app, env });
  assert.equal(r.code, 4, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, new RegExp(code));
  assert.match(r.stderr, reason);
  assert.equal(await Deno.stat(`${app}/mochi.lock`).then(() => true, () => false), false);
  assert.equal(await blobsIn(), before, "nothing stored");
}

guardedTest("go tamper: a zip whose h1 differs from the log is GO_E004, exit 4", async () => {
  await withGo(async (go, dir, env) => {
    go.hook = (p) =>
      p === proxyPath(DEP.path, DEP.version, "zip") ? new Response(EVIL.zip.slice()) : undefined;
    await refused(
      dir,
      env,
      { [DEP.path]: DEP.version },
      "GO_E004",
      /example\.com\/dep@v1\.0\.0: the zip .* hashes to h1:.*, but the checksum database sum\.test\.example records h1:/,
    );
  });
});

guardedTest("go tamper: a record missing from the tree is GO_E016, exit 4", async () => {
  await withGo(async (go, dir, env) => {
    // The proxy serves other bytes and a lookup record that agrees with them, under the real
    // signed tree head: the record is not in that tree, so its inclusion proof fails.
    const lookup = `/sumdb/${go.db.name}/lookup/${DEP.path}@${DEP.version}`;
    const id = 0;
    go.hook = async (p) => {
      if (p === proxyPath(DEP.path, DEP.version, "zip")) return new Response(EVIL.zip.slice());
      if (p !== lookup) return undefined;
      const text =
        `${DEP.path} ${DEP.version} ${EVIL.zipH1}\n${DEP.path} ${DEP.version}/go.mod ${EVIL.modH1}\n`;
      const rec = formatRecord(id, new TextEncoder().encode(text));
      const note = await go.db.signedTree();
      const body = new Uint8Array(rec.length + note.length);
      body.set(rec);
      body.set(note, rec.length);
      return new Response(body);
    };
    await refused(
      dir,
      env,
      { [DEP.path]: DEP.version },
      "GO_E016",
      /the record of example\.com\/dep@v1\.0\.0 \(0\) is missing from the signed tree of 2 records/,
    );
  });
});

guardedTest("go tamper: a tree head signed by an unknown key is GO_E006, exit 4", async () => {
  await withGo(async (go, dir, env) => {
    // Same name, same records, another key.
    const impostor = new TestChecksumDatabase(go.db.name, { seed: new Uint8Array(32).fill(9) });
    for (const s of go.modules.values()) {
      await impostor.addModule(s.module.path, s.module.version, s.zipH1, s.modH1);
    }
    go.db = impostor;
    await refused(
      dir,
      env,
      { [DEP.path]: DEP.version },
      "GO_E006",
      /tree head is not signed by the trusted key sum\.test\.example\+/,
    );
  });
});

guardedTest(
  "go tamper: a tree inconsistent with the one seen before is GO_E017, exit 4",
  async () => {
    await withGo(async (go, dir, env) => {
      const first = `${dir}/first`;
      await writeGoProject(first, { [DEP.path]: DEP.version });
      const ok = await runCli(["install"], { cwd: first, env });
      assert.equal(ok.code, 0, ok.stderr);
      const keptPath = `${env.MOCHI_HOME}/state/go-sumdb/${go.db.name}/latest`;
      const kept = await Deno.readTextFile(keptPath);
      assert.equal(
        parseLockfile(await Deno.readTextFile(`${first}/mochi.lock`)).goPackages![0]!
          .sumdb?.treeSize,
        2,
      );
      // A fork signed by the same key: another history, longer than the tree seen before.
      const fork = new TestChecksumDatabase(go.db.name, { skey: go.db.skey });
      await fork.addRecord("something else entirely\n");
      for (const s of go.modules.values()) {
        await fork.addModule(s.module.path, s.module.version, s.zipH1, s.modH1);
      }
      go.db = fork;
      await refused(
        dir,
        env,
        { [OTHER.path]: OTHER.version },
        "GO_E017",
        /the signed tree of 3 records .* is not consistent with the tree of 2 records .* seen before: the log forked or was rolled back/,
      );
      assert.equal(await Deno.readTextFile(keptPath), kept, "the kept tree head did not move");
    });
  },
);
