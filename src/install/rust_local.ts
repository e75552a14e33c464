/**
 * Path and git sources in `[targets.rust.ffi]` (cargo's `path` and `git` dependencies, the cargo
 * book "Specifying Dependencies"): the crate's `Cargo.toml` becomes the one index line of its
 * name, in the shape cargo publishes for a registry (normal and build dependencies of every
 * target with their features, renames and optional flags; `[features]`; `links`), so the one
 * Rust resolver treats it like any other crate; its registry dependencies resolve from the
 * project's cargo index.
 *
 * The lock records `source = { kind = "path", path = "../x" }` (no checksum: the files are used
 * where they are) or `source = { kind = "git", id = "git+<url>?<ref>#<full commit>" }` with
 * `checksum-sha256` over the crate's files at that commit packed as a byte-reproducible archive
 * (sorted, fixed metadata; `.git` and `target` left out), which a refetch must reproduce
 * (`GIT_E003`, exit 4). A crate's own path or git dependencies are refused (cargo would need
 * their sources too); crates inheriting keys from a cargo workspace (`x.workspace = true`) are
 * refused with `RUST_E002`.
 *
 * @module
 */
import { join, relative, resolve as resolvePath } from "node:path";
import { parse as parseToml } from "smol-toml";
import { MochiError, quoteValue } from "../errors.ts";
import type { LockedCrate } from "../lockfile/mod.ts";
import {
  formatGitSourceId,
  gitRefOf,
  type GitSourceId,
  parseGitSourceId,
} from "../manifest/git_source.ts";
import { type CrateIndexFile, CrateIndexFile as IndexFile } from "../rust/index_file.ts";
import type { CrateSource } from "../rust/provider.ts";
import type { RustRequirement } from "../rust/resolve.ts";
import { fetchGitSource } from "./git_fetch.ts";

/** Largest `Cargo.toml` read, in bytes. */
const MAX_CARGO_TOML_BYTES = 1024 * 1024;
/** Largest sum of a git crate's file sizes packed for its checksum, in bytes. */
const MAX_CRATE_TREE_BYTES = 256 * 1024 * 1024;

/** Where a `[targets.rust.ffi]` entry takes its crate from, when not the registry. */
export type RustLocalSource =
  | { kind: "path"; path: string }
  | { kind: "git"; url: string; ref?: GitSourceId["ref"] };

/** One crate read from a path or a git checkout. */
export interface LocalCrate {
  /** Crate name (its `[package] name`). */
  name: string;
  /** Its version. */
  version: string;
  /** The lock's source. */
  source: LockedCrate["source"];
  /** `checksum-sha256` for the lock: the packed tree's SHA-256 (git), "" (path). */
  checksumSha256: string;
  /** The one index line, parsed. */
  file: CrateIndexFile;
}

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);

/**
 * The index line cargo would publish for a `Cargo.toml` (cargo's `IndexPackage`): `deps` from
 * `[dependencies]`, `[build-dependencies]` and their `[target.<cfg>.…]` forms (dev-dependencies of
 * dependencies never count), `features`, `links`.
 *
 * @param text the `Cargo.toml` text
 * @param where its path, for errors
 * @param cksum the checksum to record (64 hex)
 * @returns the crate name, its version and the JSON line
 * @throws {MochiError} `RUST_E002` naming the key: not TOML, no `[package]` name or version,
 *   workspace inheritance, a dependency without a version, or with its own path or git source
 */
export function cargoTomlIndexLine(
  text: string,
  where: string,
  cksum: string,
): { name: string; version: string; line: string } {
  const bad = (what: string): never => {
    throw new MochiError("RUST_E002", `${where}: ${what}`, {
      hint: "point [targets.rust.ffi] at a crate whose Cargo.toml names its package, version " +
        "and registry dependencies directly (no workspace inheritance)",
      file: where,
    });
  };
  let doc: Table;
  try {
    doc = parseToml(text) as Table;
  } catch (e) {
    return bad(`not valid TOML (${(e as Error).message.split("\n")[0]})`);
  }
  const pkg = doc.package;
  if (!isTable(pkg)) return bad("no [package] table");
  if (typeof pkg.name !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(pkg.name)) {
    return bad("[package] name is missing or not a crate name");
  }
  if (typeof pkg.version !== "string") {
    return bad(
      isTable(pkg.version)
        ? "[package] version is inherited from a workspace (version.workspace = true)"
        : "[package] version is missing",
    );
  }
  const deps: Record<string, unknown>[] = [];
  const readDeps = (
    table: unknown,
    kind: "normal" | "build",
    target: string | null,
    at: string,
  ) => {
    if (table === undefined) return;
    if (!isTable(table)) return bad(`[${at}] is not a table`);
    for (const [key, v] of Object.entries(table)) {
      const spec: Table = typeof v === "string" ? { version: v } : isTable(v) ? v : {};
      if (!isTable(v) && typeof v !== "string") {
        bad(`[${at}] ${key} is neither a string nor a table`);
      }
      if (spec.workspace !== undefined) bad(`[${at}] ${key} is inherited from a workspace`);
      if (spec.path !== undefined || spec.git !== undefined) {
        bad(`[${at}] ${key} has its own path or git source, which is not followed`);
      }
      if (typeof spec.version !== "string") bad(`[${at}] ${key} gives no version`);
      const features = Array.isArray(spec.features)
        ? spec.features.filter((f): f is string => typeof f === "string")
        : [];
      const df = spec["default-features"] ?? spec.default_features;
      const dep: Record<string, unknown> = {
        name: key,
        req: spec.version,
        features,
        optional: spec.optional === true,
        default_features: df !== false,
        target,
        kind,
      };
      if (typeof spec.package === "string") dep.package = spec.package;
      deps.push(dep);
    }
  };
  readDeps(doc.dependencies, "normal", null, "dependencies");
  readDeps(
    doc["build-dependencies"] ?? doc.build_dependencies,
    "build",
    null,
    "build-dependencies",
  );
  if (doc.target !== undefined) {
    if (!isTable(doc.target)) bad("[target] is not a table");
    for (const [cfg, t] of Object.entries(doc.target as Table)) {
      if (!isTable(t)) continue;
      readDeps(t.dependencies, "normal", cfg, `target.${cfg}.dependencies`);
      readDeps(
        t["build-dependencies"] ?? t.build_dependencies,
        "build",
        cfg,
        `target.${cfg}.build-dependencies`,
      );
    }
  }
  const features: Record<string, string[]> = {};
  if (doc.features !== undefined) {
    if (!isTable(doc.features)) bad("[features] is not a table");
    for (const [k, v] of Object.entries(doc.features as Table)) {
      if (!Array.isArray(v)) bad(`feature ${quoteValue(k)} is not an array`);
      features[k] = (v as unknown[]).filter((f): f is string => typeof f === "string");
    }
  }
  const line: Record<string, unknown> = {
    name: pkg.name,
    vers: pkg.version,
    deps,
    cksum,
    features,
    yanked: false,
    v: 2,
  };
  if (typeof pkg.links === "string") line.links = pkg.links;
  return { name: pkg.name as string, version: pkg.version as string, line: JSON.stringify(line) };
}

async function readCargoToml(dir: string, what: string): Promise<string> {
  const file = join(dir, "Cargo.toml");
  try {
    const info = await Deno.stat(file);
    if (!info.isFile || info.size > MAX_CARGO_TOML_BYTES) {
      throw new MochiError("RUST_E002", `${file} (${what}) is not a file of at most 1 MiB`);
    }
    return new TextDecoder("utf-8", { fatal: true }).decode(await Deno.readFile(file));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new MochiError("SOURCE_E003", `${what} has no Cargo.toml (looked for ${file})`, {
        hint: "point the entry at the directory (or repository root) of the crate",
      });
    }
    if (e instanceof TypeError) {
      throw new MochiError("RUST_E002", `${file} (${what}) is not UTF-8`);
    }
    throw e;
  }
}

/** The crate's files, sorted, `.git`/`target` and symbolic links left out, capped. */
async function crateFiles(
  root: string,
): Promise<{ path: string; bytes: Uint8Array; executable: boolean }[]> {
  const out: { path: string; bytes: Uint8Array; executable: boolean }[] = [];
  let budget = MAX_CRATE_TREE_BYTES;
  const walk = async (rel: string) => {
    const names: string[] = [];
    for await (const e of Deno.readDir(rel === "" ? root : join(root, rel))) names.push(e.name);
    names.sort();
    for (const n of names) {
      const path = rel === "" ? n : `${rel}/${n}`;
      if (rel === "" && (n === ".git" || n === "target")) continue;
      const info = await Deno.lstat(join(root, path));
      if (info.isDirectory) await walk(path);
      else if (info.isFile) {
        budget -= info.size;
        if (budget < 0) {
          throw new MochiError("RUST_E002", `the crate at ${root} holds more than 256 MiB`);
        }
        out.push({
          path,
          bytes: await Deno.readFile(join(root, path)),
          executable: ((info.mode ?? 0) & 0o111) !== 0,
        });
      }
    }
  };
  await walk("");
  return out;
}

/**
 * Reads the crate of a path or git `[targets.rust.ffi]` entry.
 *
 * @param projectDir the project directory
 * @param name the entry's crate (`package`, else its key)
 * @param src where it comes from
 * @param locked the lock's entry of that crate, when its source still matches (its commit is
 *   fetched instead of the ref, and the packed files must hash to its checksum)
 * @param options `offline`: a git crate is refused; `gitTimeoutMs`
 * @returns the crate
 * @throws {MochiError} `SOURCE_E003` no `Cargo.toml` or another crate; `RUST_E002` from
 *   {@link cargoTomlIndexLine}; `GIT_E001`–`GIT_E003`; `BLOB_E007` offline
 */
export async function loadLocalCrate(
  projectDir: string,
  name: string,
  src: RustLocalSource,
  locked: LockedCrate | undefined,
  options: { offline?: boolean | undefined; gitTimeoutMs?: number | undefined } = {},
): Promise<LocalCrate> {
  if (src.kind === "path") {
    const dir = resolvePath(projectDir, src.path);
    const what = `the path crate ${name} (${quoteValue(src.path)})`;
    const text = await readCargoToml(dir, what);
    const { name: got, version, line } = cargoTomlIndexLine(
      text,
      join(dir, "Cargo.toml"),
      "0".repeat(64),
    );
    if (got !== name) {
      throw new MochiError("SOURCE_E003", `${what} is the crate ${got}, not ${name}`);
    }
    const rel = relative(projectDir, dir).split("\\").join("/") || ".";
    return {
      name,
      version,
      source: { kind: "path", path: rel },
      checksumSha256: "",
      file: IndexFile.parse(name, line, join(dir, "Cargo.toml")),
    };
  }
  const what = `the git crate ${name} (${src.url})`;
  const lockedId = locked?.source.kind === "git" ? parseGitSourceId(locked.source.id) : undefined;
  const commit = typeof lockedId === "object" ? lockedId.commit : undefined;
  if (options.offline) {
    throw new MochiError(
      "BLOB_E007",
      `${what} must be fetched with git to resolve it, and --offline forbids that`,
      { hint: "run once without --offline/--frozen" },
    );
  }
  await using checkout = await fetchGitSource({
    url: src.url,
    ref: src.ref,
    commit,
    ...(options.gitTimeoutMs !== undefined ? { timeoutMs: options.gitTimeoutMs } : {}),
  });
  const text = await readCargoToml(checkout.dir, what);
  const { writeArchive } = await import("../store/archive.ts");
  const { digestBytes } = await import("../store/digest.ts");
  const archive = await writeArchive(await crateFiles(checkout.dir), { mtimeSeconds: 0 });
  const sha256 = (await digestBytes(archive)).sha256;
  if (locked !== undefined && commit !== undefined && locked.checksumSha256 !== sha256) {
    throw new MochiError(
      "GIT_E003",
      `crate ${name} ${locked.version} at ${commit} packs to sha256 ${sha256}, but mochi.lock ` +
        `pins ${locked.checksumSha256}: the commit's files changed or were rewritten`,
      { hint: `review it, then run mochi lock --upgrade to lock what ${src.url} holds now` },
    );
  }
  const where = `${src.url} (${checkout.commit}) Cargo.toml`;
  const { name: got, version, line } = cargoTomlIndexLine(text, where, sha256);
  if (got !== name) {
    throw new MochiError("SOURCE_E003", `${what} is the crate ${got}, not ${name}`);
  }
  const id = formatGitSourceId({
    url: src.url,
    ...(src.ref !== undefined ? { ref: src.ref } : {}),
    commit: checkout.commit,
  });
  return {
    name,
    version,
    source: { kind: "git", id },
    checksumSha256: sha256,
    file: IndexFile.parse(name, line, where),
  };
}

/**
 * The {@link RustLocalSource} of a requirement's `path` or `git` entry.
 *
 * @param local the requirement's `local`
 * @returns the source
 */
export function localSourceOf(local: NonNullable<RustRequirement["local"]>): RustLocalSource {
  if ("path" in local) return { kind: "path", path: local.path };
  const g = local.git;
  const ref = gitRefOf(g);
  return ref === undefined ? { kind: "git", url: g.url } : { kind: "git", url: g.url, ref };
}

/**
 * A {@link CrateSource} that answers local crates itself and asks `index` for the rest.
 *
 * @param index the cargo index
 * @param local crate name → the local crate
 * @returns the source
 */
export function withLocalCrates(
  index: CrateSource,
  local: ReadonlyMap<string, LocalCrate>,
): CrateSource {
  return {
    versions: (name) => {
      const l = local.get(name);
      return l !== undefined ? Promise.resolve(l.file) : index.versions(name);
    },
  };
}
