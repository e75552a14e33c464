/**
 * Resolution of a project against its registries (PubGrub over the registry index), and the
 * lockfile it gives: each package from one owner registry, digests, capabilities and publisher
 * copied from validated index records, newly required capabilities gated.
 *
 * @module
 */
import type { InstallEvent } from "./events.ts";
import { MochiError } from "../errors.ts";
import type { Manifest } from "../manifest/mod.ts";
import {
  type LockedPackage,
  type Lockfile,
  markerHolds,
  markPlatforms,
  mergePlatformForks,
  type PlatformFork,
  platformsReaching,
} from "../lockfile/mod.ts";
import { formatMarker, type Platform, PLATFORMS } from "../manifest/platform.ts";
import { compareVersions, formatVersion, parseVersion, type Version } from "../semver/mod.ts";
import { NoSolutionError, resolve } from "../solver/mod.ts";
import {
  capabilityGate,
  CapabilityGateError,
  CapabilityPolicy,
  type NewCapability,
} from "../capability/mod.ts";
import { type IndexSource, RegistryProvider } from "./registry_provider.ts";
import { isCapabilityFailure, manifestHints } from "./hints.ts";
import { signerOfRecord } from "./signatures.ts";
import {
  lockedRegistries,
  type RegistrySource,
  registrySourceId,
  SourceRouter,
} from "./sources.ts";
import type { Project } from "./project.ts";
import type { RegistryClient } from "../registry/client/index_client.ts";
import {
  loadLocalPackages,
  type LocalPackage,
  localRecordFor,
  type LocalSourceOptions,
} from "./local_sources.ts";
import type { IndexRecord } from "../index/mod.ts";
import { memberRecords, memberSource, workspacePolicyManifest } from "./workspace.ts";

/** The registries of one command: configured order, manifest pins, one client per URL. */
export interface ProjectSources {
  /** Configured registries, default first (`configuredRegistries`). */
  readonly registries: RegistrySource[];
  /** Dependency name → registry URL named in the manifest (`pinnedRegistries`). */
  readonly pinned: Map<string, string>;
  /** The client of a registry URL, opened on first use. */
  client(url: string): RegistryClient;
}

/** Options of {@link resolveProject}. */
export interface ResolveOptions {
  /**
   * `--accept-capabilities[=<pkg>]`: accept newly required capabilities for every package
   * (`"all"`) or the named ones; without it an update that adds one fails with LOCK_E006.
   */
  acceptCapabilities?: "all" | string[];
  /** `mochi lock --upgrade`: resolve without preferring the locked versions. */
  upgrade?: boolean;
  /**
   * `mochi update <pkg>…`: these packages lose their locked-version preference; every other
   * package keeps it, so only they and what must move with them change (cargo `update -p`).
   */
  unlock?: readonly string[];
  /** `mochi update <pkg> --precise <v>`: package name → the exact version it must take. */
  pins?: ReadonlyMap<string, string>;
  /** The resolve phase and each package whose index was read, for a progress display. */
  onEvent?: (event: InstallEvent) => void;
  /** `--offline`/`--frozen`: a git source not in the store is refused (`BLOB_E007`). */
  offline?: boolean | undefined;
  /** The store's archive of a locked git commit, when it holds it (`loadLocalPackages`). */
  cachedArchive?: LocalSourceOptions["cachedArchive"];
}

/**
 * The root's requirements: `[dependencies]`, `[dev-dependencies]` and the `[target.'cfg(…)']`
 * tables holding on `platform` (every table without one: the universal resolution, whose
 * markers are set afterwards).
 */
function rootDependencies(manifest: Manifest, platform?: Platform): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  const tables = (manifest.platformDependencies ?? [])
    .filter((t) => platform === undefined || t.platforms.includes(platform))
    .flatMap((t) => [t.dependencies, t.devDependencies]);
  for (const deps of [manifest.dependencies, manifest.devDependencies, ...tables]) {
    for (const [name, dep] of deps) {
      out[name] = out[name] ? `${out[name]}, ${dep.requirement}` : dep.requirement;
    }
  }
  return out;
}

/**
 * The dependencies a manifest has only in `[target.'cfg(…)']` tables: name → the platforms
 * needing it (a name also in `[dependencies]` or `[dev-dependencies]` holds everywhere).
 * `dev` false for a dependency's manifest: its dev-dependencies are not resolved.
 */
function conditionalDependencies(manifest: Manifest, dev = true): Map<string, Platform[]> {
  const out = new Map<string, Set<Platform>>();
  for (const t of manifest.platformDependencies ?? []) {
    for (const name of [...t.dependencies.keys(), ...(dev ? t.devDependencies.keys() : [])]) {
      const set = out.get(name) ?? new Set<Platform>();
      for (const p of t.platforms) set.add(p);
      out.set(name, set);
    }
  }
  for (
    const name of [...manifest.dependencies.keys(), ...(dev ? manifest.devDependencies.keys() : [])]
  ) {
    out.delete(name);
  }
  return new Map([...out].map(([k, v]) => [k, [...v]]));
}

/**
 * The platforms grouped into the forks of a forked resolution: platforms on which the same
 * `[target.'cfg(…)']` tables hold (of the root and of every member) have the same requirements
 * and share one fork. Forks in canonical platform order, so every machine forks alike.
 */
function platformForks(manifests: readonly Manifest[]): Platform[][] {
  const groups = new Map<string, Platform[]>();
  for (const platform of PLATFORMS) {
    const key = manifests.map((m) =>
      (m.platformDependencies ?? []).map((t, i) => t.platforms.includes(platform) ? i : "")
        .join(",")
    ).join("|");
    const group = groups.get(key) ?? [];
    group.push(platform);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/**
 * A failed solve as the command reports it: the project's own fix options (mochi.toml) added,
 * CAP_E001 when a capability pin is what failed it.
 */
function explainFailure(e: NoSolutionError): MochiError {
  const failure = e.with({ hints: manifestHints(e) });
  if (isCapabilityFailure(failure)) {
    return new MochiError("CAP_E001", failure.report, {
      cause: failure,
      hint: "apply one of the fix options above, then run the command again",
    });
  }
  return failure;
}

/**
 * The locked versions the solver prefers: `pins`, then the lock's (the highest of a name locked
 * at several versions), leaving out `unlock`ed names and, with `platforms`, entries whose marker
 * holds on none of them (another fork's).
 */
function lockedVersions(
  lock: Lockfile | undefined,
  unlock: readonly string[] = [],
  pins: ReadonlyMap<string, string> = new Map(),
  platforms?: readonly Platform[],
): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [name, version] of pins) out[name] = version;
  for (const p of lock?.packages ?? []) {
    if (unlock.includes(p.name) || pins.has(p.name)) continue;
    if (platforms !== undefined && !platforms.some((x) => markerHolds(p.marker, x))) continue;
    // With several versions of one name, prefer the highest as the solver's first pick.
    const prev = out[p.name];
    if (!prev || compareVersions(parseVersion(p.version), parseVersion(prev)) > 0) {
      out[p.name] = p.version;
    }
  }
  return out;
}

/**
 * Resolves a project against its registries and builds the lockfile it would get. Each package
 * name is taken from one owner registry only ({@link SourceRouter}: manifest pin, else the
 * lock's source, else the first registry that has it), and the lock records it as `source`.
 *
 * @param project the project
 * @param sources the project's registries (`openProjectSources`)
 * @param onProgress progress callback
 * @param options `acceptCapabilities` for the update gate; `upgrade` ignores locked versions
 * @returns the lockfile, the solver time in milliseconds, and the newly required capabilities
 *   that `acceptCapabilities` let through
 * @throws {MochiError} SOLVER_E002 (unsolvable, with the report); CAP_E001 (unsolvable because
 *   of a capability pin, same report); {@link CapabilityGateError} LOCK_E006 when a package
 *   newly requires a capability nobody accepted; INDEX_*, SNAPSHOT_* and others
 */
export async function resolveProject(
  project: Project,
  sources: ProjectSources,
  onProgress?: (m: string) => void,
  options: ResolveOptions = {},
): Promise<
  {
    lock: Lockfile;
    solveMs: number;
    accepted: NewCapability[];
    local: ReadonlyMap<string, LocalPackage>;
  }
> {
  // Path and git packages first: each is the one candidate of its name (local_sources.ts).
  const local = await loadLocalPackages(project.dir, project.manifest, project.lock, {
    unlock: options.unlock,
    upgrade: options.upgrade,
    offline: options.offline,
    ...(options.cachedArchive ? { cachedArchive: options.cachedArchive } : {}),
  });
  const router = new SourceRouter(
    sources.registries,
    (url) => sources.client(url),
    sources.pinned,
    lockedRegistries(project.lock, sources.registries),
  );
  const onEvent = options.onEvent;
  // In a workspace, the members' pins on their dependencies (and the root's allowed).
  const policy = CapabilityPolicy.fromManifest(
    project.workspace !== undefined ? workspacePolicyManifest(project.workspace) : project.manifest,
  );
  const { manifest } = project;
  const workspace = project.workspace;
  onEvent?.({ kind: "phase", phase: "resolve" });

  /** One solve: every platform's requirements (`platform` undefined) or one fork's. */
  const solve = async (platform: Platform | undefined, locked: Record<string, string>) => {
    // A workspace's members are each the one candidate of their name (workspace.ts).
    const members = workspace !== undefined
      ? memberRecords(workspace, platform)
      : new Map<string, IndexRecord>();
    const routed: IndexSource = local.size + members.size === 0 ? router : {
      records: (name) => {
        const l = local.get(name);
        const m = members.get(name) ??
          (l === undefined || platform === undefined ? l?.record : localRecordFor(l, platform));
        return m !== undefined ? Promise.resolve([m]) : router.records(name);
      },
    };
    const source: IndexSource = onEvent === undefined ? routed : {
      records: (name) =>
        routed.records(name).then((records) => {
          onEvent({ kind: "step", phase: "resolve", label: name });
          return records;
        }),
    };
    const provider = new RegistryProvider(source, policy);
    const root = {
      name: manifest.package.name,
      version: manifest.package.version,
      dependencies: rootDependencies(manifest, platform),
    };
    for (const [name, version] of options.pins ?? []) {
      const req = `=${version}`;
      root.dependencies[name] = root.dependencies[name]
        ? `${root.dependencies[name]}, ${req}`
        : req;
    }
    provider.prefetch(Object.keys(root.dependencies));
    const solution = await resolve(provider, root, {
      locked,
      allowMultiVersion: manifest.allowMultiVersion,
      yanked: (name: string, v: Version) => provider.isYanked(name, v),
    });
    return { solution, provider, root, members };
  };
  type Solved = Awaited<ReturnType<typeof solve>>;

  const lockPrefs = (platforms?: readonly Platform[]) =>
    options.upgrade ? {} : lockedVersions(project.lock, options.unlock, options.pins, platforms);
  const t0 = performance.now();
  let universal: Solved | undefined;
  const forks: { platforms: Platform[]; solved: Solved }[] = [];
  try {
    universal = await solve(undefined, lockPrefs());
  } catch (e) {
    if (!(e instanceof NoSolutionError)) throw e;
    // uv's forking resolver: when one resolution for every platform fails and the platform
    // tables make some platforms' requirements differ, resolve each group of platforms alike
    // on its own (a fork), preferring what the earlier forks chose so shared packages stay on
    // one version, then merge the forks' packages under disjoint markers.
    const groups = platformForks([
      manifest,
      ...(workspace?.members ?? []).map((m) => m.manifest),
      ...[...local.values()].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
        .flatMap((l) => l.manifest === undefined ? [] : [l.manifest]),
    ]);
    if (groups.length < 2) throw explainFailure(e);
    const chosen: Record<string, string> = Object.create(null);
    for (const platforms of groups) {
      let solved: Solved;
      try {
        // The lock's versions for these platforms first, so relocking moves nothing.
        solved = await solve(platforms[0], { ...chosen, ...lockPrefs(platforms) });
      } catch (f) {
        if (!(f instanceof NoSolutionError)) throw f;
        const where = `${formatMarker(platforms) ?? "every platform"} (${platforms.join(", ")})`;
        throw explainFailure(f.with({
          rewrite: (t) =>
            `no single version set serves every platform, so the resolution forked by ` +
            `platform; the fork for ${where} has no solution:\n${t}`,
        }));
      }
      for (const p of solved.solution) chosen[p.name] ??= formatVersion(p.version);
      forks.push({ platforms, solved });
    }
  }
  const solveMs = performance.now() - t0;
  const solutionSize = universal?.solution.length ??
    new Set(forks.flatMap((f) => f.solved.solution.map((p) => `${p.name} ${p.version}`))).size;
  onProgress?.(
    `resolved ${solutionSize} packages in ${solveMs.toFixed(0)} ms` +
      (forks.length > 0 ? ` (forked by platform into ${forks.length} resolutions)` : ""),
  );
  const lockedOf = ({ solution, provider, members }: Solved): LockedPackage[] =>
    solution.map((p) => {
      const rec = provider.record(p.name, p.version);
      if (!rec) {
        throw new MochiError(
          "INTERNAL_E001",
          `solver picked ${p.name} ${formatVersion(p.version)} which the index never listed`,
        );
      }
      const l = local.get(p.name);
      const member = members.has(p.name)
        ? workspace!.members.find((m) => m.name === p.name)
        : undefined;
      const pkg: LockedPackage = {
        name: p.name,
        version: formatVersion(p.version),
        source: member !== undefined
          ? memberSource(member)
          : l !== undefined
          ? l.source
          : registrySourceId(router.ownerOf(p.name)!),
        blake3: rec.blake3,
        sha256: rec.sha256,
        capabilities: [...(rec.capabilities)].sort(),
        dependencies: [...p.dependencies].map(([n, v]) => `${n} ${formatVersion(v)}`).sort(),
      };
      if (member !== undefined || l?.dir !== undefined) {
        // A member or path package is used where it is: no archive, no digests (cargo's path
        // sources).
        delete pkg.blake3;
        delete pkg.sha256;
      }
      if (rec.yanked) pkg.yanked = true;
      const signer = signerOfRecord(rec);
      if (signer !== undefined) Object.assign(pkg, signer);
      return pkg;
    });
  // Platform markers, when a manifest (the root's or a member's) has platform tables.
  const conditional = new Map<string, Map<string, Platform[]>>();
  const rootOnly = conditionalDependencies(manifest);
  if (rootOnly.size > 0) conditional.set("", rootOnly);
  for (const m of workspace?.members ?? []) {
    const only = conditionalDependencies(m.manifest);
    if (only.size > 0) conditional.set(`${m.name} ${m.version}`, only);
  }
  for (const l of local.values()) {
    const only = l.manifest === undefined ? undefined : conditionalDependencies(l.manifest, false);
    if (only !== undefined && only.size > 0) conditional.set(`${l.name} ${l.version}`, only);
  }
  const rootIdsOf = (root: Solved["root"], packages: readonly LockedPackage[]) =>
    Object.keys(root.dependencies).flatMap((name) =>
      packages.filter((p) => p.name === name).map((p) => `${p.name} ${p.version}`)
    );
  let packages: LockedPackage[];
  if (universal !== undefined) {
    packages = lockedOf(universal);
    if (conditional.size > 0) {
      packages = markPlatforms(packages, rootIdsOf(universal.root, packages), conditional);
    }
  } else {
    packages = mergePlatformForks(forks.map(({ platforms, solved }): PlatformFork => {
      const locked = lockedOf(solved);
      const reached = platformsReaching(
        locked,
        rootIdsOf(solved.root, locked),
        conditional,
        platforms,
      );
      return { platforms, packages: locked, reached };
    }));
  }
  const members = new Set((workspace?.members ?? []).map((m) => m.name));
  const gate = capabilityGate({
    previousSeen: project.lock?.capabilitiesSeen,
    // The workspace's own members declare their capabilities; the gate is for dependencies.
    packages: packages.filter((p) => !members.has(p.name)),
    manifestChanged: project.lock?.manifestHash !== project.manifestHash,
    ...(options.acceptCapabilities ? { accept: options.acceptCapabilities } : {}),
  });
  if (gate.blocked.length > 0) throw new CapabilityGateError(gate.blocked);
  return {
    lock: {
      version: 1,
      manifestHash: project.manifestHash,
      packages,
      capabilitiesSeen: gate.seen,
    },
    solveMs,
    accepted: gate.accepted,
    local,
  };
}
