/**
 * The parsed form of `mochi.toml` (README.md; cargo's `Cargo.toml` reference for the shared keys).
 *
 * @module
 */
import type { Platform } from "./platform.ts";

/** The `[package]` table. */
export interface PackageInfo {
  /** `@scope/name` or a bare name (npm's scoped-package shape). */
  name: string;
  /** SemVer 2.0.0 version text, as written. */
  version: string;
  /** The edition; only `"2026"` exists. */
  edition: string;
  /** The compiler requirement (cargo grammar), e.g. `">=0.7, <1.0"`. */
  mochi: string;
  /** One-line description (required only to publish). */
  description?: string;
  /** SPDX expression (required only to publish). */
  license?: string;
  /** Path of the readme (required only to publish). */
  readme?: string;
  /** Repository URL (required only to publish). */
  repository?: string;
  /** `"Name <mail>"` entries. */
  authors?: string[];
  /** Search keywords. */
  keywords?: string[];
  /** Project homepage. */
  homepage?: string;
  /** Globs of files to pack (`**` crosses directories, `*` does not); replace the defaults. */
  include?: string[];
  /** Globs of files never to pack; replace the default excludes. */
  exclude?: string[];
}

/** Git source of a dependency: the URL and at most one of `rev`, `tag`, `branch`. */
export interface GitSource {
  /** Repository URL. */
  url: string;
  /** Exact commit. */
  rev?: string;
  /** Tag name. */
  tag?: string;
  /** Branch name. */
  branch?: string;
}

/** One entry of `[dependencies]` or `[dev-dependencies]`. */
export interface Dependency {
  /** The package name (the key in the table). */
  name: string;
  /**
   * The requirement text as written (cargo grammar). `"*"` when the entry gives no `version`
   * (a `path`, `git` or `workspace = true` entry); see {@link Dependency.versionGiven}.
   */
  requirement: string;
  /**
   * False when the entry has no `version` and {@link Dependency.requirement} is the `"*"` default.
   */
  versionGiven: boolean;
  /** Resolved only when a feature enables it. */
  optional: boolean;
  /** Features of the dependency to enable, as written. */
  features: string[];
  /** Whether the dependency's `default` feature is enabled (default true). */
  defaultFeatures: boolean;
  /** Consumer pin: the capabilities this dependency may require; absent = no pin. */
  capabilities?: string[];
  /** Name or URL of an alternate registry. */
  registry?: string;
  /** Local path (dev only). */
  path?: string;
  /** Git source (dev only). */
  git?: GitSource;
  /** `workspace = true`: inherit the entry from `[workspace.dependencies]`. */
  workspace?: boolean;
}

/** The `[capabilities]` table (README.md §Capabilities). */
export interface Capabilities {
  /** Capabilities the package always needs. */
  required: string[];
  /** Capabilities only some features need. */
  optional: string[];
  /** Consumer-global pin for every dependency; absent = no pin. */
  allowed?: string[];
  /** Feature → the optional capabilities it turns on. */
  optionalFeatures: Record<string, string[]>;
}

/** The `[registry]` table. */
export interface RegistryConfig {
  /** Default index URL or directory path. */
  default?: string;
  /** The cargo index for Rust crates (`crates-io = "sparse+http://…"`). */
  cratesIo?: string;
  /** The PEP 691 simple index for Python distributions (`pypi = "https://…/simple/"`). */
  pypi?: string;
  /**
   * `[registry] vendor`: the directory `mochi vendor` wrote (relative to the manifest's
   * directory); locked packages and crates are taken from it instead of the network (cargo's
   * source replacement). Not part of the manifest hash: it moves no locked version.
   */
  vendor?: string;
  /** `[[registry.alternate]]` entries, in file order. */
  alternates: { name: string; url: string }[];
  /**
   * `mirrors = ["http://…", …]`: mirrors of the default registry, asked in order when it does
   * not answer (everything they serve is checked against the default registry's signed
   * snapshot).
   */
  mirrors?: string[];
}

/**
 * One Rust crate dependency from `[targets.rust.ffi]`, in cargo's dependency syntax
 * (The Cargo Book §Specifying Dependencies).
 */
export interface RustDependency {
  /** The key in `[targets.rust.ffi]` (the name the project uses). */
  name: string;
  /** The crate on the registry: `package = "…"` when renamed, else {@link RustDependency.name}. */
  package: string;
  /** Cargo requirement text (`"*"` when the entry gives no version). */
  requirement: string;
  /** Features to enable. */
  features: string[];
  /** Whether the crate's `default` feature is enabled (`default-features`, default true). */
  defaultFeatures: boolean;
  /** `optional = true`: recorded; the lock resolves it anyway, as Cargo.lock does. */
  optional: boolean;
  /** `path = "../x"`: the crate's directory, relative to the project. */
  path?: string;
  /** `git = "…"` with at most one of `rev`, `tag`, `branch`. */
  git?: GitSource;
  /** 1-based line of the entry in mochi.toml. */
  line: number;
}

/**
 * One Go module from `[targets.go.ffi]` (`"<module>" = "<version or query>"`).
 */
export interface GoDependency {
  /** The module path (the table key). */
  module: string;
  /** The version query as written (`v1.6.0`, `latest`, `v1`, `>=v1.2.0`; see `parseGoQuery`). */
  query: string;
  /** 1-based line of the entry in mochi.toml. */
  line: number;
}

/**
 * One Python distribution from `[targets.python.ffi]` (README §Python distributions; the shapes
 * are `httpx = ">=0.27"` or `httpx = { version = ">=0.27", extras = ["http2"] }`,
 * `{ index = "…" }`, `{ git = "…", rev = "…" }`, `{ path = "…" }`). The key is the distribution name; the alias the
 * Mochi code uses is the key with `-` and `.` made `_`.
 */
export interface PythonDependency {
  /** The key as written (the distribution name). */
  name: string;
  /** The Mochi alias (`typing-extensions` → `typing_extensions`). */
  alias: string;
  /**
   * The requirement as an import line would write it (`httpx>=0.27`, `rich[jupyter]>=13`,
   * `mylib@git+https://…#v1`, `local@path+../local`, `torch@index+https://…`); its grammar is
   * checked where it is parsed (`parsePythonImportSpec`, `PY_E010` at {@link line}).
   */
  requirement: string;
  /** 1-based line of the entry in mochi.toml. */
  line: number;
  /** 1-based column of the entry's value. */
  column: number;
}

/** A parsed `mochi.toml`. */
export interface Manifest {
  /** The `[package]` table. */
  package: PackageInfo;
  /** `[dependencies]`, keyed by package name, in file order. */
  dependencies: Map<string, Dependency>;
  /** `[dev-dependencies]`, keyed by package name, in file order. */
  devDependencies: Map<string, Dependency>;
  /** `[features]`: feature name → the features / dependencies it enables. */
  features: Record<string, string[]>;
  /** `[capabilities]`. */
  capabilities: Capabilities;
  /** `[registry]`. */
  registry: RegistryConfig;
  /** `[targets.rust.ffi]` crates, keyed by name, in file order (absent when none). */
  rustDependencies?: Map<string, RustDependency>;
  /** `[targets.go.ffi]` modules, keyed by module path, in file order (absent when none). */
  goDependencies?: Map<string, GoDependency>;
  /** `[targets.python.ffi]` distributions, keyed by the key as written, in file order. */
  pythonDependencies?: Map<string, PythonDependency>;
  /**
   * `[targets.python]` `python` and `platform`: the environment Python requirements resolve
   * for (absent keys: CPython 3.12 on `linux-x86_64`, the resolver's defaults).
   */
  pythonTarget?: PythonTarget;
  /**
   * Packages allowed to resolve to several semver-incompatible versions at once, or `"*"` for
   * all. Empty when not given. Read from the top-level `allow-multi-version` key (primary) or
   * `[workspace] allow-multi-version`.
   */
  allowMultiVersion: string[] | "*";
  /** `[workspace] members` globs, when the file has a `[workspace]` table. */
  workspaceMembers?: string[];
  /** The fan-out target tables the project opts into, in file order (absent when none). */
  fanoutTargets?: Map<FanoutTargetName, FanoutTarget>;
  /**
   * `[target.'cfg(…)'.dependencies]` and `dev-dependencies` tables, in file order (absent when
   * none): dependencies only some platforms need, resolved once for every platform.
   */
  platformDependencies?: PlatformDependencies[];
  /** The `[workspace]` table, when the file has one (it is then a workspace root). */
  workspace?: WorkspaceConfig;
  /**
   * True for a virtual manifest: a `[workspace]` root with no `[package]` (cargo's virtual
   * manifest). {@link Manifest.package} then holds placeholders (`name` is `""`).
   */
  virtual?: boolean;
  /**
   * `[audit] database`: where `mochi audit` reads OSV advisories (a directory, relative to the
   * manifest's directory, or an `http(s)` URL); absent when not given.
   */
  auditDatabase?: string;
}

/** A non-fatal finding while parsing a manifest (an unknown key inside a known table). */
export interface ManifestWarning {
  /** What kind of finding this is. */
  kind: "unknown-key";
  /** One line naming the key and its table. */
  message: string;
  /** The manifest file as given to the parser. */
  file: string;
  /** 1-based line of the key. */
  line: number;
  /** 1-based column of the key. */
  column: number;
  /** Key path from the root, e.g. `["package", "autor"]`. */
  path: string[];
}

/** `[targets.python]`'s target environment (uv's `--python-version` / `--python-platform`). */
export interface PythonTarget {
  /** The CPython version, `3.N` or `3.N.M` (e.g. `3.12`). */
  python?: string;
  /** One of `linux-x86_64`, `linux-aarch64`, `macos-arm64`, `macos-x86_64`, `windows-x86_64`. */
  platform?: string;
}

/**
 * A fan-out target table's name (`[targets.<name>]`): the Mochi target names. `typescript` packs
 * for npm and JSR, `python` for PyPI, `jvm` for Maven, `dotnet` for NuGet, `rust` for crates,
 * `beam` for Hex, `swift` for SwiftPM.
 */
export type FanoutTargetName =
  | "typescript"
  | "python"
  | "jvm"
  | "dotnet"
  | "rust"
  | "beam"
  | "swift";

/** Where a key of a fan-out target table sits in mochi.toml (1-based). */
export interface KeyPosition {
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
}

/**
 * One fan-out target table (`[targets.<t>]` with any of `out`, `scope`, `name`, `group`,
 * `overrides`, `dependencies`, `registry`, `metadata`): the project opts into packing for it.
 */
export interface FanoutTarget {
  /** The table's name. */
  target: FanoutTargetName;
  /** The compiler's output folder for this target, relative to the project (default `target/<t>`). */
  out: string;
  /** Scope for the ecosystem name when the Mochi name has none, or to replace it. */
  scope?: string;
  /** The full ecosystem name, replacing the default rule (Maven: the artifactId). */
  name?: string;
  /** Maven groupId (`[targets.jvm]` only; required there). */
  group?: string;
  /**
   * Path → path substitutions at the source layer: the file at `path` in the output is replaced
   * by (or added from) the project file `from`; in file order.
   */
  overrides: { path: string; from: string; line: number }[];
  /** The target's own dependencies (`@types/node`, `numpy`), ranges in the ecosystem's syntax. */
  dependencies: { name: string; range: string; kind: "normal" | "dev"; line: number }[];
  /** Upload URL for `mochi publish --target`, when given. */
  registry?: string;
  /** `[targets.<t>.metadata]`: extra keys handed to the packer as is (it validates them). */
  metadata: Record<string, unknown>;
  /** Positions of the keys given, for errors raised after parsing (name checks, …). */
  positions: Partial<
    Record<"table" | "out" | "scope" | "name" | "group" | "registry", KeyPosition>
  >;
}

/**
 * The `[workspace]` table of a workspace root (the cargo book, "Workspaces"): which directories
 * are members, and what members may inherit with `key.workspace = true`.
 */
export interface WorkspaceConfig {
  /** `members`: directories relative to the root, with `*`, `?`, `[…]` and `**` globs. */
  members: string[];
  /** `exclude`: directories (or globs) that are never members, even when `members` matches. */
  exclude: string[];
  /** `default-members`: the members a command acts on when none is selected; absent = all. */
  defaultMembers?: string[];
  /** `[workspace.package]`: values a member's `[package]` can inherit (already checked). */
  package: InheritablePackage;
  /** `[workspace.dependencies]`: entries a member's `x.workspace = true` inherits. */
  dependencies: Map<string, Dependency>;
}

/** The `[package]` keys a member can inherit from `[workspace.package]` (cargo's set, mochi's keys). */
export type InheritablePackage = Partial<Omit<PackageInfo, "name">> & { categories?: string[] };

/** What {@link parseManifest}'s member inherits from: its workspace root. */
export interface WorkspaceContext {
  /** The root's `[workspace]` table. */
  config: WorkspaceConfig;
  /** The root's `mochi.toml`, as named in errors. */
  rootFile: string;
  /**
   * The root directory relative to the member's (`"../.."`, `"."` for the root itself): a
   * `path` in `[workspace.dependencies]` is relative to the root and is rebased on this.
   */
  memberToRoot: string;
}

/** One `[target.'cfg(…)']` table (cargo's platform-specific dependencies). */
export interface PlatformDependencies {
  /** The `cfg(…)` key as written. */
  cfg: string;
  /** The platforms it holds on (`parseCfg`), canonical order. */
  platforms: Platform[];
  /** Its `dependencies`, keyed by package name, in file order. */
  dependencies: Map<string, Dependency>;
  /** Its `dev-dependencies`, keyed by package name, in file order. */
  devDependencies: Map<string, Dependency>;
}
