/**
 * The dependency graph of a lockfile, and its two views: `mochi tree` (what depends on what,
 * from the root) and `mochi why <pkg>` (the inverted tree: who pulls a package in), in the
 * style of `cargo tree` and `cargo tree -i` (`├──`, `│`, `└──`, repeated subtrees shown once and
 * then marked `(*)`).
 *
 * @module
 */
import type { Lockfile } from "../lockfile/mod.ts";
import type { Manifest } from "../manifest/mod.ts";
import { dependencyTables } from "../manifest/tables.ts";
import { compareVersions, parseRequirement, parseVersion, satisfies } from "../semver/mod.ts";
import { MochiError } from "../errors.ts";
import { WORKSPACE_ROOT_NAME } from "./workspace.ts";

/** A node id: `"name version"`. */
export type NodeId = string;

/** The lockfile as a graph: edges from each package to the exact packages it depends on. */
export interface LockGraph {
  /** The root package id (`"name version"` of the manifest's package). */
  root: NodeId;
  /** Node id → dependency node ids, sorted. */
  edges: Map<NodeId, NodeId[]>;
  /**
   * What is printed for a node when it is more than its id: a path package (a workspace member)
   * with its directory, `app 0.4.0 (packages/app)`, as cargo tree marks path packages.
   */
  labels?: Map<NodeId, string>;
}

/**
 * Builds the graph of a lockfile. The root's edges are the manifest's dependencies (and
 * dev-dependencies), each matched to the highest locked version that satisfies it, and the Rust
 * crates no other locked crate depends on.
 *
 * @param manifest the project's manifest
 * @param lock its lockfile
 * @returns the graph
 */
export function lockGraph(manifest: Manifest, lock: Lockfile): LockGraph {
  const root = `${manifest.package.name} ${manifest.package.version}`;
  const edges = new Map<NodeId, NodeId[]>();
  const labels = new Map<NodeId, string>();
  for (const p of lock.packages) {
    const id = `${p.name} ${p.version}`;
    edges.set(id, [...p.dependencies].sort());
    if (p.source.startsWith("path+")) labels.set(id, `${id} (${p.source.slice("path+".length)})`);
  }
  const rootDeps: NodeId[] = [];
  // Every platform's tables too: the lock is universal (entries carry their markers).
  for (const deps of dependencyTables(manifest)) {
    for (const [name, dep] of deps) {
      const req = parseRequirement(dep.requirement);
      const match = lock.packages
        .filter((p) => p.name === name && satisfies(parseVersion(p.version), req))
        .sort((a, b) => compareVersions(parseVersion(b.version), parseVersion(a.version)))[0];
      if (match) rootDeps.push(`${match.name} ${match.version}`);
    }
  }
  // Rust crates (`[[rust-package]]`): the crates no other crate depends on are the project's own
  // (from `[targets.rust.ffi]` or an `import rust` line), so they hang off the root.
  const crates = lock.rustPackages ?? [];
  const depended = new Set(crates.flatMap((c) => c.dependencies));
  for (const c of crates) {
    const id = `${c.name} ${c.version}`;
    if (!edges.has(id)) edges.set(id, [...c.dependencies].sort());
    if (!depended.has(id)) rootDeps.push(id);
  }
  edges.set(root, [...new Set(rootDeps)].sort());
  return labels.size > 0 ? { root, edges, labels } : { root, edges };
}

/**
 * The graph seen from some members of a workspace (`-p`, `--workspace`, the member of the
 * working directory): one member is the root itself; several hang off the workspace root. The
 * workspace root's edges are the chosen members only, so `why` ends its paths at them.
 *
 * @param graph the workspace lock's graph ({@link lockGraph} of `workspaceManifest`)
 * @param members the chosen members' ids (`"name version"`)
 * @returns the graph rooted at the member, or at the workspace root over the chosen members
 */
export function memberGraph(graph: LockGraph, members: readonly NodeId[]): LockGraph {
  const edges = new Map(graph.edges);
  if (members.length === 1) {
    edges.delete(graph.root);
    return { ...graph, root: members[0]!, edges };
  }
  edges.set(graph.root, [...members].sort());
  return { ...graph, edges };
}

function render(
  start: NodeId,
  children: (id: NodeId) => NodeId[],
  label: (id: NodeId) => string,
  maxDepth: number,
): string[] {
  const lines = [label(start)];
  const expanded = new Set<NodeId>([start]);
  let repeated = false;
  function walk(id: NodeId, prefix: string, depth: number, path: Set<NodeId>) {
    const kids = children(id);
    kids.forEach((kid, i) => {
      const last = i === kids.length - 1;
      const seen = expanded.has(kid) && children(kid).length > 0;
      lines.push(`${prefix}${last ? "└── " : "├── "}${label(kid)}${seen ? " (*)" : ""}`);
      if (seen) repeated = true;
      if (seen || path.has(kid) || depth + 1 >= maxDepth) return;
      expanded.add(kid);
      path.add(kid);
      walk(kid, prefix + (last ? "    " : "│   "), depth + 1, path);
      path.delete(kid);
    });
  }
  // Depth 0 is the root alone (cargo tree --depth 0).
  if (maxDepth > 0) walk(start, "", 0, new Set([start]));
  if (repeated) lines.push("", "(*) shown above");
  return lines;
}

/**
 * `mochi tree`: the graph from the root, alphabetical.
 *
 * @param graph the lockfile graph
 * @param options `depth`: levels below the root to show (default unlimited; 0 is the root alone,
 *   1 its direct dependencies, as `cargo tree --depth`)
 * @returns the lines to print
 */
export function formatTree(graph: LockGraph, options: { depth?: number } = {}): string[] {
  return render(
    graph.root,
    (id) => graph.edges.get(id) ?? [],
    (id) => graph.labels?.get(id) ?? id,
    options.depth ?? Infinity,
  );
}

/**
 * `mochi why <pkg>`: every path by which `name` enters the graph, as an inverted tree that ends
 * at the root (marked "(your manifest)"). In a workspace the paths end at the members: the
 * workspace's own root ({@link WORKSPACE_ROOT_NAME}) is never printed.
 *
 * @param graph the lockfile graph
 * @param name package name (all its locked versions are shown)
 * @returns the lines to print
 * @throws {MochiError} CLI_E001 when no locked package has that name
 */
export function formatWhy(graph: LockGraph, name: string): string[] {
  const parents = new Map<NodeId, NodeId[]>();
  const workspaceRoot = graph.root.startsWith(`${WORKSPACE_ROOT_NAME} `);
  for (const [from, tos] of graph.edges) {
    if (workspaceRoot && from === graph.root) continue;
    for (const to of tos) parents.set(to, [...(parents.get(to) ?? []), from]);
  }
  for (const list of parents.values()) list.sort();
  const targets = [...graph.edges.keys()].filter((id) =>
    id.split(" ")[0] === name && id !== graph.root
  ).sort();
  if (targets.length === 0) {
    throw new MochiError("CLI_E001", `package "${name}" is not in mochi.lock`, {
      hint: "run mochi tree to see the locked packages",
    });
  }
  const label = (id: NodeId) =>
    id === graph.root ? `${id} (your manifest)` : graph.labels?.get(id) ?? id;
  const out: string[] = [];
  for (const t of targets) {
    if (out.length > 0) out.push("");
    out.push(...render(t, (id) => parents.get(id) ?? [], label, Infinity));
  }
  return out;
}
