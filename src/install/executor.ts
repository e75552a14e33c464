/**
 * The executor of an {@link InstallPlan} (uv's `Installer`): the one path every artifact kind
 * takes into the store — Mochi package blobs and Rust `.crate` files now, Go module zips and
 * Python wheels next. Inside a store session (the shared store lock the caller holds), it
 *
 * 1. removes the store copies the plan found corrupt;
 * 2. downloads every artifact to fetch as a stream, counting bytes against a cap, checking BLAKE3
 *    and SHA-256 in the same pass, while the Sigstore bundles of the plan's `toVerify` are
 *    verified beside it (verify ∥ download);
 * 3. if anything failed, removes the blobs this run added (so a failed run leaves the store's
 *    blobs as they were) and reports the first error (a signature failure first);
 * 4. extracts the archives that are extracted (Mochi blobs), and touches every artifact used
 *    (the last-use record `cache prune` reads).
 *
 * The plan has already refused what the flags forbid (`--offline`, `--require-signatures`):
 * nothing here decides policy.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { createDualHasher } from "../store/digest.ts";
import { type FsStore, readFileChunks } from "../store/fs/fs_store.ts";
import { removeIfExists } from "../store/fs/fs_atomic.ts";
import { runPool } from "../concurrency.ts";
import type { Artifact, InstallPlan } from "./plan.ts";
import type { InstallEvent } from "./events.ts";
import { LIMITS } from "../limits.ts";

/** Attempts per artifact when the body is cut off mid-stream (cargo retries `partial_file`). */
export const BLOB_STREAM_ATTEMPTS = 3;

/** Default cap on one download when its size is not pinned: 1 GiB. */
export const DEFAULT_MAX_BLOB_BYTES: number = LIMITS.blobBytes;

/**
 * Where the store address (BLAKE3) of an artifact known by its SHA-256 only is recorded (a Rust
 * `.crate`: the cargo index and `mochi.lock` pin its SHA-256).
 */
export interface AddressBook {
  /**
   * The BLAKE3 recorded for a SHA-256.
   *
   * @param sha256 lowercase hex
   * @returns the BLAKE3 hex, or undefined when none is recorded
   */
  get(sha256: string): Promise<string | undefined>;
  /**
   * Records the BLAKE3 of a SHA-256 (after both were computed from the same bytes).
   *
   * @param sha256 lowercase hex
   * @param blake3 lowercase hex
   */
  set(sha256: string, blake3: string): Promise<void>;
}

/** How the executor gets an artifact's bytes and checks its signature. */
export interface ArtifactSource {
  /**
   * Opens the artifact's bytes.
   *
   * @param a the artifact
   * @returns its body
   */
  open(a: Artifact): Promise<ReadableStream<Uint8Array>>;
  /**
   * Verifies the artifact's Sigstore bundle against the lock (called for `plan.toVerify`).
   *
   * @param a the artifact
   * @returns CPU time spent verifying, in milliseconds
   */
  verify?(a: Artifact): Promise<number>;
  /**
   * Turns a failure of one artifact into the error to report (e.g. naming the index's digests
   * when the lock pins others).
   *
   * @param e the error
   * @param a the artifact
   * @returns the error to throw
   */
  explain?(e: unknown, a: Artifact): Promise<unknown>;
}

/** Options of {@link executePlan}. */
export interface ExecuteOptions {
  /** Parallel downloads. */
  concurrency: number;
  /** Cap on one artifact's bytes, counted while streaming. */
  maxBytes: number;
  /** SHA-256 → BLAKE3 of artifacts the lock pins by SHA-256 only (crates). */
  addresses: AddressBook;
  /** Progress callback. */
  onProgress?: (message: string) => void;
  /** Phases and items done, for a progress display. */
  onEvent?: (event: InstallEvent) => void;
  /** The time recorded by `touch`, epoch ms (tests); now by default. */
  nowMs?: number;
}

/** What {@link executePlan} did. */
export interface ExecuteReport {
  /** Artifacts downloaded, verified and stored this run. */
  fetched: number;
  /** Artifacts that were already in the store. */
  cached: number;
  /** Bytes downloaded. */
  bytes: number;
  /** Sigstore bundles verified. */
  verifiedSignatures: number;
  /** CPU time spent verifying bundles, ms. */
  verifyMs: number;
}

/**
 * The store address of an artifact: the BLAKE3 the lock pins, else the one recorded for its
 * SHA-256.
 *
 * @param a the artifact
 * @param addresses the SHA-256 → BLAKE3 records
 * @returns the BLAKE3 hex, or undefined when it was never stored
 */
export async function addressOf(
  a: Artifact,
  addresses: AddressBook,
): Promise<string | undefined> {
  return a.blake3 ?? await addresses.get(a.sha256);
}

/**
 * What the store holds for each artifact (the `storeState` of `planFetch`): every blob found is
 * re-hashed (never trusted because of its path).
 *
 * @param artifacts the artifacts
 * @param store the store
 * @param addresses SHA-256 → BLAKE3 records (crates)
 * @returns SHA-256 → `"ok"`, `"missing"` or `"corrupt"`
 */
export async function readStoreState(
  artifacts: readonly Artifact[],
  store: FsStore,
  addresses: AddressBook,
): Promise<Map<string, "ok" | "missing" | "corrupt">> {
  const states = new Map<Artifact, "ok" | "missing" | "corrupt">();
  // A few at a time: each check is an lstat and one read, mostly waiting on the file system.
  await runPool(artifacts, 8, async (a) => {
    const b3 = await addressOf(a, addresses);
    states.set(a, b3 === undefined ? "missing" : await store.checkBlob(b3));
  });
  // In the artifacts' order, whatever order the checks finished in.
  const out = new Map<string, "ok" | "missing" | "corrupt">();
  for (const a of artifacts) out.set(a.sha256, states.get(a)!);
  return out;
}

/**
 * Carries out a plan (see the module doc).
 *
 * @param plan the plan ({@link planFetch})
 * @param store the store, opened in this run's session (`workDir`)
 * @param source how to get bytes and verify signatures
 * @param options concurrency, cap, address book, progress
 * @returns counts
 * @throws {MochiError} `BLOB_E001` (`RUST_E004` for a crate, `PY_E012` for a wheel) when bytes do not match the
 *   pinned digests; `BLOB_E004` over the cap; `BLOB_E002` cut off after
 *   {@link BLOB_STREAM_ATTEMPTS} attempts; whatever `source.verify` throws; archive errors from
 *   extraction. Blobs added by this run are removed before the error is thrown.
 */
export async function executePlan(
  plan: InstallPlan,
  store: FsStore,
  source: ArtifactSource,
  options: ExecuteOptions,
): Promise<ExecuteReport> {
  const report: ExecuteReport = {
    fetched: 0,
    cached: plan.cached.length,
    bytes: 0,
    verifiedSignatures: 0,
    verifyMs: 0,
  };
  for (const a of plan.corrupt) {
    const b3 = await addressOf(a, options.addresses);
    if (b3 === undefined) continue;
    options.onProgress?.(`store copy of ${a.label} no longer matches ${b3}: fetching again`);
    await store.removeBlob(b3);
  }
  const verifyAll = async (): Promise<void> => {
    if (plan.toVerify.length === 0 || source.verify === undefined) return;
    const verify = source.verify.bind(source);
    options.onEvent?.({ kind: "phase", phase: "verify", total: plan.toVerify.length });
    await runPool(plan.toVerify, options.concurrency, async (a) => {
      const ms = await verify(a); // read the sum after the wait: verifications run side by side
      report.verifyMs += ms;
      report.verifiedSignatures++;
      options.onEvent?.({ kind: "step", phase: "verify", label: a.label });
    });
  };
  // Blobs this run adds: removed again if the run fails (a blob that does not match its digests
  // is never stored at all).
  const added: string[] = [];
  const used = new Map<Artifact, string>();
  // SHA-256 → BLAKE3 records learnt this run: written only once every artifact is in.
  const learned: [string, string][] = [];
  // One download per blob across processes sharing the store: under the blob's download lock,
  // a blob another process stored meanwhile is not fetched again. A blob whose lock is busy is
  // left for a second pass, so the others are fetched first.
  const deferred: Artifact[] = [];
  const fetchOne = (wait: boolean) => async (a: Artifact) => {
    const release = a.blake3 === undefined ? () => {} : await store.lockBlob(a.blake3, { wait });
    if (release === undefined) {
      deferred.push(a);
      return;
    }
    try {
      if (a.blake3 !== undefined && await store.hasBlob(a.blake3)) {
        used.set(a, a.blake3);
        options.onProgress?.(`fetched ${a.label} (already stored by another process)`);
        options.onEvent?.({ kind: "step", phase: "download", label: a.label });
        return;
      }
      for (let attempt = 1;; attempt++) {
        // Opening retries on its own (the registry client's bounded retries); only a body cut
        // off mid-stream is fetched again here.
        const stream = await source.open(a);
        try {
          const put = await putArtifact(store, a, stream, options.maxBytes);
          used.set(a, put.blake3);
          if (put.written) added.push(put.blake3);
          if (a.blake3 === undefined) learned.push([a.sha256, put.blake3]);
          report.fetched++;
          report.bytes += put.sizeBytes;
          options.onEvent?.({
            kind: "step",
            phase: "download",
            label: a.label,
            sizeBytes: put.sizeBytes,
          });
          options.onProgress?.(
            `fetched ${a.label}${
              put.written ? " (stored)" : " (already stored by another process)"
            }${a.blake3 === undefined ? ` blake3 ${put.blake3.slice(0, 12)}…` : ""}`,
          );
          return;
        } catch (e) {
          const cut = e instanceof MochiError && e.code === "BLOB_E002";
          if (!cut || attempt >= BLOB_STREAM_ATTEMPTS) throw e;
          options.onProgress?.(`download of ${a.label} was cut off (attempt ${attempt}); retrying`);
        }
      }
    } catch (e) {
      throw source.explain ? await source.explain(e, a) : e;
    } finally {
      release();
    }
  };
  const fetchAll = async (): Promise<void> => {
    if (plan.toFetch.length > 0) {
      options.onEvent?.({ kind: "phase", phase: "download", total: plan.toFetch.length });
    }
    await runPool(plan.toFetch, options.concurrency, fetchOne(false));
    await runPool(deferred.splice(0), options.concurrency, fetchOne(true));
  };
  const [verified, fetched] = await Promise.allSettled([verifyAll(), fetchAll()]);
  if (verified.status === "rejected" || fetched.status === "rejected") {
    for (const b3 of added) await store.removeBlob(b3).catch(() => {});
    throw verified.status === "rejected"
      ? verified.reason
      : (fetched as PromiseRejectedResult).reason;
  }
  for (const [sha256, b3] of learned) await options.addresses.set(sha256, b3);
  const all = [...plan.cached, ...plan.toFetch];
  const addresses = new Map<Artifact, string>();
  for (const a of all) {
    const b3 = used.get(a) ?? await addressOf(a, options.addresses);
    if (b3 !== undefined) addresses.set(a, b3);
  }
  await runPool(all.filter((a) => a.kind === "mochi"), 8, async (a) => {
    await store.extract(addresses.get(a)!);
  });
  for (const b3 of addresses.values()) await store.touch(b3, options.nowMs);
  return report;
}

/**
 * Streams one artifact into the store. When the lock pins the BLAKE3 the store checks both
 * digests as the bytes arrive ({@link FsStore.putBlob}); otherwise (crates) the bytes are staged
 * in the session with both digests computed and the cap counted while streaming, the SHA-256 is
 * compared with the lock's, and the staged file is then stored under its BLAKE3.
 */
async function putArtifact(
  store: FsStore,
  a: Artifact,
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<{ blake3: string; sizeBytes: number; written: boolean }> {
  if (a.blake3 !== undefined && a.kind !== "go-zip") {
    const put = await store.putBlob(
      stream,
      { blake3: a.blake3, sha256: a.sha256, maxBytes },
      a.label,
    );
    return { blake3: a.blake3, sizeBytes: put.sizeBytes, written: put.written };
  }
  await Deno.mkdir(store.workDir, { recursive: true });
  const staged = `${store.workDir}/${a.sha256}.${crypto.randomUUID().slice(0, 8)}.part`;
  const hasher = await createDualHasher();
  const reader = stream.getReader();
  let file: Deno.FsFile | undefined;
  try {
    file = await Deno.open(staged, { write: true, createNew: true, mode: 0o644 });
    while (true) {
      let step: ReadableStreamReadResult<Uint8Array>;
      try {
        step = await reader.read();
      } catch (e) {
        throw new MochiError(
          "BLOB_E002",
          `${a.label}: download failed after ${hasher.sizeBytes} bytes: ${
            (e as Error)?.message ?? e
          }`,
          { hint: "retry; if it keeps failing, the registry or network is unreliable", cause: e },
        );
      }
      if (step.done) break;
      const chunk = step.value;
      if (hasher.sizeBytes + chunk.byteLength > maxBytes) {
        throw new MochiError(
          "BLOB_E004",
          `${a.label}: the download streamed more than ${maxBytes} bytes; stopped reading ` +
            `(sha256 ${a.sha256})`,
          { hint: "the registry sent more data than any artifact may hold; nothing was stored" },
        );
      }
      await hasher.update(chunk);
      let off = 0;
      while (off < chunk.byteLength) off += await file.write(chunk.subarray(off));
    }
    file.close();
    file = undefined;
    const digest = await hasher.finish();
    if (digest.sha256 !== a.sha256 && a.kind === "wheel") {
      throw new MochiError(
        "PY_E012",
        `${a.name} ${a.version}: the downloaded wheel has SHA-256 ${digest.sha256}, but ` +
          `mochi.lock (from the index's sha256) says ${a.sha256}; it was not stored`,
        {
          hint: "the index or a proxy served other bytes; do not trust this mirror. If the " +
            "file was legitimately re-uploaded, run mochi lock --check to see the change",
        },
      );
    }
    if (a.kind === "go-zip") {
      // The lock pins the zip's BLAKE3 (computed from the bytes whose h1 the checksum database
      // proved when the entry was written); that is the check.
      if (digest.blake3 !== a.blake3) {
        throw new MochiError(
          "GO_E004",
          `${a.name}@${a.version}: the downloaded module zip has BLAKE3 ${digest.blake3}, but ` +
            `mochi.lock (zip-blake3) says ${a.blake3}; it was not stored`,
          {
            hint: "the module proxy served other bytes than the ones locked; do not trust it. " +
              "mochi lock --check shows what the proxy and checksum database say now",
          },
        );
      }
    } else if (digest.sha256 !== a.sha256) {
      throw new MochiError(
        "RUST_E004",
        `${a.name} ${a.version}: the downloaded .crate has SHA-256 ${digest.sha256}, but ` +
          `mochi.lock (checksum-sha256, from the index cksum) says ${a.sha256}; it was not stored`,
        {
          hint: "the registry or a proxy served other bytes; do not trust this mirror. If " +
            "the crate was legitimately republished, run mochi lock --check to see the change",
        },
      );
    }
    const put = await store.putBlob(
      await readFileChunks(staged),
      { blake3: digest.blake3, sha256: digest.sha256, sizeBytes: digest.sizeBytes },
      a.label,
    );
    return { blake3: digest.blake3, sizeBytes: digest.sizeBytes, written: put.written };
  } catch (e) {
    hasher.abort();
    await reader.cancel(e).catch(() => {});
    throw e;
  } finally {
    try {
      file?.close();
    } catch {
      // already closed
    }
    reader.releaseLock();
    await removeIfExists(staged).catch(() => {});
  }
}
