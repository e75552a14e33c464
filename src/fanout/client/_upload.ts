/**
 * What the native uploaders (cargo, NuGet, Hex, SwiftPM) share: checking the registry URL,
 * building a multipart body byte for byte, sending one request with a deadline and no redirects,
 * and reading the answer with a cap in decoded bytes, its text made safe for a terminal.
 *
 * Uploads are not retried: a publish that timed out may have landed, and a second one would be
 * refused as a duplicate (cargo and NuGet do not retry a push either).
 *
 * @module
 */

import { MochiError, quoteValue } from "../../errors.ts";
import type { Ecosystem, UploadTarget } from "../types.ts";

/** Largest registry answer read, in decoded bytes; the rest is dropped. */
export const MAX_ANSWER_BYTES = 64 * 1024;

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * Parses and checks a registry URL: `http:` or `https:`, no credentials in it, and no token over
 * plain `http:` except to a loopback host.
 *
 * @throws {MochiError} `FANOUT_E012` naming the URL
 */
export function registryUrl(ecosystem: Ecosystem, to: UploadTarget): URL {
  let url: URL;
  try {
    url = new URL(to.url);
  } catch {
    throw new MochiError(
      "FANOUT_E012",
      `the ${ecosystem} registry URL ${quoteValue(to.url)} is not a URL`,
      {
        hint:
          `set [targets.<t>] registry or MOCHI_${ecosystem.toUpperCase()}_REGISTRY to an https URL`,
      },
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new MochiError(
      "FANOUT_E012",
      `the ${ecosystem} registry URL ${quoteValue(to.url)} is not http(s)`,
      { hint: "uploads go to an https URL" },
    );
  }
  if (url.username !== "" || url.password !== "") {
    throw new MochiError(
      "FANOUT_E012",
      `the ${ecosystem} registry URL has credentials in it`,
      { hint: `pass the credential in MOCHI_${ecosystem.toUpperCase()}_TOKEN instead` },
    );
  }
  if (to.token !== undefined && url.protocol === "http:" && !LOOPBACK.has(url.hostname)) {
    throw new MochiError(
      "FANOUT_E012",
      `refusing to send the ${ecosystem} token over plain http to ${quoteValue(url.host)}`,
      { hint: "use the registry's https URL" },
    );
  }
  return url;
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
  contentType: string;
  bytes: Uint8Array;
}

/**
 * A multipart/form-data body with a boundary that occurs in no part.
 *
 * @returns the body and its `Content-Type` header value
 */
export function multipart(parts: readonly FormPart[]): { body: Uint8Array; contentType: string } {
  const enc = new TextEncoder();
  let boundary = "mochi-fanout-boundary";
  const contains = (hay: Uint8Array, needle: Uint8Array) => {
    outer: for (let i = 0; i + needle.length <= hay.length; i++) {
      for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
      return true;
    }
    return false;
  };
  for (let n = 0; parts.some((p) => contains(p.bytes, enc.encode(boundary))); n++) {
    boundary = `mochi-fanout-boundary-${n}`;
  }
  const chunks: Uint8Array[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${
      p.filename === undefined ? "" : `; filename="${p.filename}"`
    }`;
    chunks.push(
      enc.encode(
        `--${boundary}\r\nContent-Disposition: ${disposition}\r\nContent-Type: ${p.contentType}\r\n` +
          `Content-Length: ${p.bytes.length}\r\n\r\n`,
      ),
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

/** A registry's answer: status, headers and at most {@link MAX_ANSWER_BYTES} of its body. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

/** Text from a registry made safe to print: control characters as `?`, at most 300 characters. */
export function safeText(text: string): string {
  // deno-lint-ignore no-control-regex
  const clean = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "?").trim();
  return clean.length > 300 ? `${clean.slice(0, 300)}…` : clean;
}

async function readCapped(res: Response): Promise<string> {
  if (res.body === null) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  try {
    while (n < MAX_ANSWER_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value.subarray(0, MAX_ANSWER_BYTES - n));
      n += Math.min(value.length, MAX_ANSWER_BYTES - n);
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
  return new TextDecoder().decode(all);
}

/**
 * Sends one upload request: a deadline of `to.timeoutMs`, `to.signal` honoured, redirects not
 * followed (a credential header must not travel to another host), the answer read with a cap.
 *
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
  const f = to.fetch ?? fetch;
  const timeout = AbortSignal.timeout(to.timeoutMs);
  const signal = to.signal === undefined ? timeout : AbortSignal.any([timeout, to.signal]);
  let res: Response;
  try {
    res = await f(url.href, {
      method: init.method,
      headers: { "User-Agent": "mochi-pkg (fan-out)", ...init.headers },
      body: init.body as Uint8Array<ArrayBuffer>,
      redirect: "manual",
      signal,
    });
  } catch (e) {
    const timedOut = timeout.aborted;
    throw new MochiError(
      "FANOUT_E009",
      `the ${ecosystem} registry at ${url.origin} ${
        timedOut ? `did not answer within ${to.timeoutMs} ms` : "cannot be reached"
      }: ${safeText(e instanceof Error ? e.message : String(e))}`,
      { hint: "check the registry URL and the network, then publish again", cause: e },
    );
  }
  let text: string;
  try {
    text = await readCapped(res);
  } catch (e) {
    throw new MochiError(
      "FANOUT_E009",
      `the ${ecosystem} registry at ${url.origin} broke off its answer (HTTP ${res.status})`,
      { hint: "publish again; if it landed, the registry will say the version exists", cause: e },
    );
  }
  const answer: Answer = { status: res.status, headers: res.headers, text };
  if (res.status >= 500) {
    throw new MochiError(
      "FANOUT_E009",
      `the ${ecosystem} registry at ${url.origin} failed with HTTP ${res.status}${
        said(describe(answer) ?? text)
      }`,
      { hint: "the registry had an error; publish again later" },
    );
  }
  if (res.status >= 300) {
    const auth = res.status === 401 || res.status === 403;
    throw new MochiError(
      "FANOUT_E010",
      `the ${ecosystem} registry refused ${url.pathname} with HTTP ${res.status}${
        said(describe(answer) ?? text)
      }`,
      {
        hint: auth
          ? `check MOCHI_${ecosystem.toUpperCase()}_TOKEN: the registry did not accept it`
          : res.status < 400
          ? "the registry redirected the upload; set the registry URL it redirects to"
          : res.status === 409
          ? "this version is already published; bump the version in mochi.toml"
          : "fix what the registry names, then publish again",
      },
    );
  }
  return answer;
}

function said(text: string): string {
  const t = safeText(text);
  return t === "" ? "" : `: ${t}`;
}
