import assert from "node:assert/strict";
import type { FsStore } from "../store/fs/fs_store.ts";
import { executePlan } from "./executor.ts";
import type { Artifact } from "./plan.ts";

Deno.test("executePlan adds up the verification time of bundles verified side by side", async () => {
  const toVerify: Artifact[] = Array.from({ length: 12 }, (_, i) => ({
    kind: "mochi",
    name: `p${i}`,
    version: "1.0.0",
    label: `p${i} 1.0.0`,
    sha256: i.toString(16).padStart(64, "0"),
    source: "http://127.0.0.1:1/",
  }));
  const report = await executePlan(
    { cached: [], toFetch: [], corrupt: [], toVerify, unsigned: [] },
    {} as FsStore, // nothing to fetch, extract or touch
    {
      open: () => Promise.reject(new Error("nothing is fetched")),
      // Each bundle waits (its download) and then reports 10 ms of verification.
      verify: (a) =>
        new Promise((resolve) => setTimeout(() => resolve(10), 5 + Number(a.name.slice(1)) % 4)),
    },
    {
      concurrency: 16,
      maxBytes: 1024,
      addresses: { get: () => undefined, set: () => {} },
    } as never,
  );
  assert.equal(report.verifiedSignatures, 12);
  // Before: `verifyMs += await verify(a)` read the sum before the wait, so all but one were lost.
  assert.equal(report.verifyMs, 120);
});
