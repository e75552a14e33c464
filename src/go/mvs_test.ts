import { assert, assertEquals, assertRejects } from "../../tests/assert.ts";
import { MochiError } from "../errors.ts";
import type { ModuleVersion } from "./module.ts";
import {
  type GoMainModule,
  type GoModSummary,
  isPrunedGoVersion,
  loadModuleGraph,
  replacementOf,
} from "./mvs.ts";

/** A graph written as `"path@version": { go, require: ["path@version", …] }`. */
type Graph = Record<string, { go?: string; module?: string; require?: string[] }>;

function mv(s: string): ModuleVersion {
  const at = s.lastIndexOf("@");
  return { path: s.slice(0, at), version: s.slice(at + 1) };
}

function provider(graph: Graph, reads: string[] = []) {
  return {
    goMod(m: ModuleVersion): Promise<GoModSummary> {
      const k = `${m.path}@${m.version}`;
      reads.push(k);
      const g = graph[k];
      if (g === undefined) return Promise.reject(new Error(`no go.mod for ${k}`));
      return Promise.resolve({
        module: g.module ?? m.path,
        goVersion: g.go,
        require: (g.require ?? []).map(mv),
      });
    },
  };
}

function main(
  go: string | undefined,
  require: string[],
  extra: Partial<GoMainModule> = {},
): GoMainModule {
  return { path: "example.com/main", goVersion: go, require: require.map(mv), ...extra };
}

async function list(m: GoMainModule, graph: Graph, reads?: string[]): Promise<string[]> {
  const g = await loadModuleGraph(m, provider(graph, reads));
  return g.buildList.map((e) =>
    `${e.path} ${e.version}${e.replace ? ` => ${e.replace.path} ${e.replace.version}` : ""}`.trim()
  );
}

// Russ Cox's "Minimal Version Selection" example graph (research.swtch.com/vgo-mvs), all go 1.16.
const VGO: Graph = {
  "b@v1.2.0": { require: ["d@v1.3.0"] },
  "c@v1.2.0": { require: ["d@v1.4.0"] },
  "d@v1.3.0": { require: ["e@v1.2.0"] },
  "d@v1.4.0": { require: ["e@v1.2.0"] },
  "e@v1.2.0": {},
};

Deno.test("mvs: highest required version of each path, main first, then by path", async () => {
  assertEquals(await list(main("1.16", ["c@v1.2.0", "b@v1.2.0"]), VGO), [
    "example.com/main",
    "b v1.2.0",
    "c v1.2.0",
    "d v1.4.0",
    "e v1.2.0",
  ]);
});

Deno.test("mvs: a pruned main module does not follow a pruned dependency's requirements", async () => {
  const graph: Graph = {
    "a@v1.0.0": { go: "1.17", require: ["b@v1.0.0"] },
    "b@v1.0.0": { go: "1.17", require: ["c@v1.0.0"] },
    "c@v1.0.0": { go: "1.17" },
  };
  const reads: string[] = [];
  // b's requirement on c is never read: b is pruned and not a root.
  assertEquals(await list(main("1.17", ["a@v1.0.0"]), graph, reads), [
    "example.com/main",
    "a v1.0.0",
    "b v1.0.0",
  ]);
  assertEquals(reads, ["a@v1.0.0"]);
  // An unpruned main module (go 1.16) loads everything.
  assertEquals(await list(main("1.16", ["a@v1.0.0"]), graph), [
    "example.com/main",
    "a v1.0.0",
    "b v1.0.0",
    "c v1.0.0",
  ]);
});

Deno.test("mvs: below an unpruned dependency the graph is loaded transitively", async () => {
  const graph: Graph = {
    "a@v1.0.0": { go: "1.16", require: ["b@v1.0.0"] },
    "b@v1.0.0": { go: "1.20", require: ["c@v1.0.0"] },
    "c@v1.0.0": { go: "1.20", require: ["d@v1.0.0"] },
    "d@v1.0.0": {},
  };
  assertEquals(await list(main("1.21", ["a@v1.0.0"]), graph), [
    "example.com/main",
    "a v1.0.0",
    "b v1.0.0",
    "c v1.0.0",
    "d v1.0.0",
  ]);
});

Deno.test("mvs: isPrunedGoVersion is go >= 1.17", () => {
  for (const v of ["1.17", "1.17.0", "1.21rc1", "1.22.0", "2.0"]) assert(isPrunedGoVersion(v), v);
  for (const v of [undefined, "", "1.16", "1.9", "1", "junk"]) {
    assert(!isPrunedGoVersion(v), String(v));
  }
});

Deno.test("mvs: exclude drops requirements on the excluded version from every go.mod", async () => {
  const graph: Graph = {
    "a@v1.0.0": { require: ["b@v1.1.0"] },
    "c@v1.0.0": { require: ["b@v1.0.0"] },
    "b@v1.0.0": {},
    "b@v1.1.0": {},
  };
  const m = main("1.16", ["a@v1.0.0", "c@v1.0.0"], { exclude: [mv("b@v1.1.0")] });
  assertEquals(await list(m, graph), ["example.com/main", "a v1.0.0", "b v1.0.0", "c v1.0.0"]);
});

Deno.test("mvs: the main module requiring a version it excludes is GO_E010", async () => {
  const m = main("1.21", ["a@v1.0.0"], { exclude: [mv("a@v1.0.0")] });
  const e = await assertRejects(() => loadModuleGraph(m, provider({})), MochiError);
  assertEquals(e.code, "GO_E010");
  const bad = await assertRejects(
    () => loadModuleGraph(main("1.21", ["a@latest"]), provider({})),
    MochiError,
  );
  assertEquals(bad.code, "GO_E010");
});

Deno.test("mvs: replace changes the go.mod read, not the version selected; exact version wins", async () => {
  const graph: Graph = {
    "a@v1.0.0": { require: ["z@v1.0.0"] },
    "fork@v2.0.0": { module: "a", require: ["b@v1.5.0"] },
    "b@v1.5.0": {},
    "./local": { module: "c", require: ["b@v1.6.0"] },
    "b@v1.6.0": {},
  };
  const replace = [
    { old: mv("a@v1.0.0"), new: mv("fork@v2.0.0") },
    { old: { path: "a", version: "" }, new: mv("unused@v9.0.0") },
    { old: { path: "c", version: "" }, new: { path: "./local", version: "" } },
  ];
  assertEquals(replacementOf(replace, mv("a@v1.0.0")), mv("fork@v2.0.0"));
  assertEquals(replacementOf(replace, mv("a@v1.1.0")), mv("unused@v9.0.0"));
  assertEquals(replacementOf(replace, mv("b@v1.1.0")), undefined);
  const m = main("1.16", ["a@v1.0.0", "c@v1.0.0"], { replace });
  const g: Graph = { ...graph, "./local@": graph["./local"]! };
  assertEquals(await list(m, g), [
    "example.com/main",
    "a v1.0.0 => fork v2.0.0",
    "b v1.6.0",
    "c v1.0.0 => ./local",
  ]);
});

Deno.test("mvs: a go.mod declaring another module path is GO_E010", async () => {
  const graph: Graph = { "a@v1.0.0": { module: "evil.example/x" } };
  const e = await assertRejects(
    () => loadModuleGraph(main("1.21", ["a@v1.0.0"]), provider(graph)),
    MochiError,
  );
  assertEquals(e.code, "GO_E010");
  assert(e.message.includes("evil.example/x"), e.message);
});

Deno.test("mvs: cycles terminate; a failing provider fails the load with its error, nothing left pending", async () => {
  const cyc: Graph = {
    "a@v1.0.0": { require: ["b@v1.0.0"] },
    "b@v1.0.0": { require: ["a@v1.1.0", "example.com/main@v0.1.0"] },
    "a@v1.1.0": { require: ["b@v1.0.0"] },
    "example.com/main@v0.1.0": {},
  };
  assertEquals(await list(main(undefined, ["a@v1.0.0"]), cyc), [
    "example.com/main",
    "a v1.1.0",
    "b v1.0.0",
  ]);
  const broken: Graph = { "a@v1.0.0": { require: ["b@v1.0.0", "c@v1.0.0"] }, "c@v1.0.0": {} };
  const e = await assertRejects(
    () => loadModuleGraph(main("1.16", ["a@v1.0.0"]), provider(broken)),
    Error,
  );
  assertEquals(e.message, "no go.mod for b@v1.0.0");
});
