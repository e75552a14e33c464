/**
 * Issue 11 item 15: names that are also properties of `Object.prototype` (`constructor`,
 * `__proto__`, `toString`, `hasOwnProperty`, `prototype`) used as package, crate, feature and
 * capability names, through every command that reads them: lock (twice, so the lock's own
 * entries are read back), install, tree, why, why-capability and audit capabilities. Each
 * command either works or refuses with a catalogue error; none crashes (no internal error, no
 * `TypeError`).
 */
import { gzipSync } from "node:zlib";
import { assert, assertEquals } from "./assert.ts";
import { runCli, serveRegistrySubprocess, writeRegistry } from "./helpers.ts";
import { crateIndexPath } from "../src/rust/mod.ts";
import { digestBytes } from "../src/store/mod.ts";
import { indexPath } from "../src/index/mod.ts";
import { guardedTest } from "./stray.ts";

const NAMES = ["constructor", "__proto__", "toString", "hasOwnProperty", "prototype"];

function noCrash(r: { code: number; stdout: string; stderr: string }, what: string) {
  assert(r.code !== 2, `${what}: internal error\n${r.stderr}`);
  assert(
    !/TypeError|is not iterable|is not a function|INTERNAL_E/.test(r.stderr),
    `${what}: ${r.stderr}`,
  );
}

async function writeCrates(dir: string, names: string[]): Promise<void> {
  await Deno.writeTextFile(
    `${dir}/config.json`,
    JSON.stringify({ dl: "dl/{crate}/{version}/download", api: null }),
  );
  for (const name of names) {
    const body = new Uint8Array(gzipSync(new TextEncoder().encode(`${name} source\n`)));
    await Deno.mkdir(`${dir}/dl/${name}/1.0.0`, { recursive: true });
    await Deno.writeFile(`${dir}/dl/${name}/1.0.0/download`, body);
    // Every prototype name as a feature, the first of them on by default.
    const features: Record<string, string[]> = {};
    for (const f of NAMES) Object.defineProperty(features, f, { value: [], enumerable: true });
    Object.defineProperty(features, "default", { value: ["constructor"], enumerable: true });
    const line = JSON.stringify({
      name,
      vers: "1.0.0",
      deps: [],
      cksum: (await digestBytes(body)).sha256,
      features,
      yanked: false,
    });
    const p = crateIndexPath(name);
    await Deno.mkdir(`${dir}/${p.split("/").slice(0, -1).join("/")}`, { recursive: true });
    await Deno.writeTextFile(`${dir}/${p}`, line + "\n");
  }
}

guardedTest(
  "prototype names as package, crate, feature and capability names: every command works or refuses cleanly",
  async () => {
    const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "mochi-proto-" }));
    try {
      // Mochi packages named constructor and prototype (the names the name rule allows), each
      // requiring a capability; one depends on the other.
      await writeRegistry(`${root}/registry`, [
        { name: "prototype", version: "1.0.0", capabilities: ["env:HOME"] },
        {
          name: "constructor",
          version: "1.0.0",
          deps: { prototype: "1" },
          capabilities: ["fs.read:./data"],
        },
      ]);
      await Deno.mkdir(`${root}/cargo`);
      await writeCrates(`${root}/cargo`, ["constructor", "prototype"]);
      await using served = await serveRegistrySubprocess(`${root}/cargo`);
      const app = `${root}/app`;
      await Deno.mkdir(`${app}/src`, { recursive: true });
      const features = JSON.stringify(NAMES);
      await Deno.writeTextFile(
        `${app}/mochi.toml`,
        [
          "[package]",
          'name = "app"',
          'version = "0.1.0"',
          'edition = "2026"',
          'mochi = ">=0.7"',
          "",
          "[registry]",
          `crates-io = "sparse+${served.url}"`,
          "",
          "[dependencies]",
          'constructor = "1"',
          "",
          "[features]",
          "default = []",
          ...NAMES.map((n) => `${JSON.stringify(n)} = []`),
          "",
          "[targets.rust.ffi]",
          `constructor = { version = "1", features = ${features} }`,
          `prototype = { version = "1", features = ${features} }`,
          "",
        ].join("\n"),
      );
      await Deno.writeTextFile(
        `${app}/src/main.mochi`,
        'import rust "constructor@1" as c\nimport rust "prototype@1" as p\n',
      );
      const env = { MOCHI_HOME: `${root}/home`, MOCHI_REGISTRY: `${root}/registry` };
      const cli = (args: string[]) => runCli([...args, "-C", app], { env });

      for (const pass of ["first", "second (reads the lock back)"]) {
        const r = await cli(["lock"]);
        noCrash(r, `lock ${pass}`);
        assertEquals(r.code, 0, `lock ${pass}: ${r.stderr}`);
      }
      const lock = await Deno.readTextFile(`${app}/mochi.lock`);
      for (const n of ["constructor", "prototype"]) assert(lock.includes(`name = "${n}"`), lock);
      assert(lock.includes('"hasOwnProperty"') && lock.includes('"__proto__"'), lock);

      const install = await cli(["install"]);
      noCrash(install, "install");
      assertEquals(install.code, 0, install.stderr);
      const tree = await cli(["tree"]);
      noCrash(tree, "tree");
      assertEquals(tree.code, 0, tree.stderr);
      assert(tree.stdout.includes("constructor") && tree.stdout.includes("prototype"), tree.stdout);
      for (const n of ["constructor", "prototype"]) {
        const why = await cli(["why", n]);
        noCrash(why, `why ${n}`);
        assertEquals(why.code, 0, why.stderr);
      }
      // Names that are not packages here: refused with a catalogue error, not a crash.
      for (const n of ["toString", "__proto__", "hasOwnProperty"]) {
        const why = await cli(["why", n]);
        noCrash(why, `why ${n}`);
        assert(why.code !== 0 && /error\[[A-Z]+_E\d+\]/.test(why.stderr), why.stderr);
      }
      const cap = await cli(["why-capability", "fs.read"]);
      noCrash(cap, "why-capability fs.read");
      assertEquals(cap.code, 0, cap.stderr);
      assert(cap.stdout.includes("constructor"), cap.stdout);
      for (const n of NAMES) {
        const r = await cli(["why-capability", n]);
        noCrash(r, `why-capability ${n}`);
        assert(r.code === 1 && r.stderr.includes("CAP_E003"), r.stderr);
      }
      const audit = await cli(["audit", "capabilities", "--suspicious"]);
      noCrash(audit, "audit capabilities");
      assertEquals(audit.code, 0, audit.stderr);

      // The verbs that read or edit the same names: each works, none crashes.
      for (
        const args of [
          ["outdated"],
          ["outdated", "--json"],
          ["tree", "--json"],
          ["update", "constructor", "--dry-run"],
          ["update", "constructor"],
          ["lower", "--target", "deno"],
          ["fetch"],
          ["verify"],
          ["add", "prototype@1"],
          ["remove", "prototype"],
        ]
      ) {
        const r = await cli(args);
        noCrash(r, args.join(" "));
        assertEquals(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
      }
      const manifest = await Deno.readTextFile(`${app}/mochi.toml`);
      for (const n of NAMES) assert(manifest.includes(`${JSON.stringify(n)} = []`), manifest);

      // Prototype names as a record's dependency and capability: refused, never a crash.
      const registry = `${root}/registry`;
      const path = `${registry}/${indexPath("prototype")}`;
      const good = await Deno.readTextFile(path);
      for (const planted of NAMES) {
        const rec = JSON.parse(good.trim());
        await Deno.writeTextFile(
          path,
          JSON.stringify({ ...rec, v: "1.0.1", d: { [planted]: "1" }, c: [planted] }) + "\n",
        );
        const r = await cli(["lock", "--refresh"]);
        noCrash(r, `record naming ${planted}`);
        assert(r.code !== 0 && /error\[[A-Z]+_E\d+\]/.test(r.stderr), r.stderr);
      }
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);
