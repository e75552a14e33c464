import fc from "fast-check";
import { assert, assertEquals } from "../../../tests/assert.ts";
import {
  backoffDelayMs,
  HOST_LIMITER_SAMPLES,
  HostLimiter,
  openSparseFiles,
  parseRetryAfter,
  type RetryNotice,
} from "./index_client.ts";

const utf8 = new TextDecoder();

Deno.test("parseRetryAfter() reads delay seconds and HTTP dates", () => {
  const now = Date.parse("Wed, 21 Oct 2026 07:28:00 GMT");
  assertEquals(parseRetryAfter("120", now), 120_000);
  assertEquals(parseRetryAfter(" 0 ", now), 0);
  assertEquals(parseRetryAfter("Wed, 21 Oct 2026 07:28:30 GMT", now), 30_000);
  assertEquals(parseRetryAfter("Wed, 21 Oct 2026 07:00:00 GMT", now), 0); // past → now
  assertEquals(parseRetryAfter(null, now), undefined);
  assertEquals(parseRetryAfter("soon", now), undefined);
  assertEquals(parseRetryAfter("-5", now), undefined);
});

Deno.test("backoffDelayMs() doubles from the base, caps, and jitters by ±25 %", () => {
  assertEquals(backoffDelayMs(1, 250, 30_000, () => 0.5), 250);
  assertEquals(backoffDelayMs(3, 250, 30_000, () => 0.5), 1000);
  assertEquals(backoffDelayMs(20, 250, 30_000, () => 0.5), 30_000);
  assertEquals(backoffDelayMs(1, 100, 30_000, () => 0), 75);
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 30 }),
      fc.double({ min: 0, max: 0.9999999, noNaN: true }),
      (n, r) => {
        const nominal = Math.min(30_000, 250 * 2 ** (n - 1));
        const d = backoffDelayMs(n, 250, 30_000, () => r);
        assert(d >= nominal * 0.75 && d <= nominal * 1.25, `${n} ${r} → ${d}`);
      },
    ),
  );
});

Deno.test("requests to one origin stay within the per-host bound and reuse their connections", async () => {
  // A loopback server that holds each request until more than the bound are in flight (or
  // 300 ms pass): the old client sent up to 32 at once, each on its own connection.
  const bound = 4;
  let inFlight = 0;
  let peak = 0;
  const ports = new Set<number>();
  const waiters: (() => void)[] = [];
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req, info) => {
      ports.add(info.remoteAddr.port);
      inFlight++;
      peak = Math.max(peak, inFlight);
      if (inFlight > bound) waiters.splice(0).forEach((w) => w());
      else await new Promise<void>((r) => (waiters.push(r), setTimeout(r, 300)));
      inFlight--;
      return new Response(new URL(req.url).pathname);
    },
  );
  const dir = await Deno.makeTempDir();
  try {
    const files = openSparseFiles(`http://127.0.0.1:${server.addr.port}/`, {
      cacheDir: dir,
      connectionsPerHost: bound,
      maxConnectionsPerHost: bound,
    });
    const names = Array.from({ length: 24 }, (_, i) => `f${i}`);
    const got = await Promise.all(names.map((n) => files.read(n, (b) => utf8.decode(b))));
    assertEquals(got, names.map((n) => `/${n}`));
    assert(peak <= bound, `${peak} requests in flight at once, bound ${bound}`);
    assert(ports.size <= bound, `${ports.size} connections for 24 requests, bound ${bound}`);
    await files.flush();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a connection the server drops is retried on the quick backoff", async () => {
  // A raw HTTP/1.1 server on 127.0.0.1 that closes its first two connections unanswered.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let accepted = 0;
  const serving = (async () => {
    for await (const conn of listener) {
      if (++accepted <= 2) {
        conn.close();
        continue;
      }
      (async () => {
        const buf = new Uint8Array(4096);
        let head = "";
        while (!head.includes("\r\n\r\n")) {
          const n = await conn.read(buf);
          if (n === null) break;
          head += utf8.decode(buf.subarray(0, n));
        }
        await conn.write(
          new TextEncoder().encode(
            "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
          ),
        );
        conn.close();
      })().catch(() => {});
    }
  })().catch(() => {});
  const dir = await Deno.makeTempDir();
  const notices: RetryNotice[] = [];
  try {
    const port = (listener.addr as Deno.NetAddr).port;
    const files = openSparseFiles(`http://127.0.0.1:${port}/`, {
      cacheDir: dir,
      onRetry: (n) => notices.push(n),
    });
    assertEquals(await files.read("a", (b) => utf8.decode(b)), "ok");
    await files.flush();
    assertEquals(notices.length, 2);
    assert(notices.every((n) => n.reason.startsWith("network error")), notices[0]?.reason);
    // 50 ms, then 100 ms, ±25 %: far below the 250 ms base of a 5xx answer's backoff.
    assert(notices[0]!.delayMs <= 62.5, `first retry after ${notices[0]!.delayMs} ms`);
    assert(notices[1]!.delayMs <= 125, `second retry after ${notices[1]!.delayMs} ms`);
  } finally {
    listener.close();
    await serving;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("HostLimiter keeps its initial bound for short round trips and grows one step per answer toward round trip / 4 ms for long ones, after 16 answers", async () => {
  const near = new HostLimiter(6, 48);
  for (let i = 0; i < 20; i++) (await near.acquire())(3);
  assertEquals(near.limit, 6);
  const far = new HostLimiter(6, 48);
  for (let i = 0; i < HOST_LIMITER_SAMPLES - 1; i++) (await far.acquire())(50);
  assertEquals(far.limit, 6); // not before 16 answers
  const held = await Promise.all(Array.from({ length: 6 }, () => far.acquire()));
  let seventh = false;
  const waiting = far.acquire().then((r) => (seventh = true, r));
  await Promise.resolve();
  assertEquals(seventh, false); // the bound holds
  held[0]!(50); // the 16th answer, 50 ms away: one more slot (slow start), toward ceil(50 / 4) = 13
  assertEquals(far.limit, 7);
  assertEquals(await waiting.then(() => seventh), true);
  (await waiting)(50);
  for (let i = 0; i < 20; i++) (await far.acquire())(50);
  assertEquals(far.limit, 13);
  for (let i = 0; i < 60; i++) (await far.acquire())(200);
  assertEquals(far.limit, 13); // only the shortest round trip counts
  (await far.acquire())(1); // a short one: back to the initial bound at once
  assertEquals(far.limit, 6);
  (await far.acquire())(); // a failed exchange tells nothing
  assertEquals(far.limit, 6);
  held.slice(1).forEach((r) => r());
  const distant = new HostLimiter(6, 48);
  for (let i = 0; i < 60; i++) (await distant.acquire())(200);
  assertEquals(distant.limit, 48);
});
