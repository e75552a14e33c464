/**
 * One HTTP exchange with a target registry, for the PyPI and Maven uploaders (the npm and JSR
 * uploaders use `_http.ts`): a deadline per
 * request (`timeoutMs`, combined with the caller's signal), no redirects followed (a redirect
 * could carry the credential to another host; it is reported instead), a cap on the answer's
 * decoded bytes, bounded retries of 5xx answers with backoff (as twine retries them), and the
 * registry's words cleaned of control characters and cut short before they reach a message.
 *
 * @module
 */

import { MochiError } from "../../errors.ts";
import type { UploadTarget } from "../types.ts";

/** Most bytes of an answer read (error pages, `maven-metadata.xml`). */
export const MAX_ANSWER_BYTES = 1024 * 1024;
/** Attempts for an answer in the 5xx range (the first plus retries). */
export const MAX_ATTEMPTS = 3;

/** What came back. */
export interface Answer {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

/** The registry's text made safe for a message: printable, one line, at most `max` characters. */
export function registryWords(bytes: Uint8Array, max = 300): string {
  const text = new TextDecoder().decode(bytes.subarray(0, 4 * max))
    // deno-lint-ignore no-control-regex
    .replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, "")
    // deno-lint-ignore no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g, " ")
    .replace(/<[^>]{0,200}>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * Refuses a registry URL that is not http(s), has credentials in it, or is plain http to a host
 * other than loopback while a token would be sent.
 *
 * @returns the parsed URL
 * @throws {MochiError} FANOUT_E010
 */
export function checkRegistryUrl(eco: string, to: UploadTarget): URL {
  let u: URL;
  try {
    u = new URL(to.url);
  } catch {
    throw new MochiError(
      "FANOUT_E010",
      `the ${eco} registry URL ${JSON.stringify(to.url)} is not a URL`,
      {
        hint:
          `set registry = "https://…" in the target table or MOCHI_${eco.toUpperCase()}_REGISTRY`,
      },
    );
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") {
    throw new MochiError("FANOUT_E010", `the ${eco} registry URL ${u.protocol} is not http(s)`, {
      hint: "give an https:// URL",
    });
  }
  if (u.username !== "" || u.password !== "") {
    throw new MochiError("FANOUT_E010", `the ${eco} registry URL has credentials in it`, {
      hint: `put the credential in MOCHI_${eco.toUpperCase()}_TOKEN, not in the URL`,
    });
  }
  const loopback = u.hostname === "127.0.0.1" || u.hostname === "localhost" ||
    u.hostname === "[::1]";
  if (u.protocol === "http:" && !loopback && to.token !== undefined) {
    throw new MochiError(
      "FANOUT_E010",
      `refusing to send the ${eco} token over plain http to ${u.host}`,
      { hint: "use the registry's https:// URL" },
    );
  }
  return u;
}

async function readCapped(body: ReadableStream<Uint8Array> | null): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.byteLength;
    if (n > MAX_ANSWER_BYTES) {
      await reader.cancel().catch(() => {});
      throw new MochiError(
        "FANOUT_E009",
        `the registry's answer is larger than ${MAX_ANSWER_BYTES} bytes`,
        { hint: "check the registry URL" },
      );
    }
    chunks.push(value);
  }
  const out = new Uint8Array(n);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

/**
 * Sends one request; retries answers in the 5xx range up to {@link MAX_ATTEMPTS} times. Returns
 * every other answer (2xx, 3xx, 4xx) for the caller to judge.
 *
 * @param to the target (deadline, signal, injected fetch)
 * @param url the absolute URL
 * @param init method, headers, body (rebuilt per attempt by the caller's function)
 * @param what what is being sent, for messages (`the wheel greet-1.0-py3-none-any.whl`)
 * @throws {MochiError} FANOUT_E009 when the registry cannot be reached, times out, answers too
 *   much, or still answers 5xx after the last attempt
 */
export async function exchange(
  to: UploadTarget,
  url: string,
  init: () => RequestInit,
  what: string,
): Promise<Answer> {
  const doFetch = to.fetch ?? fetch;
  for (let attempt = 1;; attempt++) {
    const deadline = AbortSignal.timeout(to.timeoutMs);
    const signal = to.signal === undefined ? deadline : AbortSignal.any([to.signal, deadline]);
    let res: Response;
    let body: Uint8Array;
    try {
      res = await doFetch(url, { ...init(), redirect: "manual", signal });
      body = await readCapped(res.body);
    } catch (cause) {
      if (cause instanceof MochiError) throw cause;
      const timedOut = deadline.aborted;
      throw new MochiError(
        "FANOUT_E009",
        timedOut
          ? `sending ${what} to ${url} timed out after ${to.timeoutMs} ms`
          : `sending ${what} to ${url} failed: ${
            registryWords(new TextEncoder().encode(String(cause)))
          }`,
        { hint: "check the registry URL and the network, then publish again", cause },
      );
    }
    if (res.status >= 500 && res.status <= 599) {
      if (attempt < MAX_ATTEMPTS) {
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
        continue;
      }
      throw new MochiError(
        "FANOUT_E009",
        `${url} answered ${res.status} to ${what} ${attempt} times: ${registryWords(body)}`,
        { hint: "the registry is failing; try again later" },
      );
    }
    return { status: res.status, headers: res.headers, body };
  }
}

/**
 * The error for an answer that is neither success nor retryable: a redirect or a 4xx.
 *
 * @returns FANOUT_E010 naming the status and the registry's (cleaned) words
 */
export function refusal(url: string, what: string, a: Answer): MochiError {
  if (a.status >= 300 && a.status < 400) {
    const to = a.headers.get("location") ?? "";
    return new MochiError(
      "FANOUT_E010",
      `${url} redirected ${what} (${a.status}) to ${
        JSON.stringify(registryWords(new TextEncoder().encode(to), 200))
      }`,
      { hint: "give the registry's final upload URL; redirects are not followed with a token" },
    );
  }
  const hint = a.status === 401 || a.status === 403
    ? "check the token (MOCHI_<ECOSYSTEM>_TOKEN) and its rights on this package"
    : a.status === 409 || (a.status === 400 && /exist/i.test(registryWords(a.body)))
    ? "this version is already there; publish a new version"
    : "read the registry's reason above and fix the package";
  return new MochiError(
    "FANOUT_E010",
    `${url} refused ${what} (${a.status}): ${registryWords(a.body) || "(no reason given)"}`,
    { hint },
  );
}
