/**
 * A {@link FanoutPackage} from a project's data (pure): the target's name and mapped version, its
 * compiler output with `overrides` applied, its dependencies in the ecosystem's names and syntax
 * (target `dependencies`, the `ffi` entries of the Rust and Python bridges, and each Mochi
 * dependency under the name it has on the same target), and its lowered capabilities. The adapter
 * that reads a project directory into a {@link FanoutProject} is `readFanoutProject`
 * (`src/install/fanout.ts`).
 *
 * @module
 */

import { MochiError } from "../errors.ts";
import type { FanoutTarget, FanoutTargetName, Manifest } from "../manifest/types.ts";
import { checkArchivePath, compareUtf8 } from "./archive.ts";
import { lowerCapabilitiesFor } from "./capabilities.ts";
import { ecosystemName, targetOf } from "./names.ts";
import type { Ecosystem, FanoutDependency, FanoutFile, FanoutPackage } from "./types.ts";
import { mapRange, mapVersion } from "./versions.ts";

/** Everything {@link buildFanoutPackage} needs, already read from disk. */
export interface FanoutProject {
  /** The project's manifest. */
  manifest: Manifest;
  /** The manifest's path, for positioned errors. */
  manifestFile?: string;
  /** The package's locked capability set (the project's and every locked package's). */
  capabilities: readonly string[];
  /** Each opted-in target's compiler output: paths relative to its `out`. */
  outputs: ReadonlyMap<FanoutTargetName, readonly FanoutFile[]>;
  /** The bytes of every `overrides` source, keyed by its project-relative path. */
  overrideFiles: ReadonlyMap<string, Uint8Array>;
  /** `[package] readme`, read. */
  readme?: { path: string; bytes: Uint8Array };
  /**
   * The manifest of each Mochi dependency (by name), to learn its name on each target;
   * `undefined` when it could not be read (the package is then refused for that dependency).
   */
  dependencyManifests: ReadonlyMap<string, Manifest | undefined>;
}

/**
 * The fan-out target table configuring an ecosystem, or a refusal.
 *
 * @param manifest the project's manifest
 * @param ecosystem the ecosystem
 * @returns the table
 * @throws {MochiError} `FANOUT_E011` when the project does not opt into it
 */
export function targetTableFor(manifest: Manifest, ecosystem: Ecosystem): FanoutTarget {
  const t = targetOf(ecosystem);
  const table = manifest.fanoutTargets?.get(t);
  if (table === undefined) {
    throw new MochiError(
      "FANOUT_E011",
      `${manifest.package.name} does not target ${ecosystem}: mochi.toml has no [targets.${t}] out`,
      { hint: `add [targets.${t}] with out = "target/${t}" (the compiler's output folder)` },
    );
  }
  return table;
}

/** Splits a PEP 508 requirement (`rich[jupyter]>=13`) into name (with extras) and specifier. */
function splitPythonRequirement(requirement: string, what: string): [string, string] {
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*(?:\[[^\]]*\])?)\s*(.*)$/.exec(requirement);
  if (m === null || m[2]!.startsWith("@")) {
    throw new MochiError(
      "FANOUT_E003",
      `${what} ${JSON.stringify(requirement)} is not an index requirement PyPI accepts`,
      { hint: "PyPI refuses direct URL, git and path dependencies; depend on a released version" },
    );
  }
  return [m[1]!, m[2]!.trim() === "" ? "" : m[2]!.trim()];
}

function mochiDependency(
  ecosystem: Ecosystem,
  project: FanoutProject,
  name: string,
  requirement: string,
): FanoutDependency {
  const t = targetOf(ecosystem);
  const dep = project.dependencyManifests.get(name);
  if (dep === undefined) {
    throw new MochiError(
      "FANOUT_E005",
      `cannot tell what ${name} is called on ${ecosystem}: its mochi.toml could not be read`,
      { hint: "run mochi install first, so the dependency is in the lock and the store" },
    );
  }
  const table = dep.fanoutTargets?.get(t);
  if (table === undefined) {
    throw new MochiError(
      "FANOUT_E005",
      `dependency ${name} does not target ${ecosystem} (its mochi.toml has no [targets.${t}])`,
      {
        hint: `ask ${name}'s authors to publish for ${ecosystem}, or do not pack for ${ecosystem}`,
      },
    );
  }
  const id = ecosystemName(ecosystem, dep.package.name, table);
  return {
    name: id.group === undefined ? id.name : `${id.group}:${id.name}`,
    range: mapRange(ecosystem, requirement),
    kind: "normal",
  };
}

/**
 * Builds the package one ecosystem's packer receives.
 *
 * @param project the project's data
 * @param ecosystem the ecosystem to pack for
 * @returns the package: names, version and ranges mapped; files sorted by UTF-8 path
 * @throws {MochiError} `FANOUT_E011` (not opted in), `FANOUT_E004` (name), `FANOUT_E002`
 *   (version), `FANOUT_E003` (range), `FANOUT_E005` (a Mochi dependency not on this target),
 *   `FANOUT_E006` (capability), `FANOUT_E007` (an override source not read), `FANOUT_E001`
 *   (an output path)
 */
export function buildFanoutPackage(project: FanoutProject, ecosystem: Ecosystem): FanoutPackage {
  const { manifest } = project;
  const pkgInfo = manifest.package;
  const table = targetTableFor(manifest, ecosystem);
  const id = ecosystemName(ecosystem, pkgInfo.name, table, project.manifestFile);
  const version = mapVersion(ecosystem, pkgInfo.version);

  const files = new Map<string, FanoutFile>();
  for (const f of project.outputs.get(table.target) ?? []) {
    files.set(checkArchivePath(f.path), { ...f });
  }
  for (const o of table.overrides) {
    const bytes = project.overrideFiles.get(o.from);
    if (bytes === undefined) {
      throw new MochiError(
        "FANOUT_E007",
        `override source ${JSON.stringify(o.from)} for ${JSON.stringify(o.path)} was not read`,
        {
          hint: "create the file, or remove the override",
          ...(project.manifestFile === undefined ? {} : { file: project.manifestFile }),
          line: o.line,
        },
      );
    }
    const prev = files.get(o.path);
    files.set(checkArchivePath(o.path), {
      path: o.path,
      bytes,
      executable: prev?.executable ?? false,
    });
  }

  const dependencies: FanoutDependency[] = [];
  for (const dep of manifest.dependencies.values()) {
    if (dep.optional) continue;
    if (!dep.versionGiven) {
      throw new MochiError(
        "FANOUT_E003",
        `dependency ${dep.name} has no version requirement, so ${ecosystem} consumers could not resolve it`,
        { hint: `add version = "^x.y" beside its path or git source` },
      );
    }
    dependencies.push(mochiDependency(ecosystem, project, dep.name, dep.requirement));
  }
  for (const d of table.dependencies) {
    dependencies.push({ name: d.name, range: d.range, kind: d.kind });
  }
  if (ecosystem === "pypi") {
    for (const p of manifest.pythonDependencies?.values() ?? []) {
      const [name, range] = splitPythonRequirement(p.requirement, "[targets.python.ffi] entry");
      dependencies.push({ name, range, kind: "normal" });
    }
  }
  if (ecosystem === "crates") {
    for (const r of manifest.rustDependencies?.values() ?? []) {
      if (r.optional) continue;
      dependencies.push({ name: r.package, range: r.requirement, kind: "normal" });
    }
  }

  const capabilities = lowerCapabilitiesFor(
    ecosystem,
    { name: pkgInfo.name, version: pkgInfo.version },
    project.capabilities,
  );
  const pkg: FanoutPackage = {
    ecosystem,
    name: id.name,
    version,
    mochi: { name: pkgInfo.name, version: pkgInfo.version },
    authors: [...(pkgInfo.authors ?? [])],
    keywords: [...(pkgInfo.keywords ?? [])],
    dependencies,
    files: [...files.values()].sort((a, b) => compareUtf8(a.path, b.path)),
    capabilities,
    extra: { ...table.metadata },
  };
  if (id.group !== undefined) pkg.group = id.group;
  if (pkgInfo.description !== undefined) pkg.description = pkgInfo.description;
  if (pkgInfo.license !== undefined) pkg.license = pkgInfo.license;
  if (pkgInfo.repository !== undefined) pkg.repository = pkgInfo.repository;
  if (pkgInfo.homepage !== undefined) pkg.homepage = pkgInfo.homepage;
  if (project.readme !== undefined) pkg.readme = project.readme;
  return pkg;
}
