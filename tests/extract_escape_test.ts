/**
 * Archive escapes (node-tar's and Python tarfile's CVE classes) through the CLI: `mochi install` of
 * a registry serving each hostile archive of the escape table. Every one must end with a typed
 * error naming the entry (`BLOB_E003`), exit 4, the sentinel untouched, no blob, no extracted tree,
 * no temp file and no lockfile left.
 */
import { assert, assertEquals } from "./assert.ts";
import { runCli, snapshotTree, writeProject, writeRegistry } from "./helpers.ts";
import { startFakeRegistry } from "./fake_registry.ts";
import { assertNoTemp, withSandbox } from "./sandbox.ts";
import {
  buildTarZst,
  ESCAPE_TABLE,
  HOSTILE_ARCHIVES,
  pax,
  type RawEntry,
} from "../src/store/tar_builder_testing.ts";

/** Cases aimed at the sentinel directory itself, so "untouched" is a real check. */
function sentinelCases(sentinel: string): Record<string, RawEntry[]> {
  return {
    "symlink to the sentinel then a file through it": [
      { name: "l", type: "2", linkname: sentinel },
      { name: "l/pwned", body: "evil" },
    ],
    "hardlink to a sentinel file": [{ name: "h", type: "1", linkname: `${sentinel}/passwd` }],
    "absolute path into the sentinel": [{ name: `${sentinel}/pwned`, body: "evil" }],
    "dotdot path into the sentinel": [
      pax({ path: "../".repeat(30) + sentinel.slice(1) + "/pwned" }),
      { name: "x", body: "evil" },
    ],
    "pax absolute path into the sentinel": [
      pax({ path: `${sentinel}/nested/keep.txt` }),
      { name: "x", body: "overwritten" },
    ],
  };
}

Deno.test("mochi install rejects every archive of the escape table: exit 4, BLOB_E003 naming the entry, nothing left", async () => {
  await withSandbox(async (sb) => {
    const cases = Object.entries({
      ...HOSTILE_ARCHIVES,
      ...ESCAPE_TABLE,
      ...sentinelCases(sb.sentinel),
    });
    const registry = `${sb.root}/registry`;
    await writeRegistry(
      registry,
      cases.map(([, raw], i) => ({
        name: `evil-${i}`,
        version: "1.0.0",
        archive: buildTarZst(raw),
      })),
    );
    await using server = startFakeRegistry(registry);
    let next = 0;
    const failures: string[] = [];
    const worker = async () => {
      while (next < cases.length) {
        const i = next++;
        const [name] = cases[i]!;
        const home = `${sb.root}/case-${i}/home`;
        const project = `${sb.root}/case-${i}/project`;
        await writeProject(project, { [`evil-${i}`]: "1" });
        const r = await runCli(["install", "-C", project], {
          env: { ...sb.env, MOCHI_HOME: home, MOCHI_REGISTRY: server.url },
        });
        const problems: string[] = [];
        if (r.code !== 4) problems.push(`exit ${r.code}`);
        if (!/error\[BLOB_E003\]: archive entry "/.test(r.stderr)) problems.push("no BLOB_E003");
        const store = `${home}/store`;
        if ((await snapshotTree(`${store}/blobs`)).length > 0) problems.push("blob kept");
        if ((await snapshotTree(`${store}/extracted`)).length > 0) problems.push("tree kept");
        try {
          await assertNoTemp(store);
        } catch {
          problems.push(`temp left: ${(await snapshotTree(`${store}/tmp`)).join(", ")}`);
        }
        if ((await snapshotTree(project)).length !== 1) problems.push("lockfile written");
        if (problems.length > 0) {
          failures.push(`${name}: ${problems.join("; ")}\n${r.stderr}`);
        }
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    assertEquals(failures, []);
    assert(cases.length >= 48, `the table has ${cases.length} cases`);
  });
});
