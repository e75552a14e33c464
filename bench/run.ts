/**
 * `deno task bench`: runs every benchmark of `bench/` in turn. Each prints ratios against its
 * peer measured in the same run (these machines are shared and noisy; absolute times are not
 * comparable between runs).
 *
 * @module
 */
import { main as resolveBench } from "./resolve_bench.ts";
import { main as rustResolveBench } from "./rust_resolve_bench.ts";
import { main as blobVerifyBench } from "./blob_verify_bench.ts";
import { main as isolationBench } from "./isolation_bench.ts";
import { main as sigstoreBench } from "./sigstore_bench.ts";

console.log(
  "== resolve the demo: mochi lock vs cargo generate-lockfile, same crates, same picks ==",
);
await resolveBench(3);
console.log("\n== Rust bridge: mochi lock vs cargo generate-lockfile, combined manifest ==");
await rustResolveBench(3);
console.log(
  "\n== Rust bridge: the same against Python's threaded http.server (goal ≤ 1.2× cargo) ==",
);
await (await import("./rust_threaded_server_bench.ts")).main(3);
console.log(
  "\n== Rust bridge: the same through a loopback proxy adding 50 ms and 200 ms per request ==",
);
await (await import("./rust_latency_bench.ts")).main(1, [50, 200]);
console.log(
  "\n== Rust bridge: 23 real projects' dependency lists, mochi lock vs cargo, geometric mean ==",
);
await (await import("./rust_corpus_bench.ts")).main(Infinity, 1);
console.log(
  "\n== Python bridge: largest corpus set, mochi vs pip install --dry-run, same index ==",
);
await (await import("./python_resolve_bench.ts")).main(3);
console.log("\n== blob verification: one pass BLAKE3 + SHA-256 vs sha256sum and b3sum ==");
await blobVerifyBench([]);
console.log("\n== per-package isolation: in-process vs Worker vs process per package ==");
await isolationBench([]);
console.log("\n== signatures: bundle verification per package, and its cost in an install ==");
await sigstoreBench(5);
console.log("\n== signed index snapshot: cold resolve against a signed vs an unsigned registry ==");
await (await import("./snapshot_bench.ts")).main(5);
console.log(
  "\n== start-up: mochi --version and a no-op mochi install, now vs e76f101; the no-op fast paths vs deno run of an empty file ==",
);
await (await import("./startup_bench.ts")).main(5);
console.log("\n== registry serve vs nginx (wrk, loopback), index files, 304s and blobs ==");
await (await import("./registry_serve_bench.ts")).main(3, 3, 16);
console.log("\n== Go bridge: 1,000 inclusion proofs against one checksum-database tree head ==");
await (await import("./go_sumdb_bench.ts")).main(3);
console.log("\n== Go bridge: mochi lock vs go mod download all + go list -m all, same proxy ==");
await (await import("./go_lock_bench.ts")).main(3);
console.log(
  "\n== registry on object storage: publish with 1 and 2 servers, GET bucket vs directory ==",
);
await (await import("./registry_scale_bench.ts")).main(40, 400);
