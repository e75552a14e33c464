/**
 * Reads the recorded cargo corpus (`fixtures/cargo-corpus/`, written by
 * `scripts/gen_cargo_corpus.ts`): for each case the manifest cargo was given and cargo's answer,
 * the `(name, version)` set of its `Cargo.lock` or its error.
 *
 * @module
 */

import { parse } from "smol-toml";
import type { RustRequirement } from "../src/rust/mod.ts";

/** A package cargo put in `Cargo.lock` (registry packages only; the root is left out). */
export interface CargoLockedPackage {
  /** Crate name. */
  name: string;
  /** Exact version. */
  version: string;
  /** SHA-256 of the `.crate` as the index's `cksum` gives it (hex). */
  checksum: string;
  /** Cargo's `dependencies` entries: `"name"`, or `"name version"` when several versions exist. */
  dependencies: string[];
}

/** Cargo's answer for one case. */
export type CargoExpectation =
  | { packages: CargoLockedPackage[] }
  | { error: string };

/** Cargo's dependency syntax as TOML parses it: a requirement string or a table. */
export type CargoDependencyTable = Record<string, string | Record<string, unknown>>;

/** One recorded case of the corpus. */
export interface CargoCorpusCase {
  /** Directory name under the corpus directory. */
  name: string;
  /** The exact `Cargo.toml` cargo resolved. */
  manifestToml: string;
  /** Its `[dependencies]` table (empty when absent). */
  dependencies: CargoDependencyTable;
  /** Its `[build-dependencies]` table (empty when absent). */
  buildDependencies: CargoDependencyTable;
  /** Its `[features]` table, the root's own features (empty when absent). */
  features: Record<string, string[]>;
  /**
   * Cargo's answer: the registry packages of `Cargo.lock` sorted by name then version string, or the
   * text of `cargo-error.txt` (cargo's stderr, temporary paths as `<tmp>`, port as `<port>`).
   */
  expected: CargoExpectation;
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/**
 * Loads every case of a recorded cargo corpus.
 *
 * @param dir corpus directory (e.g. `fixtures/cargo-corpus`); each sub-directory is a case with
 *   `Cargo.toml` and exactly one of `Cargo.lock`, `cargo-error.txt`
 * @returns the cases sorted by name
 * @throws Error when a case lacks `Cargo.toml`, has both or neither answer file, or a file does
 *   not parse as TOML
 */
export async function loadCargoCorpus(dir: string): Promise<CargoCorpusCase[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) if (e.isDirectory) names.push(e.name);
  names.sort();
  const out: CargoCorpusCase[] = [];
  for (const name of names) {
    const manifestToml = await readIfExists(`${dir}/${name}/Cargo.toml`);
    if (manifestToml === undefined) throw new Error(`${dir}/${name}: no Cargo.toml`);
    const lock = await readIfExists(`${dir}/${name}/Cargo.lock`);
    const error = await readIfExists(`${dir}/${name}/cargo-error.txt`);
    if ((lock === undefined) === (error === undefined)) {
      throw new Error(`${dir}/${name}: needs exactly one of Cargo.lock and cargo-error.txt`);
    }
    const manifest = parse(manifestToml) as Record<string, unknown>;
    let expected: CargoExpectation;
    if (lock !== undefined) {
      const parsed = parse(lock) as { package?: Record<string, unknown>[] };
      const packages = (parsed.package ?? [])
        .filter((p) => typeof p.source === "string")
        .map((p) => ({
          name: String(p.name),
          version: String(p.version),
          checksum: String(p.checksum ?? ""),
          dependencies: ((p.dependencies as string[] | undefined) ?? []).map(String),
        }))
        .sort((a, b) =>
          a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : 1
        );
      expected = { packages };
    } else {
      expected = { error: error! };
    }
    out.push({
      name,
      manifestToml,
      dependencies: (manifest.dependencies ?? {}) as CargoDependencyTable,
      buildDependencies: (manifest["build-dependencies"] ?? {}) as CargoDependencyTable,
      features: (manifest.features ?? {}) as Record<string, string[]>,
      expected,
    });
  }
  return out;
}

/**
 * A case's `Cargo.toml` tables as mochi requirements: `[dependencies]` and `[build-dependencies]`,
 * with the root's features all on, as in `Cargo.lock` (`x/feat` and `x?/feat` of `[features]`
 * add `feat` to `x`).
 *
 * @param c a recorded case
 * @returns one requirement per entry, in table order
 */
export function requirementsOf(c: CargoCorpusCase): RustRequirement[] {
  const out: RustRequirement[] = [];
  const byName = new Map<string, RustRequirement>();
  for (const table of [c.dependencies, c.buildDependencies]) {
    for (const [name, entry] of Object.entries(table)) {
      const t = typeof entry === "string" ? { version: entry } : entry;
      const r: RustRequirement = {
        name,
        package: typeof t.package === "string" ? t.package : name,
        requirement: typeof t.version === "string" ? t.version : "*",
        features: Array.isArray(t.features) ? [...t.features as string[]] : [],
        defaultFeatures: t["default-features"] !== false && t.default_features !== false,
      };
      out.push(r);
      if (!byName.has(name)) byName.set(name, r);
    }
  }
  for (const list of Object.values(c.features)) {
    for (const item of list) {
      const m = /^([^/?]+)\??\/(.+)$/.exec(item);
      if (m !== null) byName.get(m[1]!)?.features.push(m[2]!);
    }
  }
  return out;
}
