/**
 * The HTTP edge every fan-out uploader shares (npm, JSR, PyPI, Maven, cargo, NuGet, Hex,
 * SwiftPM): checking the registry URL, building a multipart body, and one exchange with a
 * deadline per request (`timeoutMs`, combined with the caller's signal), no redirects followed (a
 * redirect could carry the credential to another host; it is reported instead) and a cap on the
 * answer's decoded bytes. PyPI and Maven retry 5xx answers with backoff (as twine retries them);
 * the other uploaders do not retry (a publish that timed out may have landed, and a second one
 * would be refused as a duplicate: cargo, npm and NuGet do not retry a push either). The
 * registry's words are cleaned of control characters and cut short before they reach a message.
 *
 * @module
 */

import { type ErrorCode, MochiError, quoteValue } from "../../errors.ts";
import { readAtMost } from "../../registry/client/_bounded_read.ts";
import type { Ecosystem, UploadTarget } from "../types.ts";

/** Most bytes of an answer read by default (error pages, packuments, `maven-metadata.xml`). */
export const MAX_ANSWER_BYTES = 1024 * 1024;
/** Most bytes of a native uploader's (cargo, NuGet, Hex, SwiftPM) answer read; the rest is dropped. */
export const MAX_NATIVE_ANSWER_BYTES = 64 * 1024;
/** Attempts for an answer in the 5xx range (the first plus retries), when retrying. */
export const MAX_ATTEMPTS = 3;

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** What came back. */
export interface Answer {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

/** An answer's body as text (invalid UTF-8 replaced). */
export function textOf(answer: Answer): string {
  return new TextDecoder().decode(answer.body);
}

/**
 * The registry's text made safe for a message: escape sequences, control and bidirectional
 * characters and markup tags removed, one line, at most `max` characters.
 */
export function registryWords(words: Uint8Array | string, max = 300): string {
  const text =
    (typeof words === "string"
      ? words.slice(0, 4 * max)
      : new TextDecoder().decode(words.subarray(0, 4 * max)))
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
 * A short, quoted excerpt of a registry's answer for an error message (npm, JSR): its `error`,
 * `message` or `reason` when it is JSON, cleaned by {@link registryWords}, in JSON quotes.
 */
export function excerpt(text: string): string {
  let reason = text.trim();
  try {
    const j = JSON.parse(reason);
    const m = j?.error ?? j?.message ?? j?.reason;
    if (typeof m === "string") reason = m;
  } catch {
    // not JSON: keep the text
  }
  return JSON.stringify(registryWords(reason));
}

/**
 * Parses and checks a registry URL: `http:` or `https:`, no credentials in it, and no token over
 * plain `http:` except to a loopback host.
 *
 * @param code the error's code: `FANOUT_E012` (the catalogue's for a URL that cannot take an
 *   upload); the PyPI and Maven uploaders answer `FANOUT_E010`
 * @returns the parsed URL
 * @throws {MochiError} `code`, naming the URL
 */
export function checkRegistryUrl(
  ecosystem: Ecosystem,
  to: UploadTarget,
  code: ErrorCode = "FANOUT_E012",
): URL {
  let url: URL;
  try {
    url = new URL(to.url);
  } catch {
    throw new MochiError(
      code,
      `the ${ecosystem} registry URL ${quoteValue(to.url)} is not a URL`,
      {
        hint:
          `set [targets.<t>] registry or MOCHI_${ecosystem.toUpperCase()}_REGISTRY to an https URL`,
      },
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new MochiError(
      code,
      `the ${ecosystem} registry URL ${quoteValue(to.url)} is not http(s)`,
      { hint: "uploads go to an https URL" },
    );
  }
  if (url.username !== "" || url.password !== "") {
    throw new MochiError(
      code,
      `the ${ecosystem} registry URL has credentials in it`,
      { hint: `pass the credential in MOCHI_${ecosystem.toUpperCase()}_TOKEN instead` },
    );
  }
  if (to.token !== undefined && url.protocol === "http:" && !LOOPBACK.has(url.hostname)) {
    throw new MochiError(
      code,
      `refusing to send the ${ecosystem} token over plain http to ${quoteValue(url.host)}`,
      { hint: "use the registry's https URL" },
    );
  }
  return url;
}

/** A registry URL with exactly one trailing slash. */
export function withSlash(url: string): string {
  return url.endsWith("/") ? url : url + "/";
}

/** Joins path segments to a base URL, each segment percent-encoded. */
export function joinUrl(base: URL, ...segments: string[]): URL {
  const u = new URL(base.href);
  const path = u.pathname.replace(/\/+$/, "");
  u.pathname = `${path}/${segments.map(encodeURIComponent).join("/")}`;
  return u;
}

/** One part of a multipart/form-data body (RFC 7578). */
export interface FormPart {
  name: string;
  filename?: string;
  /** The part's `Content-Type`; a plain form value has none. */
  contentType?: string;
  bytes: Uint8Array;
}

/**
 * A multipart/form-data body as requests-toolbelt's `MultipartEncoder` (for twine) and
 * `curl -F` write it: values sent as they are (a `FormData` would turn every LF into CRLF), with
 * a random boundary that occurs in no part.
 *
 * @returns the body and its `Content-Type` header value
 */
export function multipart(
  parts: readonly FormPart[],
): { body: Uint8Array<ArrayBuffer>; contentType: string } {
  const enc = new TextEncoder();
  let boundary = "";
  const contains = (hay: Uint8Array, needle: Uint8Array) => {
    outer: for (let i = 0; i + needle.length <= hay.length; i++) {
      for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
      return true;
    }
    return false;
  };
  do {
    boundary = crypto.randomUUID().replaceAll("-", "");
  } while (parts.some((p) => contains(p.bytes, enc.encode(boundary))));
  const chunks: Uint8Array[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${
      p.filename === undefined ? "" : `; filename="${p.filename}"`
    }`;
    const type = p.contentType === undefined ? "" : `Content-Type: ${p.contentType}\r\n`;
    chunks.push(
      enc.encode(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`),
      p.bytes,
      enc.encode("\r\n"),
    );
  }
  chunks.push(enc.encode(`--${boundary}--\r\n`));
  const body = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    body.set(c, off);
    off += c.length;
  }
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The first `maxBytes` of a body; the rest is dropped and the stream cancelled. */
async function readPrefix(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  try {
    while (n < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value.subarray(0, maxBytes - n));
      n += Math.min(value.length, maxBytes - n);
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const all = new Uint8Array(n);
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.length;
  }
  return all;
}

/** How {@link exchange} treats an answer. */
export interface ExchangeOptions {
  /** Retry answers in the 5xx range up to {@link MAX_ATTEMPTS} times (default true). */
  retry?: boolean;
  /** Most decoded bytes of the answer read (default {@link MAX_ANSWER_BYTES}). */
  maxBytes?: number;
  /** Drop what goes past `maxBytes` instead of refusing the answer (default false). */
  truncate?: boolean;
}

/**
 * Sends one request and reads its answer with a cap; when retrying, answers in the 5xx range are
 * sent again up to {@link MAX_ATTEMPTS} times. Returns every other answer (2xx, 3xx, 4xx; and 5xx
 * when not retrying) for the caller to judge.
 *
 * @param to the target (deadline, signal, injected fetch)
 * @param url the absolute URL
 * @param init method, headers, body (rebuilt per attempt by the caller's function)
 * @param what what is being sent, for messages (`the wheel greet-1.0-py3-none-any.whl`)
 * @throws {MochiError} FANOUT_E009 when the registry cannot be reached, times out, answers more
 *   than the cap (unless truncating), or still answers 5xx after the last attempt
 */
export async function exchange(
  to: UploadTarget,
  url: string,
  init: () => RequestInit,
  what: string,
  options: ExchangeOptions = {},
): Promise<Answer> {
  const { retry = true, maxBytes = MAX_ANSWER_BYTES, truncate = false } = options;
  const doFetch = to.fetch ?? fetch;
  for (let attempt = 1;; attempt++) {
    const deadline = AbortSignal.timeout(to.timeoutMs);
    const signal = to.signal === undefined ? deadline : AbortSignal.any([to.signal, deadline]);
    let res: Response | undefined;
    let body: Uint8Array;
    try {
      res = await doFetch(url, { ...init(), redirect: "manual", signal });
      const status = res.status;
      body = truncate ? await readPrefix(res.body, maxBytes) : await readAtMost(res.body, {
        bytes: maxBytes,
        error: (received) =>
          new MochiError(
            "FANOUT_E009",
            `${url} answered HTTP ${status} with more than ${maxBytes} bytes (stopped after ${received}): an answer larger than ${maxBytes} bytes is not read`,
            { hint: "the registry is misbehaving; report it to its operator" },
          ),
      });
    } catch (cause) {
      if (cause instanceof MochiError) throw cause;
      throw new MochiError(
        "FANOUT_E009",
        deadline.aborted
          ? `${what}: ${url} timed out: it did not answer within ${to.timeoutMs} ms`
          : `${what}: ${url} ${
            res === undefined ? "could not be reached" : `broke off its answer (HTTP ${res.status})`
          }: ${registryWords(cause instanceof Error ? cause.message : String(cause))}`,
        {
          hint: res === undefined
            ? "check the registry URL and the network, then publish again"
            : "publish again; if it landed, the registry will say the version exists",
          cause,
        },
      );
    }
    if (retry && res.status >= 500 && res.status <= 599) {
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
 * The PyPI and Maven uploaders' error for an answer that is neither success nor retryable: a
 * redirect or a 4xx.
 *
 * @returns FANOUT_E010 naming the status and the registry's (cleaned) words
 */
export function refusal(url: string, what: string, a: Answer): MochiError {
  if (a.status >= 300 && a.status < 400) {
    const to = a.headers.get("location") ?? "";
    return new MochiError(
      "FANOUT_E010",
      `${url} redirected ${what} (${a.status}) to ${JSON.stringify(registryWords(to, 200))}`,
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

/**
 * The npm and JSR uploaders' error for a status that is not success: 5xx and 429 are
 * `FANOUT_E009` (exit 3: try again later), others `FANOUT_E010` (exit 1: the registry refused).
 */
export function refused(
  what: string,
  url: string,
  status: number,
  body: string,
  hint: string,
): MochiError {
  const code = status >= 500 || status === 429 ? "FANOUT_E009" : "FANOUT_E010";
  return new MochiError(
    code,
    `${what}: ${url} answered HTTP ${status}: ${excerpt(body)}`,
    { hint: code === "FANOUT_E009" ? "the registry is having trouble; try again later" : hint },
  );
}

/**
 * One native upload (cargo, NuGet, Hex, SwiftPM), not retried: the answer read up to
 * {@link MAX_NATIVE_ANSWER_BYTES}, anything but 2xx an error.
 *
 * @param describe the registry's reason in its answer, when it has its own error format
 * @throws {MochiError} `FANOUT_E009` when the registry cannot be reached, times out or answers
 *   5xx; `FANOUT_E010` when it answers 3xx or 4xx (the message carries its words, made safe)
 */
export async function send(
  ecosystem: Ecosystem,
  to: UploadTarget,
  url: URL,
  init: { method: string; headers: Record<string, string>; body: Uint8Array },
  describe: (answer: Answer) => string | undefined = () => undefined,
): Promise<Answer> {
  const answer = await exchange(
    to,
    url.href,
    () => ({
      method: init.method,
      headers: { "User-Agent": "mochi-pkg (fan-out)", ...init.headers },
      body: init.body as Uint8Array<ArrayBuffer>,
    }),
    `publishing to the ${ecosystem} registry`,
    { retry: false, maxBytes: MAX_NATIVE_ANSWER_BYTES, truncate: true },
  );
  const status = answer.status;
  if (status >= 500) {
    throw new MochiError(
      "FANOUT_E009",
      `the ${ecosystem} registry at ${url.origin} failed with HTTP ${status}${
        said(answer, describe)
      }`,
      { hint: "the registry had an error; publish again later" },
    );
  }
  if (status >= 300) {
    const auth = status === 401 || status === 403;
    throw new MochiError(
      "FANOUT_E010",
      `the ${ecosystem} registry refused ${url.pathname} with HTTP ${status}${
        said(answer, describe)
      }`,
      {
        hint: auth
          ? `check MOCHI_${ecosystem.toUpperCase()}_TOKEN: the registry did not accept it`
          : status < 400
          ? "the registry redirected the upload; set the registry URL it redirects to"
          : status === 409
          ? "this version is already published; bump the version in mochi.toml"
          : "fix what the registry names, then publish again",
      },
    );
  }
  return answer;
}

function said(answer: Answer, describe: (answer: Answer) => string | undefined): string {
  const t = registryWords(describe(answer) ?? textOf(answer));
  return t === "" ? "" : `: ${t}`;
}
