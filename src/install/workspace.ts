/**
 * Workspaces on disk (the cargo book, "Workspaces"; cargo's `core/workspace.rs` rules): find the
 * root a package belongs to, expand `members` (globs) minus `exclude`, read every member's
 * `mochi.toml` with the root's `[workspace.package]` and `[workspace.dependencies]` to inherit
 * from, and pick the members a command acts on (`-p <member>`, `--workspace`,
 * `default-members`).
 *
 * Every directory read stays below the root: globs follow no symbolic link, and a member whose
 * real path leaves the root is refused.
 *
 * @module
 */
import { join, relative, resolve } from "node:path";
import { MochiError, quoteValue } from "../errors.ts";
import { closestName } from "../edit_distance.ts";
import type {
  Dependency,
  GoDependency,
  Manifest,
  ManifestWarning,
  PythonDependency,
  RustDependency,
  WorkspaceContext,
} from "../manifest/types.ts";
import type { IndexRecord } from "../index/mod.ts";
import type { Platform } from "../manifest/platform.ts";
import { dependencyTables } from "../manifest/tables.ts";
import type { PolicyManifest } from "../capability/pin.ts";
import { capabilitiesNotCovered } from "../capability/model.ts";
import { parseManifest } from "../manifest/parse.ts";
import { locateToml } from "../manifest/toml_locator.ts";
import { normalizeMemberManifest } from "../publish/normalize.ts";
import { decodeUtf8Strict } from "../manifest/utf8.ts";
import { globSegmentMatches, isGlobSegment, memberPatternMatches } from "../manifest/workspace.ts";

/** Largest member `mochi.toml` read, in bytes (`MAX_MANIFEST_BYTES` of project.ts). */
const MAX_MEMBER_MANIFEST_BYTES = 32 * 1024 * 1024;
/** Most members a workspace may have (a glob over a huge tree stops here). */
export const MAX_WORKSPACE_MEMBERS = 1000;
/** Deepest directory a `**` glob descends to, below where it starts. */
const MAX_GLOB_DEPTH = 12;
/** Directories a `**` glob never enters (build output, dependencies, VCS data). */
const GLOB_SKIP = new Set(["target", "node_modules", ".git"]);

/** One member of a workspace. */
export interface WorkspaceMember {
  /** Its package name. */
  name: string;
  /** Its version. */
  version: string;
  /** Absolute directory. */
  dir: string;
  /** Directory relative to the root, `/` separators, `"."` for the root package. */
  relDir: string;
  /** Its manifest, with what it inherits from the root filled in. */
  manifest: Manifest;
  /** Its `mochi.toml` text as read (positions of errors about its entries), when known. */
  manifestText?: string;
}

/** A workspace read from disk. */
export interface Workspace {
  /** Absolute root directory (where `mochi.lock` lives). */
  root: string;
  /** The root's manifest (`virtual` when it has no `[package]`). */
  rootManifest: Manifest;
  /** Every member, sorted by {@link WorkspaceMember.relDir}. */
  members: WorkspaceMember[];
  /** `default-members` (every member when the root gives none), sorted by `relDir`. */
  defaultMembers: WorkspaceMember[];
  /**
   * The members' manifest warnings (unknown keys, with their file and position), the root's
   * left out (the command reads the root itself); in member order.
   */
  warnings?: ManifestWarning[];
}

/**
 * Where a member writes its dependency `name` (the key in `[dependencies]`,
 * `[dev-dependencies]` or a `[target.'cfg(…)']` table), for an error's position.
 *
 * @param m the member
 * @param name the dependency's key
 * @returns the member's `mochi.toml` with a line and column where its text is known
 */
export function dependencyPosition(
  m: WorkspaceMember,
  name: string,
): { file: string; line?: number; column?: number } {
  const file = join(m.dir, "mochi.toml");
  if (m.manifestText === undefined) return { file };
  const at = locateToml(m.manifestText);
  const paths = [
    ["dependencies", name],
    ["dev-dependencies", name],
    ...(m.manifest.platformDependencies ?? []).flatMap((t) => [
      ["target", t.cfg, "dependencies", name],
      ["target", t.cfg, "dev-dependencies", name],
    ]),
  ];
  const found = paths.find((p) => at.has(p));
  if (found === undefined) return { file };
  const pos = at.key(found);
  return { file, line: pos.line, column: pos.column };
}

async function readText(path: string): Promise<string | undefined> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw e;
  }
  try {
    const st = await file.stat();
    if (!st.isFile) return undefined;
    if (st.size > MAX_MEMBER_MANIFEST_BYTES) {
      throw new MochiError(
        "MANIFEST_E001",
        `${path} is larger than ${MAX_MEMBER_MANIFEST_BYTES} bytes`,
        {
          hint: "a mochi.toml is a few kilobytes; check that it is the right file",
          file: path,
        },
      );
    }
    const bytes = new Uint8Array(await new Response(file.readable).arrayBuffer());
    return decodeUtf8Strict(bytes, path, "MANIFEST_E001", "save mochi.toml as UTF-8");
  } finally {
    try {
      file.close();
    } catch {
      // closed by the stream
    }
  }
}

/** `[workspace]` present in a manifest text, without a full parse (most files have none). */
function mentionsWorkspace(text: string): boolean {
  return /^\s*\[\s*workspace\s*[\].]/m.test(text) || /^\s*workspace\s*[.=]/m.test(text);
}

/**
 * The workspace root a project directory belongs to: the directory itself when its manifest has
 * `[workspace]`, else the nearest directory above whose `mochi.toml` has one and lists this
 * directory as a member (cargo's search; a root that does not list it is not its root).
 *
 * @param dir the project directory (holding `mochi.toml`)
 * @returns the root directory and its manifest, or undefined when the project is in no workspace
 * @throws {MochiError} what reading and parsing an ancestor's `mochi.toml` throws
 */
export async function findWorkspaceRoot(
  dir: string,
): Promise<{ root: string; manifest: Manifest } | undefined> {
  const start = resolve(dir);
  for (let d = start;;) {
    const path = join(d, "mochi.toml");
    const text = await readText(path);
    if (text !== undefined && mentionsWorkspace(text)) {
      const { manifest } = parseManifest(text, path);
      if (manifest.workspace !== undefined) {
        if (d === start) return { root: d, manifest };
        const rel = relative(d, start).split("\\").join("/");
        const ws = manifest.workspace;
        const excluded = ws.exclude.some((p) => isUnder(p, rel));
        if (!excluded && ws.members.some((p) => memberPatternMatches(p, rel))) {
          return { root: d, manifest };
        }
      }
    }
    const up = resolve(d, "..");
    if (up === d) return undefined;
    d = up;
  }
}

/** cargo's `exclude`: a path excludes itself and everything below it; globs match whole paths. */
function isUnder(pattern: string, rel: string): boolean {
  const p = pattern.replace(/\/$/, "").replace(/^\.\//, "");
  return memberPatternMatches(p, rel) || rel.startsWith(`${p}/`);
}

/**
 * The member directories `members` names below `root` (relative, `/` separators, sorted),
 * minus `exclude`: a glob segment matches directory names (no symbolic links, no dot
 * directories unless the pattern starts with `.`); `**` descends up to 12 levels and never into
 * `target`, `node_modules` or `.git`, and keeps only directories holding a `mochi.toml`; a
 * literal path must exist.
 *
 * @param root the root directory
 * @param members the `members` patterns
 * @param exclude the `exclude` patterns
 * @param rootFile the root's `mochi.toml`, for errors
 * @returns the member directories
 * @throws {MochiError} WORKSPACE_E002 a literal member that is not a directory, or more than
 *   {@link MAX_WORKSPACE_MEMBERS}
 */
export async function expandMembers(
  root: string,
  members: readonly string[],
  exclude: readonly string[],
  rootFile: string,
): Promise<string[]> {
  const found = new Set<string>();
  for (const pattern of members) {
    const segments = pattern.replace(/\/$/, "").split("/").filter((s) => s !== ".");
    let current = [""];
    for (const seg of segments) {
      const next: string[] = [];
      for (const rel of current) {
        if (seg === "**") next.push(rel, ...await descendants(root, rel, MAX_GLOB_DEPTH));
        else if (isGlobSegment(seg)) {
          for (const name of await subdirectories(root, rel)) {
            if (globSegmentMatches(seg, name)) next.push(rel ? `${rel}/${name}` : name);
          }
        } else next.push(rel ? `${rel}/${seg}` : seg);
      }
      current = [...new Set(next)];
    }
    const literal = !segments.some((s) => s === "**" || isGlobSegment(s));
    // `**` matches every directory on the way down: only those holding a mochi.toml count.
    const deep = segments.includes("**");
    for (const rel of current) {
      if (rel === "") continue;
      if (deep && (await readText(join(root, rel, "mochi.toml"))) === undefined) continue;
      if (literal && !(await isRealDirectory(join(root, rel)))) {
        throw new MochiError(
          "WORKSPACE_E002",
          `workspace member ${quoteValue(rel)} (from members in ${rootFile}) is not a directory`,
          {
            hint: `create ${rel}/mochi.toml, or remove ${
              quoteValue(pattern)
            } from [workspace] members`,
            file: rootFile,
          },
        );
      }
      if (!exclude.some((p) => isUnder(p, rel))) found.add(rel);
      if (found.size > MAX_WORKSPACE_MEMBERS) {
        throw new MochiError(
          "WORKSPACE_E002",
          `[workspace] members in ${rootFile} match more than ${MAX_WORKSPACE_MEMBERS} directories`,
          { hint: "narrow the globs, or list the excluded directories in exclude", file: rootFile },
        );
      }
    }
  }
  return [...found].sort();
}

async function isRealDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.lstat(path)).isDirectory;
  } catch {
    return false;
  }
}

async function subdirectories(root: string, rel: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(join(root, rel))) {
      if (e.isDirectory && !e.isSymlink) out.push(e.name);
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return [];
    throw e;
  }
  return out.sort();
}

async function descendants(root: string, rel: string, depth: number): Promise<string[]> {
  if (depth === 0) return [];
  const out: string[] = [];
  for (const name of await subdirectories(root, rel)) {
    if (name.startsWith(".") || GLOB_SKIP.has(name)) continue;
    const child = rel ? `${rel}/${name}` : name;
    out.push(child, ...await descendants(root, child, depth - 1));
  }
  return out;
}

/**
 * A member's own `[registry]` table is refused (cargo keeps registry configuration per
 * workspace, not per member): the workspace resolves and publishes through the root's
 * `[registry]`, so a member's would be silently ignored.
 *
 * @throws {MochiError} WORKSPACE_E002 at the member's `[registry]`
 */
function refuseMemberRegistry(text: string, path: string, rootFile: string): void {
  const at = locateToml(text);
  if (!at.has(["registry"])) return;
  const pos = at.key(["registry"]);
  throw new MochiError(
    "WORKSPACE_E002",
    `${path} is a workspace member and has a [registry] table; a workspace's registries come ` +
      `from its root, so this one would be ignored`,
    {
      hint: `move the [registry] entries to ${rootFile} (it applies to every member), and ` +
        "remove the table here",
      file: path,
      line: pos.line,
      column: pos.column,
    },
  );
}

/**
 * Reads a whole workspace: every member's manifest with the root's values to inherit, the root
 * package a member when the root has one (cargo's rule).
 *
 * @param root the root directory
 * @param rootManifest the root's parsed manifest (it has `[workspace]`)
 * @returns the {@link Workspace}
 * @throws {MochiError} WORKSPACE_E002 a member without `mochi.toml`, one that is itself a
 *   workspace root, one with its own `[registry]` table (positioned), one whose real path leaves the root, two members with the same name, a
 *   `default-members` entry that is no member; WORKSPACE_E001 and the manifest codes of a
 *   member's `mochi.toml`
 */
export async function loadWorkspace(root: string, rootManifest: Manifest): Promise<Workspace> {
  root = resolve(root);
  const ws = rootManifest.workspace!;
  const rootFile = join(root, "mochi.toml");
  const realRoot = await Deno.realPath(root);
  const rels = await expandMembers(root, ws.members, ws.exclude, rootFile);
  const members: WorkspaceMember[] = [];
  const warnings: ManifestWarning[] = [];
  if (!rootManifest.virtual) {
    const rootText = await readText(rootFile);
    members.push({
      name: rootManifest.package.name,
      version: rootManifest.package.version,
      dir: root,
      relDir: ".",
      manifest: rootManifest,
      ...(rootText === undefined ? {} : { manifestText: rootText }),
    });
  }
  for (const rel of rels) {
    const dir = join(root, rel);
    const real = await Deno.realPath(dir);
    if (real !== realRoot && !real.startsWith(realRoot + "/")) {
      throw new MochiError(
        "WORKSPACE_E002",
        `workspace member ${quoteValue(rel)} resolves to ${real}, outside the workspace root`,
        { hint: "members must be directories below the root; remove the link", file: rootFile },
      );
    }
    const path = join(dir, "mochi.toml");
    const text = await readText(path);
    if (text === undefined) {
      throw new MochiError(
        "WORKSPACE_E002",
        `failed to load the manifest of workspace member ${
          quoteValue(rel)
        }: ${path} does not exist`,
        {
          hint: `add a mochi.toml there, or list ${
            quoteValue(rel)
          } in [workspace] exclude in ${rootFile}`,
          file: rootFile,
        },
      );
    }
    const context: WorkspaceContext = {
      config: ws,
      rootFile,
      memberToRoot: relative(dir, root).split("\\").join("/") || ".",
    };
    const parsed = parseManifest(text, path, { workspace: context });
    const manifest = parsed.manifest;
    warnings.push(...parsed.warnings);
    refuseMemberRegistry(text, path, rootFile);
    if (manifest.workspace !== undefined) {
      throw new MochiError(
        "WORKSPACE_E002",
        `workspace member ${quoteValue(rel)} has its own [workspace] table: nested workspaces ` +
          "are not supported",
        {
          hint: `remove [workspace] from ${path}, or list ${
            quoteValue(rel)
          } in [workspace] exclude`,
          file: path,
        },
      );
    }
    members.push({
      name: manifest.package.name,
      version: manifest.package.version,
      dir,
      relDir: rel,
      manifest,
      manifestText: text,
    });
  }
  members.sort((a, b) => (a.relDir < b.relDir ? -1 : a.relDir > b.relDir ? 1 : 0));
  const byName = new Map<string, WorkspaceMember>();
  for (const m of members) {
    const other = byName.get(m.name);
    if (other !== undefined) {
      throw new MochiError(
        "WORKSPACE_E002",
        `two packages named ${quoteValue(m.name)} in this workspace: ${other.relDir}/mochi.toml ` +
          `and ${m.relDir}/mochi.toml`,
        { hint: "rename one of them, or exclude one from [workspace] members", file: rootFile },
      );
    }
    byName.set(m.name, m);
  }
  let defaultMembers = members;
  if (ws.defaultMembers !== undefined) {
    const byDir = new Map(members.map((m) => [m.relDir, m]));
    const chosen = new Set<WorkspaceMember>();
    for (const [i, pattern] of ws.defaultMembers.entries()) {
      const p = pattern.replace(/\/$/, "").replace(/^\.\//, "") || ".";
      const matched = members.filter((m) => memberPatternMatches(p, m.relDir) || m.relDir === p);
      if (matched.length === 0) {
        const near = closestName(p, [...byDir.keys()]);
        const rootText = await readText(rootFile);
        const pos = rootText === undefined
          ? undefined
          : locateToml(rootText).value(["workspace", "default-members", String(i)]);
        throw new MochiError(
          "WORKSPACE_E002",
          `${quoteValue(pattern)} is listed in default-members but is not a member of the ` +
            `workspace at ${root}${byDir.size > 0 ? `; did you mean ${quoteValue(near)}?` : ""}`,
          {
            hint: "default-members must name member directories",
            file: rootFile,
            ...(pos === undefined ? {} : { line: pos.line, column: pos.column }),
          },
        );
      }
      for (const m of matched) chosen.add(m);
    }
    defaultMembers = members.filter((m) => chosen.has(m));
  }
  return { root, rootManifest, members, defaultMembers, warnings };
}

/** What a command selects: `-p <member>` (repeatable) and `--workspace`. */
export interface MemberSelection {
  /** `-p`/`--package` names. */
  packages?: readonly string[];
  /** `--workspace`: every member. */
  all?: boolean;
  /** The directory the command runs in (its member is the default, as cargo does). */
  cwd?: string;
}

/**
 * The members a command acts on: `--workspace` all; `-p` the named ones (a name that is no
 * member is refused with the closest); otherwise the member whose directory holds `cwd`, else
 * `default-members` (cargo's rule at a virtual root).
 *
 * @param ws the workspace
 * @param selection `-p`, `--workspace`, the working directory
 * @returns the members, in `relDir` order
 * @throws {MochiError} WORKSPACE_E003 a `-p` name that is no member
 */
export function selectMembers(ws: Workspace, selection: MemberSelection): WorkspaceMember[] {
  if (selection.all) return ws.members;
  const names = selection.packages ?? [];
  if (names.length > 0) {
    const known = ws.members.map((m) => m.name);
    const out = new Set<WorkspaceMember>();
    for (const name of names) {
      const m = ws.members.find((x) => x.name === name);
      if (m === undefined) {
        throw new MochiError(
          "WORKSPACE_E003",
          `package ${quoteValue(name)} is not a member of the workspace at ${ws.root}; did you ` +
            `mean ${quoteValue(closestName(name, known))}?`,
          { hint: `the members are ${known.join(", ")}` },
        );
      }
      out.add(m);
    }
    return ws.members.filter((m) => out.has(m));
  }
  if (selection.cwd !== undefined) {
    const cwd = resolve(selection.cwd);
    const inside = ws.members
      .filter((m) => m.relDir !== "." && (cwd === m.dir || cwd.startsWith(m.dir + "/")))
      .sort((a, b) => b.dir.length - a.dir.length);
    if (inside.length > 0) return [inside[0]!];
    const rootMember = ws.members.find((m) => m.relDir === ".");
    if (rootMember !== undefined && cwd === ws.root) return [rootMember];
  }
  return ws.defaultMembers;
}

/** The solver's name for a workspace's root (never a valid package name, so never a member's). */
export const WORKSPACE_ROOT_NAME = "(workspace)";

/**
 * The manifest a workspace resolves as (one lock for every member, cargo's rule): a root named
 * {@link WORKSPACE_ROOT_NAME} that depends on each member at its exact version; the root's
 * `[registry]`, `[capabilities]`, `allow-multi-version` and `[audit]`; every member's path
 * dependency outside the workspace (its path rebased to the root) and git dependency, without a
 * requirement (the members' own requirements apply through their records); the members'
 * `[targets.rust.ffi]`, `[targets.go.ffi]` and `[targets.python.ffi]` entries taken together (a
 * crate two members name gets both requirements and both feature lists; a Go module or Python
 * distribution two members name, and a `[targets.python]` python or platform two members give,
 * must be written the same in both).
 *
 * @param ws the workspace
 * @returns a manifest whose dependencies are the members
 * @throws {MochiError} WORKSPACE_E002 two members taking one dependency from different path or
 *   git sources, or naming one Go module or Python distribution differently (naming both); a
 *   member's git or outside path dependency named like a member, and what
 *   {@link memberRecords} refuses (positioned at the member's key)
 */
export function workspaceManifest(ws: Workspace): Manifest {
  const root = ws.rootManifest;
  const dependencies = new Map<string, Dependency>();
  for (const m of ws.members) {
    dependencies.set(m.name, {
      name: m.name,
      requirement: `=${m.version}`,
      versionGiven: true,
      optional: false,
      features: [],
      defaultFeatures: true,
    });
  }
  // The members' path (outside the workspace) and git dependencies, for the one reader of
  // path and git packages (local_sources.ts): a path rebased to the root.
  const memberDirs = new Set(ws.members.map((m) => m.dir));
  const memberNames = new Map(ws.members.map((m) => [m.name, m]));
  for (const m of ws.members) {
    const tables = dependencyTables(m.manifest);
    for (const table of tables) {
      for (const d of table.values()) {
        const dir = d.path === undefined ? undefined : resolve(m.dir, d.path);
        if ((dir === undefined || memberDirs.has(dir)) && d.git === undefined) continue;
        const entry: Dependency = { ...d, requirement: "*", versionGiven: false, features: [] };
        delete entry.workspace;
        if (dir !== undefined) entry.path = relative(ws.root, dir).split("\\").join("/") || ".";
        if (memberNames.has(d.name)) {
          throw new MochiError(
            "WORKSPACE_E002",
            `${m.name}'s dependency ${quoteValue(d.name)} is a workspace member; depend on it by ` +
              `path (with a version) or \`${d.name}.workspace = true\``,
            {
              hint: `write ${d.name} = { path = "${
                relative(m.dir, memberNames.get(d.name)!.dir) || "."
              }", version = "${memberNames.get(d.name)!.version}" }`,
              ...dependencyPosition(m, d.name),
            },
          );
        }
        const had = dependencies.get(d.name);
        if (had !== undefined && sourceKey(had) !== sourceKey(entry)) {
          throw new MochiError(
            "WORKSPACE_E002",
            `two members take ${quoteValue(d.name)} from different sources: ${sourceKey(had)} ` +
              `and ${sourceKey(entry)} (in ${m.relDir}/mochi.toml)`,
            { hint: "point every member at the same path or git source (or inherit it)" },
          );
        }
        dependencies.set(d.name, entry);
      }
    }
  }
  // A member named without its path, before anything asks for a registry (INDEX_E007).
  memberRecords(ws);
  const out: Manifest = {
    package: { ...root.package, name: WORKSPACE_ROOT_NAME, version: "0.0.0" },
    dependencies,
    devDependencies: new Map(),
    features: Object.create(null),
    capabilities: root.capabilities,
    registry: root.registry,
    allowMultiVersion: root.allowMultiVersion,
  };
  if (root.workspace !== undefined) out.workspace = root.workspace;
  if (root.virtual) out.virtual = true;
  if (root.auditDatabase !== undefined) out.auditDatabase = root.auditDatabase;
  const rust = new Map<string, RustDependency>();
  const go = new Map<string, GoDependency>();
  const python = new Map<string, PythonDependency>();
  const goOwner = new Map<string, WorkspaceMember>();
  const pythonOwner = new Map<string, WorkspaceMember>();
  let pythonTargetOwner: WorkspaceMember | undefined;
  for (const m of ws.members) {
    for (const [name, c] of m.manifest.rustDependencies ?? []) {
      const had = rust.get(name);
      rust.set(
        name,
        had === undefined ? { ...c } : {
          ...had,
          requirement: had.requirement === c.requirement
            ? had.requirement
            : `${had.requirement}, ${c.requirement}`,
          features: [...new Set([...had.features, ...c.features])],
          defaultFeatures: had.defaultFeatures || c.defaultFeatures,
        },
      );
    }
    for (const [k, g] of m.manifest.goDependencies ?? []) {
      const had = go.get(k);
      if (had === undefined) {
        go.set(k, g);
        goOwner.set(k, m);
      } else if (had.query !== g.query) {
        throw conflictingEntry("go", k, [goOwner.get(k)!, had.query], [m, g.query], g.line);
      }
    }
    for (const [k, p] of m.manifest.pythonDependencies ?? []) {
      const had = python.get(k);
      if (had === undefined) {
        python.set(k, p);
        pythonOwner.set(k, m);
      } else if (had.requirement !== p.requirement) {
        throw conflictingEntry(
          "python",
          k,
          [pythonOwner.get(k)!, had.requirement],
          [m, p.requirement],
          p.line,
        );
      }
    }
    const target = m.manifest.pythonTarget;
    if (target !== undefined && out.pythonTarget !== undefined) {
      const had = out.pythonTarget;
      for (const key of ["python", "platform"] as const) {
        const mine = target[key];
        if (mine === undefined || had[key] === mine) continue;
        if (had[key] !== undefined) {
          throw conflictingTarget(key, [pythonTargetOwner!, had[key]!], [m, mine]);
        }
        out.pythonTarget = { ...out.pythonTarget, [key]: mine };
      }
    }
    if (out.pythonTarget === undefined && target !== undefined) {
      out.pythonTarget = target;
      pythonTargetOwner = m;
    }
  }
  if (rust.size > 0) out.rustDependencies = rust;
  if (go.size > 0) out.goDependencies = go;
  if (python.size > 0) out.pythonDependencies = python;
  return out;
}

/**
 * Two members name one `[targets.go.ffi]` module or `[targets.python.ffi]` distribution
 * differently: the workspace resolves one of each, so neither can silently win.
 */
function conflictingEntry(
  lang: "go" | "python",
  key: string,
  first: [WorkspaceMember, string],
  second: [WorkspaceMember, string],
  line: number,
): MochiError {
  const where = (
    m: WorkspaceMember,
  ) => (m.relDir === "." ? "mochi.toml" : `${m.relDir}/mochi.toml`);
  return new MochiError(
    "WORKSPACE_E002",
    `two members name [targets.${lang}.ffi] ${quoteValue(key)} differently: ${first[0].name} ` +
      `(${where(first[0])}) writes ${quoteValue(first[1])} and ${second[0].name} ` +
      `(${where(second[0])}) writes ${quoteValue(second[1])}; the workspace resolves one ` +
      `${lang === "go" ? "version of each module" : "version of each distribution"}`,
    {
      hint: `write the same entry in both members (the first is ${quoteValue(first[1])})`,
      file: join(second[0].dir, "mochi.toml"),
      line,
    },
  );
}

/** Two members' `[targets.python]` environments differ: the workspace resolves for one. */
function conflictingTarget(
  key: "python" | "platform",
  first: [WorkspaceMember, string],
  second: [WorkspaceMember, string],
): MochiError {
  return new MochiError(
    "WORKSPACE_E002",
    `two members give [targets.python] ${key} differently: ${first[0].name} writes ` +
      `${quoteValue(first[1])} and ${second[0].name} writes ${
        quoteValue(second[1])
      }; the workspace ` +
      "resolves Python distributions for one environment",
    {
      hint: `write the same [targets.python] ${key} in every member that has one`,
      file: join(second[0].dir, "mochi.toml"),
    },
  );
}

/** A path or git dependency's source, for comparing two members' entries. */
function sourceKey(d: Dependency): string {
  if (d.path !== undefined) return `path ${d.path}`;
  const g = d.git!;
  return `git ${g.url} ${g.rev ?? ""} ${g.tag ?? ""} ${g.branch ?? ""}`;
}

/**
 * The lock `source` of a member: `path+<directory relative to the root>` (a path package, used
 * where it is; no archive, no digests).
 *
 * @param m the member
 * @returns the source text
 */
export function memberSource(m: WorkspaceMember): string {
  return `path+${m.relDir}`;
}

/**
 * Each member as the solver sees it: one version, its `[dependencies]` and `[dev-dependencies]`
 * (a requirement on another member where it names one by path or by inheriting a path; `"*"`
 * when the entry gives no version; a path or git package outside the workspace is read by
 * local_sources.ts from {@link workspaceManifest}'s entries), and the capabilities it requires.
 *
 * @param ws the workspace
 * @param platform with it, only the `[target.'cfg(…)']` tables holding there (one fork of a
 *   forked resolution, resolve.ts); without it every table (the universal resolution)
 * @returns member name → its index record
 * @throws {MochiError} WORKSPACE_E002 a dependency on another member that names it without its
 *   path, or by a path that is another member's
 */
export function memberRecords(ws: Workspace, platform?: Platform): Map<string, IndexRecord> {
  const byDir = new Map(ws.members.map((m) => [m.dir, m]));
  const byName = new Map(ws.members.map((m) => [m.name, m]));
  const out = new Map<string, IndexRecord>();
  for (const m of ws.members) {
    const deps: Record<string, string> = Object.create(null);
    const platformTables = (m.manifest.platformDependencies ?? [])
      .filter((t) => platform === undefined || t.platforms.includes(platform))
      .flatMap((t) => [t.dependencies, t.devDependencies]);
    for (const table of [m.manifest.dependencies, m.manifest.devDependencies, ...platformTables]) {
      for (const [name, d] of table) {
        const target = d.path === undefined ? undefined : byDir.get(resolve(m.dir, d.path));
        const member = byName.get(name);
        if (target !== undefined && target.name !== name) {
          throw new MochiError(
            "WORKSPACE_E002",
            `${m.name}'s dependency "${name}" points at ${target.relDir}, which is the member ` +
              `"${target.name}"`,
            { hint: `name the dependency "${target.name}"`, ...dependencyPosition(m, name) },
          );
        }
        if (member !== undefined && target === undefined) {
          throw new MochiError(
            "WORKSPACE_E002",
            `${m.name}'s dependency "${name}" names the workspace member "${name}" without its ` +
              "path",
            {
              hint: `write ${name} = { path = "${relative(m.dir, member.dir) || "."}", version = ` +
                `"${member.version}" }, or inherit it with ${name}.workspace = true`,
              ...dependencyPosition(m, name),
            },
          );
        }
        const req = d.versionGiven ? d.requirement : "*";
        deps[name] = deps[name] ? `${deps[name]}, ${req}` : req;
      }
    }
    out.set(m.name, {
      version: m.version,
      blake3: "",
      sha256: "",
      dependencies: deps,
      yanked: false,
      capabilities: [...m.manifest.capabilities.required].sort(),
      extra: {},
    });
  }
  return out;
}

/**
 * The order to publish workspace members in (cargo's `publish --workspace`): every member after
 * the members it depends on, ties by name. A member that depends on anything by path without a
 * `version`, or on a git package, cannot be published (a registry package names its
 * dependencies by version): refused, as a dependency cycle between the chosen members is.
 *
 * @param ws the workspace
 * @param chosen the members to publish (`selectMembers`)
 * @returns the chosen members in publish order
 * @throws {MochiError} WORKSPACE_E004 naming the member and the dependency, or the cycle
 */
export function publishOrder(ws: Workspace, chosen: readonly WorkspaceMember[]): WorkspaceMember[] {
  const byDir = new Map(ws.members.map((m) => [m.dir, m]));
  const picked = new Set(chosen);
  const needs = new Map<WorkspaceMember, Set<WorkspaceMember>>();
  for (const m of chosen) {
    const set = new Set<WorkspaceMember>();
    const tables = [
      ["dependencies", m.manifest.dependencies],
      ...(m.manifest.platformDependencies ?? []).map((t) =>
        [`target.'${t.cfg}'.dependencies`, t.dependencies] as const
      ),
    ] as const;
    for (const [section, table] of tables) {
      for (const d of table.values()) {
        if (d.git !== undefined) {
          throw new MochiError(
            "WORKSPACE_E004",
            `${m.name} cannot be published: [${section}] ${d.name} comes from git`,
            {
              hint: `depend on a published version of ${d.name} (version = "…")`,
              ...dependencyPosition(m, d.name),
            },
          );
        }
        if (d.path !== undefined && !d.versionGiven) {
          throw new MochiError(
            "WORKSPACE_E004",
            `${m.name} cannot be published: [${section}] ${d.name} has a path and no version ` +
              "(a published package names its dependencies by version)",
            {
              hint: `write ${d.name} = { path = "${d.path}", version = "<requirement>" }`,
              ...dependencyPosition(m, d.name),
            },
          );
        }
        const target = d.path === undefined ? undefined : byDir.get(resolve(m.dir, d.path));
        if (target !== undefined && picked.has(target)) set.add(target);
      }
    }
    needs.set(m, set);
  }
  const out: WorkspaceMember[] = [];
  const done = new Set<WorkspaceMember>();
  while (out.length < chosen.length) {
    const ready = chosen.filter((m) => !done.has(m) && [...needs.get(m)!].every((d) => done.has(d)))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (ready.length === 0) {
      const cycle = chosen.filter((m) => !done.has(m)).map((m) => m.name).sort();
      throw new MochiError(
        "WORKSPACE_E004",
        `the members ${cycle.join(", ")} depend on each other in a cycle; none can be published ` +
          "before the others",
        { hint: "break the cycle (a dev-dependency does not count)" },
      );
    }
    for (const m of ready) {
      out.push(m);
      done.add(m);
    }
  }
  return out;
}

/** One member of a workspace publish, decided before anything is packed or uploaded. */
export interface MemberPublish {
  /** The member. */
  member: WorkspaceMember;
  /** The `mochi.toml` its archive carries (`normalizeMemberManifest`). */
  manifestText: string;
  /** Dev-dependencies left out of it (a path or git source without a version). */
  droppedDevDependencies: string[];
}

/**
 * What `mochi publish` does in a workspace (cargo's `publish --workspace`/`-p`): the chosen
 * members in {@link publishOrder}, each with the manifest it is published with (inherited keys
 * written out, `path` removed from dependencies that give a version, no `[workspace]`).
 * Reads each member's `mochi.toml` again (capped, strict UTF-8); writes nothing.
 *
 * @param ws the workspace
 * @param chosen the members to publish (`selectMembers`)
 * @returns the members in publish order with their normalized manifests
 * @throws {MochiError} WORKSPACE_E004 as {@link publishOrder}, or a git dependency; the manifest
 *   codes of a member's `mochi.toml`; MANIFEST_E011 a member's `mochi.toml` has gone
 */
export async function planWorkspacePublish(
  ws: Workspace,
  chosen: readonly WorkspaceMember[],
): Promise<MemberPublish[]> {
  const rootFile = join(ws.root, "mochi.toml");
  const out: MemberPublish[] = [];
  for (const member of publishOrder(ws, chosen)) {
    const path = join(member.dir, "mochi.toml");
    const text = await readText(path);
    if (text === undefined) {
      throw new MochiError("MANIFEST_E011", `${path} has gone since the workspace was read`, {
        hint: "run mochi publish again",
        file: path,
      });
    }
    const n = normalizeMemberManifest(
      text,
      path,
      member.relDir === "." ? undefined : {
        config: ws.rootManifest.workspace!,
        rootFile,
        memberToRoot: relative(member.dir, ws.root).split("\\").join("/") || ".",
      },
    );
    out.push({
      member,
      manifestText: n.text,
      droppedDevDependencies: n.droppedDevDependencies,
    });
  }
  return out;
}

/**
 * The workspace with one member's `mochi.toml` replaced by `text` (parsed with what it inherits;
 * nothing is written).
 *
 * @param ws the workspace
 * @param manifestPath the member's `mochi.toml`
 * @param text its new text
 * @returns a new workspace value
 * @throws {MochiError} the manifest codes of the new text; WORKSPACE_E002 when the path is no
 *   member's
 */
export function reparseMember(ws: Workspace, manifestPath: string, text: string): Workspace {
  const dir = resolve(manifestPath, "..");
  const at = ws.members.findIndex((m) => m.dir === dir);
  if (at < 0) {
    throw new MochiError("WORKSPACE_E002", `${manifestPath} is no member of ${ws.root}`, {
      hint: "edit a member's mochi.toml",
    });
  }
  const old = ws.members[at]!;
  const rootFile = join(ws.root, "mochi.toml");
  const { manifest } = old.relDir === "."
    ? parseManifest(text, manifestPath)
    : parseManifest(text, manifestPath, {
      workspace: {
        config: ws.rootManifest.workspace!,
        rootFile,
        memberToRoot: relative(dir, ws.root).split("\\").join("/") || ".",
      },
    });
  const member: WorkspaceMember = { ...old, manifest, version: manifest.package.version };
  const members = ws.members.map((m, i) => (i === at ? member : m));
  const defaults = new Set(ws.defaultMembers.map((m) => m.dir));
  return {
    ...ws,
    ...(old.relDir === "." ? { rootManifest: manifest } : {}),
    members,
    defaultMembers: members.filter((m) => defaults.has(m.dir)),
  };
}

/**
 * The capability pins of a workspace for the solver (`CapabilityPolicy.fromManifest`): every
 * member's `capabilities = [...]` on a dependency (a name pinned by several members keeps only
 * what every pin allows), and the root's `[capabilities] allowed`.
 *
 * @param ws the workspace
 * @returns the view `CapabilityPolicy.fromManifest` reads
 */
export function workspacePolicyManifest(ws: Workspace): PolicyManifest {
  const pins = new Map<string, { capabilities: string[] }>();
  for (const m of ws.members) {
    const tables = dependencyTables(m.manifest);
    for (const table of tables) {
      for (const [name, d] of table) {
        if (d.capabilities === undefined) continue;
        const prev = pins.get(name)?.capabilities;
        pins.set(name, {
          capabilities: prev === undefined
            ? [...d.capabilities]
            : prev.filter((c) => capabilitiesNotCovered([c], d.capabilities!).length === 0),
        });
      }
    }
  }
  return {
    package: { name: WORKSPACE_ROOT_NAME },
    dependencies: pins,
    devDependencies: new Map(),
    capabilities: ws.rootManifest.capabilities,
  };
}
