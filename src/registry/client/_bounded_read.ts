/**
 * Reading a byte stream with a ceiling: the guard against a server that keeps streaming (TUF's
 * "endless data"), shared by index files, snapshot-listed files and Sigstore bundles.
 *
 * @module
 */
import type { MochiError } from "../../errors.ts";

/** The most bytes a body may have, and the error for one that goes past it. */
export interface ReadLimit {
  /** Largest allowed size in bytes. */
  readonly bytes: number;
  /** The error for a body that went past it, given how many bytes arrived (or its size). */
  readonly error: (received: number) => MochiError;
}

/**
 * Reads a whole stream, stopping (and cancelling it) as soon as it goes past `limit.bytes`.
 *
 * @param body the stream; null reads as empty
 * @param limit the ceiling and its error
 * @returns the bytes
 * @throws the error `limit.error` builds, once the body is longer than the limit
 */
export async function readAtMost(
  body: ReadableStream<Uint8Array> | null,
  limit: ReadLimit,
): Promise<Uint8Array<ArrayBuffer>> {
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.length;
    if (received > limit.bytes) {
      await reader.cancel().catch(() => {});
      throw limit.error(received);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(received);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
