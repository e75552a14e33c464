/**
 * The native BLAKE3 the digests use where it loads: `@napi-rs/blake-hash` (a Node-API build of
 * the BLAKE3 team's Rust crate, prebuilt per platform inside its npm packages), loaded on first
 * use through {@link provideNativeBlake3}. Loading a Node-API module needs Deno's `ffi`
 * permission: without it (or without a build for this platform) nothing is loaded and the digests
 * stay on WebAssembly; the permission is queried, never prompted for.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import { type NativeBlake3Hasher, provideNativeBlake3 } from "../digest.ts";

/**
 * Load `@napi-rs/blake-hash` when the `ffi` permission is granted.
 *
 * @returns a constructor of fresh native BLAKE3-256 hashers, or undefined when it cannot load
 *
 * @example
 * ```ts
 * import { loadNapiBlake3 } from "@mochi/pkg/store";
 * import assert from "node:assert/strict";
 *
 * const make = await loadNapiBlake3();
 * if (make !== undefined) {
 *   const h = make();
 *   h.update(new Uint8Array(0));
 *   // BLAKE3 of the empty input (the official test vectors' first case)
 *   assert.equal(h.digest("hex"), "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262");
 * }
 * ```
 */
export async function loadNapiBlake3(): Promise<(() => NativeBlake3Hasher) | undefined> {
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return undefined;
  try {
    const mod = await import("@napi-rs/blake-hash");
    const Hasher = mod.Blake3Hasher;
    // The package declares Buffer input; Node-API reads any Uint8Array the same way (a Buffer is
    // one), so the caller's bytes go in as they are (no node:buffer at start-up, no copy).
    const make = (): NativeBlake3Hasher => {
      const h = new Hasher();
      return {
        update: (c) => h.update(c as Buffer),
        digest: () => h.digest("hex"),
      };
    };
    // One known answer before it is trusted (BLAKE3 of "abc", the reference implementation's).
    const probe = make();
    probe.update(new TextEncoder().encode("abc"));
    return probe.digest("hex") === ABC_BLAKE3 ? make : undefined;
  } catch {
    return undefined;
  }
}

const ABC_BLAKE3 = "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85";

provideNativeBlake3(loadNapiBlake3);
