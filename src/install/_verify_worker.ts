/**
 * A Worker of the signature pool ({@link verifyPool}): verifies one bundle per message with
 * {@link verifyLockedPackage}, the same function the main thread runs, and answers with the
 * verdict; a refusal carries the `MochiError`'s code, message and hint, so the main thread
 * throws the same error.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { MochiError } from "../errors.ts";
import { loadSignatureVerifier, verifyLockedPackage } from "./signatures.ts";
import type { VerifyReply, VerifyRequest } from "./_verify_pool.ts";

const loaded = loadSignatureVerifier();

self.onmessage = async (e: MessageEvent<VerifyRequest>) => {
  const { id, p, bundleJson, trustedRootJson } = e.data;
  let reply: VerifyReply;
  try {
    await loaded;
    const t = performance.now();
    verifyLockedPackage(p, bundleJson, trustedRootJson);
    reply = { id, ok: true, ms: performance.now() - t };
  } catch (err) {
    reply = err instanceof MochiError
      ? {
        id,
        ok: false,
        code: err.code,
        message: err.message,
        ...(err.hint === undefined ? {} : { hint: err.hint }),
      }
      : { id, ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  self.postMessage(reply);
};
