/**
 * The layer check (`deno task check` runs it): reads the import graph with `deno info --json` and
 * the rules from one table (`scripts/_rooms.ts`), and fails when
 *
 * - a file imports a file of an outer layer (the pure core never imports adapters, install or the
 *   command line; adapters never import install);
 * - a room imports a room it forbids (a registry client never imports the registry server);
 * - a core file does I/O: `Deno.*`, `fetch`, `console`, or a `node:` module that is not
 *   computation only;
 * - the files or the rooms import each other in a cycle;
 * - a file under `src/` belongs to no room.
 *
 * Findings of a room marked `level: "warn"` (one being moved) are printed and do not fail.
 * `deno run -A scripts/check_layers.ts [--json]`.
 *
 * @module
 */
import {
  ALLOWED_EDGES,
  CORE_NODE_MODULES,
  type ImportGraph,
  LAYER_ORDER,
  loadGraph,
  PENDING,
  REPO_ROOT,
  type Room,
  roomOf,
  ROOMS,
} from "./_rooms.ts";

/** One broken rule. */
export interface Finding {
  /** `error` fails the check; `warn` is printed only. */
  level: "warn" | "error";
  /** Which rule: `layer`, `forbid`, `io`, `cycle`, `room-cycle`, `no-room`. */
  rule: "layer" | "forbid" | "io" | "cycle" | "room-cycle" | "no-room";
  /** The file (or, for a room cycle, the room) the finding is about. */
  at: string;
  /** What is wrong, naming both ends. */
  message: string;
}

/** I/O a core file must not do, as patterns over its code with comments removed. */
const CORE_IO: readonly [RegExp, string][] = [
  [/\bDeno\s*\.\s*[A-Za-z]/, "Deno.*"],
  [/(?<![.\w])fetch\s*\(/, "fetch()"],
  [/\bconsole\s*\./, "console"],
];

/** Removes comments (block and line) so that documentation may mention `Deno.*` freely. */
export function stripComments(source: string): string {
  let out = "";
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    const next = source[i + 1];
    if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      i = end < 0 ? source.length : end + 2;
      out += " ";
    } else if (c === "/" && next === "/") {
      const end = source.indexOf("\n", i);
      i = end < 0 ? source.length : end;
    } else if (c === '"' || c === "'" || c === "`") {
      // Copy a string literal whole (a `//` inside a URL is not a comment).
      let j = i + 1;
      while (j < source.length && source[j] !== c) j += source[j] === "\\" ? 2 : 1;
      out += source.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/**
 * Checks a graph against the table.
 *
 * @param graph repository-relative path → imports
 * @param sources repository-relative path → source text (for the core I/O rule)
 * @param rooms the table (default: {@link ROOMS})
 * @param pending known findings to report as warnings (default: {@link PENDING})
 * @returns every finding, errors and warnings, sorted by file
 */
export function checkLayers(
  graph: ImportGraph,
  sources: ReadonlyMap<string, string>,
  rooms: Readonly<Record<string, Room>> = ROOMS,
  pending: ReadonlyMap<string, string> = PENDING,
): Finding[] {
  const findings: Finding[] = [];
  const levelOf = (...names: (string | undefined)[]): "warn" | "error" =>
    names.some((n) => n !== undefined && rooms[n]?.level === "warn") ? "warn" : "error";
  const rank = (room: string) => LAYER_ORDER.indexOf(rooms[room]!.layer);
  const roomEdges = new Map<string, Set<string>>();
  for (const [file, edges] of graph) {
    const from = roomOf(file, rooms);
    if (from === undefined) {
      if (file.startsWith("src/")) {
        findings.push({
          level: "error",
          rule: "no-room",
          at: file,
          message: `${file} belongs to no room: add it to ROOMS in scripts/_rooms.ts`,
        });
      }
      continue;
    }
    const fromRoom = rooms[from]!;
    for (const edge of edges) {
      if (edge.to.startsWith("node:")) {
        if (fromRoom.layer === "core" && !CORE_NODE_MODULES.has(edge.to)) {
          findings.push({
            level: levelOf(from),
            rule: "io",
            at: file,
            message: `${file} (core room ${from}) imports ${edge.to}, which does I/O`,
          });
        }
        continue;
      }
      if (!graph.has(edge.to)) continue; // npm:, jsr:, data files
      const to = roomOf(edge.to, rooms);
      if (to === undefined) continue;
      if (to !== from) {
        let set = roomEdges.get(from);
        if (!set) roomEdges.set(from, set = new Set());
        set.add(to);
      }
      if (rank(to) > rank(from) && !ALLOWED_EDGES.has(`${file} ${edge.to}`)) {
        findings.push({
          level: levelOf(from, to),
          rule: "layer",
          at: file,
          message: `${file} (${fromRoom.layer} room ${from}) imports ${edge.to} (${
            rooms[to]!.layer
          } room ${to}): an inner layer never imports an outer one`,
        });
      } else if (fromRoom.forbid?.includes(to)) {
        findings.push({
          level: levelOf(from, to),
          rule: "forbid",
          at: file,
          message: `${file} (room ${from}) imports ${edge.to} (room ${to}), which ${from} must not`,
        });
      }
    }
    if (fromRoom.layer === "core") {
      const code = stripComments(sources.get(file) ?? "");
      for (const [pattern, what] of CORE_IO) {
        if (pattern.test(code)) {
          findings.push({
            level: levelOf(from),
            rule: "io",
            at: file,
            message: `${file} (core room ${from}) uses ${what}: I/O belongs in an adapter`,
          });
        }
      }
    }
  }
  for (const cycle of cycles(localGraph(graph))) {
    const rs = [...new Set(cycle.map((f) => roomOf(f, rooms)))];
    findings.push({
      level: levelOf(...rs),
      rule: "cycle",
      at: cycle[0]!,
      message: `import cycle: ${cycle.join(" → ")} → ${cycle[0]}`,
    });
  }
  for (const cycle of cycles(roomEdges)) {
    findings.push({
      level: levelOf(...cycle),
      rule: "room-cycle",
      at: cycle[0]!,
      message: `rooms import each other: ${cycle.join(" → ")} → ${cycle[0]}`,
    });
  }
  for (const f of findings) {
    const why = pending.get(`${f.rule} ${f.at}`);
    if (why !== undefined) {
      f.level = "warn";
      f.message += ` (pending: ${why})`;
    }
  }
  return findings.sort((a, b) => a.at.localeCompare(b.at) || a.message.localeCompare(b.message));
}

function localGraph(graph: ImportGraph): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const [file, edges] of graph) {
    out.set(file, new Set(edges.map((e) => e.to).filter((t) => graph.has(t))));
  }
  return out;
}

/**
 * The cycles of a directed graph, one per strongly connected component of two or more nodes (or a
 * node importing itself), each as a path through the component (Tarjan's algorithm).
 */
export function cycles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)?.has(v)) components.push(component);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return components.map((c) => pathThrough(graph, new Set(c)));
}

/** A cycle through a component: from its first node (sorted), following edges inside it. */
function pathThrough(
  graph: ReadonlyMap<string, ReadonlySet<string>>,
  component: ReadonlySet<string>,
): string[] {
  const start = [...component].sort()[0]!;
  // Breadth-first search for the shortest way back to the start.
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of [...(graph.get(v) ?? [])].sort()) {
      if (!component.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
        return path;
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}

if (import.meta.main) {
  const graph = await loadGraph(REPO_ROOT);
  const sources = new Map<string, string>();
  for (const file of graph.keys()) {
    sources.set(file, await Deno.readTextFile(`${REPO_ROOT}/${file}`));
  }
  const findings = checkLayers(graph, sources);
  if (Deno.args.includes("--json")) {
    console.log(JSON.stringify(findings, null, 2));
  } else {
    for (const f of findings) console.error(`${f.level}[${f.rule}]: ${f.message}`);
    const errors = findings.filter((f) => f.level === "error").length;
    console.error(
      `check_layers: ${graph.size} files, ${errors} error(s), ${
        findings.length - errors
      } warning(s)`,
    );
  }
  if (findings.some((f) => f.level === "error")) Deno.exit(1);
}
