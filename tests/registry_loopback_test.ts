/**
 * Client ↔ server over loopback: the real `serveRegistry` on 127.0.0.1:0 and small faulty
 * servers, against `openRegistry` with a temp cache.
 */
import { createHash } from "node:crypto";
import { pathToFileURL } from "node:url";
import { exitStatusOf, MochiError } from "../src/errors.ts";
import { openRegistry, type RegistryClientOptions } from "../src/registry/client/index_client.ts";
import { serveRegistry } from "../src/registry/server/registry_server.ts";
import { formatIndexRecord, indexPath, type IndexRecord } from "../src/index/mod.ts";
import { assert, assertEquals, assertRejects } from "./assert.ts";
import { guardedTest } from "./stray.ts";

const FAST: Partial<RegistryClientOptions> = { baseDelayMs: 1, maxAttempts: 3 };

function hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

interface Fixture {
  dir: string;
  cache: string;
  blobs: Map<string, Uint8Array>;
}

/** A temp registry with three packages and their blobs, plus an empty cache dir. */
async function withFixture(fn: (f: Fixture) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mochi_reg_" });
  const cache = await Deno.makeTempDir({ prefix: "mochi_cache_" });
  try {
    await Deno.writeTextFile(
      `${dir}/config.json`,
      '{"dl": "blobs/", "api": null, "auth-required": false}\n',
    );
    await Deno.mkdir(`${dir}/blobs`);
    const blobs = new Map<string, Uint8Array>();
    const packages: Record<string, [string, Record<string, string>][]> = {
      "@mochi/strings": [["1.0.0", {}], ["1.1.0", {}]],
      "datalog": [["0.1.0", { "@mochi/strings": "^1.0" }]],
      "x": [["2.0.0-rc.1", { datalog: "0.1" }]],
    };
    for (const [name, versions] of Object.entries(packages)) {
      const lines: string[] = [];
      for (const [v, d] of versions) {
        const blob = new TextEncoder().encode(`${name}@${v} archive bytes`);
        // The client never checks digests (the store does), so any 64-hex address works here.
        const b3 = hex(new TextEncoder().encode(`b3:${name}@${v}`));
        blobs.set(b3, blob);
        await Deno.writeFile(`${dir}/blobs/${b3}`, blob);
        const rec: IndexRecord = {
          version: v,
          blake3: b3,
          sha256: hex(blob),
          dependencies: d,
          yanked: false,
          capabilities: name === "datalog" ? ["fs.read"] : [],
          extra: name === "x" ? { future: { k: 1 } } : {},
        };
        lines.push(formatIndexRecord(rec));
      }
      const path = `${dir}/${indexPath(name)}`;
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(path, lines.join("\n") + "\n");
    }
    await fn({ dir, cache, blobs });
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(cache, { recursive: true });
  }
}

interface Seen {
  path: string;
  ifNoneMatch: string | null;
  status: number;
}

async function codeOf(p: Promise<unknown>): Promise<MochiError> {
  return await assertRejects(() => p, MochiError);
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A tiny server whose answers a test scripts; counts requests per path. */
function scriptedServer(answer: (req: Request, n: number) => Response | Promise<Response>) {
  let n = 0;
  const paths: string[] = [];
  const server = Deno.serve(
    {
      hostname: "127.0.0.1",
      port: 0,
      onListen: () => {},
      onError: () => new Response(null, { status: 500 }),
    },
    (req) => {
      paths.push(new URL(req.url).pathname);
      return answer(req, ++n);
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    paths,
    get count() {
      return n;
    },
    shutdown: () => server.shutdown(),
  };
}

const CONFIG = () => new Response('{"dl":"blobs/"}');

guardedTest(
  "openRegistry() http: cold fetch, then a new client revalidates with a 304",
  async () => {
    await withFixture(async ({ dir, cache }) => {
      const seen: Seen[] = [];
      const server = serveRegistry(dir, {
        onResponse: (req, res) =>
          seen.push({
            path: new URL(req.url).pathname,
            ifNoneMatch: req.headers.get("if-none-match"),
            status: res.status,
          }),
      });
      try {
        const cold = openRegistry(server.url, { cacheDir: cache, ...FAST });
        const records = await cold.records("@mochi/strings");
        assertEquals(records?.map((r) => r.version), ["1.0.0", "1.1.0"]);
        assertEquals(seen, [{ path: "/st/ri/mochi/strings", ifNoneMatch: null, status: 200 }]);
        assertEquals(cold.stats.notModified, 0);
        assert(cold.stats.bytes > 0);

        const warm = openRegistry(server.url, { cacheDir: cache, ...FAST });
        assertEquals(await warm.records("@mochi/strings"), records);
        assertEquals(seen.length, 2);
        assertEquals(seen[1]!.path, "/st/ri/mochi/strings");
        assert(seen[1]!.ifNoneMatch !== null && seen[1]!.ifNoneMatch.startsWith('"'));
        assertEquals(seen[1]!.status, 304);
        assertEquals(warm.stats.notModified, 1);
        assertEquals(warm.stats.cacheHits, 1);
        assertEquals(warm.stats.bytes, 0);

        // A changed file (a yank) is fetched in full again and replaces the cache.
        const file = `${dir}/st/ri/mochi/strings`;
        const text = await Deno.readTextFile(file);
        await Deno.writeTextFile(file, text.replace('"v":"1.0.0",', '"v":"1.0.0","y":true,'));
        const third = openRegistry(server.url, { cacheDir: cache, ...FAST });
        const yanked = await third.records("@mochi/strings");
        assertEquals(yanked?.map((r) => r.yanked), [true, false]);
        assertEquals(seen[2]!.status, 200);
        const offline = openRegistry(server.url, { cacheDir: cache, offline: true });
        assertEquals(await offline.records("@mochi/strings"), yanked);
        assertEquals(seen.length, 3);
      } finally {
        await server.shutdown();
      }
    });
  },
);

guardedTest("openRegistry() http: concurrent and repeated reads share one request", async () => {
  await withFixture(async ({ dir, cache }) => {
    const paths: string[] = [];
    const server = serveRegistry(dir, {
      onResponse: (req) => paths.push(new URL(req.url).pathname),
    });
    try {
      const client = openRegistry(server.url, { cacheDir: cache, ...FAST });
      const all = await Promise.all(
        Array.from({ length: 20 }, (_, i) => client.records(i % 2 ? "datalog" : "x")),
      );
      assertEquals(all[0]?.[0]?.version, "2.0.0-rc.1");
      assertEquals(all[1]?.[0]?.version, "0.1.0");
      await client.records("datalog");
      await Promise.all([client.config(), client.config()]);
      assertEquals(paths.sort(), ["/config.json", "/da/ta/-/datalog", "/x/-/-/x"]);
      assertEquals(client.stats.requests, 3);
    } finally {
      await server.shutdown();
    }
  });
});

guardedTest(
  "openRegistry() gives identical records over http, file:// and a plain path",
  async () => {
    await withFixture(async ({ dir, cache }) => {
      const server = serveRegistry(dir);
      try {
        const clients = [
          openRegistry(server.url, { cacheDir: cache, ...FAST }),
          openRegistry(pathToFileURL(dir).href, { cacheDir: cache }),
          openRegistry(dir, { cacheDir: cache }),
        ];
        assertEquals(clients[1]!.url, clients[2]!.url);
        assert(clients[1]!.url.startsWith("file:///") && clients[1]!.url.endsWith("/"));
        for (const name of ["@mochi/strings", "datalog", "x"]) {
          const [a, b, c] = await Promise.all(clients.map((cl) => cl.records(name)));
          assert(a !== null && a!.length > 0, name);
          assertEquals(b, a, name);
          assertEquals(c, a, name);
        }
        const x = (await clients[2]!.records("x"))![0]!;
        assertEquals(x.extra, { future: { k: 1 } });
        assertEquals(x!.dependencies, { datalog: "0.1" });
        for (const client of clients) {
          const bad = client.records("../etc/passwd");
          assert(bad instanceof Promise);
          assertEquals((await codeOf(bad)).code, "MANIFEST_E003");
          assertEquals(await client.records("@mochi/absent"), null);
          assertEquals(await client.records("nope"), null);
          assertEquals((await client.config()).dl, "blobs/");
        }
      } finally {
        await server.shutdown();
      }
    });
  },
);

guardedTest("openRegistry() fetches blobs over http and from a directory", async () => {
  await withFixture(async ({ dir, cache, blobs }) => {
    const server = serveRegistry(dir);
    try {
      const http = openRegistry(server.url, { cacheDir: cache, ...FAST });
      const local = openRegistry(dir, { cacheDir: cache });
      const [b3, bytes] = [...blobs][0]!;
      await http.config();
      await local.config();
      assertEquals(http.blobUrl(b3), `${server.url}blobs/${b3}`);
      assertEquals(local.blobUrl(b3), `${pathToFileURL(dir).href}/blobs/${b3}`);
      assertEquals(await readAll(await http.fetchBlob(b3)), bytes);
      assertEquals(await readAll(await local.fetchBlob(b3)), bytes);
      assertEquals(http.stats.bytes, bytes.length + (await Deno.stat(`${dir}/config.json`)).size);

      const missing = "f".repeat(64);
      for (const client of [http, local]) {
        const e = await codeOf(client.fetchBlob(missing));
        assertEquals(e.code, "BLOB_E002");
        assert(e.message.includes(`blobs/${missing}`) && e.message.includes("1 attempt"));
        assertEquals(exitStatusOf(e), 3);
      }
      const offline = openRegistry(server.url, { cacheDir: cache, offline: true });
      assertEquals((await codeOf(offline.fetchBlob(b3))).code, "BLOB_E007");
    } finally {
      await server.shutdown();
    }
  });
});

guardedTest("openRegistry() retries a 503 and then succeeds", async () => {
  const cache = await Deno.makeTempDir({ prefix: "mochi_cache_" });
  const h = "a".repeat(64);
  const server = scriptedServer((req, n) => {
    if (new URL(req.url).pathname === "/config.json") return CONFIG();
    return n === 1
      ? new Response("busy", { status: 503 })
      : new Response(`{"v":"1.0.0","b3":"${h}","s2":"${h}"}\n`);
  });
  try {
    const client = openRegistry(server.url, { cacheDir: cache, ...FAST });
    const recs = await client.records("pkg");
    assertEquals(recs?.map((r) => r.version), ["1.0.0"]);
    assertEquals(server.paths, ["/pk/pk/-/pkg", "/pk/pk/-/pkg"]);
    assertEquals(client.stats.requests, 2);
    assertEquals(client.stats.retries, 1);
  } finally {
    await server.shutdown();
    await Deno.remove(cache, { recursive: true });
  }
});

guardedTest("openRegistry() honours Retry-After on 429 and ends with INDEX_E005", async () => {
  const cache = await Deno.makeTempDir({ prefix: "mochi_cache_" });
  const server = scriptedServer(() =>
    new Response("slow down", { status: 429, headers: { "Retry-After": "0" } })
  );
  try {
    // A 60 s backoff base: the test only finishes quickly because Retry-After: 0 overrides it.
    const client = openRegistry(server.url, {
      cacheDir: cache,
      maxAttempts: 3,
      baseDelayMs: 60_000,
    });
    const e = await codeOf(client.records("datalog"));
    assertEquals(e.code, "INDEX_E005");
    assert(e.message.includes(`${server.url}da/ta/-/datalog`), e.message);
    assert(e.message.includes("3 attempts"), e.message);
    assert(e.message.includes("429"), e.message);
    assertEquals(server.count, 3);
    assertEquals(exitStatusOf(e), 3);
  } finally {
    await server.shutdown();
    await Deno.remove(cache, { recursive: true });
  }
});

guardedTest("openRegistry() caps a long Retry-After at maxDelayMs", async () => {
  const cache = await Deno.makeTempDir({ prefix: "mochi_cache_" });
  const server = scriptedServer(() =>
    new Response("down", { status: 503, headers: { "Retry-After": "3600" } })
  );
  try {
    const client = openRegistry(server.url, {
      cacheDir: cache,
      maxAttempts: 2,
      baseDelayMs: 1,
      maxDelayMs: 5,
    });
    const e = await codeOf(client.records("datalog"));
    assertEquals(e.code, "INDEX_E004");
    assertEquals(server.count, 2);
  } finally {
    await server.shutdown();
    await Deno.remove(cache, { recursive: true });
  }
});

guardedTest("openRegistry() gives up on a server that always fails with INDEX_E004", async () => {
  const cache = await Deno.makeTempDir({ prefix: "mochi_cache_" });
  const server = scriptedServer(() => new Response("boom", { status: 500 }));
  try {
    const client = openRegistry(server.url, { cacheDir: cache, maxAttempts: 4, baseDelayMs: 1 });
    const e = await codeOf(client.records("@mochi/strings"));
    assertEquals(e.code, "INDEX_E004");
    assert(e.message.includes(`${server.url}st/ri/mochi/strings`), e.message);
    assert(e.message.includes("4 attempts") && e.message.includes("HTTP 500"), e.message);
    assert(e.hint !== undefined && e.hint.length > 0);
    assertEquals(server.count, 4);
    // Failures are not remembered: a second call tries again.
    await codeOf(client.records("@mochi/strings"));
    assertEquals(server.count, 8);
    // Nothing was cached.
    assertEquals([...Deno.readDirSync(cache)].length, 0);
  } finally {
    await server.shutdown();
    await Deno.remove(cache, { recursive: true });
  }
});

guardedTest("openRegistry() treats refused connections and timeouts as retryable", async () => {
  const cache = await Deno.makeTempDir({ prefix: "mochi_cache_" });
  // A port that was just free: connecting to it is refused.
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadPort = (probe.addr as Deno.NetAddr).port;
  probe.close();
  let release!: () => void;
  const hang = new Promise<void>((r) => release = r);
  const server = scriptedServer(async () => {
    await hang;
    return new Response("late");
  });
  try {
    const refused = openRegistry(`http://127.0.0.1:${deadPort}/`, { cacheDir: cache, ...FAST });
    const e1 = await codeOf(refused.records("datalog"));
    assertEquals(e1.code, "INDEX_E004");
    assert(e1.message.includes("3 attempts") && e1.message.includes("network error"), e1.message);

    const slow = openRegistry(server.url, { cacheDir: cache, ...FAST, timeoutMs: 50 });
    const e2 = await codeOf(slow.records("datalog"));
    assertEquals(e2.code, "INDEX_E004");
    assert(e2.message.includes("timed out after 50 ms"), e2.message);
    assertEquals(server.count, 3);
  } finally {
    release();
    await server.shutdown();
    await Deno.remove(cache, { recursive: true });
  }
});

guardedTest("openRegistry() does not retry 403 (INDEX_E008) or 404/410 (null)", async () => {
  const cache = await Deno.makeTempDir({ prefix: "mochi_cache_" });
  const server = scriptedServer((req) => {
    const p = new URL(req.url).pathname;
    if (p.endsWith("/gone")) return new Response("", { status: 410 });
    if (p.endsWith("/nope")) return new Response("", { status: 404 });
    return new Response("no", { status: 403 });
  });
  try {
    const client = openRegistry(server.url, { cacheDir: cache, ...FAST });
    assertEquals(await client.records("gone"), null);
    assertEquals(await client.records("nope"), null);
    const e = await codeOf(client.records("secret"));
    assertEquals(e.code, "INDEX_E008");
    assert(e.message.includes("403"), e.message);
    assertEquals(server.count, 3);
    const c = await codeOf(client.config());
    assertEquals(c.code, "INDEX_E008");
  } finally {
    await server.shutdown();
    await Deno.remove(cache, { recursive: true });
  }
});

guardedTest(
  "openRegistry() reports a bad index line as INDEX_E001 and does not cache it",
  async () => {
    const cache = await Deno.makeTempDir({ prefix: "mochi_cache_" });
    const h = "b".repeat(64);
    const server = scriptedServer(() =>
      new Response(`{"v":"1.0.0","b3":"${h}","s2":"${h}"}\n{"v":"1.1.0","b3":`, {
        headers: { ETag: '"bad"' },
      })
    );
    try {
      const client = openRegistry(server.url, { cacheDir: cache, ...FAST });
      const e = await codeOf(client.records("datalog"));
      assertEquals(e.code, "INDEX_E001");
      assert(e.message.includes('"datalog"') && e.message.includes("line 2"), e.message);
      assertEquals(e.file, `${server.url}da/ta/-/datalog`);
      assertEquals(server.count, 1);
      const offline = openRegistry(server.url, { cacheDir: cache, offline: true });
      assertEquals((await codeOf(offline.records("datalog"))).code, "INDEX_E006");
    } finally {
      await server.shutdown();
      await Deno.remove(cache, { recursive: true });
    }
  },
);

guardedTest("openRegistry() offline with an empty cache fails with INDEX_E006", async () => {
  const cache = await Deno.makeTempDir({ prefix: "mochi_cache_" });
  let called = 0;
  const fetchSpy: typeof fetch = () => {
    called++;
    return Promise.reject(new Error("must not be called"));
  };
  try {
    const client = openRegistry("http://127.0.0.1:9/", {
      cacheDir: cache,
      offline: true,
      fetch: fetchSpy,
    });
    const e = await codeOf(client.records("@mochi/strings"));
    assertEquals(e.code, "INDEX_E006");
    assert(e.message.includes("http://127.0.0.1:9/st/ri/mochi/strings"), e.message);
    assert(e.hint !== undefined && e.hint.includes("--offline"), e.hint);
    assertEquals((await codeOf(client.config())).code, "INDEX_E006");
    assertEquals(called, 0);
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});

guardedTest("openRegistry() treats a damaged cache file as a miss and repairs it", async () => {
  await withFixture(async ({ dir, cache }) => {
    const seen: (string | null)[] = [];
    const server = serveRegistry(dir, {
      onResponse: (req) => seen.push(req.headers.get("if-none-match")),
    });
    try {
      await openRegistry(server.url, { cacheDir: cache, ...FAST }).records("datalog");
      const [hostDir] = [...Deno.readDirSync(cache)].map((e) => e.name);
      const cached = `${cache}/${hostDir}/${encodeURIComponent("da/ta/-/datalog")}`;
      // Damage the cache file: its body is no longer the size its header says.
      await Deno.writeTextFile(cached, (await Deno.readTextFile(cached)) + "\n");
      const again = await openRegistry(server.url, { cacheDir: cache, ...FAST }).records(
        "datalog",
      );
      assertEquals(again?.[0]?.version, "0.1.0");
      assertEquals(seen, [null, null]);
      // The full answer repaired the cache: the next client revalidates again.
      await openRegistry(server.url, { cacheDir: cache, ...FAST }).records("datalog");
      assert(seen[2] !== null);
    } finally {
      await server.shutdown();
    }
  });
});

guardedTest(
  "openRegistry() surfaces a blob body cut short as BLOB_E002 and retries 503s",
  async () => {
    const cache = await Deno.makeTempDir({ prefix: "mochi_cache_" });
    const b3 = "c".repeat(64);
    const server = scriptedServer((req, n) => {
      if (new URL(req.url).pathname === "/config.json") return CONFIG();
      if (n === 2) return new Response("busy", { status: 503 });
      let sent = false;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (!sent) {
            sent = true;
            controller.enqueue(new Uint8Array(1000));
          } else controller.error(new Error("disk on fire"));
        },
      });
      return new Response(body, { headers: { "Content-Length": "100000" } });
    });
    try {
      const client = openRegistry(server.url, { cacheDir: cache, ...FAST });
      const stream = await client.fetchBlob(b3);
      const e = await codeOf(readAll(stream));
      assertEquals(e.code, "BLOB_E002");
      assert(e.message.includes(`${server.url}blobs/${b3}`), e.message);
      assert(e.message.includes("2 attempts"), e.message);
      assertEquals(server.count, 3);
    } finally {
      await server.shutdown();
      await Deno.remove(cache, { recursive: true });
    }
  },
);

guardedTest("openRegistry() rejects unsupported URL schemes with INDEX_E009", () => {
  try {
    openRegistry("ftp://example.com/", { cacheDir: "/nonexistent" });
    throw new Error("expected a throw");
  } catch (e) {
    assert(e instanceof MochiError && e.code === "INDEX_E009", String(e));
  }
});
