/**
 * The pure decisions of `install` and `lock`, taken before any I/O: reuse `mochi.lock` or
 * resolve (and why), the one `LOCK_E002` refusal, and the check of a reused lock against the
 * registry index (cargo's "checksum changed" rule, lockfile-lint's allowed sources).
 *
 * No `Deno.*`, no network: every function here takes values and returns a value or throws.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import type { Manifest } from "../manifest/mod.ts";
import type { IndexRecord } from "../index/mod.ts";
import { type LockedPackage, type Lockfile, lockSatisfiesManifest } from "../lockfile/mod.ts";
import { lockSourceProblem, type RegistrySource, registrySourceId } from "./sources.ts";
import { signerOfRecord } from "./signatures.ts";

/** Reuse the lock as it is, or resolve, with the reason (for `--locked` and `--verbose`). */
export type LockDecision =
  | { readonly action: "reuse" }
  | { readonly action: "resolve"; readonly reason: string };

/** What {@link decideLock} looks at. */
export interface LockDecisionInput {
  /** The parsed `mochi.lock`, or undefined when there is none. */
  readonly lock: Lockfile | undefined;
  /** The parsed manifest. */
  readonly manifest: Manifest;
  /** `computeManifestHash(manifest)`. */
  readonly manifestHash: string;
  /** Dependency name → registry URL the manifest names (`pinnedRegistries`). */
  readonly pinned: ReadonlyMap<string, string>;
  /** `--refresh`: resolve even when the lock still satisfies the manifest. */
  readonly refresh?: boolean | undefined;
}

/**
 * Decides whether `install` can reuse `mochi.lock` or must resolve (cargo and uv reuse a lock
 * that still satisfies the manifest). Reasons, in order: no lock, `--refresh`, a dependency the
 * manifest moved to another registry, then {@link lockSatisfiesManifest}'s first reason.
 *
 * @param input the lock, manifest, manifest hash, manifest registry pins and `refresh`
 * @returns the decision; `reason` is one line naming the package or the cause
 *
 * @example
 * ```ts
 * import { decideLock } from "./decision.ts";
 * import { deepEqual as assertEquals } from "node:assert/strict";
 * const d = decideLock({ lock: undefined, manifest: {} as never, manifestHash: "", pinned: new Map() });
 * assertEquals(d, { action: "resolve", reason: "mochi.lock does not exist" });
 * ```
 */
export function decideLock(input: LockDecisionInput): LockDecision {
  const { lock } = input;
  if (lock === undefined) return { action: "resolve", reason: NO_LOCK };
  if (input.refresh) return { action: "resolve", reason: "a refresh was requested (--refresh)" };
  const moved = lockSourceProblem(lock, input.pinned);
  if (moved !== undefined) return { action: "resolve", reason: moved };
  const verdict = lockSatisfiesManifest(lock, input.manifest, input.manifestHash);
  return verdict.ok ? { action: "reuse" } : { action: "resolve", reason: verdict.reason };
}

/**
 * The one `LOCK_E002` error: `mochi.lock` would change but `--locked`, `--frozen` or
 * `lock --check` forbids it. `install`, `lock`, `lock --check` and `fetch` all build it here, so
 * the text is the same everywhere.
 *
 * @param lockPath path of `mochi.lock`
 * @param reason why it would change (one line, or a line and indented change lines)
 * @param alsoHint what else the command allows (e.g. `"or --no-lock to leave the lock alone"`)
 * @param nextStep the next step, instead of the default "run the command again without
 *   --locked/--frozen to update it" (`lock --check`: `"run mochi lock to update it"`)
 * @returns the error to throw
 */
export function lockWouldChange(
  lockPath: string,
  reason: string,
  alsoHint?: string,
  nextStep = "run the command again without --locked/--frozen to update it",
): MochiError {
  return new MochiError("LOCK_E002", `mochi.lock needs to be updated: ${reason}`, {
    hint: nextStep + (alsoHint ? ` (${alsoHint})` : ""),
    file: lockPath,
  });
}

/** Reason given when there is no `mochi.lock` ({@link decideLock}, `lock --check`). */
export const NO_LOCK = "mochi.lock does not exist";

/**
 * The `LOCK_E002` of `mochi lock --check` when the lock on disk is not what resolution gives:
 * the changes, else (no package changes) that there is no lock, or that it was written for
 * another mochi.toml. Built with {@link lockWouldChange}, so the text is the one of `--locked`.
 *
 * @param lockPath path of `mochi.lock`
 * @param lockExists whether a `mochi.lock` file exists
 * @param changes the change lines (`LockReport.changes`)
 * @returns the error to throw
 *
 * @example
 * ```ts
 * import { lockCheckError } from "./decision.ts";
 * import { equal } from "node:assert/strict";
 * equal(
 *   lockCheckError("/p/mochi.lock", false, []).message,
 *   "mochi.lock needs to be updated: mochi.lock does not exist",
 * );
 * ```
 */
export function lockCheckError(
  lockPath: string,
  lockExists: boolean,
  changes: readonly string[],
): MochiError {
  if (changes.length > 0) {
    return lockWouldChange(
      lockPath,
      [`${changes.length} change(s)`, ...changes.map((c) => `  ${c}`)].join("\n"),
      undefined,
      "run mochi lock to update it",
    );
  }
  return lockExists
    ? lockWouldChange(
      lockPath,
      "no package changes, but it was written for another mochi.toml",
      undefined,
      "run mochi lock to update it",
    )
    : lockWouldChange(lockPath, NO_LOCK, undefined, "run mochi lock to create it");
}

/** Reason given when the lock's bytes differ from the canonical form of the same lock. */
export const NOT_CANONICAL =
  "it is not in the canonical form mochi writes (edited by hand or by another tool)";

/**
 * Refuses a lock whose registry packages name a `source` that no configured registry has
 * (lockfile-lint's allowed hosts): blobs would be fetched from a registry the manifest never
 * chose. Packages the lock takes from configured registries pass.
 *
 * @param lock the lockfile
 * @param registries the configured registries (manifest default or `MOCHI_REGISTRY`, alternates)
 * @param lockPath path of `mochi.lock`, for the error
 * @throws {MochiError} `SOURCE_E002` naming the first such package (sorted by name) and its
 *   source
 */
export function refuseUnconfiguredSources(
  lock: Lockfile,
  registries: readonly RegistrySource[],
  lockPath: string,
): void {
  const allowed = new Set(registries.map((r) => registrySourceId(r.url)));
  const bad = lock.packages.filter((p) =>
    p.source.startsWith("registry+") && !allowed.has(p.source)
  )
    .sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  if (bad.length === 0) return;
  const p = bad[0]!;
  throw new MochiError(
    "SOURCE_E002",
    `mochi.lock takes ${p!.name} ${p!.version} from ${p.source}, a registry that mochi.toml ` +
      `does not configure${bad.length > 1 ? ` (and ${bad.length - 1} more package(s))` : ""}`,
    {
      hint: "if you trust that registry, add it as [[registry.alternate]] in mochi.toml; " +
        "otherwise run `mochi lock --refresh` to take the packages from the configured ones",
      file: lockPath,
    },
  );
}

/**
 * Why a locked package disagrees with the index record of its version, or undefined when they
 * agree: the digests (cargo refuses a lock whose checksum differs from the index's), the
 * capabilities (the lock is the authority for the grant, so it must not be wider, nor narrower,
 * than what was published), and the publisher (a signed release must stay signed in the lock).
 *
 * @param p the locked package
 * @param rec the index record of the same version, or undefined when the index does not list it
 * @returns a one-line reason, or undefined
 */
export function lockRecordMismatch(
  p: LockedPackage,
  rec: IndexRecord | undefined,
): { code: "BLOB_E009" | "LOCK_E008"; reason: string } | undefined {
  const id = `${p.name} ${p.version}`;
  if (rec === undefined) {
    return { code: "LOCK_E008", reason: `the registry index does not list ${id}` };
  }
  if (rec.blake3 !== p.blake3 || rec.sha256 !== p.sha256) {
    return {
      code: "BLOB_E009",
      reason: `${id}: mochi.lock pins blake3 ${p.blake3} sha256 ${p.sha256}, but the registry ` +
        `index records blake3 ${rec.blake3} sha256 ${rec.sha256}`,
    };
  }
  const want = [...rec.capabilities].sort().join(", ");
  const have = [...p.capabilities].sort().join(", ");
  if (want !== have) {
    return {
      code: "LOCK_E008",
      reason: `${id}: mochi.lock grants capabilities [${have}], but the registry index ` +
        `records [${want}]`,
    };
  }
  const signer = signerOfRecord(rec);
  if (
    signer !== undefined && (p.signer !== signer.signer || p.signerIssuer !== signer.signerIssuer)
  ) {
    return {
      code: "LOCK_E008",
      reason: `${id}: mochi.lock records the publisher ${p.signer ?? "nobody (unsigned)"}, but ` +
        `the registry index records ${signer.signer} (issuer ${signer.signerIssuer})`,
    };
  }
  return undefined;
}

/**
 * The error for {@link lockRecordMismatch}'s first finding.
 *
 * @param found the code and reason
 * @param lockPath path of `mochi.lock`
 * @returns `BLOB_E009` (digests) or `LOCK_E008` (listing, capabilities, publisher)
 */
export function lockRecordError(
  found: { code: "BLOB_E009" | "LOCK_E008"; reason: string },
  lockPath: string,
): MochiError {
  return new MochiError(
    found.code,
    `mochi.lock disagrees with the registry index: ${found.reason}`,
    {
      hint: "someone edited mochi.lock, or the registry changed a published version; nothing was " +
        "installed. Review the lock's history; `mochi lock --refresh` rewrites it from the index",
      file: lockPath,
    },
  );
}
