/**
 * The one catalogue of mochi pkg error codes.
 *
 * Every failure mochi pkg reports carries a stable code from {@link ERROR_CATALOGUE}. The code
 * decides the process exit status (`cli.ts` is the only place that maps it):
 * `0` ok · `1` user or input error · `2` internal · `3` network or registry unavailable ·
 * `4` integrity or security failure (docs/errors.md).
 *
 * Codes have the `<CATEGORY>_E<NNN>` shape (as rustc's `E0XXX`); the category names the concern
 * that owns it.
 *
 * @module
 */

/** Process exit status a code maps to (docs/errors.md). */
export type ExitStatus = 0 | 1 | 2 | 3 | 4;

/** One entry of the catalogue: the exit status and a one-line summary used in docs. */
export interface ErrorCodeInfo {
  /** Exit status of the CLI when this error ends a command. */
  readonly exit: ExitStatus;
  /** What the code means, one line, for `docs/errors.md`. */
  readonly summary: string;
}

/**
 * Every stable error code with its exit status and meaning.
 *
 * Adding a code: append it here (never renumber, never reuse); `docs/errors.md` is generated
 * from this table by `scripts/gen_error_docs.ts`.
 */
export const ERROR_CATALOGUE = {
  // Versions and requirements (src/semver)
  SEMVER_E001: { exit: 1, summary: "a version is not valid SemVer 2.0.0" },
  SEMVER_E002: { exit: 1, summary: "a requirement is not valid cargo requirement syntax" },

  // Python versions and specifiers (src/python: PEP 440 as pypa/packaging)
  PY_E001: { exit: 1, summary: "a version is not a valid PEP 440 version" },
  PY_E002: { exit: 1, summary: "a version specifier is not valid PEP 440 specifier syntax" },

  // Manifest (src/manifest)
  MANIFEST_E001: { exit: 1, summary: "mochi.toml is not valid TOML" },
  MANIFEST_E002: { exit: 1, summary: "unknown top-level table in mochi.toml" },
  MANIFEST_E003: { exit: 1, summary: "invalid package name" },
  MANIFEST_E004: {
    exit: 1,
    summary: "a required [package] field is missing or has the wrong type",
  },
  MANIFEST_E005: { exit: 1, summary: "invalid [package] version" },
  MANIFEST_E006: { exit: 1, summary: "invalid dependency requirement" },
  MANIFEST_E007: { exit: 1, summary: "invalid dependency entry (wrong type or conflicting keys)" },
  MANIFEST_E008: { exit: 1, summary: "unknown or invalid capability" },
  MANIFEST_E009: { exit: 1, summary: "invalid [registry] table" },
  MANIFEST_E010: { exit: 1, summary: "invalid allow-multi-version value" },
  MANIFEST_E011: { exit: 1, summary: "mochi.toml not found" },
  MANIFEST_E012: { exit: 1, summary: "invalid edition" },
  MANIFEST_E013: { exit: 1, summary: "a known mochi.toml table or key has the wrong type" },

  // Solver (src/solver)
  SOLVER_E001: { exit: 1, summary: "the solver's watchdog stopped a pathological solve" },
  SOLVER_E002: { exit: 1, summary: "no set of versions satisfies the requirements" },
  SOLVER_E003: { exit: 1, summary: "a dependency provider failed while the solver asked it" },

  // Lockfile (src/lockfile)
  LOCK_E001: { exit: 1, summary: "mochi.lock is stale: the manifest changed" },
  LOCK_E002: { exit: 1, summary: "mochi.lock would change but --locked or --frozen was given" },
  LOCK_E003: { exit: 1, summary: "mochi.lock was written by a newer mochi" },
  LOCK_E004: { exit: 1, summary: "mochi.lock has no format version" },
  LOCK_E005: { exit: 1, summary: "mochi.lock is malformed or misses a required field" },
  LOCK_E006: { exit: 1, summary: "a package newly requires a capability that was not accepted" },
  LOCK_E007: { exit: 1, summary: "mochi.lock contains merge-conflict markers" },
  LOCK_E008: {
    exit: 4,
    summary: "mochi.lock disagrees with the registry index (version not listed, capabilities, " +
      "publisher)",
  },

  // Index (src/index, index clients)
  INDEX_E001: { exit: 1, summary: "an index line is not valid JSON or misses a field" },
  INDEX_E002: { exit: 1, summary: "the package does not exist in the registry (404/410)" },
  INDEX_E003: { exit: 1, summary: "registry config.json is missing or invalid" },
  INDEX_E004: { exit: 3, summary: "the registry could not be reached after bounded retries" },
  INDEX_E005: { exit: 3, summary: "the registry kept rate-limiting (429) past the retry budget" },
  INDEX_E006: { exit: 1, summary: "the network is needed but --offline/--frozen forbids it" },
  INDEX_E007: { exit: 1, summary: "no registry is configured" },
  INDEX_E008: { exit: 3, summary: "the registry answered with an unexpected HTTP status" },
  INDEX_E009: { exit: 1, summary: "the registry URL is not http(s)://, file:// or a directory" },
  INDEX_E010: {
    exit: 4,
    summary: "an index file is larger than any index file may be (endless data)",
  },

  // Store and blobs (src/store)
  BLOB_E001: { exit: 4, summary: "a blob's bytes do not match its BLAKE3 or SHA-256 digest" },
  BLOB_E002: { exit: 3, summary: "a blob download ended early or failed" },
  BLOB_E003: { exit: 4, summary: "an archive holds an unsafe entry (link, device, escape path)" },
  BLOB_E004: { exit: 4, summary: "an archive entry or the whole archive exceeds a size limit" },
  BLOB_E005: { exit: 4, summary: "an archive is not valid zstd-compressed tar" },
  BLOB_E006: { exit: 4, summary: "a store object no longer matches its address (mochi verify)" },
  BLOB_E007: { exit: 1, summary: "a blob is not in the store and --offline forbids fetching it" },
  BLOB_E008: { exit: 1, summary: "a blob digest is not 64 lowercase hex characters" },
  BLOB_E009: {
    exit: 4,
    summary: "mochi.lock pins other digests than the registry index records for a version",
  },
  BLOB_E010: {
    exit: 3,
    summary: "a download stalled: no data for the idle timeout (MOCHI_HTTP_IDLE_TIMEOUT)",
  },
  BLOB_E011: {
    exit: 3,
    summary: "a download ran past its total deadline (MOCHI_HTTP_DEADLINE)",
  },

  // Rust bridge (src/rust, src/registry/client/cargo_index_client.ts)
  RUST_E001: { exit: 1, summary: "a cargo index file or line is malformed" },
  RUST_E002: {
    exit: 1,
    summary: "invalid Rust dependency in [targets.rust.ffi] or an import line",
  },
  RUST_E003: {
    exit: 1,
    summary: "[targets.rust.ffi] and an `import rust` line disagree about a crate",
  },
  RUST_E004: { exit: 4, summary: "a .crate file does not match its checksum (index or lock)" },
  RUST_E005: { exit: 1, summary: "two crates in the graph link the same native library" },
  RUST_E006: { exit: 3, summary: "a .crate download failed" },
  RUST_E007: { exit: 1, summary: "invalid cargo registry config.json or crates-io index URL" },
  RUST_E008: { exit: 1, summary: "the lock's Rust entries differ from a fresh resolution" },

  // Capabilities (src/capability)
  CAP_E001: { exit: 1, summary: "a package requires a capability outside the consumer's pin" },
  CAP_E002: { exit: 1, summary: "a patch release adds a capability" },
  CAP_E003: {
    exit: 1,
    summary: "unknown capability name, or a scope outside its grammar (`..`, shell characters)",
  },
  CAP_E004: { exit: 1, summary: "a target cannot honour a capability" },
  CAP_E005: { exit: 1, summary: "a capability scope cannot be expressed as a Deno permission" },
  CAP_E006: { exit: 1, summary: "the project's deno.json cannot be merged (not a JSON object)" },
  CAP_E007: { exit: 3, summary: "deno compile could not download its runtime (denort)" },
  CAP_E008: { exit: 1, summary: "deno compile failed" },
  CAP_E009: { exit: 1, summary: "unknown lowering target" },
  CAP_E010: { exit: 1, summary: "the entry module is not one plain word for deno task" },
  CAP_E011: {
    exit: 1,
    summary: "the program's module graph loads a local file outside the project and the store",
  },

  // Registry server
  REGISTRY_E001: { exit: 1, summary: "the registry directory is missing or has no config.json" },
  REGISTRY_E002: {
    exit: 1,
    summary: "a registry storage URL is not a directory or s3://bucket/prefix, or lacks settings",
  },
  REGISTRY_E003: {
    exit: 3,
    summary: "the registry's object storage failed, refused the request or did not answer in time",
  },
  REGISTRY_E004: {
    exit: 3,
    summary: "a compare-and-swap write to the registry storage kept conflicting; try again",
  },
  MIRROR_E001: {
    exit: 4,
    summary: "a mirror diverges from the primary registry's signed snapshot",
  },
  MIRROR_E002: {
    exit: 1,
    summary: "a registry cannot be mirrored: no snapshot key or snapshot, or it rolled back",
  },

  // Sigstore bundle verification (src/trust/sigstore)
  SIG_E001: { exit: 4, summary: "a Sigstore bundle is not valid JSON or not a valid bundle" },
  SIG_E002: { exit: 4, summary: "a Sigstore trusted root is malformed or incomplete" },
  SIG_E003: { exit: 4, summary: "the artifact does not match the bundle (digest or subject)" },
  SIG_E004: {
    exit: 4,
    summary: "a bundle's signature, certificate chain, log entry or timestamp does not verify",
  },
  SIG_E005: { exit: 4, summary: "the signer's identity (SAN or OIDC issuer) does not match" },
  SIG_E006: { exit: 1, summary: "an artifact digest is not sha256:<64 hex> or sha512:<128 hex>" },
  SIG_E007: { exit: 4, summary: "the bundle needs a feature this verifier does not support" },
  SIG_E008: {
    exit: 4,
    summary: "a package's publisher differs from the one recorded in mochi.lock (not accepted)",
  },
  SIG_E009: { exit: 4, summary: "a package has no signature and --require-signatures was given" },

  // Pack and publish (src/pack, src/publish, src/publish/client/, src/registry/server/publish_api.ts)
  PUB_E001: { exit: 1, summary: "the package is missing or has invalid fields needed to publish" },
  PUB_E002: {
    exit: 1,
    summary: "the package holds a symlink or special file, which cannot be packed",
  },
  PUB_E003: { exit: 1, summary: "the packed archive is larger than the size limit" },
  PUB_E004: { exit: 1, summary: "two packs of the same sources differ (--verify-reproducible)" },
  PUB_E005: {
    exit: 4,
    summary: "the registry refused the signer: it does not match the publisher binding",
  },
  PUB_E006: { exit: 1, summary: "this version is already published with other bytes (409)" },
  PUB_E007: { exit: 1, summary: "the registry rejected the package's manifest (422)" },
  PUB_E008: { exit: 4, summary: "the registry rejected the signature bundle (401)" },
  PUB_E009: { exit: 1, summary: "no OIDC identity token to sign with" },
  PUB_E010: {
    exit: 3,
    summary: "signing failed: Fulcio, Rekor or the OIDC token endpoint did not answer",
  },
  PUB_E011: {
    exit: 3,
    summary: "the registry has no publish API or answered with an unexpected status",
  },

  // Signed index snapshot: rollback, freeze, mix-and-match (src/index/snapshot.ts)
  SNAPSHOT_E001: { exit: 4, summary: "a registry's snapshot.json is malformed" },
  SNAPSHOT_E002: {
    exit: 4,
    summary: "snapshot.json's signature does not verify with the registry's pinned key",
  },
  SNAPSHOT_E003: {
    exit: 4,
    summary: "snapshot.json is older than one already seen (rollback) or reuses a version",
  },
  SNAPSHOT_E004: { exit: 4, summary: "snapshot.json has expired (possible freeze attack)" },
  SNAPSHOT_E005: {
    exit: 4,
    summary: "an index file does not match the registry's current snapshot (mix-and-match)",
  },
  SNAPSHOT_E006: {
    exit: 4,
    summary: "a registry's snapshot key changed, or a pinned registry stopped signing",
  },
  SNAPSHOT_E007: { exit: 1, summary: "a snapshot signing key file is missing or invalid" },
  // Registry sources and dependency confusion (src/install/sources.ts)
  SOURCE_E001: {
    exit: 1,
    summary: "a dependency names a registry the manifest does not configure",
  },
  SOURCE_E002: {
    exit: 4,
    summary: "mochi.lock takes a package from a registry that is configured nowhere",
  },
  // Package-name collisions and typosquatting (src/manifest/similar_names.ts)
  NAME_E001: {
    exit: 1,
    summary: "a package name collides with an existing or popular name (typosquatting guard)",
  },

  // Store lock, disk and cache maintenance (src/store/fs/store_lock.ts, mochi cache)
  STORE_E001: { exit: 1, summary: "the disk is full or the store or project is not writable" },
  STORE_E002: {
    exit: 4,
    summary: "a path inside the store is a symbolic link or of the wrong kind (planted)",
  },

  // Project commands: add, remove, update, init, new (src/install/add.ts, remove.ts, update.ts,
  // init.ts)
  PROJECT_E001: {
    exit: 1,
    summary: "no published version that is not yanked meets the requirement given to mochi add",
  },
  PROJECT_E002: { exit: 1, summary: "a package named on the command line is not in mochi.toml" },
  PROJECT_E003: { exit: 1, summary: "a package named on the command line is not in mochi.lock" },
  PROJECT_E004: {
    exit: 1,
    summary: "mochi init or mochi new would overwrite an existing mochi.toml or directory",
  },
  PROJECT_E005: {
    exit: 1,
    summary: "a .mochi source file is larger than the cap the import scan reads",
  },

  // CLI usage and internal
  CLI_E001: { exit: 1, summary: "unknown command or bad command-line arguments" },
  INTERNAL_E001: { exit: 2, summary: "an internal error (a bug in mochi pkg)" },
  CLI_E002: {
    exit: 1,
    summary: "the address to serve on is in use or cannot be bound (mochi registry serve)",
  },

  // Go modules: paths, versions, hashes, zips, go.mod, the checksum database (src/go/)
  GO_E001: {
    exit: 1,
    summary: "a Go module path, import path or file path breaks golang.org/x/mod/module's rules",
  },
  GO_E002: {
    exit: 1,
    summary: "a Go module version is invalid (semver, pseudo-version, escaping, major suffix)",
  },
  GO_E003: {
    exit: 4,
    summary: "a Go module zip breaks the module zip rules or a size or entry-count limit",
  },
  GO_E004: {
    exit: 4,
    summary: "a Go module's h1 hash differs from go.sum, the checksum database or mochi.lock",
  },
  GO_E005: { exit: 1, summary: "a checksum-database verifier or signer key is malformed" },
  GO_E006: {
    exit: 4,
    summary: "a signed note is malformed, signed by no known key, or a signature does not verify",
  },
  GO_E007: {
    exit: 4,
    summary:
      "a transparency-log proof fails: a record is not in the tree or trees are inconsistent",
  },
  GO_E008: {
    exit: 4,
    summary: "a transparency-log tree head, tile, tile path or record is malformed",
  },
  GO_E009: { exit: 1, summary: "a go.mod file is malformed" },
  GO_E010: {
    exit: 1,
    summary:
      "the Go module graph cannot be built: a go.mod has no module line or declares another module path, or the main module requires an invalid version",
  },
  GO_E011: {
    exit: 1,
    summary: "invalid Go module or version query in [targets.go.ffi] or an `import go` line",
  },
  GO_E012: {
    exit: 1,
    summary: "[targets.go.ffi] and an `import go` line disagree about a module",
  },
  GO_E013: {
    exit: 1,
    summary: "the module proxy has no such module or version (404/410), or no version matches",
  },
  GO_E014: { exit: 3, summary: "the module proxy or checksum database could not be reached" },
  GO_E015: {
    exit: 1,
    summary: "invalid or missing GOPROXY/GOSUMDB setting (direct and off are refused)",
  },
  GO_E016: {
    exit: 4,
    summary: "a module's go.sum lines are missing from the checksum database's signed tree",
  },
  GO_E017: {
    exit: 4,
    summary: "the checksum database's tree is not consistent with the one seen before",
  },
  GO_E018: {
    exit: 4,
    summary: "the module proxy or checksum database sent a malformed or oversized answer",
  },

  // Python bridge: requirements, core metadata, the PEP 691 index (src/python)
  PY_E003: { exit: 1, summary: "a Python requirement is not valid PEP 508" },
  PY_E004: {
    exit: 1,
    summary: "a Python distribution's core metadata is malformed or larger than the cap",
  },
  PY_E005: { exit: 1, summary: "a Python index page is not valid PEP 691 JSON" },
  PY_E006: { exit: 1, summary: "the Python index has no core metadata (PEP 658) for a file" },
  PY_E007: {
    exit: 4,
    summary: "a core-metadata file does not match the SHA-256 its index page gives",
  },
  PY_E008: { exit: 1, summary: "no Python package index is configured" },
  PY_E009: { exit: 1, summary: "a direct URL Python requirement (not supported; use the index)" },

  // Python bridge: declaring, locking and fetching distributions (src/python, src/install)
  PY_E010: {
    exit: 1,
    summary: "an import python line or a [targets.python.ffi] entry is invalid",
  },
  PY_E011: {
    exit: 1,
    summary: "one Python distribution is required in two ways that disagree",
  },
  PY_E012: {
    exit: 4,
    summary: "a wheel does not match the SHA-256 its index published (pinned in mochi.lock)",
  },
  PY_E013: {
    exit: 1,
    summary:
      "the index does not serve a locked or picked wheel properly (not listed, no SHA-256, or a URL it may not send downloads to)",
  },

  // Supply-chain reports: advisories and mochi audit (src/audit)
  AUDIT_E001: { exit: 1, summary: "an advisory is not a valid OSV record" },
  AUDIT_E002: {
    exit: 1,
    summary: "the advisory database is missing, unreadable or not configured",
  },
  AUDIT_E003: {
    exit: 3,
    summary: "the advisory database URL cannot be reached or answers an error",
  },
  AUDIT_E004: { exit: 1, summary: "the advisory database is larger than a cap" },
  AUDIT_E005: {
    exit: 1,
    summary: "mochi audit fix: no version the requirements allow is fixed",
  },
  REBUILD_E001: {
    exit: 4,
    summary: "the published archive is not what its source packs to (mochi rebuild)",
  },
  REBUILD_E002: {
    exit: 1,
    summary: "the source for mochi rebuild cannot be cloned or checked out",
  },

  // Polyglot fan-out (src/fanout)
  FANOUT_E001: {
    exit: 1,
    summary: "a file path for a fan-out artifact is not a safe relative POSIX path, or repeats",
  },
  FANOUT_E002: {
    exit: 1,
    summary: "a Mochi version cannot be mapped to a target ecosystem's version scheme",
  },
  FANOUT_E003: {
    exit: 1,
    summary: "a dependency requirement cannot be mapped to a target ecosystem's range syntax",
  },
  FANOUT_E004: { exit: 1, summary: "a package name is not valid in a target ecosystem" },
  FANOUT_E005: {
    exit: 1,
    summary: "a Mochi dependency does not opt into the target being packed",
  },
  FANOUT_E006: {
    exit: 1,
    summary: "a declared capability cannot be honoured by a target ecosystem",
  },
  FANOUT_E007: {
    exit: 1,
    summary: "a target's compiler output (`out`) or an override is missing or unreadable",
  },
  FANOUT_E008: {
    exit: 1,
    summary: "a target's extra metadata is invalid for its ecosystem's packer",
  },
  FANOUT_E009: {
    exit: 3,
    summary: "a target registry cannot be reached, timed out, or answered a server error",
  },
  FANOUT_E010: { exit: 1, summary: "a target registry refused an upload" },
  FANOUT_E011: {
    exit: 1,
    summary: "an unknown target or ecosystem name, or a target that is not opted into",
  },
  FANOUT_E012: {
    exit: 1,
    summary:
      "a target registry URL cannot take an upload (not http(s), credentials in it, or a token over plain http)",
  },

  // Path and git sources (src/install/local_sources.ts, src/install/git_fetch.ts)
  GIT_E001: {
    exit: 3,
    summary: "git could not fetch a git source (unreachable, refused, timed out, or no git)",
  },
  GIT_E002: {
    exit: 1,
    summary: "a git source's branch, tag or rev does not exist in its repository",
  },
  GIT_E003: {
    exit: 4,
    summary: "a git source's locked commit packs to other bytes than mochi.lock pins",
  },
  SOURCE_E003: {
    exit: 1,
    summary:
      "a path or git dependency is not the package it names (no mochi.toml, another name, a version outside the requirement)",
  },
  // Vendoring and offline installs (src/install/vendor.ts)
  VENDOR_E001: {
    exit: 1,
    summary: "the vendor directory is missing, unreadable or does not hold a locked package",
  },
  VENDOR_E002: {
    exit: 4,
    summary: "a vendored file does not match the digest mochi.lock pins",
  },
  // Workspaces (src/manifest/workspace.ts, src/install/workspace.ts)
  WORKSPACE_E001: {
    exit: 1,
    summary:
      "a key inherited with workspace = true is not defined in the workspace root, or the package is in no workspace",
  },
  WORKSPACE_E002: {
    exit: 1,
    summary:
      "invalid workspace: a member without mochi.toml, a member outside the root, two members with one name, a default member that is not a member, a package the root does not list, a member with its own [registry], or two members naming one Go module or Python distribution differently",
  },
  WORKSPACE_E003: {
    exit: 1,
    summary: "-p/--package names no member of the workspace",
  },
  WORKSPACE_E004: {
    exit: 1,
    summary:
      "a workspace member cannot be published (a path-only or git dependency, or a cycle between members)",
  },
  // Platform-specific dependencies (src/manifest/platform.ts)
  TARGET_E001: {
    exit: 1,
    summary: "a [target.'cfg(…)'] key is not a valid platform expression",
  },
  TARGET_E002: {
    exit: 1,
    summary: "a [target.'cfg(…)'] table declares Rust, Go or Python dependencies",
  },
} as const satisfies Record<string, ErrorCodeInfo>;

/** A stable error code from {@link ERROR_CATALOGUE}, e.g. `"MANIFEST_E003"`. */
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** Optional details attached to a {@link MochiError}. */
export interface MochiErrorOptions {
  /** What to do next, printed as `help: …` by the CLI. */
  hint?: string | undefined;
  /** The underlying error, kept for `--verbose`. */
  cause?: unknown;
  /** File the error is about, when there is one. */
  file?: string | undefined;
  /** 1-based line in {@link MochiErrorOptions.file}. */
  line?: number;
  /** 1-based column in {@link MochiErrorOptions.file}. */
  column?: number;
}

/**
 * The error every mochi pkg failure is reported with.
 *
 * `message` says what failed, with the value; `hint` says what to do next; `code` is stable and
 * decides the exit status ({@link exitStatusOf}).
 *
 * @example
 * ```ts
 * import { exitStatusOf, MochiError } from "@mochi/pkg";
 * import assert from "node:assert/strict";
 *
 * const e = new MochiError("SEMVER_E001", 'invalid version "1.x"', { hint: "use MAJOR.MINOR.PATCH"
 * }); assert.equal(e.code, "SEMVER_E001"); assert.equal(exitStatusOf(e), 1);
 * ```
 */
export class MochiError extends Error {
  /** Stable code from the catalogue. */
  readonly code: ErrorCode;
  /** What to do next, or undefined. */
  readonly hint: string | undefined;
  /** File the error is about, or undefined. */
  readonly file: string | undefined;
  /** 1-based line, or undefined. */
  readonly line: number | undefined;
  /** 1-based column, or undefined. */
  readonly column: number | undefined;

  /**
   * Creates an error with a stable code.
   *
   * @param code stable code from {@link ERROR_CATALOGUE}
   * @param message what failed, naming the value
   * @param options hint, cause and position
   */
  constructor(code: ErrorCode, message: string, options: MochiErrorOptions = {}) {
    super(
      code === "SOLVER_E002" ? message : capText(message, MAX_MESSAGE_CHARS),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "MochiError";
    this.code = code;
    this.hint = options.hint === undefined ? undefined : capText(options.hint, MAX_MESSAGE_CHARS);
    this.file = options.file;
    this.line = options.line;
    this.column = options.column;
  }
}

/**
 * Longest `message` (and `hint`) a {@link MochiError} keeps, in UTF-16 code units; longer text
 * loses its middle, replaced by a note of how much was left out (the start and the end stay). A 10
 * MB string in a manifest must not become a 10 MB error line. The solver's report (`SOLVER_E002`)
 * is exempt: its length is its content.
 */
export const MAX_MESSAGE_CHARS = 4096;

function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  // Keep the start and the end: the value a message quotes sits in the middle, and what is wrong
  // with it usually comes last ("… is longer than 4096 bytes").
  const head = Math.floor(max * 0.75);
  const tail = max - head;
  return `${text.slice(0, head)} … (${text.length - max} characters not shown) … ${
    text.slice(text.length - tail)
  }`;
}

/**
 * Quotes a value for an error message, JSON-style, cut to `max` characters with the full length
 * noted: `"aaaa…" (1000000 characters)`.
 *
 * @param value the text the user wrote (a requirement, a name, a key)
 * @param max longest part shown, in UTF-16 code units; default 100
 * @returns the quoted, possibly shortened text
 */
export function quoteValue(value: string, max = 100): string {
  if (value.length <= max) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, max) + "…")} (${value.length} characters)`;
}

/**
 * The exit status for an error: its catalogue entry for a {@link MochiError} (or any error whose
 * `code` is in the catalogue), `2` (internal) for anything else.
 *
 * @param error any thrown value
 * @returns 1, 2, 3 or 4
 */
export function exitStatusOf(error: unknown): ExitStatus {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && Object.hasOwn(ERROR_CATALOGUE, code)) {
    return ERROR_CATALOGUE[code as ErrorCode].exit;
  }
  return 2;
}
