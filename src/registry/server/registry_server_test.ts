import { MochiError } from "../../errors.ts";
import { assert, assertEquals, assertThrows } from "../../../tests/assert.ts";
import {
  BLOB_CACHE_CONTROL,
  createRegistryHandler,
  INDEX_CACHE_CONTROL,
  INDEX_CONTENT_TYPE,
  serveRegistry,
} from "./registry_server.ts";
import { guardedTest } from "../../../tests/stray.ts";

const B3 = "0123456789abcdef".repeat(4);
const LINE = `{"v":"1.0.0","b3":"${B3}","s2":"${B3}"}\n`;

async function withRegistry(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mochi_srv_" });
  try {
    await Deno.writeTextFile(`${dir}/config.json`, '{"dl":"blobs/","api":null}\n');
    await Deno.mkdir(`${dir}/da/ta/-`, { recursive: true });
    await Deno.writeTextFile(`${dir}/da/ta/-/datalog`, LINE);
    await Deno.mkdir(`${dir}/blobs`);
    await Deno.writeFile(`${dir}/blobs/${B3}`, new Uint8Array([1, 2, 3, 4, 5]));
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function get(path: string, headers: Record<string, string> = {}, method = "GET"): Request {
  return new Request(`http://registry.test${path}`, { method, headers });
}

guardedTest("createRegistryHandler() serves index files with strong ETag and 304s", async () => {
  await withRegistry(async (dir) => {
    const handle = createRegistryHandler(dir);
    const res = await handle(get("/da/ta/-/datalog"));
    assertEquals(res.status, 200);
    assertEquals(await res.text(), LINE);
    assertEquals(res.headers.get("content-type"), INDEX_CONTENT_TYPE);
    assertEquals(res.headers.get("cache-control"), INDEX_CACHE_CONTROL);
    const etag = res.headers.get("etag")!;
    assert(/^"[^"]+"$/.test(etag), `strong etag expected, got ${etag}`);

    const again = await handle(get("/da/ta/-/datalog", { "If-None-Match": etag }));
    assertEquals(again.status, 304);
    assertEquals(again.headers.get("etag"), etag);
    assertEquals(await again.text(), "");
    // Weak comparison and lists, as RFC 9110 prescribes for If-None-Match.
    assertEquals(
      (await handle(get("/da/ta/-/datalog", { "If-None-Match": `"x", W/${etag}` })))
        .status,
      304,
    );
    const other = await handle(get("/da/ta/-/datalog", { "If-None-Match": '"other"' }));
    assertEquals(other.status, 200);
    await other.body?.cancel();

    // A changed file gets a new ETag and the old one no longer matches.
    await Deno.writeTextFile(`${dir}/da/ta/-/datalog`, LINE + LINE.replace("1.0.0", "1.1.0"));
    const changed = await handle(get("/da/ta/-/datalog", { "If-None-Match": etag }));
    assertEquals(changed.status, 200);
    assert(changed.headers.get("etag") !== etag);
    assertEquals((await changed.text()).split("\n").length, 3);
  });
});

guardedTest(
  "createRegistryHandler() serves config.json as JSON and HEAD without a body",
  async () => {
    await withRegistry(async (dir) => {
      const handle = createRegistryHandler(dir);
      const res = await handle(get("/config.json"));
      assertEquals(res.headers.get("content-type"), "application/json");
      assertEquals(JSON.parse(await res.text()).dl, "blobs/");
      await Deno.writeTextFile(`${dir}/popular.json`, '["datalog"]');
      const popular = await handle(get("/popular.json"));
      assertEquals(popular.headers.get("content-type"), "application/json");
      assertEquals(await popular.json(), ["datalog"]);
      const head = await handle(get("/da/ta/-/datalog", {}, "HEAD"));
      assertEquals(head.status, 200);
      assertEquals(head.headers.get("content-length"), String(LINE.length));
      assertEquals(head.body, null);
    });
  },
);

guardedTest(
  "createRegistryHandler() serves blobs as immutable with the digest as ETag",
  async () => {
    await withRegistry(async (dir) => {
      const handle = createRegistryHandler(dir);
      const res = await handle(get(`/blobs/${B3}`));
      assertEquals(res.status, 200);
      assertEquals(new Uint8Array(await res.arrayBuffer()), new Uint8Array([1, 2, 3, 4, 5]));
      assertEquals(res.headers.get("etag"), `"${B3}"`);
      assertEquals(res.headers.get("cache-control"), BLOB_CACHE_CONTROL);
      assertEquals(res.headers.get("content-type"), "application/octet-stream");
      assertEquals(res.headers.get("content-length"), "5");
      const cached = await handle(get(`/blobs/${B3}`, { "If-None-Match": `"${B3}"` }));
      assertEquals(cached.status, 304);
      assertEquals((await handle(get(`/blobs/${"f".repeat(64)}`))).status, 404);
    });
  },
);

guardedTest("createRegistryHandler() answers 405 to writes and 404 to absent paths", async () => {
  await withRegistry(async (dir) => {
    const handle = createRegistryHandler(dir);
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const res = await handle(get("/da/ta/-/datalog", {}, method));
      assertEquals(res.status, 405, method);
      assertEquals(res.headers.get("allow"), "GET, HEAD");
      await res.body?.cancel();
    }
    for (const path of ["/", "/nope", "/da/ta", "/da/ta/-", "/da/ta/-/datalog/x"]) {
      const res = await handle(get(path));
      assert(res.status === 404, `${path}: ${res.status}`);
      await res.body?.cancel();
    }
    // The file was not touched by the refused writes.
    assertEquals(await Deno.readTextFile(`${dir}/da/ta/-/datalog`), LINE);
  });
});

guardedTest(
  "createRegistryHandler() refuses traversal, hidden files and symlink escapes",
  async () => {
    await withRegistry(async (dir) => {
      const outside = await Deno.makeTempDir({ prefix: "mochi_outside_" });
      try {
        await Deno.writeTextFile(`${outside}/secret`, "SECRET");
        await Deno.symlink(`${outside}/secret`, `${dir}/da/ta/-/leak`);
        await Deno.symlink(outside, `${dir}/escape`);
        await Deno.writeTextFile(`${dir}/.hidden`, "SECRET");
        const handle = createRegistryHandler(`${dir}/da`); // root below the secret-bearing dir
        const paths = [
          "/ta/-/leak",
          "/..%2fconfig.json",
          "/ta/%2e%2e%2f%2e%2e%2fconfig.json",
          "/%2e%2e/config.json",
          "/ta/-/..%5c..%5cconfig.json",
          "/ta//-/datalog",
          "/ta/-/datalog%00",
          "/%E0%A4%A",
        ];
        for (const path of paths) {
          const res = await handle(get(path));
          const body = await res.text();
          assert(res.status === 400 || res.status === 404, `${path}: ${res.status}`);
          assert(!body.includes("SECRET") && !body.includes("blobs/"), path);
        }
        const top = createRegistryHandler(dir);
        for (const path of ["/escape/secret", "/.hidden", "/da/ta/-/leak"]) {
          const res = await top(get(path));
          assert(res.status === 400 || res.status === 404, `${path}: ${res.status}`);
          assert(!(await res.text()).includes("SECRET"), path);
        }
      } finally {
        await Deno.remove(outside, { recursive: true });
      }
    });
  },
);

guardedTest("serveRegistry() refuses raw ../ request targets over TCP", async () => {
  await withRegistry(async (dir) => {
    await Deno.writeTextFile(`${dir}/da/config.json`, '{"dl":"inner/"}');
    const server = serveRegistry(`${dir}/da`);
    try {
      const port = Number(new URL(server.url).port);
      for (const target of ["/../config.json", "/ta/../../config.json", "/..\\config.json"]) {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port });
        await conn.write(
          new TextEncoder().encode(
            `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
          ),
        );
        const chunks: Uint8Array[] = [];
        for await (const c of conn.readable) chunks.push(c);
        const reply = new TextDecoder().decode(
          new Uint8Array(chunks.flatMap((c) => [...c])),
        );
        // Either refused, or normalised by URL parsing to a file inside the root: never the
        // outer config.json.
        const status = Number(reply.split(" ")[1]);
        assert(!reply.includes("blobs/"), `${target} leaked the outer file`);
        assert(
          (status >= 400 && status < 500) || (status === 200 && reply.includes("inner/")),
          `${target}: ${reply.split("\r\n")[0]}`,
        );
      }
    } finally {
      await server.shutdown();
    }
  });
});

guardedTest("serveRegistry() serves a cargo sparse index directory byte for byte", async () => {
  const root = new URL("../../../fixtures/crates-index/", import.meta.url);
  const seen: string[] = [];
  const server = serveRegistry(root.pathname, {
    onResponse: (req, res) => seen.push(`${new URL(req.url).pathname} ${res.status}`),
  });
  try {
    for (const path of ["config.json", "se/rd/serde", "3/l/log", "2/cc"]) {
      const res = await fetch(new URL(path, server.url), {
        headers: { "cargo-protocol": "version=1", Accept: "text/plain" },
      });
      assertEquals(res.status, 200, path);
      const body = new Uint8Array(await res.arrayBuffer());
      assertEquals(body, await Deno.readFile(new URL(path, root)), path);
    }
    assertEquals(seen, ["/config.json 200", "/se/rd/serde 200", "/3/l/log 200", "/2/cc 200"]);
  } finally {
    await server.shutdown();
  }
});

guardedTest("serveRegistry() fails with REGISTRY_E001 when config.json is missing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mochi_srv_" });
  try {
    const e = assertThrows(() => serveRegistry(dir), MochiError);
    assertEquals(e.code, "REGISTRY_E001");
    assert(e.message.includes(dir), e.message);
    assertEquals(
      assertThrows(() => serveRegistry(`${dir}/nope`), MochiError).code,
      "REGISTRY_E001",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

guardedTest(
  "createRegistryHandler() serves an index file from memory only while its stat is unchanged",
  async () => {
    await withRegistry(async (dir) => {
      const handle = createRegistryHandler(dir);
      const body = async () => await (await handle(get("/da/ta/-/datalog"))).text();
      assertEquals(await body(), LINE);
      assertEquals(await body(), LINE); // the kept bytes, served again whole
      // Replaced the way the publish API does it (a new file renamed over the old one), with
      // the same size and the same mtime: the inode differs, so the new bytes are read.
      const same = LINE.replace("1.0.0", "2.0.0");
      const old = (await Deno.stat(`${dir}/da/ta/-/datalog`)).mtime!;
      await Deno.writeTextFile(`${dir}/da/ta/-/.datalog.tmp`, same);
      await Deno.utime(`${dir}/da/ta/-/.datalog.tmp`, old, old);
      await Deno.rename(`${dir}/da/ta/-/.datalog.tmp`, `${dir}/da/ta/-/datalog`);
      assertEquals(await body(), same);
      // Rewritten in place to a different size: read again too.
      await Deno.writeTextFile(`${dir}/da/ta/-/datalog`, same + LINE);
      assertEquals(await body(), same + LINE);
    });
  },
);

guardedTest(
  "createRegistryHandler() refuses a path swapped for a symlink out of the root after it was served from memory",
  async () => {
    await withRegistry(async (dir) => {
      const outside = await Deno.makeTempDir({ prefix: "mochi_outside_" });
      try {
        await Deno.mkdir(`${outside}/ta/-`, { recursive: true });
        await Deno.writeTextFile(`${outside}/ta/-/datalog`, "SECRET");
        await Deno.writeTextFile(`${outside}/secret`, "SECRET");
        await Deno.writeTextFile(`${dir}/da/ta/-/other`, LINE);
        // The files' ctimes must be old enough for the containment check to be remembered
        // (2 s: stat's ctime has whole seconds here); only then is a cached decision at stake.
        await new Promise((r) => setTimeout(r, 2_100));
        const handle = createRegistryHandler(dir);
        const served: Record<string, string> = {};
        for (const path of ["/da/ta/-/datalog", "/da/ta/-/other", `/blobs/${B3}`]) {
          for (let i = 0; i < 2; i++) { // the second answer comes from memory
            const res = await handle(get(path));
            assertEquals(res.status, 200, path);
            served[path] = res.headers.get("etag")!;
            await res.body?.cancel();
          }
        }
        // A directory on the path swapped for a symlink to a look-alike tree outside the root.
        await Deno.rename(`${dir}/da`, `${dir}/da-moved`);
        await Deno.symlink(outside, `${dir}/da`);
        // The file itself, and a blob, swapped for symlinks to a file outside the root.
        await Deno.remove(`${dir}/da-moved/ta/-/other`);
        await Deno.symlink(`${outside}/secret`, `${dir}/da-moved/ta/-/other`);
        await Deno.remove(`${dir}/blobs/${B3}`);
        await Deno.symlink(`${outside}/secret`, `${dir}/blobs/${B3}`);
        const moved = createRegistryHandler(dir); // same answers from a handler that kept nothing
        for (const h of [handle, moved]) {
          for (const path of ["/da/ta/-/datalog", `/blobs/${B3}`, "/da-moved/ta/-/other"]) {
            for (const method of ["GET", "HEAD"]) {
              for (const headers of [{}, { "If-None-Match": served[path] ?? "*" }]) {
                const res = await h(get(path, headers, method));
                const body = await res.text();
                assertEquals(res.status, 404, `${method} ${path} ${JSON.stringify(headers)}`);
                assert(!body.includes("SECRET"), path);
              }
            }
          }
        }
      } finally {
        await Deno.remove(outside, { recursive: true });
      }
    });
  },
);

guardedTest(
  "createRegistryHandler() serves index files byte for byte from memory: BOM, non-ASCII, not UTF-8",
  async () => {
    await withRegistry(async (dir) => {
      const files: Record<string, Uint8Array> = {
        "/bo/m-/-/bom": new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(LINE)]),
        "/no/na/-/nonascii": new TextEncoder().encode(LINE.replace("}", ',"d":"é 日本 🎉"}')),
        "/la/ti/-/latin1": new Uint8Array([0x7b, 0xe9, 0x7d, 0x0a, 0xff, 0xfe]),
      };
      for (const [path, bytes] of Object.entries(files)) {
        await Deno.mkdir(`${dir}${path.slice(0, path.lastIndexOf("/"))}`, { recursive: true });
        await Deno.writeFile(`${dir}${path}`, bytes);
      }
      const handle = createRegistryHandler(dir);
      for (let i = 0; i < 3; i++) {
        for (const [path, bytes] of Object.entries(files)) {
          const res = await handle(get(path));
          assertEquals(res.status, 200, path);
          assertEquals(res.headers.get("content-length"), String(bytes.length), path);
          assertEquals(new Uint8Array(await res.arrayBuffer()), bytes, path);
        }
      }
    });
  },
);
