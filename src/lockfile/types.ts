/**
 * The parsed form of `mochi.lock` (README.md; shaped like cargo's `Cargo.lock`).
 *
 * @module
 */
import type { LockedPythonPackage, LockedWheel } from "./python.ts";

/** The lockfile format version this mochi writes and reads. */
export const LOCKFILE_FORMAT = 1;

/** One `[[package]]` entry: a resolved package at an exact version. */
export interface LockedPackage {
  /** Package name (`@scope/name` or bare). */
  name: string;
  /** Exact SemVer version. */
  version: string;
  /**
   * Where it came from: `"registry+<index url>"`, `"path+<relative path>"`,
   * `"git+<url>?<rev|tag|branch>=<ref>#<full commit id>"` or `"workspace"`. Registry and git
   * sources need {@link blake3} and {@link sha256} (a git package's: of its packed commit); path
   * sources have neither.
   */
  source: string;
  /** BLAKE3-256 of the archive, 64 lowercase hex characters (registry sources). */
  blake3?: string;
  /** SHA-256 of the archive, 64 lowercase hex characters (registry sources). */
  sha256?: string;
  /** True when the locked version is yanked; written only when true. */
  yanked?: boolean;
  /**
   * The platforms that need it, as a canonical `cfg(…)` marker (`formatMarker`); absent when
   * every platform does. A universal lock holds every platform's packages, and install takes the
   * entries whose marker holds on the platform it runs on (uv's markers on lock entries).
   */
  marker?: string;
  /**
   * Who published it: the Sigstore certificate SAN without its `@refs/…` suffix (see
   * `publisherIdentity`); absent for unsigned packages. Install checks every bundle against it.
   */
  signer?: string;
  /** The OIDC issuer of {@link LockedPackage.signer}; present exactly when `signer` is. */
  signerIssuer?: string;
  /** Capabilities the package requires; written sorted and de-duplicated. */
  capabilities: string[];
  /** Exact dependencies as `"name version"` strings; written sorted and de-duplicated. */
  dependencies: string[];
}

/**
 * One `[[rust-package]]` entry: a crate pinned by the Rust bridge (issue 4; cargo's Cargo.lock
 * fields under mochi's names).
 */
export interface LockedCrate {
  /** Crate name as published. */
  name: string;
  /** Exact version. */
  version: string;
  /**
   * Where it came from: a cargo registry with its index URL (`sparse+http…`), a git repository
   * (`id` is `git+<url>?<rev|tag|branch>=<ref>#<full commit id>`), or a directory relative to
   * the project (`[targets.rust.ffi]` `git` and `path` entries).
   */
  source: { kind: "registry"; index: string } | { kind: "git"; id: string } | {
    kind: "path";
    path: string;
  };
  /**
   * SHA-256 of the `.crate` file (the index's `cksum`), 64 lowercase hex characters; for a git
   * crate, of its files at the commit packed as a byte-reproducible archive; `""` for a path
   * crate (written without the key).
   */
  checksumSha256: string;
  /** True when the locked version is yanked; written only when true. */
  yanked?: boolean;
  /** Exact dependencies as `"name version"`, sorted and de-duplicated. */
  dependencies: string[];
  /** The activated features, sorted. */
  features: string[];
}

/**
 * Where a `[[go-package]]` was proven: the checksum database's signed tree head that contained the
 * module's `go.sum` lines when the entry was written (golang.org/x/mod/sumdb: a tree of
 * `treeSize` records whose root hash is `rootHash`).
 */
export interface GoSumdbProof {
  /** The checksum database's name, the name of its verifier key (`<name>+<hash>+<key>`). */
  origin: string;
  /** Records in the signed tree (a positive integer). */
  treeSize: number;
  /** The tree's root hash, standard base64 of 32 bytes, as in the signed note. */
  rootHash: string;
}

/**
 * One `[[go-package]]` entry: a Go module pinned by the Go bridge (issue 14 item 6), with the
 * hashes `go.sum` would hold and the checksum-database tree head that proved them.
 */
export interface LockedGoModule {
  /** Module path (`golang.org/x/mod`, `github.com/google/uuid/v2`). */
  module: string;
  /** Exact canonical version (`v1.6.0`, `v2.0.0+incompatible`, a pseudo-version). */
  version: string;
  /** Where the zip came from: a module proxy, with its URL (the first of a GOPROXY list). */
  source: { kind: "module-proxy"; url: string };
  /** `h1:` of the module zip's files (golang.org/x/mod/sumdb/dirhash Hash1), go.sum's first line. */
  zipH1: string;
  /** `h1:` of the module's go.mod file, go.sum's `/go.mod` line. */
  gomodH1: string;
  /** BLAKE3-256 of the zip file's bytes, 64 lowercase hex characters (the store's address). */
  zipBlake3: string;
  /**
   * The signed tree head that proved both h1 lines; absent when a GONOSUMDB/GOPRIVATE pattern
   * matched the module, on purpose (the CLI says so on every install).
   */
  sumdb?: GoSumdbProof;
  /** Exact dependencies as `"module version"` (the versions MVS selected), sorted. */
  dependencies: string[];
}

/** A parsed `mochi.lock`. */
export interface Lockfile {
  /** Format version; always {@link LOCKFILE_FORMAT}. */
  version: 1;
  /** `"blake3-256:<64 hex>"` of the canonical manifest digest input. */
  manifestHash: string;
  /** Locked packages; the writer sorts them by name, then version (semver order). */
  packages: LockedPackage[];
  /** `[[rust-package]]` entries (absent or empty when the project uses no Rust crates). */
  rustPackages?: LockedCrate[];
  /**
   * `[[python-package]]` entries (README §Python distributions; absent or empty when the project
   * imports no Python distribution). The file then carries `schema-version = 1`.
   */
  pythonPackages?: LockedPythonPackage[];
  /** `[[python-wheel]]` entries: the wheel pinned for each resolved Python distribution. */
  pythonWheels?: LockedWheel[];
  /** `[[go-package]]` entries (absent or empty when the project uses no Go modules). */
  goPackages?: LockedGoModule[];
  /** `[capabilities-seen]`: package name → capabilities accepted so far. */
  capabilitiesSeen: Map<string, string[]>;
}
