/**
 * `mochi update` and `mochi lock --upgrade <pkg>` through the real CLI against a loopback
 * `mochi registry serve`: only the named package (and what must move with it) changes, the
 * changes print as uv-style lines, `--dry-run` writes nothing, `--precise` goes down too.
 * Regression (issue 13 item 4): `lock --upgrade serde` used to upgrade every package.
 */
import assert from "node:assert/strict";
import {
  runCli,
  serveRegistrySubprocess,
  type TestVersion,
  writeProject,
  writeRegistry,
} from "./helpers.ts";
import { strayGuard } from "./stray.ts";

const OLD: TestVersion[] = [
  { name: "serde", version: "1.0.0", deps: { core: "^1.0" } },
  { name: "core", version: "1.0.0" },
  { name: "rand", version: "0.8.0" },
];
const NEW: TestVersion[] = [
  ...OLD,
  { name: "serde", version: "1.0.5", deps: { core: "^1.0" } },
  { name: "serde", version: "1.1.0", deps: { core: "^1.2" } },
  { name: "core", version: "1.2.0" },
  { name: "rand", version: "0.8.5" },
];

function locked(text: string): string[] {
  return [...text.matchAll(/name = "([^"]+)"\nversion = "([^"]+)"/g)].map((m) => `${m[1]} ${m[2]}`);
}

Deno.test("mochi lock --upgrade <pkg> and mochi update move only the named package", async () => {
  const check = await strayGuard();
  const tmp = await Deno.makeTempDir({ prefix: "mochi-update-cli-" });
  const reg = `${tmp}/registry`;
  await writeRegistry(reg, OLD);
  await using server = await serveRegistrySubprocess(reg);
  try {
    const app = `${tmp}/app`;
    await writeProject(app, { serde: "1", rand: "0.8" }, `[registry]\ndefault = "${server.url}"\n`);
    const env = { MOCHI_HOME: `${tmp}/home` };
    const first = await runCli(["lock", "-C", app], { env });
    assert.equal(first.code, 0, first.stderr);
    await Deno.remove(reg, { recursive: true });
    await writeRegistry(reg, NEW);

    const up = await runCli(["lock", "--upgrade", "serde", "-C", app], { env });
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /~ core 1\.0\.0 → 1\.2\.0\n~ serde 1\.0\.0 → 1\.1\.0\n/);
    assert.deepEqual(locked(await Deno.readTextFile(`${app}/mochi.lock`)), [
      "core 1.2.0",
      "rand 0.8.0", // not named: kept
      "serde 1.1.0",
    ]);
    const noUpgrade = await runCli(["lock", "serde", "-C", app], { env });
    assert.equal(noUpgrade.code, 1);
    assert.match(noUpgrade.stderr, /CLI_E001.*only with --upgrade/);

    const before = await Deno.readTextFile(`${app}/mochi.lock`);
    const dry = await runCli(["update", "--dry-run", "-C", app], { env });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(
      dry.stdout,
      /~ rand 0\.8\.0 → 0\.8\.5\nWould write [^\n]*mochi\.lock \(1 version changed; dry run: nothing written\)\n$/,
    );
    assert.equal(await Deno.readTextFile(`${app}/mochi.lock`), before);

    const precise = await runCli(["update", "serde", "--precise", "1.0.5", "-C", app], { env });
    assert.equal(precise.code, 0, precise.stderr);
    assert.match(
      precise.stdout,
      /^~ serde 1\.1\.0 → 1\.0\.5\nWrote [^\n]*mochi\.lock \(1 version changed; 3 packages\)\n$/,
    );

    const typo = await runCli(["update", "sered", "-C", app], { env });
    assert.equal(typo.code, 1);
    assert.match(typo.stderr, /PROJECT_E003.*no package named sered/);
    assert.match(typo.stderr, /did you mean "serde"\?/);

    const all = await runCli(["update", "-C", app], { env });
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /~ rand 0\.8\.0 → 0\.8\.5\n~ serde 1\.0\.5 → 1\.1\.0\n/);
    const again = await runCli(["update", "-C", app], { env });
    assert.match(again.stdout, /^Nothing to update: 3 packages locked\n$/);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
  await check();
});
