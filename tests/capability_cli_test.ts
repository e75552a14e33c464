/**
 * End-to-end capability pins and the update gate through real `mochi` subprocesses on a
 * directory registry: an index update adding `net.dial` fails `mochi lock` until accepted, a
 * consumer pin excluding every version gives a report naming the capability, and
 * `why-capability` lists who needs a capability.
 */
import { assert, assertEquals } from "./assert.ts";
import { runCli, type TestVersion, writeProject, writeRegistry } from "./helpers.ts";
import { guardedTest } from "./stray.ts";

const BEFORE: TestVersion[] = [
  { name: "json", version: "1.2.0", capabilities: ["fs.read"] },
  { name: "util", version: "1.0.0", capabilities: [] },
  { name: "web", version: "2.0.0", deps: { json: "^1" }, capabilities: ["net.dial:127.0.0.1"] },
];
const AFTER: TestVersion[] = [
  ...BEFORE,
  { name: "json", version: "1.3.0", capabilities: ["fs.read", "net.dial"] },
];

async function withTmp(fn: (tmp: string) => Promise<void>) {
  const tmp = await Deno.makeTempDir({ prefix: "mochi-cap-" });
  try {
    await fn(tmp);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

guardedTest("an index update that adds net.dial fails mochi lock until accepted", async () => {
  await withTmp(async (tmp) => {
    const env = { MOCHI_HOME: `${tmp}/home`, MOCHI_REGISTRY: `${tmp}/registry` };
    await writeRegistry(`${tmp}/registry`, BEFORE);
    const project = `${tmp}/app`;
    await writeProject(project, { json: "^1", web: "^2" });
    const first = await runCli(["lock", "-C", project], { env });
    assertEquals(first.code, 0, first.stderr);
    const lock1 = await Deno.readTextFile(`${project}/mochi.lock`);
    assert(lock1.includes('[capabilities-seen]\njson = ["fs.read"]\n'), lock1);

    // The registry publishes json 1.3.0, which now dials out.
    await Deno.remove(`${tmp}/registry`, { recursive: true });
    await writeRegistry(`${tmp}/registry`, AFTER);
    // Keeping the locked versions changes nothing.
    const same = await runCli(["lock", "-C", project], { env });
    assertEquals(same.code, 0, same.stderr);
    assertEquals(await Deno.readTextFile(`${project}/mochi.lock`), lock1);

    const blocked = await runCli(["lock", "--upgrade", "-C", project], { env });
    assertEquals(blocked.code, 1, blocked.stderr);
    const lines = blocked.stderr.split("\n");
    assertEquals(lines.slice(0, 3), [
      'warning: json 1.3.0 newly requires capability "net.dial"',
      '  Previously seen capabilities: ["fs.read"]',
      "  Audit and accept with: mochi lock --accept-capabilities=json",
    ]);
    assert(blocked.stderr.includes("error[LOCK_E006]"), blocked.stderr);
    assertEquals(await Deno.readTextFile(`${project}/mochi.lock`), lock1, "lock untouched");

    const wrong = await runCli(["lock", "--upgrade", "--accept-capabilities=util", "-C", project], {
      env,
    });
    assertEquals(wrong.code, 1, wrong.stderr);

    const ok = await runCli(["lock", "--upgrade", "--accept-capabilities=json", "-C", project], {
      env,
    });
    assertEquals(ok.code, 0, ok.stderr);
    assert(ok.stdout.includes('Accepted: json 1.3.0 newly requires capability "net.dial"'));
    const lock2 = await Deno.readTextFile(`${project}/mochi.lock`);
    assert(lock2.includes('json = ["fs.read", "net.dial"]'), lock2);
    assert(lock2.includes('name = "json"\nversion = "1.3.0"'), lock2);

    const why = await runCli(["why-capability", "net.dial", "-C", project], { env });
    assertEquals(why.code, 0, why.stderr);
    assertEquals(
      why.stdout,
      "net.dial is required by:\n  json@1.3.0\n  web@2.0.0 (net.dial:127.0.0.1)\n",
    );
    const typo = await runCli(["why-capability", "net.dail", "-C", project], { env });
    assertEquals(typo.code, 1);
    assert(
      typo.stderr.includes(
        'error[CAP_E003]: unknown capability "net.dail"; did you mean "net.dial"?',
      ),
      typo.stderr,
    );

    // A bare --accept-capabilities accepts for every package.
    await Deno.writeTextFile(`${project}/mochi.lock`, lock1);
    const all = await runCli(["lock", "--upgrade", "--accept-capabilities", "-C", project], {
      env,
    });
    assertEquals(all.code, 0, all.stderr);
  });
});

guardedTest(
  "a registry that changes a locked version's capabilities is caught by the gate",
  async () => {
    await withTmp(async (tmp) => {
      const env = { MOCHI_HOME: `${tmp}/home`, MOCHI_REGISTRY: `${tmp}/registry` };
      await writeRegistry(`${tmp}/registry`, BEFORE);
      const project = `${tmp}/app`;
      await writeProject(project, { json: "^1" });
      assertEquals((await runCli(["lock", "-C", project], { env })).code, 0);
      const lock1 = await Deno.readTextFile(`${project}/mochi.lock`);
      // Same version, same bytes, but the index line now claims net.dial.
      await Deno.remove(`${tmp}/registry`, { recursive: true });
      await writeRegistry(`${tmp}/registry`, [
        { name: "json", version: "1.2.0", capabilities: ["fs.read", "net.dial:evil.example:443"] },
      ]);
      const r = await runCli(["lock", "-C", project], { env });
      assertEquals(r.code, 1, r.stderr);
      assert(
        r.stderr.startsWith(
          'warning: json 1.2.0 newly requires capability "net.dial:evil.example:443"\n',
        ),
        r.stderr,
      );
      assertEquals(await Deno.readTextFile(`${project}/mochi.lock`), lock1);
    });
  },
);

guardedTest(
  "a consumer pin that excludes every version gives a report naming the capability",
  async () => {
    await withTmp(async (tmp) => {
      const env = { MOCHI_HOME: `${tmp}/home`, MOCHI_REGISTRY: `${tmp}/registry` };
      await writeRegistry(`${tmp}/registry`, AFTER);
      const project = `${tmp}/app`;
      await writeProject(project, {});
      await Deno.writeTextFile(
        `${project}/mochi.toml`,
        'json = { version = "^1.3", capabilities = ["fs.read"] }\n',
        { append: true },
      );
      const r = await runCli(["lock", "-C", project], { env });
      assertEquals(r.code, 1, r.stderr);
      assert(r.stderr.startsWith("error[CAP_E001]: Because app depends on json ^1.3"), r.stderr);
      assert(
        r.stderr.includes(
          'app pins json with capabilities ["fs.read"], but json >=1.3.0 requires ["fs.read", "net.dial"]',
        ),
        r.stderr,
      );
      assert(
        r.stderr.includes(
          '  - widen the capability pin of json in mochi.toml to capabilities = ["fs.read", "net.dial"]',
        ),
        r.stderr,
      );
      await Deno.stat(`${project}/mochi.lock`).then(
        () => assert(false, "no lock may be written"),
        () => {},
      );
      // With ^1 the pin picks 1.2.0, the newest version that fits.
      await writeProject(project, {});
      await Deno.writeTextFile(
        `${project}/mochi.toml`,
        'json = { version = "^1", capabilities = ["fs.read"] }\n',
        { append: true },
      );
      const ok = await runCli(["lock", "-C", project], { env });
      assertEquals(ok.code, 0, ok.stderr);
      assert((await Deno.readTextFile(`${project}/mochi.lock`)).includes('version = "1.2.0"'));
    });
  },
);

guardedTest(
  "audit capabilities --suspicious flags the xz pattern on the fixture history",
  async () => {
    const fixture = JSON.parse(
      await Deno.readTextFile(new URL("../fixtures/capabilities/xz-history.json", import.meta.url)),
    );
    await withTmp(async (tmp) => {
      const env = { MOCHI_HOME: `${tmp}/home`, MOCHI_REGISTRY: `${tmp}/registry` };
      const versions: TestVersion[] = [fixture, fixture.clean].flatMap((h) =>
        h.releases.map((r: { version: string; capabilities: string[] }) => ({
          name: h.package,
          version: r.version,
          capabilities: r.capabilities,
        }))
      );
      await writeRegistry(`${tmp}/registry`, versions);
      const project = `${tmp}/app`;
      await writeProject(project, { xz: "~5.4", "zstd-lite": "^1" });
      assertEquals((await runCli(["lock", "-C", project], { env })).code, 0);

      const plain = await runCli(["audit", "capabilities", "-C", project], { env });
      assertEquals(plain.code, 1, plain.stderr);
      assertEquals(
        plain.stderr,
        'error[CAP_E002]: xz 5.6.1 adds capability "proc.spawn" in a patch release (5.6.0 → 5.6.1)\n',
      );
      assert(plain.stdout.includes("Audited 8 releases of 2 locked packages: 1 finding(s)"));

      const sus = await runCli(["audit", "capabilities", "--suspicious", "-C", project], { env });
      assertEquals(sus.code, 1, sus.stderr);
      assertEquals(sus.stderr.split("\n").filter((l) => l), [
        'warning: xz 5.6.0 adds capability "ffi" in a minor release (5.4.6 → 5.6.0): the xz-utils pattern; audit the release before you accept it',
        'error[CAP_E002]: xz 5.6.1 adds capability "proc.spawn" in a patch release (5.6.0 → 5.6.1)',
      ]);

      // Only the clean history locked: nothing to report.
      await writeProject(project, { "zstd-lite": "^1" });
      assertEquals((await runCli(["lock", "-C", project], { env })).code, 0);
      const clean = await runCli(["audit", "capabilities", "--suspicious", "-C", project], { env });
      assertEquals(clean.code, 0, clean.stderr);
      assert(clean.stdout.includes("no finding"), clean.stdout);
    });
  },
);
