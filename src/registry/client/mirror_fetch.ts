/**
 * Registry mirrors on the client side (after the mirror lists of pip and cargo's source
 * replacement, but checked as TUF clients check mirrors): a `fetch` that asks the primary registry
 * first and, on a connection error, a 5xx answer or no answer within the header timeout, asks
 * the same path on each mirror in order. Everything still goes through the registry client's
 * checks under the primary's URL: the primary's pinned snapshot key, its highest snapshot
 * version, every index file's digest in the signed snapshot, every blob's BLAKE3 and SHA-256
 * in the index line, every bundle's signer — so a mirror can serve only what the primary
 * published and signed (the client refuses to use mirrors without a snapshot key).
 *
 * A primary that failed is skipped for `retryPrimaryAfterMs` (30 s by default), then preferred
 * again.
 *
 * @module
 */

/** Options of {@link failoverFetch}. */
export interface FailoverOptions {
  /** The fetch to wrap; default the global one. */
  fetch?: typeof fetch;
  /** Longest wait for the response headers of the primary or a mirror, ms; default 10 000. */
  headerTimeoutMs?: number;
  /** How long a failed primary is skipped, ms; default 30 000. */
  retryPrimaryAfterMs?: number;
  /**
   * Paths (relative to the primary) that only the primary may answer, e.g. `config.json` while
   * no snapshot key is pinned: a mirror must not be the one to introduce the key.
   */
  primaryOnly?: (relativePath: string) => boolean | Promise<boolean>;
  /** Told when a request goes to a mirror (the CLI may say so). */
  onFailover?: (notice: { url: string; mirror: string; reason: string }) => void;
}

/** Base URL with a trailing slash. */
function base(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

/**
 * Wraps `fetch` so that requests under `primary` fail over to `mirrors` (same relative path).
 * Requests for other URLs, and requests other than GET and HEAD, pass through unchanged. A 4xx
 * answer (e.g. 404) is final and never
 * retried on a mirror: only the primary's absence is covered, not its answers.
 *
 * @param primary the primary registry's base URL (http or https)
 * @param mirrors the mirrors' base URLs, tried in order
 * @param options the wrapped fetch, timeouts and a notice callback
 * @returns a fetch with the same signature
 *
 * @example
 * ```ts
 * import { failoverFetch } from "@mochi/pkg/registry";
 * import assert from "node:assert/strict";
 *
 * const seen: string[] = [];
 * const f = failoverFetch("http://127.0.0.1:1/reg/", ["http://127.0.0.1:2/m/"], {
 *   fetch: (input) => {
 *     const url = String(input);
 *     seen.push(url);
 *     return Promise.resolve(new Response("x", { status: url.includes(":1/") ? 503 : 200 }));
 *   },
 * });
 * const res = await f("http://127.0.0.1:1/reg/config.json");
 * assert.equal(res.status, 200);
 * assert.deepEqual(seen, ["http://127.0.0.1:1/reg/config.json", "http://127.0.0.1:2/m/config.json"]);
 * ```
 */
export function failoverFetch(
  primary: string,
  mirrors: readonly string[],
  options: FailoverOptions = {},
): typeof fetch {
  const inner = options.fetch ?? fetch;
  const root = base(primary);
  const bases = mirrors.map(base);
  const headerTimeoutMs = options.headerTimeoutMs ?? 10_000;
  const skipMs = options.retryPrimaryAfterMs ?? 30_000;
  let primaryDownUntil = 0;

  const attempt = async (
    url: string,
    init: RequestInit | undefined,
  ): Promise<Response> => {
    const controller = new AbortController();
    const outer = init?.signal;
    const onAbort = () => controller.abort(outer?.reason);
    if (outer) {
      if (outer.aborted) controller.abort(outer.reason);
      else outer.addEventListener("abort", onAbort, { once: true });
    }
    const timer = setTimeout(
      () => controller.abort(new Error(`no answer within ${headerTimeoutMs} ms`)),
      headerTimeoutMs,
    );
    try {
      return await inner(url, { ...init, signal: controller.signal });
    } finally {
      clearTimeout(timer);
    }
  };

  return async function mirroredFetch(
    input: string | URL | Request,
    init?: RequestInit,
  ): Promise<Response> {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET"))
      .toUpperCase();
    // Only reads fail over: a publish or yank goes to the primary alone.
    if (!url.startsWith(root) || bases.length === 0 || (method !== "GET" && method !== "HEAD")) {
      return await inner(input, init);
    }
    const rel = url.slice(root.length);
    const only = await options.primaryOnly?.(rel) ?? false;
    const targets = only
      ? [root]
      : Date.now() < primaryDownUntil
      ? [...bases, root]
      : [root, ...bases];
    let lastError: unknown;
    let lastResponse: Response | undefined;
    for (const target of targets) {
      if (init?.signal?.aborted) break;
      let reason: string;
      try {
        const res = await attempt(target + rel, init);
        if (res.status < 500) {
          if (target === root) primaryDownUntil = 0;
          await lastResponse?.body?.cancel().catch(() => {});
          return res;
        }
        reason = `status ${res.status}`;
        await lastResponse?.body?.cancel().catch(() => {});
        lastResponse = res;
      } catch (e) {
        if (init?.signal?.aborted) throw e;
        reason = e instanceof Error ? e.message : String(e);
        lastError = e;
      }
      if (target === root) primaryDownUntil = Date.now() + skipMs;
      const next = targets[targets.indexOf(target) + 1];
      if (next !== undefined && next !== root) {
        options.onFailover?.({ url, mirror: next, reason });
      }
    }
    if (lastResponse !== undefined) return lastResponse;
    throw lastError ?? new Error(`no mirror answered for ${url}`);
  };
}
