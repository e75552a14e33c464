/**
 * `mochi fetch` goes through the install executor (issue 12 item 1): it holds the store lock
 * shared, so `cache prune` (exclusive) and `fetch` exclude each other; a `.crate` is streamed
 * with a cap counted in bytes, so an endless body is refused while it streams; and a failed fetch
 * removes what it added, leaving the store as it was. A real cargo sparse index is served on
 * 127.0.0.1; each test fails on the code before the executor (which took no lock, buffered the
 * whole body and kept what it had stored).
 */
import { gzipSync } from "node:zlib";
import { assert, assertEquals } from "./assert.ts";
import { ROOT, runCli, writeRustProject } from "./helpers.ts";
import { hashTree, withSandbox } from "./sandbox.ts";
import { crateIndexPath } from "../src/rust/mod.ts";
import { digestBytes } from "../src/store/mod.ts";
import { acquireStoreLock } from "../src/store/fs/store_lock.ts";

const enc = new TextEncoder();

interface CargoServer extends AsyncDisposable {
  url: string;
  /** Bytes sent for endless bodies. */
  endlessBytes(): number;
  /** Resolves when a `gated` crate's download was asked for (its body waits for `openGate`). */
  gateReached: Promise<void>;
  /** Lets `gated` crates' bodies go. */
  openGate(): void;
}

/**
 * Serves a cargo sparse index for `crates` on 127.0.0.1: `endless` crates stream a body that
 * never ends, `wrong` crates serve other bytes than their `cksum` after `delayMs`.
 */
async function cargoServer(
  dir: string,
  crates: { name: string; endless?: boolean; wrong?: boolean; delayMs?: number; gated?: boolean }[],
): Promise<CargoServer> {
  const bodies = new Map<
    string,
    { body: Uint8Array<ArrayBuffer>; endless: boolean; delayMs: number; gated: boolean }
  >();
  const reached = Promise.withResolvers<void>();
  const gate = Promise.withResolvers<void>();
  for (const c of crates) {
    const body = new Uint8Array(gzipSync(enc.encode(`${c.name}-1.0.0 source\n`)));
    const cksum = (await digestBytes(body)).sha256;
    const line = JSON.stringify({
      name: c.name,
      vers: "1.0.0",
      deps: [],
      cksum,
      features: {},
      yanked: false,
    });
    const p = `${dir}/${crateIndexPath(c.name)}`;
    await Deno.mkdir(p.slice(0, p.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(p, line + "\n");
    bodies.set(c.name, {
      body: (c.wrong ? enc.encode("other bytes") : body) as Uint8Array<ArrayBuffer>,
      endless: c.endless === true,
      delayMs: c.delayMs ?? 0,
      gated: c.gated === true,
    });
  }
  await Deno.writeTextFile(
    `${dir}/config.json`,
    JSON.stringify({ dl: "dl/{crate}/{version}/download", api: null }),
  );
  let endless = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    const dl = /^\/dl\/([^/]+)\/[^/]+\/download$/.exec(path);
    if (dl !== null) {
      const b = bodies.get(dl[1]!);
      if (b === undefined) return new Response("no", { status: 404 });
      await new Promise((r) => setTimeout(r, b.delayMs));
      if (b.gated) {
        reached.resolve();
        await gate.promise;
      }
      if (!b.endless) return new Response(b.body);
      const chunk = new Uint8Array(64 * 1024).fill(7);
      return new Response(
        new ReadableStream<Uint8Array>({
          pull(c) {
            endless += chunk.byteLength;
            c.enqueue(chunk);
          },
        }),
      );
    }
    try {
      return new Response(await Deno.readFile(`${dir}${path}`));
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    endlessBytes: () => endless,
    gateReached: reached.promise,
    openGate: () => gate.resolve(),
    async [Symbol.asyncDispose]() {
      gate.resolve();
      await server.shutdown();
    },
  };
}

function rustProject(dir: string, index: string, crates: string[]): Promise<void> {
  return writeRustProject(dir, `sparse+${index}`, crates);
}

/** Runs the CLI, killed after `ms` (a run that never ends fails the test instead of hanging). */
async function runCliWithin(
  ms: number,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string; killed: boolean }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}/cli.ts`, ...args],
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill("SIGKILL");
  }, ms);
  const out = await child.output();
  clearTimeout(timer);
  const dec = new TextDecoder();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
    killed,
  };
}

Deno.test("fetch executor: an endless .crate body is refused while it streams (BLOB_E004), nothing stored", async () => {
  await withSandbox(async (sb) => {
    await using server = await cargoServer(`${sb.root}/index`, [{ name: "alpha", endless: true }]);
    const app = `${sb.root}/app`;
    await rustProject(app, server.url, ["alpha"]);
    const r = await runCliWithin(30_000, ["fetch", "-C", app], {
      ...sb.env,
      MOCHI_TEST_MAX_BLOB_BYTES: String(1024 * 1024),
    });
    assert(!r.killed, "mochi fetch never ended: the body was not capped while streaming");
    assertEquals(r.code, 4, r.stdout + r.stderr);
    assert(r.stderr.includes("error[BLOB_E004]"), r.stderr);
    assert(r.stderr.includes("crate alpha 1.0.0"), r.stderr);
    assert(server.endlessBytes() < 64 * 1024 * 1024, `${server.endlessBytes()} bytes were read`);
    assertEquals(await hashTree(`${sb.store}/blobs`), []);
  });
});

/** The files (not empty shard directories) of the store's blobs and crate address records. */
async function storeFiles(store: string, home: string): Promise<string[]> {
  const files: string[] = [];
  for (const d of [`${store}/blobs`, `${store}/aliases`, `${home}/crates`]) {
    files.push(...(await hashTree(d)).filter((l) => !/^\S+\/ \d+$/.test(l)));
  }
  return files;
}

Deno.test("fetch executor: a failed fetch removes what it added; the store is as it was", async () => {
  await withSandbox(async (sb) => {
    await using server = await cargoServer(`${sb.root}/index`, [
      { name: "alpha" },
      { name: "beta" },
      { name: "gamma", wrong: true, delayMs: 500 },
    ]);
    const app = `${sb.root}/app`;
    await rustProject(app, server.url, ["alpha"]);
    assertEquals((await runCli(["fetch", "-C", app], { env: sb.env })).code, 0);
    const before = await storeFiles(sb.store, sb.mochiHome);
    assert(before.length > 0);
    await rustProject(app, server.url, ["alpha", "beta", "gamma"]);
    const r = await runCli(["fetch", "-C", app], { env: sb.env });
    assertEquals(r.code, 4, r.stdout + r.stderr);
    assert(r.stderr.includes("error[RUST_E004]") && r.stderr.includes("gamma 1.0.0"), r.stderr);
    const after = await storeFiles(sb.store, sb.mochiHome);
    assertEquals(after, before, "beta (fetched before gamma failed) was removed again");
  });
});

async function countEntries(dir: string): Promise<number> {
  try {
    return (await Array.fromAsync(Deno.readDir(dir))).length;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return 0;
    throw e;
  }
}

Deno.test("fetch executor: mochi fetch waits for a held exclusive store lock (cache prune's), then proceeds", async () => {
  await withSandbox(async (sb) => {
    await using server = await cargoServer(`${sb.root}/index`, [{ name: "alpha" }]);
    const app = `${sb.root}/app`;
    await rustProject(app, server.url, ["alpha"]);
    // The lock first (no store needed), then the fetch against a store held exclusively.
    assertEquals((await runCli(["lock", "-C", app], { env: sb.env })).code, 0);
    const held = await acquireStoreLock(sb.store, "exclusive", { command: "cache prune" });
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}/cli.ts`, "fetch", "-C", app],
      env: { NO_COLOR: "1", ...sb.env },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // Released only once the fetch says it waits for the store lock (however slow its start).
    let stderr = "";
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    const deadline = setTimeout(() => held.release(), 60_000);
    while (!stderr.includes("held by pid")) {
      const { value, done } = await reader.read();
      if (done) break;
      stderr += value;
    }
    assert(
      stderr.includes(`held by pid ${Deno.pid} (mochi cache prune)`),
      `mochi fetch did not wait for the store lock: ${stderr}`,
    );
    let stored = await countEntries(`${sb.store}/blobs`);
    assertEquals(stored, 0, "fetch wrote to the store while cache prune held it");
    await held.release();
    clearTimeout(deadline);
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      stderr += value;
    }
    const status = await child.status;
    await child.stdout.cancel();
    assertEquals(status.code, 0, stderr);
    stored = await countEntries(`${sb.store}/blobs`);
    assert(stored > 0, "fetch stored nothing after the lock was released");
  });
});

/** A CLI subprocess whose stderr is read as it comes (to wait for a line, not a fixed time). */
function spawnCli(args: string[], env: Record<string, string>) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}/cli.ts`, ...args],
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let stderr = "";
  return {
    child,
    stderr: () => stderr,
    /** Reads stderr until it includes `text` (true) or ends (false). */
    async until(text: string): Promise<boolean> {
      while (!stderr.includes(text)) {
        const { value, done } = await reader.read();
        if (done) return false;
        stderr += value;
      }
      return true;
    },
    /** Reads stderr to its end, then returns the exit code. */
    async finish(): Promise<number> {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        stderr += value;
      }
      await child.stdout.cancel();
      return (await child.status).code;
    },
  };
}

/** Resolves once process `pid` is stopped (state `T` in /proc), polling every 10 ms; 60 s cap. */
async function stopped(pid: number): Promise<void> {
  for (let i = 0; i < 6000; i++) {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    if (/^\d+ \(.*\) [Tt] /.test(stat)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`process ${pid} never reached its stop point`);
}

Deno.test("fetch executor: real mochi cache prune and real mochi fetch exclude each other, both ways", async () => {
  await withSandbox(async (sb) => {
    await using server = await cargoServer(`${sb.root}/index`, [
      { name: "alpha", gated: true },
      { name: "beta" },
    ]);
    const app = `${sb.root}/app`;
    await rustProject(app, server.url, ["alpha"]);
    assertEquals((await runCli(["lock", "-C", app], { env: sb.env })).code, 0);

    // 1. A fetch holds the store (shared) while alpha's body is held back: prune waits for it.
    const fetch = spawnCli(["fetch", "-C", app], sb.env);
    await server.gateReached;
    const prune = spawnCli(["cache", "prune"], sb.env);
    assert(await prune.until("held by pid"), `cache prune did not wait: ${prune.stderr()}`);
    assert(
      prune.stderr().includes(`held by pid ${fetch.child.pid} (mochi fetch)`),
      prune.stderr(),
    );
    server.openGate();
    assertEquals(await fetch.finish(), 0, fetch.stderr());
    assertEquals(await prune.finish(), 0, prune.stderr());
    const afterFirst = await countEntries(`${sb.store}/blobs`);
    assert(afterFirst > 0, "the first fetch stored nothing");

    // 2. A real prune holds the store exclusively (paused right after it took the lock): a fetch
    // waits for it and writes nothing until it ends.
    await rustProject(app, server.url, ["alpha", "beta"]);
    assertEquals((await runCli(["lock", "-C", app], { env: sb.env })).code, 0);
    const before = await storeFiles(sb.store, sb.mochiHome);
    const holder = spawnCli(["cache", "prune"], {
      ...sb.env,
      MOCHI_TEST_FAULT: "prune-locked:stop",
    });
    await stopped(holder.child.pid);
    const second = spawnCli(["fetch", "-C", app], sb.env);
    assert(await second.until("held by pid"), `mochi fetch did not wait: ${second.stderr()}`);
    assert(
      second.stderr().includes(`held by pid ${holder.child.pid} (mochi cache prune)`),
      second.stderr(),
    );
    assertEquals(
      await storeFiles(sb.store, sb.mochiHome),
      before,
      "fetch wrote to the store while cache prune held it",
    );
    holder.child.kill("SIGCONT");
    assertEquals(await holder.finish(), 0, holder.stderr());
    assertEquals(await second.finish(), 0, second.stderr());
    assert(
      (await storeFiles(sb.store, sb.mochiHome)).length > before.length,
      "fetch stored nothing after cache prune ended",
    );
  });
});
