/**
 * A loopback PEP 691 index for tests and benches: serves a directory laid out as
 * `simple/<project>/index.json` (a JSON project page whose file URLs are relative) and
 * `files/<filename>.metadata` (PEP 658 core metadata), as `fixtures/python/index/` is.
 *
 * Pages answer with `Content-Type: application/vnd.pypi.simple.v1+json`, an `ETag` (304 on a
 * matching `If-None-Match`); `extraFiles` adds distributions built by a test. `stubWheels` makes
 * every wheel with metadata downloadable as a small wheel holding only that METADATA (and the
 * pages then list that stub's SHA-256): pip's `--dry-run` downloads the wheels it picked, and the
 * corpus keeps no real wheels.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";
import { join } from "node:path";

/** Options of {@link servePythonIndex}. */
export interface PythonIndexServerOptions {
  /** Files served under `/files/<name>` besides the directory's (wheels a test built). */
  extraFiles?: Map<string, Uint8Array>;
  /** Serve stub wheels (see the module doc) and list their hashes. */
  stubWheels?: boolean;
  /** Answer this instead of the real response when it returns one (fault injection). */
  fault?: (path: string, attempt: number) => Response | undefined;
}

/** A running loopback index. */
export interface PythonIndexServer {
  /** The simple index root, `http://127.0.0.1:<port>/simple/`. */
  url: string;
  /** Every request path, in arrival order. */
  requests: string[];
  /** Stops the server. */
  close(): Promise<void>;
}

const enc = new TextEncoder();

/**
 * Starts the loopback index on 127.0.0.1, port 0.
 *
 * @param dir the index directory (`fixtures/python/index`)
 * @param options extra files, stub wheels, faults
 * @returns the server
 */
export function servePythonIndex(
  dir: string,
  options: PythonIndexServerOptions = {},
): Promise<PythonIndexServer> {
  const requests: string[] = [];
  const attempts = new Map<string, number>();
  const stubs = new Map<string, Uint8Array>();
  const pages = new Map<string, { body: Uint8Array; etag: string }>();
  const page = async (name: string) => {
    let p = pages.get(name);
    if (p !== undefined) return p;
    let text: string;
    try {
      text = await Deno.readTextFile(join(dir, "simple", name, "index.json"));
    } catch {
      return undefined;
    }
    if (options.stubWheels) {
      const doc = JSON.parse(text);
      for (const f of doc.files) {
        if (!f.filename.endsWith(".whl") || f["core-metadata"] === undefined) continue;
        const meta = await Deno.readFile(join(dir, "files", `${f.filename}.metadata`));
        const wheel = stubWheel(f.filename, meta);
        stubs.set(f.filename, wheel);
        f.hashes = { sha256: createHash("sha256").update(wheel).digest("hex") };
        f.size = wheel.length;
      }
      text = JSON.stringify(doc);
    }
    const body = enc.encode(text);
    p = { body, etag: `"${createHash("sha256").update(body).digest("hex").slice(0, 32)}"` };
    pages.set(name, p);
    return p;
  };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req) => {
      const path = decodeURIComponent(new URL(req.url).pathname);
      requests.push(path);
      const n = (attempts.get(path) ?? 0) + 1;
      attempts.set(path, n);
      const faulty = options.fault?.(path, n);
      if (faulty !== undefined) return faulty;
      if (path === "/simple/") {
        const projects = [];
        for await (const e of Deno.readDir(join(dir, "simple"))) projects.push({ name: e.name });
        projects.sort((a, b) => a.name < b.name ? -1 : 1);
        return Response.json({ meta: { "api-version": "1.1" }, projects }, {
          headers: { "content-type": "application/vnd.pypi.simple.v1+json" },
        });
      }
      const m = /^\/simple\/([^/]+)\/?$/.exec(path);
      if (m !== null) {
        if (/[^a-z0-9-]/.test(m[1]!)) return new Response("not normalised", { status: 404 });
        const p = await page(m[1]!);
        if (p === undefined) return new Response("no such project", { status: 404 });
        if (req.headers.get("if-none-match") === p.etag) {
          return new Response(null, { status: 304, headers: { etag: p.etag } });
        }
        return new Response(p.body as Uint8Array<ArrayBuffer>, {
          headers: { "content-type": "application/vnd.pypi.simple.v1+json", etag: p.etag },
        });
      }
      const f = /^\/files\/([^/]+)$/.exec(path);
      if (f !== null) {
        const name = f[1]!;
        const extra = options.extraFiles?.get(name) ?? stubs.get(name);
        if (extra !== undefined) return new Response(extra as Uint8Array<ArrayBuffer>);
        if (!name.endsWith(".metadata") || name.includes("..")) {
          return new Response("not here", { status: 404 });
        }
        try {
          return new Response(await Deno.readFile(join(dir, "files", name)));
        } catch {
          return new Response("not here", { status: 404 });
        }
      }
      return new Response("not found", { status: 404 });
    },
  );
  return Promise.resolve({
    url: `http://127.0.0.1:${server.addr.port}/simple/`,
    requests,
    close: () => server.shutdown(),
  });
}

/**
 * A wheel (a stored zip) holding only `<name>-<version>.dist-info/{METADATA,WHEEL,RECORD}`.
 *
 * @param filename the wheel's file name
 * @param metadata the METADATA bytes
 * @returns the wheel's bytes
 */
export function stubWheel(filename: string, metadata: Uint8Array): Uint8Array {
  const [name, version] = filename.split("-") as [string, string];
  const info = `${name}-${version}.dist-info`;
  const wheel = enc.encode(
    "Wheel-Version: 1.0\nGenerator: mochi-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
  );
  const entries: [string, Uint8Array][] = [[`${info}/METADATA`, metadata], [
    `${info}/WHEEL`,
    wheel,
  ]];
  const record =
    entries.map(([p, b]) =>
      `${p},sha256=${createHash("sha256").update(b).digest("base64url")},${b.length}`
    ).join("\n") + `\n${info}/RECORD,,\n`;
  entries.push([`${info}/RECORD`, enc.encode(record)]);
  return storedZip(entries);
}

function storedZip(entries: [string, Uint8Array][]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [path, data] of entries) {
    const p = enc.encode(path);
    const crc = crc32(data);
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 20, true);
    local.setUint32(14, crc, true);
    local.setUint32(18, data.length, true);
    local.setUint32(22, data.length, true);
    local.setUint16(26, p.length, true);
    const c = new DataView(new ArrayBuffer(46));
    c.setUint32(0, 0x02014b50, true);
    c.setUint16(4, 20, true);
    c.setUint16(6, 20, true);
    c.setUint32(16, crc, true);
    c.setUint32(20, data.length, true);
    c.setUint32(24, data.length, true);
    c.setUint16(28, p.length, true);
    c.setUint32(42, offset, true);
    parts.push(new Uint8Array(local.buffer), p, data);
    central.push(new Uint8Array(c.buffer), p);
    offset += 30 + p.length + data.length;
  }
  const size = central.reduce((s, b) => s + b.length, 0);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, entries.length, true);
  end.setUint16(10, entries.length, true);
  end.setUint32(12, size, true);
  end.setUint32(16, offset, true);
  const all = [...parts, ...central, new Uint8Array(end.buffer)];
  const out = new Uint8Array(all.reduce((s, b) => s + b.length, 0));
  let o = 0;
  for (const b of all) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}
