import assert from "node:assert/strict";
import { TrustStore } from "./trust_state.ts";
import { strayGuard } from "../../tests/stray.ts";

Deno.test("TrustStore: keeps the highest version, survives damage, never lowers under races", async () => {
  const check = await strayGuard();
  const dir = await Deno.makeTempDir({ prefix: "mochi-trust-" });
  try {
    const s = new TrustStore(dir, "http://127.0.0.1:1/");
    assert.equal(await s.read(), undefined);
    await s.advance({ key: "k", version: 3, digest: "d3" });
    await s.advance({ key: "k", version: 2, digest: "d2" }); // lower: kept at 3
    assert.deepEqual(await s.read(), { key: "k", version: 3, digest: "d3" });
    // Another registry URL has its own state.
    assert.equal(await new TrustStore(dir, "http://127.0.0.1:2/").read(), undefined);
    // 40 concurrent advances in random order end at the maximum.
    const versions = Array.from({ length: 40 }, (_, i) => 4 + ((i * 17) % 40));
    await Promise.all(
      versions.map((v) =>
        new TrustStore(dir, "http://127.0.0.1:1/").advance({
          key: "k",
          version: v,
          digest: `d${v}`,
        })
      ),
    );
    assert.deepEqual(await s.read(), { key: "k", version: 43, digest: "d43" });
    // A damaged state file reads as first use rather than crashing.
    for (const e of Deno.readDirSync(`${dir}/snapshots`)) {
      if (e.name.endsWith(".json")) Deno.writeTextFileSync(`${dir}/snapshots/${e.name}`, "{tr");
    }
    assert.equal(await s.read(), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  await check();
});
