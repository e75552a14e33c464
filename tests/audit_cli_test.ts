/**
 * `mochi audit` through the real CLI on the fixture project (real RustSec advisories for its
 * crates, made-up Mochi ones): the findings, their paths, `--severity` and the exit status,
 * `--json` against its schema, the database from a directory, `MOCHI_ADVISORY_DB`,
 * `[audit] database` and a loopback URL.
 */
import assert from "node:assert/strict";
import { Ajv } from "ajv";
import { ROOT, runCli, serveRegistrySubprocess, writeProject, writeRegistry } from "./helpers.ts";
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

guardedTest(
  "mochi audit: an advisory range that cannot be evaluated fails closed (exit 1, naming it)",
  async () => {
    const home = await Deno.makeTempDir({ prefix: "mochi-audit-" });
    try {
      const env = {
        MOCHI_HOME: home,
        MOCHI_ADVISORY_DB: `${ROOT}/fixtures/supply/advisories-unreadable`,
      };
      const r = await runCli(["audit", "-C", APP], { env });
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        /MOCHI-2026-0099: a SEMVER range for Mochi left-pad has a version Mochi's order cannot read: .*"one\.two"/,
      );
      assert.match(r.stdout, /^0 findings from 1 advisories; 0 at or above low; 1 advisory range/m);
      const json = await runCli(["audit", "--json", "--severity", "critical", "-C", APP], { env });
      assert.equal(json.code, 1, json.stderr);
      const doc = JSON.parse(json.stdout);
      assert.equal(doc.failed, true);
      assert.deepEqual(doc.findings, []);
      assert.equal(doc.problems.length, 1);
      assert.match(doc.problems[0], /^MOCHI-2026-0099: /);
    } finally {
      await Deno.remove(home, { recursive: true });
    }
  },
);

guardedTest(
  "mochi audit fix: the lowest allowed fixed version through the solver; refused when none is allowed",
  async () => {
    const tmp = await Deno.makeTempDir({ prefix: "mochi-audit-fix-" });
    try {
      const reg = `${tmp}/registry`;
      await writeRegistry(reg, [
        { name: "core", version: "1.0.0" },
        { name: "core", version: "1.0.1" },
        { name: "core", version: "1.0.2" },
        { name: "core", version: "1.1.0" },
        { name: "rand", version: "0.8.0", deps: { core: "1" } },
        { name: "rand", version: "0.8.1", deps: { core: "1" } },
      ]);
      await using server = await serveRegistrySubprocess(reg);
      const app = `${tmp}/app`;
      await writeProject(
        app,
        { core: "1.0", rand: "=0.8.0" },
        `[registry]\ndefault = "${server.url}"\n`,
      );
      const db = `${tmp}/db`;
      await Deno.mkdir(db);
      const osv = (id: string, name: string, events: Record<string, string>[]) =>
        Deno.writeTextFile(
          `${db}/${id}.json`,
          JSON.stringify({
            id,
            modified: "2026-11-01T00:00:00Z",
            summary: `made up: ${name}`,
            affected: [{
              package: { ecosystem: "Mochi", name },
              ranges: [{ type: "SEMVER", events }],
            }],
          }),
        );
      // core: fixed in 1.0.1 by one advisory but 1.0.1 has another, so the lowest clean fix is 1.0.2.
      await osv("MOCHI-9-1", "core", [{ introduced: "0" }, { fixed: "1.0.1" }]);
      await osv("MOCHI-9-2", "core", [{ introduced: "1.0.1" }, { fixed: "1.0.2" }]);
      await osv("MOCHI-9-3", "rand", [{ introduced: "0" }, { fixed: "0.8.1" }]);
      const env = { MOCHI_HOME: `${tmp}/home`, MOCHI_ADVISORY_DB: db };
      assert.equal((await runCli(["lock"], { cwd: app, env })).code, 0);
      const pin = await runCli(["update", "core", "--precise", "1.0.0"], { cwd: app, env });
      assert.equal(pin.code, 0, pin.stderr);
      const before = await runCli(["audit"], { cwd: app, env });
      assert.equal(before.code, 1);
      assert.match(before.stdout, /^2 findings/m);

      const dry = await runCli(["audit", "fix", "--dry-run"], { cwd: app, env });
      assert.match(dry.stdout, /~ core 1\.0\.0 → 1\.0\.2/);
      assert.match(
        await Deno.readTextFile(`${app}/mochi.lock`),
        /name = "core"\nversion = "1\.0\.0"/,
      );

      const fix = await runCli(["audit", "fix"], { cwd: app, env });
      assert.equal(fix.code, 1, fix.stderr);
      assert.match(fix.stdout, /~ core 1\.0\.0 → 1\.0\.2/);
      assert.match(fix.stderr, /AUDIT_E005/);
      assert.match(
        fix.stderr,
        /rand 0\.8\.0: no fixed version the requirements allow \(tried 0\.8\.1: /,
      );
      const lock = await Deno.readTextFile(`${app}/mochi.lock`);
      assert.match(lock, /name = "core"\nversion = "1\.0\.2"/);
      assert.match(lock, /name = "rand"\nversion = "0\.8\.0"/);
      const after = await runCli(["audit", "--json"], { cwd: app, env });
      assert.deepEqual(JSON.parse(after.stdout).findings.map((f: { id: string }) => f.id), [
        "MOCHI-9-3",
      ]);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
);
