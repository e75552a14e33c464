/**
 * Dependency confusion (Alex Birsan, 2021): two loopback registries, "internal" with
 * `acme-utils` 1.0.0 and "public" with `acme-utils` 99.0.0. A name found on one registry is
 * never taken from another unless the manifest names it; the lock records each package's
 * registry; adding or reordering registries does not move a locked package; `--locked` fails
 * when a source would change.
 */
import assert from "node:assert/strict";
import { install, lock } from "../src/install/mod.ts";
import { parseLockfile } from "../src/lockfile/mod.ts";
import { MochiError } from "../src/errors.ts";
import { serveRegistry } from "../src/registry/server/registry_server.ts";
import { runCli, snapshotTree, writeProject, writeRegistry } from "./helpers.ts";
import { strayGuard } from "./stray.ts";

interface Fx {
  tmp: string;
  app: string;
  home: string;
  internal: string;
  public: string;
  /** Rewrites mochi.toml with these registry lines and dependency lines. */
  manifest(registry: string, deps: string): Promise<void>;
  locked(): Map<string, { version: string; source: string }>;
}

async function withTwoRegistries(fn: (f: Fx) => Promise<void>): Promise<void> {
  const check = await strayGuard();
  const tmp = await Deno.makeTempDir({ prefix: "mochi-confusion-" });
  await writeRegistry(`${tmp}/internal`, [
    { name: "acme-utils", version: "1.0.0" },
    { name: "acme-core", version: "1.2.0", deps: { "acme-utils": "*" } },
  ]);
  await writeRegistry(`${tmp}/public`, [
    { name: "acme-utils", version: "99.0.0" },
    { name: "left-pad", version: "1.3.0" },
  ]);
  const a = serveRegistry(`${tmp}/internal`, { port: 0 });
  const b = serveRegistry(`${tmp}/public`, { port: 0 });
  const app = `${tmp}/app`;
  try {
    await fn({
      tmp,
      app,
      home: `${tmp}/home`,
      internal: a.url,
      public: b.url,
      async manifest(registry, deps) {
        await Deno.mkdir(app, { recursive: true });
        await Deno.writeTextFile(
          `${app}/mochi.toml`,
          `[package]\nname = "app"\nversion = "0.1.0"\nedition = "2026"\nmochi = ">=0.7"\n\n` +
            `[dependencies]\n${deps}\n\n${registry}\n`,
        );
      },
      locked() {
        const l = parseLockfile(Deno.readTextFileSync(`${app}/mochi.lock`));
        return new Map(l.packages.map((p) => [p.name, { version: p.version, source: p.source }]));
      },
    });
  } finally {
    await a.shutdown();
    await b.shutdown();
    await Deno.remove(tmp, { recursive: true });
  }
  await check();
}

const alt = (name: string, url: string) =>
  `[[registry.alternate]]\nname = "${name}"\nurl = "${url}"\n`;

Deno.test("confusion: a name on the first registry is never taken from a later one", async () => {
  await withTwoRegistries(async (f) => {
    await f.manifest(
      `[registry]\ndefault = "${f.internal}"\n\n${alt("public", f.public)}`,
      `acme-utils = "*"\nacme-core = "1"\nleft-pad = "1"`,
    );
    await install({ projectDir: f.app, mochiHome: f.home });
    const l = f.locked();
    assert.deepEqual(l.get("acme-utils"), {
      version: "1.0.0",
      source: `registry+${f.internal}`,
    });
    // Transitively too: acme-core's "*" does not reach public's 99.0.0.
    assert.equal(l.get("acme-core")?.source, `registry+${f.internal}`);
    // A name only the public registry has comes from there, and the lock says so.
    assert.deepEqual(l.get("left-pad"), { version: "1.3.0", source: `registry+${f.public}` });
  });
});

Deno.test("confusion: the public registry is not even asked about a name internal has", async () => {
  await withTwoRegistries(async (f) => {
    await f.manifest(
      `[registry]\ndefault = "${f.internal}"\n\n${alt("public", f.public)}`,
      `acme-utils = "*"`,
    );
    const asked: string[] = [];
    const spy: typeof fetch = (input, init) => {
      asked.push(String(input instanceof Request ? input.url : input));
      return fetch(input, init);
    };
    await install({ projectDir: f.app, mochiHome: f.home, fetch: spy });
    assert.ok(asked.some((u) => u.startsWith(f.internal) && u.includes("acme-utils")));
    assert.deepEqual(asked.filter((u) => u.startsWith(f.public)), []);
  });
});

Deno.test("confusion: only a manifest entry naming the registry takes the other one", async () => {
  await withTwoRegistries(async (f) => {
    await f.manifest(
      `[registry]\ndefault = "${f.internal}"\n\n${alt("public", f.public)}`,
      `acme-utils = { version = "*", registry = "public" }`,
    );
    await install({ projectDir: f.app, mochiHome: f.home });
    assert.deepEqual(f.locked().get("acme-utils"), {
      version: "99.0.0",
      source: `registry+${f.public}`,
    });
    await f.manifest(
      `[registry]\ndefault = "${f.internal}"\n`,
      `acme-utils = { version = "*", registry = "corp" }`,
    );
    await assert.rejects(
      () => install({ projectDir: f.app, mochiHome: f.home }),
      (e: unknown) =>
        e instanceof MochiError && e.code === "SOURCE_E001" && /"corp"/.test(e.message),
    );
  });
});

Deno.test("confusion: adding the public registry later, or putting it first, keeps the lock", async () => {
  await withTwoRegistries(async (f) => {
    await f.manifest(`[registry]\ndefault = "${f.internal}"\n`, `acme-utils = "*"`);
    await install({ projectDir: f.app, mochiHome: f.home });
    const before = Deno.readTextFileSync(`${f.app}/mochi.lock`);
    // Added later (the manifest changes, so it re-resolves): acme-utils stays internal.
    await f.manifest(
      `[registry]\ndefault = "${f.internal}"\n\n${alt("public", f.public)}`,
      `acme-utils = "*"`,
    );
    await lock({ projectDir: f.app, mochiHome: f.home });
    assert.deepEqual(f.locked().get("acme-utils"), {
      version: "1.0.0",
      source: `registry+${f.internal}`,
    });
    // Reordered: public becomes the default. The locked name keeps its registry.
    await f.manifest(
      `[registry]\ndefault = "${f.public}"\n\n${alt("internal", f.internal)}`,
      `acme-utils = "*"`,
    );
    await lock({ projectDir: f.app, mochiHome: f.home });
    assert.deepEqual(f.locked().get("acme-utils"), {
      version: "1.0.0",
      source: `registry+${f.internal}`,
    });
    const after = parseLockfile(Deno.readTextFileSync(`${f.app}/mochi.lock`));
    assert.deepEqual(
      after.packages.map((p) => [p.name, p.version, p.source, p.blake3]),
      parseLockfile(before).packages.map((p) => [p.name, p.version, p.source, p.blake3]),
    );
  });
});

Deno.test("confusion CLI: --locked fails (exit 1) when a locked package's source would change", async () => {
  await withTwoRegistries(async (f) => {
    await f.manifest(
      `[registry]\ndefault = "${f.internal}"\n\n${alt("public", f.public)}`,
      `acme-utils = "*"`,
    );
    const env = { MOCHI_HOME: f.home };
    const first = await runCli(["install", "-C", f.app], { env });
    assert.equal(first.code, 0, first.stderr);
    const lockBytes = Deno.readTextFileSync(`${f.app}/mochi.lock`);
    await f.manifest(
      `[registry]\ndefault = "${f.internal}"\n\n${alt("public", f.public)}`,
      `acme-utils = { version = "*", registry = "public" }`,
    );
    const r = await runCli(["install", "--locked", "-C", f.app], { env });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /LOCK_E002/);
    assert.match(r.stderr, /source of acme-utils 1\.0\.0 would change from registry\+http/);
    assert.equal(Deno.readTextFileSync(`${f.app}/mochi.lock`), lockBytes, "lock untouched");
    // Without --locked it moves, and says where from in the lock.
    const moved = await runCli(["install", "-C", f.app], { env });
    assert.equal(moved.code, 0, moved.stderr);
    assert.equal(f.locked().get("acme-utils")?.source, `registry+${f.public}`);
  });
});

Deno.test("confusion: a lock whose registry is configured nowhere is refused (SOURCE_E002), nothing fetched", async () => {
  await withTwoRegistries(async (f) => {
    await writeProject(f.app, { "left-pad": "1" });
    await install({ projectDir: f.app, mochiHome: f.home, registryUrl: f.public });
    // Fresh store, registry swapped for the internal one: the lock names a registry that the
    // project no longer configures, so nothing is fetched from it (lockfile-lint's allowed hosts).
    const home2 = `${f.tmp}/home2`;
    await assert.rejects(
      install({ projectDir: f.app, mochiHome: home2, registryUrl: f.internal, locked: true }),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, "SOURCE_E002");
        assert.match(e.message, /left-pad 1\.\d+\.\d+ from registry\+http/);
        return true;
      },
    );
    assert.deepEqual(await snapshotTree(`${home2}/store/blobs`), []);
  });
});

Deno.test("confusion: mochi add pins a package found only on an alternate registry", async () => {
  await withTwoRegistries(async (f) => {
    await f.manifest(
      `[registry]\ndefault = "${f.internal}"\n\n${alt("public", f.public)}`,
      `acme-utils = "1"`,
    );
    const env = { MOCHI_HOME: f.home };
    const r = await runCli(["add", "left-pad", "-C", f.app], { env });
    assert.equal(r.code, 0, r.stderr);
    const text = Deno.readTextFileSync(`${f.app}/mochi.toml`);
    assert.ok(text.includes('left-pad = { version = "1.3.0", registry = "public" }'), text);
    const same = await runCli(["add", "acme-core", "-C", f.app], { env });
    assert.equal(same.code, 0, same.stderr);
    assert.ok(Deno.readTextFileSync(`${f.app}/mochi.toml`).includes('acme-core = "1.2.0"'));
  });
});
