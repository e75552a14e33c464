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

Deno.test("mvs: the main module's requirement on a version it excludes is dropped and reported", async () => {
  const graph: Graph = { "a@v1.0.0": { require: ["b@v1.0.0"] }, "b@v1.0.0": {} };
  const m = main("1.21", ["a@v1.0.0", "b@v1.1.0"], { exclude: [mv("b@v1.1.0")] });
  const g = await loadModuleGraph(m, provider(graph));
  assertEquals(g.droppedRequirements, [mv("b@v1.1.0")]);
  assertEquals(g.buildList.map((e) => `${e.path} ${e.version}`.trim()), [
    "example.com/main",
    "a v1.0.0",
    "b v1.0.0",
  ]);
});

Deno.test("mvs: a main requirement at an invalid version is GO_E010", async () => {
  const bad = await assertRejects(
    () => loadModuleGraph(main("1.21", ["a@latest"]), provider({})),
    MochiError,
  );
  assertEquals(bad.code, "GO_E010");
});

Deno.test("mvs: a pruned main raises a root to its selected version and reads the graph again", async () => {
  // cmd/go's updatePrunedRoots: root a v1.0.0 is not selected (b requires a v1.1.0), so the graph
  // is read again from a v1.1.0: a v1.0.0's requirement on c v1.5.0 goes, a v1.1.0's on d comes.
  const graph: Graph = {
    "a@v1.0.0": { go: "1.16", require: ["c@v1.5.0"] },
    "a@v1.1.0": { go: "1.21", require: ["d@v1.0.0"] },
    "b@v1.0.0": { go: "1.21", require: ["a@v1.1.0"] },
    "c@v1.5.0": {},
    "d@v1.0.0": {},
  };
  const pruned = await loadModuleGraph(main("1.21", ["a@v1.0.0", "b@v1.0.0"]), provider(graph));
  assertEquals(pruned.buildList.map((e) => `${e.path} ${e.version}`.trim()), [
    "example.com/main",
    "a v1.1.0",
    "b v1.0.0",
    "d v1.0.0",
  ]);
  assertEquals(pruned.requirements.get("example.com/main@"), [mv("a@v1.1.0"), mv("b@v1.0.0")]);
  // Unpruned, the first read stands: every version read counts.
  assertEquals(await list(main("1.16", ["a@v1.0.0", "b@v1.0.0"]), graph), [
    "example.com/main",
    "a v1.1.0",
    "b v1.0.0",
    "c v1.5.0",
    "d v1.0.0",
  ]);
});

Deno.test("mvs: a go.mod with no module line is GO_E010", async () => {
  const p = { goMod: () => Promise.resolve({ require: [] }) };
  const e = await assertRejects(() => loadModuleGraph(main("1.21", ["a@v1.0.0"]), p), MochiError);
  assertEquals(e.code, "GO_E010");
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

// The `build` scenarios of cmd/go's own MVS tests (the Go distribution's
// src/cmd/go/internal/mvs/mvs_test.go, `tests`; copied to fixtures/go-mvs/scenarios.txt). Module
// `B1` is path `B` at version `1`: mapped to v1.0.0 (`""` to v0.0.0, `5.hidden` to v5.0.1, which
// keeps the test's string order). The classic algorithm is the unpruned graph (no `go` line).
Deno.test("mvs: every build scenario of cmd/go's mvs tests", async () => {
  const text = await Deno.readTextFile(
    new URL("../../fixtures/go-mvs/scenarios.txt", import.meta.url),
  );
  const ver = (s: string) => {
    if (s === "none") return "none";
    const m = /^([0-9]*)(\.hidden)?$/.exec(s);
    if (m === null) throw new Error(`version ${s}`);
    return `v${m[1] === "" ? "0" : m[1]}.0.${m[2] ? 1 : 0}`;
  };
  const mod = (s: string) => ({ path: s.slice(0, 1), version: ver(s.slice(1)) });
  let name = "";
  let reqs = new Map<string, ModuleVersion[]>();
  let builds = 0;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const i = line.indexOf(":");
    const key = line.slice(0, i).trim().split(/\s+/);
    const val = line.slice(i + 1).trim().split(/\s+/).filter((s) => s !== "");
    if (key[0] === "name") {
      name = val[0]!;
      reqs = new Map();
    } else if (key[0] === "build") {
      const target = key[1]!;
      const p = {
        goMod(m: ModuleVersion): Promise<GoModSummary> {
          const r = reqs.get(`${m.path}@${m.version}`);
          return r === undefined
            ? Promise.reject(new Error(`missing module: ${m.path}@${m.version}`))
            : Promise.resolve({ module: m.path, require: r });
        },
      };
      const g = await loadModuleGraph(
        { path: target.slice(0, 1), require: reqs.get(key2(mod(target))) ?? [] },
        p,
      );
      assertEquals(
        g.buildList.slice(1).map((e) => `${e.path}${e.version}`),
        val.slice(1).map((s) => {
          const m = mod(s);
          return `${m.path}${m.version}`;
        }),
        `${name}: ${line}`,
      );
      builds++;
    } else if (key.length === 1 && /^[A-Z]/.test(key[0]!)) {
      const rs = val.map(mod);
      for (const r of rs) if (!reqs.has(key2(r))) reqs.set(key2(r), []);
      reqs.set(key2(mod(key[0]!)), rs);
    }
  }
  assertEquals(builds, 37);

  function key2(m: ModuleVersion): string {
    return `${m.path}@${m.version}`;
  }
});
