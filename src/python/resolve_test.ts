import assert from "node:assert/strict";
import { NoSolutionError } from "../solver/mod.ts";
import { MochiError } from "../errors.ts";
import type { CoreMetadata } from "./metadata.ts";
import type { PythonFile, PythonProjectPage } from "./index_page.ts";
import { parsePythonRequirement } from "./pep508.ts";
import { type PythonPackageSource, resolvePython } from "./resolve.ts";

/** name → version → { deps (Requires-Dist), requires-python, yanked, tag } */
type Spec = Record<
  string,
  Record<
    string,
    {
      deps?: string[];
      rp?: string;
      fileRp?: string;
      yanked?: boolean;
      tag?: string;
      extras?: string[];
    }
  >
>;

function source(spec: Spec): PythonPackageSource & { metadataReads: string[] } {
  const metadataReads: string[] = [];
  return {
    metadataReads,
    project(name: string): Promise<PythonProjectPage | null> {
      const versions = spec[name];
      if (versions === undefined) return Promise.resolve(null);
      const files: PythonFile[] = [];
      for (const [v, s] of Object.entries(versions)) {
        const filename = `${name.replaceAll("-", "_")}-${v}-${s.tag ?? "py3-none-any"}.whl`;
        files.push({
          filename,
          url: `http://127.0.0.1/files/${filename}`,
          sha256: "0".repeat(64),
          requiresPython: s.fileRp ?? "",
          yanked: s.yanked ? "broken" : false,
          coreMetadata: { sha256: "" },
        });
        files.push({
          filename: `${name}-${v}.tar.gz`,
          url: `http://127.0.0.1/files/${name}-${v}.tar.gz`,
          sha256: "1".repeat(64),
          requiresPython: "",
          yanked: false,
          coreMetadata: false,
        });
      }
      return Promise.resolve({ name, files });
    },
    metadata(file: PythonFile): Promise<CoreMetadata> {
      metadataReads.push(file.filename);
      const [n, v] = file.filename.split("-") as [string, string];
      const name = n.replaceAll("_", "-");
      const s = spec[name]![v]!;
      return Promise.resolve({
        metadataVersion: "2.1",
        name,
        version: v,
        requiresPython: s.rp ?? "",
        requiresDist: (s.deps ?? []).map(parsePythonRequirement),
        providesExtra: s.extras ?? [],
      });
    },
  };
}

const picks = async (reqs: string[], spec: Spec) =>
  Object.fromEntries(
    (await resolvePython(reqs, { client: source(spec) })).packages.map((p) => [p.name, p.version]),
  );

Deno.test("resolvePython: newest compatible versions, transitive, markers applied for CPython 3.12 linux", async () => {
  const spec: Spec = {
    app: {
      "1.0": { deps: ["lib>=1"] },
      "2.0": {
        deps: [
          "lib>=2,<3",
          "winonly; sys_platform == 'win32'",
          "old-backport; python_version < '3.11'",
          "typing-ext>=4; python_version >= '3.8'",
        ],
      },
    },
    lib: { "1.0": {}, "2.0": {}, "2.5": {}, "3.0": {} },
    "typing-ext": { "4.0": {}, "4.1": {} },
  };
  assert.deepEqual(await picks(["App"], spec), { app: "2.0", lib: "2.5", "typing-ext": "4.1" });
  // A requirement of the project whose marker does not hold for the target is left out.
  assert.deepEqual(await picks(["App", "winonly; sys_platform == 'win32'"], spec), {
    app: "2.0",
    lib: "2.5",
    "typing-ext": "4.1",
  });
});

Deno.test("resolvePython: extras are their own packages, pinned to the base version", async () => {
  const spec: Spec = {
    httpx: {
      "0.27": { deps: ["h2<5; extra == 'http2'", "anyio"], extras: ["http2"] },
      "0.28": { deps: ["h2>=5; extra == 'http2'", "anyio"], extras: ["http2"] },
    },
    h2: { "4.0": {} }, // no h2 >= 5: httpx[http2] must fall back to 0.27
    anyio: { "4.0": {} },
  };
  const r = await resolvePython(["httpx[http2]"], { client: source(spec) });
  assert.deepEqual(r.packages.map((p) => `${p.name} ${p.version} [${p.extras}]`), [
    "anyio 4.0 []",
    "h2 4.0 []",
    "httpx 0.27 [http2]",
  ]);
  assert.deepEqual(r.packages.find((p) => p.name === "httpx")!.dependencies, ["anyio", "h2"]);
  // Without the extra, h2 is not needed and the newest httpx wins.
  assert.deepEqual(await picks(["httpx"], spec), { anyio: "4.0", httpx: "0.28" });
});

Deno.test("resolvePython: yanked skipped unless pinned with ==; pre-releases only when named", async () => {
  const spec: Spec = {
    a: { "1.0": {}, "1.1": { yanked: true }, "2.0b1": {} },
    b: { "1.0a1": {}, "1.0a2": {} }, // only pre-releases: taken (packaging's filter fallback)
  };
  assert.deepEqual(await picks(["a", "b"], spec), { a: "1.0", b: "1.0a2" });
  assert.deepEqual(await picks(["a==1.1"], spec), { a: "1.1" });
  await assert.rejects(picks(["a>=1.1,<2"], spec), /a >=1.1,<2 which doesn't match any versions/);
  spec["b"]!["1.0a3"] = { deps: ["a==1.1"] }; // a dependency's pin admits the yanked one too
  assert.deepEqual(await picks(["b"], spec), { a: "1.1", b: "1.0a3" });
  assert.deepEqual(await picks(["a>=2.0b1"], spec), { a: "2.0b1" });
  // One requirement naming a pre-release lets pre-releases into the others on that name (pip
  // merges the specifiers of a name first; pip 23.2.1 picks the same for these two on a loopback
  // index with exactly these projects).
  spec["c"] = { "1.0": { deps: ["a"] } };
  assert.deepEqual(await picks(["a>=1.0rc1", "c"], spec), { a: "2.0b1", c: "1.0" });
  assert.deepEqual(await picks(["a>=1.0", "c"], spec), { a: "1.0", c: "1.0" });
});

Deno.test("resolvePython: requires-python and wheel tags decide the candidates", async () => {
  const spec: Spec = {
    x: {
      "1.0": {},
      "2.0": { fileRp: ">=3.13" }, // the index says so: not a candidate
      "3.0": { rp: ">=3.13" }, // the metadata says so: ruled out through Python
      "4.0": { tag: "cp312-cp312-win_amd64" }, // no wheel for linux
      "5.0": { tag: "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64" },
    },
    y: { "1.0": { rp: ">=3.13" } },
  };
  assert.deepEqual(await picks(["x<5"], spec), { x: "1.0" });
  assert.deepEqual(await picks(["x"], spec), { x: "5.0" });
  await assert.rejects(resolvePython(["y"], { client: source(spec) }), (e) => {
    assert.ok(e instanceof NoSolutionError, String(e));
    assert.match(e.message, /y depends on Python >=3\.13 but the target is Python 3\.12\.0/);
    return true;
  });
});

Deno.test("resolvePython: failure reports name PEP 440 versions and requirements as written", async () => {
  const spec: Spec = {
    a: { "1.0": { deps: ["c<2"] }, "1.1": { deps: ["c<2"] } },
    b: { "1.0": { deps: ["c>=2"] } },
    c: { "1.0": {}, "2.0": {} },
  };
  await assert.rejects(resolvePython(["a", "b"], { client: source(spec) }), (e) => {
    assert.ok(e instanceof NoSolutionError && e.code === "SOLVER_E002", String(e));
    assert.match(e.message, /c <2/);
    assert.match(e.message, /c >=2/);
    assert.doesNotMatch(e.message, /\d\.0\.0/);
    assert.doesNotMatch(e.message, /\(root\)|\(requirements\)/);
    return true;
  });
  await assert.rejects(resolvePython(["a>=9", "nosuch"], { client: source(spec) }), (e) => {
    assert.ok(e instanceof NoSolutionError, String(e));
    assert.match(
      e.message,
      /the requirements depend on (a >=9 which doesn't match any versions|nosuch \* which doesn't exist)/,
    );
    return true;
  });
  await assert.rejects(
    resolvePython(["a @ https://127.0.0.1/a.whl"], { client: source(spec) }),
    (e) => {
      assert.ok(e instanceof MochiError && e.code === "PY_E009");
      return true;
    },
  );
});

Deno.test("resolvePython reads core metadata only for the versions it tries (one request each)", async () => {
  const many: Spec[string] = {};
  for (let i = 0; i < 30; i++) many[`1.${i}`] = { deps: ["dep>=1"] };
  const src = source({ lib: many, dep: { "1.0": {}, "1.1": {} } });
  const r = await resolvePython(["lib"], { client: src });
  assert.deepEqual(r.packages.map((p) => `${p.name} ${p.version}`), ["dep 1.1", "lib 1.29"]);
  assert.deepEqual(src.metadataReads.sort(), [
    "dep-1.1-py3-none-any.whl",
    "lib-1.29-py3-none-any.whl",
  ]);
});

Deno.test("pythonEnvironment: markers and tags per platform; the target decides the wheel", async () => {
  const { pythonEnvironment } = await import("./resolve.ts");
  const win = pythonEnvironment({ pythonVersion: "3.11.4", platform: "windows-x86_64" });
  assert.equal(win.markers.sys_platform, "win32");
  assert.equal(win.markers.python_full_version, "3.11.4");
  assert.equal(win.tags[0], "cp311-cp311-win_amd64");
  const spec: Spec = {
    x: {
      "1.0": { tag: "cp311-cp311-win_amd64" },
      "2.0": { tag: "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64" },
    },
  };
  const winPick = await resolvePython(["x"], { client: source(spec), environment: win });
  assert.equal(winPick.packages[0]!.version, "1.0");
  assert.equal((await picks(["x"], spec)).x, "2.0");
  assert.throws(() => pythonEnvironment({ pythonVersion: "2.7.x" }), { code: "PY_E003" });
});

Deno.test("resolvePython refuses metadata that names another distribution (PY_E004)", async () => {
  const src = source({ a: { "1.0": {} } });
  const wrong = {
    project: src.project,
    metadata: async (f: PythonFile) => ({ ...(await src.metadata(f)), name: "evil" }),
  };
  await assert.rejects(resolvePython(["a"], { client: wrong }), (e) => {
    assert.ok(e instanceof MochiError && e.code === "PY_E004", String(e));
    assert.match(e.message, /"evil", not a/);
    return true;
  });
});

Deno.test("resolvePython keeps locked versions that still fit, yanked ones included", async () => {
  const spec: Spec = {
    a: { "1.0": {}, "1.1": { yanked: true }, "2.0": {} },
    b: { "1.0": { deps: ["a<2"] } },
  };
  const pick = async (reqs: string[], locked: Record<string, string>) =>
    Object.fromEntries(
      (await resolvePython(reqs, { client: source(spec), locked })).packages.map((
        p,
      ) => [p.name, p.version]),
    );
  assert.deepEqual(await pick(["A"], { a: "1.0" }), { a: "1.0" });
  assert.deepEqual(await pick(["a"], { A: "1.1" }), { a: "1.1" }); // yanked since it was locked
  assert.deepEqual(await pick(["a"], {}), { a: "2.0" });
  assert.deepEqual(await pick(["a>=2"], { a: "1.0" }), { a: "2.0" }); // no longer fits
  assert.deepEqual(await pick(["b"], {}), { a: "1.0", b: "1.0" }); // yanked 1.1 skipped
});
