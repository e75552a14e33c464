/**
 * `deno task bench`: runs every benchmark of `bench/` in turn. Each prints ratios against its
 * peer measured in the same run (these machines are shared and noisy; absolute times are not
 * comparable between runs).
 *
 * @module
 */
import { main as resolveBench } from "./resolve_bench.ts";
import { main as blobVerifyBench } from "./blob_verify_bench.ts";

console.log("== resolve: mochi lock vs cargo generate-lockfile ==");
await resolveBench(3);
console.log("\n== blob verification: one pass BLAKE3 + SHA-256 vs sha256sum and b3sum ==");
await blobVerifyBench([]);
console.log("\n== signed index snapshot: cold resolve against a signed vs an unsigned registry ==");
await (await import("./snapshot_bench.ts")).main(5);
