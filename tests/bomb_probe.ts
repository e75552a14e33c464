/**
 * Subprocess probe for `bomb_test.ts`: reads one archive through the store's reader and prints
 * `{ "code": <error code or "ok">, "peakRssKiB": <VmHWM> }`, so peak memory is measured in a
 * process of its own (the test compares a bomb with a small valid archive, same run).
 *
 * Usage: deno run -A tests/bomb_probe.ts <baseline|bomb> <zeroBytes> [maxUnpackedBytes]
 *        deno run -A tests/bomb_probe.ts extract <zeroBytes> <storeDir>
 *   (`extract`: put a `zeroBytes` zero file archive in a store at `storeDir` and extract it)
 *
 * @module
 */
import { readArchive } from "../src/store/archive.ts";
import { writeArchive } from "../src/store/archive.ts";
import { zeroFileBomb } from "../src/store/tar_builder_testing.ts";
import { digestBytes } from "../src/store/digest.ts";
import { openStoreSession } from "../src/store/fs/session.ts";

const [mode, zeroArg, capArg] = Deno.args;
if (mode === "extract") {
  const archive = zeroFileBomb(Number(zeroArg));
  // capArg is a store root, `<mochiHome>/store`
  const session = await openStoreSession(capArg!.replace(/\/store\/?$/, ""), "shared");
  const store = session.store;
  const d = await digestBytes(archive);
  await store.putBytes(archive, d, "zeros");
  let code = "ok";
  try {
    const dir = await store.extract(d.blake3);
    const size = (await Deno.stat(`${dir}/zeros`)).size;
    if (size !== Number(zeroArg)) code = `extracted ${size} bytes`;
  } catch (e) {
    code = (e as { code?: string }).code ?? String(e);
  }
  await session.release();
  const status = await Deno.readTextFile("/proc/self/status");
  const peak = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  console.log(JSON.stringify({ code, peakRssKiB: peak, compressedBytes: archive.length }));
  Deno.exit(0);
}
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
