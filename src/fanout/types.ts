/**
 * The contract of polyglot fan-out: the data a packer receives ({@link FanoutPackage}),
 * the files it produces ({@link Artifact}), and the shapes of packers and uploaders.
 *
 * A packer (`src/fanout/<ecosystem>.ts`, `pack<Eco>`) is pure and deterministic: the same
 * {@link FanoutPackage} gives byte-identical artifacts. An uploader
 * (`src/fanout/client/<ecosystem>.ts`, `upload<Eco>`) speaks one registry's upload protocol.
 *
 * @module
 */

/**
 * A target ecosystem, named as its registry's ecosystem (the CLI's `--target` values and the
 * `target/fanout/<ecosystem>/` folders). Manifest tables use the Mochi target names instead:
 * `typescript` → `npm` and `jsr`, `python` → `pypi`, `jvm` → `maven`, `dotnet` → `nuget`,
 * `rust` → `crates`, `beam` → `hex`, `swift` → `swiftpm`.
 */
export type Ecosystem = "npm" | "jsr" | "pypi" | "maven" | "nuget" | "crates" | "hex" | "swiftpm";

/** Every {@link Ecosystem}, in the order `mochi targets` lists them. */
export const ECOSYSTEMS: readonly Ecosystem[] = [
  "npm",
  "jsr",
  "pypi",
  "maven",
  "nuget",
  "crates",
  "hex",
  "swiftpm",
];

/** One dependency of a {@link FanoutPackage}, already in its ecosystem's names and syntax. */
export interface FanoutDependency {
  /** The ecosystem's package name (npm `@types/node`, PyPI `numpy`, Maven `group:artifact`, …). */
  name: string;
  /** The range in the ecosystem's own syntax (`^1.2.0`, `>=1.2,<2`, `[1.2,2)`, …). */
  range: string;
  /** `normal` for runtime dependencies, `dev` for build or test ones. */
  kind: "normal" | "dev";
}

/** One file of a {@link FanoutPackage}: POSIX relative path and bytes. */
export interface FanoutFile {
  /** Relative POSIX path (`/` separators, no `..`, no leading `/`). */
  path: string;
  /** The file's contents. */
  bytes: Uint8Array;
  /** Whether the file is written with mode 0755 instead of 0644. */
  executable: boolean;
}

/**
 * Everything a packer needs, already mapped and checked for its ecosystem; pure data.
 *
 * Built from a project by `buildFanoutPackage` (names, versions and ranges mapped, `out` read,
 * `overrides` applied, capabilities lowered); a packer validates only its own `extra` keys.
 */
export interface FanoutPackage {
  /** The target ecosystem. */
  ecosystem: Ecosystem;
  /** The ecosystem's name (npm `@scope/name`, PyPI `scope-name`, Maven artifactId, …). */
  name: string;
  /** Maven groupId (jvm only). */
  group?: string;
  /** The mapped version (PEP 440 for pypi, …). */
  version: string;
  /** The Mochi package this was fanned out from: `@scope/name` and its SemVer version. */
  mochi: { name: string; version: string };
  /** One-line description from `[package] description`. */
  description?: string;
  /** SPDX licence expression from `[package] license`. */
  license?: string;
  /** Authors as written in `[package] authors` (`Name <email>`). */
  authors: string[];
  /** Source repository URL. */
  repository?: string;
  /** Home page URL. */
  homepage?: string;
  /** Keywords from `[package] keywords`. */
  keywords: string[];
  /** The readme: its path in the project (POSIX, relative) and its bytes. */
  readme?: { path: string; bytes: Uint8Array };
  /** Dependencies, already in the ecosystem's names and range syntax. */
  dependencies: FanoutDependency[];
  /** Compiler output from `out`, overrides applied, sorted by path (UTF-8 bytes), POSIX paths. */
  files: FanoutFile[];
  /** Lowered capability file(s) for this target (`deno.json`, `mochi_caps.json`, …), to include. */
  capabilities: { path: string; bytes: Uint8Array }[];
  /** The target table's extra metadata keys (those outside the common key set), validated by the packer. */
  extra: Record<string, unknown>;
}

/** One file a packer produced (an archive or a companion such as pom.xml, .sha1, .sigstore.json). */
export interface Artifact {
  /** The ecosystem it is for. */
  ecosystem: Ecosystem;
  /** The file name, no directory (`greet-1.2.0-py3-none-any.whl`). */
  fileName: string;
  /** The file's bytes. */
  bytes: Uint8Array;
  /** IANA media type (`application/gzip`, `application/zip`, `application/xml`, …). */
  mediaType: string;
  /** SHA-256 of `bytes`, lowercase hex. */
  sha256: string;
  /** `bytes.byteLength`. */
  sizeBytes: number;
  /** `primary` for the package itself, `companion` for files beside it (pom, checksums, …). */
  role: "primary" | "companion";
}

/** Produces one ecosystem's artifacts from a package: pure, deterministic, no I/O. */
export type Packer = (pkg: FanoutPackage) => Promise<Artifact[]>;

/**
 * Where and how to upload; `url` from `[targets.<t>] registry = "…"` or `MOCHI_<ECO>_REGISTRY`,
 * token from `MOCHI_<ECO>_TOKEN`.
 */
export interface UploadTarget {
  /** The registry's base URL. */
  url: string;
  /** The credential the registry expects, if any. */
  token?: string;
  /** Deadline of each request in milliseconds. */
  timeoutMs: number;
  /** Cancels the upload. */
  signal?: AbortSignal;
  /** The `fetch` to use (tests inject one); default the global. */
  fetch?: typeof fetch;
}

/** What a registry answered to an accepted upload. */
export interface UploadReceipt {
  /** The ecosystem uploaded to. */
  ecosystem: Ecosystem;
  /** The package name in that ecosystem. */
  name: string;
  /** The mapped version uploaded. */
  version: string;
  /** Where the package now lives (URL the registry gave, or the one uploaded to). */
  location: string;
  /** The HTTP status of the final request. */
  status: number;
}

/** Uploads one package's artifacts with its registry's protocol (adapter: network I/O). */
export type Uploader = (
  pkg: FanoutPackage,
  artifacts: Artifact[],
  to: UploadTarget,
) => Promise<UploadReceipt>;
