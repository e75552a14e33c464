/**
 * One-pass BLAKE3-256 + SHA-256 digests of a byte stream.
 *
 * Every blob in the store is addressed by its BLAKE3-256 digest and checked against both BLAKE3 and
 * SHA-256 before it gets its final name (the BLAKE3 specification; SHA-256 of FIPS 180-4). Both
 * hashes are updated from the same chunk, so the bytes are read once: streamed from the network or
 * disk, never buffered whole.
 *
 * Streamed SHA-256 comes from `node:crypto` (`createHash`, loaded on first use), small synchronous
 * SHA-256 from `@noble/hashes` ({@link sha256Hex}). BLAKE3 comes from a native implementation when
 * one was provided ({@link provideNativeBlake3}: the store's I/O half provides
 * `@napi-rs/blake-hash`, a Node-API build of the reference Rust crate, where it loads), else from
 * `hash-wasm` (`createBLAKE3`, WebAssembly, loaded on first use). Both give the same digests (checked against the
 * official BLAKE3 test vectors and random data); the native one is several times faster than
 * SHA-256, so a one-pass digest then costs about what SHA-256 alone does. Digests are lowercase
 * hex strings of 64 characters.
 *
 * @module
 */

import type { IHasher } from "./_wasm_hashers.ts";
import { smallSha256Hex } from "./_small_digests.ts";
import { MochiError } from "../errors.ts";

/** The two digests of a byte sequence and its length. */
export interface Digest {
  /** BLAKE3-256, lowercase hex (64 chars): the store address. */
  blake3: string;
  /** SHA-256, lowercase hex (64 chars): the interop digest (Sigstore, SLSA, npm). */
  sha256: string;
  /** Number of bytes hashed. */
  sizeBytes: number;
}

/** Which BLAKE3 implementation hashes: `native` (Node-API) or `wasm` (hash-wasm). */
export type Blake3Engine = "native" | "wasm";

/** One incremental native BLAKE3-256 state (the shape of `@napi-rs/blake-hash`'s `Blake3Hasher`). */
export interface NativeBlake3Hasher {
  /** Hash more bytes. */
  update(chunk: Uint8Array): unknown;
  /** The 32-byte digest as lowercase hex. */
  digest(format: "hex"): string;
}

/**
 * Loads a native BLAKE3: resolves to a constructor of fresh hashers, or `undefined` when none
 * can be loaded here (no build for this platform, or no permission to load one).
 */
export type NativeBlake3Loader = () => Promise<(() => NativeBlake3Hasher) | undefined>;

let nativeLoader: NativeBlake3Loader | undefined;
let nativeFactory: Promise<(() => NativeBlake3Hasher) | undefined> | undefined;

/**
 * Make a native BLAKE3 available to every later hasher whose {@link DigestOptions.blake3} is
 * `auto` or `native`. The loader runs once, on the first such hasher (so a command that hashes
 * nothing never loads it); a loader that throws or resolves to `undefined` leaves `wasm` in use.
 * The store's I/O half (`src/store/fs/native_blake3.ts`) provides `@napi-rs/blake-hash`.
 *
 * @param loader the loader, or `undefined` to go back to WebAssembly only
 *
 * @example
 * ```ts
 * import { blake3Engine, createDualHasher, loadNapiBlake3, provideNativeBlake3 } from "@mochi/pkg/store";
 * import assert from "node:assert/strict";
 *
 * provideNativeBlake3(undefined); // WebAssembly only
 * assert.equal(await blake3Engine(), "wasm");
 * assert.equal((await createDualHasher()).engine, "wasm");
 * provideNativeBlake3(loadNapiBlake3); // back to the store's default
 * ```
 */
export function provideNativeBlake3(loader: NativeBlake3Loader | undefined): void {
  nativeLoader = loader;
  nativeFactory = undefined;
}

function loadNative(): Promise<(() => NativeBlake3Hasher) | undefined> {
  if (nativeLoader === undefined) return Promise.resolve(undefined);
  nativeFactory ??= nativeLoader().catch(() => undefined);
  return nativeFactory;
}

/**
 * Which BLAKE3 an `auto` hasher uses here: `native` when one was provided and loads, else `wasm`.
 * Loads the native one if it has not been loaded yet.
 *
 * @returns the engine `createDualHasher()` picks by default
 *
 * @example
 * ```ts
 * import { blake3Engine, digestBytes } from "@mochi/pkg/store";
 * import assert from "node:assert/strict";
 *
 * const engine = await blake3Engine(); // "native" where @napi-rs/blake-hash loads
 * assert.ok(engine === "native" || engine === "wasm");
 * const abc = new TextEncoder().encode("abc");
 * assert.deepEqual(await digestBytes(abc), await digestBytes(abc, { blake3: "wasm" }));
 * ```
 */
export async function blake3Engine(): Promise<Blake3Engine> {
  return (await loadNative()) === undefined ? "wasm" : "native";
}

/** Options for {@link digestStream}, {@link createDualHasher} and {@link DigestTransform}. */
export interface DigestOptions {
  /**
   * Which BLAKE3 hashes on the calling thread: `auto` (default) the native one when provided and
   * loadable ({@link provideNativeBlake3}), else WebAssembly; `wasm` always WebAssembly; `native`
   * the native one or `INTERNAL_E001` when there is none. The Worker path
   * ({@link DigestOptions.parallel}) always runs WebAssembly.
   */
  blake3?: "auto" | Blake3Engine;
  /**
   * Stop with `BLOB_E004` as soon as more than this many bytes arrive (endless-data guard, TUF
   * "endless data attack"). Unlimited when omitted.
   */
  maxSizeBytes?: number;
  /**
   * `true` runs BLAKE3 in a Worker beside the SHA-256 pass (falls back to one thread when a
   * Worker cannot be started). Default `false`: measured on the 2-core build machine
   * (`bench/blob_verify_bench.ts`, 256 MiB from the page cache) one thread did 410-440 MB/s with
   * +10 MiB RSS, the Worker 335-350 MB/s with +155 MiB RSS (copies waiting for the Worker's GC);
   * only on an idle machine with data already in memory did the Worker win (~590 vs ~450 MB/s).
   */
  parallel?: boolean;
}

/**
 * The SHA-256 of some bytes or a string (as UTF-8), lowercase hex, synchronously (pure
 * TypeScript from `@noble/hashes`: cheap to load, so commands that hash only records, names and
 * stamps load neither WebAssembly nor `node:crypto`; the same digest as `node:crypto`'s). Meant
 * for small inputs (records, keys, names), not blobs.
 *
 * @example
 * ```ts
 * import { sha256Hex } from "@mochi/pkg/store";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   sha256Hex("abc"),
 *   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
 * );
 * assert.equal(sha256Hex(new TextEncoder().encode("abc")), sha256Hex("abc"));
 * ```
 *
 * @param data the bytes, or a string hashed as its UTF-8 bytes
 * @returns 64 lowercase hex digits
 */
export function sha256Hex(data: Uint8Array | string): string {
  return smallSha256Hex(data);
}

let nodeCrypto: typeof import("node:crypto") | undefined;

/**
 * A streaming SHA-256 from `node:crypto` (native, fast on large inputs), loaded on first use so
 * that commands which stream nothing never load `node:crypto`.
 *
 * @returns a fresh `node:crypto` `Hash`
 */
export async function createStreamingSha256(): Promise<import("node:crypto").Hash> {
  nodeCrypto ??= await import("node:crypto");
  return nodeCrypto.createHash("sha256");
}

/** A lowercase 64-hex-digit digest (BLAKE3-256 or SHA-256). */
export const HEX_DIGEST_RE: RegExp = /^[0-9a-f]{64}$/;

/**
 * Whether `s` is a well-formed digest: exactly 64 lowercase hex characters.
 *
 * @param s the candidate string
 * @returns true when it can be used as a store address
 */
export function isHexDigest(s: string): boolean {
  return HEX_DIGEST_RE.test(s);
}

/**
 * An incremental BLAKE3 + SHA-256 hasher: feed chunks with {@link DualHasher.update}, read both
 * digests once with {@link DualHasher.finish}. Create it with {@link createDualHasher}.
 */
export interface DualHasher {
  /**
   * Hash one more chunk into both digests. The caller keeps ownership of `chunk` (the Worker
   * path sends a copy). Resolves once the chunk is accepted; with a Worker at most
   * {@link MAX_IN_FLIGHT} chunks are queued, so memory stays bounded.
   *
   * @param chunk the next bytes
   * @throws {MochiError} `BLOB_E004` when the total passes `maxSizeBytes`
   */
  update(chunk: Uint8Array): Promise<void>;
  /**
   * Finish both hashes and release the Worker, if any.
   *
   * @returns both digests and the byte count
   */
  finish(): Promise<Digest>;
  /** Give up: release the Worker, if any. Safe to call more than once. */
  abort(): void;
  /** Bytes hashed so far. */
  readonly sizeBytes: number;
  /** Whether BLAKE3 runs in a Worker. */
  readonly parallel: boolean;
  /** Which BLAKE3 implementation runs (`wasm` in the Worker). */
  readonly engine: Blake3Engine;
}

/** Chunks the Worker path lets queue before {@link DualHasher.update} waits. */
export const MAX_IN_FLIGHT = 4;

function tooBig(max: number, size: number): MochiError {
  return new MochiError(
    "BLOB_E004",
    `blob is larger than the allowed ${max} bytes (got at least ${size})`,
    { hint: "the source sent more bytes than its record declares; check the registry" },
  );
}

/**
 * Create a {@link DualHasher} (BLAKE3 native or via hash-wasm as `options.blake3` says, SHA-256
 * via node:crypto), with BLAKE3 in a Worker when `options.parallel` says so (see
 * {@link DigestOptions.parallel}).
 *
 * @param options `maxSizeBytes` cap, `parallel`, `blake3` engine
 * @returns a fresh hasher
 * @throws {MochiError} `INTERNAL_E001` when `blake3: "native"` is asked for and none loads
 */
export async function createDualHasher(options: DigestOptions = {}): Promise<DualHasher> {
  if (options.parallel === true) {
    const h = await tryWorkerHasher(options);
    if (h) return h;
  }
  return await localHasher(options);
}

/** Reusable WebAssembly BLAKE3 states (an instance each), handed back by finished hashers. */
const WASM_POOL: IHasher[] = [];

interface Blake3State {
  engine: Blake3Engine;
  update(chunk: Uint8Array): void;
  /** Lowercase hex; the state is not used again. */
  finish(): string;
}

async function blake3State(want: "auto" | Blake3Engine): Promise<Blake3State> {
  if (want !== "wasm") {
    const make = await loadNative();
    if (make !== undefined) {
      const h = make();
      return { engine: "native", update: (c) => void h.update(c), finish: () => h.digest("hex") };
    }
    if (want === "native") {
      throw new MochiError("INTERNAL_E001", "no native BLAKE3 could be loaded here", {
        hint: "leave the BLAKE3 engine on auto (WebAssembly is used where no native build loads)",
      });
    }
  }
  const h = WASM_POOL.pop() ?? await (await import("./_wasm_hashers.ts")).createBLAKE3(256);
  h.init();
  return {
    engine: "wasm",
    update: (c) => void h.update(c),
    finish: () => {
      const hex = h.digest("hex");
      WASM_POOL.push(h);
      return hex;
    },
  };
}

async function localHasher(options: DigestOptions): Promise<DualHasher> {
  const b3 = await blake3State(options.blake3 ?? "auto");
  const sha = await createStreamingSha256();
  const max = options.maxSizeBytes ?? Number.POSITIVE_INFINITY;
  let size = 0;
  let done = false;
  return {
    parallel: false,
    engine: b3.engine,
    get sizeBytes() {
      return size;
    },
    update(chunk: Uint8Array): Promise<void> {
      if (done) return Promise.reject(new MochiError("INTERNAL_E001", "digest update after end"));
      size += chunk.byteLength;
      if (size > max) return Promise.reject(tooBig(max, size));
      sha.update(chunk);
      b3.update(chunk);
      return Promise.resolve();
    },
    finish(): Promise<Digest> {
      if (done) return Promise.reject(new MochiError("INTERNAL_E001", "digest finished twice"));
      done = true;
      return Promise.resolve({
        blake3: b3.finish(),
        sha256: sha.digest("hex"),
        sizeBytes: size,
      });
    },
    abort(): void {
      done = true;
    },
  };
}

async function tryWorkerHasher(options: DigestOptions): Promise<DualHasher | undefined> {
  const sha = await createStreamingSha256();
  let worker: Worker;
  try {
    worker = new Worker(new URL("./_blake3_worker.ts", import.meta.url), { type: "module" });
  } catch {
    return undefined;
  }
  const max = options.maxSizeBytes ?? Number.POSITIVE_INFINITY;
  let size = 0;
  let inFlight = 0;
  let failure: unknown = undefined;
  let closed = false;
  let wake: (() => void) | undefined;
  let onDigest: ((hex: string) => void) | undefined;
  let onFailure: ((e: unknown) => void) | undefined;
  const close = () => {
    if (!closed) {
      closed = true;
      worker.terminate();
    }
  };
  const fail = (e: unknown) => {
    failure ??= e;
    close();
    wake?.();
    onFailure?.(failure);
  };
  worker.onmessage = (ev: MessageEvent) => {
    const data = ev.data as { ack?: number; blake3?: string };
    if (data.ack !== undefined) {
      inFlight--;
      const w = wake;
      wake = undefined;
      w?.();
    } else if (data.blake3 !== undefined) {
      onDigest?.(data.blake3);
    }
  };
  worker.onerror = (ev: ErrorEvent) => {
    ev.preventDefault();
    fail(new MochiError("INTERNAL_E001", `BLAKE3 worker failed: ${ev.message}`));
  };
  const waitWake = () => new Promise<void>((resolve) => (wake = resolve));
  return {
    parallel: true,
    engine: "wasm",
    get sizeBytes() {
      return size;
    },
    async update(chunk: Uint8Array): Promise<void> {
      if (failure !== undefined) throw failure;
      if (closed) throw new MochiError("INTERNAL_E001", "digest update after end");
      size += chunk.byteLength;
      if (size > max) {
        const e = tooBig(max, size);
        fail(e);
        throw e;
      }
      while (inFlight >= MAX_IN_FLIGHT && failure === undefined) await waitWake();
      if (failure !== undefined) throw failure;
      const copy = chunk.slice();
      sha.update(copy);
      inFlight++;
      worker.postMessage({ chunk: copy }, [copy.buffer]);
    },
    async finish(): Promise<Digest> {
      if (failure !== undefined) throw failure;
      if (closed) throw new MochiError("INTERNAL_E001", "digest finished twice");
      try {
        const blake3 = await new Promise<string>((resolve, reject) => {
          onDigest = resolve;
          onFailure = reject;
          worker.postMessage({ finish: true });
        });
        return { blake3, sha256: sha.digest("hex"), sizeBytes: size };
      } finally {
        close();
      }
    },
    abort(): void {
      close();
    },
  };
}

/**
 * Digest a whole stream in one pass: each chunk goes to BLAKE3 and SHA-256 before the next one
 * is read, so memory stays at one chunk.
 *
 * @param stream the bytes; fully consumed (cancelled if the size cap trips)
 * @param options `maxSizeBytes` cap; `parallel` runs BLAKE3 in a Worker
 * @returns `{ blake3, sha256, sizeBytes }`, lowercase hex
 * @throws {MochiError} `BLOB_E004` over `maxSizeBytes`; any error of the stream itself is rethrown
 */
export async function digestStream(
  stream: ReadableStream<Uint8Array>,
  options: DigestOptions = {},
): Promise<Digest> {
  const hasher = await createDualHasher(options);
  const reader = stream.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      await hasher.update(value);
    }
  } catch (e) {
    hasher.abort();
    await reader.cancel(e).catch(() => {});
    throw e;
  } finally {
    reader.releaseLock();
  }
  return await hasher.finish();
}

/**
 * Digest bytes already in memory.
 *
 * @param bytes the bytes
 * @param options `blake3` engine (default `auto`)
 * @returns `{ blake3, sha256, sizeBytes }`, lowercase hex
 */
export async function digestBytes(
  bytes: Uint8Array,
  options: Pick<DigestOptions, "blake3"> = {},
): Promise<Digest> {
  const hasher = await createDualHasher({ ...options, parallel: false });
  await hasher.update(bytes);
  return await hasher.finish();
}

/**
 * A pass-through stream that hashes every chunk flowing through it (fetch → hash → disk in one
 * pass). After the readable side has ended, {@link DigestTransform.digest} holds the result.
 *
 * @example
 * ```ts
 * import { DigestTransform } from "@mochi/pkg/store";
 * import assert from "node:assert/strict";
 *
 * const t = new DigestTransform();
 * const out = ReadableStream.from([new Uint8Array([1, 2, 3])]).pipeThrough(t);
 * for await (const _ of out) { /* write to disk *\/ }
 * assert.equal(t.digest?.sizeBytes, 3);
 * assert.equal(t.digest?.sha256.length, 64);
 * ```
 */
export class DigestTransform extends TransformStream<Uint8Array, Uint8Array> {
  #digest: Digest | undefined;

  /**
   * Create a pass-through hashing stream.
   *
   * @param options `maxSizeBytes`: error the stream with `BLOB_E004` past this many bytes;
   *   `parallel: true` runs BLAKE3 in a Worker (then read the stream to its end or cancel it,
   *   so the Worker is released)
   */
  constructor(options: DigestOptions = {}) {
    let hasher: DualHasher;
    const sink = {} as { set(d: Digest): void };
    super({
      async start() {
        hasher = await createDualHasher(options);
      },
      async transform(chunk, controller) {
        try {
          await hasher.update(chunk);
        } catch (e) {
          hasher.abort();
          throw e;
        }
        controller.enqueue(chunk);
      },
      async flush() {
        sink.set(await hasher.finish());
      },
      cancel() {
        hasher?.abort();
      },
    });
    sink.set = (d) => {
      this.#digest = d;
    };
  }

  /** Both digests and the size once the stream has been fully read; undefined before. */
  get digest(): Digest | undefined {
    return this.#digest;
  }
}
