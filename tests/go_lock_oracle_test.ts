/**
 * `mochi lock` end to end against the go command's recorded answers (issue 14 "Real oracle"): the
 * corpus of `fixtures/go/` served on 127.0.0.1 as the module proxy, with the recorded checksum
 * database behind the proxy's `sumdb/<name>/` pass-through and the default verifier key. For each
 * `ffi-*` main module (a go.mod as mochi builds one for `[targets.go.ffi]`: go 1.21, require only)
 * a project asking for the same modules is locked by a real CLI subprocess, and its
 * `[[go-package]]` entries must be exactly `go list -m all`'s build list, with `gomod-h1` equal to
 * that main module's go.sum, `zip-h1` equal to `go mod download`'s (corpus.json; every module of
 * these build lists is a corpus module) and every module proven in the recorded tree head.
 *
 * The machine's newest tree head (`$MOCHI_HOME/state/go-sumdb/<name>/latest`) starts as the
 * recorded `latest`, as the go command's did when it recorded the tiles (fixtures/README.md), so
 * every proof uses tiles the recording holds.
 */
import { assert, assertEquals } from "./assert.ts";
import { runCli } from "./helpers.ts";
import { guardedTest } from "./stray.ts";
import { parseLockfile } from "../src/lockfile/mod.ts";
import {
  escapePath,
  escapeVersion,
  formatHash,
  parseGoMod,
  parseRecord,
  parseTree,
} from "../src/go/mod.ts";
import { GO_CORPUS_DIR, loadGoCorpusModules, loadGoMainCases } from "../scripts/_go_corpus.ts";

const PROXY = `${GO_CORPUS_DIR}/proxy`;
const SUMDB = `${GO_CORPUS_DIR}/sumdb`;

/** The corpus as a module proxy with its sumdb pass-through; records every path asked for. */
function serveCorpus(): { url: string; server: Deno.HttpServer<Deno.NetAddr>; asked: string[] } {
  const asked: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    asked.push(path);
    const parts = path.replace(/^\/+/, "").split("/");
    if (parts.some((s) => s === ".." || s === "." || s === "")) {
      return new Response("bad path", { status: 400 });
    }
    if (parts[0] === "sumdb" && parts[2] === "supported" && parts.length === 3) {
      return new Response("");
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
  return { url: `http://127.0.0.1:${server.addr.port}`, server, asked };
}

guardedTest(
  "go lock oracle: mochi lock equals go list -m all and go.sum for every ffi-* main module",
  async () => {
    const vkey = (await Deno.readTextFile(`${SUMDB}/vkey`)).trim();
    const name = vkey.slice(0, vkey.indexOf("+"));
    const latestText = await Deno.readTextFile(`${SUMDB}/latest`);
    const latest = parseTree(latestText.slice(0, latestText.indexOf("\n\n") + 1));
    const cases = (await loadGoMainCases()).filter((c) => c.name.startsWith("ffi-"));
    // go.sum lines of the zips as `go mod download` wrote them (go list -m all sums go.mod only).
    const zipSums = new Map(
      (await loadGoCorpusModules()).map((m) => [`${m.path} ${m.version}`, m.sum]),
    );
    assert(cases.length >= 4, `only ${cases.length} ffi-* cases`);
    const { url, server, asked } = serveCorpus();
    const dir = await Deno.makeTempDir({ prefix: "mochi-go-lock-oracle-" });
    try {
      for (const c of cases) {
        const app = `${dir}/${c.name}`;
        const home = `${dir}/home-${c.name}`;
        await Deno.mkdir(`${app}/src`, { recursive: true });
        await Deno.mkdir(`${home}/state/go-sumdb/${encodeURIComponent(name)}`, { recursive: true });
        await Deno.writeTextFile(
          `${home}/state/go-sumdb/${encodeURIComponent(name)}/latest`,
          latestText,
        );
        const main = parseGoMod(c.goMod);
        await Deno.writeTextFile(
          `${app}/mochi.toml`,
          [
            "[package]",
            `name = "${c.name.replaceAll("-", "_")}"`,
            'version = "0.1.0"',
            'edition = "2026"',
            'mochi = ">=0.7"',
            "",
            "[targets.go.ffi]",
            ...main.require.map((r) => `"${r.path}" = "${r.version}"`),
            "",
          ].join("\n"),
        );
        await Deno.writeTextFile(`${app}/src/main.mochi`, "print(1)\n");
        // The default checksum database (no MOCHI_GOSUMDB): its key, through the proxy.
        const r = await runCli(["lock"], {
          cwd: app,
          env: { MOCHI_HOME: home, MOCHI_GOPROXY: url, GOSUMDB: "", GONOSUMDB: "", GOPRIVATE: "" },
        });
        assertEquals(r.code, 0, `${c.name}: ${r.stderr}`);
        const lock = parseLockfile(await Deno.readTextFile(`${app}/mochi.lock`));
        const locked = lock.goPackages ?? [];
        // The build list, as the go command printed it (without the main module).
        assertEquals(
          locked.map((m) => `${m.module} ${m.version}`),
          c.list.slice(1).map((l) => `${l.path} ${l.version}`),
          c.name,
        );
        for (const m of locked) {
          assertEquals(
            m.zipH1,
            zipSums.get(`${m.module} ${m.version}`),
            `${c.name}: ${m.module} zip`,
          );
          assert(
            c.goSum.includes(`${m.module} ${m.version}/go.mod ${m.gomodH1}\n`),
            `${c.name}: ${m.module} go.mod`,
          );
          // Proven in a tree head the log signed: the recorded latest or the lookup's own.
          assertEquals(m.sumdb?.origin, name, `${c.name}: ${m.module}`);
          const rec = parseRecord(
            await Deno.readFile(
              `${SUMDB}/lookup/${escapePath(m.module)}@${escapeVersion(m.version)}`,
            ),
          );
          const note = new TextDecoder().decode(rec.rest);
          const own = parseTree(note.slice(0, note.indexOf("\n\n") + 1));
          const heads = [latest, own].map((t) => `${t.n} ${formatHash(t.hash)}`);
          assert(
            heads.includes(`${m.sumdb?.treeSize} ${m.sumdb?.rootHash}`),
            `${c.name}: ${m.module}: ${m.sumdb?.treeSize} ${m.sumdb?.rootHash} not in ${heads}`,
          );
        }
      }
      assert(asked.some((p) => p.startsWith(`/sumdb/${name}/lookup/`)), "no lookup was asked for");
      assert(asked.some((p) => p.startsWith(`/sumdb/${name}/tile/`)), "no tile was asked for");
    } finally {
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
