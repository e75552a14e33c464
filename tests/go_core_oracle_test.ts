/**
 * src/go/ against the go command's own answers, recorded in fixtures/go/ (see
 * fixtures/README.md): the `h1:` of every recorded module zip (read with its caps and checks) and
 * go.mod equals the go.sum line `go mod download` wrote, and the recorded checksum-database
 * answers verify offline with the recorded verifier key: every lookup record is proven in the
 * latest signed tree head through the recorded tiles, and every lookup's own tree head is proven
 * consistent with the latest one.
 */
import { assert, assertEquals, assertThrows } from "./assert.ts";
import {
  GO_CORPUS_DIR,
  loadGoCorpusModules,
  proxyEscape,
  proxyFile,
} from "../scripts/_go_corpus.ts";
import { MochiError } from "../src/errors.ts";
import {
  checkRecord,
  checkTree,
  hashGoMod,
  hashModuleZip,
  newVerifier,
  openNote,
  parseRecord,
  parseTree,
  proveRecord,
  proveTree,
  readModuleZip,
  recordHash,
  tileHashReader,
  tilePath,
  type TileReader,
} from "../src/go/mod.ts";

const SUMDB = `${GO_CORPUS_DIR}/sumdb`;

function recordedTiles(): TileReader & { read: Set<string> } {
  const read = new Set<string>();
  return {
    height: 8,
    read,
    readTiles: (tiles) =>
      tiles.map((t) => {
        const p = tilePath(t);
        read.add(p);
        return Deno.readFileSync(`${SUMDB}/${p}`);
      }),
  };
}

Deno.test("go oracle: hashModuleZip and hashGoMod equal go.sum for every recorded module", async () => {
  const corpus = await loadGoCorpusModules();
  assert(corpus.length >= 30);
  for (const m of corpus) {
    const zip = await Deno.readFile(proxyFile(m.path, m.version, "zip"));
    assertEquals(hashModuleZip(m, zip), m.sum, `${m.path}@${m.version} zip`);
    const mod = await Deno.readFile(proxyFile(m.path, m.version, "mod"));
    assertEquals(hashGoMod(mod), m.goModSum, `${m.path}@${m.version} go.mod`);
    // The zip's go.mod, when it has one, is the .mod the proxy serves.
    const gomod = readModuleZip(m, zip).files.find((f) => f.path === "go.mod");
    if (gomod !== undefined) assertEquals(hashGoMod(gomod.data), m.goModSum, m.path);
  }
});

Deno.test("go oracle: a recorded zip read as another module or version is refused", async () => {
  const [m] = await loadGoCorpusModules();
  const zip = await Deno.readFile(proxyFile(m!.path, m!.version, "zip"));
  const e = assertThrows(
    () => readModuleZip({ path: m!.path, version: "v0.0.1" }, zip),
    MochiError,
  );
  assertEquals(e.code, "GO_E003");
});

Deno.test("go oracle: recorded checksum-database answers verify offline (signatures, inclusion, consistency)", async () => {
  const verifier = newVerifier((await Deno.readTextFile(`${SUMDB}/vkey`)).trim());
  const latest = parseTree(openNote(await Deno.readFile(`${SUMDB}/latest`), [verifier]).text);
  const tiles = recordedTiles();
  const reader = tileHashReader(latest, tiles);
  const corpus = await loadGoCorpusModules();
  let proven = 0;
  for (const m of corpus) {
    const body = await Deno.readFile(
      `${SUMDB}/lookup/${proxyEscape(m.path)}@${proxyEscape(m.version)}`,
    );
    const { id, text, rest } = parseRecord(body);
    assertEquals(
      new TextDecoder().decode(text),
      `${m.path} ${m.version} ${m.sum}\n${m.path} ${m.version}/go.mod ${m.goModSum}\n`,
    );
    const head = parseTree(openNote(rest, [verifier]).text);
    assert(
      id < head.n && head.n <= latest.n,
      `${m.path}: record ${id}, trees ${head.n} ${latest.n}`,
    );
    const proof = await proveRecord(latest.n, id, reader);
    checkRecord(proof, latest.n, latest.hash, id, recordHash(text));
    const consistency = await proveTree(latest.n, head.n, reader);
    checkTree(consistency, latest.n, latest.hash, head.n, head.hash);
    // A changed go.sum line is not in the log.
    const forged = new TextEncoder().encode(
      `${m.path} ${m.version} h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n`,
    );
    assertThrows(
      () => checkRecord(proof, latest.n, latest.hash, id, recordHash(forged)),
      MochiError,
    );
    proven++;
  }
  assertEquals(proven, corpus.length);
  assert(tiles.read.size > 0);
});

Deno.test("go oracle: parseGoMod reads every recorded go.mod as the corpus's reader does", async () => {
  const { loadGoMainCases, readGoModLite } = await import("../scripts/_go_corpus.ts");
  const { parseGoMod } = await import("../src/go/mod.ts");
  let count = 0;
  const mods: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory) await walk(`${dir}/${e.name}`);
      else if (e.name.endsWith(".mod")) mods.push(`${dir}/${e.name}`);
    }
  };
  await walk(`${GO_CORPUS_DIR}/proxy`);
  for (const file of mods) {
    const text = await Deno.readTextFile(file);
    const lax = parseGoMod(text, { lax: true, file });
    const lite = readGoModLite(text);
    assertEquals(lax.module?.path, lite.module, file);
    assertEquals(lax.go, lite.goVersion, file);
    assertEquals(
      lax.require.map((r) => `${r.path}@${r.version}`),
      lite.require.map((r) => `${r.path}@${r.version}`),
      file,
    );
    count++;
  }
  for (const c of await loadGoMainCases()) {
    const f = parseGoMod(c.goMod, { file: `${c.name}/go.mod` });
    const lite = readGoModLite(c.goMod);
    assertEquals(
      f.require.map((r) => `${r.path}@${r.version}`),
      lite.require.map((r) => `${r.path}@${r.version}`),
    );
    assertEquals(f.exclude, lite.exclude);
    assertEquals(f.replace, lite.replace);
    count++;
  }
  assert(count > 50, `${count} go.mod files`);
});
