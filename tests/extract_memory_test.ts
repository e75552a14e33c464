/**
 * Issue 11 item 12: extraction memory. An incompressible blob used to be held three times
 * (read into memory, copied by the archive reader, decompressed from that copy), and eight
 * extracted at once. Now a blob is read once into a buffer of its size, decompressed in place,
 * and the bytes of blobs extracted at once are bounded (`LIMITS.extractInFlightBytes`). The peak
 * memory of `mochi install` is measured through the CLI in a process of its own and compared
 * with a tiny install in the same run.
 */
import { assert, assertEquals } from "./assert.ts";
import { ROOT, writeProject, writeRegistry } from "./helpers.ts";
import { withSandbox } from "./sandbox.ts";
import { buildTarZst } from "../src/store/tar_builder_testing.ts";

const MiB = 1024 * 1024;

/** Bytes no compressor can shrink (xorshift32). */
function noise(sizeBytes: number, seed: number): Uint8Array {
  const out = new Uint8Array(sizeBytes);
  const words = new Uint32Array(out.buffer, 0, sizeBytes >>> 2);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return out;
}

async function peakOf(args: string[], env: Record<string, string>): Promise<number> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}/tests/rss_probe.ts`, ...args],
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim().split("\n").pop()!;
  const r = JSON.parse(text) as { code: number; peakRssKiB: number };
  assertEquals(r.code, 0, new TextDecoder().decode(out.stderr));
  return r.peakRssKiB / 1024;
}

Deno.test("mochi install of two incompressible 96 MiB packages stays near one blob in memory (vs a tiny install, same run)", async () => {
  await withSandbox(async (sb) => {
    const registry = `${sb.root}/registry`;
    await writeRegistry(registry, [
      { name: "tiny", version: "1.0.0" },
      {
        name: "noise-a",
        version: "1.0.0",
        archive: buildTarZst([{ name: "a.bin", body: noise(96 * MiB, 1) }]),
      },
      {
        name: "noise-b",
        version: "1.0.0",
        archive: buildTarZst([{ name: "b.bin", body: noise(96 * MiB, 2) }]),
      },
    ]);
    const env = { ...sb.env, MOCHI_REGISTRY: registry };
    await writeProject(`${sb.root}/small`, { tiny: "1" });
    await writeProject(`${sb.root}/big`, { "noise-a": "1", "noise-b": "1" });
    const baseline = await peakOf(["install", "-q", "-C", `${sb.root}/small`], env);
    const big = await peakOf(["install", "-q", "-C", `${sb.root}/big`], env);
    assert((await Deno.stat(`${sb.store}/extracted`)).isDirectory);
    const extraMiB = big - baseline;
    console.log(
      `peak RSS: tiny install ${baseline.toFixed(0)} MiB, 2 × 96 MiB ${big.toFixed(0)} MiB`,
    );
    // Old code: each blob held three times, both at once: ~580 MiB more. Now: both blobs fit the
    // in-flight budget (256 MiB) once each: ~192 MiB, plus stream buffers.
    assert(
      extraMiB < 300,
      `installing 2 × 96 MiB cost ${extraMiB.toFixed(0)} MiB more than a tiny install`,
    );
  });
});
