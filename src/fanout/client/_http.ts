/**
 * The HTTP edge of the npm and JSR uploaders: one request with the target's deadline and
 * cancellation, transport failures and server errors as `FANOUT_E009` (exit 3), and answers read
 * with a cap in decoded bytes. No answer text reaches a message unquoted or longer than 300
 * characters.
 *
 * @module
 */
import { MochiError } from "../../errors.ts";
import { readAtMost } from "../../registry/client/_bounded_read.ts";
import type { UploadTarget } from "../types.ts";

/** Largest registry answer read, in decoded bytes. */
export const MAX_ANSWER_BYTES = 1024 * 1024;

/** The signal of one request: the target's deadline, and its own signal when given. */
function signalOf(to: UploadTarget): AbortSignal {
  const deadline = AbortSignal.timeout(to.timeoutMs);
  return to.signal === undefined ? deadline : AbortSignal.any([deadline, to.signal]);
}

/**
 * Sends one request.
 *
 * @param to the target (deadline, signal, fetch)
 * @param url where
 * @param init method, headers, body
 * @param what what the request is for, for messages (`npm publish of @acme/greet 1.0.0`)
 * @returns the response (any status)
 * @throws {MochiError} `FANOUT_E009` when the registry cannot be reached or the deadline passed
 */
export async function send(
  to: UploadTarget,
  url: string,
  init: RequestInit,
  what: string,
): Promise<Response> {
  const f = to.fetch ?? fetch;
  try {
    return await f(url, { ...init, signal: signalOf(to), redirect: "manual" });
  } catch (cause) {
    const timedOut = cause instanceof DOMException && cause.name === "TimeoutError";
    throw new MochiError(
      "FANOUT_E009",
      timedOut
        ? `${what}: ${url} did not answer within ${to.timeoutMs} ms`
        : `${what}: ${url} could not be reached: ${(cause as Error).message}`,
      { hint: "check the registry URL and that it is up, then publish again", cause },
    );
  }
}

/**
 * Reads an answer's body as text with a cap.
 *
 * @param res the response
 * @param url its URL, for messages
 * @param maxBytes the cap in decoded bytes (default {@link MAX_ANSWER_BYTES})
 * @returns the text (invalid UTF-8 replaced)
 * @throws {MochiError} `FANOUT_E009` when the body is longer than the cap
 */
export async function answerText(
  res: Response,
  url: string,
  maxBytes: number = MAX_ANSWER_BYTES,
): Promise<string> {
  const bytes = await readAtMost(res.body, {
    bytes: maxBytes,
    error: (received) =>
      new MochiError(
        "FANOUT_E009",
        `${url} answered HTTP ${res.status} with more than ${maxBytes} bytes (stopped after ${received})`,
        { hint: "the registry is misbehaving; report it to its operator" },
      ),
  });
  return new TextDecoder().decode(bytes);
}

/**
 * A short, quoted excerpt of a registry's answer for an error message: at most 300 characters,
 * control characters escaped (JSON quoting), so nothing from the registry reaches a terminal raw.
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
  return JSON.stringify(reason.length > 300 ? reason.slice(0, 300) + "…" : reason);
}

/** A registry URL with exactly one trailing slash. */
export function withSlash(url: string): string {
  return url.endsWith("/") ? url : url + "/";
}

/**
 * The error for a status that is not success: 5xx and 429 are `FANOUT_E009` (exit 3: try again
 * later), others `FANOUT_E010` (exit 1: the registry refused).
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
