/**
 * A fault-injecting registry on 127.0.0.1 for the reliability suite (the "shared test
 * infrastructure": `testing/fake_registry.ts`).
 *
 * It is a raw HTTP/1.1 server on `Deno.listen` rather than `Deno.serve`, because the faults it
 * must produce are ones a well-behaved server library refuses to: a body closed before its
 * `Content-Length`, a chunked body without its final chunk, a body that never ends. Every
 * response carries `Connection: close`, so one connection is one request.
 *
 * Files come from a registry directory (as written by `writeRegistry`); faults are set per path
 * with {@link FakeRegistry.fault}, and every request is counted per path.
 *
 * @module
 */
import { gzipSync } from "node:zlib";

/** One fault applied to a response. All fields optional; an empty fault serves the file. */
export interface Fault {
  /** Answer with this status and an empty body instead of the file. */
  status?: number;
  /** Extra response headers, e.g. `{ "Retry-After": "1" }`. */
  headers?: Record<string, string>;
  /** Wait this long before answering, in milliseconds. */
  latencyMs?: number;
  /** Declare the full `Content-Length` but close the socket after this many body bytes. */
  truncateAfterBytes?: number;
  /** Send the body chunked and close without the final zero-length chunk. */
  chunkedWithoutFinalChunk?: boolean;
  /** Flip one bit of the body (byte at this offset; negative counts from the end). */
  flipBitAt?: number;
  /** Serve these bytes instead of the file. */
  body?: Uint8Array;
  /** Stream chunked zero bytes until the client goes away (an endless-data attack). */
  endless?: boolean;
  /**
   * Send the body one byte at a time, this many milliseconds apart, chunked (a download that
   * never stalls long enough for an idle timeout but never ends); at most 1000 bytes.
   */
  dripEveryMs?: number;
  /** Send the body gzip-compressed (`Content-Encoding: gzip`, the compressed length declared). */
  gzip?: boolean;
}

/** Decides the fault for the `n`-th (1-based) request of `path`; undefined serves the file. */
export type FaultRule = Fault | ((n: number) => Fault | undefined);

/** A running fake registry; dispose to stop it. */
export interface FakeRegistry extends AsyncDisposable {
  /** Base URL ending in `/`, e.g. `http://127.0.0.1:41234/`. */
  readonly url: string;
  /**
   * Set the fault for a path (relative to the root, e.g. `config.json`, `blobs/<b3>`); a key
   * ending in `*` matches every path with that prefix. Later calls replace earlier ones.
   */
  fault(path: string, rule: FaultRule | undefined): void;
  /** Requests received per path. */
  readonly requests: Map<string, number>;
  /** Requests received in total. */
  total(): number;
  /** Requests for paths starting with `prefix`. */
  count(prefix: string): number;
  /** Stop listening and close open connections. */
  close(): Promise<void>;
}

const enc = new TextEncoder();

/**
 * Start a fake registry serving `dir` on 127.0.0.1 (port chosen by the OS).
 *
 * @param dir registry directory (`config.json`, index files, `blobs/`)
 * @returns the running registry
 */
export function startFakeRegistry(dir: string): FakeRegistry {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const rules = new Map<string, FaultRule>();
  const requests = new Map<string, number>();
  const open = new Set<Deno.Conn>();
  let closed = false;

  const ruleFor = (path: string): FaultRule | undefined => {
    const exact = rules.get(path);
    if (exact !== undefined) return exact;
    let best: [string, FaultRule] | undefined;
    for (const [k, v] of rules) {
      if (k.endsWith("*") && path.startsWith(k.slice(0, -1))) {
        if (!best || k.length > best[0].length) best = [k, v];
      }
    }
    return best?.[1];
  };

  async function handle(conn: Deno.Conn): Promise<void> {
    open.add(conn);
    try {
      const head = await readHead(conn);
      if (head === undefined) return;
      const target = head.split("\r\n")[0]!.split(" ")[1] ?? "/";
      const path = decodeURIComponent(new URL(target, "http://x").pathname.replace(/^\//, ""));
      const n = (requests.get(path) ?? 0) + 1;
      requests.set(path, n);
      const rule = ruleFor(path);
      const fault: Fault = (typeof rule === "function" ? rule(n) : rule) ?? {};
      if (fault.latencyMs) await new Promise((r) => setTimeout(r, fault.latencyMs));
      const extra = Object.entries(fault.headers ?? {}).map(([k, v]) => `${k}: ${v}\r\n`).join("");
      if (fault.status !== undefined && fault.status !== 200) {
        await writeAll(
          conn,
          enc.encode(
            `HTTP/1.1 ${fault.status} Fault\r\nContent-Length: 0\r\n${extra}Connection: close\r\n\r\n`,
          ),
        );
        return;
      }
      if (fault.endless) {
        await writeAll(
          conn,
          enc.encode(
            `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n${extra}Connection: close\r\n\r\n`,
          ),
        );
        const chunk = new Uint8Array(64 * 1024);
        const frame = concat(
          enc.encode(`${chunk.length.toString(16)}\r\n`),
          chunk,
          enc.encode("\r\n"),
        );
        // Until the client hangs up (or 4 GiB, so a broken client cannot fill the disk).
        for (let sent = 0; sent < 4 * 1024 ** 3 && !closed; sent += chunk.length) {
          await writeAll(conn, frame);
        }
        return;
      }
      if (fault.dripEveryMs !== undefined) {
        await writeAll(
          conn,
          enc.encode(
            `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n${extra}Connection: close\r\n\r\n`,
          ),
        );
        for (let sent = 0; sent < 1000 && !closed; sent++) {
          await writeAll(conn, enc.encode("1\r\n\0\r\n"));
          await new Promise((r) => setTimeout(r, fault.dripEveryMs));
        }
        return;
      }
      let body = fault.body;
      if (body === undefined) {
        try {
          body = await Deno.readFile(`${dir}/${path}`);
        } catch {
          await writeAll(
            conn,
            enc.encode("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
          );
          return;
        }
      }
      if (fault.flipBitAt !== undefined && body.length > 0) {
        body = Uint8Array.from(body);
        const at = fault.flipBitAt < 0 ? body.length + fault.flipBitAt : fault.flipBitAt;
        body[Math.min(body.length - 1, Math.max(0, at))]! ^= 0x01;
      }
      if (fault.chunkedWithoutFinalChunk) {
        await writeAll(
          conn,
          enc.encode(
            `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n${extra}Connection: close\r\n\r\n`,
          ),
        );
        const half = body.subarray(0, Math.ceil(body.length / 2));
        await writeAll(
          conn,
          concat(enc.encode(`${half.length.toString(16)}\r\n`), half, enc.encode("\r\n")),
        );
        return; // no "0\r\n\r\n": the close ends the body early
      }
      if (fault.gzip) body = new Uint8Array(gzipSync(body));
      const encoding = fault.gzip ? "Content-Encoding: gzip\r\n" : "";
      await writeAll(
        conn,
        enc.encode(
          `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n${encoding}${extra}Connection: close\r\n\r\n`,
        ),
      );
      const cut = fault.truncateAfterBytes;
      await writeAll(conn, cut === undefined ? body : body.subarray(0, Math.min(cut, body.length)));
    } catch {
      // the client went away: fine for a fault injector
    } finally {
      open.delete(conn);
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
  }

  const accepting = (async () => {
    try {
      for await (const conn of listener) handle(conn);
    } catch {
      // listener closed
    }
  })();

  const close = async () => {
    if (closed) return;
    closed = true;
    listener.close();
    for (const c of open) {
      try {
        c.close();
      } catch {
        // already closed
      }
    }
    await accepting;
  };

  return {
    url: `http://127.0.0.1:${port}/`,
    fault(path, rule) {
      if (rule === undefined) rules.delete(path);
      else rules.set(path, rule);
    },
    requests,
    total: () => [...requests.values()].reduce((a, b) => a + b, 0),
    count: (prefix) =>
      [...requests].filter(([p]) => p.startsWith(prefix)).reduce((a, [, n]) => a + n, 0),
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function readHead(conn: Deno.Conn): Promise<string | undefined> {
  const buf = new Uint8Array(8192);
  let text = "";
  while (!text.includes("\r\n\r\n")) {
    const n = await conn.read(buf);
    if (n === null) return undefined;
    text += new TextDecoder().decode(buf.subarray(0, n));
    if (text.length > 65536) return undefined;
  }
  return text;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
