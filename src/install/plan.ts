/**
 * The install plan (uv's `Planner`): from the lockfile and what the store holds, the artifacts
 * that are cached, to fetch, corrupt (to replace) and to verify, and the refusals that follow
 * from the flags (`--offline`, `--require-signatures`) — all decided before any byte is
 * downloaded or deleted. The executor (`executor.ts`) then only acts on the plan.
 *
 * Pure: no `Deno.*`, no network.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import type { Lockfile } from "../lockfile/mod.ts";

/**
 * One downloadable artifact of a lock: a Mochi package blob, a Rust `.crate` file, a Go module
 * zip or a Python wheel.
 */
export interface Artifact {
  /**
   * `"mochi"` (a `[[package]]` blob), `"crate"` (a `[[rust-package]]` `.crate` file),
   * `"go-zip"` (a `[[go-package]]` module zip) or `"wheel"` (a `[[python-wheel]]` file).
   */
  readonly kind: "mochi" | "crate" | "go-zip" | "wheel";
  /** Package or crate name. */
  readonly name: string;
  /** Exact version. */
  readonly version: string;
  /** What it is in messages: `"name version"` or `"crate name version"`. */
  readonly label: string;
  /**
   * SHA-256 of the bytes, lowercase hex; the key of {@link StoreState}. A Go module zip, whose
   * lock entry pins its `h1:` and BLAKE3 but no SHA-256, carries its BLAKE3 here as the key (the
   * executor then checks the BLAKE3 only).
   */
  readonly sha256: string;
  /** BLAKE3 of the bytes (the store address) when the lock pins it (Mochi blobs). */
  readonly blake3?: string;
  /** Where it comes from: the registry URL (Mochi) or the cargo index URL (crates). */
  readonly source: string;
  /** The publisher the lock records (Mochi packages only); undefined when unsigned. */
  readonly signer?: { readonly signer: string; readonly signerIssuer: string };
}

/** What the store holds for one artifact, by its SHA-256: verified, absent, or damaged. */
export type StoreState = ReadonlyMap<string, "ok" | "missing" | "corrupt">;

/** Flags that change the plan. */
export interface PlanFlags {
  /** `--offline`/`--frozen`: nothing may be fetched. */
  readonly offline: boolean;
  /** `--require-signatures`: every Mochi package in the lock must be signed, cached or not. */
  readonly requireSignatures: boolean;
}

/** The work of one install, decided before any I/O (see the module doc). */
export interface InstallPlan {
  /** Artifacts already in the store, verified. */
  readonly cached: readonly Artifact[];
  /** Artifacts to download (missing or corrupt), in lock order. */
  readonly toFetch: readonly Artifact[];
  /** The subset of `toFetch` whose store copy no longer matches its address (removed first). */
  readonly corrupt: readonly Artifact[];
  /** The subset of `toFetch` whose Sigstore bundle is verified while it downloads. */
  readonly toVerify: readonly Artifact[];
  /** Labels of the Mochi packages of the lock that have no signer, sorted (cached ones too). */
  readonly unsigned: readonly string[];
}

/**
 * Every artifact a lock pins: its `[[package]]` blobs, then its `[[rust-package]]` crates, its
 * `[[go-package]]` zips, then its `[[python-wheel]]` wheels.
 *
 * @param lock the lockfile
 * @returns the artifacts, lock order
 * @throws {MochiError} `LOCK_E005` when a package has no registry source or no digests
 */
export function lockArtifacts(lock: Lockfile): Artifact[] {
  const out: Artifact[] = [];
  for (const p of lock.packages) {
    const label = `${p.name} ${p.version}`;
    // A path package is used where it is: nothing to fetch (local_sources.ts).
    if (p.source.startsWith("path+")) continue;
    const git = p.source.startsWith("git+");
    if (!p.source.startsWith("registry+") && !git) {
      throw new MochiError(
        "LOCK_E005",
        `mochi.lock gives ${label} the source ${p.source}, not a registry, path or git source`,
        { hint: "run mochi lock --refresh to rewrite mochi.lock from mochi.toml" },
      );
    }
    if (!p.blake3 || !p.sha256) {
      throw new MochiError(
        "LOCK_E005",
        `mochi.lock has no digests for ${label} (source ${p.source})`,
        { hint: "only registry packages can be installed; run mochi lock --refresh" },
      );
    }
    out.push({
      kind: "mochi",
      name: p.name,
      version: p.version,
      label,
      sha256: p.sha256,
      blake3: p.blake3,
      // Registry packages: the index URL; git packages: the whole `git+…#<commit>` source.
      source: git ? p.source : p.source.slice("registry+".length),
      ...(p.signer !== undefined
        ? { signer: { signer: p.signer, signerIssuer: p.signerIssuer ?? "" } }
        : {}),
    });
  }
  for (const c of lock.rustPackages ?? []) {
    // Git and path crates are built from their locked commit or directory by cargo itself;
    // only registry `.crate` files are downloaded.
    if (c.source.kind !== "registry") continue;
    out.push({
      kind: "crate",
      name: c.name,
      version: c.version,
      label: `crate ${c.name} ${c.version}`,
      sha256: c.checksumSha256,
      source: c.source.index,
    });
  }
  for (const g of lock.goPackages ?? []) {
    out.push({
      kind: "go-zip",
      name: g.module,
      version: g.version,
      label: `go ${g.module} ${g.version}`,
      sha256: g.zipBlake3,
      blake3: g.zipBlake3,
      source: g.source.url,
    });
  }
  for (const w of lock.pythonWheels ?? []) {
    out.push({
      kind: "wheel",
      name: w.name,
      version: w.version,
      label: `python ${w.name} ${w.version}`,
      sha256: w.sha256,
      source: w.index,
    });
  }
  return out;
}

/**
 * Plans the fetch of a set of artifacts (uv's `Planner::build`): which are cached, which to
 * fetch, which are corrupt, which bundles to verify; then refuses, before any I/O, what the flags
 * forbid.
 *
 * @param artifacts the artifacts ({@link lockArtifacts}, or a subset: only crates for `fetch`)
 * @param store what the store holds for each, by SHA-256 (absent key = missing)
 * @param flags `offline`, `requireSignatures`
 * @returns the {@link InstallPlan}
 * @throws {MochiError} `SIG_E009` with `requireSignatures` when any Mochi package is unsigned
 *   (even one already in the store: signature state belongs to the lock, not the download);
 *   `BLOB_E007` offline when anything must be fetched (corrupt ones included: nothing is
 *   deleted first)
 *
 * @example
 * ```ts
 * import { planFetch } from "./plan.ts";
 * import { deepEqual as assertEquals } from "node:assert/strict";
 * const a = { kind: "crate", name: "cc", version: "1.0.0", label: "crate cc 1.0.0", sha256: "a".repeat(64), source: "x" } as const;
 * const plan = planFetch([a], new Map(), { offline: false, requireSignatures: false });
 * assertEquals(plan.toFetch.length, 1);
 * ```
 */
export function planFetch(
  artifacts: readonly Artifact[],
  store: StoreState,
  flags: PlanFlags,
): InstallPlan {
  const cached: Artifact[] = [];
  const toFetch: Artifact[] = [];
  const corrupt: Artifact[] = [];
  for (const a of artifacts) {
    const state = store.get(a.sha256) ?? "missing";
    if (state === "ok") cached.push(a);
    else {
      toFetch.push(a);
      if (state === "corrupt") corrupt.push(a);
    }
  }
  const unsigned = artifacts.filter((a) =>
    a.kind === "mochi" && a.signer === undefined && !a.source.startsWith("git+")
  )
    .map((a) => a.label).sort();
  if (flags.offline && toFetch.length > 0) {
    const first = toFetch[0]!;
    const what = toFetch.every((a) => a.kind === "crate")
      ? "crate(s)"
      : toFetch.every((a) => a.kind === "wheel")
      ? "wheel(s)"
      : "package(s)";
    throw new MochiError(
      "BLOB_E007",
      `${toFetch.length} ${what} are not in the store and --offline forbids fetching them ` +
        `(first: ${first!.name} ${first.version})`,
      {
        hint: first!.kind !== "mochi"
          ? "run mochi fetch once without --offline/--frozen"
          : "run once without --offline/--frozen to fill the store",
      },
    );
  }
  if (flags.requireSignatures && unsigned.length > 0) {
    throw new MochiError(
      "SIG_E009",
      `${unsigned.length} package(s) have no signature: ${unsigned.join(", ")}`,
      {
        hint:
          "drop --require-signatures to install them with a warning, or depend on signed versions",
      },
    );
  }
  return {
    cached,
    toFetch,
    corrupt,
    toVerify: toFetch.filter((a) => a.signer !== undefined),
    unsigned,
  };
}
