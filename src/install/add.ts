/**
 * `mochi add <pkg>[@req]`: look the package up (the same owner-registry rule as resolution),
 * pick a requirement when none is given (the highest release that is not yanked, written like
 * `cargo add`: `"1.0.200"` = `^1.0.200`), warn about names near the registry's popular ones
 * (typosquatting guard), and write the entry into `mochi.toml`, leaving the rest of the file
 * as it was. A package that only an alternate registry has is written with
 * `registry = "<name>"`, pinning it there.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { validatePackageName } from "../index/mod.ts";
import { addDependencyToText } from "../manifest/edit.ts";
import { checkNameCollision, type NameCollision } from "../manifest/similar_names.ts";
import { closestName } from "../manifest/names.ts";
import { compareVersions, parseRequirement, parseVersion } from "../semver/mod.ts";
import { writeFileAtomic } from "../store/fs/fs_atomic.ts";
import { type InstallOptions, openProjectSources, readProject } from "./install.ts";
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
 * @param options project, home and registry options, and the `spec` (`name[@req]`)
 * @returns what was written and the warnings to show
 * @throws {MochiError} `MANIFEST_E003`/`SEMVER_E002` bad spec; `INDEX_E002` when no configured
 *   registry has the package (naming the closest popular name); `SEMVER_E002` when no release
 *   can be picked; manifest, network and snapshot errors
 */
export async function addDependency(
  options: InstallOptions & { spec: string },
): Promise<AddReport> {
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
  const owner = router.ownerOf(name) ?? sources.registries[0].url;
  const popular = await sources.client(owner).popularNames();
  const warnings = checkNameCollision(name, [], popular);
  if (records === null || records.length === 0) {
    const near = popular.length > 0 ? closestName(name, popular) : undefined;
    throw new MochiError(
      "INDEX_E002",
      `no package named ${name} in ${sources.registries.map((r) => r.url).join(", ")}`,
      {
        hint: near !== undefined && warnings.length > 0
          ? `did you mean "${warnings[0].name}"?`
          : near !== undefined
          ? `check the spelling (the closest popular name is "${near}")`
          : "check the spelling, or add the registry that has it under [[registry.alternate]]",
      },
    );
  }
  let requirement = given;
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
  const manifestPath = `${project.dir}/mochi.toml`;
  const text = await Deno.readTextFile(manifestPath);
  const replaced = project.manifest.dependencies.has(name);
  // A package found on an alternate registry is pinned to it by name, so that a same-named
  // upload to an earlier registry can never take its place on a fresh resolution.
  const alternate = owner === sources.registries[0].url
    ? undefined
    : sources.registries.find((r) => r.url === owner)?.name;
  const next = addDependencyToText(text, name, requirement, manifestPath, alternate);
  await writeFileAtomic(manifestPath, new TextEncoder().encode(next));
  return { name, requirement, registry: owner, warnings, manifestPath, replaced };
}
