import assert from "node:assert/strict";
import { acquireStoreLock, cleanOrphanSessions, liveSessions } from "./store_lock.ts";
import { testHooksFromEnv } from "./test_hooks.ts";
import { MochiError } from "../../errors.ts";
import { parseDuration } from "../duration.ts";
import { withSandbox } from "../../../tests/sandbox.ts";

/** A store root inside a sandbox (which asserts nothing was written outside it). */
async function withDir(fn: (dir: string) => Promise<void>) {
  await withSandbox((sb) => fn(sb.store));
}

Deno.test("shared holders coexist; an exclusive waiter reports them after the notice delay", async () => {
  await withDir(async (store) => {
    const a = await acquireStoreLock(store, "shared", { command: "install" });
    const b = await acquireStoreLock(store, "shared", { command: "install" });
    assert.deepEqual(await liveSessions(store), [
      { pid: Deno.pid, command: "install" },
      { pid: Deno.pid, command: "install" },
    ]);
    let seen: { pid: number; command: string }[] | undefined;
    const t0 = performance.now();
    const waiting = acquireStoreLock(store, "exclusive", {
      command: "cache prune",
      noticeAfterMs: 100,
      pollMs: 5,
      onWait: (h) => (seen = h),
    });
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(seen?.length, 2, "told who holds the store");
    await a.release();
    await b.release();
    const x = await waiting;
    assert.ok(performance.now() - t0 >= 250);
    assert.deepEqual(await liveSessions(store), [{ pid: Deno.pid, command: "cache prune" }]);
    await x.release();
    assert.deepEqual([...Deno.readDirSync(`${store}/tmp`)], [], "sessions removed on release");
  });
});

Deno.test("cleanOrphanSessions removes only sessions nobody holds", async () => {
  await withDir(async (store) => {
    const live = await acquireStoreLock(store, "shared");
    await Deno.writeTextFile(`${live.sessionDir}/work.part`, "in progress");
    // A dead session: an owner file nobody locks, and its directory with a half-written blob.
    await Deno.writeTextFile(`${store}/tmp/s-dead.owner`, '{"pid":1,"command":"install"}\n');
    await Deno.mkdir(`${store}/tmp/s-dead`);
    await Deno.writeTextFile(`${store}/tmp/s-dead/x.part`, "half");
    // Killed between creating its owner file and renaming it into place.
    await Deno.writeTextFile(`${store}/tmp/s-half.creating`, "");
    assert.equal(await cleanOrphanSessions(store, true), 2, "dry run counts");
    assert.ok(Deno.statSync(`${store}/tmp/s-dead/x.part`).isFile, "dry run removes nothing");
    assert.equal(await cleanOrphanSessions(store), 2);
    assert.throws(() => Deno.statSync(`${store}/tmp/s-dead`));
    assert.throws(() => Deno.statSync(`${store}/tmp/s-half.creating`));
    assert.equal(await Deno.readTextFile(`${live.sessionDir}/work.part`), "in progress");
    await live.release();
  });
});

Deno.test("testHooksFromEnv: ignored without MOCHI_TEST=1; points, actions and limits parsed", () => {
  let killed = 0;
  const off = testHooksFromEnv({ MOCHI_TEST_FAULT: "mid-extract", MOCHI_TEST_MAX_ENTRIES: "3" });
  off.fault("mid-extract");
  assert.deepEqual(off.archivePolicy, {});
  const on = testHooksFromEnv(
    {
      MOCHI_TEST: "1",
      MOCHI_TEST_FAULT: "mid-extract, before-rename:enospc",
      MOCHI_TEST_MAX_UNPACK_SIZE: "8",
      MOCHI_TEST_MAX_UNPACK_RATIO: "0",
      MOCHI_TEST_MAX_INDEX_BYTES: "100",
    },
    () => killed++,
  );
  on.fault("mid-download");
  assert.equal(killed, 0);
  on.fault("mid-extract");
  assert.equal(killed, 1);
  assert.throws(
    () => on.fault("before-rename"),
    (e: Error & { code?: string }) => e.code === "ENOSPC",
  );
  assert.deepEqual(on.archivePolicy, { unpackFloorBytes: 8, unpackRatio: 0 });
  assert.equal(on.maxIndexBytes, 100);
  for (const bad of ["nowhere", "mid-extract:explode"]) {
    assert.throws(
      () => testHooksFromEnv({ MOCHI_TEST: "1", MOCHI_TEST_FAULT: bad }),
      (e) => e instanceof MochiError && e.code === "CLI_E001",
    );
  }
  assert.throws(
    () => testHooksFromEnv({ MOCHI_TEST: "1", MOCHI_TEST_MAX_ENTRIES: "-1" }),
    (e) => e instanceof MochiError && e.code === "CLI_E001",
  );
});

Deno.test("parseDuration: units s m h d w and 0; junk is CLI_E001", () => {
  assert.equal(parseDuration("0"), 0);
  assert.equal(parseDuration("45s"), 45_000);
  assert.equal(parseDuration("90m"), 5_400_000);
  assert.equal(parseDuration("12h"), 43_200_000);
  assert.equal(parseDuration("30d"), 2_592_000_000);
  assert.equal(parseDuration("2w"), 1_209_600_000);
  for (const bad of ["", "1", "1y", "-1d", "1.5h", "d"]) {
    assert.throws(
      () => parseDuration(bad),
      (e) => e instanceof MochiError && e.code === "CLI_E001",
    );
  }
});
