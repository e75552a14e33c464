/**
 * `mochi audit fix` on Rust crates, with the real RustSec advisories of fixtures/supply: a crate
 * whose requirement allows a fixed version moves to it; one pinned to an affected version is
 * refused with the fixed versions and the requirement to raise (AUDIT_E005).
 */
import assert from "node:assert/strict";
import { writeCargoIndex } from "./cargo_index_testing.ts";
import { ROOT, runCli, serveRegistrySubprocess } from "./helpers.ts";
import { guardedTest } from "./stray.ts";

guardedTest(
  "mochi audit fix: a crate moves to the lowest fixed version allowed, the others keep theirs; a pinned affected crate is refused",
  async () => {
    const root = await Deno.makeTempDir({ prefix: "mochi-audit-crates-" });
    try {
      const index = `${root}/index`;
      await Deno.mkdir(index);
      await writeCargoIndex(index, [
        { name: "smallvec", vers: "1.6.0" },
        { name: "regex", vers: "1.5.4" },
        { name: "itoa", vers: "1.0.0" },
      ]);
      await using served = await serveRegistrySubprocess(index);
      const app = `${root}/app`;
      await Deno.mkdir(app);
      await Deno.writeTextFile(
        `${app}/mochi.toml`,
        '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2026"\nmochi = ">=0.7"\n\n' +
          `[registry]\ncrates-io = "sparse+${served.url}"\n\n` +
          '[targets.rust.ffi]\nsmallvec = "1"\nregex = "=1.5.4"\nitoa = "1"\n',
      );
      const env = {
        MOCHI_HOME: `${root}/home`,
        MOCHI_ADVISORY_DB: `${ROOT}/fixtures/supply/advisories/crates`,
      };
      const lock = await runCli(["lock", "-C", app], { env });
      assert.equal(lock.code, 0, lock.stderr);
      // The fixed releases appear later.
      await writeCargoIndex(index, [
        { name: "smallvec", vers: "1.6.0" },
        { name: "smallvec", vers: "1.6.1" },
        { name: "smallvec", vers: "1.13.2" },
        { name: "regex", vers: "1.5.4" },
        { name: "regex", vers: "1.5.5" },
        { name: "itoa", vers: "1.0.0" },
        { name: "itoa", vers: "1.0.11" },
      ]);
      const before = await runCli(["audit", "-C", app], { env });
      assert.equal(before.code, 1, before.stderr);
      assert.match(before.stdout, /^2 findings \(1 critical, 1 high\)/m);

      const fix = await runCli(["audit", "fix", "-C", app], { env });
      assert.equal(fix.code, 1, fix.stderr);
      // The lowest fixed version (RUSTSEC-2021-0003 fixes 1.x in 1.6.1), not the newest 1.13.2;
      // itoa, not affected, keeps 1.0.0 although 1.0.11 is out.
      assert.match(fix.stdout, /~ smallvec 1\.6\.0 → 1\.6\.1/);
      assert.doesNotMatch(fix.stdout, /itoa/);
      const fixedLock = await Deno.readTextFile(`${app}/mochi.lock`);
      assert.match(fixedLock, /name = "itoa"\nversion = "1\.0\.0"/);
      assert.match(fix.stderr, /AUDIT_E005/);
      assert.match(
        fix.stderr,
        /regex 1\.5\.4 \(crates\.io\): RUSTSEC-2022-0013 still affects .*fixed in 1\.5\.5; raise \[targets\.rust\.ffi\] regex/,
      );
      const after = await runCli(["audit", "--json", "-C", app], { env });
      assert.deepEqual(JSON.parse(after.stdout).findings.map((f: { id: string }) => f.id), [
        "RUSTSEC-2022-0013",
      ]);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);
