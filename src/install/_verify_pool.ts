/**
 * Signature verification beside the downloads: a pool of Workers ({@link verifyPool}), each
 * running {@link verifyLockedPackage} on the bundles it is sent, so the verifier's CPU time (and
 * the loading of the Sigstore libraries) leaves the thread that streams, hashes and stores the
 * blobs. A verdict is the same as on the main thread: the Worker runs the same function and a
 * refusal comes back as the same `MochiError` (code, message, hint). A Worker that cannot start
 * or fails leaves its bundles to the main thread, which verifies them in full: nothing is ever
 * accepted without a verification.
 *
 * @module
 */
import { type ErrorCode, MochiError } from "../errors.ts";
import type { LockedPackage } from "../lockfile/mod.ts";
import { loadSignatureVerifier, verifyLockedPackage } from "./signatures.ts";

/** A message to a Worker: one bundle to verify. */
export interface VerifyRequest {
  /** Matches the reply. */
  id: number;
  /** The locked package (name, version, digests, signer). */
  p: LockedPackage;
  /** The bundle text as fetched. */
  bundleJson: string;
  /** Trusted root text; the public-good root when undefined. */
  trustedRootJson: string | undefined;
}

/** A Worker's answer. */
export type VerifyReply =
  | { id: number; ok: true; ms: number }
  | { id: number; ok: false; code?: ErrorCode; message: string; hint?: string };

/** Verifies bundles in Workers; {@link VerifyPool.close} ends them. */
export interface VerifyPool extends Disposable {
  /**
   * {@link verifyLockedPackage} in a Worker.
   *
   * @param p the locked package
   * @param bundleJson the bundle text
   * @param trustedRootJson trusted root text; the public-good root when undefined
   * @returns the milliseconds the verification itself took
   * @throws {MochiError} what {@link verifyLockedPackage} throws
   */
  verify(
    p: LockedPackage,
    bundleJson: string,
    trustedRootJson: string | undefined,
  ): Promise<number>;
  /** End the Workers (a verification under way is finished on the main thread). */
  close(): void;
  /** Bundles verified on the main thread because no Worker could (for reports and tests). */
  readonly mainThreadRuns: number;
}

/** Workers a pool starts: one less than the CPUs, at least one and at most two. */
export function defaultPoolSize(): number {
  return Math.max(1, Math.min(2, (navigator.hardwareConcurrency ?? 2) - 1));
}

interface Job {
  request: VerifyRequest;
  resolve: (ms: number) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  jobs: Map<number, Job>;
}

async function onMainThread(job: Job, counts: { mainThreadRuns: number }): Promise<void> {
  counts.mainThreadRuns++;
  try {
    await loadSignatureVerifier();
    const { p, bundleJson, trustedRootJson } = job.request;
    const t = performance.now();
    verifyLockedPackage(p, bundleJson, trustedRootJson);
    job.resolve(performance.now() - t);
  } catch (e) {
    job.reject(e);
  }
}

/**
 * A pool of signature Workers, started on the first {@link VerifyPool.verify}.
 *
 * @param size how many Workers ({@link defaultPoolSize})
 * @param workerUrl the Worker module (this folder's `_verify_worker.ts`; tests may give another)
 * @returns the pool; close it (or dispose it) when the install is done
 */
export function verifyPool(
  size: number = defaultPoolSize(),
  workerUrl: URL = new URL("./_verify_worker.ts", import.meta.url),
): VerifyPool {
  const slots: Slot[] = [];
  let broken = false;
  let closed = false;
  let nextId = 0;
  const retire = (slot: Slot) => {
    slot.worker.terminate();
    slots.splice(slots.indexOf(slot), 1);
    const left = [...slot.jobs.values()];
    slot.jobs.clear();
    for (const job of left) void onMainThread(job, pool);
  };
  const start = (): Slot | undefined => {
    try {
      const worker = new Worker(workerUrl, { type: "module" });
      const slot: Slot = { worker, jobs: new Map() };
      worker.onmessage = (e: MessageEvent<VerifyReply>) => {
        const reply = e.data;
        const job = slot.jobs.get(reply?.id);
        if (job === undefined) return;
        slot.jobs.delete(reply.id);
        if (reply.ok === true) job.resolve(reply.ms);
        else if (reply.code !== undefined) {
          job.reject(
            new MochiError(reply.code, reply.message, {
              ...(reply.hint === undefined ? {} : { hint: reply.hint }),
            }),
          );
        } // Not a verdict (a bug in the Worker): the main thread verifies instead.
        else void onMainThread(job, pool);
      };
      worker.onerror = (e) => {
        e.preventDefault();
        broken = true;
        retire(slot);
      };
      worker.onmessageerror = () => {
        broken = true;
        retire(slot);
      };
      slots.push(slot);
      return slot;
    } catch {
      broken = true;
      return undefined;
    }
  };
  const pool: VerifyPool & { mainThreadRuns: number } = {
    mainThreadRuns: 0,
    verify(p, bundleJson, trustedRootJson) {
      return new Promise<number>((resolve, reject) => {
        const job: Job = {
          request: { id: nextId++, p, bundleJson, trustedRootJson },
          resolve,
          reject,
        };
        if (closed || broken) return void onMainThread(job, pool);
        let slot = slots.length < size ? start() : undefined;
        slot ??= slots.reduce<Slot | undefined>(
          (best, s) => best === undefined || s.jobs.size < best.jobs.size ? s : best,
          undefined,
        );
        if (slot === undefined) return void onMainThread(job, pool);
        slot.jobs.set(job.request.id, job);
        slot.worker.postMessage(job.request);
      });
    },
    close() {
      closed = true;
      for (const slot of [...slots]) retire(slot);
    },
    [Symbol.dispose]() {
      pool.close();
    },
  };
  return pool;
}
