import assert from "node:assert/strict";
import { MochiError } from "../src/errors.ts";
import { openPythonIndex } from "../src/python/client/mod.ts";
import { servePythonIndex } from "./python_index_server.ts";

const INDEX = new URL("../fixtures/python/index", import.meta.url).pathname;

async function withIndex(
  fn: (url: string, cacheDir: string, requests: string[]) => Promise<void>,
  options: Parameters<typeof servePythonIndex>[1] = {},
): Promise<void> {
  const server = await servePythonIndex(INDEX, options);
  const cacheDir = await Deno.makeTempDir();
  try {
    await fn(server.url, cacheDir, server.requests);
  } finally {
    await server.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
}

Deno.test("Python index client: PEP 691 page, PEP 658 metadata with its hash checked, ETag revalidation", async () => {
  await withIndex(async (url, cacheDir, requests) => {
    const index = openPythonIndex(url, { cacheDir });
    const page = (await index.project("Requests"))!;
    assert.equal(page.name, "requests");
    const wheel = page.files.find((f) => f.filename === "requests-2.34.2-py3-none-any.whl")!;
    assert.equal(wheel.sha256, "2a0d60c172f83ac6ab31e4554906c0f3b3588d37b5cb939b1c061f4907e278e0");
    assert.ok(wheel.coreMetadata !== false && wheel.coreMetadata.sha256.length === 64);
    const meta = await index.metadata(wheel);
    assert.equal(meta.version, "2.34.2");
    assert.ok(meta.requiresDist.some((r) => r.normalizedName === "urllib3"));
    assert.equal(await index.project("no-such-project"), null);
    assert.deepEqual(requests, [
      "/simple/requests/",
      "/files/requests-2.34.2-py3-none-any.whl.metadata",
      "/simple/no-such-project/",
    ]);
    await index.flush();
    // A second client over the same cache revalidates (304) and reads metadata from the cache.
    const again = openPythonIndex(url, { cacheDir });
    const page2 = (await again.project("requests"))!;
    assert.equal(page2.files.length, page.files.length);
    await again.metadata(page2.files.find((f) => f.filename === wheel.filename)!);
    assert.equal(again.stats.notModified, 1);
    assert.equal(requests.length, 4); // only the revalidation
  });
});

Deno.test("Python index client: a tampered metadata file is refused (PY_E007, exit 4) and not cached", async () => {
  let tamper = true;
  await withIndex(async (url, cacheDir) => {
    const index = openPythonIndex(url, { cacheDir });
    const wheel = (await index.project("idna"))!.files.find((f) => f.coreMetadata !== false)!;
    await assert.rejects(index.metadata(wheel), (e) => {
      assert.ok(e instanceof MochiError && e.code === "PY_E007", String(e));
      assert.match(e.message, /SHA-256/);
      return true;
    });
    tamper = false;
    const meta = await index.metadata(wheel); // retried, not served from a poisoned cache
    assert.equal(meta.name, "idna");
  }, {
    fault: (path) =>
      tamper && path.endsWith(".metadata")
        ? new Response("Metadata-Version: 2.1\nName: idna\nVersion: 9\nRequires-Dist: evil\n")
        : undefined,
  });
});

Deno.test("Python index client: retries a 503, refuses HTML and oversized pages", async () => {
  await withIndex(async (url, cacheDir) => {
    const index = openPythonIndex(url, { cacheDir, baseDelayMs: 1, maxIndexBytes: 3500 });
    assert.ok((await index.project("six")) !== null); // small page, after one 503
    assert.equal(index.stats.retries, 1);
    await assert.rejects(index.project("flask"), (e) => {
      assert.ok(e instanceof MochiError && e.code === "PY_E005", String(e));
      assert.match(e.message, /HTML/);
      return true;
    });
    await assert.rejects(index.project("numpy"), (e) => {
      assert.ok(e instanceof MochiError && e.code === "INDEX_E010", String(e));
      return true;
    });
  }, {
    fault: (path, attempt) =>
      path === "/simple/six/" && attempt === 1
        ? new Response("busy", { status: 503 })
        : path === "/simple/flask/"
        ? new Response("<html><body>flask</body></html>", {
          headers: { "content-type": "text/html" },
        })
        : undefined,
  });
});

Deno.test("Python index client: a stalled page and a stalled metadata body end at their deadlines", async () => {
  const stalls: ReadableStreamDefaultController<Uint8Array>[] = [];
  const stalled = () =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode("Metadata-Version: 2.1\n"));
          stalls.push(c); // never closed: the body drips nothing more
        },
      }),
    );
  await withIndex(async (url, cacheDir) => {
    const index = openPythonIndex(url, {
      cacheDir,
      timeoutMs: 300,
      idleTimeoutMs: 300,
      maxAttempts: 2,
      baseDelayMs: 1,
    });
    const t0 = performance.now();
    await assert.rejects(index.project("six"), (e) => {
      assert.ok(e instanceof MochiError && e.code === "INDEX_E004", String(e));
      return true;
    });
    const wheel = (await index.project("idna"))!.files.find((f) => f.coreMetadata !== false)!;
    await assert.rejects(index.metadata(wheel), (e) => {
      assert.ok(e instanceof MochiError && e.code === "BLOB_E010", String(e));
      return true;
    });
    assert.ok(performance.now() - t0 < 10_000);
  }, {
    fault: (path) =>
      path === "/simple/six/" ? stalled() : path.endsWith(".metadata") ? stalled() : undefined,
  });
  for (const c of stalls) {
    try {
      c.close();
    } catch {
      // already cancelled by the client
    }
  }
});
