/**
 * Mochi package blobs as an {@link ArtifactSource} of the executor: bytes from the registry the
 * lock names, Sigstore bundles verified against the publisher in the lock, and the check of a
 * reused lock against the registry index (cargo's "checksum changed" rule).
 *
 * @module
 */
import { sha256Hex } from "../store/digest.ts";
import { MochiError } from "../errors.ts";
import { writeFileAtomic } from "../store/fs/fs_atomic.ts";
import type { IndexRecord } from "../index/mod.ts";
import type { LockedPackage, Lockfile } from "../lockfile/mod.ts";
import type { RegistryClient } from "../registry/client/index_client.ts";
import { readAtMost } from "../registry/client/_bounded_read.ts";
import { runPool } from "../concurrency.ts";
import type { Artifact } from "./plan.ts";
import type { ArtifactSource } from "./executor.ts";
import { lockRecordError, lockRecordMismatch } from "./decision.ts";
import { type VerifiedRecords, verifyLockedPackageOnce } from "./signatures.ts";
import { type VerifyPool, verifyPool } from "./_verify_pool.ts";
import { LIMITS } from "../limits.ts";

/** Largest Sigstore bundle install reads, in bytes. */
export const MAX_BUNDLE_BYTES: number = LIMITS.bundleBytes;

async function readBundleText(stream: ReadableStream<Uint8Array>, label: string): Promise<string> {
  const bytes = await readAtMost(stream, {
    bytes: MAX_BUNDLE_BYTES,
    error: () =>
      new MochiError(
        "SIG_E001",
        `${label}: its Sigstore bundle is larger than ${MAX_BUNDLE_BYTES} bytes`,
        {
          hint:
            "the registry serves something that is not a bundle; nothing was added to the store",
        },
      ),
  });
  return new TextDecoder().decode(bytes);
}

/** Options of {@link mochiArtifactSource}. */
export interface MochiSourceOptions {
  /** The client of a registry URL. */
  client(url: string): RegistryClient;
  /** The lock being installed (its packages carry the signers). */
  lock: Lockfile;
  /** Whether the lock was reused (then a failed blob is explained against the index). */
  lockReused: boolean;
  /** Trusted root JSON; the public-good root when undefined. */
  trustedRootJson?: string;
  /**
   * The store's records of verified bundles: a bundle verified before (same bundle, blob,
   * publisher and trusted root) is not verified again. Every bundle is verified when omitted.
   */
  verified?: VerifiedRecords;
  /** Progress callback. */
  onProgress?: (message: string) => void;
}

/**
 * The executor's source for Mochi package blobs.
 *
 * @param o registry clients, the lock, whether it was reused, trusted root, progress
 * @returns the source (open the blob; verify the bundle; explain a failure against the index)
 */
export function mochiArtifactSource(o: MochiSourceOptions): ArtifactSource & Disposable {
  const byId = new Map<string, LockedPackage>();
  for (const p of o.lock.packages) byId.set(`${p.name} ${p.version}`, p);
  const locked = (a: Artifact): LockedPackage => byId.get(`${a.name} ${a.version}`)!;
  // Bundles are verified in Workers beside the downloads, started on the first bundle that has
  // to be verified (with the store's records, only bundles not verified before are).
  let pool: VerifyPool | undefined;
  const spentMs = new Map<string, number>(); // a bundle's verification time in its Worker
  const inPool = async (p: LockedPackage, bundleJson: string, root: string | undefined) => {
    spentMs.set(
      `${p.name} ${p.version}`,
      await (pool ??= verifyPool()).verify(p, bundleJson, root),
    );
  };
  return {
    open: (a) => o.client(a.source).fetchBlob(a.blake3!),
    async verify(a) {
      let stream: ReadableStream<Uint8Array>;
      try {
        stream = await o.client(a.source).fetchBundle(a.blake3!);
      } catch (e) {
        if (!(e instanceof MochiError) || e.code !== "BLOB_E002") throw e;
        throw new MochiError(
          "BLOB_E002",
          `${a.label} is signed (mochi.lock or the index says so), but its Sigstore bundle could not be fetched: ${e.message}`,
          {
            hint:
              "the registry must serve <blake3>.sigstore next to the blob; nothing was added to the store",
            cause: e,
          },
        );
      }
      const bundleJson = await readBundleText(stream, a.label);
      const t = performance.now();
      let how: "verified" | "recorded" = "verified";
      if (o.verified === undefined) await inPool(locked(a), bundleJson, o.trustedRootJson);
      else {how = await verifyLockedPackageOnce(
          locked(a),
          bundleJson,
          o.trustedRootJson,
          o.verified,
          inPool,
        );}
      // Time spent verifying: in the Worker when it verified (not the wait for it), else here.
      const ms = spentMs.get(`${a.name} ${a.version}`) ?? performance.now() - t;
      spentMs.delete(`${a.name} ${a.version}`);
      o.onProgress?.(
        how === "verified"
          ? `verified the signature of ${a.label} (${a.signer?.signer})`
          : `signature of ${a.label} (${a.signer?.signer}) verified before (store record)`,
      );
      return ms;
    },
    async explain(e, a) {
      if (!o.lockReused) return e;
      return await lockVersusIndex(e, locked(a), o.client(a.source));
    },
    /** Ends the signature Workers. */
    [Symbol.dispose]() {
      pool?.close();
      pool = undefined;
    },
  };
}

/**
 * When a locked blob cannot be fetched or verified, say whether the registry index now records
 * other digests for that version (`BLOB_E009`); otherwise the original error is returned.
 */
async function lockVersusIndex(
  e: unknown,
  p: LockedPackage,
  registry: RegistryClient,
): Promise<unknown> {
  if (!(e instanceof MochiError) || (e.code !== "BLOB_E001" && e.code !== "BLOB_E002")) return e;
  let rec: { blake3: string; sha256: string } | undefined;
  try {
    rec = (await registry.records(p.name))?.find((r) => r.version === p.version);
  } catch {
    return e; // the index is unreachable too: the original error says enough
  }
  if (!rec || (rec.blake3 === p.blake3 && rec.sha256 === p.sha256)) return e;
  return new MochiError(
    "BLOB_E009",
    `${p.name} ${p.version}: mochi.lock pins blake3 ${p.blake3} sha256 ${p.sha256}, but the ` +
      `registry index now records blake3 ${rec.blake3} sha256 ${rec.sha256}, and the locked ` +
      `blob could not be installed: ${e.message}`,
    {
      hint: "the version was re-published with other bytes (or the registry is compromised). " +
        "If you trust the new bytes, run mochi lock --refresh",
      cause: e,
    },
  );
}

/** Index errors that mean "could not be checked" rather than "wrong". */
const UNREACHABLE = new Set(["INDEX_E004", "INDEX_E005", "INDEX_E006", "INDEX_E008", "BLOB_E007"]);

/**
 * Compares every package of a reused lock with the index record of its version, from the
 * registry the lock names: digests, capabilities and publisher must agree (cargo refuses a lock
 * whose checksum differs from the index's; a lock is the authority for the capability grant, so
 * an edited lock must not widen it). Registries that cannot be reached (or `--offline` without a
 * cached index file) leave their packages unchecked, and those are returned.
 *
 * @param lock the reused lockfile
 * @param client the client of a registry URL
 * @param lockPath path of `mochi.lock`, for errors
 * @param concurrency parallel index reads
 * @returns the packages that could not be checked (`name version`), sorted
 * @throws {MochiError} `BLOB_E009` (digests) or `LOCK_E008` (not listed, capabilities,
 *   publisher) for the first disagreement, by name; index errors other than unreachability
 */
export async function checkLockAgainstIndex(
  lock: Lockfile,
  client: (url: string) => RegistryClient,
  lockPath: string,
  concurrency = 16,
): Promise<string[]> {
  const byName = new Map<string, LockedPackage[]>();
  for (const p of lock.packages) {
    // Path and git packages have no index record: their checks are local_sources.ts's.
    if (!p.source.startsWith("registry+")) continue;
    const list = byName.get(p.name) ?? [];
    list.push(p);
    byName.set(p.name, list);
  }
  const unchecked: string[] = [];
  const found: { code: "BLOB_E009" | "LOCK_E008"; reason: string; name: string }[] = [];
  await runPool([...byName.keys()], concurrency, async (name) => {
    const pkgs = byName.get(name)!;
    // Every package of one name comes from one registry (the router's rule); check each anyway.
    for (const p of pkgs) {
      let records: IndexRecord[] | null;
      try {
        records = await client(p.source.slice("registry+".length)).records(name);
      } catch (e) {
        if (e instanceof MochiError && UNREACHABLE.has(e.code)) {
          unchecked.push(`${p.name} ${p.version}`);
          continue;
        }
        throw e;
      }
      const rec = records?.find((r) => r.version === p.version);
      const mismatch = lockRecordMismatch(p, rec);
      if (mismatch !== undefined) found.push({ ...mismatch, name });
    }
  });
  if (found.length > 0) {
    found.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    throw lockRecordError(found[0]!, lockPath);
  }
  return unchecked.sort();
}

/**
 * Where the record "this exact lock was checked against these registries' index" lives:
 * `<stateDir>/checked-locks/<sha256 of the lock text and the registry URLs>`. A no-op install of
 * an unchanged lock then reads no index file (as cargo reads none for a lock it already uses);
 * any edit to the lock (a hostile diff included) changes the name, so the edited lock is checked.
 *
 * @param stateDir `$MOCHI_HOME/state`
 * @param lockText the exact text of `mochi.lock`
 * @param registries the configured registry URLs
 * @returns the record's path
 */
export function checkedLockPath(
  stateDir: string,
  lockText: string,
  registries: readonly string[],
): string {
  let text = lockText;
  for (const url of [...registries].sort()) text += `\n${url}`;
  return `${stateDir}/checked-locks/${sha256Hex(text)}`;
}

/**
 * Whether {@link checkedLockPath} records a completed check.
 *
 * @param path the record's path
 * @returns true when the record is a regular file
 */
export async function lockWasChecked(path: string): Promise<boolean> {
  try {
    return (await Deno.lstat(path)).isFile;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Records that a lock agreed with the index (every package checked), atomically; a failure to
 * write only means the next run checks again.
 *
 * @param path the record's path ({@link checkedLockPath})
 */
export async function rememberLockChecked(path: string): Promise<void> {
  try {
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await writeFileAtomic(path, new TextEncoder().encode(`${new Date().toISOString()}\n`));
  } catch {
    // not recorded: checked again next time
  }
}
