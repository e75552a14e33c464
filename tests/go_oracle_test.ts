/**
 * The Go bridge against the go command's own answers (issue 14 "Real oracle"; the corpus is
 * `fixtures/go/`, recorded by `scripts/record_go_corpus.ts`, see `fixtures/README.md`):
 * - mochi's `h1:` of every recorded go.mod equals the go.sum line the go command wrote;
 * - mochi's minimal version selection over the recorded proxy tree, served on 127.0.0.1 as a
 *   module proxy, equals `go list -m all` for every recorded main module;
 * - escaping round-trips every recorded module path and version, and the escaped forms are the
 *   proxy layout's own directory and file names;
 * - every corpus module's checksum-database record (`/lookup`, through the loopback proxy's
 *   `sumdb/<name>/` pass-through) is proven in the recorded signed tree head (`/latest`, verified
 *   with the recorded verifier key, tiles from `/tile/…`), and the older tree head each lookup was
 *   signed with is proven consistent with it.
 */
import { assert, assertEquals, assertRejects, assertThrows } from "./assert.ts";
import {
  checkRecord,
  checkTree,
  escapePath,
  escapeVersion,
  goModSummaryOf,
  hashGoMod,
  loadModuleGraph,
  mainModuleOf,
  type ModuleVersion,
  newVerifier,
  openNote,
  parseGoMod,
  parseRecord,
  parseTree,
  proveRecord,
  proveTree,
  recordHash,
  type Tile,
  tileHashReader,
  tilePath,
  type Tree,
  unescapePath,
  unescapeVersion,
} from "../src/go/mod.ts";
import { MochiError } from "../src/errors.ts";
import {
  GO_CORPUS_DIR,
  type GoMainCase,
  loadGoCorpusModules,
  loadGoMainCases,
} from "../scripts/_go_corpus.ts";

const PROXY = `${GO_CORPUS_DIR}/proxy`;
const SUMDB = `${GO_CORPUS_DIR}/sumdb`;

/** Every `<escaped path>/@v/<escaped version>.<ext>` file of the proxy tree. */
async function proxyFiles(): Promise<{ dir: string; file: string }[]> {
  const out: { dir: string; file: string }[] = [];
  async function walk(rel: string): Promise<void> {
    for await (const e of Deno.readDir(`${PROXY}/${rel}`)) {
      const r = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory && e.name === "@v") {
        for await (const f of Deno.readDir(`${PROXY}/${r}`)) out.push({ dir: rel, file: f.name });
      } else if (e.isDirectory) await walk(r);
    }
  }
  await walk("");
  return out;
}

/** go.sum lines (`<path> <version>[/go.mod]` → `h1:…`) of the corpus and of every main module. */
async function goSumLines(mains: GoMainCase[]): Promise<Map<string, string>> {
  const sums = new Map<string, string>();
  const add = (k: string, h: string) => {
    const old = sums.get(k);
    assert(old === undefined || old === h, `two go.sum lines for ${k}: ${old} and ${h}`);
    sums.set(k, h);
  };
  for (const m of await loadGoCorpusModules()) {
    add(`${m.path} ${m.version}`, m.sum);
    add(`${m.path} ${m.version}/go.mod`, m.goModSum);
  }
  for (const c of mains) {
    for (const line of c.goSum.split("\n")) {
      const [p, v, h] = line.split(" ");
      if (p && v && h) add(`${p} ${v}`, h);
    }
  }
  return sums;
}

Deno.test("go oracle: h1 of every recorded go.mod equals go.sum; each parses and names its path", async () => {
  const mains = await loadGoMainCases();
  const sums = await goSumLines(mains);
  // The go.mod files the go command refused ("go: <path>@<version>: parsing go.mod: module
  // declares its path as …"): fetched, but neither summed nor accepted.
  const refused = new Set(
    mains.flatMap((c) =>
      c.listError === undefined ? [] : [/^go: (\S+): parsing go\.mod/.exec(c.listError)?.[1]]
    ),
  );
  let checked = 0;
  let withoutLine = 0;
  for (const { dir, file } of await proxyFiles()) {
    if (!file.endsWith(".mod")) continue;
    const path = unescapePath(dir);
    const version = unescapeVersion(file.slice(0, -".mod".length));
    if (refused.delete(`${path}@${version}`)) {
      const data = await Deno.readFile(`${PROXY}/${dir}/@v/${file}`);
      assert(parseGoMod(data, { lax: true }).module?.path !== path, `${path}@${version}`);
      continue;
    }
    const want = sums.get(`${path} ${version}/go.mod`);
    if (want === undefined) {
      withoutLine++;
      continue;
    }
    const data = await Deno.readFile(`${PROXY}/${dir}/@v/${file}`);
    assertEquals(hashGoMod(data), want, `${path} ${version}/go.mod`);
    // The go command read it (modfile.ParseLax) and found its own path in it.
    assertEquals(parseGoMod(data, { lax: true }).module?.path, path, `${path} ${version}/go.mod`);
    checked++;
  }
  // The go command downloads a go.mod only to check it against a go.sum line or the checksum
  // database, and it wrote each line it checked: every recorded go.mod has one.
  assertEquals(withoutLine, 0);
  assertEquals([...refused], []);
  assert(checked >= 500, `only ${checked} go.mod files checked`);
});

Deno.test("go oracle: escaping round-trips every recorded path and version", async () => {
  const files = await proxyFiles();
  const paths = new Set<string>();
  for (const { dir, file } of files) {
    const path = unescapePath(dir);
    assertEquals(escapePath(path), dir);
    paths.add(path);
    const escaped = file.replace(/\.(info|mod|zip)$/, "");
    const version = unescapeVersion(escaped);
    assertEquals(escapeVersion(version), escaped);
  }
  for (const c of await loadGoMainCases()) {
    for (const l of c.list.slice(1)) {
      assertEquals(unescapePath(escapePath(l.path)), l.path);
      assertEquals(unescapeVersion(escapeVersion(l.version)), l.version);
    }
  }
  assert([...paths].some((p) => /[A-Z]/.test(p)), "no recorded path with an upper-case letter");
  assert(paths.size >= 300, `only ${paths.size} paths`);
});

/**
 * Serves the corpus on 127.0.0.1 (port 0) as a module proxy: `proxy/` at the root, `sumdb/` as
 * the proxy protocol's `sumdb/<name>/` pass-through (files only; 404 otherwise).
 */
function serveProxy(): {
  url: string;
  server: Deno.HttpServer<Deno.NetAddr>;
  requests: () => number;
} {
  let n = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    n++;
    const parts = decodeURIComponent(new URL(req.url).pathname).replace(/^\/+/, "").split("/");
    if (parts.some((s) => s === ".." || s === "." || s === "")) {
      return new Response("bad path", { status: 400 });
    }
    const file = parts[0] === "sumdb"
      ? `${SUMDB}/${parts.slice(2).join("/")}`
      : `${PROXY}/${parts.join("/")}`;
    try {
      return new Response(await Deno.readFile(file));
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, server, requests: () => n };
}

Deno.test("go oracle: MVS picks equal go list -m all for every recorded main module", async () => {
  const { url, server, requests } = serveProxy();
  try {
    const mains = await loadGoMainCases();
    assert(mains.length >= 10, `only ${mains.length} main modules`);
    let matched = 0;
    let refused = 0;
    for (const c of mains) {
      const provider = {
        async goMod(m: ModuleVersion) {
          if (m.version === "") {
            // A directory replacement, relative to the main module's directory.
            const text = await Deno.readFile(`${c.dir}/${m.path}/go.mod`);
            return goModSummaryOf(parseGoMod(text, { lax: true }));
          }
          const res = await fetch(
            `${url}/${escapePath(m.path)}/@v/${escapeVersion(m.version)}.mod`,
          );
          if (!res.ok) {
            await res.body?.cancel();
            throw new Error(`${m.path}@${m.version}: ${res.status}`);
          }
          // A dependency's go.mod is read as modfile.ParseLax reads it.
          return goModSummaryOf(parseGoMod(new Uint8Array(await res.arrayBuffer()), { lax: true }));
        },
      };
      const main = mainModuleOf(parseGoMod(c.goMod));
      if (c.listError !== undefined) {
        // The go command refused it ("module declares its path as: …"): so does mochi.
        const e = await assertRejects(() => loadModuleGraph(main, provider), MochiError, c.name);
        assertEquals(e.code, "GO_E010");
        const declared = /declares its path as: (\S+)/.exec(c.listError)?.[1];
        assert(
          declared !== undefined && e.message.includes(`declares its path as ${declared}`),
          e.message,
        );
        refused++;
        continue;
      }
      const graph = await loadModuleGraph(main, provider);
      const show = (l: { path: string; version: string; replace?: ModuleVersion | undefined }) =>
        [l.path, l.version, l.replace ? `=> ${l.replace.path} ${l.replace.version}`.trim() : ""]
          .join(" ").trim();
      assertEquals(graph.buildList.map(show), c.list.map(show), c.name);
      matched++;
    }
    assertEquals(matched + refused, mains.length);
    assert(refused >= 1 && matched >= 20, `${matched} matched, ${refused} refused`);
    assert(requests() > 0);
  } finally {
    await server.shutdown();
  }
});

/** The checksum database's tiles of the loopback pass-through, as golang.org/x/mod/sumdb reads them. */
function httpTileReader(base: string) {
  const cache = new Map<string, Promise<Uint8Array>>();
  const read = (t: Tile): Promise<Uint8Array> => {
    let p = cache.get(tilePath(t));
    if (p === undefined) {
      p = fetchTile(t);
      cache.set(tilePath(t), p);
    }
    return p;
  };
  const fetchTile = async (t: Tile): Promise<Uint8Array> => {
    let res = await fetch(`${base}/${tilePath(t)}`);
    if (res.status === 404 && t.w < 256) {
      // The sumdb client falls back to the full tile and takes its prefix.
      await res.body?.cancel();
      res = await fetch(`${base}/${tilePath({ ...t, w: 256 })}`);
      if (res.ok) return new Uint8Array(await res.arrayBuffer()).slice(0, t.w * 32);
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`${tilePath(t)}: ${res.status}`);
    }
    return new Uint8Array(await res.arrayBuffer());
  };
  return {
    height: 8,
    async readTiles(tiles: Tile[]): Promise<Uint8Array[]> {
      return await Promise.all(tiles.map(read));
    },
  };
}

Deno.test("go oracle: every corpus record is proven in the recorded signed tree head, older heads consistent", async () => {
  const { url, server } = serveProxy();
  try {
    const vkey = (await Deno.readTextFile(`${SUMDB}/vkey`)).trim();
    const name = vkey.slice(0, vkey.indexOf("+"));
    const base = `${url}/sumdb/${name}`;
    const verifier = newVerifier(vkey);
    const get = async (p: string) => {
      const res = await fetch(`${base}/${p}`);
      assert(res.ok, `${p}: ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    };
    const latestNote = openNote(await get("latest"), [verifier]);
    assertEquals(latestNote.sigs.map((s) => s.name), [name]);
    const latest: Tree = parseTree(latestNote.text);
    const reader = tileHashReader(latest, httpTileReader(base));
    const corpus = await loadGoCorpusModules();
    const olderSizes = new Set<number>();
    for (const m of corpus) {
      const rec = parseRecord(
        await get(`lookup/${escapePath(m.path)}@${escapeVersion(m.version)}`),
      );
      // The record is the go.sum lines the go command wrote.
      assertEquals(
        new TextDecoder().decode(rec.text),
        `${m.path} ${m.version} ${m.sum}\n${m.path} ${m.version}/go.mod ${m.goModSum}\n`,
      );
      // Its own signed tree head (older than latest) is consistent with latest ...
      const older = parseTree(openNote(rec.rest, [verifier]).text);
      assert(
        older.n <= latest.n && rec.id < older.n,
        `${m.path}: record ${rec.id}, trees ${older.n} ${latest.n}`,
      );
      checkTree(
        await proveTree(latest.n, older.n, reader),
        latest.n,
        latest.hash,
        older.n,
        older.hash,
      );
      olderSizes.add(older.n);
      // ... and the record is in latest.
      const proof = await proveRecord(latest.n, rec.id, reader);
      checkRecord(
        proof,
        latest.n,
        latest.hash,
        rec.id,
        recordHash(rec.text),
      );
      // A changed h1 is not in the tree.
      const forged = new TextEncoder().encode(
        `${m.path} ${m.version} h1:${
          "A".repeat(43)
        }=\n${m.path} ${m.version}/go.mod ${m.goModSum}\n`,
      );
      const e = assertThrows(
        () => checkRecord(proof, latest.n, latest.hash, rec.id, recordHash(forged)),
        MochiError,
      );
      assertEquals(e.code, "GO_E007");
    }
    assert(
      corpus.length >= 30 && olderSizes.size >= 2,
      `${corpus.length} records, ${olderSizes.size} older heads`,
    );
    // A tree head the log never signed: the tiles do not hash to it.
    const fake: Tree = { n: latest.n, hash: recordHash(new Uint8Array([1])) };
    await assertRejects(
      async () => await tileHashReader(fake, httpTileReader(base)).readHashes([0]),
      MochiError,
    );
    // A tampered signature or an unknown signer is refused.
    const bytes = await get("latest");
    const text = new TextDecoder().decode(bytes);
    const sigAt = text.lastIndexOf(" ") + 5;
    const bad = new TextEncoder().encode(
      text.slice(0, sigAt) + (text[sigAt] === "A" ? "B" : "A") + text.slice(sigAt + 1),
    );
    assertEquals(assertThrows(() => openNote(bad, [verifier]), MochiError).code, "GO_E006");
    const stranger = newVerifier(
      "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    );
    assertEquals(assertThrows(() => openNote(bytes, [stranger]), MochiError).code, "GO_E006");
  } finally {
    await server.shutdown();
  }
});
