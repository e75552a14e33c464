/**
 * The one table of rooms, layers and public entry points that `scripts/check_layers.ts` and
 * `scripts/check_exports.ts` enforce (ARCHITECTURE.md describes the same table in prose), and the
 * import graph both checks read (`deno info --json`).
 *
 * A file belongs to the room whose path prefix is the longest one matching it, so a room can keep
 * its pure part in `src/<room>/` and its Deno I/O in `src/<room>/fs/`.
 *
 * @module
 */

/**
 * How far from the pure core a room sits: a file may import files of its own layer or a lower one.
 *
 * - `core`: pure computation (no `Deno.*`, no `fetch`, no console; Web-standard APIs and the
 *   computation-only `node:` modules listed in {@link CORE_NODE_MODULES}).
 * - `adapter`: Deno I/O at the edge (file system, network, subprocesses, workers).
 * - `install`: the project-level pipeline that composes adapters.
 * - `surface`: the library entry points (`mod.ts` and the subpath entries).
 * - `cli`: the command line, the only printer.
 */
export type Layer = "core" | "adapter" | "install" | "surface" | "cli";

/** The layers from the innermost outwards: a file may import a file of an equal or lower index. */
export const LAYER_ORDER: readonly Layer[] = ["core", "adapter", "install", "surface", "cli"];

/** One room: a concern with its own folder(s), layer and extra import bans. */
export interface Room {
  /** Path prefixes relative to the repository root (`src/semver/`) or single files. */
  paths: readonly string[];
  /** The room's layer. */
  layer: Layer;
  /** Rooms this room must never import, beyond what the layer order already forbids. */
  forbid?: readonly string[];
  /**
   * `warn` while a room is being moved into place (its findings are printed but do not fail the
   * check); `error` (the default) once it is.
   */
  level?: "warn" | "error";
  /** One sentence for ARCHITECTURE.md. */
  about: string;
}

/** Every room of the repository (the tests and scripts are outside the table and unchecked). */
export const ROOMS: Readonly<Record<string, Room>> = {
  errors: {
    paths: ["src/errors.ts", "src/edit_distance.ts", "src/limits.ts", "src/concurrency.ts"],
    layer: "core",
    about:
      "the error catalogue (codes, exit statuses, hints), the did-you-mean distance, the limits table and the one concurrency primitive",
  },
  semver: {
    paths: ["src/semver/"],
    layer: "core",
    about: "versions, requirements in cargo's grammar, and the version-set algebra",
  },
  solver: {
    paths: ["src/solver/"],
    layer: "core",
    about: "the PubGrub solver, its dependency-provider port and its failure reports",
  },
  manifest: {
    paths: ["src/manifest/"],
    layer: "core",
    about: "mochi.toml: strict reading with positions, name rules and in-place edits",
  },
  lockfile: {
    paths: ["src/lockfile/"],
    layer: "core",
    about: "mochi.lock: the canonical writer and reader and whether it satisfies a manifest",
  },
  index: {
    paths: ["src/index/"],
    layer: "core",
    about: "index records, the index path rule, config.json and the signed snapshot's checks",
  },
  store: {
    paths: ["src/store/"],
    layer: "core",
    about: "digests, archive policy and the tar.zst reader and writer",
  },
  capability: {
    paths: ["src/capability/"],
    layer: "core",
    about: "the closed capability set, scopes, consumer pins and the update gate",
  },
  lowering: {
    paths: ["src/lowering/"],
    layer: "core",
    about: "capabilities lowered to each target's permission set",
  },
  rust: {
    paths: ["src/rust/"],
    layer: "core",
    about: "cargo's rules: index files, features as packages, crate resolution",
  },
  python: {
    paths: ["src/python/"],
    layer: "core",
    about:
      "Python's rules: PEP 440 versions and specifiers, PEP 503 names, PEP 508 requirements and markers, wheel tags, core metadata, PEP 691 pages, resolution",
  },
  "python-client": {
    paths: ["src/python/client/"],
    layer: "adapter",
    forbid: ["registry-server"],
    about: "reads a PEP 691 JSON index: project pages and PEP 658 core metadata, cached and capped",
  },
  audit: {
    paths: ["src/audit/"],
    layer: "core",
    about:
      "advisories: OSV records read as hostile input, OSV range evaluation, CVSS scores, matching a lock",
  },
  "audit-client": {
    paths: ["src/audit/client/"],
    layer: "adapter",
    forbid: ["registry-server"],
    about: "reads an OSV advisory database: a directory of JSON files or an http(s) URL, capped",
  },
  sbom: {
    paths: ["src/sbom/"],
    layer: "core",
    about:
      "software bills of materials from mochi.lock: CycloneDX 1.6 JSON and SPDX 3.0.1 JSON-LD, package URLs, byte-reproducible",
  },
  go: {
    paths: ["src/go/"],
    layer: "core",
    about:
      "Go's rules from golang.org/x/mod: module paths and versions, h1 hashes, module zips, signed notes, the checksum database's log, go.mod",
  },
  fanout: {
    paths: ["src/fanout/"],
    layer: "core",
    about:
      "polyglot fan-out: target tables, version and range mapping, byte-reproducible archives and one packer per ecosystem",
  },
  "fanout-client": {
    paths: ["src/fanout/client/"],
    layer: "adapter",
    forbid: ["registry-server"],
    about: "uploads fan-out artifacts with each target registry's own protocol",
  },
  pack: {
    paths: ["src/pack/"],
    layer: "core",
    about: "which files a package archive takes and the publish preflight",
  },
  publish: {
    paths: ["src/publish/"],
    layer: "core",
    about: "in-toto statements, publisher bindings and the registry's publish rules",
  },
  "store-fs": {
    paths: [
      "src/store/mod.ts",
      "src/store/fs/",
    ],
    layer: "adapter",
    about: "the on-disk store under $MOCHI_HOME: blobs, trees, the store lock, atomic writes",
  },
  "go-client": {
    paths: ["src/go/client/"],
    layer: "adapter",
    forbid: ["registry-server"],
    about:
      "reads a Go module proxy and checksum database over http(s), with caps, and keeps the newest verified tree head",
  },
  "registry-client": {
    paths: ["src/registry/client/"],
    layer: "adapter",
    forbid: ["registry-server"],
    about:
      "reads a registry (file:// or http(s)): index files, blobs, crates, with caps; fails over to mirrors",
  },
  "registry-server": {
    paths: ["src/registry/server/"],
    layer: "adapter",
    about:
      "serves a registry (a directory or an S3 bucket) and its publish API; syncs and audits mirrors",
  },
  trust: {
    paths: ["src/trust/sigstore/"],
    layer: "core",
    forbid: ["registry-server"],
    about: "Sigstore bundle verification, offline against a trusted root (pure computation)",
  },
  "trust-state": {
    paths: ["src/trust/trust_state.ts"],
    layer: "adapter",
    forbid: ["registry-server"],
    about: "the pinned snapshot key and highest version per registry under $MOCHI_HOME/state",
  },
  "trust-native": {
    paths: ["src/trust/_openssl_ecdsa.ts"],
    layer: "adapter",
    forbid: ["registry-server"],
    about:
      "OpenSSL's ECDSA verification for the Sigstore verifier, where the system's libcrypto loads",
  },
  "publish-client": {
    paths: ["src/publish/client/"],
    layer: "adapter",
    forbid: ["registry-server"],
    about: "the author's side: pack, sign, upload, yank",
  },
  sandbox: {
    paths: ["src/sandbox/"],
    layer: "adapter",
    forbid: ["registry-server", "registry-client"],
    about: "running package code: deno subprocesses and permission-confined workers",
  },
  install: {
    paths: ["src/install/"],
    layer: "install",
    forbid: ["registry-server"],
    about: "the project pipeline: read, decide, fetch into the store, write the lock",
  },
  surface: {
    paths: ["mod.ts", "src/registry/mod.ts", "src/trust/mod.ts", "src/publish/mod.ts"],
    layer: "surface",
    about: "the root facade and the entry points that span several rooms",
  },
  cli: {
    paths: ["cli.ts", "src/cli/"],
    layer: "cli",
    about: "the command line, the only module that prints or exits",
  },
};

/**
 * Findings known and being fixed by a change under way: each is printed as a warning instead of
 * failing the check. Key: the finding's rule and the file or room it is about; value: why it is
 * pending. Remove an entry when its fix lands (the check then fails if the finding comes back).
 */
export const PENDING: ReadonlyMap<string, string> = new Map([]);

/**
 * Imports that cross the layer order on purpose, keyed `"<from> <to>"`, each with why. Keep it
 * short: every entry is a hole in the layering.
 */
export const ALLOWED_EDGES: ReadonlyMap<string, string> = new Map([
  [
    "mod.ts cli.ts",
    "the main hook (`deno run -A jsr:@mochi/pkg install` runs the CLI): a dynamic import behind " +
    "import.meta.main, so importing the library loads no CLI code",
  ],
]);

/**
 * The `node:` modules a core file may import: computation only (hashing, compression, buffers,
 * path arithmetic), no file system, network, process or terminal.
 */
export const CORE_NODE_MODULES: ReadonlySet<string> = new Set([
  "node:crypto",
  "node:zlib",
  "node:buffer",
  "node:path",
  "node:stream",
  "node:events",
  "node:util",
  "node:string_decoder",
]);

/**
 * The package's public entry points: `deno.json` `exports` key → file. Each file has an explicit
 * export list (no `export *`); `./cli` is the command line.
 */
export const ENTRY_POINTS: Readonly<Record<string, string>> = {
  ".": "mod.ts",
  "./semver": "src/semver/mod.ts",
  "./solver": "src/solver/mod.ts",
  "./manifest": "src/manifest/mod.ts",
  "./lockfile": "src/lockfile/mod.ts",
  "./registry": "src/registry/mod.ts",
  "./store": "src/store/mod.ts",
  "./trust": "src/trust/mod.ts",
  "./publish": "src/publish/mod.ts",
  "./lowering": "src/lowering/mod.ts",
  "./capability": "src/capability/mod.ts",
  "./rust": "src/rust/mod.ts",
  "./go": "src/go/mod.ts",
  "./go/client": "src/go/client/mod.ts",
  "./python": "src/python/mod.ts",
  "./sbom": "src/sbom/mod.ts",
  "./audit": "src/audit/mod.ts",
  "./fanout": "src/fanout/mod.ts",
  "./fanout/client": "src/fanout/client/mod.ts",
  "./cli": "cli.ts",
};

/** The most names the root facade (`mod.ts`) may export; the rest live in the subpaths. */
export const ROOT_FACADE_MAX = 24;

/**
 * Files that exist only for tests (fault points, builders of hostile inputs): no public entry
 * point may re-export them.
 */
export const TEST_ONLY: readonly RegExp[] = [/_testing\.ts$/, /(^|\/)test_hooks\.ts$/];

/** The room a repository-relative path belongs to (longest matching prefix), or undefined. */
export function roomOf(path: string, rooms: Readonly<Record<string, Room>> = ROOMS):
  | string
  | undefined {
  let best: string | undefined;
  let bestLength = -1;
  for (const [name, room] of Object.entries(rooms)) {
    for (const p of room.paths) {
      const hit = p.endsWith("/") ? path.startsWith(p) : path === p;
      if (hit && p.length > bestLength) {
        best = name;
        bestLength = p.length;
      }
    }
  }
  return best;
}

/** Whether a repository-relative path is a test or test-support file (not checked). */
export function isTestFile(path: string): boolean {
  return /_test\.ts$/.test(path) || path.startsWith("tests/");
}

/** One import edge of the graph. */
export interface Edge {
  /** Repository-relative path of the imported file, or the specifier (`node:fs`, `npm:…`). */
  to: string;
  /** `type` when only `import type` reaches it. */
  kind: "code" | "type";
}

/** The local import graph: repository-relative path → its imports. */
export type ImportGraph = Map<string, Edge[]>;

/**
 * Builds the import graph of every `.ts` file under `src/` (tests excluded) plus `mod.ts`,
 * `cli.ts` and the entry points, with `deno info --json` over one generated root module.
 *
 * @param root absolute path of the repository
 * @returns the graph (local files only as keys; edges keep `node:`/`npm:` specifiers)
 */
export async function loadGraph(root: string): Promise<ImportGraph> {
  const files = ["mod.ts", "cli.ts", ...Object.values(ENTRY_POINTS)];
  for await (const f of walk(`${root}/src`)) {
    const rel = f.slice(root.length + 1);
    if (rel.endsWith(".ts") && !isTestFile(rel)) files.push(rel);
  }
  const tmp = await Deno.makeTempDir({ prefix: "mochi-graph-" });
  try {
    const entry = `${tmp}/all.ts`;
    const lines = [...new Set(files)].sort().map((f) =>
      `import ${JSON.stringify(new URL(`file://${root}/${f}`).href)};`
    );
    await Deno.writeTextFile(entry, lines.join("\n") + "\n");
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--config", `${root}/deno.json`, entry],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(`deno info failed: ${new TextDecoder().decode(out.stderr)}`);
    }
    return graphFromInfo(JSON.parse(new TextDecoder().decode(out.stdout)), root);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

interface InfoDependency {
  specifier: string;
  code?: { specifier?: string };
  type?: { specifier?: string };
}

interface InfoModule {
  specifier: string;
  dependencies?: InfoDependency[];
}

/**
 * Turns `deno info --json` output into an {@link ImportGraph} of repository-relative paths.
 *
 * @param info the parsed JSON
 * @param root absolute path of the repository
 */
export function graphFromInfo(
  info: { modules: InfoModule[]; redirects?: Record<string, string> },
  root: string,
): ImportGraph {
  const prefix = new URL(`file://${root}/`).href;
  const rel = (s: string) => s.startsWith(prefix) ? decodeURIComponent(s.slice(prefix.length)) : s;
  const graph: ImportGraph = new Map();
  for (const m of info.modules) {
    if (!m.specifier.startsWith(prefix) || !m.specifier.endsWith(".ts")) continue;
    const edges: Edge[] = [];
    for (const d of m.dependencies ?? []) {
      const code = d.code?.specifier;
      const type = d.type?.specifier;
      const target = code ?? type ?? d.specifier;
      edges.push({ to: rel(info.redirects?.[target] ?? target), kind: code ? "code" : "type" });
    }
    graph.set(rel(m.specifier), edges);
  }
  return graph;
}

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) yield* walk(p);
    else if (e.isFile) yield p;
  }
}

/** Absolute path of the repository this script lives in. */
export const REPO_ROOT: string = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
