/**
 * The recorded Go corpus (`fixtures/go/`, see `fixtures/README.md`) is well-formed: at least 30
 * corpus modules with their `.info`, `.mod` and `.zip` in the proxy layout, at least 10 main
 * modules whose every `go list -m all` line has its go.mod in the proxy layout, and a checksum
 * database answer for every corpus module whose record lines are the corpus's go.sum lines.
 */
import { assert, assertEquals } from "./assert.ts";
import {
  GO_CORPUS_DIR,
  loadGoCorpusModules,
  loadGoMainCases,
  proxyEscape,
  proxyFile,
} from "../scripts/_go_corpus.ts";

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

Deno.test("go corpus: every corpus module has .info, .mod and .zip, and h1 lines", async () => {
  const corpus = await loadGoCorpusModules();
  assert(corpus.length >= 30, `only ${corpus.length} corpus modules`);
  for (const m of corpus) {
    const info = JSON.parse(await Deno.readTextFile(proxyFile(m.path, m.version, "info")));
    assertEquals(info.Version, m.version);
    assert(await exists(proxyFile(m.path, m.version, "mod")), `${m.path}@${m.version}.mod`);
    assert(await exists(proxyFile(m.path, m.version, "zip")), `${m.path}@${m.version}.zip`);
    assert(/^h1:[A-Za-z0-9+/]{43}=$/.test(m.sum), m.sum);
    assert(/^h1:[A-Za-z0-9+/]{43}=$/.test(m.goModSum), m.goModSum);
  }
  const paths = corpus.map((m) => m.path);
  assert(corpus.some((m) => m.version.endsWith("+incompatible")), "no +incompatible module");
  assert(paths.some((p) => /\/v[2-9][0-9]*$/.test(p)), "no /vN module");
  for (
    const p of [
      "golang.org/x/mod",
      "golang.org/x/text",
      "github.com/google/uuid",
      "gopkg.in/yaml.v3",
    ]
  ) {
    assert(paths.includes(p), p);
  }
});

Deno.test("go corpus: main modules list what go list -m all picked, each go.mod in the layout", async () => {
  const mains = await loadGoMainCases();
  assert(mains.length >= 10, `only ${mains.length} main modules`);
  let refused = 0;
  for (const c of mains) {
    if (c.listError !== undefined) {
      // A main module the go command refuses: no list, and go mod verify fails the same way.
      assertEquals(c.list, [], c.name);
      assertEquals(c.verifyExit, 1, c.name);
      assert(c.listError.startsWith("go: "), c.listError);
      refused++;
      continue;
    }
    const module = /^module\s+"?([^"\s]+)/m.exec(c.goMod)?.[1];
    assertEquals(c.list[0]?.path, module, c.name);
    assertEquals(c.list[0]?.version, "", c.name);
    assertEquals([c.verifyExit, c.verifyOutput.trim()], [0, "all modules verified"], c.name);
    for (const l of c.list.slice(1)) {
      const target = l.replace ?? l;
      if (target.version === "") {
        // A directory replacement: its go.mod is beside the main module's.
        assert(await exists(`${c.dir}/${target.path}/go.mod`), `${c.name}: ${target.path}`);
        continue;
      }
      assert(
        await exists(proxyFile(target.path, target.version, "mod")),
        `${c.name}: ${target.path}@${target.version}`,
      );
      // go.sum holds that go.mod's line (the go command checked it).
      assert(
        c.goSum.includes(`${target.path} ${target.version}/go.mod h1:`),
        `${c.name}: go.sum of ${target.path}`,
      );
    }
  }
});

Deno.test("go corpus: a lookup answer for every corpus module, its records equal the h1 lines", async () => {
  const corpus = await loadGoCorpusModules();
  const latest = await Deno.readTextFile(`${GO_CORPUS_DIR}/sumdb/latest`);
  assert(latest.startsWith("go.sum database tree\n"), latest);
  for (const m of corpus) {
    const text = await Deno.readTextFile(
      `${GO_CORPUS_DIR}/sumdb/lookup/${proxyEscape(m.path)}@${proxyEscape(m.version)}`,
    );
    const lines = text.split("\n");
    assert(/^[0-9]+$/.test(lines[0]!), lines[0]);
    assertEquals(lines.slice(1, 3), [
      `${m.path} ${m.version} ${m.sum}`,
      `${m.path} ${m.version}/go.mod ${m.goModSum}`,
    ]);
  }
});
