/**
 * `mochi outdated`: for every locked package, the locked version, the newest version that is
 * compatible with it (and, for a direct dependency, still meets the manifest's requirement), and
 * the newest release, as `cargo outdated`'s Compat and Latest columns and `npm outdated`'s
 * Wanted and Latest. Read-only: nothing is resolved or written. Yanked versions never count;
 * pre-releases count only for a package locked at a pre-release.
 *
 * @module
 */
import {
  compareVersions,
  compatibilityKey,
  formatVersion,
  parseRequirement,
  satisfies,
  tryParseVersion,
  type Version,
} from "../semver/mod.ts";
import {
  type InstallOptions,
  openProjectSources,
  readLockedProject,
  sourceOptions,
} from "./install.ts";
import { lockedRegistries, SourceRouter } from "./sources.ts";
import { runPool } from "../concurrency.ts";
import { type MemberSelection, selectMembers } from "./workspace.ts";

/** One locked package and its newer versions. */
export interface OutdatedEntry {
  /** Package name. */
  name: string;
  /** The locked version. */
  current: string;
  /**
   * The newest version compatible with `current` (same cargo compatibility range, `^current`)
   * that a direct dependency's requirement also allows; `current` when there is none newer.
   */
  compatible: string;
  /** The newest release (not yanked, not a pre-release unless `current` is one). */
  latest: string;
  /** Whether `mochi.toml` names it (a direct dependency). */
  direct: boolean;
  /** The manifest's requirement, for a direct dependency. */
  requirement?: string;
  /**
   * In a workspace: the chosen members whose graph holds it (by name, sorted); a direct
   * dependency of any of them is `direct`, with their requirements joined.
   */
  members?: string[];
}

/** What {@link outdatedPackages} found. */
export interface OutdatedReport {
  /** Locked packages with a newer compatible or latest version, by name then version. */
  outdated: OutdatedEntry[];
  /** Locked packages looked at. */
  checked: number;
}

function newest(versions: readonly Version[]): Version | undefined {
  return [...versions].sort(compareVersions).at(-1);
}

/**
 * Compares every locked package with its registry's index: see the module doc.
 *
 * @param options project, home and registry options (`offline` reads the index cache only)
 * @returns the outdated packages and how many were checked
 * @throws {MochiError} `LOCK_E005` when there is no `mochi.lock`; registry and index errors
 *
 * @example
 * ```ts
 * import { outdatedPackages } from "./outdated.ts";
 * if (typeof outdatedPackages !== "function") throw new Error("missing export");
 * ```
 */
export async function outdatedPackages(
  options: InstallOptions & { members?: MemberSelection },
): Promise<OutdatedReport> {
  const project = await readLockedProject(
    options.projectDir,
    "run mochi lock (or mochi install) first",
  );
  const sources = openProjectSources(project, sourceOptions(project, options));
  const router = new SourceRouter(
    sources.registries,
    (url) => sources.client(url),
    sources.pinned,
    lockedRegistries(project.lock, sources.registries),
  );
  const requirements = new Map<string, string>();
  const ws = project.workspace;
  // In a workspace: the chosen members' own manifests, and which of them reach each package.
  const chosen = ws === undefined ? undefined : selectMembers(ws, {
    ...options.members,
    cwd: options.members?.cwd ?? options.projectDir,
  });
  const manifests = chosen === undefined ? [project.manifest] : chosen.map((m) => m.manifest);
  for (const manifest of manifests) {
    for (const deps of [manifest.dependencies, manifest.devDependencies]) {
      for (const [name, dep] of deps) {
        if (dep.path !== undefined) continue; // another member
        const prev = requirements.get(name);
        requirements.set(
          name,
          prev === undefined || prev === dep.requirement
            ? dep.requirement
            : `${prev}, ${dep.requirement}`,
        );
      }
    }
  }
  const reachedBy = new Map<string, string[]>();
  if (chosen !== undefined) {
    const edges = new Map(project.lock.packages.map((p) => [`${p.name} ${p.version}`, p]));
    for (const m of chosen) {
      const seen = new Set<string>();
      const stack = [`${m.name} ${m.version}`];
      while (stack.length > 0) {
        const id = stack.pop()!;
        if (seen.has(id)) continue;
        seen.add(id);
        stack.push(...(edges.get(id)?.dependencies ?? []));
      }
      for (const id of seen) reachedBy.set(id, [...(reachedBy.get(id) ?? []), m.name]);
    }
  }
  const entries: OutdatedEntry[] = [];
  const looked = project.lock.packages.filter((p) =>
    !p.source.startsWith("path+") &&
    (chosen === undefined || reachedBy.has(`${p.name} ${p.version}`))
  );
  await runPool(looked, 16, async (p) => {
    const current = tryParseVersion(p.version);
    if (current === undefined) return;
    const records = (await router.records(p.name)) ?? [];
    const pre = current.pre.length > 0;
    const candidates = records.flatMap((r) => {
      const v = tryParseVersion(r.version);
      return v === undefined || r.yanked || (v.pre.length > 0 && !pre) ? [] : [v];
    });
    const requirement = requirements.get(p.name);
    const req = requirement === undefined ? undefined : parseRequirement(requirement);
    const key = compatibilityKey(current);
    const compatible = newest(
      candidates.filter((v) =>
        compatibilityKey(v) === key && compareVersions(v, current) >= 0 &&
        (req === undefined || satisfies(v, req))
      ),
    ) ?? current;
    const latest = newest(candidates) ?? current;
    const newer = (v: Version) => compareVersions(v, current) > 0;
    if (!newer(compatible) && !newer(latest)) return;
    entries.push({
      name: p.name,
      current: p.version,
      compatible: formatVersion(compatible),
      latest: formatVersion(newer(latest) ? latest : current),
      direct: requirement !== undefined,
      ...(requirement !== undefined ? { requirement } : {}),
      ...(chosen !== undefined
        ? { members: [...reachedBy.get(`${p.name} ${p.version}`)!].sort() }
        : {}),
    });
  });
  entries.sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : a.current < b.current ? -1 : 1
  );
  return { outdated: entries, checked: looked.length };
}
