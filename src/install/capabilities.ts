/**
 * Project-level capability commands: `mochi audit capabilities` (reads the registry),
 * `mochi lower` (writes the target's file), `mochi run` and `mochi compile` (start Deno with
 * exactly the lowered flags).
 *
 * @module
 */
import { auditCapabilityHistory, type CapabilityAuditFinding } from "../capability/mod.ts";
import {
  denoCompileArgs,
  type DenoLowering,
  denoRunArgs,
  lower,
  type LoweringTarget,
  lowerToDeno,
  mergeDenoJson,
  projectCapabilities,
  withReadAccess,
} from "../lowering/mod.ts";
import { lockedRegistries, SourceRouter } from "./sources.ts";
import { writeFileAtomic } from "../store/fs/fs_atomic.ts";
import { compileDeno, runDeno } from "../sandbox/deno_runner.ts";
import { checkModuleGraph, mochiSourceRoots, safeEntry } from "../sandbox/module_graph.ts";
import { storeRootOf } from "../store/fs/fs_store.ts";
import {
  type InstallOptions,
  type LockedProject,
  openProjectSources,
  readLockedProject,
} from "./install.ts";

/** What `mochi audit capabilities` found. */
export interface CapabilityAuditReport {
  /** Locked packages whose history was read. */
  packages: number;
  /** Releases examined, over all packages. */
  releases: number;
  /** Findings, sorted by package name, then version order. */
  findings: CapabilityAuditFinding[];
}

/**
 * Reads the registry history of every locked package and checks each release against the one
 * before it: a patch release adding a capability (CAP_E002) and, with `suspicious`, a minor
 * release adding `ffi` or `proc.spawn` (the xz-utils pattern).
 *
 * @param options project, home and registry as for `install`; `suspicious` adds the xz check
 * @returns the report; the CLI exits 1 when `findings` is not empty
 * @throws {MochiError} LOCK_E005 when there is no `mochi.lock`; INDEX_* from the registry
 */
export async function auditCapabilities(
  options: InstallOptions & { suspicious?: boolean },
): Promise<CapabilityAuditReport> {
  const project = await readLockedProject(
    options.projectDir,
    "run mochi lock first; the audit reads the history of every locked package",
  );
  // The same clients as install (snapshot trust, caps, limits) and the same owner registry
  // per name (the lock's source, else the manifest's, else the first that has it).
  const sources = openProjectSources(project, options);
  const router = new SourceRouter(
    sources.registries,
    sources.client,
    sources.pinned,
    lockedRegistries(project.lock, sources.registries),
  );
  const names = [...new Set(project.lock.packages.map((p) => p.name))].sort();
  const histories = await Promise.all(names.map((n) => router.records(n)));
  const findings: CapabilityAuditFinding[] = [];
  let releases = 0;
  names.forEach((name, i) => {
    const records = histories[i] ?? [];
    releases += records.length;
    findings.push(
      ...auditCapabilityHistory(
        name,
        records.map((r) => ({ version: r.version, capabilities: r.capabilities })),
        { suspicious: options.suspicious === true },
      ),
    );
  });
  return { packages: names.length, releases, findings };
}

/** The project and its lock: lowering reads the locked capabilities. */
function lockedProject(projectDir: string): Promise<LockedProject> {
  return readLockedProject(
    projectDir,
    "run mochi lock (or mochi install) first: lowering reads the locked capabilities",
  );
}

/** What {@link lowerProject} wrote. */
export interface LowerReport {
  /** The target lowered to. */
  target: LoweringTarget;
  /** The file written (absolute path). */
  file: string;
  /** The capabilities lowered. */
  capabilities: readonly string[];
  /** The Deno lowering, for `--target deno`. */
  deno?: DenoLowering;
  /** Whether the target enforces the capabilities (false for node/bun). */
  enforced: boolean;
}

/**
 * `mochi lower --target <t>`: lowers the project's capabilities (root `[capabilities]
 * required` and every locked package) and writes the target's file into the project directory
 * atomically: for `deno`, the merged `deno.json` (other keys untouched); for the others the file
 * their table names.
 *
 * @param options project directory, target, entry module for `tasks.start`
 * @returns what was written
 * @throws {MochiError} LOCK_E005 without a lock; CAP_E004 when the target cannot honour a
 *   capability; CAP_E005, CAP_E006 for Deno; nothing is written on error
 */
export async function lowerProject(
  options: { projectDir: string; target: LoweringTarget; entry?: string },
): Promise<LowerReport> {
  const project = await lockedProject(options.projectDir);
  const caps = projectCapabilities(project.manifest, project.lock);
  const result = lower(options.target, project.manifest.package, caps);
  const enc = new TextEncoder();
  if (result.target === "deno") {
    const file = `${project.dir}/deno.json`;
    let existing: string | undefined;
    try {
      existing = await Deno.readTextFile(file);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    const text = mergeDenoJson(existing, result.deno, {
      file,
      ...(options.entry ? { entry: options.entry } : {}),
    });
    await writeFileAtomic(file, enc.encode(text));
    return { target: "deno", file, capabilities: caps, deno: result.deno, enforced: true };
  }
  const file = `${project.dir}/${result.file.file}`;
  await writeFileAtomic(file, enc.encode(JSON.stringify(result.file.content, null, 2) + "\n"));
  return { target: result.target, file, capabilities: caps, enforced: result.file.enforced };
}

/**
 * The Deno lowering of a project and the `deno run` arguments for an entry module.
 *
 * @param options project directory, entry, program arguments, isolate (adds
 *   `--unstable-worker-options` and read access to the project directory, where the package
 *   workers import their code from)
 * @returns the lowering and the arguments after `deno`
 * @throws {MochiError} LOCK_E005 without a lock; CAP_E003, CAP_E005
 */
export async function denoRunPlan(
  options: { projectDir: string; entry: string; args?: string[]; isolate?: boolean },
): Promise<{ lowering: DenoLowering; args: string[] }> {
  const project = await lockedProject(options.projectDir);
  const caps = projectCapabilities(project.manifest, project.lock);
  // Package workers import their code, and a worker can hold no more than its parent.
  const lowering = options.isolate
    ? withReadAccess(
      lowerToDeno(caps),
      project.dir.startsWith("/") ? project.dir : await Deno.realPath(project.dir),
    )
    : lowerToDeno(caps);
  return {
    lowering,
    args: denoRunArgs(lowering, safeEntry(options.entry), options.args ?? [], {
      isolate: options.isolate === true,
    }),
  };
}

/** Where a program's module graph may load files from: the project, the store, mochi itself. */
function moduleRoots(projectDir: string, mochiHome: string | undefined): string[] {
  return [
    projectDir,
    ...(mochiHome === undefined ? [] : [storeRootOf(mochiHome)]),
    ...mochiSourceRoots(),
  ];
}

/**
 * `mochi run <entry>`: `deno run` in the project directory with exactly the lowered flags,
 * `--no-prompt`, no remote imports, `sys` denied and the grant files write-denied; standard
 * streams are the caller's. First the module graph is read (`checkModuleGraph`): Deno loads it
 * without read checks, so a program whose graph reaches a local file outside the project, the
 * store and mochi's own sources does not run.
 *
 * @param options project directory, entry, program arguments, isolate (adds
 *   `--unstable-worker-options` for per-package Workers), `mochiHome` (its store is an allowed
 *   root for the module graph)
 * @returns the program's exit code
 * @throws {MochiError} CAP_E011 when the module graph reaches outside; as {@link denoRunPlan}
 */
export async function runProject(
  options: {
    projectDir: string;
    entry: string;
    args?: string[];
    isolate?: boolean;
    mochiHome?: string;
  },
): Promise<number> {
  const { args } = await denoRunPlan(options);
  await checkModuleGraph({
    entry: options.entry,
    cwd: options.projectDir,
    roots: moduleRoots(options.projectDir, options.mochiHome),
  });
  return await runDeno(args, { cwd: options.projectDir });
}

/**
 * `mochi compile <entry>`: `deno compile` with the same flags baked into the executable. The
 * module graph is checked first, as for {@link runProject} (a compiled binary embeds it).
 *
 * @param options project directory, entry, output path (default: the entry's base name),
 *   `mochiHome` (its store is an allowed root)
 * @returns the output path and the arguments Deno was given
 * @throws {MochiError} CAP_E007 (exit 3) when Deno cannot download its runtime; CAP_E008;
 *   CAP_E011 when the module graph reaches outside; as {@link denoRunPlan}
 */
export async function compileProject(
  options: { projectDir: string; entry: string; output?: string; mochiHome?: string },
): Promise<{ output: string; args: string[] }> {
  const project = await lockedProject(options.projectDir);
  const lowering = lowerToDeno(projectCapabilities(project.manifest, project.lock));
  const base = options.entry.replace(/^.*\//, "").replace(/\.[cm]?[jt]sx?$/, "");
  const output = options.output ?? base;
  const args = denoCompileArgs(lowering, safeEntry(options.entry), output);
  await checkModuleGraph({
    entry: options.entry,
    cwd: options.projectDir,
    roots: moduleRoots(options.projectDir, options.mochiHome),
  });
  await compileDeno(args, { cwd: options.projectDir });
  return { output, args };
}
