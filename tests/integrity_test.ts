/**
 * Hash mismatches and truncated or flaky downloads through the CLI,
 * against the fault-injecting registry: exit 4 for integrity, exit 3 for the network, bounded
 * retries (request counters), bounded time, no `.part` file, no lockfile change.
 */
import { assert, assertEquals } from "./assert.ts";
import { runCli, snapshotTree, writeProject, writeRegistry } from "./helpers.ts";
import { type FakeRegistry, startFakeRegistry } from "./fake_registry.ts";
import { assertNoTemp, type Sandbox, withSandbox } from "./sandbox.ts";
import { formatIndexRecord, indexPath, parseIndexFile } from "../src/index/mod.ts";

interface Ctx {
  sb: Sandbox;
  registry: string;
  server: FakeRegistry;
  project: string;
  env: Record<string, string>;
  /** blake3 of each `name@version`. */
  digests: Map<string, string>;
  install(extraEnv?: Record<string, string>): ReturnType<typeof runCli>;
}

async function withRegistry(fn: (c: Ctx) => Promise<void>): Promise<void> {
  await withSandbox(async (sb) => {
    const registry = `${sb.root}/registry`;
    const digests = await writeRegistry(registry, [
      { name: "app-core", version: "1.0.0", deps: { "text-util": "^0.3" } },
      { name: "text-util", version: "0.3.1" },
    ]);
    await using server = startFakeRegistry(registry);
    const project = `${sb.root}/project`;
    await writeProject(project, { "app-core": "1" });
    const env = { ...sb.env, MOCHI_REGISTRY: server.url };
    await fn({
      sb,
      registry,
      server,
      project,
      env,
      digests,
      install: (extraEnv = {}) =>
        runCli(["install", "-C", project], { env: { ...env, ...extraEnv } }),
    });
  });
}

/** Rewrite one index record of the registry directory. */
async function editRecord(
  registry: string,
  name: string,
  edit: (r: Record<string, unknown>) => Record<string, unknown>,
): Promise<void> {
  const path = `${registry}/${indexPath(name)}`;
  const recs = parseIndexFile(name, await Deno.readTextFile(path));
  await Deno.writeTextFile(
    path,
    recs.map((r) => formatIndexRecord(edit({ ...r }) as never) + "\n").join(""),
  );
}

const flipHex = (h: string) => (h[0] === "0" ? "1" : "0") + h.slice(1);

async function assertNothingInstalled(c: Ctx): Promise<void> {
  await assertNoTemp(c.sb.store);
  assertEquals((await snapshotTree(c.project)).map((l) => l.split(" ")[0]), ["mochi.toml"]);
}

Deno.test("one flipped bit in a served blob: exit 4, BLOB_E001, nothing stored, no .part", async () => {
  await withRegistry(async (c) => {
    const b3 = c.digests.get("text-util@0.3.1")!;
    c.server.fault(`blobs/${b3}`, { flipBitAt: 200 });
    const r = await c.install();
    assertEquals(r.code, 4, r.stderr);
    assert(r.stderr.includes("error[BLOB_E001]: text-util 0.3.1"), r.stderr);
    assert(/blake3 expected [0-9a-f]{64}, got/.test(r.stderr), r.stderr);
    assert(/sha256 expected [0-9a-f]{64}, got/.test(r.stderr), r.stderr);
    const blobs = await snapshotTree(`${c.sb.store}/blobs`);
    assert(!blobs.some((l) => l.includes(b3)), "the bad blob was not stored");
    await assertNothingInstalled(c);
  });
});

Deno.test("only the SHA-256 is wrong: still BLOB_E001, naming sha256 only", async () => {
  await withRegistry(async (c) => {
    await editRecord(c.registry, "text-util", (r) => ({ ...r, sha256: flipHex(String(r.sha256)) }));
    const r = await c.install();
    assertEquals(r.code, 4, r.stderr);
    assert(r.stderr.includes("sha256 expected"), r.stderr);
    assert(!r.stderr.includes("blake3 expected"), "BLAKE3 matched: " + r.stderr);
    await assertNothingInstalled(c);
  });
});

Deno.test("only the BLAKE3 is wrong (bytes served at the claimed address): BLOB_E001, naming blake3 only", async () => {
  await withRegistry(async (c) => {
    const real = c.digests.get("text-util@0.3.1")!;
    const fake = flipHex(real);
    await Deno.copyFile(`${c.registry}/blobs/${real}`, `${c.registry}/blobs/${fake}`);
    await editRecord(c.registry, "text-util", (r) => ({ ...r, blake3: fake }));
    const r = await c.install();
    assertEquals(r.code, 4, r.stderr);
    assert(r.stderr.includes(`blake3 expected ${fake}, got ${real}`), r.stderr);
    assert(!r.stderr.includes("sha256 expected"), "SHA-256 matched: " + r.stderr);
    await assertNothingInstalled(c);
  });
});

Deno.test("lock digest ≠ index digest: refused before any fetch, naming both (BLOB_E009, cargo's checksum rule)", async () => {
  await withRegistry(async (c) => {
    const first = await c.install();
    assertEquals(first.code, 0, first.stderr);
    const lock = await Deno.readTextFile(`${c.project}/mochi.lock`);
    const old = c.digests.get("text-util@0.3.1")!;
    // Re-publish text-util 0.3.1 with other bytes: the index now records other digests.
    const other = await writeRegistry(`${c.sb.root}/republish`, [
      { name: "text-util", version: "0.3.1", deps: { "app-core": "*" } },
    ]);
    const b3 = other.get("text-util@0.3.1")!;
    await Deno.copyFile(`${c.sb.root}/republish/blobs/${b3}`, `${c.registry}/blobs/${b3}`);
    await Deno.copyFile(
      `${c.sb.root}/republish/${indexPath("text-util")}`,
      `${c.registry}/${indexPath("text-util")}`,
    );
    // A fresh store, old blob still served: the lock and the index disagree, nothing installs.
    for (const home of ["home2", "home3"]) {
      const r = await c.install({ MOCHI_HOME: `${c.sb.root}/${home}` });
      assertEquals(r.code, 4, r.stderr);
      assert(r.stderr.includes("error[BLOB_E009]"), r.stderr);
      assert(
        r.stderr.includes(`pins blake3 ${old}`) && r.stderr.includes(`records blake3 ${b3}`),
        r.stderr,
      );
      assertEquals(await Deno.readTextFile(`${c.project}/mochi.lock`), lock);
      assertEquals(c.server.count(`blobs/${b3}`), 0, "the index's new blob was never fetched");
      await assertNoTemp(`${c.sb.root}/${home}/store`);
      // Old blob gone from the registry: the same refusal.
      await Deno.remove(`${c.registry}/blobs/${old}`).catch(() => {});
    }
  });
});

Deno.test("a corrupt file already in the store under the right address: verify finds it, install re-fetches it", async () => {
  await withRegistry(async (c) => {
    const b3 = c.digests.get("text-util@0.3.1")!;
    // Pre-seeded before any install: garbage sitting at the right path is never trusted.
    const path = `${c.sb.store}/blobs/${b3.slice(0, 2)}/${b3.slice(2, 4)}/${b3}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, "not the blob");
    const r1 = await c.install();
    assertEquals(r1.code, 0, r1.stderr);
    assertEquals(c.server.count(`blobs/${b3}`), 1);
    assertEquals((await runCli(["verify"], { env: c.env })).code, 0);

    // Bit rot after install: mochi verify reports it (exit 4), install fetches it again.
    const bytes = await Deno.readFile(path);
    bytes[bytes.length >> 1]! ^= 0x10;
    await Deno.writeFile(path, bytes);
    const v = await runCli(["verify"], { env: c.env });
    assertEquals(v.code, 4, v.stdout);
    assert(v.stderr.includes(`blob ${b3} no longer matches`), v.stderr);
    const r2 = await c.install();
    assertEquals(r2.code, 0, r2.stderr);
    assertEquals(c.server.count(`blobs/${b3}`), 2, "fetched again");
    assertEquals((await runCli(["verify"], { env: c.env })).code, 0);
    await assertNoTemp(c.sb.store);
  });
});

Deno.test("a body closed early: retried, then exit 3 with BLOB_E002; once cut then fine: success", async () => {
  await withRegistry(async (c) => {
    const b3 = c.digests.get("text-util@0.3.1")!;
    c.server.fault(`blobs/${b3}`, { truncateAfterBytes: 40 });
    const r = await c.install();
    assertEquals(r.code, 3, r.stderr);
    assert(r.stderr.includes("error[BLOB_E002]"), r.stderr);
    assertEquals(c.server.count(`blobs/${b3}`), 3, "BLOB_STREAM_ATTEMPTS attempts, no more");
    await assertNothingInstalled(c);

    c.server.fault(`blobs/${b3}`, (n) => (n === 4 ? { truncateAfterBytes: 40 } : undefined));
    const ok = await c.install();
    assertEquals(ok.code, 0, ok.stderr);
    assertEquals(c.server.count(`blobs/${b3}`), 5);
    assertEquals((await runCli(["verify"], { env: c.env })).code, 0);
    await assertNoTemp(c.sb.store);
  });
});

Deno.test("a chunked body missing its final chunk: exit 3, nothing stored", async () => {
  await withRegistry(async (c) => {
    const b3 = c.digests.get("app-core@1.0.0")!;
    c.server.fault(`blobs/${b3}`, { chunkedWithoutFinalChunk: true });
    const r = await c.install();
    assertEquals(r.code, 3, r.stderr);
    assert(r.stderr.includes("error[BLOB_E002]"), r.stderr);
    await assertNothingInstalled(c);
  });
});

Deno.test("503 with Retry-After: 1 twice, then 200: honoured, success after ≥ 2 s and 3 requests", async () => {
  await withRegistry(async (c) => {
    const path = indexPath("app-core");
    c.server.fault(
      path,
      (n) => (n <= 2 ? { status: 503, headers: { "Retry-After": "1" } } : undefined),
    );
    const t0 = performance.now();
    const r = await c.install();
    const ms = performance.now() - t0;
    assertEquals(r.code, 0, r.stderr);
    assertEquals(c.server.count(path), 3);
    assert(ms >= 2000, `waited ${ms} ms`);
  });
});

Deno.test("endless 429: bounded retries, bounded time, exit 3 with INDEX_E005", async () => {
  await withRegistry(async (c) => {
    const path = indexPath("app-core");
    c.server.fault(path, { status: 429, headers: { "Retry-After": "0" } });
    const t0 = performance.now();
    const r = await c.install();
    const ms = performance.now() - t0;
    assertEquals(r.code, 3, r.stderr);
    assert(r.stderr.includes("error[INDEX_E005]"), r.stderr);
    assert(r.stderr.includes("after 6 attempts"), r.stderr);
    assertEquals(c.server.count(path), 6);
    assert(ms < 15_000, `took ${ms} ms`);
    await assertNothingInstalled(c);
  });
});

Deno.test("endless 429 on a blob (backoff injected to 1 ms): exit 3 naming the URL and attempts", async () => {
  await withRegistry(async (c) => {
    const b3 = c.digests.get("text-util@0.3.1")!;
    c.server.fault(`blobs/${b3}`, { status: 429 });
    const r = await c.install({ MOCHI_TEST_RETRY_BASE_MS: "1" });
    assertEquals(r.code, 3, r.stderr);
    assert(r.stderr.includes(`blobs/${b3} after 6 attempts`), r.stderr);
    assertEquals(c.server.count(`blobs/${b3}`), 6);
    await assertNothingInstalled(c);
  });
});

Deno.test("an index file cut off mid-body is retried: always cut → exit 3 after 6 attempts; cut once → success", async () => {
  await withRegistry(async (c) => {
    const path = indexPath("app-core");
    c.server.fault(path, { truncateAfterBytes: 10 });
    const r = await c.install({ MOCHI_TEST_RETRY_BASE_MS: "1" });
    assertEquals(r.code, 3, r.stderr);
    assert(
      r.stderr.includes("error[INDEX_E004]") && r.stderr.includes("after 6 attempts"),
      r.stderr,
    );
    assertEquals(c.server.count(path), 6);
    await assertNothingInstalled(c);
    c.server.fault(path, (n) => (n === 7 ? { truncateAfterBytes: 10 } : undefined));
    const ok = await c.install({ MOCHI_TEST_RETRY_BASE_MS: "1" });
    assertEquals(ok.code, 0, ok.stderr);
    assertEquals(c.server.count(path), 8);
  });
});
