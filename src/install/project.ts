/**
 * The one strict reader of a project: `mochi.toml` and `mochi.lock`, read as strict UTF-8 with a
 * size cap, parsed once; and the one writer of `mochi.lock`, under the OS lock on `mochi.toml`.
 * `install`, `lock`, `add`, `fetch`, `pack` and `publish` all read a project through
 * {@link readProject} (uv reads a workspace once and hands the value down the same way).
 *
 * @module
 */
import { join, relative, resolve } from "node:path";
import { MochiError } from "../errors.ts";
import { parseManifest } from "../manifest/parse.ts";
import type { Manifest, WorkspaceContext } from "../manifest/types.ts";
import { decodeUtf8Strict } from "../manifest/utf8.ts";
import { locateToml } from "../manifest/toml_locator.ts";
import {
  computeManifestHash,
  computeWorkspaceHash,
  type ConflictedLock,
  type Lockfile,
  parseLockfile,
  readConflictedLock,
} from "../lockfile/mod.ts";
import { writeFileAtomic } from "../store/fs/fs_atomic.ts";
import {
  findWorkspaceRoot,
  loadWorkspace,
  reparseMember,
  type Workspace,
  workspaceManifest,
} from "./workspace.ts";

/** Largest `mochi.toml` read, in bytes (a manifest is a few kilobytes; this only stops endless input). */
export const MAX_MANIFEST_BYTES: number = 32 * 1024 * 1024;

/** Largest `mochi.lock` read, in bytes (about 400 bytes per package). */
export const MAX_LOCK_BYTES: number = 64 * 1024 * 1024;

/** A project read from disk: its manifest, manifest digest and lockfile (if any). */
export interface Project {
  /** Directory holding `mochi.toml`. */
  dir: string;
  /** Parsed manifest. */
  manifest: Manifest;
  /** `blake3-256:<hex>` of the manifest's resolution-relevant parts. */
  manifestHash: string;
  /** Path of `mochi.lock`. */
  lockPath: string;
  /** Exact text of `mochi.lock`, or undefined when there is none. */
  lockText: string | undefined;
  /** Parsed lockfile, or undefined when there is none (or it could not be read, see below). */
  lock: Lockfile | undefined;
  /**
   * Only with `{ repairLock: true }`: why the `mochi.lock` on disk could not be read (conflict
   * markers, malformed, a field this mochi refuses). `lock` then holds what could be salvaged
   * (both sides of a merge conflict taken together, see {@link Project.conflict}), or undefined.
   */
  lockProblem?: MochiError;
  /**
   * Only with `{ repairLock: true }` and a lock with git conflict markers: its two sides; `lock`
   * then holds their union, the preferences of the re-resolution (`readConflictedLock`).
   */
  conflict?: ConflictedLock;
  /**
   * The workspace, when the directory is a workspace root or one of its members: `dir`,
   * `lockPath` and the lock are then the root's (one `mochi.lock` for every member, cargo's
   * rule), `manifest` is `workspaceManifest` (a root depending on each member) and
   * `manifestHash` covers every member (`computeWorkspaceHash`).
   */
  workspace?: Workspace;
}

/** Options of {@link readProject}. */
export interface ReadProjectOptions {
  /**
   * Read a `mochi.lock` that does not parse as a problem instead of an error (`mochi lock
   * --refresh`, the recovery every lock error names): the resolution then starts from what can
   * be salvaged of it.
   */
  repairLock?: boolean;
  /**
   * Read a `mochi.lock` with git conflict markers as its two sides ({@link Project.conflict})
   * instead of an error (`install` and `lock` without `--locked`, as pnpm and deno merge a
   * conflicted lockfile); other problems still throw unless {@link repairLock}.
   */
  mergeConflicts?: boolean;
}

async function readCapped(
  path: string,
  maxBytes: number,
  code: "MANIFEST_E001" | "LOCK_E005",
): Promise<Uint8Array | undefined> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  try {
    const st = await file.stat();
    if (!st.isFile) {
      throw new MochiError(code, `${path} is not a regular file`, {
        hint: `replace ${path} with a file`,
        file: path,
      });
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    const buf = new Uint8Array(64 * 1024);
    while (true) {
      const n = await file.read(buf);
      if (n === null) break;
      total += n;
      if (total > maxBytes) {
        throw new MochiError(code, `${path} is larger than ${maxBytes} bytes`, {
          hint: `${path} cannot be this large; check that it is the right file`,
          file: path,
        });
      }
      chunks.push(buf.slice(0, n));
    }
    const out = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) {
      out.set(c, off);
      off += c.byteLength;
    }
    return out;
  } finally {
    file.close();
  }
}

/**
 * Reads and parses a project's `mochi.toml` only (strict UTF-8, size cap): what `pack` and
 * `publish` need.
 *
 * @param dir project directory
 * @returns the manifest text and the parsed manifest
 * @throws {MochiError} `MANIFEST_E011` no `mochi.toml`; `MANIFEST_E001` invalid UTF-8, too large
 *   or invalid TOML; other manifest codes; `WORKSPACE_E001`/`E002` (see {@link openWorkspace})
 */
export async function readManifest(dir: string): Promise<{ text: string; manifest: Manifest }> {
  // A workspace member's manifest is read with its root (what it inherits).
  const ws = await openWorkspace(dir);
  if (ws !== undefined) {
    const member = ws.members.find((m) => m.dir === resolve(dir));
    if (member !== undefined) {
      // The text the workspace read (capped, strict UTF-8), not a second read of the file.
      const text = member.manifestText ?? await readManifestText(member.dir);
      return { text, manifest: member.manifest };
    }
  }
  return await readOwnManifest(dir);
}

/**
 * The text of `dir`'s `mochi.toml`: at most {@link MAX_MANIFEST_BYTES}, strict UTF-8.
 *
 * @param dir the directory
 * @returns the text
 * @throws {MochiError} `MANIFEST_E011` no `mochi.toml`; `MANIFEST_E001` too large, not a regular
 *   file or not UTF-8
 */
export async function readManifestText(dir: string): Promise<string> {
  const manifestPath = join(dir, "mochi.toml");
  const bytes = await readCapped(manifestPath, MAX_MANIFEST_BYTES, "MANIFEST_E001");
  if (bytes === undefined) {
    throw new MochiError("MANIFEST_E011", `could not find mochi.toml in ${dir}`, {
      hint: "run mochi in the directory of your package, or create a mochi.toml there",
    });
  }
  return decodeUtf8Strict(bytes, manifestPath, "MANIFEST_E001", "save mochi.toml as UTF-8");
}

/** `mochi.toml` of `dir` read on its own (no workspace root looked for). */
async function readOwnManifest(dir: string): Promise<{ text: string; manifest: Manifest }> {
  const manifestPath = `${dir}/mochi.toml`;
  const text = await readManifestText(dir);
  const manifest = parseManifestText(text, manifestPath).manifest;
  refuseOrphanInheritance(manifest, text, manifestPath);
  return { text, manifest };
}

/** `name = { workspace = true }` in a manifest that no workspace root lists: WORKSPACE_E001. */
function refuseOrphanInheritance(manifest: Manifest, text: string, path: string): void {
  for (
    const [section, deps] of [
      ["dependencies", manifest.dependencies],
      ["dev-dependencies", manifest.devDependencies],
    ] as const
  ) {
    for (const d of deps.values()) {
      if (d.workspace !== true) continue;
      const pos = locateToml(text).key([section, d.name, "workspace"]);
      throw new MochiError(
        "WORKSPACE_E001",
        `dependency "${d.name}" in [${section}] has workspace = true, but ${path} is not a ` +
          "member of a workspace",
        {
          hint: `list this directory in the members of a [workspace] root above it, or give ` +
            `"${d.name}" a version here (version = "…")`,
          file: path,
          line: pos.line,
          column: pos.column,
        },
      );
    }
  }
}

/** The last manifest {@link parseManifestText} parsed: its path, exact text and result. */
let lastParsed:
  | { path: string; text: string; result: ReturnType<typeof parseManifest> }
  | undefined;

/**
 * `parseManifest`, remembering the last result: a command reads `mochi.toml` once for its warnings
 * (`projectDirOf` in the CLI) and again through {@link readProject}; when the path and the text
 * are the same, the second read is not parsed again. The result is shared, so callers treat it as
 * read-only (as every caller of `parseManifest` does).
 *
 * @param text the manifest's text
 * @param path its path, for messages
 * @returns what `parseManifest` returns
 * @throws {MochiError} what `parseManifest` throws (a failed parse is not remembered)
 */
export function parseManifestText(text: string, path: string): ReturnType<typeof parseManifest> {
  if (lastParsed !== undefined && lastParsed.path === path && lastParsed.text === text) {
    return lastParsed.result;
  }
  const result = parseManifest(text, path);
  lastParsed = { path, text, result };
  return result;
}

/**
 * The workspace a project directory belongs to (`findWorkspaceRoot`, then `loadWorkspace`), or
 * undefined when it is in none. A manifest outside every workspace that still writes
 * `name = { workspace = true }` is refused.
 *
 * @param dir the project directory
 * @returns the workspace, or undefined
 * @throws {MochiError} WORKSPACE_E001 `workspace = true` outside a workspace; WORKSPACE_E002 and
 *   manifest codes from reading the workspace
 */
export async function openWorkspace(dir: string): Promise<Workspace | undefined> {
  const found = await findWorkspaceRoot(dir);
  if (found !== undefined) return await loadWorkspace(found.root, found.manifest);
  return undefined;
}

/**
 * Reads `mochi.toml` and `mochi.lock` of a project, both as strict UTF-8 with a size cap.
 *
 * @param dir project directory
 * @param options `repairLock` keeps an unreadable lock as {@link Project.lockProblem};
 *   `mergeConflicts` does so for git conflict markers only
 * @returns the {@link Project}
 * @throws {MochiError} MANIFEST_E011 when there is no `mochi.toml`; manifest and lockfile codes
 *   (LOCK_E003–LOCK_E005, LOCK_E007; with `repairLock` only LOCK_E003, a lock from a newer mochi;
 *   with `mergeConflicts` not LOCK_E007)
 */
export async function readProject(
  dir: string,
  options: ReadProjectOptions = {},
): Promise<Project> {
  const ws = await openWorkspace(dir);
  if (ws !== undefined) dir = ws.root;
  const manifest = ws !== undefined ? workspaceManifest(ws) : (await readOwnManifest(dir)).manifest;
  const lockPath = `${dir}/mochi.lock`;
  const lockBytes = await readCapped(lockPath, MAX_LOCK_BYTES, "LOCK_E005");
  const project: Project = {
    dir,
    manifest,
    manifestHash: ws !== undefined
      ? await computeWorkspaceHash(ws.rootManifest, ws.members)
      : await computeManifestHash(manifest),
    lockPath,
    lockText: undefined,
    lock: undefined,
  };
  if (ws !== undefined) project.workspace = ws;
  if (lockBytes === undefined) return project;
  try {
    project.lockText = decodeUtf8Strict(
      lockBytes,
      lockPath,
      "LOCK_E005",
      "run `mochi lock --refresh` to rewrite mochi.lock from mochi.toml",
    );
    project.lock = parseLockfile(project.lockText, lockPath);
  } catch (e) {
    const repairable = e instanceof MochiError && e.code !== "LOCK_E003";
    const merge = options.mergeConflicts && e instanceof MochiError && e.code === "LOCK_E007";
    if (!(options.repairLock || merge) || !repairable) throw e;
    project.lockProblem = e;
    if (e.code === "LOCK_E007" && project.lockText !== undefined) {
      project.conflict = readConflictedLock(project.lockText, lockPath);
      project.lock = project.conflict.merged;
    }
  }
  return project;
}

/** A {@link Project} that has a `mochi.lock`. */
export type LockedProject = Project & {
  lock: NonNullable<Project["lock"]>;
  lockText: string;
};

/**
 * Reads a project ({@link readProject}) that must have a `mochi.lock`: the commands that only
 * read the lock (tree, why, sbom, audit, provenance, outdated, lowering).
 *
 * @param dir project directory
 * @param hint the next step the error names
 * @returns the project with its lock
 * @throws {MochiError} LOCK_E005 naming the directory when there is no `mochi.lock`; what
 *   {@link readProject} throws
 */
export async function readLockedProject(
  dir: string,
  hint = "run mochi lock first",
): Promise<LockedProject> {
  const project = await readProject(dir);
  if (!project.lock || project.lockText === undefined) {
    throw new MochiError("LOCK_E005", `no mochi.lock in ${project.dir}`, { hint });
  }
  return project as LockedProject;
}

/**
 * Writes `mochi.lock` atomically (temp file, fsync, rename) while holding an OS lock on the
 * project's `mochi.toml`, and first removes temp lockfiles (`.mochi.lock.*.tmp`) a killed run
 * left behind: any writer holds the same lock, so under it every such file is an orphan.
 *
 * @param project the project
 * @param text the new lockfile, or undefined to only clean up
 * @param beforeRename called before the new lock is renamed into place (install's `mid-lock-write`
 *   fault point)
 */
export async function writeLockfile(
  project: Pick<Project, "dir" | "lockPath">,
  text: string | undefined,
  beforeRename: () => void = () => {},
): Promise<void> {
  const manifest = await Deno.open(`${project.dir}/mochi.toml`, { read: true });
  try {
    await manifest.lock(true);
    for await (const e of Deno.readDir(project.dir)) {
      if (e.isFile && /^\.mochi\.lock\.[0-9a-f]{8}\.tmp$/.test(e.name)) {
        await Deno.remove(`${project.dir}/${e.name}`).catch(() => {});
      }
    }
    if (text !== undefined) {
      await writeFileAtomic(project.lockPath, new TextEncoder().encode(text), {
        beforeRename,
      });
    }
  } finally {
    manifest.close();
  }
}

/**
 * The `mochi.toml` a command that edits the manifest (`add`, `remove`) works on: the project's
 * own, or in a workspace the member whose directory holds `dir` (cargo's rule; a virtual root
 * has no dependencies of its own).
 *
 * @param project the project read from `dir`
 * @param dir the directory the command runs in
 * @returns the manifest's path and parsed form, and for a member the root it inherits from
 * @throws {MochiError} WORKSPACE_E003 at a workspace root that is no member
 */
export function editedManifestOf(
  project: Project,
  dir: string,
): { manifestPath: string; manifest: Manifest; workspace?: WorkspaceContext } {
  const ws = project.workspace;
  if (ws === undefined) {
    return { manifestPath: `${project.dir}/mochi.toml`, manifest: project.manifest };
  }
  const here = resolve(dir);
  const member = ws.members
    .filter((m) => here === m.dir || here.startsWith(m.dir + "/"))
    .sort((a, b) => b.dir.length - a.dir.length)[0];
  if (member === undefined) {
    throw new MochiError(
      "WORKSPACE_E003",
      `${here} is the root of a workspace with no package of its own: name the member to edit`,
      {
        hint: `run the command in a member's directory (${
          ws.members.map((m) => m.relDir).join(", ")
        })`,
      },
    );
  }
  const manifestPath = join(member.dir, "mochi.toml");
  if (member.relDir === ".") return { manifestPath, manifest: member.manifest };
  return {
    manifestPath,
    manifest: member.manifest,
    workspace: {
      config: ws.rootManifest.workspace!,
      rootFile: join(ws.root, "mochi.toml"),
      memberToRoot: relative(member.dir, ws.root) || ".",
    },
  };
}

/**
 * The project as it would be with `manifestPath` holding `text` (nothing is written): the
 * manifest re-parsed (a member with what it inherits), the workspace's manifest and hash
 * recomputed.
 *
 * @param project the project
 * @param manifestPath the edited `mochi.toml` (the project's, or a member's)
 * @param text its new text
 * @returns the edited project
 * @throws {MochiError} the manifest codes of the new text
 */
export async function withEditedManifest(
  project: Project,
  manifestPath: string,
  text: string,
): Promise<Project> {
  const ws = project.workspace;
  if (ws === undefined) {
    const { manifest } = parseManifest(text, manifestPath);
    return { ...project, manifest, manifestHash: await computeManifestHash(manifest) };
  }
  const next = reparseMember(ws, manifestPath, text);
  return {
    ...project,
    workspace: next,
    manifest: workspaceManifest(next),
    manifestHash: await computeWorkspaceHash(next.rootManifest, next.members),
  };
}
