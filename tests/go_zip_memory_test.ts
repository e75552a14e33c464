/**
 * Locking Go modules keeps a bounded total of zip bytes in memory (each zip may be up to
 * 500 MiB): past `maxKeptZipBytes` a zip is dropped once hashed, and the executor's source
 * downloads it again from the proxy.
 */
import assert from "node:assert/strict";
import { goRequirementsOf, goZipSource, lockGoModules } from "../src/install/go.ts";
import type { Artifact } from "../src/install/plan.ts";
import { readProject } from "../src/install/project.ts";
import { guardedTest } from "./stray.ts";
import { startGoLoopback, writeGoProject } from "./go_loopback.ts";

guardedTest(
  "go: lockGoModules keeps at most maxKeptZipBytes of zips; the rest are refetched",
  async () => {
    const go = await startGoLoopback([
      { path: "example.com/a", version: "v1.0.0" },
      { path: "example.com/b", version: "v1.0.0" },
      { path: "example.com/c", version: "v1.0.0" },
    ]);
    const dir = await Deno.makeTempDir({ prefix: "mochi-go-mem-" });
    try {
      const app = `${dir}/app`;
      await writeGoProject(app, {
        "example.com/a": "v1.0.0",
        "example.com/b": "v1.0.0",
        "example.com/c": "v1.0.0",
      });
      const project = await readProject(app);
      const requirements = await goRequirementsOf(project);
      const base = {
        mochiHome: `${dir}/home`,
        goEnv: { GOPROXY: go.url, GOSUMDB: go.gosumdb() },
      };
      const sizes = [...go.modules.values()].map((m) => m.zip.length);
      const all = await lockGoModules(project, requirements, base);
      assert.equal(all.modules.length, 3);
      assert.equal(all.zips.size, 3, "under the default cap every zip is kept");
      const oneBudget = Math.max(...sizes);
      const capped = await lockGoModules(project, requirements, {
        ...base,
        maxKeptZipBytes: oneBudget,
      });
      assert.equal(capped.modules.length, 3);
      const keptBytes = [...capped.zips.values()].reduce((n, z) => n + z.length, 0);
      assert.ok(capped.zips.size >= 1 && capped.zips.size < 3, `kept ${capped.zips.size}`);
      assert.ok(keptBytes <= oneBudget, `kept ${keptBytes} bytes over ${oneBudget}`);
      const none = await lockGoModules(project, requirements, { ...base, maxKeptZipBytes: 0 });
      assert.equal(none.zips.size, 0);
      // A dropped zip is downloaded again by the executor's source, byte for byte.
      const source = goZipSource(base, none.zips);
      for (const m of none.modules) {
        const a = {
          kind: "go-zip",
          name: m.module,
          version: m.version,
          source: m.source.url,
          blake3: m.zipBlake3,
        } as unknown as Artifact;
        const got = new Uint8Array(await new Response(await source.open(a)).arrayBuffer());
        assert.deepEqual(got, go.modules.get(`${m.module}@${m.version}`)!.zip);
      }
    } finally {
      await go.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
