/**
 * What per-package isolation costs: one package function called
 * 1. in-process (no isolation; the baseline),
 * 2. in a {@link PackageWorker} (a Worker holding only the package's permissions),
 * 3. in its own `deno run` process with the package's flags (process-per-package), talking
 *    JSON lines over stdin/stdout.
 * For 2 and 3: the start-up cost (start + first answer) and the round trip of one call. Also
 * the resident memory each worker / process adds. Ratios are against the peers measured in the
 * same run.
 *
 * Run: `deno run -A --unstable-worker-options bench/isolation_bench.ts [--calls 2000] [--starts 10]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import { PackageWorker } from "../src/sandbox/package_worker.ts";
import { lowerToDeno } from "../src/lowering/mod.ts";

const PKG_DIR = new URL("../fixtures/capabilities/isolation/a/", import.meta.url);
const PKG = new URL("mod.ts", PKG_DIR);

// The process-per-package peer: the same module behind a JSON-lines loop on stdin/stdout.
const SERVER = `
import * as mod from ${JSON.stringify(PKG.href)};
const dec = new TextDecoder(), enc = new TextEncoder();
let buf = "";
for await (const chunk of Deno.stdin.readable) {
  buf += dec.decode(chunk, { stream: true });
  let nl;
  while ((nl = buf.indexOf("\\n")) >= 0) {
    const { id, fn, args } = JSON.parse(buf.slice(0, nl));
    buf = buf.slice(nl + 1);
    let reply;
    try { reply = { id, ok: true, value: await mod[fn](...args) }; }
    catch (e) { reply = { id, ok: false, name: e.constructor.name }; }
    await Deno.stdout.write(enc.encode(JSON.stringify(reply) + "\\n"));
  }
}
`;

class ProcessPackage {
  readonly child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #reader: ReadableStreamDefaultReader<string>;
  #buf = "";
  #id = 0;

  constructor(serverPath: string, flags: string[]) {
    this.child = new Deno.Command(Deno.execPath(), {
      args: ["run", ...flags, serverPath],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#writer = this.child.stdin.getWriter();
    this.#reader = this.child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  }

  async call(fn: string, ...args: unknown[]): Promise<unknown> {
    const id = this.#id++;
    await this.#writer.write(new TextEncoder().encode(JSON.stringify({ id, fn, args }) + "\n"));
    for (;;) {
      const nl = this.#buf.indexOf("\n");
      if (nl >= 0) {
        const reply = JSON.parse(this.#buf.slice(0, nl));
        this.#buf = this.#buf.slice(nl + 1);
        if (!reply.ok) throw new Error(reply.name);
        return reply.value;
      }
      const { value, done } = await this.#reader.read();
      if (done) throw new Error("package process ended");
      this.#buf += value;
    }
  }

  async close(): Promise<void> {
    await this.#writer.close();
    await this.child.status;
    this.#reader.releaseLock();
  }
}

function rssMiB(): number {
  return Deno.memoryUsage().rss / 1024 / 1024;
}

function childRssMiB(pid: number): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const m = status.match(/VmRSS:\s+(\d+) kB/);
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Runs the benchmark and prints the table.
 *
 * @param argv `--calls N` (round trips per peer, default 2000), `--starts N` (start-ups per
 *   peer, default 10)
 */
export async function main(argv: string[] = Deno.args): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      calls: { type: "string", default: "2000" },
      starts: { type: "string", default: "10" },
    },
  });
  const calls = Number(values.calls), starts = Number(values.starts);
  const tmp = await Deno.makeTempDir({ prefix: "mochi-iso-bench-" });
  try {
    const file = `${tmp}/data.txt`;
    await Deno.writeTextFile(file, "bench\n");
    const caps = [`fs.read:${tmp}`];
    const serverPath = `${tmp}/server.ts`;
    await Deno.writeTextFile(serverPath, SERVER);
    const procFlags = [
      ...lowerToDeno([...caps, `fs.read:${decodeURIComponent(PKG_DIR.pathname)}`]).flags,
    ];

    // 1. In-process baseline.
    const mod = await import(PKG.href);
    let t = performance.now();
    for (let i = 0; i < calls; i++) mod.read(file);
    const directUs = (performance.now() - t) * 1000 / calls;

    // 2. Worker per package.
    const workerStarts: number[] = [];
    for (let i = 0; i < starts; i++) {
      t = performance.now();
      const w = PackageWorker.start({ name: "a", moduleUrl: PKG, capabilities: caps });
      await w.call("read", file);
      workerStarts.push(performance.now() - t);
      w.terminate();
    }
    const rssBefore = rssMiB();
    const workers = Array.from(
      { length: 8 },
      () => PackageWorker.start({ name: "a", moduleUrl: PKG, capabilities: caps }),
    );
    await Promise.all(workers.map((w) => w.call("read", file)));
    const workerRss = (rssMiB() - rssBefore) / workers.length;
    const w0 = workers[0]!;
    t = performance.now();
    for (let i = 0; i < calls; i++) await w0.call("read", file);
    const workerUs = (performance.now() - t) * 1000 / calls;
    for (const w of workers) w.terminate();

    // 3. Process per package.
    const procStarts: number[] = [];
    for (let i = 0; i < starts; i++) {
      t = performance.now();
      const p = new ProcessPackage(serverPath, procFlags);
      await p.call("read", file);
      procStarts.push(performance.now() - t);
      await p.close();
    }
    const p = new ProcessPackage(serverPath, procFlags);
    await p.call("read", file);
    const procRss = childRssMiB(p.child.pid);
    t = performance.now();
    for (let i = 0; i < calls; i++) await p.call("read", file);
    const procUs = (performance.now() - t) * 1000 / calls;
    await p.close();

    const ws = median(workerStarts), ps = median(procStarts);
    console.log(`one call = read a small file; ${calls} calls, ${starts} start-ups (median)`);
    console.log(`  in-process call          ${directUs.toFixed(1)} µs`);
    console.log(
      `  worker call              ${workerUs.toFixed(1)} µs  (${
        (workerUs / directUs).toFixed(1)
      }x in-process)`,
    );
    console.log(
      `  process call (stdio)     ${procUs.toFixed(1)} µs  (${
        (procUs / directUs).toFixed(1)
      }x in-process, ${(procUs / workerUs).toFixed(1)}x worker)`,
    );
    console.log(`  worker start-up          ${ws.toFixed(1)} ms`);
    console.log(
      `  process start-up         ${ps.toFixed(1)} ms  (${(ps / ws).toFixed(1)}x worker)`,
    );
    console.log(`  memory per worker        ${workerRss.toFixed(1)} MiB RSS`);
    console.log(
      `  memory per process       ${procRss.toFixed(1)} MiB RSS  (${
        (procRss / workerRss).toFixed(1)
      }x worker)`,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

if (import.meta.main) await main();
