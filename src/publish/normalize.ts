/**
 * The `mochi.toml` a workspace member is published with (cargo's normalized `Cargo.toml`, the
 * cargo book, "Publishing on crates.io" and "Workspaces"): a registry package must read on its
 * own, without the workspace it was written in, so every `key.workspace = true` in `[package]`
 * becomes the root's `[workspace.package]` value, every `name = { workspace = true, … }`
 * dependency becomes the entry it inherits (version, features, registry), `path` is removed
 * from every dependency that has a `version` (cargo's rule: consumers take the version from the
 * registry), a `[dev-dependencies]` entry with a path or git source and no version is left out
 * (cargo's rule: consumers never build a package's dev-dependencies), and the `[workspace]` and
 * `[registry]` tables go (workspace configuration, not part of the package).
 *
 * @module
 */
import { parse as parseToml, stringify } from "smol-toml";
import { MochiError } from "../errors.ts";
import { parseManifest } from "../manifest/parse.ts";
import type { Dependency, Manifest, WorkspaceContext } from "../manifest/types.ts";

/** The first lines of every normalized manifest (cargo writes a header of the same kind). */
export const NORMALIZED_MANIFEST_HEADER: string =
  "# Written by mochi publish from a workspace member's mochi.toml: values inherited from the\n" +
  "# workspace are written out, path sources are removed (their versions stay), and the\n" +
  "# [workspace] and [registry] tables are left out.\n";

/** A member's manifest as it is published. */
export interface NormalizedManifest {
  /** The `mochi.toml` text that goes into the archive. */
  text: string;
  /** {@link NormalizedManifest.text} parsed on its own (no workspace context). */
  manifest: Manifest;
  /** Dev-dependencies left out (a path or git source without a version), `table name` each. */
  droppedDevDependencies: string[];
}

type Table = Record<string, unknown>;

function isTable(v: unknown): v is Table {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

/** A TOML key: bare when it can be, else a basic string (JSON's escapes are TOML's). */
function tomlKey(key: string): string {
  return BARE_KEY.test(key) ? key : JSON.stringify(key);
}

/** A value as inline TOML (strings, booleans, numbers, arrays and tables of them). */
function inlineValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "boolean" || typeof v === "number") return String(v);
  if (Array.isArray(v)) return `[${v.map(inlineValue).join(", ")}]`;
  if (isTable(v)) {
    const parts = Object.entries(v).map(([k, x]) => `${tomlKey(k)} = ${inlineValue(x)}`);
    return parts.length === 0 ? "{}" : `{ ${parts.join(", ")} }`;
  }
  // Dates and the like: smol-toml writes them (never in a dependency entry the parser accepts).
  return stringify({ v }).replace(/^v = /, "").trim();
}

/**
 * One dependency entry as published: its requirement and the keys a consumer's resolver reads,
 * no `path`, `git` or `workspace`.
 */
function publishedEntry(d: Dependency, raw: unknown): string {
  const fields: Table = {};
  if (d.versionGiven) fields.version = d.requirement;
  if (d.optional) fields.optional = true;
  if (d.features.length > 0) fields.features = [...d.features];
  if (!d.defaultFeatures) fields["default-features"] = false;
  if (d.capabilities !== undefined) fields.capabilities = [...d.capabilities];
  if (d.registry !== undefined) fields.registry = d.registry;
  if (isTable(raw) && raw.targets !== undefined) fields.targets = raw.targets;
  const keys = Object.keys(fields);
  return keys.length === 1 && keys[0] === "version"
    ? JSON.stringify(d.requirement)
    : inlineValue(fields);
}

/**
 * Normalize a workspace member's `mochi.toml` for publishing (see the module's text).
 *
 * @param text the member's `mochi.toml` as written
 * @param file its path, for errors
 * @param workspace the root it inherits from; undefined for the root package itself
 * @returns the text to pack, its parsed form and the dev-dependencies left out
 * @throws {MochiError} WORKSPACE_E004 a `[dependencies]` (or platform `dependencies`) entry from
 *   git, or with a path and no version; the manifest codes of `text`
 */
export function normalizeMemberManifest(
  text: string,
  file: string,
  workspace: WorkspaceContext | undefined,
): NormalizedManifest {
  const { manifest } = parseManifest(text, file, workspace ? { workspace } : {});
  const raw = parseToml(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as Table;
  const inheritable = (workspace?.config ?? manifest.workspace)?.package as Table | undefined;
  const dropped: string[] = [];
  const name = manifest.package.name;

  const table = (
    section: string,
    rawTable: unknown,
    parsed: ReadonlyMap<string, Dependency>,
    dev: boolean,
  ): string[] => {
    const lines: string[] = [];
    for (const [dep, d] of parsed) {
      const rawEntry = isTable(rawTable) ? rawTable[dep] : undefined;
      if (d.git !== undefined || (d.path !== undefined && !d.versionGiven)) {
        if (dev && !d.versionGiven) {
          dropped.push(`[${section}] ${dep}`);
          continue;
        }
        if (!dev) {
          throw new MochiError(
            "WORKSPACE_E004",
            `${name} cannot be published: [${section}] ${dep} ${
              d.git !== undefined ? "comes from git" : "has a path and no version"
            } (a published package names its dependencies by version)`,
            { hint: `depend on a published version of ${dep} (version = "…")`, file },
          );
        }
      }
      lines.push(`${tomlKey(dep)} = ${publishedEntry(d, rawEntry)}`);
    }
    return lines;
  };

  const out: string[] = [NORMALIZED_MANIFEST_HEADER];
  const scalars: Table = {};
  const tables: [string, string][] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (key === "workspace" || key === "registry") continue;
    if (key === "package" && isTable(value)) {
      const pkg: Table = {};
      for (const [k, v] of Object.entries(value)) {
        pkg[k] = isTable(v) && v.workspace === true && inheritable !== undefined
          ? inheritable[k]
          : v;
      }
      tables.push([key, stringify({ package: pkg })]);
    } else if (key === "dependencies" || key === "dev-dependencies") {
      const parsed = key === "dependencies" ? manifest.dependencies : manifest.devDependencies;
      const lines = table(key, value, parsed, key === "dev-dependencies");
      if (lines.length > 0) tables.push([key, `[${key}]\n${lines.join("\n")}\n`]);
    } else if (key === "target" && isTable(value)) {
      const parts: string[] = [];
      for (const [cfg, t] of Object.entries(value)) {
        const p = manifest.platformDependencies?.find((x) => x.cfg === cfg);
        if (p === undefined || !isTable(t)) continue;
        for (const sub of ["dependencies", "dev-dependencies"] as const) {
          const parsed = sub === "dependencies" ? p.dependencies : p.devDependencies;
          const lines = table(`target.'${cfg}'.${sub}`, t[sub], parsed, sub === "dev-dependencies");
          if (lines.length > 0) {
            parts.push(`[target.${tomlKey(cfg)}.${sub}]\n${lines.join("\n")}\n`);
          }
        }
      }
      if (parts.length > 0) tables.push([key, parts.join("\n")]);
    } else if (isTable(value)) {
      tables.push([key, stringify({ [key]: value })]);
    } else scalars[key] = value;
  }
  if (Object.keys(scalars).length > 0) out.push(stringify(scalars));
  for (const [, t] of tables) out.push(t.endsWith("\n") ? t : `${t}\n`);
  const normalized = out.map((s) => s.trimEnd()).join("\n\n") + "\n";
  return {
    text: normalized,
    manifest: parseManifest(normalized, file).manifest,
    droppedDevDependencies: dropped,
  };
}
