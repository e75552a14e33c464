/**
 * Issue 19: the registry on object storage. On a real S3-compatible server (moto on 127.0.0.1,
 * see tests/s3_server.ts):
 *
 * - publish throughput (signed publishes per second, 8 in flight) with one `mochi registry
 *   serve --allow-publish --snapshot-key` process on the bucket, then with two on another bucket
 *   (requests alternate), and the ratio two / one;
 * - index-file and blob GET throughput (16 in flight) of `registry serve` over the bucket and
 *   over a directory holding the same files, and the ratio bucket / directory.
 *
 * Both figures of each ratio are measured in the same run. moto keeps objects in memory in one
 * Python process: it is the bottleneck, not a model of S3's latency.
 *
 * Usage: deno run -A bench/registry_scale_bench.ts [publishes] [gets]
 *
 * @module
 */
import { packPackage } from "../src/publish/client/pack.ts";
import { signStatement } from "../src/publish/client/sign.ts";
import { provenanceStatement } from "../src/publish/mod.ts";
import { serveRegistry } from "../src/registry/server/registry_server.ts";
import {
  writeRegistrySnapshot,
  writeSnapshotKeyFile,
} from "../src/registry/server/registry_snapshot.ts";
import { openStorage } from "../src/registry/server/storage.ts";
import { startFakeSigstore, workflowSan } from "../tests/fake_sigstore.ts";
import { s3ServerMissing, startS3Server } from "../tests/s3_server.ts";

const ROOT = new URL("..", import.meta.url).pathname;

async function pool<T>(items: T[], limit: number, fn: (t: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  }));
}

async function startServer(registry: string, env: Record<string, string>, args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}cli.ts`, "registry", "serve", registry, "--port", "0", ...args],
    env,
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`registry serve exited: ${text}`);
    text += value;
    const m = /at (http:\/\/\S+)/.exec(text);
    if (m !== null) {
      reader.releaseLock();
      return {
        url: m[1]!,
        async stop() {
          child.kill("SIGTERM");
          await child.status;
          await child.stdout.cancel().catch(() => {});
        },
      };
    }
  }
}

/**
 * Runs the benchmark.
 *
 * @param publishes signed publishes per configuration (default 40)
 * @param gets GET requests per kind and backend (default 400)
 */
export async function main(publishes = 40, gets = 400): Promise<void> {
  const missing = s3ServerMissing();
  if (missing !== undefined) {
    console.log(`skipped: ${missing}`);
    return;
  }
  const tmp = await Deno.makeTempDir({ prefix: "mochi-registry-scale-bench-" });
  await using s3 = await startS3Server();
  await using fake = await startFakeSigstore();
  try {
    await Deno.writeTextFile(`${tmp}/root.json`, fake.trustedRootJson);
    const san = workflowSan("acme/bench", "v1.0.0");
    const uploads: { tarball: Uint8Array; bundle: string }[] = [];
    await pool(Array.from({ length: publishes }, (_, i) => i), 4, async (i) => {
      const dir = `${tmp}/p${i}`;
      await Deno.mkdir(`${dir}/src`, { recursive: true });
      const name = `@acme/pkg${String.fromCharCode(97 + (i % 8))}${"xyz"[i % 3]}`;
      await Deno.writeTextFile(
        `${dir}/mochi.toml`,
        `[package]\nname = "${name}"\nversion = "1.0.${i}"\nedition = "2026"\nmochi = ">=0.7"\n` +
          `description = "bench"\nlicense = "MIT"\nreadme = "README.md"\n` +
          `repository = "https://github.com/acme/bench"\n`,
      );
      await Deno.writeTextFile(`${dir}/README.md`, `# ${name}\n`);
      await Deno.writeTextFile(`${dir}/src/lib.mochi`, `fun f(): int { return ${i} }\n`);
      const p = await packPackage({ projectDir: dir });
      uploads[i] = {
        tarball: p.archive,
        bundle: await signStatement({
          statement: provenanceStatement({
            name,
            version: `1.0.${i}`,
            digest: p.digest,
            builderId: "https://github.com/actions/runner/github-hosted",
            repository: "https://github.com/acme/bench",
            commit: "0123456789abcdef0123456789abcdef01234567",
          }),
          identityToken: fake.token(san),
          fulcioUrl: fake.url,
          rekorUrl: fake.url,
        }),
      };
    });

    const rates: number[] = [];
    for (const servers of [1, 2]) {
      const bucket = `bench${servers}`;
      await s3.createBucket(bucket);
      const registry = `s3://${bucket}/r`;
      const storage = await openStorage(registry, { env: s3.env });
      await storage.put("config.json", new TextEncoder().encode('{"dl":"blobs/","api":null}'));
      const key = `${tmp}/${bucket}.key`;
      await writeSnapshotKeyFile(key);
      await writeRegistrySnapshot(storage, { privateKeyFile: await Deno.readTextFile(key) });
      const args = ["--allow-publish", "--trusted-root", `${tmp}/root.json`, "--snapshot-key", key];
      const procs = await Promise.all(
        Array.from({ length: servers }, () => startServer(registry, s3.env, args)),
      );
      const t0 = performance.now();
      await pool(uploads, 8, async (u, i) => {
        const form = new FormData();
        form.set("tarball", new Blob([u.tarball as BlobPart]), "tarball");
        form.set("bundle", new Blob([u.bundle]), "bundle");
        const res = await fetch(`${procs[i % servers]!.url}api/v1/packages`, {
          method: "POST",
          body: form,
        });
        await res.body?.cancel();
        if (res.status !== 201) throw new Error(`publish ${i}: ${res.status}`);
      });
      const s = (performance.now() - t0) / 1000;
      rates.push(publishes / s);
      console.log(
        `publish, ${servers} server(s) on the bucket: ${publishes} in ${s.toFixed(1)} s = ` +
          `${(publishes / s).toFixed(1)}/s`,
      );
      await Promise.all(procs.map((p) => p.stop()));
    }
    console.log(`publish throughput, 2 servers / 1 server: ${(rates[1]! / rates[0]!).toFixed(2)}`);

    // The same files in a directory.
    const bucketStore = await openStorage("s3://bench2/r", { env: s3.env });
    const dirStore = await openStorage(`${tmp}/dir`);
    const keys: string[] = [];
    for await (const o of bucketStore.list("")) keys.push(o.key);
    for (const k of keys) await dirStore.put(k, (await bucketStore.get(k, 1 << 26))!.bytes);
    const indexKeys = keys.filter((k) => k.split("/").length === 4 && !k.startsWith("blobs/"));
    const blobKeys = keys.filter((k) => /^blobs\/[0-9a-f]{64}$/.test(k));
    const onS3 = serveRegistry(bucketStore);
    const onDir = serveRegistry(`${tmp}/dir`);
    try {
      for (const [kind, list] of [["index file", indexKeys], ["blob", blobKeys]] as const) {
        const rate: Record<string, number> = {};
        for (const [label, server] of [["directory", onDir], ["bucket", onS3]] as const) {
          const t0 = performance.now();
          await pool(
            Array.from({ length: gets }, (_, i) => list[i % list.length]!),
            16,
            async (k) => {
              const res = await fetch(`${server.url}${k}`);
              await res.arrayBuffer();
              if (res.status !== 200) throw new Error(`${k}: ${res.status}`);
            },
          );
          rate[label] = gets / ((performance.now() - t0) / 1000);
          console.log(`GET ${kind} from the ${label}: ${rate[label]!.toFixed(0)}/s`);
        }
        console.log(
          `GET ${kind} throughput, bucket / directory: ${
            (rate.bucket! / rate.directory!).toFixed(2)
          }`,
        );
      }
    } finally {
      await Promise.all([onS3.shutdown(), onDir.shutdown()]);
    }
    const load = (await Deno.readTextFile("/proc/loadavg").catch(() => "?")).split(" ")[0];
    console.log(`load average during the run: ${load} (2 CPUs)`);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

if (import.meta.main) {
  await main(Number(Deno.args[0] ?? 40), Number(Deno.args[1] ?? 400));
}
