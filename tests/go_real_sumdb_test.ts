/**
 * The Go bridge against the real checksum database's recorded answers (issue 14 "Real oracle"):
 * `mochi lock` through a loopback proxy serving `fixtures/go/proxy/` (recorded with the go
 * command) with the recorded `sumdb/` behind its `sumdb/sum.golang.org/` pass-through, and the
 * default verifier key: every module's h1 equals the log's record, proven in the real signed tree
 * heads, and the newest one (`latest`) is the tree head kept afterwards. Then a lookup answer with
 * one flipped byte in its signature is refused.
 */
import assert from "node:assert/strict";
import { parseLockfile } from "../src/lockfile/mod.ts";
import { ROOT, runCli } from "./helpers.ts";
import { guardedTest } from "./stray.ts";
import { writeGoProject } from "./go_loopback.ts";

const CORPUS = `${ROOT}/fixtures/go`;
/** Corpus modules whose whole module graph has recorded zips, each with a recorded lookup. */
const MODULES: Record<string, string> = {
  "github.com/BurntSushi/toml": "v1.4.0",
  "github.com/Masterminds/semver/v3": "v3.3.0",
  "github.com/cespare/xxhash/v2": "v2.3.0",
  "github.com/google/go-cmp": "v0.6.0",
  "github.com/google/uuid": "v1.6.0",
  "github.com/gorilla/mux": "v1.8.1",
  "github.com/pkg/errors": "v0.9.1",
  "github.com/spf13/pflag": "v1.0.5",
};

function serveCorpus(flip?: string): { url: string; close(): Promise<void> } {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    const parts = path.replace(/^\/+/, "").split("/");
    if (parts.some((s) => s === ".." || s === "." || s === "")) {
      return new Response("bad path", { status: 400 });
    }
    const prefix = ["sumdb", "sum.golang.org"];
    const file = parts[0] === prefix[0] && parts[1] === prefix[1]
      ? `${CORPUS}/sumdb/${parts.slice(2).join("/")}`
      : `${CORPUS}/proxy/${parts.join("/")}`;
    try {
      const body = await Deno.readFile(file);
      if (flip !== undefined && path.endsWith(flip)) body[body.length - 10] = body.at(-10)! ^ 1;
      return new Response(body);
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  return { url: `http://127.0.0.1:${server.addr.port}/`, close: () => server.shutdown() };
}

guardedTest(
  "go real oracle: mochi lock proves the recorded modules in the real checksum database's signed tree heads",
  async () => {
    const proxy = serveCorpus();
    const dir = await Deno.makeTempDir({ prefix: "mochi-go-real-" });
    try {
      const app = `${dir}/app`;
      await writeGoProject(app, MODULES);
      const env = { MOCHI_HOME: `${dir}/home`, MOCHI_GOPROXY: proxy.url };
      const r = await runCli(["lock"], { cwd: app, env });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const lock = parseLockfile(await Deno.readTextFile(`${app}/mochi.lock`));
      const goSum = await Deno.readTextFile(`${CORPUS}/proxy/github.com/google/uuid/@v/v1.6.0.mod`)
        .then(() => true);
      assert.ok(goSum);
      assert.equal(lock.goPackages?.length, Object.keys(MODULES).length);
      for (const m of lock.goPackages!) {
        assert.equal(m.sumdb?.origin, "sum.golang.org", m.module);
        assert.ok(m.sumdb!.treeSize > 50_000_000, `${m.module} proven in a real tree head`);
      }
      const kept = await Deno.readTextFile(
        `${env.MOCHI_HOME}/state/go-sumdb/sum.golang.org/latest`,
      );
      assert.equal(kept, await Deno.readTextFile(`${CORPUS}/sumdb/latest`));
    } finally {
      await proxy.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

guardedTest(
  "go real oracle: a recorded lookup with a flipped signature byte is refused (exit 4)",
  async () => {
    const proxy = serveCorpus("lookup/github.com/google/uuid@v1.6.0");
    const dir = await Deno.makeTempDir({ prefix: "mochi-go-real-" });
    try {
      const app = `${dir}/app`;
      await writeGoProject(app, { "github.com/google/uuid": "v1.6.0" });
      const r = await runCli(["lock"], {
        cwd: app,
        env: { MOCHI_HOME: `${dir}/home`, MOCHI_GOPROXY: proxy.url },
      });
      assert.equal(r.code, 4, r.stdout + r.stderr);
      assert.match(r.stderr, /GO_E006|GO_E018/);
      assert.equal(await Deno.stat(`${app}/mochi.lock`).then(() => true, () => false), false);
    } finally {
      await proxy.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
