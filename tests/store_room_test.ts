/**
 * The store room through the real CLI (issue 11 item 13, issue 12 item 1): `.crate` files get a
 * SHA-256 alias in the store, so `mochi verify` and `mochi cache prune` know them and a crate
 * used today survives the default prune; links planted in the store by a co-user of
 * `$MOCHI_HOME` never make prune delete, or install write, outside the store, and a dry run
 * reports what a real run does.
 */
import { gzipSync } from "node:zlib";
import { assert, assertEquals } from "./assert.ts";
import { runCli, snapshotTree, writeProject, writeRegistry, writeRustProject } from "./helpers.ts";
import { hashTree, withSandbox } from "./sandbox.ts";
import { crateIndexPath } from "../src/rust/mod.ts";
import { digestBytes } from "../src/store/mod.ts";

const enc = new TextEncoder();
const DAY = 86_400_000;

/** A cargo index directory with `crates` (name, version, no deps); returns name → cksum. */
async function cargoIndex(dir: string, crates: [string, string][]): Promise<Map<string, string>> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/config.json`,
    JSON.stringify({ dl: "dl/{crate}/{version}/download", api: null }),
  );
  const sums = new Map<string, string>();
  for (const [name, vers] of crates) {
    const body = new Uint8Array(gzipSync(enc.encode(`${name}-${vers} source\n`)));
    await Deno.mkdir(`${dir}/dl/${name}/${vers}`, { recursive: true });
    await Deno.writeFile(`${dir}/dl/${name}/${vers}/download`, body);
    const cksum = (await digestBytes(body)).sha256;
    sums.set(name, cksum);
    const line = JSON.stringify({
      name,
      vers,
      deps: [],
      cksum,
      features: {},
      yanked: false,
    });
    const p = `${dir}/${crateIndexPath(name)}`;
    await Deno.mkdir(p.slice(0, p.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(p, line + "\n");
  }
  return sums;
}

function rustProject(dir: string, index: string, crates: string[]): Promise<void> {
  return writeRustProject(dir, `file://${index}/`, crates);
}

/** Set the mtime of every file under `dir` to `ms` ago (links not followed). */
async function age(dir: string, ms: number): Promise<void> {
  const t = new Date(Date.now() - ms);
  for await (const e of Deno.readDir(dir)) {
    if (e.isDirectory) await age(`${dir}/${e.name}`, ms);
    else if (e.isFile) await Deno.utime(`${dir}/${e.name}`, t, t);
  }
}

Deno.test("mochi fetch: crates are aliased in the store, touched when used, kept by the default prune, checked by verify", async () => {
  await withSandbox(async (sb) => {
    const index = `${sb.root}/cargo-index`;
    const sums = await cargoIndex(index, [["alpha", "1.0.0"], ["beta", "1.2.0"]]);
    const app = `${sb.root}/app`;
    await rustProject(app, index, ["alpha", "beta"]);
    const env = sb.env;

    const first = await runCli(["fetch", "-C", app], { env });
    assertEquals(first.code, 0, first.stderr);
    for (const [name, cksum] of sums) {
      const alias = `${sb.store}/aliases/sha256/${cksum}`;
      assert((await Deno.lstat(alias)).isFile, `no alias for ${name}`);
    }

    // Fetched 40 days ago, used again today: `mochi fetch` touches the cached crates, so the
    // default prune (30 days) keeps them, and an offline fetch still finds them.
    await age(`${sb.store}/blobs`, 40 * DAY);
    const again = await runCli(["fetch", "-C", app], { env });
    assertEquals(again.code, 0, again.stderr);
    assert(again.stdout.includes("2 already in the store"), again.stdout);
    const prune = await runCli(["cache", "prune"], { env });
    assertEquals(prune.code, 0, prune.stderr);
    assert(prune.stdout.includes("Removed 0 blobs"), prune.stdout);
    const offline = await runCli(["fetch", "--offline", "-C", app], { env });
    assertEquals(offline.code, 0, offline.stderr);

    const ok = await runCli(["verify"], { env });
    assertEquals(ok.code, 0, ok.stderr);
    assert(ok.stdout.includes("2 SHA-256 aliases"), ok.stdout);

    // An alias pointing at another blob is caught by verify (exit 4).
    const [a, b] = [...sums.values()];
    const bTarget = await Deno.readTextFile(`${sb.store}/aliases/sha256/${b}`);
    await Deno.writeTextFile(`${sb.store}/aliases/sha256/${a}`, bTarget);
    const bad = await runCli(["verify"], { env });
    assertEquals(bad.code, 4, bad.stdout + bad.stderr);
    assert(bad.stderr.includes(`SHA-256 alias ${a}`), bad.stderr);

    // Unused for 40 days: the default prune removes blobs and aliases alike.
    await age(`${sb.store}/blobs`, 40 * DAY);
    const gone = await runCli(["cache", "prune"], { env });
    assertEquals(gone.code, 0, gone.stderr);
    assert(gone.stdout.includes("Removed 2 blobs"), gone.stdout);
    assertEquals(await snapshotTree(`${sb.store}/aliases/sha256`), []);
  });
});

/** A directory outside the store with files named like store entries, aged 40 days. */
async function victim(dir: string): Promise<string[]> {
  const name = "ab".repeat(32);
  await Deno.mkdir(`${dir}/cd`, { recursive: true });
  await Deno.mkdir(`${dir}/${name}`, { recursive: true });
  await Deno.writeFile(`${dir}/cd/${name}`, enc.encode("precious\n"));
  await Deno.writeFile(`${dir}/${name}/file`, enc.encode("precious\n"));
  await Deno.writeFile(`${dir}/old.part`, enc.encode("precious\n"));
  await age(dir, 40 * DAY);
  const t = new Date(Date.now() - 40 * DAY);
  for (const d of ["cd", name, "."]) await Deno.utime(`${dir}/${d}`, t, t);
  return await hashTree(dir);
}

for (const at of ["tmp", "blobs/ab", "extracted", "blobs"]) {
  Deno.test(`cache prune never deletes through a link planted at store/${at}; --dry-run tells the truth`, async () => {
    await withSandbox(async (sb) => {
      const outside = `${sb.root}/outside`;
      const before = await victim(outside);
      await Deno.mkdir(`${sb.store}/${at.split("/").slice(0, -1).join("/")}`, { recursive: true });
      await Deno.symlink(outside, `${sb.store}/${at}`);
      const dry = await runCli(["cache", "prune", "--dry-run"], { env: sb.env });
      const real = await runCli(["cache", "prune"], { env: sb.env });
      assertEquals(await hashTree(outside), before, `prune deleted outside the store via ${at}`);
      assertEquals(dry.code, real.code, dry.stderr + real.stderr);
      if (real.code === 0) {
        assertEquals(dry.stdout.replace("Would remove", "Removed"), real.stdout);
        assert(real.stderr.includes(`${sb.store}/${at}`), real.stderr);
      } else {
        assertEquals(real.code, 4, real.stderr);
        assert(real.stderr.includes("STORE_E002"), real.stderr);
      }
      assert((await Deno.lstat(`${sb.store}/${at}`)).isSymlink, "the link itself is left alone");
    });
  });
}

async function installed(
  sb: { root: string; env: Record<string, string> },
): Promise<{ run: () => ReturnType<typeof runCli>; b3: string }> {
  const registry = `${sb.root}/registry`;
  const digests = await writeRegistry(registry, [{ name: "lib", version: "1.0.0" }]);
  const app = `${sb.root}/app`;
  await writeProject(app, { lib: "1" });
  const env = { ...sb.env, MOCHI_REGISTRY: registry };
  return { run: () => runCli(["install", "-C", app], { env }), b3: digests.get("lib@1.0.0")! };
}

Deno.test("install refuses a link planted at store/extracted/<b3> and writes nothing through store/tmp", async () => {
  await withSandbox(async (sb) => {
    const { run, b3 } = await installed(sb);
    const fake = `${sb.root}/fake-tree`;
    await Deno.mkdir(fake, { recursive: true });
    await Deno.writeTextFile(`${fake}/mochi.toml`, "# not the package\n");
    await Deno.mkdir(`${sb.store}/extracted`, { recursive: true });
    await Deno.symlink(fake, `${sb.store}/extracted/${b3}`);
    const r = await run();
    assertEquals(r.code, 4, r.stdout + r.stderr);
    assert(r.stderr.includes("STORE_E002") && r.stderr.includes(`extracted/${b3}`), r.stderr);

    await Deno.remove(`${sb.store}/extracted/${b3}`);
    await Deno.remove(`${sb.store}/tmp`, { recursive: true });
    const outside = `${sb.root}/outside-tmp`;
    await Deno.mkdir(outside);
    await Deno.symlink(outside, `${sb.store}/tmp`);
    const t = await run();
    assertEquals(t.code, 4, t.stdout + t.stderr);
    assert(t.stderr.includes("STORE_E002") && t.stderr.includes(`${sb.store}/tmp`), t.stderr);
    assertEquals(await snapshotTree(outside), [], "install wrote through store/tmp");

    await Deno.remove(`${sb.store}/tmp`);
    const ok = await run();
    assertEquals(ok.code, 0, ok.stderr);
  });
});

Deno.test("an edited extracted tree is caught by mochi verify (exit 4) and extracted again by mochi install", async () => {
  await withSandbox(async (sb) => {
    const { run, b3 } = await installed(sb);
    assertEquals((await run()).code, 0);
    const tree = `${sb.store}/extracted/${b3}`;
    const file = (await snapshotTree(tree)).map((l) => l.split(" ")[0] ?? "").find((f) =>
      f !== "" && !f.endsWith("/")
    )!;
    const original = await Deno.readTextFile(`${tree}/${file}`);
    await Deno.writeTextFile(`${tree}/${file}`, "export const evil = true;\n");
    const v = await runCli(["verify"], { env: sb.env });
    assertEquals(v.code, 4, v.stdout + v.stderr);
    assert(v.stderr.includes(`tree extracted from blob ${b3}`), v.stderr);
    const again = await run();
    assertEquals(again.code, 0, again.stderr);
    assertEquals(await Deno.readTextFile(`${tree}/${file}`), original, "install kept the edit");
    // A planted extra file is a change too.
    await Deno.writeTextFile(`${tree}/extra.mochi`, "x\n");
    assertEquals((await runCli(["verify"], { env: sb.env })).code, 4);
    assertEquals((await run()).code, 0);
    assertEquals((await runCli(["verify"], { env: sb.env })).code, 0);
  });
});
