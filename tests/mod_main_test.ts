/**
 * Issue 13 item 1: `deno run -A jsr:@mochi/pkg install` runs the CLI. Its local form,
 * `deno run -A mod.ts install`, installs a project from a loopback registry; importing mod.ts
 * runs nothing and prints nothing; and the everyday command modules load no Sigstore, tar or
 * SPDX library at start-up (they load on first use), checked on the static import graph.
 */
import { assert, assertEquals } from "./assert.ts";
import { ROOT, serveRegistrySubprocess, writeProject, writeRegistry } from "./helpers.ts";
import { guardedTest } from "./stray.ts";

async function deno(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: options.cwd ?? ROOT,
    env: { NO_COLOR: "1", ...options.env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

guardedTest("deno run -A mod.ts install installs a project from a loopback registry", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "mochi-modmain-" });
  try {
    await writeRegistry(`${tmp}/reg`, [
      { name: "app-core", version: "1.2.0", deps: { "text-util": "^0.3" } },
      { name: "text-util", version: "0.3.4" },
    ]);
    await writeProject(`${tmp}/project`, { "app-core": "1" });
    await using server = await serveRegistrySubprocess(`${tmp}/reg`);
    const env = { MOCHI_HOME: `${tmp}/home`, MOCHI_REGISTRY: server.url };
    const r = await deno(["run", "-A", `${ROOT}/mod.ts`, "install"], {
      cwd: `${tmp}/project`,
      env,
    });
    assertEquals(r.code, 0, r.stderr);
    assert(r.stdout.includes("Resolved 2 packages"), r.stdout);
    const lock = await Deno.readTextFile(`${tmp}/project/mochi.lock`);
    assert(lock.includes('name = "text-util"'), lock);
    const again = await deno(["run", "-A", `${ROOT}/mod.ts`, "install"], {
      cwd: `${tmp}/project`,
      env,
    });
    assert(again.stdout.startsWith("Up to date"), again.stdout);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("importing mod.ts runs nothing", async () => {
  const r = await deno([
    "eval",
    `import * as m from "${ROOT}/mod.ts"; console.log(typeof m.install);`,
  ]);
  assertEquals([r.code, r.stdout, r.stderr], [0, "function\n", ""]);
});

/** Every module the root loads before running (dynamic imports excluded: they load on use). */
async function staticImports(root: string): Promise<string[]> {
  const r = await deno(["info", "--json", root]);
  assertEquals(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout) as {
    roots: string[];
    redirects: Record<string, string>;
    modules: {
      specifier: string;
      dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
    }[];
  };
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const todo = [...info.roots];
  while (todo.length > 0) {
    const next = todo.pop()!;
    const spec = info.redirects[next] ?? next;
    if (seen.has(spec)) continue;
    seen.add(spec);
    for (const d of bySpecifier.get(spec)?.dependencies ?? []) {
      if (d.code && !d.isDynamic) todo.push(d.code.specifier);
    }
  }
  return [...seen];
}

Deno.test("cli.ts and the everyday commands load no Sigstore, tar or SPDX library at start-up", async () => {
  const heavy = /@sigstore|tar-stream|spdx-expression-parse/;
  // Commands that only read mochi.toml do not load the format-preserving editor either.
  const readers = new Set(["install", "lock", "tree", "why", "verify", "update", "outdated"]);
  for (
    const root of [
      "cli.ts",
      ...[...readers, "add", "remove"].map((c) => `src/cli/commands/${c}.ts`),
    ]
  ) {
    const loaded = await staticImports(`${ROOT}/${root}`);
    assert(loaded.length > 0, root);
    const name = root.split("/").pop()!.replace(".ts", "");
    const bad = loaded.filter((s) =>
      heavy.test(s) || (readers.has(name) && /toml-eslint-parser/.test(s))
    );
    assertEquals(bad, [], `${root} loads ${bad.join(", ")} at start-up`);
  }
});

Deno.test("the root facade loads no install pipeline, store, registry, TOML or lock code at start-up", async () => {
  // `deno run -A jsr:@mochi/pkg <command>` enters the CLI through mod.ts: what it loads statically
  // is paid on every command, before cli.ts decides what the command needs.
  const loaded = await staticImports(`${ROOT}/mod.ts`);
  const heavy =
    /\/src\/(install|store|registry|lockfile|manifest|trust|sandbox|capability)\/|smol-toml|toml-eslint|hash-wasm|@sigstore|tar-stream/;
  const bad = loaded.filter((s) => heavy.test(s));
  assertEquals(bad, [], `mod.ts loads ${bad.join(", ")} at start-up`);
});
