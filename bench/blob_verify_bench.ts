/**
 * Blob verification benchmark: mochi's one-pass BLAKE3 + SHA-256 check of a 256 MiB file read
 * from disk in 1 MiB chunks into one reused buffer (`digestFile` in `src/store/fs/fs_store.ts`,
 * as `FsStore.verify` runs it), next to `sha256sum` and `b3sum` on the same file in the same run.
 * The file is read once first so every tool hashes from the page cache. Prints throughput
 * (MB/s, 10^6 bytes) per tool, the ratios ours / peer (above 1 means mochi is faster), and how
 * much mochi's RSS grows while hashing (sampled every 5 ms) to show memory stays bounded.
 *
 * The goal (issue 17, goal 2) is the in-process ratio: the one-pass digest against node:crypto
 * SHA-256 alone over the same bytes read the same way (same 1 MiB buffer, same loop) — the SHA-256
 * floor; at least 0.8. Mochi's variants: the default (BLAKE3 native where `@napi-rs/blake-hash`
 * loads, see `src/store/fs/native_blake3.ts`, else WebAssembly), WebAssembly forced, and
 * WebAssembly in a Worker; the table says which BLAKE3 each ran.
 *
 * Peers: `sha256sum` (coreutils) and `b3sum` (`apt-get install -y b3sum`; multi-threaded by
 * default, so `b3sum --num-threads 1` is timed too). Mochi computes both digests, so the fairest
 * peer is the two tools run back to back ("sha256sum + b3sum"). All variants (mochi's and SHA-256
 * alone) alternate run by run so a neighbour's load hits them alike.
 *
 * Usage: `deno run -A bench/blob_verify_bench.ts [--size-mib 256] [--runs 5]`
 *
 * @module
 */

import { parseArgs } from "node:util";
import { createHash } from "node:crypto";
import { digestFile } from "../src/store/fs/fs_store.ts";
import { blake3Engine, type Digest, type DigestOptions } from "../src/store/digest.ts";

interface Timing {
  name: string;
  seconds: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function makeFile(path: string, bytes: number): Promise<void> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  try {
    const chunk = new Uint8Array(1024 * 1024);
    for (let written = 0; written < bytes; written += chunk.length) {
      for (let i = 0; i < chunk.length; i += 65536) {
        crypto.getRandomValues(chunk.subarray(i, i + 65536));
      }
      const part = chunk.subarray(0, Math.min(chunk.length, bytes - written));
      let off = 0;
      while (off < part.length) off += await file.write(part.subarray(off));
    }
  } finally {
    file.close();
  }
}

/** node:crypto SHA-256 alone, over the file read exactly as `digestFile` reads it. */
async function sha256Only(path: string): Promise<string> {
  const file = await Deno.open(path, { read: true });
  try {
    const sha = createHash("sha256");
    const buf = new Uint8Array(1024 * 1024);
    while (true) {
      let n = 0;
      while (n < buf.length) {
        const r = await file.read(buf.subarray(n));
        if (r === null) break;
        n += r;
      }
      if (n > 0) sha.update(buf.subarray(0, n));
      if (n < buf.length) break;
    }
    return sha.digest("hex");
  } finally {
    file.close();
  }
}

async function run(cmd: string, args: string[]): Promise<{ seconds: number; stdout: string }> {
  const t0 = performance.now();
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const seconds = (performance.now() - t0) / 1000;
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return { seconds, stdout: new TextDecoder().decode(out.stdout) };
}

async function available(cmd: string): Promise<boolean> {
  try {
    await run(cmd, ["--version"]);
    return true;
  } catch {
    return false;
  }
}

/** Time one peer command `runs` times; check its digest against ours. */
async function timePeer(
  name: string,
  cmd: string,
  args: string[],
  runs: number,
  expectHex: string,
): Promise<Timing> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await run(cmd, args);
    times.push(r.seconds);
    const hex = r.stdout.split(/\s+/)[0];
    if (hex !== expectHex) throw new Error(`${name} says ${hex}, mochi ${expectHex}`);
  }
  return { name, seconds: median(times) };
}

/**
 * Run the benchmark and print its table.
 *
 * @param argv `--size-mib N` (default 256), `--runs N` (default 5)
 */
export async function main(argv: string[] = Deno.args): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      "size-mib": { type: "string", default: "256" },
      runs: { type: "string", default: "5" },
    },
  });
  const sizeBytes = Number(values["size-mib"]) * 1024 * 1024;
  const runs = Math.max(1, Number(values.runs));
  const dir = await Deno.makeTempDir({ prefix: "mochi-blob-bench-" });
  const path = `${dir}/blob.bin`;
  try {
    console.log(`creating ${sizeBytes / 1024 / 1024} MiB of random bytes in ${path} ...`);
    await makeFile(path, sizeBytes);
    // Warm the page cache for every tool alike (output discarded, not buffered).
    await new Deno.Command("cat", { args: [path], stdout: "null", stderr: "null" }).output();

    const rssBefore = Deno.memoryUsage().rss;
    let peakRss = rssBefore;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, Deno.memoryUsage().rss);
    }, 5);
    const engine = await blake3Engine();
    const variants: [string, DigestOptions | "sha256"][] = [
      [`mochi (default: ${engine} BLAKE3)`, {}],
      ...(engine === "native"
        ? [["mochi (wasm BLAKE3)", { blake3: "wasm" }] as [string, DigestOptions]]
        : []),
      ["mochi (wasm BLAKE3 in a Worker)", { parallel: true }],
      ["node:crypto SHA-256 alone", "sha256"],
    ];
    const times: number[][] = variants.map(() => []);
    const rssGrowth = variants.map(() => 0);
    let ours: Digest | undefined;
    try {
      for (let i = 0; i < runs; i++) {
        for (const [v, [, options]] of variants.entries()) {
          const start = Deno.memoryUsage().rss;
          peakRss = start;
          const t0 = performance.now();
          if (options === "sha256") {
            const hex = await sha256Only(path);
            times[v]!.push((performance.now() - t0) / 1000);
            if (ours && hex !== ours.sha256) throw new Error("SHA-256 alone disagrees");
          } else {
            const d = await digestFile(path, options);
            times[v]!.push((performance.now() - t0) / 1000);
            if (ours && (d.blake3 !== ours.blake3 || d.sha256 !== ours.sha256)) {
              throw new Error("the mochi variants disagree");
            }
            ours = d;
          }
          peakRss = Math.max(peakRss, Deno.memoryUsage().rss);
          rssGrowth[v] = Math.max(rssGrowth[v]!, peakRss - start);
        }
      }
    } finally {
      clearInterval(sampler);
    }
    const digest = ours!;
    const results: Timing[] = variants.map(([name], v) => ({ name, seconds: median(times[v]!) }));

    const peers: Timing[] = [];
    const missing: string[] = [];
    if (await available("sha256sum")) {
      peers.push(await timePeer("sha256sum", "sha256sum", [path], runs, digest.sha256));
    } else missing.push("sha256sum");
    if (await available("b3sum")) {
      peers.push(await timePeer("b3sum", "b3sum", [path], runs, digest.blake3));
      peers.push(
        await timePeer(
          "b3sum --num-threads 1",
          "b3sum",
          ["--num-threads", "1", path],
          runs,
          digest.blake3,
        ),
      );
    } else missing.push("b3sum (could not be run; install it with `apt-get install -y b3sum`)");
    const sha = peers.find((p) => p.name === "sha256sum");
    const b3 = peers.find((p) => p.name === "b3sum");
    if (sha && b3) peers.push({ name: "sha256sum + b3sum", seconds: sha.seconds + b3.seconds });

    const mbps = (t: Timing) => sizeBytes / 1e6 / t.seconds;
    console.log(`\nfile: ${sizeBytes} bytes; median of ${runs} run(s); page cache warm`);
    console.log(`blake3 ${digest.blake3}\nsha256 ${digest.sha256}\n`);
    console.log("tool".padEnd(30) + "seconds".padStart(10) + "MB/s".padStart(10));
    for (const t of [...results, ...peers]) {
      console.log(
        t.name.padEnd(30) + t.seconds.toFixed(3).padStart(10) + mbps(t).toFixed(0).padStart(10),
      );
    }
    const floor = results.at(-1)!;
    console.log(`\nBLAKE3 engine of the default: ${engine}`);
    console.log(
      "goal 2: one-pass digest / node:crypto SHA-256 alone (same bytes, same reads; >= 0.8)",
    );
    for (const o of results.slice(0, -1)) {
      console.log(`  ${o.name}: ${(mbps(o) / mbps(floor)).toFixed(2)}`);
    }
    console.log("\nratios, throughput ours / peer (above 1: mochi faster)");
    for (const o of results.slice(0, -1)) {
      for (const p of peers) {
        console.log(`  ${o.name} / ${p.name}: ${(mbps(o) / mbps(p)).toFixed(2)}`);
      }
    }
    for (const m of missing) console.log(`peer not available: ${m}`);
    const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
    console.log(`\nmochi RSS before hashing: ${mib(rssBefore)} MiB; largest growth in one run:`);
    for (const [v, [name]] of variants.entries()) {
      console.log(`  ${name}: +${mib(rssGrowth[v]!)} MiB while hashing ${mib(sizeBytes)} MiB`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
