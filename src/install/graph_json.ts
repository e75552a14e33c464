/**
 * The locked dependency graph as JSON values, for `mochi tree --json` and `mochi why --json`
 * (schemas: `docs/schemas/tree.schema.json`, `docs/schemas/why.schema.json`). Both are flat
 * adjacency lists keyed by node id (`"name version"`), so a shared subtree appears once and a
 * graph with many paths stays linear in size (as `cargo metadata`'s `resolve.nodes`).
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import type { LockGraph, NodeId } from "./graph.ts";

/** One node of {@link TreeJson}. */
export interface GraphNodeJson {
  /** `"name version"`. */
  id: NodeId;
  /** Package (or crate) name. */
  name: string;
  /** Exact version. */
  version: string;
  /** Ids of its dependencies, sorted (in {@link TreeJson}) or of its dependents (in {@link WhyJson}). */
  edges: NodeId[];
}

/** `mochi tree --json`. */
export interface TreeJson {
  /** The project's id. */
  root: NodeId;
  /** The nodes within the depth asked for, root first, then by id. */
  nodes: GraphNodeJson[];
}

/** `mochi why <pkg> --json`. */
export interface WhyJson {
  /** The package asked about. */
  package: string;
  /** The project's id. */
  root: NodeId;
  /** Its locked versions' ids. */
  targets: NodeId[];
  /** Every node on a path from a target up to the root, each with its dependents as `edges`. */
  nodes: GraphNodeJson[];
}

function node(id: NodeId, edges: NodeId[]): GraphNodeJson {
  const at = id.lastIndexOf(" ");
  return { id, name: id.slice(0, at), version: id.slice(at + 1), edges };
}

/**
 * The tree as JSON: the nodes reachable from the root within `depth` levels, each with all its
 * dependency edges (a node at the depth limit lists edges to nodes that are not included).
 *
 * @param graph the lock graph
 * @param depth levels below the root (default: all)
 * @returns the {@link TreeJson}
 */
export function treeJson(graph: LockGraph, depth = Infinity): TreeJson {
  const seen = new Map<NodeId, number>([[graph.root, 0]]);
  const queue: NodeId[] = [graph.root];
  while (queue.length > 0) {
    const id = queue.shift()!;
    const d = seen.get(id)!;
    if (d >= depth) continue;
    for (const kid of graph.edges.get(id) ?? []) {
      if (!seen.has(kid)) {
        seen.set(kid, d + 1);
        queue.push(kid);
      }
    }
  }
  const ids = [...seen.keys()].filter((id) => id !== graph.root).sort();
  return {
    root: graph.root,
    nodes: [graph.root, ...ids].map((id) => node(id, [...(graph.edges.get(id) ?? [])])),
  };
}

/**
 * Why a package is in the graph, as JSON: its locked versions and every node on a path from one
 * of them up to the root, each with the nodes that depend on it.
 *
 * @param graph the lock graph
 * @param name the package name
 * @returns the {@link WhyJson}
 * @throws {MochiError} `CLI_E001` when no locked package has that name
 */
export function whyJson(graph: LockGraph, name: string): WhyJson {
  const parents = new Map<NodeId, NodeId[]>();
  for (const [from, tos] of graph.edges) {
    for (const to of tos) parents.set(to, [...(parents.get(to) ?? []), from]);
  }
  const targets = [...graph.edges.keys()].filter((id) =>
    id.slice(0, id.lastIndexOf(" ")) === name && id !== graph.root
  ).sort();
  if (targets.length === 0) {
    throw new MochiError("CLI_E001", `package "${name}" is not in mochi.lock`, {
      hint: "run mochi tree to see the locked packages",
    });
  }
  const seen = new Set<NodeId>(targets);
  const stack = [...targets];
  while (stack.length > 0) {
    for (const p of parents.get(stack.pop()!) ?? []) {
      if (!seen.has(p)) {
        seen.add(p);
        stack.push(p);
      }
    }
  }
  return {
    package: name,
    root: graph.root,
    targets,
    nodes: [...seen].sort().map((id) => node(id, [...(parents.get(id) ?? [])].sort())),
  };
}
