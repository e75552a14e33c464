/**
 * Fan-out at the project level: read a project directory into the pure {@link FanoutProject}
 * (manifest, lock capabilities, each opted-in target's `out` folder, override sources, readme,
 * the manifests of its Mochi dependencies), decide a pack plan (every artifact of every selected
 * ecosystem, in memory), then write it: each `target/fanout/<ecosystem>/` folder is built beside
 * the old one and renamed into place, so a failed pack leaves the previous output whole.
 *
 * @module
 */

import { join } from "node:path";
import { MochiError } from "../errors.ts";
import { parseManifest } from "../manifest/parse.ts";
import type { FanoutTargetName, Manifest } from "../manifest/types.ts";
import { projectCapabilities } from "../lowering/mod.ts";
import type { Lockfile } from "../lockfile/types.ts";
import { buildFanoutPackage, type FanoutProject } from "../fanout/build.ts";
import { TARGET_ECOSYSTEMS } from "../fanout/names.ts";
import { PACKERS } from "../fanout/packers.ts";
import {
  type Artifact,
  type Ecosystem,
  ECOSYSTEMS,
  type FanoutFile,
  type FanoutPackage,
  type Packer,
} from "../fanout/types.ts";
import { closestName } from "../edit_distance.ts";
import { writeFileAtomic } from "../store/fs/fs_atomic.ts";
import { FsStore } from "../store/fs/fs_store.ts";
import { mochiHomeLayout } from "../store/fs/home.ts";
import { LIMITS } from "../limits.ts";
import { readProject } from "./project.ts";

/** Caps on what {@link readFanoutProject} reads from one target's `out` folder. */
export interface FanoutReadLimits {
  /** Most files in one `out` folder (default 50 000). */
  maxFiles?: number;
  /** Largest single file in bytes (default 64 MiB). */
  maxFileBytes?: number;
  /** Most bytes in one `out` folder (default 512 MiB). */
  maxTotalBytes?: number;
}

/** Options of {@link readFanoutProject}. */
export interface ReadFanoutOptions extends FanoutReadLimits {
  /** `$MOCHI_HOME`, to read locked registry dependencies' manifests from the store. */
  mochiHome?: string;
  /** Read only these targets' `out` folders (default: every opted-in target). */
  targets?: readonly FanoutTargetName[];
}

async function lstat(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.lstat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

async function readCapped(path: string, maxBytes: number, what: string): Promise<Uint8Array> {
  const info = await lstat(path);
  if (info === undefined || !info.isFile) {
    throw new MochiError(
      "FANOUT_E007",
      `${what} ${path} is ${info === undefined ? "missing" : "not a regular file"}`,
      { hint: "create the file (symlinks are not followed), or fix the path in mochi.toml" },
    );
  }
  if (info.size > maxBytes) {
    throw new MochiError(
      "FANOUT_E007",
      `${what} ${path} is ${info.size} bytes; the cap is ${maxBytes}`,
      {
        hint: "keep the file smaller, or leave it out of the target's output",
      },
    );
  }
  const bytes = await Deno.readFile(path);
  if (bytes.byteLength > maxBytes) {
    throw new MochiError("FANOUT_E007", `${what} ${path} grew past ${maxBytes} bytes while read`);
  }
  return bytes;
}

/**
 * Refuses a path that resolves outside the project (through a symlinked folder or `..`): what
 * goes into an artifact comes from the project only.
 */
async function insideProject(projectDir: string, path: string, what: string): Promise<void> {
  const base = await Deno.realPath(projectDir);
  let real: string;
  try {
    real = await Deno.realPath(path);
  } catch {
    return; // missing: the read that follows says so
  }
  if (real !== base && !real.startsWith(`${base}/`)) {
    throw new MochiError("FANOUT_E007", `${what} ${path} resolves outside the project (${real})`, {
      hint: "keep compiler output, overrides and the readme inside the project folder",
    });
  }
}

/** Reads a target's output folder: regular files only, no symlinks, capped. */
async function readOut(
  root: string,
  t: FanoutTargetName,
  limits: Required<FanoutReadLimits>,
): Promise<FanoutFile[]> {
  const info = await lstat(root);
  if (info === undefined || !info.isDirectory) {
    throw new MochiError(
      "FANOUT_E007",
      `[targets.${t}] out ${root} is ${info === undefined ? "missing" : "not a folder"}`,
      { hint: `run the Mochi compiler for ${t} first, or set out = "…" to its output folder` },
    );
  }
  const files: FanoutFile[] = [];
  let total = 0;
  const walk = async (rel: string) => {
    const dir = rel === "" ? root : join(root, rel);
    const names: Deno.DirEntry[] = [];
    for await (const e of Deno.readDir(dir)) names.push(e);
    names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of names) {
      const path = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isSymlink) {
        throw new MochiError("FANOUT_E007", `${join(root, path)} is a symlink`, {
          hint: "the compiler output must hold regular files; copy the file instead of linking it",
        });
      }
      if (e.isDirectory) {
        await walk(path);
        continue;
      }
      if (!e.isFile) {
        throw new MochiError("FANOUT_E007", `${join(root, path)} is not a regular file`);
      }
      if (files.length >= limits.maxFiles) {
        throw new MochiError("FANOUT_E007", `${root} holds more than ${limits.maxFiles} files`, {
          hint: "pack a smaller output folder",
        });
      }
      const full = join(root, path);
      const bytes = await readCapped(full, limits.maxFileBytes, "output file");
      total += bytes.byteLength;
      if (total > limits.maxTotalBytes) {
        throw new MochiError(
          "FANOUT_E007",
          `${root} holds more than ${limits.maxTotalBytes} bytes`,
          { hint: "pack a smaller output folder" },
        );
      }
      const mode = (await Deno.lstat(full)).mode ?? 0o644;
      files.push({ path, bytes, executable: (mode & 0o111) !== 0 });
    }
  };
  await walk("");
  return files;
}

/** The manifest of a Mochi dependency: a path dependency's folder, or its locked store tree. */
async function dependencyManifest(
  dir: string,
  manifest: Manifest,
  lock: Lockfile | undefined,
  name: string,
  mochiHome: string | undefined,
): Promise<Manifest | undefined> {
  const candidates: string[] = [];
  const dep = manifest.dependencies.get(name);
  if (dep?.path !== undefined) candidates.push(join(dir, dep.path, "mochi.toml"));
  for (const p of lock?.packages ?? []) {
    if (p.name !== name) continue;
    if (p.source.startsWith("path+")) candidates.push(join(dir, p.source.slice(5), "mochi.toml"));
    if (p.blake3 !== undefined && /^[0-9a-f]{64}$/.test(p.blake3) && mochiHome !== undefined) {
      // The store's copy counts only while its tree still matches its recorded digest.
      try {
        const store = new FsStore(mochiHomeLayout(mochiHome).store);
        if (await store.checkTree(p.blake3) === "ok") {
          candidates.push(join(store.extractedPath(p.blake3), "mochi.toml"));
        }
      } catch {
        // not in the store
      }
    }
  }
  for (const path of candidates) {
    try {
      const text = new TextDecoder("utf-8", { fatal: true }).decode(
        await readCapped(path, 1024 * 1024, "dependency manifest"),
      );
      const found = parseManifest(text, path).manifest;
      if (found.package.name === name) return found;
    } catch {
      // next candidate; none: undefined, and the builder refuses with FANOUT_E005
    }
  }
  return undefined;
}

/**
 * Reads what packing needs from a project directory.
 *
 * @param dir the project directory (holding `mochi.toml`)
 * @param options caps, `$MOCHI_HOME`, and which targets' outputs to read
 * @returns the {@link FanoutProject}
 * @throws {MochiError} manifest and lock codes as `readProject`; `FANOUT_E007` for a missing or
 *   unreadable `out` folder, override source or readme, a symlink or special file in an output,
 *   or an output past a cap
 */
export async function readFanoutProject(
  dir: string,
  options: ReadFanoutOptions = {},
): Promise<FanoutProject> {
  const limits: Required<FanoutReadLimits> = {
    maxFiles: options.maxFiles ?? 50_000,
    maxFileBytes: options.maxFileBytes ?? 64 * 1024 * 1024,
    maxTotalBytes: options.maxTotalBytes ?? LIMITS.unpackedBytes,
  };
  const project = await readProject(dir);
  const { manifest, lock } = project;
  const manifestFile = join(dir, "mochi.toml");
  const outputs = new Map<FanoutTargetName, FanoutFile[]>();
  const overrideFiles = new Map<string, Uint8Array>();
  for (const [t, table] of manifest.fanoutTargets ?? []) {
    if (options.targets !== undefined && !options.targets.includes(t)) continue;
    await insideProject(dir, join(dir, table.out), `[targets.${t}] out`);
    outputs.set(t, await readOut(join(dir, table.out), t, limits));
    for (const o of table.overrides) {
      if (!overrideFiles.has(o.from)) {
        await insideProject(dir, join(dir, o.from), "override source");
        overrideFiles.set(
          o.from,
          await readCapped(join(dir, o.from), limits.maxFileBytes, "override source"),
        );
      }
    }
  }
  const dependencyManifests = new Map<string, Manifest | undefined>();
  for (const name of manifest.dependencies.keys()) {
    dependencyManifests.set(
      name,
      await dependencyManifest(dir, manifest, lock, name, options.mochiHome),
    );
  }
  const out: FanoutProject = {
    manifest,
    manifestFile,
    capabilities: projectCapabilities(
      manifest,
      lock ?? { version: 1, manifestHash: "", packages: [], capabilitiesSeen: new Map() },
    ),
    outputs,
    overrideFiles,
    dependencyManifests,
  };
  const readme = manifest.package.readme;
  if (readme !== undefined) {
    await insideProject(dir, join(dir, readme), "readme");
    out.readme = {
      path: readme,
      bytes: await readCapped(join(dir, readme), limits.maxFileBytes, "readme"),
    };
  }
  return out;
}

/**
 * The ecosystems `--target` values select: ecosystem names, or `all` for every ecosystem the
 * project opts into, in {@link ECOSYSTEMS} order, without repeats.
 *
 * @param values the `--target` values (repeatable)
 * @param manifest the project's manifest
 * @returns the ecosystems
 * @throws {MochiError} `FANOUT_E011` for an unknown name (naming the closest), a project with no
 *   target tables, or an ecosystem the project does not opt into
 */
export function selectEcosystems(values: readonly string[], manifest: Manifest): Ecosystem[] {
  const opted = new Set<Ecosystem>();
  for (const t of manifest.fanoutTargets?.keys() ?? []) {
    for (const e of TARGET_ECOSYSTEMS[t]) opted.add(e);
  }
  const picked = new Set<Ecosystem>();
  for (const v of values) {
    if (v === "all") {
      if (opted.size === 0) {
        throw new MochiError("FANOUT_E011", `${manifest.package.name} opts into no target`, {
          hint: 'add a target table to mochi.toml, e.g. [targets.typescript] out = "target/ts"',
        });
      }
      for (const e of opted) picked.add(e);
      continue;
    }
    if (!(ECOSYSTEMS as readonly string[]).includes(v)) {
      throw new MochiError(
        "FANOUT_E011",
        `unknown target "${v}"; did you mean "${closestName(v, [...ECOSYSTEMS, "all"])}"?`,
        { hint: `targets are ${ECOSYSTEMS.join(", ")} or all` },
      );
    }
    const e = v as Ecosystem;
    if (!opted.has(e)) {
      const t = Object.entries(TARGET_ECOSYSTEMS).find(([, es]) => es.includes(e))![0];
      throw new MochiError(
        "FANOUT_E011",
        `${manifest.package.name} does not target ${e}: mochi.toml has no [targets.${t}] table`,
        { hint: `add [targets.${t}] with out = "target/${t}"` },
      );
    }
    picked.add(e);
  }
  return ECOSYSTEMS.filter((e) => picked.has(e));
}

/** What packing one ecosystem will write. */
export interface FanoutPackEntry {
  /** The ecosystem. */
  ecosystem: Ecosystem;
  /** The package its packer received. */
  pkg: FanoutPackage;
  /** What the packer produced. */
  artifacts: Artifact[];
  /** The folder it goes to: `<project>/target/fanout/<ecosystem>`. */
  dir: string;
}

/** A decided pack: what to write where, and which ecosystems have no packer yet. */
export interface FanoutPackPlan {
  /** The ecosystems packed, in {@link ECOSYSTEMS} order. */
  entries: FanoutPackEntry[];
  /** Selected ecosystems this mochi has no packer for (skipped). */
  missingPackers: Ecosystem[];
}

/**
 * Decides a pack: builds each package and runs its packer, in memory. Nothing is written.
 *
 * @param projectDir the project directory
 * @param project the project's data ({@link readFanoutProject})
 * @param ecosystems what to pack ({@link selectEcosystems})
 * @param packers the packer table (default `PACKERS`)
 * @returns the plan
 * @throws {MochiError} as `buildFanoutPackage` and the packers (`FANOUT_E008` for bad extra
 *   metadata); `FANOUT_E001` when a packer returns two artifacts with one file name
 */
export async function planFanoutPack(
  projectDir: string,
  project: FanoutProject,
  ecosystems: readonly Ecosystem[],
  packers: Readonly<Partial<Record<Ecosystem, Packer>>> = PACKERS,
): Promise<FanoutPackPlan> {
  const plan: FanoutPackPlan = { entries: [], missingPackers: [] };
  for (const ecosystem of ecosystems) {
    const packer = packers[ecosystem];
    const pkg = buildFanoutPackage(project, ecosystem);
    if (packer === undefined) {
      plan.missingPackers.push(ecosystem);
      continue;
    }
    const artifacts = await packer(pkg);
    const names = new Set<string>();
    for (const a of artifacts) {
      if (names.has(a.fileName) || a.fileName.includes("/") || a.fileName.startsWith(".")) {
        throw new MochiError(
          "FANOUT_E001",
          `the ${ecosystem} packer produced ${JSON.stringify(a.fileName)} twice or as a path`,
          { hint: "this is a bug in the packer; report it" },
        );
      }
      names.add(a.fileName);
    }
    plan.entries.push({
      ecosystem,
      pkg,
      artifacts,
      dir: join(projectDir, "target", "fanout", ecosystem),
    });
  }
  return plan;
}

/**
 * Writes a plan: each ecosystem's artifacts into a fresh folder beside its destination, then the
 * folder renamed into place (the old one moved aside first and removed after), so a reader sees
 * the old set or the new set.
 *
 * @param plan the decided plan
 * @returns the paths written, in plan order
 */
export async function executeFanoutPack(plan: FanoutPackPlan): Promise<string[]> {
  const written: string[] = [];
  for (const entry of plan.entries) {
    const parent = join(entry.dir, "..");
    await Deno.mkdir(parent, { recursive: true });
    const tmp = await Deno.makeTempDir({ dir: parent, prefix: `.${entry.ecosystem}.new-` });
    try {
      for (const a of entry.artifacts) {
        await writeFileAtomic(join(tmp, a.fileName), a.bytes);
      }
      const old = `${join(parent, `.${entry.ecosystem}.old-`)}${crypto.randomUUID()}`;
      let moved = false;
      try {
        await Deno.rename(entry.dir, old);
        moved = true;
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
      try {
        await Deno.rename(tmp, entry.dir);
      } catch (e) {
        if (moved) await Deno.rename(old, entry.dir).catch(() => {});
        throw e;
      }
      if (moved) await Deno.remove(old, { recursive: true });
    } catch (e) {
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
      throw e;
    }
    for (const a of entry.artifacts) written.push(join(entry.dir, a.fileName));
  }
  return written;
}
