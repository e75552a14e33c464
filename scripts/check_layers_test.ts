import { assertEquals } from "../tests/assert.ts";
import { checkLayers, cycles, stripComments } from "./check_layers.ts";
import { type Edge, type ImportGraph, loadGraph, REPO_ROOT, type Room } from "./_rooms.ts";

const rooms: Record<string, Room> = {
  semver: { paths: ["src/semver/"], layer: "core", about: "" },
  store: { paths: ["src/store/"], layer: "core", about: "" },
  "store-fs": { paths: ["src/store/fs/", "src/store/mod.ts"], layer: "adapter", about: "" },
  client: { paths: ["src/client/"], layer: "adapter", forbid: ["server"], about: "" },
  server: { paths: ["src/server/"], layer: "adapter", about: "" },
  moving: { paths: ["src/moving/"], layer: "core", level: "warn", about: "" },
  install: { paths: ["src/install/"], layer: "install", about: "" },
};

const code = (...to: string[]): Edge[] => to.map((t) => ({ to: t, kind: "code" }));

function graphOf(entries: Record<string, string[]>): ImportGraph {
  return new Map(Object.entries(entries).map(([k, v]) => [k, code(...v)]));
}

Deno.test("a clean graph has no finding", () => {
  const g = graphOf({
    "src/semver/a.ts": ["src/semver/b.ts", "node:crypto"],
    "src/semver/b.ts": [],
    "src/store/fs/x.ts": ["src/semver/a.ts", "node:fs"],
    "src/install/i.ts": ["src/store/fs/x.ts"],
  });
  assertEquals(checkLayers(g, new Map(), rooms, new Map()), []);
});

Deno.test("core importing an adapter or install, or a client importing the server, fails", () => {
  const g = graphOf({
    "src/semver/a.ts": ["src/store/fs/x.ts"],
    "src/store/d.ts": ["src/install/i.ts"],
    "src/client/c.ts": ["src/server/s.ts"],
    "src/store/fs/x.ts": [],
    "src/install/i.ts": [],
    "src/server/s.ts": [],
  });
  const f = checkLayers(g, new Map(), rooms, new Map());
  assertEquals(f.map((x) => [x.level, x.rule, x.at]), [
    ["error", "forbid", "src/client/c.ts"],
    ["error", "layer", "src/semver/a.ts"],
    ["error", "layer", "src/store/d.ts"],
  ]);
});

Deno.test("the pure part of a room may not import the room's entry that re-exports its I/O", () => {
  const g = graphOf({ "src/store/d.ts": ["src/store/mod.ts"], "src/store/mod.ts": [] });
  assertEquals(checkLayers(g, new Map(), rooms, new Map()).map((x) => x.rule), ["layer"]);
});

Deno.test("core doing I/O fails; the same words in comments and strings do not", () => {
  const g = graphOf({
    "src/semver/a.ts": [],
    "src/semver/b.ts": ["node:fs"],
    "src/semver/c.ts": [],
    "src/semver/d.ts": [],
  });
  const sources = new Map([
    ["src/semver/a.ts", "/** Deno.readFile is elsewhere */\n// fetch(x)\nconst u = 'a//b';"],
    ["src/semver/b.ts", ""],
    ["src/semver/c.ts", "export const r = await Deno.readTextFile('x');"],
    ["src/semver/d.ts", "const s = 'x';\nawait fetch(s);\nconsole.log(1);"],
  ]);
  const f = checkLayers(g, sources, rooms, new Map());
  assertEquals(f.map((x) => [x.rule, x.at]), [
    ["io", "src/semver/b.ts"],
    ["io", "src/semver/c.ts"],
    ["io", "src/semver/d.ts"],
    ["io", "src/semver/d.ts"],
  ]);
});

Deno.test("file cycles and room cycles are found; a room being moved only warns", () => {
  const g = graphOf({
    "src/install/a.ts": ["src/install/b.ts"],
    "src/install/b.ts": ["src/install/c.ts"],
    "src/install/c.ts": ["src/install/a.ts"],
    "src/semver/x.ts": ["src/moving/y.ts"],
    "src/moving/y.ts": ["src/semver/z.ts"],
    "src/semver/z.ts": [],
  });
  const f = checkLayers(g, new Map(), rooms, new Map());
  assertEquals(f.map((x) => [x.level, x.rule, x.message]), [
    ["warn", "room-cycle", "rooms import each other: moving → semver → moving"],
    [
      "error",
      "cycle",
      "import cycle: src/install/a.ts → src/install/b.ts → src/install/c.ts → src/install/a.ts",
    ],
  ]);
  const pending = new Map([["cycle src/install/a.ts", "being split"]]);
  assertEquals(checkLayers(g, new Map(), rooms, pending)[1]!.level, "warn");
});

Deno.test("a file under src/ in no room fails", () => {
  const f = checkLayers(graphOf({ "src/nowhere/a.ts": [] }), new Map(), rooms, new Map());
  assertEquals(f.map((x) => x.rule), ["no-room"]);
});

Deno.test("cycles: a self-import is a cycle, a diamond is not", () => {
  const g = new Map([
    ["a", new Set(["b", "c"])],
    ["b", new Set(["d"])],
    ["c", new Set(["d"])],
    ["d", new Set(["d"])],
  ]);
  assertEquals(cycles(g), [["d"]]);
});

Deno.test("stripComments keeps strings whole", () => {
  assertEquals(stripComments("a /* b */ c // d\n'e // f'"), "a   c \n'e // f'");
});

Deno.test("the repository's own graph passes the layer check", async () => {
  const graph = await loadGraph(REPO_ROOT);
  const sources = new Map<string, string>();
  for (const file of graph.keys()) {
    sources.set(file, await Deno.readTextFile(`${REPO_ROOT}/${file}`));
  }
  assertEquals(checkLayers(graph, sources).filter((f) => f.level === "error"), []);
});
