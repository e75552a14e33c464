/**
 * `mochi audit` through the real CLI on the fixture project (real RustSec advisories for its
 * crates, made-up Mochi ones): the findings, their paths, `--severity` and the exit status,
 * `--json` against its schema, the database from a directory, `MOCHI_ADVISORY_DB`,
 * `[audit] database` and a loopback URL.
 */
import assert from "node:assert/strict";
import { Ajv } from "ajv";
import { ROOT, runCli } from "./helpers.ts";
import { guardedTest } from "./stray.ts";

const APP = `${ROOT}/fixtures/supply/app`;
const DB = `${ROOT}/fixtures/supply/advisories`;

async function copyApp(tmp: string, extra = ""): Promise<string> {
  const dir = `${tmp}/app`;
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/mochi.toml`,
    (await Deno.readTextFile(`${APP}/mochi.toml`)) + extra,
  );
  await Deno.copyFile(`${APP}/mochi.lock`, `${dir}/mochi.lock`);
  return dir;
}

guardedTest(
  "mochi audit: every finding with severity, fixes and paths; exit 1 at the threshold",
  async () => {
    const home = await Deno.makeTempDir({ prefix: "mochi-audit-" });
    try {
      const env = { MOCHI_HOME: home, MOCHI_ADVISORY_DB: DB };
      const r = await runCli(["audit", "-C", APP], { env });
      assert.equal(r.code, 1, r.stderr);
      const ids = [...r.stdout.matchAll(/^(\S+) {2}(\S+)/gm)].map((m) => `${m[1]} ${m[2]}`);
      assert.deepEqual(ids, [
        "MOCHI-2026-0003 medium",
        "MOCHI-2026-0001 medium",
        "RUSTSEC-2025-0024 unknown",
        "RUSTSEC-2024-0003 unknown",
        "RUSTSEC-2022-0013 high",
        "RUSTSEC-2021-0003 critical",
      ]);
      assert.match(
        r.stdout,
        /RUSTSEC-2021-0003 {2}critical 9\.8 {2}smallvec 1\.6\.0 \(crates\.io\)/,
      );
      assert.match(r.stdout, /fixed in: 0\.6\.14, 1\.6\.1/);
      assert.match(r.stdout, /path: @acme\/app 0\.4\.0 → h2 0\.3\.20 → crossbeam-channel 0\.5\.13/);
      assert.match(r.stdout, /no fixed version; last affected: 1\.2\.0/);
      assert.match(r.stdout, /aliases: CVE-2026-99001, GHSA-mock-0001-0001/);
      assert.doesNotMatch(r.stdout, /MOCHI-2026-0002|MOCHI-2026-0004|GHSA-mock-0001-0001 {2}/);
      assert.match(
        r.stdout,
        /6 findings \(1 critical, 1 high, 2 medium, 2 unknown\) from 9 advisories, 1 withdrawn skipped; 6 at or above low/,
      );

      // --severity critical: smallvec and the two unknown ones still fail it.
      const crit = await runCli(["audit", "--severity", "critical", "--json", "-C", APP], { env });
      assert.equal(crit.code, 1);
      const doc = JSON.parse(crit.stdout);
      const schema = JSON.parse(await Deno.readTextFile(`${ROOT}/docs/schemas/audit.schema.json`));
      const ajv = new Ajv({ strict: true, allErrors: true });
      const validate = ajv.compile(schema);
      assert(validate(doc as unknown), ajv.errorsText(validate.errors));
      assert.deepEqual(
        doc.findings.filter((f: { atOrAboveThreshold: boolean }) => f.atOrAboveThreshold).map((
          f: { id: string },
        ) => f.id),
        ["RUSTSEC-2025-0024", "RUSTSEC-2024-0003", "RUSTSEC-2021-0003"],
      );
      assert.deepEqual(doc.withdrawn, ["MOCHI-2026-0002"]);

      const bad = await runCli(["audit", "--severity", "severe", "-C", APP], { env });
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /--severity takes low, medium, high, critical/);
    } finally {
      await Deno.remove(home, { recursive: true });
    }
  },
);

guardedTest("mochi audit: [audit] database, a loopback URL, and no database at all", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "mochi-audit-" });
  const records: unknown[] = [];
  for (const sub of ["crates", "mochi"]) {
    for await (const e of Deno.readDir(`${DB}/${sub}`)) {
      records.push(JSON.parse(await Deno.readTextFile(`${DB}/${sub}/${e.name}`)));
    }
  }
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) =>
      new URL(req.url).pathname === "/osv.json"
        ? Response.json(records)
        : new Response("no", { status: 404 }),
  );
  try {
    const env = { MOCHI_HOME: `${tmp}/home` };
    await Deno.mkdir(`${tmp}/db`);
    await Deno.copyFile(`${DB}/crates/RUSTSEC-2022-0013.json`, `${tmp}/db/RUSTSEC-2022-0013.json`);
    const app = await copyApp(tmp, '\n[audit]\ndatabase = "../db"\n');
    const fromManifest = await runCli(["audit", "-C", app], { env });
    assert.equal(fromManifest.code, 1, fromManifest.stderr);
    assert.match(
      fromManifest.stdout,
      /^1 finding \(1 high\) from 1 advisories; 1 at or above low$/m,
    );
    const high = await runCli(["audit", "--severity", "critical", "-C", app], { env });
    assert.equal(high.code, 0, high.stderr);

    const url = `http://127.0.0.1:${server.addr.port}/osv.json`;
    const fromUrl = await runCli(["audit", "--json", "-C", APP], {
      env: { ...env, MOCHI_ADVISORY_DB: url },
    });
    assert.equal(JSON.parse(fromUrl.stdout).findings.length, 6, fromUrl.stderr);
    const missing = await runCli(["audit", "-C", APP], {
      env: { ...env, MOCHI_ADVISORY_DB: `http://127.0.0.1:${server.addr.port}/nope.json` },
    });
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /AUDIT_E003/);

    const none = await runCli(["audit", "-C", APP], { env });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /AUDIT_E002/);

    await Deno.writeTextFile(`${tmp}/db/broken.json`, '{"id": "X", "affected": [{"package": {}}]}');
    const broken = await runCli(["audit", "-C", app], { env });
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /AUDIT_E001/);
  } finally {
    await server.shutdown();
    await Deno.remove(tmp, { recursive: true });
  }
});
