/**
 * `mochi vendor` and offline installs (issue 18 item 3), through the real CLI: a project with
 * registry packages, a git package and a Rust crate is vendored; on a fresh home with every
 * registry URL, the cargo index and the git repository pointing nowhere, `install --offline`
 * takes everything from the vendor directory, checking each file against the lock; a changed
 * vendored byte is refused (exit 4, nothing stored); a package the directory lacks is named;
 * and `--offline` with an empty cache and no vendor directory names the first missing package.
 */
import assert from "node:assert/strict";
import { parseLockfile } from "../src/lockfile/mod.ts";
import { FsStore } from "../src/store/fs/fs_store.ts";
import { serveRegistry } from "../src/registry/server/registry_server.ts";
import { runCli, writeRegistry } from "./helpers.ts";
import { makePackageRepo } from "./git_server.ts";
import { guardedTest } from "./stray.ts";
import { writeCargoIndex } from "./cargo_index_testing.ts";

guardedTest(
  "mochi vendor, then install --offline from it with every source pointing nowhere",
  async () => {
    const tmp = await Deno.makeTempDir({ prefix: "mochi-vendor-" });
    try {
      const reg = `${tmp}/registry`;
      await writeRegistry(reg, [
        { name: "leaf", version: "1.0.0" },
        { name: "@acme/mid", version: "2.1.0", deps: { leaf: "^1" } },
      ]);
      await writeCargoIndex(`${tmp}/cargo`, [{ name: "alpha", vers: "1.0.0" }]);
      // Both registries on loopback for the vendoring run only; stopped before the offline runs,
      // so every URL in the lock and the environment then points at a closed port.
      const mochiServer = serveRegistry(reg, { port: 0 });
      const cargoServer = serveRegistry(`${tmp}/cargo`, { port: 0 });
      const repo = await makePackageRepo(tmp, "gitpkg", "0.3.0");
      const app = `${tmp}/app`;
      await Deno.mkdir(`${app}/src`, { recursive: true });
      const manifest = `[package]\nname = "app"\nversion = "0.1.0"\nedition = "2026"\n` +
        `mochi = ">=0.7"\n\n[dependencies]\n"@acme/mid" = "^2"\n` +
        `gitpkg = { git = "file://${repo.bare}", tag = "v0.3.0" }\n\n` +
        `[targets.rust.ffi]\nalpha = "1"\n`;
      const registryTable = (cratesIo: string, extra = "") =>
        `[registry]\ncrates-io = "${cratesIo}"\n${extra}\n`;
      await Deno.writeTextFile(
        `${app}/mochi.toml`,
        registryTable(`sparse+${cargoServer.url}`) + manifest,
      );

      const online = { MOCHI_HOME: `${tmp}/home1`, MOCHI_REGISTRY: mochiServer.url };
      const v = await runCli(["vendor"], { cwd: app, env: online });
      await mochiServer.shutdown();
      await cargoServer.shutdown();
      assert.equal(v.code, 0, v.stderr);
      assert.match(v.stdout, /\[registry\]\nvendor = "vendor"\n/);
      assert.match(v.stdout, /Vendored 3 package\(s\) and 1 crate\(s\)/);
      const lockText = await Deno.readTextFile(`${app}/mochi.lock`);
      const lock = parseLockfile(lockText);
      const listing = JSON.parse(await Deno.readTextFile(`${app}/vendor/vendor.json`));
      assert.deepEqual(
        listing.packages.map((p: { kind: string; name: string; file: string }) =>
          `${p.kind} ${p.name} ${p.file}`
        ),
        [
          "crate alpha crates/alpha-1.0.0.crate",
          "mochi @acme/mid mochi/acme-mid-2.1.0.tar.zst",
          "mochi gitpkg mochi/gitpkg-0.3.0.tar.zst",
          "mochi leaf mochi/leaf-1.0.0.tar.zst",
        ],
      );
      for (const p of lock.packages) {
        const e = listing.packages.find((x: { name: string }) => x.name === p.name);
        assert.equal(e.blake3, p.blake3);
        assert.equal(e.sha256, p.sha256);
      }

      // Another machine: nothing cached, every registry URL, the cargo index and the git
      // repository gone; the vendor snippet added to the manifest (it moves no locked version).
      await Deno.rename(repo.bare, `${repo.bare}.gone`);
      await Deno.writeTextFile(
        `${app}/mochi.toml`,
        registryTable(`sparse+${cargoServer.url}`, 'vendor = "vendor"') + manifest,
      );
      const away = { MOCHI_HOME: `${tmp}/home2`, MOCHI_REGISTRY: mochiServer.url };
      const off = await runCli(["install", "--offline"], { cwd: app, env: away });
      assert.equal(off.code, 0, off.stderr);
      assert.equal(await Deno.readTextFile(`${app}/mochi.lock`), lockText);
      const store = new FsStore(`${tmp}/home2/store`);
      for (const p of lock.packages) assert.equal(await store.checkBlob(p.blake3!), "ok", p.name);
      const crate = lock.rustPackages![0]!;
      assert.ok(await store.resolveAlias(crate.checksumSha256), "the crate came from the vendor");
      // mochi fetch --offline on yet another empty home takes the crate from the vendor too.
      const fetched = await runCli(["fetch", "--offline"], {
        cwd: app,
        env: { MOCHI_HOME: `${tmp}/home7`, MOCHI_REGISTRY: mochiServer.url },
      });
      assert.equal(fetched.code, 0, fetched.stderr);
      assert.match(fetched.stdout, /Fetched 1 crates/);
      // Again, now from the store: nothing to take.
      const again = await runCli(["install", "--offline", "--locked"], { cwd: app, env: away });
      assert.equal(again.code, 0, again.stderr);

      // A changed vendored byte is refused before it is stored.
      const leaf = lock.packages.find((p) => p.name === "leaf")!;
      const file = `${app}/vendor/mochi/leaf-1.0.0.tar.zst`;
      const bytes = await Deno.readFile(file);
      bytes[bytes.length - 1]! ^= 0xff;
      await Deno.writeFile(file, bytes);
      const tampered = { MOCHI_HOME: `${tmp}/home3`, MOCHI_REGISTRY: mochiServer.url };
      const bad = await runCli(["install", "--offline"], { cwd: app, env: tampered });
      assert.equal(bad.code, 4, bad.stderr);
      assert.match(bad.stderr, /VENDOR_E002.*leaf-1\.0\.0\.tar\.zst/s);
      assert.equal(await new FsStore(`${tmp}/home3/store`).checkBlob(leaf.blake3!), "missing");

      // A package the vendor directory lacks is named.
      bytes[bytes.length - 1]! ^= 0xff;
      await Deno.writeFile(file, bytes);
      listing.packages = listing.packages.filter((p: { name: string }) => p.name !== "@acme/mid");
      await Deno.writeTextFile(`${app}/vendor/vendor.json`, JSON.stringify(listing));
      const lacking = await runCli(["install", "--offline"], {
        cwd: app,
        env: { MOCHI_HOME: `${tmp}/home4`, MOCHI_REGISTRY: mochiServer.url },
      });
      assert.equal(lacking.code, 1, lacking.stderr);
      assert.match(
        lacking.stderr,
        /VENDOR_E001.*@acme\/mid 2\.1\.0 is not in the vendor directory/s,
      );

      // No vendor directory and an empty cache: --offline names the first missing package.
      await Deno.writeTextFile(
        `${app}/mochi.toml`,
        registryTable(`sparse+${cargoServer.url}`) + manifest,
      );
      const empty = await runCli(["install", "--offline"], {
        cwd: app,
        env: { MOCHI_HOME: `${tmp}/home5`, MOCHI_REGISTRY: mochiServer.url },
      });
      assert.equal(empty.code, 1, empty.stderr);
      assert.match(empty.stderr, /BLOB_E007.*--offline.*\(first: @acme\/mid 2\.1\.0\)/s);
      // No lock either: resolving offline names the first package whose index is not cached.
      await Deno.remove(`${app}/mochi.lock`);
      const nolock = await runCli(["install", "--offline"], {
        cwd: app,
        env: { MOCHI_HOME: `${tmp}/home6`, MOCHI_REGISTRY: mochiServer.url },
      });
      assert.equal(nolock.code, 1, nolock.stderr);
      assert.match(nolock.stderr, /BLOB_E007.*gitpkg.*--offline/s);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
);

guardedTest(
  "vendor: a misspelt [registry] key gets a did-you-mean; a bad value its position",
  async () => {
    const { parseManifest } = await import("../src/manifest/parse.ts");
    const head = `[package]\nname = "a"\nversion = "1.0.0"\nedition = "2026"\nmochi = ">=0.7"\n`;
    const w = parseManifest(`${head}[registry]\nvendr = "vendor"\n`).warnings;
    assert.equal(w.length, 1);
    assert.match(w[0]!.message, /unknown key "vendr" in \[registry\].*did you mean "vendor"/);
    assert.deepEqual([w[0]!.line, w[0]!.column], [7, 1]);
    assert.throws(
      () => parseManifest(`${head}[registry]\nvendor = 3\n`),
      (e: Error & { code?: string; line?: number; column?: number }) =>
        e.code === "MANIFEST_E009" && e.line === 7 && e.column === 10,
    );
    assert.equal(
      parseManifest(`${head}[registry]\nvendor = "third_party/v"\n`).manifest.registry.vendor,
      "third_party/v",
    );
  },
);
