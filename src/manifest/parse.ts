/**
 * `mochi.toml` → {@link Manifest}, with a file, line, column, stable code and hint on every
 * error (README.md and the TOML 1.0 specification, toml.io).
 *
 * @module
 */

import { parse as parseToml, TomlError } from "smol-toml";
import { type ErrorCode, MochiError, quoteValue } from "../errors.ts";
import { parseRequirement, parseVersion } from "../semver/mod.ts";
import {
  CAPABILITY_NAMES,
  capabilityBase,
  capabilityProblem,
  didYouMean,
} from "../capability/model.ts";
import { closestName } from "../edit_distance.ts";
import { packageNameProblem } from "./names.ts";
import { locateToml, type TomlLocator } from "./toml_locator.ts";
import { parseFanoutTargets } from "./fanout_targets.ts";
import { modulePathProblem, parseGoQuery } from "../go/query.ts";
import { gitRefProblem, gitUrlProblem } from "./git_source.ts";
import {
  INHERITABLE_PACKAGE_KEYS,
  inheritDependency,
  memberPatternProblem,
  WORKSPACE_DEPENDENCY_OVERRIDES,
  WORKSPACE_KEYS,
} from "./workspace.ts";
import { parseCfg, PLATFORM_ARCHES, PLATFORM_OSES } from "./platform.ts";
import type {
  Capabilities,
  Dependency,
  GitSource,
  GoDependency,
  Manifest,
  ManifestWarning,
  PackageInfo,
  PlatformDependencies,
  PythonDependency,
  PythonTarget,
  RegistryConfig,
  RustDependency,
  WorkspaceConfig,
  WorkspaceContext,
} from "./types.ts";

/**
 * The closed set of top-level tables (an unknown one is a warning, as cargo's `unused manifest
 * key`).
 */
export const TOP_LEVEL_TABLES = [
  "package",
  "dependencies",
  "dev-dependencies",
  "features",
  "targets",
  "capabilities",
  "provenance",
  "workspace",
  "registry",
  "audit",
  "target",
] as const;

/** The one top-level key that is not a table: `allow-multi-version = [..] | "*"`. */
export const ALLOW_MULTI_VERSION_KEY = "allow-multi-version";

/** The only edition there is. */
export const EDITION = "2026";

const PACKAGE_KEYS = [
  "name",
  "version",
  "edition",
  "mochi",
  "description",
  "license",
  "readme",
  "repository",
  "authors",
  "keywords",
  "homepage",
  "categories",
  "include",
  "exclude",
  "maintenance",
  "maintenance-since",
  "publisher_binding",
];
const DEPENDENCY_KEYS = [
  "version",
  "optional",
  "capabilities",
  "features",
  "default-features",
  "workspace",
  "path",
  "git",
  "rev",
  "tag",
  "branch",
  "registry",
  "targets",
];
const CAPABILITY_KEYS = ["required", "optional", "optional_features", "allowed"];
const REGISTRY_KEYS = ["default", "alternate", "crates-io", "pypi", "mirrors", "vendor"];

type Table = Record<string, unknown>;

function isTable(v: unknown): v is Table {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return "an array";
  if (isTable(v)) return "a table";
  if (v === null || v === undefined) return "nothing";
  if (typeof v === "object") return "a date";
  return `a ${typeof v}`;
}

/** Shared state of one parse: the file name, the locator and the warnings collected. */
class Ctx {
  readonly warnings: ManifestWarning[] = [];
  constructor(
    readonly file: string,
    readonly loc: TomlLocator,
    readonly workspace?: WorkspaceContext,
  ) {}

  /** Throws a MochiError positioned at the key (`at: "key"`) or value of `path`. */
  fail(
    code: ErrorCode,
    path: readonly string[],
    message: string,
    hint: string,
    at: "key" | "value" = "value",
  ): never {
    const pos = at === "key" ? this.loc.key(path) : this.loc.value(path);
    throw new MochiError(code, message, {
      hint,
      file: this.file,
      line: pos.line,
      column: pos.column,
    });
  }

  /**
   * Throws `code` at the value of `path` when `req` is not a cargo requirement, naming the
   * requirement (bounded), `what` it is for, and the parse reason.
   */
  requirement(req: string, path: string[], code: ErrorCode, what: string, hint: string): void {
    try {
      parseRequirement(req);
    } catch (e) {
      this.fail(
        code,
        path,
        `invalid requirement ${quoteValue(req)} for ${what}: ${reasonOf(e)}`,
        hint,
      );
    }
  }

  /** 1-based line of the key at `path`. */
  line(path: readonly string[]): number {
    return this.loc.key(path).line;
  }

  /** Warns about every key of `table` (at `path`) not in `known`. */
  unknownKeys(table: Table, path: string[], known: readonly string[], where: string): void {
    for (const k of Object.keys(table)) {
      if (known.includes(k)) continue;
      const pos = this.loc.key([...path, k]);
      const near = closestName(k, known);
      this.warnings.push({
        kind: "unknown-key",
        message: `unknown key "${k}" in ${where} (ignored); did you mean "${near}"?`,
        file: this.file,
        line: pos.line,
        column: pos.column,
        path: [...path, k],
      });
    }
  }

  /** Reads an optional array of strings; throws `code` when it is anything else. */
  stringArray(
    v: unknown,
    path: string[],
    code: ErrorCode,
    what: string,
    hint: string,
  ): string[] | undefined {
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) {
      this.fail(code, path, `${what} must be an array of strings, found ${describe(v)}`, hint);
    }
    v.forEach((el, i) => {
      if (typeof el !== "string") {
        this.fail(
          code,
          [...path, String(i)],
          `${what} must contain only strings, found ${describe(el)}`,
          hint,
        );
      }
    });
    return [...(v as string[])];
  }
}

/**
 * Parses the text of a `mochi.toml`.
 *
 * A leading BOM is stripped and CRLF line ends are accepted. Unknown keys inside known tables
 * become warnings; everything else that is wrong throws.
 *
 * `allow-multi-version` is read from the top-level key (primary form, works without a
 * workspace) or from `[workspace] allow-multi-version`; giving both is an error.
 *
 * @param text the file's contents
 * A `[workspace]` root may have no `[package]` (a virtual manifest, {@link Manifest.virtual}). A
 * member's `key.workspace = true` in `[package]` and `name = { workspace = true }` in its
 * dependency tables take the root's `[workspace.package]` and `[workspace.dependencies]` values
 * from `options.workspace` (cargo's inheritance).
 *
 * @param file the path reported in errors and warnings (default `"mochi.toml"`)
 * @param options `workspace`: the root this file is a member of, when it is one
 * @returns the manifest and the warnings, in source order
 * @throws {MochiError} with `file`, `line`, `column` (1-based) and `hint`:
 *   MANIFEST_E001 invalid TOML · E002 unknown top-level table or key (names the closest valid
 *   one) · E003 invalid package or dependency name · E004 a `[package]` field missing or of the
 *   wrong type · E005 invalid `version` · E006 invalid requirement (shows it and the parse
 *   reason) · E007 invalid dependency entry · E008 unknown or invalid capability (names the
 *   closest) · E009 invalid `[registry]` · E010 invalid `allow-multi-version` · E012 invalid
 *   edition · E013 a known table or key has the wrong type · WORKSPACE_E001 an inherited key the
 *   root does not define (names the closest), or `key.workspace = true` in `[package]` with no
 *   root given (a dependency's `workspace = true` is then kept as written) ·
 *   WORKSPACE_E002 an invalid `members`, `exclude` or `default-members` entry
 */
export function parseManifest(
  text: string,
  file = "mochi.toml",
  options: ParseManifestOptions = {},
): { manifest: Manifest; warnings: ManifestWarning[] } {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let doc: Table;
  try {
    doc = parseToml(text) as Table;
  } catch (e) {
    if (e instanceof TomlError) {
      const first = e.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "");
      throw new MochiError("MANIFEST_E001", `${file} is not valid TOML: ${first}`, {
        hint: "fix the TOML syntax at the position shown",
        file,
        line: e.line,
        column: e.column,
        cause: e,
      });
    }
    throw e;
  }
  const ctx = new Ctx(file, locateToml(text), options.workspace);

  for (const key of Object.keys(doc)) {
    if ((TOP_LEVEL_TABLES as readonly string[]).includes(key)) continue;
    if (key === ALLOW_MULTI_VERSION_KEY) continue;
    const near = closestName(key, [...TOP_LEVEL_TABLES, ALLOW_MULTI_VERSION_KEY]);
    const shown = isTable(doc[key]) ? `table [${key}]` : `key "${key}"`;
    ctx.fail(
      "MANIFEST_E002",
      [key],
      `unknown top-level ${shown} in ${file}; did you mean [${near}]?`,
      `valid top-level tables: ${TOP_LEVEL_TABLES.join(", ")}; rename it to [${near}] or remove it`,
      "key",
    );
  }
  for (const key of ["features", "targets", "provenance", "workspace", "audit", "target"]) {
    if (doc[key] !== undefined && !isTable(doc[key])) {
      ctx.fail(
        "MANIFEST_E013",
        [key],
        `"${key}" must be a table, found ${describe(doc[key])}`,
        `write it as a [${key}] table`,
      );
    }
  }

  const workspace = doc.workspace as Table | undefined;
  const workspaceConfig = workspace === undefined ? undefined : parseWorkspace(ctx, workspace);
  const virtual = doc.package === undefined && workspace !== undefined;
  const pkg = virtual ? { ...VIRTUAL_PACKAGE } : parsePackage(ctx, doc.package);
  if (virtual) {
    for (const key of ["dependencies", "dev-dependencies"]) {
      if (doc[key] === undefined) continue;
      ctx.fail(
        "WORKSPACE_E002",
        [key],
        `this virtual manifest (a [workspace] without [package]) has a [${key}] table, which ` +
          "is not allowed",
        "move the dependencies into the members' manifests, or into [workspace.dependencies] " +
          "for the members to inherit",
        "key",
      );
    }
  }
  const dependencies = parseDependencies(ctx, doc.dependencies, "dependencies");
  const devDependencies = parseDependencies(ctx, doc["dev-dependencies"], "dev-dependencies");
  const features = parseFeatures(ctx, doc.features as Table | undefined);
  const capabilities = parseCapabilities(ctx, doc.capabilities);
  const registry = parseRegistry(ctx, doc.registry);
  const rustDependencies = parseRustDependencies(ctx, doc.targets as Table | undefined);
  const goDependencies = parseGoDependencies(ctx, doc.targets as Table | undefined);
  const pythonDependencies = parsePythonDependencies(ctx, doc.targets as Table | undefined);
  const allowMultiVersion = parseAllowMultiVersion(ctx, doc, workspace);

  const manifest: Manifest = {
    package: pkg,
    dependencies,
    devDependencies,
    features,
    capabilities,
    registry,
    allowMultiVersion,
  };
  const platformDependencies = parsePlatformDependencies(ctx, doc.target as Table | undefined);
  if (platformDependencies.length > 0) manifest.platformDependencies = platformDependencies;
  if (workspaceConfig !== undefined) {
    manifest.workspace = workspaceConfig;
    manifest.workspaceMembers = workspaceConfig.members;
  }
  if (virtual) manifest.virtual = true;
  if (rustDependencies.size > 0) manifest.rustDependencies = rustDependencies;
  if (goDependencies.size > 0) manifest.goDependencies = goDependencies;
  if (pythonDependencies.size > 0) manifest.pythonDependencies = pythonDependencies;
  const pythonTarget = parsePythonTarget(ctx, doc.targets as Table | undefined);
  if (pythonTarget !== undefined) manifest.pythonTarget = pythonTarget;
  const fanoutTargets = parseFanoutTargets(ctx, doc.targets as Table | undefined);
  if (fanoutTargets.size > 0) manifest.fanoutTargets = fanoutTargets;
  const audit = doc.audit as Table | undefined;
  if (audit !== undefined) {
    ctx.unknownKeys(audit, ["audit"], ["database"], "[audit]");
    if (audit.database !== undefined) {
      if (typeof audit.database !== "string" || audit.database.length === 0) {
        ctx.fail(
          "MANIFEST_E013",
          ["audit", "database"],
          `[audit] database must be a non-empty string, found ${describe(audit.database)}`,
          'write database = "path/to/osv-dir" (or an http(s) URL)',
        );
      }
      manifest.auditDatabase = audit.database as string;
    }
  }
  return { manifest, warnings: ctx.warnings };
}

function parsePackage(ctx: Ctx, given: unknown): PackageInfo {
  if (isTable(given)) given = inheritPackageKeys(ctx, given);
  const raw = given;
  if (raw === undefined) {
    ctx.fail(
      "MANIFEST_E004",
      [],
      `${ctx.file} has no [package] table`,
      `add [package] with name, version, edition = "${EDITION}" and mochi = "<compiler range>"`,
    );
  }
  if (!isTable(raw)) {
    ctx.fail(
      "MANIFEST_E004",
      ["package"],
      `"package" must be a table, found ${describe(raw)}`,
      "write it as a [package] table",
    );
  }
  ctx.unknownKeys(raw, ["package"], PACKAGE_KEYS, "[package]");
  const need = (key: string, example: string): string => {
    const v = raw[key];
    if (v === undefined) {
      ctx.fail(
        "MANIFEST_E004",
        ["package"],
        `[package] is missing the required field "${key}"`,
        `add ${key} = ${example} to [package]`,
        "key",
      );
    }
    if (typeof v !== "string") {
      ctx.fail(
        "MANIFEST_E004",
        ["package", key],
        `[package] ${key} must be a string, found ${describe(v)}`,
        `write ${key} = ${example}`,
      );
    }
    return v;
  };

  const name = need("name", '"@scope/name"');
  const nameProblem = packageNameProblem(name);
  if (nameProblem !== undefined) {
    ctx.fail(
      "MANIFEST_E003",
      ["package", "name"],
      `invalid package name "${name}": ${nameProblem}`,
      'use "@scope/name" or "name": lowercase a-z first, then a-z, 0-9, "_" or "-"; scope ≤ 39, name ≤ 64 characters',
    );
  }

  const version = need("version", '"0.1.0"');
  try {
    parseVersion(version);
  } catch (e) {
    ctx.fail(
      "MANIFEST_E005",
      ["package", "version"],
      `invalid [package] version ${quoteValue(version)}: ${reasonOf(e)}`,
      'use a SemVer 2.0.0 version such as "1.2.3" or "1.0.0-rc.1"',
    );
  }

  const rawEdition = raw.edition;
  if (rawEdition === undefined) {
    ctx.fail(
      "MANIFEST_E004",
      ["package"],
      '[package] is missing the required field "edition"',
      `add edition = "${EDITION}" to [package]`,
      "key",
    );
  }
  if (rawEdition !== EDITION) {
    const shown = typeof rawEdition === "string" ? `"${rawEdition}"` : describe(rawEdition);
    ctx.fail(
      "MANIFEST_E012",
      ["package", "edition"],
      `invalid edition ${shown}; the only edition is "${EDITION}"`,
      `write edition = "${EDITION}" (a string)`,
    );
  }

  const mochi = need("mochi", '">=0.7, <1.0"');
  try {
    parseRequirement(mochi);
  } catch (e) {
    ctx.fail(
      "MANIFEST_E006",
      ["package", "mochi"],
      `invalid compiler requirement mochi = ${quoteValue(mochi)}: ${reasonOf(e)}`,
      'use cargo requirement syntax, e.g. ">=0.7, <1.0" or "^0.9"',
    );
  }

  const info: PackageInfo = { name, version, edition: EDITION, mochi };
  for (const key of ["description", "license", "readme", "repository", "homepage"] as const) {
    const v = raw[key];
    if (v === undefined) continue;
    if (typeof v !== "string") {
      ctx.fail(
        "MANIFEST_E004",
        ["package", key],
        `[package] ${key} must be a string, found ${describe(v)}`,
        `write ${key} = "..."`,
      );
    }
    info[key] = v;
  }
  for (const key of ["authors", "keywords", "include", "exclude"] as const) {
    const v = ctx.stringArray(
      raw[key],
      ["package", key],
      "MANIFEST_E004",
      `[package] ${key}`,
      `write ${key} = ["...", "..."]`,
    );
    if (v !== undefined) info[key] = v;
  }
  return info;
}

function parseDependencies(
  ctx: Ctx,
  raw: unknown,
  section: string,
): Map<string, Dependency> {
  const out = new Map<string, Dependency>();
  if (raw === undefined) return out;
  if (!isTable(raw)) {
    ctx.fail(
      "MANIFEST_E007",
      section.split("."),
      `"${section}" must be a table, found ${describe(raw)}`,
      `write it as a [${section}] table of name = "requirement" entries`,
    );
  }
  for (const [name, entry] of Object.entries(raw)) {
    const dep = parseDependency(ctx, section, name, entry);
    out.set(name, dep.workspace === true ? inheritedDependency(ctx, section, dep, entry) : dep);
  }
  return out;
}

/** A member's `name = { workspace = true, … }` merged with `[workspace.dependencies]`. */
function inheritedDependency(
  ctx: Ctx,
  section: string,
  dep: Dependency,
  entry: unknown,
): Dependency {
  const at = [...section.split("."), dep.name];
  const ws = ctx.workspace;
  // Read on its own (no root given), the entry stays `workspace = true`: the project reader
  // finds the root, or refuses the entry (WORKSPACE_E001).
  if (ws === undefined) return dep;
  const inherited = ws.config.dependencies.get(dep.name);
  if (inherited === undefined) {
    const known = [...ws.config.dependencies.keys()];
    const near = known.length > 0 ? `; did you mean "${closestName(dep.name, known)}"?` : "";
    ctx.fail(
      "WORKSPACE_E001",
      [...at, "workspace"],
      `error inheriting "${dep.name}" from the workspace root manifest's ` +
        `[workspace.dependencies] (${ws.rootFile}): "${dep.name}" is not defined there${near}`,
      `add "${dep.name}" = "<requirement>" to [workspace.dependencies] in ${ws.rootFile}, or ` +
        "give the entry its own version here",
      "key",
    );
  }
  if (isTable(entry)) {
    ctx.unknownKeys(
      Object.fromEntries(
        Object.entries(entry).filter(([k]) => DEPENDENCY_KEYS.includes(k)),
      ),
      at,
      WORKSPACE_DEPENDENCY_OVERRIDES,
      `dependency "${dep.name}" (inherited from [workspace.dependencies])`,
    );
  }
  return inheritDependency(dep, inherited, ws.memberToRoot);
}

/**
 * `[target.'cfg(…)'.dependencies]` / `dev-dependencies`: each key a `cfg` expression
 * (`parseCfg`), each table's dependencies read as `[dependencies]` is.
 */
function parsePlatformDependencies(ctx: Ctx, raw: Table | undefined): PlatformDependencies[] {
  const out: PlatformDependencies[] = [];
  if (raw === undefined) return out;
  for (const [cfg, table] of Object.entries(raw)) {
    const at = ["target", cfg];
    const parsed = parseCfg(cfg);
    if ("error" in parsed) {
      ctx.fail(
        "TARGET_E001",
        at,
        `invalid platform ${quoteValue(cfg)} in [target]: ${parsed.error}`,
        `write [target.'cfg(os = "linux")'.dependencies] (os: ${PLATFORM_OSES.join(", ")}; ` +
          `arch: ${PLATFORM_ARCHES.join(", ")}; all(…), any(…), not(…))`,
        "key",
      );
    }
    if (!isTable(table)) {
      ctx.fail(
        "MANIFEST_E013",
        at,
        `[target.'${cfg}'] must be a table, found ${describe(table)}`,
        `write [target.'${cfg}'.dependencies]`,
      );
    }
    if (table.targets !== undefined) {
      // A platform-only crate, Go module or Python distribution would be locked without a
      // marker and fetched everywhere (or, ignored, missing where it is needed): refused.
      ctx.fail(
        "TARGET_E002",
        [...at, "targets"],
        `[target.'${cfg}'.targets] is refused: Rust crates, Go modules and Python ` +
          "distributions cannot be platform-specific (only Mochi [dependencies] can)",
        "declare them in [targets.rust.ffi], [targets.go.ffi] or [targets.python.ffi]: crates " +
          "and Go modules are locked for every platform, as Cargo.lock and go.sum are, and " +
          "Python distributions for [targets.python] platform",
        "key",
      );
    }
    ctx.unknownKeys(table, at, ["dependencies", "dev-dependencies"], `[target.'${cfg}']`);
    out.push({
      cfg,
      platforms: parsed.platforms,
      dependencies: parseDependencies(ctx, table.dependencies, `target.${cfg}.dependencies`),
      devDependencies: parseDependencies(
        ctx,
        table["dev-dependencies"],
        `target.${cfg}.dev-dependencies`,
      ),
    });
  }
  return out;
}

/** The placeholders of a virtual manifest's {@link Manifest.package}. */
const VIRTUAL_PACKAGE: PackageInfo = Object.freeze({
  name: "",
  version: "0.0.0",
  edition: EDITION,
  mochi: "*",
}) as PackageInfo;

/** `[workspace]`: members, exclude, default-members, package, dependencies (cargo's keys). */
function parseWorkspace(ctx: Ctx, ws: Table): WorkspaceConfig {
  ctx.unknownKeys(ws, ["workspace"], WORKSPACE_KEYS, "[workspace]");
  const globs = (key: string): string[] | undefined => {
    const list = ctx.stringArray(
      ws[key],
      ["workspace", key],
      "MANIFEST_E013",
      `[workspace] ${key}`,
      `write ${key} = ["path/or/glob", ...]`,
    );
    list?.forEach((pattern, i) => {
      const problem = memberPatternProblem(pattern);
      if (problem !== undefined) {
        ctx.fail(
          "WORKSPACE_E002",
          ["workspace", key, String(i)],
          `[workspace] ${key} entry ${quoteValue(pattern)} is refused: ${problem}`,
          'write a directory below the workspace root, e.g. "packages/*" or "tools/cli"',
        );
      }
    });
    return list;
  };
  const config: WorkspaceConfig = {
    members: globs("members") ?? [],
    exclude: globs("exclude") ?? [],
    package: parseWorkspacePackage(ctx, ws.package),
    dependencies: new Map(),
  };
  const defaults = globs("default-members");
  if (defaults !== undefined) config.defaultMembers = defaults;
  const deps = ws.dependencies;
  if (deps !== undefined) {
    if (!isTable(deps)) {
      ctx.fail(
        "MANIFEST_E013",
        ["workspace", "dependencies"],
        `[workspace.dependencies] must be a table, found ${describe(deps)}`,
        'write [workspace.dependencies] with name = "requirement" entries',
      );
    }
    const section = "workspace.dependencies";
    for (const [name, entry] of Object.entries(deps)) {
      const dep = parseDependency(ctx, section, name, entry);
      for (const key of ["workspace", "optional"] as const) {
        if (isTable(entry) && entry[key] !== undefined) {
          ctx.fail(
            "WORKSPACE_E002",
            ["workspace", "dependencies", name, key],
            `"${name}" in [workspace.dependencies] has "${key}"; a workspace dependency ` +
              `cannot be ${key === "workspace" ? "inherited again" : "optional"}`,
            `remove "${key}" here; a member writes ${name} = { workspace = true${
              key === "optional" ? ", optional = true" : ""
            } }`,
            "key",
          );
        }
      }
      config.dependencies.set(name, dep);
    }
  }
  return config;
}

/**
 * `[workspace.package]`: the inheritable `[package]` keys, each checked here as `[package]`
 * checks it, so a member inherits only values that are valid.
 */
function parseWorkspacePackage(ctx: Ctx, raw: unknown): WorkspaceConfig["package"] {
  const out: WorkspaceConfig["package"] = {};
  if (raw === undefined) return out;
  const where = ["workspace", "package"];
  if (!isTable(raw)) {
    ctx.fail(
      "MANIFEST_E013",
      where,
      `[workspace.package] must be a table, found ${describe(raw)}`,
      'write [workspace.package] with version = "0.1.0", license = "…", …',
    );
  }
  ctx.unknownKeys(raw, where, INHERITABLE_PACKAGE_KEYS, "[workspace.package]");
  for (const key of INHERITABLE_PACKAGE_KEYS) {
    const v = raw[key];
    if (v === undefined) continue;
    const at = [...where, key];
    if (["authors", "keywords", "categories", "include", "exclude"].includes(key)) {
      const list = ctx.stringArray(
        v,
        at,
        "MANIFEST_E013",
        `[workspace.package] ${key}`,
        `write ${key} = ["…"]`,
      );
      Object.assign(out, { [key]: list });
      continue;
    }
    if (typeof v !== "string") {
      ctx.fail(
        "MANIFEST_E013",
        at,
        `[workspace.package] ${key} must be a string, found ${describe(v)}`,
        `write ${key} = "…"`,
      );
    }
    if (key === "version") {
      try {
        parseVersion(v);
      } catch (e) {
        ctx.fail(
          "MANIFEST_E005",
          at,
          `invalid [workspace.package] version ${quoteValue(v)}: ${reasonOf(e)}`,
          'use a SemVer 2.0.0 version such as "1.2.3"',
        );
      }
    }
    if (key === "edition" && v !== EDITION) {
      ctx.fail(
        "MANIFEST_E012",
        at,
        `invalid edition ${quoteValue(v)} in [workspace.package]; the only edition is "${EDITION}"`,
        `write edition = "${EDITION}"`,
      );
    }
    if (key === "mochi") {
      ctx.requirement(v, at, "MANIFEST_E006", "[workspace.package] mochi", 'e.g. ">=0.7, <1.0"');
    }
    Object.assign(out, { [key]: v });
  }
  return out;
}

/**
 * `[package]` with every `key.workspace = true` replaced by the root's `[workspace.package]`
 * value (cargo: "error inheriting `key` from workspace root manifest's `workspace.package.key`").
 */
function inheritPackageKeys(ctx: Ctx, raw: Table): Table {
  const out: Table = { ...raw };
  for (const [key, v] of Object.entries(raw)) {
    if (!isTable(v) || !("workspace" in v)) continue;
    const at = ["package", key];
    if (v.workspace !== true || Object.keys(v).length !== 1) {
      ctx.fail(
        "WORKSPACE_E001",
        at,
        `[package] ${key} is a table; the only table form is ${key}.workspace = true`,
        `write ${key}.workspace = true to inherit it, or give the value itself`,
      );
    }
    if (!(INHERITABLE_PACKAGE_KEYS as readonly string[]).includes(key)) {
      ctx.fail(
        "WORKSPACE_E001",
        at,
        `[package] ${key} cannot be inherited from the workspace; inheritable keys are ` +
          INHERITABLE_PACKAGE_KEYS.join(", "),
        `write ${key} = "…" in this member`,
        "key",
      );
    }
    const ws = ctx.workspace;
    if (ws === undefined) {
      ctx.fail(
        "WORKSPACE_E001",
        at,
        `[package] ${key}.workspace = true, but ${ctx.file} is not a member of a workspace`,
        `list this package in the members of a [workspace] root above it, or write ${key} = …`,
        "key",
      );
    }
    const value = (ws.config.package as Record<string, unknown>)[key];
    if (value === undefined) {
      const defined = Object.keys(ws.config.package);
      const near = defined.length > 0
        ? `; it defines ${defined.map((k) => `"${k}"`).join(", ")}`
        : "; it has no [workspace.package] table";
      ctx.fail(
        "WORKSPACE_E001",
        at,
        `error inheriting "${key}" from the workspace root manifest's [workspace.package] ` +
          `(${ws.rootFile}): "workspace.package.${key}" is not defined${near}`,
        `add ${key} = … to [workspace.package] in ${ws.rootFile}, or write it here`,
        "key",
      );
    }
    out[key] = Array.isArray(value) ? [...value] : value;
  }
  return out;
}

/** Options of {@link parseManifest}. */
export interface ParseManifestOptions {
  /** The workspace root the manifest is a member of (for `key.workspace = true`). */
  workspace?: WorkspaceContext;
}

function parseDependency(ctx: Ctx, section: string, name: string, entry: unknown): Dependency {
  const path = [...section.split("."), name];
  const problem = packageNameProblem(name);
  if (problem !== undefined) {
    ctx.fail(
      "MANIFEST_E003",
      path,
      `invalid dependency name "${name}" in [${section}]: ${problem}`,
      'dependency names follow the package rule: "@scope/name" or "name", lowercase',
      "key",
    );
  }
  const checkReq = (req: string, at: string[]): void =>
    ctx.requirement(
      req,
      at,
      "MANIFEST_E006",
      `"${name}" in [${section}]`,
      'use cargo requirement syntax: "^1.2", "~1.2.3", ">=1.0, <2.0", "=1.0.0" or "*" (no "||")',
    );

  const base = { name, optional: false, features: [], defaultFeatures: true };
  if (typeof entry === "string") {
    checkReq(entry, path);
    return { ...base, requirement: entry, versionGiven: true };
  }
  const shapeHint =
    `write "${name}" = "^1.0" or "${name}" = { version = "^1.0", features = [...] }`;
  if (!isTable(entry)) {
    ctx.fail(
      "MANIFEST_E007",
      path,
      `dependency "${name}" in [${section}] must be a requirement string or a table, found ${
        describe(entry)
      }`,
      shapeHint,
    );
  }
  ctx.unknownKeys(entry, path, DEPENDENCY_KEYS, `dependency "${name}" in [${section}]`);
  const str = (key: string): string | undefined => {
    const v = entry[key];
    if (v === undefined || typeof v === "string") return v;
    ctx.fail(
      "MANIFEST_E007",
      [...path, key],
      `"${key}" of dependency "${name}" in [${section}] must be a string, found ${describe(v)}`,
      shapeHint,
    );
  };
  const bool = (key: string): boolean | undefined => {
    const v = entry[key];
    if (v === undefined || typeof v === "boolean") return v;
    ctx.fail(
      "MANIFEST_E007",
      [...path, key],
      `"${key}" of dependency "${name}" in [${section}] must be true or false, found ${
        describe(v)
      }`,
      `write ${key} = true or ${key} = false`,
    );
  };
  const conflict = (key: string, message: string, hint: string): never =>
    ctx.fail("MANIFEST_E007", [...path, key], message, hint, "key");

  const version = str("version");
  if (version !== undefined) checkReq(version, [...path, "version"]);
  const optional = bool("optional") ?? false;
  const defaultFeatures = bool("default-features") ?? true;
  const workspace = bool("workspace");
  const features = ctx.stringArray(
    entry.features,
    [...path, "features"],
    "MANIFEST_E007",
    `"features" of dependency "${name}"`,
    'write features = ["a", "b"]',
  ) ?? [];
  const capabilities = ctx.stringArray(
    entry.capabilities,
    [...path, "capabilities"],
    "MANIFEST_E008",
    `"capabilities" of dependency "${name}"`,
    'write capabilities = ["fs.read", ...]',
  );
  if (capabilities !== undefined) checkCapabilities(ctx, capabilities, [...path, "capabilities"]);
  const registry = str("registry");
  const localPath = str("path");
  const gitUrl = str("git");
  const refs = (["rev", "tag", "branch"] as const).filter((k) => entry[k] !== undefined);
  const refValues = refs.map((k) => str(k));

  if (workspace === false) {
    conflict(
      "workspace",
      `dependency "${name}": workspace = false is not allowed`,
      "remove the key, or write workspace = true to inherit from [workspace.dependencies]",
    );
  }
  if (workspace === true) {
    for (const k of ["version", "path", "git", "registry", ...refs]) {
      if (entry[k] !== undefined) {
        conflict(
          k,
          `dependency "${name}" has workspace = true and "${k}"; an inherited entry takes "${k}" from [workspace.dependencies]`,
          `remove "${k}" here, or drop workspace = true`,
        );
      }
    }
  }
  if (localPath !== undefined && gitUrl !== undefined) {
    conflict(
      "git",
      `dependency "${name}" has both "path" and "git"`,
      "keep one source: path for a local checkout, git for a repository",
    );
  }
  if (refs.length > 0 && gitUrl === undefined) {
    conflict(
      refs[0]!,
      `dependency "${name}" has "${refs[0]}" but no "git"`,
      `add git = "<url>", or remove "${refs[0]}"`,
    );
  }
  if (refs.length > 1) {
    conflict(
      refs[1]!,
      `dependency "${name}" has more than one of rev, tag, branch (${refs.join(", ")})`,
      "keep exactly one of rev, tag or branch",
    );
  }
  if (gitUrl !== undefined) {
    const problem = gitUrlProblem(gitUrl);
    if (problem !== undefined) {
      ctx.fail(
        "MANIFEST_E007",
        [...path, "git"],
        `git URL ${quoteValue(gitUrl)} of dependency "${name}" is refused: ${problem}`,
        'write git = "https://host/owner/repo.git" (https, http, file, ssh or git URLs only)',
      );
    }
  }
  refs.forEach((k, i) => {
    const problem = gitRefProblem(k, refValues[i]!);
    if (problem !== undefined) {
      ctx.fail(
        "MANIFEST_E007",
        [...path, k],
        `${k} ${quoteValue(refValues[i]!)} of dependency "${name}" is refused: ${problem}`,
        k === "rev"
          ? 'write rev = "<commit id>" (hex) or a ref name'
          : `write ${k} = "<name>" as git names it (e.g. "main", "v1.2.0")`,
      );
    }
  });
  if (localPath !== undefined && (localPath.length === 0 || localPath.includes("\0"))) {
    ctx.fail(
      "MANIFEST_E007",
      [...path, "path"],
      `path of dependency "${name}" must be a non-empty directory path`,
      'write path = "../other-package"',
    );
  }
  if (
    version === undefined && localPath === undefined && gitUrl === undefined &&
    workspace !== true
  ) {
    ctx.fail(
      "MANIFEST_E007",
      path,
      `dependency "${name}" in [${section}] gives no version, path, git or workspace`,
      `add version = "^1.0" (or path, git, or workspace = true)`,
      "key",
    );
  }

  const dep: Dependency = {
    ...base,
    requirement: version ?? "*",
    versionGiven: version !== undefined,
    optional,
    features,
    defaultFeatures,
  };
  if (capabilities !== undefined) dep.capabilities = capabilities;
  if (registry !== undefined) dep.registry = registry;
  if (localPath !== undefined) dep.path = localPath;
  if (workspace === true) dep.workspace = true;
  if (gitUrl !== undefined) {
    const git: GitSource = { url: gitUrl };
    if (refs.length === 1) git[refs[0]!] = refValues[0]!;
    dep.git = git;
  }
  return dep;
}

function checkCapabilities(ctx: Ctx, caps: string[], path: string[]): void {
  caps.forEach((cap, i) => {
    const problem = capabilityProblem(cap);
    if (problem !== undefined) {
      ctx.fail(
        "MANIFEST_E008",
        [...path, String(i)],
        `${problem.reason} in ${path.join(".")}${didYouMean(problem)}`,
        `capabilities are ${CAPABILITY_NAMES.join(", ")}, optionally scoped with ":" ` +
          '(e.g. "fs.read:/data")',
      );
    }
  });
}

function parseFeatures(ctx: Ctx, raw: Table | undefined): Record<string, string[]> {
  // Null prototype: feature names are the author's ("constructor", "__proto__" included).
  const out: Record<string, string[]> = Object.create(null);
  if (raw === undefined) return out;
  for (const [name, v] of Object.entries(raw)) {
    const list = ctx.stringArray(
      v,
      ["features", name],
      "MANIFEST_E013",
      `feature "${name}"`,
      `write ${name} = ["dep-or-feature", ...]`,
    )!;
    Object.defineProperty(out, name, { value: list, enumerable: true, writable: true });
  }
  return out;
}

function parseCapabilities(ctx: Ctx, raw: unknown): Capabilities {
  const out: Capabilities = { required: [], optional: [], optionalFeatures: Object.create(null) };
  if (raw === undefined) return out;
  const hint = 'write [capabilities] with required = ["fs.read", ...]';
  if (!isTable(raw)) {
    ctx.fail(
      "MANIFEST_E008",
      ["capabilities"],
      `"capabilities" must be a table, found ${describe(raw)}`,
      hint,
    );
  }
  ctx.unknownKeys(raw, ["capabilities"], CAPABILITY_KEYS, "[capabilities]");
  for (const key of ["required", "optional", "allowed"] as const) {
    const list = ctx.stringArray(
      raw[key],
      ["capabilities", key],
      "MANIFEST_E008",
      `[capabilities] ${key}`,
      hint,
    );
    if (list === undefined) continue;
    checkCapabilities(ctx, list, ["capabilities", key]);
    out[key] = list;
  }
  const of = raw.optional_features;
  if (of !== undefined) {
    if (!isTable(of)) {
      ctx.fail(
        "MANIFEST_E008",
        ["capabilities", "optional_features"],
        `[capabilities] optional_features must be a table, found ${describe(of)}`,
        'write optional_features = { feature = ["net.dial"] }',
      );
    }
    for (const [feat, v] of Object.entries(of)) {
      const at = ["capabilities", "optional_features", feat];
      const list = ctx.stringArray(
        v,
        at,
        "MANIFEST_E008",
        `optional_features.${feat}`,
        `write ${feat} = ["net.dial"]`,
      )!;
      checkCapabilities(ctx, list, at);
      list.forEach((cap, i) => {
        if (!out.optional.includes(cap) && !out.optional.includes(capabilityBase(cap))) {
          ctx.fail(
            "MANIFEST_E008",
            [...at, String(i)],
            `capability "${cap}" in optional_features.${feat} is not listed in [capabilities] optional`,
            `add "${cap}" to [capabilities] optional`,
          );
        }
      });
      Object.defineProperty(out.optionalFeatures, feat, {
        value: list,
        enumerable: true,
        writable: true,
      });
    }
  }
  return out;
}

const RUST_DEPENDENCY_KEYS = [
  "version",
  "features",
  "default-features",
  "default_features",
  "package",
  "optional",
  "path",
  "git",
  "rev",
  "tag",
  "branch",
];

/** `[targets.rust.ffi]`: cargo's dependency syntax, string or table. */
function parseRustDependencies(ctx: Ctx, targets: Table | undefined): Map<string, RustDependency> {
  const out = new Map<string, RustDependency>();
  const rust = targets?.rust;
  if (rust === undefined) return out;
  if (!isTable(rust)) {
    ctx.fail(
      "MANIFEST_E013",
      ["targets", "rust"],
      "[targets.rust] must be a table",
      "write [targets.rust.ffi]",
    );
  }
  const ffi = rust.ffi;
  if (ffi === undefined) return out;
  if (!isTable(ffi)) {
    ctx.fail(
      "RUST_E002",
      ["targets", "rust", "ffi"],
      `[targets.rust.ffi] must be a table of crate = "requirement" entries, found ${describe(ffi)}`,
      'write [targets.rust.ffi] with serde = { version = "1", features = ["derive"] }',
    );
  }
  for (const [name, entry] of Object.entries(ffi)) {
    const path = ["targets", "rust", "ffi", name];
    const line = ctx.line(path);
    const where = `crate "${name}" in [targets.rust.ffi]`;
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
      ctx.fail(
        "RUST_E002",
        path,
        `invalid crate name "${name}" in [targets.rust.ffi]`,
        "crate names are ASCII letters, digits, - and _",
        "key",
      );
    }
    const checkReq = (req: string, at: string[]): void =>
      ctx.requirement(
        req,
        at,
        "RUST_E002",
        where,
        'use cargo requirement syntax: "1", "^1.2", "~0.3", ">=1, <2"',
      );

    if (typeof entry === "string") {
      checkReq(entry, path);
      out.set(name, {
        name,
        package: name,
        requirement: entry,
        features: [],
        defaultFeatures: true,
        optional: false,
        line,
      });
      continue;
    }
    if (!isTable(entry)) {
      ctx.fail(
        "RUST_E002",
        path,
        `${where} must be a requirement string or a table, found ${describe(entry)}`,
        `write ${name} = "1" or ${name} = { version = "1", features = [...] }`,
      );
    }
    ctx.unknownKeys(entry, path, RUST_DEPENDENCY_KEYS, where);
    const requirement = entry.version ?? "*";
    if (typeof requirement !== "string") {
      ctx.fail(
        "RUST_E002",
        [...path, "version"],
        `"version" of ${where} must be a string`,
        'write version = "1"',
      );
    }
    checkReq(requirement, [...path, "version"]);
    const features = ctx.stringArray(
      entry.features,
      [...path, "features"],
      "RUST_E002",
      `"features" of ${where}`,
      'write features = ["derive"]',
    ) ?? [];
    const df = entry["default-features"] ?? entry.default_features ?? true;
    if (typeof df !== "boolean") {
      ctx.fail(
        "RUST_E002",
        [...path, "default-features"],
        `"default-features" of ${where} must be true or false`,
        "write default-features = false",
      );
    }
    const optional = entry.optional ?? false;
    if (typeof optional !== "boolean") {
      ctx.fail(
        "RUST_E002",
        [...path, "optional"],
        `"optional" of ${where} must be true or false`,
        "write optional = true",
      );
    }
    const pkg = entry.package ?? name;
    if (typeof pkg !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(pkg)) {
      ctx.fail(
        "RUST_E002",
        [...path, "package"],
        `"package" of ${where} must be a crate name`,
        'write package = "real-crate-name"',
      );
    }
    const source = rustSource(ctx, entry, path, where);
    out.set(name, {
      name,
      package: pkg,
      requirement,
      features,
      defaultFeatures: df,
      optional,
      ...source,
      line,
    });
  }
  return out;
}

/** A `[targets.rust.ffi]` entry's `path` or `git` + `rev|tag|branch`, checked as cargo does. */
function rustSource(
  ctx: Ctx,
  entry: Table,
  path: string[],
  where: string,
): { path?: string; git?: GitSource } {
  const str = (key: string): string | undefined => {
    const v = entry[key];
    if (v === undefined) return undefined;
    if (typeof v !== "string" || v.length === 0 || v.includes("\0")) {
      ctx.fail(
        "RUST_E002",
        [...path, key],
        `"${key}" of ${where} must be a non-empty string`,
        `write ${key} = "…"`,
      );
    }
    return v;
  };
  const dir = str("path");
  const url = str("git");
  const refs = (["rev", "tag", "branch"] as const).filter((k) => entry[k] !== undefined);
  if (dir !== undefined && url !== undefined) {
    ctx.fail(
      "RUST_E002",
      [...path, "git"],
      `${where} has both "path" and "git"`,
      "keep one source: path for a local crate, git for a repository",
      "key",
    );
  }
  if (refs.length > 0 && url === undefined) {
    ctx.fail(
      "RUST_E002",
      [...path, refs[0]!],
      `${where} has "${refs[0]}" but no "git"`,
      `add git = "<url>", or remove "${refs[0]}"`,
      "key",
    );
  }
  if (refs.length > 1) {
    ctx.fail(
      "RUST_E002",
      [...path, refs[1]!],
      `${where} has more than one of rev, tag, branch (${refs.join(", ")})`,
      "keep exactly one of rev, tag or branch",
      "key",
    );
  }
  if (dir !== undefined) return { path: dir };
  if (url === undefined) return {};
  const problem = gitUrlProblem(url);
  if (problem !== undefined) {
    ctx.fail(
      "RUST_E002",
      [...path, "git"],
      `git URL ${quoteValue(url)} of ${where} is refused: ${problem}`,
      'write git = "https://host/owner/repo.git" (https, http, file, ssh or git URLs only)',
    );
  }
  const git: GitSource = { url };
  for (const k of refs) {
    const value = str(k)!;
    const p = gitRefProblem(k, value);
    if (p !== undefined) {
      ctx.fail(
        "RUST_E002",
        [...path, k],
        `${k} ${quoteValue(value)} of ${where} is refused: ${p}`,
        `write ${k} = "<name>" as git names it`,
      );
    }
    git[k] = value;
  }
  return { git };
}

/** `[targets.go.ffi]`: `"<module>" = "<version or query>"` (issue 14 item 2). */
function parseGoDependencies(ctx: Ctx, targets: Table | undefined): Map<string, GoDependency> {
  const out = new Map<string, GoDependency>();
  const go = targets?.go;
  if (go === undefined) return out;
  if (!isTable(go)) {
    ctx.fail(
      "MANIFEST_E013",
      ["targets", "go"],
      "[targets.go] must be a table",
      "write [targets.go.ffi]",
    );
  }
  const ffi = go.ffi;
  if (ffi === undefined) return out;
  const example = 'write [targets.go.ffi] with "github.com/google/uuid" = "v1.6.0"';
  if (!isTable(ffi)) {
    ctx.fail(
      "GO_E011",
      ["targets", "go", "ffi"],
      `[targets.go.ffi] must be a table of "<module>" = "<version>" entries, found ${
        describe(ffi)
      }`,
      example,
    );
  }
  for (const [module, query] of Object.entries(ffi)) {
    const path = ["targets", "go", "ffi", module];
    const problem = modulePathProblem(module);
    if (problem !== undefined) {
      ctx.fail(
        "GO_E011",
        path,
        `invalid Go module path ${quoteValue(module)} in [targets.go.ffi]: ${problem}`,
        example,
        "key",
      );
    }
    if (typeof query !== "string") {
      ctx.fail(
        "GO_E011",
        path,
        `Go module "${module}" in [targets.go.ffi] must be a version string, found ${
          describe(query)
        }`,
        `write "${module}" = "v1.2.3" (or "latest", "v1", ">=v1.2.0")`,
      );
    }
    const parsed = parseGoQuery(query);
    if (typeof parsed === "string") {
      ctx.fail(
        "GO_E011",
        path,
        `invalid version ${
          quoteValue(query)
        } for Go module "${module}" in [targets.go.ffi]: ${parsed}`,
        `write "${module}" = "v1.2.3" (or "latest", "v1", ">=v1.2.0")`,
      );
    }
    out.set(module, { module, query, line: ctx.line(path) });
  }
  return out;
}

const PYTHON_DEPENDENCY_KEYS = ["version", "extras", "index", "git", "rev", "path"];

/** The platforms `pythonEnvironment` (src/python/resolve.ts) knows. */
const PYTHON_TARGET_PLATFORMS = [
  "linux-x86_64",
  "linux-aarch64",
  "macos-arm64",
  "macos-x86_64",
  "windows-x86_64",
];

/** `[targets.python]` `python = "3.12"` and `platform = "linux-x86_64"`, strictly. */
function parsePythonTarget(ctx: Ctx, targets: Table | undefined): PythonTarget | undefined {
  const python = targets?.python;
  if (!isTable(python)) return undefined;
  // Unknown keys of [targets.python] are reported once, by parseFanoutTargets.
  const out: PythonTarget = {};
  if (python.python !== undefined) {
    const v = python.python;
    if (typeof v !== "string" || !/^3\.\d{1,2}(?:\.\d{1,3})?$/.test(v)) {
      ctx.fail(
        "MANIFEST_E013",
        ["targets", "python", "python"],
        `[targets.python] python must be a CPython version such as "3.12", found ${
          typeof v === "string" ? quoteValue(v) : describe(v)
        }`,
        'write python = "3.12" (or "3.12.4")',
      );
    }
    out.python = v as string;
  }
  if (python.platform !== undefined) {
    const v = python.platform;
    if (typeof v !== "string" || !PYTHON_TARGET_PLATFORMS.includes(v)) {
      ctx.fail(
        "MANIFEST_E013",
        ["targets", "python", "platform"],
        `[targets.python] platform must be one of ${PYTHON_TARGET_PLATFORMS.join(", ")}, found ${
          typeof v === "string" ? quoteValue(v) : describe(v)
        }`,
        'write platform = "linux-x86_64"',
      );
    }
    out.platform = v as string;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * `[targets.python.ffi]` (README §Python distributions): a string or a table per entry; each entry
 * becomes the requirement text an import line would hold, so both follow one grammar, checked
 * by the Python bridge (`parsePythonImportSpec`) with this entry's position.
 */
function parsePythonDependencies(
  ctx: Ctx,
  targets: Table | undefined,
): Map<string, PythonDependency> {
  const out = new Map<string, PythonDependency>();
  const python = targets?.python;
  if (python === undefined) return out;
  if (!isTable(python)) {
    ctx.fail(
      "MANIFEST_E013",
      ["targets", "python"],
      "[targets.python] must be a table",
      "write [targets.python.ffi]",
    );
  }
  const ffi = python.ffi;
  if (ffi === undefined) return out;
  if (!isTable(ffi)) {
    ctx.fail(
      "PY_E010",
      ["targets", "python", "ffi"],
      `[targets.python.ffi] must be a table of name = "specifier" entries, found ${describe(ffi)}`,
      'write [targets.python.ffi] with httpx = ">=0.27"',
    );
  }
  for (const [name, entry] of Object.entries(ffi)) {
    const path = ["targets", "python", "ffi", name];
    const where = `distribution ${quoteValue(name)} in [targets.python.ffi]`;
    if (!/^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,198}[A-Za-z0-9])?$/.test(name)) {
      ctx.fail(
        "PY_E010",
        path,
        `invalid distribution name ${quoteValue(name)} in [targets.python.ffi]`,
        "a distribution name is ASCII letters, digits, - _ and ., starting and ending with a " +
          "letter or digit",
        "key",
      );
    }
    // The alias: the key with every run of - _ . made _ (pythonAliasOf in src/python/imports.ts).
    const aliasText = name.replace(/[-_.]+/g, "_");
    const alias = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(aliasText) ? aliasText : undefined;
    if (alias === undefined) {
      ctx.fail(
        "PY_E010",
        path,
        `${where} gives no Mochi alias (${quoteValue(name)} starts with a digit)`,
        `import it from the source instead: import python "${name}" as <alias>`,
        "key",
      );
    }
    let text: string;
    let at = path;
    if (typeof entry === "string") {
      text = entry.trim() === "*" ? name : `${name}${entry}`;
    } else if (isTable(entry)) {
      ctx.unknownKeys(entry, path, PYTHON_DEPENDENCY_KEYS, where);
      const str = (key: string): string | undefined => {
        const v = entry[key];
        if (v === undefined) return undefined;
        if (typeof v !== "string" || v.length === 0) {
          ctx.fail(
            "PY_E010",
            [...path, key],
            `"${key}" of ${where} must be a non-empty string, found ${describe(v)}`,
            `write ${key} = "…"`,
          );
        }
        return v;
      };
      const version = str("version");
      const index = str("index");
      const git = str("git");
      const rev = str("rev");
      const dir = str("path");
      const extras = ctx.stringArray(
        entry.extras,
        [...path, "extras"],
        "PY_E010",
        `"extras" of ${where}`,
        'write extras = ["http2"]',
      ) ?? [];
      const sources = [index, git, dir].filter((v) => v !== undefined).length;
      if (sources > 1 || (sources === 1 && version !== undefined) || (rev && git === undefined)) {
        ctx.fail(
          "PY_E010",
          path,
          `${where} mixes sources: give version (with an optional index), git (with rev), or ` +
            "path",
          `write ${name} = { version = ">=1" }, { git = "https://…", rev = "…" } or ` +
            '{ path = "../dir" }',
        );
      }
      const ex = extras.length > 0 ? `[${extras.join(",")}]` : "";
      text = git !== undefined
        ? `${name}${ex}@git+${git}${rev !== undefined ? `#${rev}` : ""}`
        : dir !== undefined
        ? `${name}${ex}@path+${dir}`
        : index !== undefined
        ? `${name}${ex}@index+${index}`
        : `${name}${ex}${version === undefined || version.trim() === "*" ? "" : version}`;
      at = [...path, git !== undefined ? "git" : dir !== undefined ? "path" : "version"];
      if (entry[at[at.length - 1]!] === undefined) at = path;
    } else {
      ctx.fail(
        "PY_E010",
        path,
        `${where} must be a specifier string or a table, found ${describe(entry)}`,
        `write ${name} = ">=1" or ${name} = { version = ">=1", extras = [...] }`,
      );
    }
    if (text.length > 8192) {
      ctx.fail("PY_E010", at, `${where} is longer than 8192 characters`, "shorten it");
    }
    const pos = ctx.loc.value(at);
    out.set(name, {
      name,
      alias: alias!,
      requirement: text,
      line: ctx.line(path),
      column: pos.column,
    });
  }
  return out;
}

function parseRegistry(ctx: Ctx, raw: unknown): RegistryConfig {
  const out: RegistryConfig = { alternates: [] };
  if (raw === undefined) return out;
  if (!isTable(raw)) {
    ctx.fail(
      "MANIFEST_E009",
      ["registry"],
      `"registry" must be a table, found ${describe(raw)}`,
      'write [registry] with default = "https://index.example" or a directory path',
    );
  }
  ctx.unknownKeys(raw, ["registry"], REGISTRY_KEYS, "[registry]");
  if (raw.default !== undefined) {
    if (typeof raw.default !== "string" || raw.default.length === 0) {
      ctx.fail(
        "MANIFEST_E009",
        ["registry", "default"],
        `[registry] default must be a URL or path string, found ${
          typeof raw.default === "string" ? "an empty string" : describe(raw.default)
        }`,
        'write default = "https://index.example" or default = "./registry"',
      );
    }
    out.default = raw.default;
  }
  const crates = raw["crates-io"];
  if (crates !== undefined) {
    if (typeof crates !== "string" || !/^(sparse\+)?(https?|file):\/\//.test(crates)) {
      ctx.fail(
        "MANIFEST_E009",
        ["registry", "crates-io"],
        `[registry] crates-io must be a cargo sparse index URL, found ${describe(crates)}`,
        'write crates-io = "sparse+https://index.crates.io/"',
      );
    }
    out.cratesIo = crates;
  }
  const pypi = raw.pypi;
  if (pypi !== undefined) {
    if (typeof pypi !== "string" || !/^(https?|file):\/\/[^\s]+$/.test(pypi)) {
      ctx.fail(
        "MANIFEST_E009",
        ["registry", "pypi"],
        `[registry] pypi must be a PEP 691 simple index URL (http, https or file), found ${
          typeof pypi === "string" ? quoteValue(pypi) : describe(pypi)
        }`,
        'write pypi = "https://<index host>/simple/"',
      );
    }
    out.pypi = pypi;
  }
  const vendor = raw.vendor;
  if (vendor !== undefined) {
    if (typeof vendor !== "string" || vendor.length === 0 || vendor.includes("\0")) {
      ctx.fail(
        "MANIFEST_E009",
        ["registry", "vendor"],
        `[registry] vendor must be a directory path, found ${
          typeof vendor === "string" ? quoteValue(vendor) : describe(vendor)
        }`,
        'write vendor = "vendor" (the directory `mochi vendor` wrote)',
      );
    }
    out.vendor = vendor;
  }
  const alt = raw.alternate;
  if (alt !== undefined) {
    if (!Array.isArray(alt)) {
      ctx.fail(
        "MANIFEST_E009",
        ["registry", "alternate"],
        `[registry] alternate must be an array of tables, found ${describe(alt)}`,
        'write [[registry.alternate]] tables with name = "corp" and url = "https://..."',
      );
    }
    alt.forEach((a, i) => {
      const at = ["registry", "alternate", String(i)];
      if (!isTable(a) || typeof a.name !== "string" || typeof a.url !== "string") {
        ctx.fail(
          "MANIFEST_E009",
          at,
          `[[registry.alternate]] entry ${i + 1} needs string "name" and "url"`,
          'write name = "corp" and url = "https://..."',
        );
      }
      out.alternates.push({ name: a.name, url: a.url });
    });
  }
  const mirrors = raw.mirrors;
  if (mirrors !== undefined) {
    if (
      !Array.isArray(mirrors) ||
      mirrors.some((m) => typeof m !== "string" || !/^https?:\/\/[^\s]+$/.test(m))
    ) {
      ctx.fail(
        "MANIFEST_E009",
        ["registry", "mirrors"],
        `[registry] mirrors must be an array of http(s) URLs, found ${describe(mirrors)}`,
        'write mirrors = ["https://mirror.example/index/"]',
      );
    }
    out.mirrors = mirrors as string[];
  }
  return out;
}

function parseAllowMultiVersion(
  ctx: Ctx,
  doc: Table,
  workspace: Table | undefined,
): string[] | "*" {
  const top = doc[ALLOW_MULTI_VERSION_KEY];
  const ws = workspace?.[ALLOW_MULTI_VERSION_KEY];
  if (top !== undefined && ws !== undefined) {
    ctx.fail(
      "MANIFEST_E010",
      ["workspace", ALLOW_MULTI_VERSION_KEY],
      "allow-multi-version is given both at the top level and in [workspace]",
      "keep one: the top-level key (before any [table]) is the primary form",
      "key",
    );
  }
  const raw = top ?? ws;
  const path = top !== undefined
    ? [ALLOW_MULTI_VERSION_KEY]
    : ["workspace", ALLOW_MULTI_VERSION_KEY];
  if (raw === undefined) return [];
  const hint =
    'write allow-multi-version = ["@scope/name", ...] or "*" (as a top-level key, before any [table])';
  if (raw === "*") return "*";
  if (!Array.isArray(raw)) {
    const shown = typeof raw === "string" ? `"${raw}"` : describe(raw);
    ctx.fail(
      "MANIFEST_E010",
      path,
      `allow-multi-version must be "*" or an array of package names, found ${shown}`,
      hint,
    );
  }
  raw.forEach((el, i) => {
    const problem = typeof el === "string" ? packageNameProblem(el) : `found ${describe(el)}`;
    if (problem !== undefined) {
      ctx.fail(
        "MANIFEST_E010",
        [...path, String(i)],
        `allow-multi-version entry ${i + 1} is not a package name: ${problem}`,
        hint,
      );
    }
  });
  return [...(raw as string[])];
}

function reasonOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
