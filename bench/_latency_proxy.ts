/**
 * A loopback HTTP proxy that adds a fixed delay to every request before passing it on to an
 * upstream server (the round trip of a distant registry), and records when each request came in
 * and when its answer went out, so that a bench can count requests and the longest chain of
 * round trips made one after another.
 *
 * @module
 */

/** One proxied request: start and end, ms on the proxy's clock. */
export interface ProxiedRequest {
  /** The request path. */
  path: string;
  /** When it arrived. */
  startMs: number;
  /** When its answer was handed back (body included). */
  endMs: number;
}

/** A running latency proxy. */
export interface LatencyProxy {
  /** Its root URL, ending in `/`. */
  url: string;
  /** The requests since the last {@link LatencyProxy.take}. */
  take(): ProxiedRequest[];
  /** Stops it. */
  close(): Promise<void>;
}

/**
 * Starts the proxy on 127.0.0.1, port 0.
 *
 * @param upstream the upstream root URL, ending in `/`
 * @param delayMs added to every request
 * @returns the proxy
 */
export function startLatencyProxy(upstream: string, delayMs: number): LatencyProxy {
  let log: ProxiedRequest[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req) => {
      const startMs = performance.now();
      const u = new URL(req.url);
      await new Promise((r) => setTimeout(r, delayMs));
      const headers = new Headers(req.headers);
      headers.delete("host");
      const res = await fetch(new URL(u.pathname.slice(1) + u.search, upstream), {
        headers,
        redirect: "manual",
      });
      const body = res.status === 304 || res.status === 204 ? null : await res.arrayBuffer();
      const out = new Headers(res.headers);
      out.delete("content-length");
      out.delete("transfer-encoding");
      out.delete("connection");
      log.push({ path: u.pathname, startMs, endMs: performance.now() });
      return new Response(body, { status: res.status, headers: out });
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    take() {
      const t = log;
      log = [];
      return t;
    },
    close: () => server.shutdown(),
  };
}

/**
 * The longest chain of requests each of which started after the one before it had been
 * answered: the round trips a client made in sequence (a lower bound on its waiting is this
 * chain's length times the added delay).
 *
 * @param requests the proxied requests
 * @returns the chain's length (0 for none)
 */
export function longestSequentialChain(requests: readonly ProxiedRequest[]): number {
  const byStart = [...requests].sort((a, b) => a.startMs - b.startMs);
  const byEnd = [...requests].sort((a, b) => a.endMs - b.endMs);
  const chainEndingAt = new Map<ProxiedRequest, number>();
  let best = 0;
  let j = 0;
  let bestEnded = 0; // longest chain among requests answered before the current start
  for (const r of byStart) {
    while (j < byEnd.length && byEnd[j]!.endMs <= r.startMs) {
      bestEnded = Math.max(bestEnded, chainEndingAt.get(byEnd[j]!) ?? 0);
      j++;
    }
    const c = bestEnded + 1;
    chainEndingAt.set(r, c);
    best = Math.max(best, c);
  }
  return best;
}
