/**
 * Signature verification benchmark, on the demo graph (`fixtures/demo/mochi.toml` over
 * `fixtures/crates-index`, converted to a mochi registry):
 *
 * 1. Bundle verification per package: {@link verifyLockedPackage} (trusted root, certificate
 *    chain, SCT, transparency-log inclusion, DSSE signature, subject digests, signer) on each
 *    package's bundle, in process, next to the BLAKE3 + SHA-256 check of the same blob
 *    (`digestBytes`, which every install runs anyway). Prints the median and p95 per package and
 *    the ratio verify / digest.
 * 2. The cost verification adds to an install of the demo: `mochi install` as a subprocess with
 *    `mochi.lock` present and the index cache warm, from a signed copy of the registry and from
 *    the unsigned original, alternated run by run, each served by `mochi registry serve` on
 *    127.0.0.1. (a) "fetch": the store is emptied before each run, so every blob is fetched and
 *    every bundle verified; (b) "warm": the store already holds every blob, nothing is fetched
 *    and nothing verified; (c) "refetch": blobs gone, the store's verified-bundle records kept.
 *    Prints medians and the ratio signed / unsigned, and for (a) also of the CPU time (user +
 *    system, from GNU time where the machine has it), steadier than wall time on a loaded machine.
 *
 * The signed copy is made in this run: each demo package is signed with `@sigstore/sign` against
 * a loopback fake Fulcio + Rekor (`tests/fake_sigstore.ts`) whose trusted root the installs use.
 *
 * Usage: `deno run -A bench/sigstore_bench.ts [--runs 5]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import { signStatement } from "../src/publish/client/sign.ts";
import {
  formatIndexRecord,
  indexPath,
  type IndexRecord,
  parseIndexFile,
} from "../src/index/mod.ts";
import { loadSignatureVerifier, verifyLockedPackage } from "../src/install/signatures.ts";
import { type LockedPackage, parseLockfile } from "../src/lockfile/mod.ts";
import { provenanceStatement } from "../src/publish/mod.ts";
import { digestBytes } from "../src/store/mod.ts";
import { convertCratesIndex } from "../scripts/convert_crates_index.ts";
import { type RegistryProcess, spawnRegistryServer } from "../scripts/_serve.ts";
import { startFakeSigstore } from "../tests/fake_sigstore.ts";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const cacheDir = `${root}/.cache/sigstore-bench`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function p95(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]!;
}

async function serve(dir: string): Promise<RegistryProcess> {
  const r = await spawnRegistryServer(dir);
  if ("error" in r) throw new Error(`registry server did not start: ${r.error}`);
  return r;
}

async function stop(p: RegistryProcess): Promise<void> {
  p.child.kill("SIGTERM");
  await p.child.status;
  await p.child.stdout.cancel().catch(() => {});
  await p.child.stderr.cancel().catch(() => {});
}

/** GNU time, when the machine has it: the CPU time (user + system) of each install. */
const gnuTime = await Deno.stat("/usr/bin/time").then(() => "/usr/bin/time", () => undefined);

async function cli(
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<{ ms: number; cpuMs: number; stdout: string }> {
  const timeFile = gnuTime === undefined ? undefined : await Deno.makeTempFile();
  const mochi = [Deno.execPath(), "run", "-A", `${root}/cli.ts`, ...args];
  const cmd = timeFile === undefined ? mochi : [gnuTime!, "-o", timeFile, "-f", "%U %S", ...mochi];
  const t0 = performance.now();
  const out = await new Deno.Command(cmd[0]!, {
    args: cmd.slice(1),
    cwd,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const ms = performance.now() - t0;
  const dec = new TextDecoder();
  if (out.code !== 0) {
    throw new Error(
      `mochi ${args.join(" ")} failed (${out.code}): ${dec.decode(out.stderr).slice(0, 2000)}`,
    );
  }
  let cpuMs = NaN;
  if (timeFile !== undefined) {
    const [user, sys] = (await Deno.readTextFile(timeFile)).trim().split("\n").at(-1)!.split(" ");
    cpuMs = (Number(user) + Number(sys)) * 1000;
    await Deno.remove(timeFile);
  }
  return { ms, cpuMs, stdout: dec.decode(out.stdout) };
}

async function pool<T>(items: T[], limit: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** Runs the benchmark and prints its tables. */
export async function main(runs = 5): Promise<void> {
  const unsignedDir = `${cacheDir}/unsigned`;
  if (!(await Deno.stat(`${unsignedDir}/config.json`).catch(() => null))) {
    console.log("converting fixtures/crates-index into a mochi registry (cached afterwards)…");
    await convertCratesIndex(`${root}/fixtures/crates-index`, unsignedDir);
  }
  const tmp = await Deno.makeTempDir({ prefix: "mochi-sigbench-" });
  await using fake = await startFakeSigstore();
  const rootFile = `${tmp}/trusted_root.json`;
  await Deno.writeTextFile(rootFile, fake.trustedRootJson);
  const manifest = await Deno.readTextFile(`${root}/fixtures/demo/mochi.toml`);
  let unsignedServer: RegistryProcess | undefined;
  let signedServer: RegistryProcess | undefined;
  try {
    // The demo graph, locked against the unsigned registry.
    unsignedServer = await serve(unsignedDir);
    const plain = `${tmp}/plain`;
    await Deno.mkdir(plain);
    await Deno.writeTextFile(`${plain}/mochi.toml`, manifest);
    const plainEnv = { MOCHI_HOME: `${tmp}/home-plain`, MOCHI_REGISTRY: unsignedServer.url };
    await cli(["lock"], plain, plainEnv);
    const locked = parseLockfile(await Deno.readTextFile(`${plain}/mochi.lock`)).packages;

    // A signed copy: every demo package gets a bundle and `pr` in its index record.
    const signedDir = `${tmp}/signed`;
    await new Deno.Command("cp", { args: ["-r", unsignedDir, signedDir] }).output();
    const san = "https://github.com/bench/demo/.github/workflows/release.yml@refs/tags/v1";
    const token = fake.token(san);
    const t0 = performance.now();
    const bundles = new Map<string, string>();
    await pool(locked, 8, async (p) => {
      const statement = provenanceStatement({
        name: p.name,
        version: p.version,
        digest: { blake3: p.blake3!, sha256: p.sha256! },
        builderId: "https://mochi-lang.org/pkg/bench",
      });
      const bundle = await signStatement({
        statement,
        identityToken: token,
        fulcioUrl: fake.url,
        rekorUrl: fake.url,
      });
      await Deno.writeTextFile(`${signedDir}/blobs/${p.blake3}.sigstore`, bundle);
      bundles.set(p.blake3!, bundle);
    });
    const signMs = performance.now() - t0;
    const byName = new Map<string, LockedPackage[]>();
    for (const p of locked) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
    for (const [name, pkgs] of byName) {
      const file = `${signedDir}/${indexPath(name)}`;
      const recs = parseIndexFile(name, await Deno.readTextFile(file));
      const out = recs.map((r): IndexRecord =>
        pkgs.some((p) => p.version === r.version)
          ? {
            ...r,
            provenance: {
              sig: `blobs/${r.blake3}.sigstore`,
              san,
              iss: "https://token.actions.githubusercontent.com",
            },
          }
          : r
      );
      await Deno.writeTextFile(file, out.map((r) => formatIndexRecord(r) + "\n").join(""));
    }
    console.log(
      `signed ${locked.length} demo packages against the loopback Fulcio + Rekor in ${
        (signMs / 1000).toFixed(1)
      } s`,
    );

    // 1. Per-package bundle verification vs the digest check of the same blob.
    const lockedSigned = locked.map((p) => ({
      ...p,
      signer: "https://github.com/bench/demo/.github/workflows/release.yml",
      signerIssuer: "https://token.actions.githubusercontent.com",
    }));
    await loadSignatureVerifier();
    const verifyMs: number[] = [];
    const digestMs: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (const p of lockedSigned) {
        const blob = await Deno.readFile(`${signedDir}/blobs/${p.blake3}`);
        const bundle = bundles.get(p.blake3!)!;
        const a = performance.now();
        verifyLockedPackage(p, bundle, fake.trustedRootJson);
        const b = performance.now();
        await digestBytes(blob);
        const c = performance.now();
        if (round > 0) { // round 0 warms up JIT and caches
          verifyMs.push(b - a);
          digestMs.push(c - b);
        }
      }
    }
    const blobSizes = await Promise.all(
      locked.map(async (p) => (await Deno.stat(`${signedDir}/blobs/${p.blake3}`)).size),
    );
    console.log(
      `\n-- bundle verification per package (${locked.length} packages, 2 rounds; median blob ${
        median(blobSizes)
      } bytes) --`,
    );
    console.log(
      `verifyLockedPackage   median ${median(verifyMs).toFixed(2)} ms   p95 ${
        p95(verifyMs).toFixed(2)
      } ms`,
    );
    console.log(
      `digestBytes (peer)    median ${median(digestMs).toFixed(2)} ms   p95 ${
        p95(digestMs).toFixed(2)
      } ms`,
    );
    console.log(
      `ratio verify / digest of the same package: ${
        (median(verifyMs) / median(digestMs)).toFixed(1)
      }x`,
    );

    // 2. Install of the demo: signed vs unsigned registry.
    signedServer = await serve(signedDir);
    const signed = `${tmp}/signedproj`;
    await Deno.mkdir(signed);
    await Deno.writeTextFile(`${signed}/mochi.toml`, manifest);
    const signedEnv = {
      MOCHI_HOME: `${tmp}/home-signed`,
      MOCHI_REGISTRY: signedServer.url,
      MOCHI_SIGSTORE_ROOT: rootFile,
    };
    await cli(["lock"], signed, signedEnv);
    const fetchTimes = { signed: [] as number[], unsigned: [] as number[] };
    const fetchCpu = { signed: [] as number[], unsigned: [] as number[] };
    const warmTimes = { signed: [] as number[], unsigned: [] as number[] };
    const refetchTimes = { signed: [] as number[], unsigned: [] as number[] };
    let verifiedLine = "";
    for (let i = 0; i < runs; i++) {
      for (
        const [kind, dir, env] of [["signed", signed, signedEnv], [
          "unsigned",
          plain,
          plainEnv,
        ]] as const
      ) {
        await Deno.remove(`${env.MOCHI_HOME}/store`, { recursive: true }).catch(() => {});
        const fetched = await cli(["install"], dir, env);
        fetchTimes[kind].push(fetched.ms);
        fetchCpu[kind].push(fetched.cpuMs);
        if (kind === "signed") {
          verifiedLine = fetched.stdout.split("\n").find((l) => l.startsWith("Verified")) ?? "";
        }
        warmTimes[kind].push((await cli(["install"], dir, env)).ms);
        // The blobs gone again, the store's verified-bundle records kept (store/verified/).
        for (const part of ["blobs", "extracted"]) {
          await Deno.remove(`${env.MOCHI_HOME}/store/${part}`, { recursive: true }).catch(() => {});
        }
        refetchTimes[kind].push((await cli(["install"], dir, env)).ms);
      }
    }
    console.log(
      `\n-- mochi install of the demo (${locked.length} packages, lock present, index cache warm; ${runs} runs each, alternated) --`,
    );
    console.log(`signed run says: ${verifiedLine}`);
    const row = (label: string, t: { signed: number[]; unsigned: number[] }) =>
      console.log(
        `${label}  signed ${median(t.signed).toFixed(0)} ms   unsigned ${
          median(t.unsigned).toFixed(0)
        } ms   ratio signed / unsigned ${(median(t.signed) / median(t.unsigned)).toFixed(2)}   (+${
          (median(t.signed) - median(t.unsigned)).toFixed(0)
        } ms)`,
      );
    row("fetch (empty store)", fetchTimes);
    if (gnuTime !== undefined) row("  CPU (user + sys)  ", fetchCpu);
    row("warm (store full)  ", warmTimes);
    row("refetch (records kept)", refetchTimes);
    console.log(`load average at the end: ${Deno.loadavg().map((x) => x.toFixed(1)).join(" ")}`);
  } finally {
    if (signedServer) await stop(signedServer);
    if (unsignedServer) await stop(unsignedServer);
    await Deno.remove(tmp, { recursive: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { runs: { type: "string" } } });
  await main(Number(values.runs ?? "5"));
}
