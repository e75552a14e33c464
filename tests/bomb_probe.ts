/**
 * Subprocess probe for `bomb_test.ts`: reads one archive through the store's reader and prints
 * `{ "code": <error code or "ok">, "peakRssKiB": <VmHWM> }`, so peak memory is measured in a
 * process of its own (the test compares a bomb with a small valid archive, same run).
 *
 * Usage: deno run -A tests/bomb_probe.ts <baseline|bomb> <zeroBytes> [maxUnpackedBytes]
 *
 * @module
 */
import { readArchive } from "../src/store/archive.ts";
import { writeArchive } from "../src/store/archive.ts";
import { zeroFileBomb } from "../src/store/tar_builder_testing.ts";

const [mode, zeroArg, capArg] = Deno.args;
const archive = mode === "bomb"
  ? zeroFileBomb(Number(zeroArg))
  : await writeArchive([{ path: "a.txt", bytes: new TextEncoder().encode("hello") }]);
const policy = capArg === undefined ? {} : { unpackFloorBytes: Number(capArg), unpackRatio: 0 };
let code = "ok";
try {
  for await (const _ of readArchive(ReadableStream.from([archive]), policy)) {
    // consume
  }
} catch (e) {
  code = (e as { code?: string }).code ?? String(e);
}
const status = await Deno.readTextFile("/proc/self/status");
const peak = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
console.log(JSON.stringify({ code, peakRssKiB: peak, compressedBytes: archive.length }));
