/**
 * `mochi add <pkg>[@req]`: look the package up (the same owner-registry rule as resolution),
 * pick a requirement when none is given (the highest release that is not yanked, written like
 * `cargo add`: `"1.0.200"` = `^1.0.200`), refuse a requirement no published version that is not
 * yanked meets (`PROJECT_E001`, naming the newest ones), warn about names near the registry's
 * popular ones (typosquatting guard), then resolve the edited manifest and update `mochi.lock`
 * as `cargo add` and `uv add` do (every other locked version stays preferred). `mochi.toml` is
 * written only once resolution succeeded, then `mochi.lock`: a failed add changes no file.
 * `noLock` (`--no-lock`, uv's `--frozen`) skips the resolution and leaves `mochi.lock` alone.
 * A package that only an alternate registry has is written with `registry = "<name>"`,
 * pinning it there.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { validatePackageName } from "../index/mod.ts";
import { addDependencyToText } from "../manifest/edit.ts";
import { checkNameCollision, type NameCollision } from "../manifest/similar_names.ts";
import { closestName } from "../manifest/names.ts";
import {
  compareVersions,
  formatVersion,
  parseRequirement,
  parseVersion,
  satisfies,
  tryParseVersion,
} from "../semver/mod.ts";
import type { IndexRecord } from "../index/mod.ts";
import { writeFileAtomic } from "../store/fs/fs_atomic.ts";
import { type InstallOptions, openProjectSources, type Project, readProject } from "./install.ts";
import { editedManifestOf, withEditedManifest } from "./project.ts";
import type { LockChange } from "./changes.ts";
import { relockProject, writeRelock } from "./relock.ts";
import { lockedRegistries, SourceRouter } from "./sources.ts";

/** What {@link addDependency} did. */
export interface AddReport {
  /** The package name. */
  name: string;
  /** The requirement written. */
  requirement: string;
  /** The registry the name was found on. */
  registry: string;
  /** Near-collisions with the registry's popular names (print them as warnings). */
  warnings: NameCollision[];
  /** Path of the manifest written. */
  manifestPath: string;
  /** Whether the entry replaced an existing one. */
  replaced: boolean;
  /** Whether `mochi.lock` was resolved again (false with `noLock`). */
  relocked: boolean;
  /** Whether `mochi.lock` was written. */
  lockWritten: boolean;
  /** Path of `mochi.lock`. */
  lockPath: string;
  /** What changed in `mochi.lock` (empty with `noLock`). */
  changes: LockChange[];
}

/** Options of {@link addDependency}. */
export interface AddOptions extends InstallOptions {
  /** The command-line argument, `name[@req]`. */
  spec: string;
  /** `--no-lock`: only edit `mochi.toml`; do not resolve or touch `mochi.lock`. */
  noLock?: boolean;
}

/**
 * Refuses a requirement that no published version meets, yanked versions not counted (they are
 * never picked by a fresh resolution).
 *
 * @param name the package
 * @param requirement the requirement given
 * @param records the package's index records
 * @throws {MochiError} `PROJECT_E001` naming the newest releases and whether the only match is
 *   yanked
 */
export function checkRequirementMet(
  name: string,
  requirement: string,
  records: readonly IndexRecord[],
): void {
  const req = parseRequirement(requirement);
  const versions = records.flatMap((r) => {
    const v = tryParseVersion(r.version);
    return v === undefined ? [] : [{ v, yanked: r.yanked }];
  }).sort((a, b) => compareVersions(b.v, a.v));
  if (versions.some((x) => !x.yanked && satisfies(x.v, req))) return;
  const yankedMatch = versions.find((x) => x.yanked && satisfies(x.v, req));
  const releases = versions.filter((x) => !x.yanked && x.v.pre.length === 0);
  const newest = releases.slice(0, 3).map((x) => formatVersion(x.v));
  throw new MochiError(
    "PROJECT_E001",
    yankedMatch
      ? `${name} ${formatVersion(yankedMatch.v)} meets "${requirement}" but is yanked, and no ` +
        `other published version meets it`
      : `no published version of ${name} meets "${requirement}"` +
        (newest.length > 0 ? ` (the newest: ${newest.join(", ")})` : ""),
    {
      hint: newest.length > 0
        ? `mochi add ${name}@${newest[0]} (or mochi add ${name} for the newest release)`
        : `${name} has no release that is not yanked`,
    },
  );
}

/**
 * Splits `name@req` (`@scope/name@^1` too) into name and optional requirement.
 *
 * @param spec the command-line argument
 * @returns the name and the requirement (undefined when none is given)
 * @throws {MochiError} `MANIFEST_E003` invalid name; `SEMVER_E002` invalid requirement
 */
export function parseAddSpec(spec: string): { name: string; requirement?: string } {
  const at = spec.lastIndexOf("@");
  const name = at > 0 ? spec.slice(0, at) : spec;
  const requirement = at > 0 ? spec.slice(at + 1) : undefined;
  validatePackageName(name);
  if (requirement !== undefined) parseRequirement(requirement);
  return requirement === undefined ? { name } : { name, requirement };
}

/**
 * Adds (or updates) a dependency in the project's `mochi.toml`.
 *
 * @param options project, home and registry options, the `spec` (`name[@req]`), `noLock`
 * @returns what was written, what changed in the lock, and the warnings to show
 * @throws {MochiError} `MANIFEST_E003`/`SEMVER_E002` bad spec; `INDEX_E002` when no configured
 *   registry has the package (naming the closest popular name); `PROJECT_E001` when no
 *   published version meets the requirement; `SEMVER_E002` when no release can be picked;
 *   `SOLVER_E002` when the project cannot be resolved with the new entry; manifest, network
 *   and snapshot errors. Nothing is written when it throws.
 */
export async function addDependency(options: AddOptions): Promise<AddReport> {
  const { name, requirement: given } = parseAddSpec(options.spec);
  const project = await readProject(options.projectDir);
  const sources = openProjectSources(project, options);
  const router = new SourceRouter(
    sources.registries,
    (url) => sources.client(url),
    sources.pinned,
    lockedRegistries(project.lock, sources.registries),
  );
  const records = await router.records(name);
  const owner = router.ownerOf(name) ?? sources.registries[0]!.url;
  const popular = await sources.client(owner).popularNames();
  const warnings = checkNameCollision(name, [], popular);
  if (records === null || records.length === 0) {
    const near = popular.length > 0 ? closestName(name, popular) : undefined;
    throw new MochiError(
      "INDEX_E002",
      `no package named ${name} in ${sources.registries.map((r) => r.url).join(", ")}`,
      {
        hint: near !== undefined && warnings.length > 0
          ? `did you mean "${warnings[0]!.name}"?`
          : near !== undefined
          ? `check the spelling (the closest popular name is "${near}")`
          : "check the spelling, or add the registry that has it under [[registry.alternate]]",
      },
    );
  }
  let requirement = given;
  if (requirement !== undefined) checkRequirementMet(name, requirement, records);
  if (requirement === undefined) {
    const releases = records.filter((r) => !r.yanked).map((r) => parseVersion(r.version))
      .filter((v) => v.pre.length === 0).sort(compareVersions);
    const best = releases.at(-1);
    if (best === undefined) {
      throw new MochiError(
        "SEMVER_E002",
        `${name} has no release that is not yanked or a pre-release; give a requirement`,
        { hint: `mochi add ${name}@<requirement>` },
      );
    }
    requirement = `${best.major}.${best.minor}.${best.patch}`;
  }
  // In a workspace: the member of the directory the command runs in.
  const { manifestPath, manifest: current, workspace } = editedManifestOf(
    project,
    options.projectDir,
  );
  const text = await Deno.readTextFile(manifestPath);
  const replaced = current.dependencies.has(name);
  // A package found on an alternate registry is pinned to it by name, so that a same-named
  // upload to an earlier registry can never take its place on a fresh resolution.
  const alternate = owner === sources.registries[0]!.url
    ? undefined
    : sources.registries.find((r) => r.url === owner)?.name;
  const next = addDependencyToText(text, name, requirement, manifestPath, alternate, workspace);
  const base = {
    name,
    requirement,
    registry: owner,
    warnings,
    manifestPath,
    replaced,
    lockPath: project.lockPath,
  };
  if (options.noLock) {
    await writeFileAtomic(manifestPath, new TextEncoder().encode(next));
    return { ...base, relocked: false, lockWritten: false, changes: [] };
  }
  // Resolve the edited manifest before writing anything: a requirement that cannot be resolved
  // with the rest of the project leaves mochi.toml and mochi.lock as they were.
  const edited: Project = await withEditedManifest(project, manifestPath, next);
  const relock = await relockProject(edited, options);
  await writeFileAtomic(manifestPath, new TextEncoder().encode(next));
  const lockWritten = await writeRelock(edited, relock);
  return { ...base, relocked: true, lockWritten, changes: relock.changes };
}
