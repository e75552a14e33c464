import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { Lockfile } from "../lockfile/mod.ts";
import type { Artifact } from "./plan.ts";
import { fetchLockedArtifacts } from "./rust.ts";

Deno.test("a bridge's fetch plans only its own kind: wheels beside crates and Go zips are not asked of it", async () => {
  const home = await Deno.makeTempDir({ prefix: "mochi-fetch-kind-" });
  try {
    const wheel = new TextEncoder().encode("wheel bytes");
    const lock: Lockfile = {
      version: 1,
      manifestHash: `blake3-256:${"0".repeat(64)}`,
      packages: [],
      rustPackages: [{
        name: "cc",
        version: "1.0.0",
        source: { kind: "registry", index: "sparse+http://127.0.0.1:1/" },
        checksumSha256: "a".repeat(64),
        dependencies: [],
        features: [],
      }],
      pythonWheels: [{
        name: "idna",
        version: "3.7",
        filename: "idna-3.7-py3-none-any.whl",
        sha256: createHash("sha256").update(wheel).digest("hex"),
        index: "http://127.0.0.1:1/simple/",
      }],
      capabilitiesSeen: new Map(),
    };
    const opened: string[] = [];
    const report = await fetchLockedArtifacts(lock, "wheel", {
      open: (a: Artifact) => {
        opened.push(`${a.kind} ${a.name}`);
        return Promise.resolve(new Blob([wheel]).stream());
      },
    }, { mochiHome: home });
    assert.deepEqual(opened, ["wheel idna"]);
    assert.equal(report.crates, 1);
    assert.equal(report.fetched, 1);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
