/**
 * The Go bridge against the go command's own answers (issue 14 "Real oracle"; the corpus is
 * `fixtures/go/`, recorded by `scripts/record_go_corpus.ts`, see `fixtures/README.md`):
 * - mochi's `h1:` of every recorded go.mod equals the go.sum line the go command wrote;
 * - mochi's minimal version selection over the recorded proxy tree, served on 127.0.0.1 as a
 *   module proxy, equals `go list -m all` for every recorded main module;
 * - escaping round-trips every recorded module path and version, and the escaped forms are the
 *   proxy layout's own directory and file names.
 */
import { assert, assertEquals } from "./assert.ts";
import {
  escapePath,
  escapeVersion,
  hashGoMod,
  loadModuleGraph,
  type ModuleVersion,
  unescapePath,
  unescapeVersion,
} from "../src/go/mod.ts";
import {
  GO_CORPUS_DIR,
  type GoMainCase,
  loadGoCorpusModules,
  loadGoMainCases,
  readGoModLite,
} from "../scripts/_go_corpus.ts";

const PROXY = `${GO_CORPUS_DIR}/proxy`;

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

Deno.test("go oracle: h1 of every recorded go.mod equals the go command's go.sum line", async () => {
  const sums = await goSumLines(await loadGoMainCases());
  let checked = 0;
  let withoutLine = 0;
  for (const { dir, file } of await proxyFiles()) {
    if (!file.endsWith(".mod")) continue;
    const path = unescapePath(dir);
    const version = unescapeVersion(file.slice(0, -".mod".length));
    const want = sums.get(`${path} ${version}/go.mod`);
    if (want === undefined) {
      withoutLine++;
      continue;
    }
    assertEquals(
      hashGoMod(await Deno.readFile(`${PROXY}/${dir}/@v/${file}`)),
      want,
      `${path} ${version}/go.mod`,
    );
    checked++;
  }
  // The go command downloads a go.mod only to check it against a go.sum line or the checksum
  // database, and it wrote each line it checked: every recorded go.mod has one.
  assertEquals(withoutLine, 0);
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

/** Serves the proxy tree on 127.0.0.1 (port 0) as a module proxy (files only; 404 otherwise). */
function serveProxy(): {
  url: string;
  server: Deno.HttpServer<Deno.NetAddr>;
  requests: () => number;
} {
  let n = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    n++;
    const rel = decodeURIComponent(new URL(req.url).pathname).replace(/^\/+/, "");
    if (rel.split("/").some((s) => s === ".." || s === "." || s === "")) {
      return new Response("bad path", { status: 400 });
    }
    try {
      return new Response(await Deno.readFile(`${PROXY}/${rel}`));
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, server, requests: () => n };
}

Deno.test("go oracle: MVS picks equal go list -m all for every recorded main module", async () => {
  const { url, server, requests } = serveProxy();
  try {
    const provider = {
      async goMod(m: ModuleVersion) {
        const res = await fetch(`${url}/${escapePath(m.path)}/@v/${escapeVersion(m.version)}.mod`);
        if (!res.ok) {
          await res.body?.cancel();
          throw new Error(`${m.path}@${m.version}: ${res.status}`);
        }
        const g = readGoModLite(await res.text());
        return { module: g.module, goVersion: g.goVersion, require: g.require };
      },
    };
    const mains = await loadGoMainCases();
    assert(mains.length >= 10, `only ${mains.length} main modules`);
    let matched = 0;
    for (const c of mains) {
      const g = readGoModLite(c.goMod);
      const graph = await loadModuleGraph(
        {
          path: g.module!,
          goVersion: g.goVersion,
          require: g.require,
          exclude: g.exclude,
          replace: g.replace,
        },
        provider,
      );
      const got = graph.buildList.map((e) =>
        [e.path, e.version, e.replace ? `=> ${e.replace.path} ${e.replace.version}`.trim() : ""]
          .join(" ").trim()
      );
      const want = c.list.map((l) =>
        [l.path, l.version, l.replace ? `=> ${l.replace.path} ${l.replace.version}`.trim() : ""]
          .join(" ").trim()
      );
      assertEquals(got, want, c.name);
      matched++;
    }
    assertEquals(matched, mains.length);
    assert(requests() > 0);
  } finally {
    await server.shutdown();
  }
});
