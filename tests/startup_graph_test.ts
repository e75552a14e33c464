/**
 * Start-up structure (issue 12: a no-op `mochi install` and `mochi --version` no slower than
 * before): what Deno must read and evaluate before a command runs. `bench/startup_bench.ts`
 * measures the time; this test keeps the structure that the time depends on.
 */
import { assert, assertEquals } from "./assert.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

interface InfoModule {
  specifier: string;
  dependencies?: { isDynamic?: boolean; code?: { specifier?: string } }[];
}

/**
 * Local files reachable from `entry` (statically only, or through literal dynamic imports too),
 * and the `node:` modules they import.
 */
async function graph(entry: string, dynamic: boolean): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  const modules: InfoModule[] = JSON.parse(new TextDecoder().decode(out.stdout)).modules;
  const edges = new Map<string, string[]>();
  for (const m of modules) {
    edges.set(
      m.specifier,
      (m.dependencies ?? []).filter((d) => dynamic || !d.isDynamic)
        .map((d) => d.code?.specifier).filter((s): s is string => s !== undefined),
    );
  }
  const start = new URL(entry, `file://${ROOT}/`).href;
  const seen = new Set([start]);
  const todo = [start];
  while (todo.length > 0) {
    for (const next of edges.get(todo.pop()!) ?? []) {
      if (!seen.has(next)) seen.add(next), todo.push(next);
    }
  }
  return [...seen].filter((s) => s.startsWith(`file://${ROOT}/`) || s.startsWith("node:"))
    .map((s) => s.startsWith("node:") ? s : s.slice(`file://${ROOT}/`.length)).sort();
}

Deno.test("cli.ts reads no command module at start-up: each is loaded when it runs", async () => {
  const files = await graph("cli.ts", true);
  assertEquals(files.filter((f) => f.startsWith("src/cli/commands/")), []);
});

Deno.test("mochi install evaluates no resolver before it needs one (solver, Rust resolver, capability gate)", async () => {
  const files = await graph("src/cli/commands/install.ts", false);
  assert(files.includes("src/install/install.ts"), files.join("\n"));
  const resolvers = files.filter((f) =>
    f.startsWith("src/solver/") || f === "src/install/resolve.ts" ||
    f === "src/rust/resolve.ts" || f === "src/rust/provider.ts" ||
    f === "src/capability/gate.ts"
  );
  assertEquals(resolvers, []);
  // node:crypto costs ~14 ms of CPU to load: streaming SHA-256 loads it on first use.
  assertEquals(files.filter((f) => f === "node:crypto"), []);
});

Deno.test("the no-op fast path loads no node: module and no install pipeline; cli.ts loads it and the full CLI only when needed", async () => {
  const noop = await graph("src/cli/noop.ts", false);
  assertEquals(noop.filter((f) => f.startsWith("node:")), []);
  assertEquals(
    noop.filter((f) =>
      (f.startsWith("src/install/") && f !== "src/install/source_scan.ts") ||
      f.startsWith("src/lockfile/") || f.startsWith("src/manifest/") ||
      f.startsWith("src/registry/") || f === "src/store/fs/fs_store.ts"
    ),
    [],
  );
  // cli.ts's own graph: what every command pays before it is dispatched.
  const cli = await graph("cli.ts", false);
  assertEquals(
    cli.filter((f) => f === "src/cli/main.ts" || f === "src/cli/noop.ts" || f.startsWith("node:")),
    [],
  );
});
