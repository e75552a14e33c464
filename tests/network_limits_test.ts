/**
 * Issue 11 items 9–11 through `mochi install` against a loopback fault-injecting registry: a blob
 * that drips (idle timeout `BLOB_E010`, total deadline `BLOB_E011`, both set through
 * `MOCHI_HTTP_*`), gzip-encoded bodies whose decoded size passes a cap (counted after decoding),
 * and a `config.json` whose `dl` leaves the registry's origin.
 */
import { assert, assertEquals } from "./assert.ts";
import { runCli, snapshotTree, writeProject, writeRegistry } from "./helpers.ts";
import { startFakeRegistry } from "./fake_registry.ts";
import { assertNoTemp, withSandbox } from "./sandbox.ts";
import { indexPath } from "../src/index/mod.ts";
import { openRegistry, openSparseFiles } from "../src/registry/client/index_client.ts";
import { openCargoIndex } from "../src/registry/client/cargo_index_client.ts";

async function dripInstall(
  fault: { dripEveryMs: number },
  env: Record<string, string>,
): Promise<{ code: number; stderr: string; ms: number; blobs: string[] }> {
  let out = { code: -1, stderr: "", ms: 0, blobs: [] as string[] };
  await withSandbox(async (sb) => {
    const registry = `${sb.root}/registry`;
    const digests = await writeRegistry(registry, [{ name: "slow", version: "1.0.0" }]);
    await using server = startFakeRegistry(registry);
    server.fault(`blobs/${digests.get("slow@1.0.0")}`, fault);
    const project = `${sb.root}/project`;
    await writeProject(project, { slow: "1" });
    const t0 = performance.now();
    const r = await runCli(["install", "-C", project], {
      env: { ...sb.env, MOCHI_REGISTRY: server.url, ...env },
    });
    out = {
      code: r.code,
      stderr: r.stderr,
      ms: performance.now() - t0,
      blobs: await snapshotTree(`${sb.store}/blobs`),
    };
    await assertNoTemp(sb.store);
  });
  return out;
}

Deno.test("a blob that stalls fails on the idle timeout (BLOB_E010, exit 3), store untouched", async () => {
  const r = await dripInstall({ dripEveryMs: 2000 }, { MOCHI_HTTP_IDLE_TIMEOUT: "1s" });
  assertEquals(r.code, 3, r.stderr);
  assert(r.stderr.includes("error[BLOB_E010]"), r.stderr);
  assert(r.stderr.includes("idle timeout"), r.stderr);
  assert(r.ms < 15_000, `took ${r.ms} ms`);
  assertEquals(r.blobs, []);
});

Deno.test("a blob that drips faster than the idle timeout fails on the deadline (BLOB_E011, exit 3)", async () => {
  const r = await dripInstall({ dripEveryMs: 100 }, {
    MOCHI_HTTP_IDLE_TIMEOUT: "1s",
    MOCHI_HTTP_DEADLINE: "2s",
  });
  assertEquals(r.code, 3, r.stderr);
  assert(r.stderr.includes("error[BLOB_E011]"), r.stderr);
  assert(r.stderr.includes("deadline"), r.stderr);
  assert(r.ms < 15_000, `took ${r.ms} ms`);
  assertEquals(r.blobs, []);
});

Deno.test("MOCHI_HTTP_IDLE_TIMEOUT that is not a duration is refused (CLI_E001)", async () => {
  const r = await dripInstall({ dripEveryMs: 2000 }, { MOCHI_HTTP_IDLE_TIMEOUT: "soon" });
  assertEquals(r.code, 1, r.stderr);
  assert(r.stderr.includes("error[CLI_E001]") && r.stderr.includes("MOCHI_HTTP_IDLE_TIMEOUT"));
});

Deno.test("gzip-encoded index file and config.json are capped in decoded bytes (INDEX_E010)", async () => {
  // 4 MiB of spaces: a few KiB on the wire, 64 times the injected 64 KiB cap once decoded.
  const inflated = new TextEncoder().encode(" ".repeat(4 * 1024 * 1024));
  for (const path of [indexPath("puffy"), "config.json"]) {
    await withSandbox(async (sb) => {
      const registry = `${sb.root}/registry`;
      await writeRegistry(registry, [{ name: "puffy", version: "1.0.0" }]);
      await using server = startFakeRegistry(registry);
      server.fault(path, { gzip: true, body: inflated });
      const project = `${sb.root}/project`;
      await writeProject(project, { puffy: "1" });
      const r = await runCli(["install", "-C", project], {
        env: {
          ...sb.env,
          MOCHI_REGISTRY: server.url,
          MOCHI_TEST: "1",
          MOCHI_TEST_MAX_INDEX_BYTES: String(64 * 1024),
        },
      });
      assertEquals(r.code, 4, `${path}: ${r.stderr}`);
      assert(r.stderr.includes("error[INDEX_E010]"), `${path}: ${r.stderr}`);
    });
  }
});

Deno.test("a gzip-encoded cargo index file is capped in decoded bytes too (INDEX_E010)", async () => {
  await withSandbox(async (sb) => {
    const registry = `${sb.root}/registry`;
    await writeRegistry(registry, []);
    await Deno.mkdir(`${registry}/se/rd`, { recursive: true });
    await Deno.writeTextFile(`${registry}/se/rd/serde`, " ".repeat(1024 * 1024));
    await using server = startFakeRegistry(registry);
    server.fault("se/rd/serde", { gzip: true });
    const files = openSparseFiles(server.url, {
      cacheDir: `${sb.root}/cache`,
      maxIndexBytes: 64 * 1024,
    });
    let code = "";
    try {
      await files.read("se/rd/serde", (b) => b.length);
    } catch (e) {
      code = (e as { code?: string }).code ?? String(e);
    }
    assertEquals(code, "INDEX_E010");
    // Within the cap, a gzip body is read (decoded) as usual.
    const roomy = openSparseFiles(server.url, { cacheDir: `${sb.root}/cache2` });
    assertEquals(await roomy.read("se/rd/serde", (b) => b.length), 1024 * 1024);
  });
});

Deno.test("an HTTP registry whose dl points at file:// or another scheme is refused (INDEX_E003)", async () => {
  for (const dl of ["file:///etc/", "data:text/plain,", "ftp://127.0.0.1/blobs/"]) {
    await withSandbox(async (sb) => {
      const registry = `${sb.root}/registry`;
      await writeRegistry(registry, [{ name: "leaky", version: "1.0.0" }]);
      await Deno.writeTextFile(`${registry}/config.json`, JSON.stringify({ dl, api: null }));
      await using server = startFakeRegistry(registry);
      const project = `${sb.root}/project`;
      await writeProject(project, { leaky: "1" });
      const r = await runCli(["install", "-C", project], {
        env: { ...sb.env, MOCHI_REGISTRY: server.url },
      });
      assertEquals(r.code, 1, `${dl}: ${r.stderr}`);
      assert(r.stderr.includes("error[INDEX_E003]"), `${dl}: ${r.stderr}`);
      assert(r.stderr.includes("dl"), r.stderr);
      assertEquals(await snapshotTree(`${sb.store}/blobs`), []);
    });
  }
  // The library refuses it before any blob request.
  await withSandbox(async (sb) => {
    const registry = `${sb.root}/registry`;
    await writeRegistry(registry, []);
    await Deno.writeTextFile(`${registry}/config.json`, '{"dl": "file:///etc/", "api": null}');
    await using server = startFakeRegistry(registry);
    const client = openRegistry(server.url, { cacheDir: `${sb.root}/cache` });
    let code = "";
    try {
      await client.config();
    } catch (e) {
      code = (e as { code?: string }).code ?? String(e);
    }
    assertEquals(code, "INDEX_E003");
    assertEquals(server.count("etc"), 0);
  });
});

Deno.test("a cargo index over http whose dl points at file:// is refused (RUST_E007)", async () => {
  await withSandbox(async (sb) => {
    const registry = `${sb.root}/registry`;
    await Deno.mkdir(registry, { recursive: true });
    await Deno.writeTextFile(`${registry}/config.json`, '{"dl": "file:///etc/{crate}"}');
    await using server = startFakeRegistry(registry);
    const index = openCargoIndex(`sparse+${server.url}`, { cacheDir: `${sb.root}/cache` });
    let code = "";
    try {
      await index.download("serde", "1.0.0", "a".repeat(64));
    } catch (e) {
      code = (e as { code?: string }).code ?? String(e);
    }
    assertEquals(code, "RUST_E007");
  });
});
