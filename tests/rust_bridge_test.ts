/**
 * The Rust bridge end to end through the CLI: a cargo sparse index served by a real
 * `mochi registry serve` on 127.0.0.1, `[targets.rust.ffi]` plus `import rust` lines, `mochi lock`,
 * `mochi lock --check` drift after a publish, a yank and a changed `cksum`, and `mochi fetch`
 * refusing a `.crate` whose bytes do not match.
 */
import { gzipSync } from "node:zlib";
import { assert, assertEquals } from "./assert.ts";
import { runCli, serveRegistrySubprocess, snapshotTree } from "./helpers.ts";
import { crateIndexPath } from "../src/rust/mod.ts";
import { parseLockfile } from "../src/lockfile/mod.ts";
import { digestBytes } from "../src/store/mod.ts";
import { guardedTest } from "./stray.ts";

interface CrateSpec {
  name: string;
  vers: string;
  deps?: { name: string; req: string; optional?: boolean; features?: string[] }[];
  features?: Record<string, string[]>;
  yanked?: boolean;
}

function gzip(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(gzipSync(bytes));
}

/** Writes `.crate` files and index lines; returns crate@version → cksum. */
async function writeCargoIndex(dir: string, crates: CrateSpec[]): Promise<Map<string, string>> {
  await Deno.writeTextFile(
    `${dir}/config.json`,
    JSON.stringify({ dl: "dl/{crate}/{version}/download", api: null }),
  );
  const sums = new Map<string, string>();
  const lines = new Map<string, string[]>();
  for (const c of crates) {
    const body = gzip(new TextEncoder().encode(`${c.name}-${c.vers} source\n`));
    const path = `${dir}/dl/${c.name}/${c.vers}`;
    await Deno.mkdir(path, { recursive: true });
    await Deno.writeFile(`${path}/download`, body);
    const cksum = (await digestBytes(body)).sha256;
    sums.set(`${c.name}@${c.vers}`, cksum);
    const line = JSON.stringify({
      name: c.name,
      vers: c.vers,
      deps: (c.deps ?? []).map((d) => ({
        name: d.name,
        req: d.req,
        features: d.features ?? [],
        optional: d.optional ?? false,
        default_features: true,
        target: null,
        kind: "normal",
      })),
      cksum,
      features: c.features ?? {},
      yanked: c.yanked ?? false,
    });
    const p = crateIndexPath(c.name);
    lines.set(p, [...(lines.get(p) ?? []), line]);
  }
  for (const [p, ls] of lines) {
    await Deno.mkdir(`${dir}/${p.split("/").slice(0, -1).join("/")}`, { recursive: true });
    await Deno.writeTextFile(`${dir}/${p}`, ls.join("\n") + "\n");
  }
  return sums;
}

const BASE: CrateSpec[] = [
  {
    name: "alpha",
    vers: "1.0.0",
    deps: [{ name: "beta", req: "0.3", optional: true }],
    features: { extra: ["dep:beta"] },
  },
  {
    name: "alpha",
    vers: "1.1.0",
    deps: [{ name: "beta", req: "0.3", optional: true }, { name: "gamma", req: "2" }],
    features: { default: [], extra: ["dep:beta", "gamma/fast"] },
  },
  { name: "beta", vers: "0.3.0" },
  { name: "beta", vers: "0.3.1" },
  { name: "gamma", vers: "2.0.4", features: { fast: [] } },
  { name: "unused", vers: "9.0.0" },
];

async function project(dir: string, indexUrl: string, importLine: string): Promise<void> {
  await Deno.mkdir(`${dir}/src`, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/mochi.toml`,
    [
      "[package]",
      'name = "app"',
      'version = "0.1.0"',
      'edition = "2026"',
      'mochi = ">=0.7"',
      "",
      "[registry]",
      `crates-io = "sparse+${indexUrl}"`,
      "",
      "[targets.rust.ffi]",
      'alpha = { version = "1", features = ["extra"] }',
      "",
    ].join("\n"),
  );
  await Deno.writeTextFile(`${dir}/src/main.mochi`, `${importLine}\n\nprint("hi")\n`);
}

guardedTest(
  "Rust bridge through the CLI: lock, lock --check drift, fetch refuses bad bytes",
  async (t) => {
    const root = await Deno.makeTempDir({ prefix: "mochi-rust-" });
    const index = `${root}/index`;
    const app = `${root}/app`;
    const home = `${root}/home`;
    await Deno.mkdir(index);
    const env = { MOCHI_HOME: home };
    try {
      await writeCargoIndex(index, BASE);
      await using served = await serveRegistrySubprocess(index);
      await project(app, served.url, 'import rust "alpha@1" as alpha');

      await t.step("mochi lock pins crates with features, and --check passes", async () => {
        const r = await runCli(["lock", "-C", app], { env });
        assertEquals(r.code, 0, r.stderr);
        const lock = parseLockfile(await Deno.readTextFile(`${app}/mochi.lock`));
        const crates = (lock.rustPackages ?? []).map((c) => `${c.name} ${c.version}`);
        assertEquals(crates, ["alpha 1.1.0", "beta 0.3.1", "gamma 2.0.4"]);
        const alpha = lock.rustPackages!.find((c) => c.name === "alpha")!;
        assertEquals(alpha.features, ["default", "extra"]);
        assertEquals(alpha.dependencies, ["beta 0.3.1", "gamma 2.0.4"]);
        assertEquals(alpha.source, { kind: "registry", index: `sparse+${served.url}` });
        const gamma = lock.rustPackages!.find((c) => c.name === "gamma")!;
        assertEquals(gamma.features, ["fast"]);
        const check = await runCli(["lock", "--check", "-C", app], { env });
        assertEquals(check.code, 0, check.stderr);
        assert(check.stdout.includes("3 Rust crates"), check.stdout);
      });

      await t.step(
        "mochi install keeps a lock that still answers, with no Mochi registry",
        async () => {
          const r = await runCli(["install", "-C", app], { env });
          assertEquals(r.code, 0, r.stderr);
          assert(r.stdout.includes("Up to date: 0 packages and 3 Rust crates"), r.stdout);
        },
      );

      await t.step("mochi tree and mochi why show the crates", async () => {
        const tree = await runCli(["tree", "-C", app], { env });
        assertEquals(tree.code, 0, tree.stderr);
        assertEquals(tree.stdout.trim().split("\n"), [
          "app 0.1.0",
          "└── alpha 1.1.0",
          "    ├── beta 0.3.1",
          "    └── gamma 2.0.4",
        ]);
        const why = await runCli(["why", "gamma", "-C", app], { env });
        assertEquals(why.code, 0, why.stderr);
        assert(why.stdout.includes("alpha 1.1.0"), why.stdout);
      });

      const locked = await Deno.readTextFile(`${app}/mochi.lock`);
      const drift = async (crates: CrateSpec[], expect: string[]) => {
        await Deno.remove(`${index}/al`, { recursive: true }).catch(() => {});
        await Deno.remove(`${index}/2`, { recursive: true }).catch(() => {});
        await Deno.remove(`${index}/be`, { recursive: true }).catch(() => {});
        await Deno.remove(`${index}/ga`, { recursive: true }).catch(() => {});
        await writeCargoIndex(index, crates);
        const r = await runCli(["lock", "--check", "-C", app], { env });
        assertEquals(r.code, 1, r.stdout + r.stderr);
        for (const line of expect) {
          assert(r.stderr.includes(line), `missing "${line}" in\n${r.stderr}`);
        }
        assertEquals(
          await Deno.readTextFile(`${app}/mochi.lock`),
          locked,
          "--check wrote the lock",
        );
      };

      await t.step("a new version published is drift", async () => {
        await drift(
          [...BASE, { ...BASE[1]!, vers: "1.2.0" }],
          ["+ crate alpha 1.2.0", "- crate alpha 1.1.0"],
        );
      });

      await t.step("a yank is drift", async () => {
        await drift(
          BASE.map((c) => c.name === "beta" && c.vers === "0.3.1" ? { ...c, yanked: true } : c),
          ["+ crate beta 0.3.0", "- crate beta 0.3.1"],
        );
      });

      await t.step("a changed cksum is drift", async () => {
        await writeCargoIndex(index, BASE);
        const p = `${index}/${crateIndexPath("gamma")}`;
        const text = await Deno.readTextFile(p);
        await Deno.writeTextFile(
          p,
          text.replace(/"cksum":"[0-9a-f]{64}"/, `"cksum":"${"ab".repeat(32)}"`),
        );
        const r = await runCli(["lock", "--check", "-C", app], { env });
        assertEquals(r.code, 1, r.stderr);
        assert(r.stderr.includes("~ crate gamma 2.0.4 (checksum"), r.stderr);
      });

      await t.step(
        "mochi fetch stores crates; a .crate with other bytes exits 4, unstored",
        async () => {
          await writeCargoIndex(index, BASE);
          const ok = await runCli(["fetch", "-C", app], { env });
          assertEquals(ok.code, 0, ok.stderr);
          assert(ok.stdout.includes("Fetched 3 crates"), ok.stdout);
          const again = await runCli(["fetch", "-C", app], { env });
          assertEquals(again.code, 0, again.stderr);
          assert(again.stdout.includes("Fetched 0 crates") && again.stdout.includes("3 already"));

          const home2 = `${root}/home2`;
          await Deno.writeFile(
            `${index}/dl/gamma/2.0.4/download`,
            new TextEncoder().encode("evil"),
          );
          const bad = await runCli(["fetch", "-C", app], { env: { MOCHI_HOME: home2 } });
          assertEquals(bad.code, 4, bad.stdout + bad.stderr);
          assert(
            bad.stderr.includes("RUST_E004") && bad.stderr.includes("gamma 2.0.4"),
            bad.stderr,
          );
          const files = await snapshotTree(`${home2}/store`);
          const evil = (await digestBytes(new TextEncoder().encode("evil"))).blake3;
          assert(!files.some((f) => f.includes(evil)), `stored the bad crate: ${files.join(", ")}`);
          assert(!files.some((f) => f.endsWith(".part")), `left a temp file: ${files.join(", ")}`);
        },
      );

      await t.step("the manifest and an import that disagree fail naming both", async () => {
        await Deno.writeTextFile(`${app}/src/main.mochi`, 'import rust "alpha@2" as alpha\n');
        const before = await Deno.readTextFile(`${app}/mochi.lock`);
        const r = await runCli(["lock", "-C", app], { env });
        assertEquals(r.code, 1, r.stderr);
        assert(r.stderr.includes("RUST_E003"), r.stderr);
        assert(
          r.stderr.includes("mochi.toml:11") && r.stderr.includes("src/main.mochi:1"),
          r.stderr,
        );
        assertEquals(await Deno.readTextFile(`${app}/mochi.lock`), before);
      });
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);
