/**
 * Start-up of a no-op install (issue 12): no WebAssembly hasher is loaded before a command runs,
 * and dynamic imports are loaded when they run. `bench/startup_bench.ts`
 * measures the time; this test keeps the structure the time depends on.
 */
import { assert, assertEquals } from "./assert.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** Every module specifier reachable from `entry` through static imports (npm ones included). */
async function staticGraph(entry: string): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: {
      specifier: string;
      dependencies?: { isDynamic?: boolean; code?: { specifier?: string } }[];
    }[];
    redirects?: Record<string, string>;
  };
  const redirect = (s: string) => info.redirects?.[s] ?? s;
  const edges = new Map(info.modules.map((m) => [
    m.specifier,
    (m.dependencies ?? []).filter((d) => !d.isDynamic).map((d) => d.code?.specifier)
      .filter((s): s is string => s !== undefined).map(redirect),
  ]));
  const start = new URL(entry, `file://${ROOT}/`).href;
  const seen = new Set([start]);
  const todo = [start];
  while (todo.length > 0) {
    for (const next of edges.get(todo.pop()!) ?? []) {
      if (!seen.has(next)) seen.add(next), todo.push(next);
    }
  }
  return [...seen].sort();
}

Deno.test("mochi install loads no WebAssembly hasher at start-up", async () => {
  const graph = await staticGraph("src/cli/commands/install.ts");
  assert(graph.some((s) => s.endsWith("/src/install/install.ts")), graph.join("\n"));
  // hash-wasm is loaded on first streaming use (src/store/_wasm_hashers.ts); small digests come
  // from @noble/hashes (src/store/_small_digests.ts).
  assertEquals(graph.filter((s) => /hash-wasm|_wasm_hashers\.ts/.test(s)), []);
  assert(graph.some((s) => s.endsWith("/src/store/_small_digests.ts")), graph.join("\n"));
});

Deno.test("dynamic imports are loaded when they run (deno.json)", async () => {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`)) as {
    unstable?: string[];
  };
  assert(config.unstable?.includes("lazy-dynamic-imports"), JSON.stringify(config.unstable));
});
