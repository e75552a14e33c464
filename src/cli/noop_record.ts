/**
 * Writes the no-op stamp (`src/cli/noop.ts`) after a full run of `mochi install` or
 * `mochi lock --check --offline` found nothing to do, when the project is one the fast path can
 * answer exactly: no workspace, no vendor directory, no path or git dependency, no Rust, Go or
 * Python entry or requirement, no platform marker, no registry mirror, every locked package from a
 * registry with its BLAKE3; for `install`, the lock's check against the index recorded. Loaded
 * only after such a run; a stamp that cannot be written only means the next run takes the full
 * path again.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { readProject } from "../install/project.ts";
import { isLocalDependency } from "../install/local_sources.ts";
import { configuredRegistries } from "../install/sources.ts";
import { sourceOptions } from "../install/install.ts";
import { checkedLockPath, lockWasChecked } from "../install/mochi_source.ts";
import { rustRequirementsOf } from "../install/rust.ts";
import { mochiHomeLayout } from "../store/fs/home.ts";
import { writeFileAtomic } from "../store/fs/fs_atomic.ts";
import { smallSha256Hex } from "../store/_small_digests.ts";
import {
  type NoopProbe,
  type NoopStamp,
  probeNoop,
  STAMP_FORMAT,
  watchedStamp,
  type WatchedTree,
} from "./noop.ts";
import type { LockCounts } from "./phrases.ts";

/**
 * Records that the probed inputs were found up to date, when the project qualifies (see the
 * module doc) and the inputs are still those the probe read before the run.
 *
 * @param probe what was read before the full run
 * @param argv the command line
 * @param env the environment
 * @param counts the lock's counts the command printed
 * @returns whether a stamp was written
 */
export async function recordNoop(
  probe: NoopProbe,
  argv: readonly string[],
  env: Record<string, string>,
  counts: LockCounts,
): Promise<boolean> {
  // The inputs the run read must be the ones probed before it (no edit in between).
  const again = await probeNoop(argv, env, probe.projectDir);
  if (again === undefined || again.key !== probe.key) return false;
  const project = await readProject(probe.projectDir);
  const { manifest, lock } = project;
  if (
    lock === undefined || project.lockText === undefined || project.workspace !== undefined ||
    project.conflict !== undefined || project.lockProblem !== undefined
  ) return false;
  // The key hashed the bytes the probe read; the lock parsed here must be those bytes.
  const lockBytes = await Deno.readFile(`${probe.projectDir}/mochi.lock`);
  if (smallSha256Hex(lockBytes) !== smallSha256Hex(project.lockText)) return false;
  if (
    manifest.registry.vendor !== undefined || manifest.registry.mirrors !== undefined ||
    env.MOCHI_MIRRORS || manifest.goDependencies !== undefined ||
    manifest.pythonDependencies !== undefined ||
    [...manifest.dependencies.values(), ...manifest.devDependencies.values()]
      .some(isLocalDependency) ||
    (await rustRequirementsOf(project)).length > 0
  ) return false;
  if (
    (lock.rustPackages?.length ?? 0) > 0 || (lock.goPackages?.length ?? 0) > 0 ||
    (lock.pythonPackages?.length ?? 0) > 0 || (lock.pythonWheels?.length ?? 0) > 0 ||
    lock.packages.some((p) =>
      !p.source.startsWith("registry+") || p.blake3 === undefined || p.marker !== undefined
    )
  ) return false;
  const registryUrl = sourceOptions(project, {
    projectDir: probe.projectDir,
    mochiHome: probe.mochiHome,
    ...(env.MOCHI_REGISTRY ? { registryUrl: env.MOCHI_REGISTRY } : {}),
  }).registryUrl;
  const registries = configuredRegistries(project, registryUrl).map((r) => r.url);
  const layout = mochiHomeLayout(probe.mochiHome);
  const stamp: NoopStamp = {
    format: STAMP_FORMAT,
    key: probe.key,
    command: probe.command,
    counts,
    blobs: [],
    watched: [],
  };
  if (probe.command === "install") {
    const checked = checkedLockPath(layout.state, project.lockText, registries);
    if (!(await lockWasChecked(checked))) return false;
    stamp.checkedLock = checked;
    stamp.blobs = lock.packages.map((p) => p.blake3!);
  } else {
    const watched: WatchedTree[] = [
      // A registry in a directory is read even offline (with no package, none is read).
      ...registries.filter((u) => u.startsWith("file:") && lock.packages.length > 0).map((u) => ({
        dir: fileURLToPath(u).replace(/\/+$/, ""),
        skip: ["blobs"],
      })),
      { dir: layout.index, skip: [] },
      { dir: layout.state, skip: ["noop", "checked-locks"] },
    ];
    // Entries changed within a second before the probe may postdate what the run read.
    const s = await watchedStamp(watched, probe.startedMs - 1000);
    if (s === undefined) return false;
    stamp.watched = watched;
    stamp.watchedStamp = s;
  }
  await Deno.mkdir(probe.stampPath.slice(0, probe.stampPath.lastIndexOf("/")), {
    recursive: true,
  });
  await writeFileAtomic(
    probe.stampPath,
    new TextEncoder().encode(JSON.stringify(stamp) + "\n"),
    { mode: 0o600, durable: false },
  );
  return true;
}
