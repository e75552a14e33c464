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

/** Every file under `dir`, relative, sorted. */
async function filesUnder(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isDirectory) out.push(...await filesUnder(`${dir}/${e.name}`, `${prefix}${e.name}/`));
    else out.push(`${prefix}${e.name}`);
  }
  return out.sort();
}

Deno.test("openGoProxy: .info/.mod answered 503 once are retried; 404/410 are not", async () => {
  const cacheDir = await Deno.makeTempDir();
  const hits = new Map<string, number>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const p = new URL(req.url).pathname;
    const n = (hits.get(p) ?? 0) + 1;
    hits.set(p, n);
    if (p.startsWith("/example.com/gone/")) return new Response("gone", { status: 410 });
    if (p.startsWith("/example.com/missing/")) return new Response("no", { status: 404 });
    if (n === 1) return new Response("busy", { status: 503 });
    if (p === "/example.com/flaky/@v/v1.2.3.info") {
      return new Response(JSON.stringify({ Version: "v1.2.3" }));
    }
    if (p === "/example.com/flaky/@v/v1.2.3.mod") {
      return new Response("module example.com/flaky\n");
    }
    return new Response("no", { status: 404 });
  });
  try {
    const p = openGoProxy(`http://127.0.0.1:${server.addr.port}`, {
      cacheDir,
      maxAttempts: 3,
      baseDelayMs: 1,
      maxDelayMs: 5,
    });
    assert.equal((await p.info("example.com/flaky", "v1.2.3")).value.version, "v1.2.3");
    assert.equal(
      new TextDecoder().decode((await p.mod("example.com/flaky", "v1.2.3")).value),
      "module example.com/flaky\n",
    );
    assert.equal(hits.get("/example.com/flaky/@v/v1.2.3.info"), 2);
    assert.equal(hits.get("/example.com/flaky/@v/v1.2.3.mod"), 2);
    assert.equal(p.stats.retries, 2);
    for (const module of ["example.com/gone", "example.com/missing"]) {
      await assert.rejects(
        p.mod(module, "v1.0.0"),
        (e) => e instanceof MochiError && e.code === "GO_E013",
      );
      await assert.rejects(
        p.info(module, "v1.0.0"),
        (e) => e instanceof MochiError && e.code === "GO_E013",
      );
      assert.equal(hits.get(`/${module}/@v/v1.0.0.mod`), 1, `${module} .mod asked once`);
      assert.equal(hits.get(`/${module}/@v/v1.0.0.info`), 1, `${module} .info asked once`);
    }
    assert.equal(p.stats.retries, 2, "no retry for 404/410");
    await p.flush();
  } finally {
    await server.shutdown();
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("openGoProxy: a .mod over the cap in decoded bytes is refused and not cached", async () => {
  const cacheDir = await Deno.makeTempDir();
  // 64 KiB of go.mod text that gzip shrinks to well under the 1 KiB cap on the wire.
  const plain = new TextEncoder().encode(`module example.com/bomb\n// ${"x".repeat(64 << 10)}\n`);
  const gz = new Uint8Array(
    await new Response(new Blob([plain]).stream().pipeThrough(new CompressionStream("gzip")))
      .arrayBuffer(),
  );
  assert.ok(gz.length < 1024, `gzip body is ${gz.length} bytes`);
  let hits = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    hits++;
    return new Response(gz, {
      headers: { "content-encoding": "gzip", "content-length": String(gz.length) },
    });
  });
  try {
    const p = openGoProxy(`http://127.0.0.1:${server.addr.port}`, {
      cacheDir,
      maxAttempts: 1,
      maxIndexBytes: 1024,
    });
    await assert.rejects(
      p.mod("example.com/bomb", "v1.0.0"),
      (e) => e instanceof MochiError && e.code === "GO_E018",
    );
    await p.flush();
    assert.deepEqual((await filesUnder(cacheDir)).filter((f) => f.includes("bomb")), []);
    // Asked again: refused again from the network, not served from a cache.
    await assert.rejects(
      p.mod("example.com/bomb", "v1.0.0"),
      (e) => e instanceof MochiError && e.code === "GO_E018",
    );
    assert.equal(hits, 2);
  } finally {
    await server.shutdown();
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("openGoProxy: a .zip that stalls mid-way ends within the idle timeout (BLOB_E010)", async () => {
  const cacheDir = await Deno.makeTempDir();
  let stalled: ReadableStreamDefaultController<Uint8Array> | undefined;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(c) {
            stalled = c;
            c.enqueue(new Uint8Array(4096)); // then nothing more
          },
        }),
      ),
  );
  try {
    const url = `http://127.0.0.1:${server.addr.port}`;
    const p = openGoProxy(url, { cacheDir, maxAttempts: 1, idleTimeoutMs: 200 });
    const started = performance.now();
    const stream = await p.zip(`${url}/`, "example.com/slow", "v1.0.0");
    let received = 0;
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) received += chunk.length;
      })(),
      (e) => e instanceof MochiError && e.code === "BLOB_E010",
    );
    const tookMs = performance.now() - started;
    assert.equal(received, 4096);
    assert.ok(tookMs < 3000, `ended after ${tookMs} ms`);
  } finally {
    try {
      stalled?.close();
    } catch { /* already cancelled */ }
    await server.shutdown();
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("openGoProxy: a second .mod/.info of a version comes from the cache without a request", async () => {
  const cacheDir = await Deno.makeTempDir();
  const hits: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const p = new URL(req.url).pathname;
    hits.push(p);
    if (p.endsWith(".info")) return new Response(JSON.stringify({ Version: "v1.0.0" }));
    if (p.endsWith(".mod")) return new Response("module example.com/m\n");
    if (p.endsWith("/list")) return new Response("v1.0.0\n");
    return new Response("no", { status: 404 });
  });
  try {
    const url = `http://127.0.0.1:${server.addr.port}`;
    const first = openGoProxy(url, { cacheDir, maxAttempts: 1 });
    await first.mod("example.com/m", "v1.0.0");
    await first.info("example.com/m", "v1.0.0");
    await first.list("example.com/m");
    await first.flush();
    assert.equal(hits.length, 3);
    // Same client and a fresh one (a later command): a version's .mod and .info never change,
    // so they are not asked again; @v/list may change and is asked again.
    for (const p of [first, openGoProxy(url, { cacheDir, maxAttempts: 1 })]) {
      assert.equal(
        new TextDecoder().decode((await p.mod("example.com/m", "v1.0.0")).value),
        "module example.com/m\n",
      );
      assert.equal((await p.info("example.com/m", "v1.0.0")).value.version, "v1.0.0");
      assert.ok(p.stats.cacheHits >= 2, `cache hits ${p.stats.cacheHits}`);
    }
    assert.deepEqual(hits.filter((h) => !h.endsWith("/list")), [
      "/example.com/m/@v/v1.0.0.mod",
      "/example.com/m/@v/v1.0.0.info",
    ]);
    assert.equal((await first.list("example.com/m")).value[0], "v1.0.0");
    assert.equal(hits.filter((h) => h.endsWith("/list")).length, 2);
  } finally {
    await server.shutdown();
    await Deno.remove(cacheDir, { recursive: true });
  }
});
