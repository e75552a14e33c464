/**
 * Which files of a package directory go into its archive (cargo's `package.include`/`exclude`
 * and `.gitignore` syntax: default includes and excludes, `.mochiignore`).
 *
 * Patterns use `.gitignore` semantics through the `ignore` package: `*` stays inside one path
 * segment, `**` crosses directories, a trailing `/` matches directories only, a leading `/`
 * anchors at the package root, a pattern without `/` matches at any depth, `!` re-includes.
 * Include patterns are anchored at the package root (`src/**` means `/src/**`).
 *
 * @module
 */
import ignore from "ignore";

/** Files packed when `[package] include` is not given. */
export const DEFAULT_INCLUDES: readonly string[] = [
  "mochi.toml",
  "README*",
  "LICENSE*",
  "CHANGELOG*",
  "src/**",
];

/**
 * Files never packed unless `[package] exclude` replaces the list. Version-control and editor
 * directories, build output at the root, logs, temporaries, compiled objects and secrets.
 */
export const DEFAULT_EXCLUDES: readonly string[] = [
  ".git/",
  ".svn/",
  ".hg/",
  "node_modules/",
  "/target/",
  "/dist/",
  "/build/",
  ".idea/",
  ".vscode/",
  ".DS_Store",
  "*.log",
  "*.tmp",
  "*.swp",
  "*.pyc",
  "*.class",
  "*.o",
  "*.so",
  "*.dll",
  ".env",
  ".env.*",
  "*.pem",
  "*.key",
  "id_rsa",
  "id_rsa.*",
  "id_ed25519",
  "id_ed25519.*",
];

/** Inputs of {@link fileSelector}. */
export interface FileRules {
  /** `[package] include`; {@link DEFAULT_INCLUDES} when absent. */
  include?: readonly string[];
  /** `[package] exclude`; {@link DEFAULT_EXCLUDES} when absent. */
  exclude?: readonly string[];
  /** Text of `.mochiignore` (gitignore syntax), added to the excludes. */
  ignoreFile?: string;
  /** Paths packed whatever the rules say (`mochi.toml`, the readme). */
  always?: readonly string[];
}

/** Decides, path by path, what a pack takes. */
export interface FileSelector {
  /**
   * Whether to walk into a directory (false when an exclude rule matches it).
   *
   * @param path relative path with `/` separators, no trailing slash
   */
  enterDirectory(path: string): boolean;
  /**
   * Whether a regular file is packed: it matches an include and no exclude (or is in `always`).
   *
   * @param path relative path with `/` separators
   */
  includesFile(path: string): boolean;
}

function anchored(pattern: string): string {
  if (pattern.startsWith("!")) return "!" + anchored(pattern.slice(1));
  return pattern.startsWith("/") ? pattern : "/" + pattern;
}

/**
 * Build the selector for a package from its rules.
 *
 * @param rules include and exclude globs, `.mochiignore` text, always-packed paths
 * @returns a {@link FileSelector}
 */
export function fileSelector(rules: FileRules = {}): FileSelector {
  const includes = ignore().add((rules.include ?? DEFAULT_INCLUDES).map(anchored));
  const excludes = ignore().add([...(rules.exclude ?? DEFAULT_EXCLUDES)]);
  if (rules.ignoreFile !== undefined) excludes.add(rules.ignoreFile);
  const always = new Set(rules.always ?? []);
  return {
    enterDirectory: (path) => !excludes.ignores(path + "/"),
    includesFile: (path) => always.has(path) || (includes.ignores(path) && !excludes.ignores(path)),
  };
}
