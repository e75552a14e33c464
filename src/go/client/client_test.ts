import assert from "node:assert/strict";
import { MochiError } from "../../errors.ts";
import { openGoProxy, parseGoProxyList } from "./proxy_client.ts";
import { DEFAULT_GO_SUMDB_KEY, parseGoSumdb, sumdbSkippedBy } from "./sumdb_client.ts";

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof MochiError, String(e));
    return e.code;
  }
  assert.fail("expected a throw");
}

Deno.test("parseGoProxyList: , and | separators, scheme-less hosts, direct and off refused", () => {
  assert.deepEqual(parseGoProxyList("http://127.0.0.1:1,http://127.0.0.1:2/x|127.0.0.1:3"), [
    { url: "http://127.0.0.1:1/", fallback: "," },
    { url: "http://127.0.0.1:2/x/", fallback: "|" },
    { url: "https://127.0.0.1:3/" },
  ]);
  for (
    const bad of [
      "",
      " , ",
      "direct",
      "http://127.0.0.1:1,direct",
      "off",
      "file:///tmp/x",
      "http://u:p@127.0.0.1/",
      "http://127.0.0.1/?q=1",
    ]
  ) {
    assert.equal(codeOf(() => parseGoProxyList(bad)), "GO_E015", bad);
  }
});

Deno.test("parseGoSumdb: default key through the proxy, off, key with URL, bad values", () => {
  const d = parseGoSumdb(undefined, "http://127.0.0.1:9/p/");
  assert.notEqual(d, "off");
  if (d === "off") return;
  assert.equal(d.vkey, DEFAULT_GO_SUMDB_KEY);
  assert.equal(d.url, "http://127.0.0.1:9/p/sumdb/sum.golang.org/");
  assert.equal(parseGoSumdb("off", "http://127.0.0.1:9/"), "off");
  assert.equal(parseGoSumdb("sum.golang.org", "http://127.0.0.1:9/") !== "off", true);
  const own = parseGoSumdb(`${DEFAULT_GO_SUMDB_KEY} http://127.0.0.1:7/db`, "http://x.invalid/");
  assert.equal(own !== "off" && own.url, "http://127.0.0.1:7/db/");
  assert.equal(codeOf(() => parseGoSumdb("other.example", "http://127.0.0.1:9/")), "GO_E015");
  assert.equal(codeOf(() => parseGoSumdb("a b c", "http://127.0.0.1:9/")), "GO_E015");
  assert.equal(codeOf(() => parseGoSumdb("name+zz+bad", "http://127.0.0.1:9/")), "GO_E005");
});

Deno.test("sumdbSkippedBy: GONOSUMDB wins over GOPRIVATE; prefix patterns", () => {
  assert.equal(sumdbSkippedBy("corp.example/x", { GOPRIVATE: "corp.example" }), "GOPRIVATE");
  assert.equal(
    sumdbSkippedBy("corp.example/x", { GONOSUMDB: "other.example", GOPRIVATE: "corp.example" }),
    undefined,
  );
  assert.equal(sumdbSkippedBy("a.example/b/c", { GONOSUMDB: "*.example/b" }), "GONOSUMDB");
  assert.equal(sumdbSkippedBy("a.example/b", {}), undefined);
});

/** Two loopback proxies: the first answers `status` for everything, the second serves a list. */
function twoProxies(status: number) {
  const hits: string[] = [];
  const first = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    hits.push(`1 ${new URL(req.url).pathname}`);
    return new Response("no", { status });
  });
  const second = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const p = new URL(req.url).pathname;
    hits.push(`2 ${p}`);
    if (p === "/example.com/!big/@v/list") return new Response("v1.0.0\nnot-a-version\nv1.1.0\n");
    if (p === "/example.com/!big/@v/v1.0.0.info") {
      return new Response(JSON.stringify({ Version: "v1.0.0", Time: "2024-01-01T00:00:00Z" }));
    }
    if (p === "/example.com/!big/@v/v9.0.0.info") {
      return new Response(JSON.stringify({ Version: "v1.0.0" }));
    }
    if (p === "/example.com/!big/@v/v1.0.0.mod") return new Response("x".repeat(2048));
    return new Response("gone", { status: 410 });
  });
  const urls = [`http://127.0.0.1:${first.addr.port}`, `http://127.0.0.1:${second.addr.port}`];
  return {
    hits,
    urls,
    async [Symbol.asyncDispose]() {
      await first.shutdown();
      await second.shutdown();
    },
  };
}

Deno.test("openGoProxy: , falls back on 404/410 only; | on any error; 410 is not found", async () => {
  const cacheDir = await Deno.makeTempDir();
  try {
    {
      await using s = twoProxies(404);
      const p = openGoProxy(s.urls.join(","), { cacheDir, maxAttempts: 1 });
      const list = await p.list("example.com/Big");
      assert.deepEqual(list.value, ["v1.0.0", "v1.1.0"]);
      assert.equal(list.proxy, `${s.urls[1]}/`);
      assert.deepEqual(s.hits, ["1 /example.com/!big/@v/list", "2 /example.com/!big/@v/list"]);
      const info = await p.info("example.com/Big", "v1.0.0");
      assert.equal(info.value.time, "2024-01-01T00:00:00Z");
      // An answer for another version than asked is refused.
      await assert.rejects(
        p.info("example.com/Big", "v9.0.0"),
        (e) => e instanceof MochiError && e.code === "GO_E018",
      );
      // 410 from the last proxy: not found.
      await assert.rejects(
        p.info("example.com/Big", "v2.0.0"),
        (e) => e instanceof MochiError && e.code === "GO_E013",
      );
    }
    {
      await using s = twoProxies(500);
      const comma = openGoProxy(s.urls.join(","), { cacheDir, maxAttempts: 1, baseDelayMs: 1 });
      await assert.rejects(
        comma.list("example.com/Big"),
        (e) => e instanceof MochiError && e.code === "GO_E014",
      );
      assert.ok(s.hits.every((h) => h.startsWith("1 ")), "a 500 does not fall back after ,");
      const pipe = openGoProxy(s.urls.join("|"), { cacheDir, maxAttempts: 1, baseDelayMs: 1 });
      assert.deepEqual((await pipe.list("example.com/Big")).value, ["v1.0.0", "v1.1.0"]);
      // The cap counts the decoded body.
      const small = openGoProxy(s.urls.join("|"), {
        cacheDir,
        maxAttempts: 1,
        maxIndexBytes: 1024,
      });
      await assert.rejects(
        small.mod("example.com/Big", "v1.0.0"),
        (e) => e instanceof MochiError && e.code === "GO_E018",
      );
    }
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});
