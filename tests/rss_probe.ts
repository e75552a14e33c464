/**
 * Subprocess probe for `extract_memory_test.ts`: runs one `mochi` command line through the CLI's
 * `main` (the code path of the binary) and prints `{ "code": <exit status>, "peakRssKiB":
 * <VmHWM> }`, so the peak memory of a real command is measured in a process of its own.
 *
 * Usage: deno run -A tests/rss_probe.ts <mochi arguments…>
 *
 * @module
 */
import { main } from "../cli.ts";

const code = await main(Deno.args);
const status = await Deno.readTextFile("/proc/self/status");
const peak = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
console.log(JSON.stringify({ code, peakRssKiB: peak }));
Deno.exit(0);
