/**
 * Decompression bombs and endless data (TUF's endless-data attack). Caps on unpacked bytes (cargo's
 * `max(512 MiB, 20 × compressed)`), entries and entry size, injectable through `MOCHI_TEST_*`
 * so these tests use kilobytes; index files and blobs that never end are cut off; the peak
 * memory of reading a 1 GiB and an 8 GiB bomb is measured in a subprocess and compared with
 * reading a tiny valid archive in the same run.
 */
import { assert, assertEquals } from "./assert.ts";
import { ROOT, runCli, snapshotTree, writeProject, writeRegistry } from "./helpers.ts";
import { startFakeRegistry } from "./fake_registry.ts";
import { assertNoTemp, withSandbox } from "./sandbox.ts";
import { writeArchive } from "../src/store/archive.ts";
import { buildTarZst, zeroFileBomb } from "../src/store/tar_builder_testing.ts";
import { indexPath } from "../src/index/mod.ts";

async function probe(...args: string[]): Promise<{ code: string; peakRssKiB: number }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}/tests/bomb_probe.ts`, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

Deno.test("a 1 GiB and an 8 GiB zstd bomb are refused with bounded peak memory (vs a tiny archive, same run)", async () => {
  await withSandbox(async () => {
    const baseline = await probe("baseline", "0");
    assertEquals(baseline.code, "ok");
    for (const size of [2 ** 30, 8 * 2 ** 30]) {
      const bomb = await probe("bomb", String(size));
      assertEquals(bomb.code, "BLOB_E004", `bomb of ${size} bytes`);
      const extraMiB = (bomb.peakRssKiB - baseline.peakRssKiB) / 1024;
      assert(extraMiB < 32, `reading a ${size}-byte bomb cost ${extraMiB.toFixed(1)} MiB more`);
    }
  });
});

Deno.test("a 256 MiB file inside the limits is extracted with bounded memory (bodies stream to disk)", async () => {
  await withSandbox(async (sb) => {
    const baseline = await probe("baseline", "0");
    const big = await probe("extract", String(256 * 2 ** 20), sb.store);
    assertEquals(big.code, "ok");
    const extraMiB = (big.peakRssKiB - baseline.peakRssKiB) / 1024;
    assert(extraMiB < 64, `extracting 256 MiB cost ${extraMiB.toFixed(1)} MiB more`);
  });
});

async function withPackage(
  archive: Uint8Array,
  fn: (run: (env?: Record<string, string>) => ReturnType<typeof runCli>, store: string) => Promise<
    void
  >,
): Promise<void> {
  await withSandbox(async (sb) => {
    const registry = `${sb.root}/registry`;
    await writeRegistry(registry, [{ name: "payload", version: "1.0.0", archive }]);
    const project = `${sb.root}/project`;
    await writeProject(project, { payload: "1" });
    await fn(
      (env = {}) =>
        runCli(["install", "-C", project], {
          env: { ...sb.env, MOCHI_REGISTRY: registry, ...env },
        }),
      sb.store,
    );
  });
}

Deno.test("through mochi install: a 1 GiB bomb is BLOB_E004 (exit 4) under the default limits, nothing extracted", async () => {
  await withPackage(zeroFileBomb(2 ** 30), async (run, store) => {
    const r = await run();
    assertEquals(r.code, 4, r.stderr);
    assert(r.stderr.includes("error[BLOB_E004]"), r.stderr);
    assert(r.stderr.includes('"zeros" is 1073741824 bytes'), r.stderr);
    assertEquals(await snapshotTree(`${store}/extracted`), []);
    await assertNoTemp(store);
  });
});

Deno.test("cargo reach_max_unpack_size: size 8 and ratio 0 refuse the archive; restoring the ratio accepts it", async () => {
  const noise = crypto.getRandomValues(new Uint8Array(4096)); // incompressible
  await withPackage(await writeArchive([{ path: "noise.bin", bytes: noise }]), async (run) => {
    const small = await run({ MOCHI_TEST_MAX_UNPACK_SIZE: "8", MOCHI_TEST_MAX_UNPACK_RATIO: "0" });
    assertEquals(small.code, 4, small.stderr);
    assert(
      small.stderr.includes("error[BLOB_E004]") && small.stderr.includes("limit of 8"),
      small.stderr,
    );
    const ratio = await run({ MOCHI_TEST_MAX_UNPACK_SIZE: "8" });
    assertEquals(ratio.code, 0, ratio.stderr);
  });
});

Deno.test("entry-count cap (an inode bomb of 1,000 empty files, cap 100) and entry-size cap", async () => {
  const inodes = buildTarZst(Array.from({ length: 1000 }, (_, i) => ({ name: `f${i}` })));
  await withPackage(inodes, async (run, store) => {
    const r = await run({ MOCHI_TEST_MAX_ENTRIES: "100" });
    assertEquals(r.code, 4, r.stderr);
    assert(r.stderr.includes("more than 100 entries"), r.stderr);
    assertEquals(await snapshotTree(`${store}/extracted`), []);
    assertEquals((await run()).code, 0, "accepted under the default cap");
  });
  const big = await writeArchive([{ path: "big.bin", bytes: new Uint8Array(4096) }]);
  await withPackage(big, async (run) => {
    const r = await run({ MOCHI_TEST_MAX_ENTRY_SIZE: "1000" });
    assertEquals(r.code, 4, r.stderr);
    assert(
      r.stderr.includes('"big.bin" is 4096 bytes, over the per-entry limit of 1000'),
      r.stderr,
    );
  });
});

Deno.test("an index file that never ends is cut off (INDEX_E010, exit 4), default cap and injected cap", async () => {
  await withSandbox(async (sb) => {
    const registry = `${sb.root}/registry`;
    await writeRegistry(registry, [{ name: "endless", version: "1.0.0" }]);
    await using server = startFakeRegistry(registry);
    server.fault(indexPath("endless"), { endless: true });
    const project = `${sb.root}/project`;
    await writeProject(project, { endless: "1" });
    const env = { ...sb.env, MOCHI_REGISTRY: server.url };
    const extras: Record<string, string>[] = [{ MOCHI_TEST_MAX_INDEX_BYTES: "100000" }, {}];
    for (const extra of extras) {
      const t0 = performance.now();
      const r = await runCli(["install", "-C", project], { env: { ...env, ...extra } });
      assertEquals(r.code, 4, r.stderr);
      assert(r.stderr.includes("error[INDEX_E010]"), r.stderr);
      assert(performance.now() - t0 < 20_000, "stopped reading in bounded time");
    }
    assertEquals(server.count(indexPath("endless")), 2, "never retried");
    await assertNoTemp(sb.store);
  });
});

Deno.test("a blob that never ends is cut off (BLOB_E004, exit 4), no .part left", async () => {
  await withSandbox(async (sb) => {
    const registry = `${sb.root}/registry`;
    const digests = await writeRegistry(registry, [{ name: "endless", version: "1.0.0" }]);
    await using server = startFakeRegistry(registry);
    server.fault(`blobs/${digests.get("endless@1.0.0")}`, { endless: true });
    const project = `${sb.root}/project`;
    await writeProject(project, { endless: "1" });
    const r = await runCli(["install", "-C", project], {
      env: { ...sb.env, MOCHI_REGISTRY: server.url, MOCHI_TEST_MAX_BLOB_BYTES: "200000" },
    });
    assertEquals(r.code, 4, r.stderr);
    assert(r.stderr.includes("streamed more than 200000 bytes"), r.stderr);
    await assertNoTemp(sb.store);
    assertEquals(await snapshotTree(`${sb.store}/blobs`), []);
  });
});
