import { assert, assertEquals } from "../../../tests/assert.ts";
import { openCargoIndex } from "./cargo_index_client.ts";
import { cratesIoIndexUrl } from "./cargo_index_client.ts";
import { guardedTest } from "../../../tests/stray.ts";

const CK = "c".repeat(64);
const LINE = JSON.stringify({
  name: "alpha",
  vers: "1.0.0",
  deps: [],
  cksum: CK,
  features: {},
  yanked: false,
});

interface Seen {
  path: string;
  protocol: string | null;
  inm: string | null;
  ims: string | null;
}

/** A loopback cargo registry with scripted answers; records every request. */
async function withServer(
  answer: (path: string, req: Request, n: number) => Response,
  body: (url: string, seen: Seen[]) => Promise<void>,
): Promise<void> {
  const seen: Seen[] = [];
  const counts = new Map<string, number>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    const n = (counts.get(path) ?? 0) + 1;
    counts.set(path, n);
    seen.push({
      path,
      protocol: req.headers.get("cargo-protocol"),
      inm: req.headers.get("if-none-match"),
      ims: req.headers.get("if-modified-since"),
    });
    return answer(path, req, n);
  });
  const home = await Deno.makeTempDir();
  try {
    await body(`sparse+http://127.0.0.1:${server.addr.port}/`, seen);
  } finally {
    await server.shutdown();
    await Deno.remove(home, { recursive: true }).catch(() => {});
  }
}

guardedTest(
  "cargo sparse client: protocol header, ETag and Last-Modified revalidation, 410, dl",
  async () => {
    const cache = await Deno.makeTempDir();
    try {
      await withServer((path, req) => {
        if (path === "/config.json") {
          return Response.json({ dl: "http://dl.example/{crate}/{version}/{lowerprefix}/d" });
        }
        if (path === "/al/ph/alpha") {
          if (req.headers.get("if-none-match") === '"v1"') {
            return new Response(null, { status: 304 });
          }
          return new Response(LINE + "\n", { headers: { etag: '"v1"' } });
        }
        if (path === "/3/b/bet") {
          const lm = "Mon, 30 Nov 2026 10:00:00 GMT";
          if (req.headers.get("if-modified-since") === lm) {
            return new Response(null, { status: 304 });
          }
          return new Response(LINE.replaceAll("alpha", "bet") + "\n", {
            headers: { "last-modified": lm },
          });
        }
        if (path === "/go/ne/gone") return new Response("gone", { status: 410 });
        return new Response("no", { status: 404 });
      }, async (url, seen) => {
        for (let round = 0; round < 2; round++) {
          const index = openCargoIndex(url, { cacheDir: cache, baseDelayMs: 1 });
          assertEquals(index.url, url);
          const alpha = await index.versions("alpha");
          assertEquals(alpha!.entries.map((e) => e.vers), ["1.0.0"]);
          assertEquals((await index.versions("bet"))!.entries.length, 1);
          assertEquals(await index.versions("gone"), null);
          assertEquals(await index.versions("nope"), null);
          const cfg = await index.config();
          assertEquals(cfg.dl, "http://dl.example/{crate}/{version}/{lowerprefix}/d");
          await index.flush();
          if (round === 1) assertEquals(index.stats.notModified, 2);
        }
        assert(seen.every((s) => s.protocol === "version=1"), JSON.stringify(seen));
        const second = seen.filter((s) => s.path === "/al/ph/alpha")[1]!;
        assertEquals(second.inm, '"v1"');
        const bet = seen.filter((s) => s.path === "/3/b/bet")[1]!;
        assertEquals(bet.ims, "Mon, 30 Nov 2026 10:00:00 GMT");
      });
    } finally {
      await Deno.remove(cache, { recursive: true });
    }
  },
);

guardedTest("cargo sparse client: 503 with Retry-After and 429 are retried", async () => {
  const cache = await Deno.makeTempDir();
  try {
    await withServer((path, _req, n) => {
      if (path === "/al/ph/alpha" && n === 1) {
        return new Response("busy", { status: 503, headers: { "retry-after": "0" } });
      }
      if (path === "/al/ph/alpha" && n === 2) return new Response("slow down", { status: 429 });
      if (path === "/al/ph/alpha") return new Response(LINE + "\n");
      return new Response("no", { status: 404 });
    }, async (url, seen) => {
      const index = openCargoIndex(url, { cacheDir: cache, baseDelayMs: 1, maxDelayMs: 5 });
      assertEquals((await index.versions("alpha"))!.entries.length, 1);
      assertEquals(seen.filter((s) => s.path === "/al/ph/alpha").length, 3);
      assertEquals(index.stats.retries, 2);
      await index.flush();
    });
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});

guardedTest("crates-io index URL: manifest, then MOCHI_CRATES_IO_INDEX, then crates.io", () => {
  assertEquals(cratesIoIndexUrl("sparse+http://a", "sparse+http://b/"), "sparse+http://a/");
  assertEquals(cratesIoIndexUrl(undefined, "sparse+http://b/"), "sparse+http://b/");
  assertEquals(cratesIoIndexUrl(undefined, ""), "sparse+https://index.crates.io/");
});
