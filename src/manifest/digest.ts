/**
 * The canonical, resolution-relevant view of a manifest that the lockfile's `manifest_hash`
 * is computed over: BLAKE3 of the canonical manifest (RFC 8785-style canonical JSON).
 *
 * @module
 */

import { formatRequirement, parseRequirement } from "../semver/mod.ts";
import type { Dependency, Manifest } from "./types.ts";

/**
 * Canonical JSON of the parts of a manifest that can change the resolution: package name and
 * version, `[dependencies]` and `[dev-dependencies]` (requirement in canonical form, optional,
 * features, default-features, capability pin, registry, path, git, workspace), `[features]`,
 * `[capabilities]`, `[registry]`, `allow-multi-version` and the `[target.'cfg(…)']` tables.
 *
 * Whitespace, comments, key order, table style, `description`/`license`/… and the spelling of an
 * equivalent requirement (`"1.2"` vs `"^1.2"`) do not change the output. Object keys are sorted
 * by UTF-16 code unit order; lists whose order carries no meaning (features, capabilities,
 * allow-multi-version) are sorted and de-duplicated. Independent of locale and time zone.
 *
 * @param manifest a manifest from `parseManifest`
 * @returns a JSON string (no whitespace), stable across runs and platforms
 */
export function manifestDigestInput(manifest: Manifest): string {
  const deps = (m: Map<string, Dependency>) => {
    const out: Record<string, unknown> = Object.create(null);
    for (const [name, d] of m) {
      const entry: Record<string, unknown> = {
        requirement: canonicalRequirement(d.requirement),
        versionGiven: d.versionGiven,
        optional: d.optional,
        features: set(d.features),
        defaultFeatures: d.defaultFeatures,
      };
      if (d.capabilities !== undefined) entry.capabilities = set(d.capabilities);
      if (d.registry !== undefined) entry.registry = d.registry;
      if (d.path !== undefined) entry.path = d.path;
      if (d.git !== undefined) entry.git = { ...d.git };
      if (d.workspace) entry.workspace = true;
      out[name] = entry;
    }
    return out;
  };
  const caps = manifest.capabilities;
  // Null prototypes: a key "__proto__" must be hashed like any other name.
  const optionalFeatures: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(caps.optionalFeatures)) optionalFeatures[k] = set(v);
  const features: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(manifest.features)) features[k] = set(v);
  const registry: Record<string, unknown> = {};
  if (manifest.registry.default !== undefined) registry.default = manifest.registry.default;
  if (manifest.registry.alternates.length > 0) {
    registry.alternates = [...manifest.registry.alternates]
      .map((a) => ({ name: a.name, url: a.url }))
      .sort((a, b) => cmp(a.name, b.name) || cmp(a.url, b.url));
  }
  const capabilities: Record<string, unknown> = {
    required: set(caps.required),
    optional: set(caps.optional),
    optionalFeatures,
  };
  if (caps.allowed !== undefined) capabilities.allowed = set(caps.allowed);
  const view = {
    format: 1,
    name: manifest.package.name,
    version: manifest.package.version,
    dependencies: deps(manifest.dependencies),
    devDependencies: deps(manifest.devDependencies),
    features,
    capabilities,
    registry,
    allowMultiVersion: manifest.allowMultiVersion === "*" ? "*" : set(manifest.allowMultiVersion),
  };
  // Platform tables: keyed by the platforms they hold on (two spellings of one cfg hash alike);
  // absent when there are none, so the hash of every other manifest is what it was.
  if ((manifest.platformDependencies ?? []).length > 0) {
    const target: Record<string, unknown> = Object.create(null);
    for (const t of manifest.platformDependencies!) {
      const key = t.platforms.join(",");
      const prev = (target[key] ?? []) as unknown[];
      target[key] = [...prev, {
        dependencies: deps(t.dependencies),
        devDependencies: deps(t.devDependencies),
      }];
    }
    (view as Record<string, unknown>).target = target;
  }
  return canonicalJson(view);
}

/**
 * JSON with object keys sorted by UTF-16 code unit order at every depth and no whitespace.
 *
 * @param value plain data: objects, arrays, strings, finite numbers, booleans, null
 * @returns the canonical JSON text
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort(cmp);
    return `{${
      keys.map((k) =>
        `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`
      )
        .join(",")
    }}`;
  }
  return JSON.stringify(value ?? null);
}

function canonicalRequirement(text: string): string {
  try {
    return formatRequirement(parseRequirement(text));
  } catch {
    // A manifest from parseManifest always has valid requirements; keep hand-built ones as is.
    return text.trim();
  }
}

function set(list: readonly string[]): string[] {
  return [...new Set(list)].sort(cmp);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
