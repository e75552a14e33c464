/**
 * Shared test helpers: build a small mochi registry directory, run the CLI as a real subprocess,
 * start `mochi registry serve` as a subprocess, and snapshot a directory tree.
 *
 * @module
 */
import { formatIndexRecord, indexPath, type IndexRecord } from "../src/index/mod.ts";
import { digestBytes } from "../src/store/mod.ts";
import { packageArchive } from "../scripts/convert_crates_index.ts";
import { spawnRegistryServer } from "../scripts/_serve.ts";

/** Repository root (absolute path, no trailing slash). */
export const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** One package version to publish into a test registry. */
export interface TestVersion {
  /** Package name. */
  name: string;
  /** Version text. */
  version: string;
  /** name → requirement. */
  deps?: Record<string, string>;
  /** Yanked flag. */
  yanked?: boolean;
  /** Required capabilities (index record `c`). */
  capabilities?: string[];
  /** Publish these bytes as the blob instead of a generated archive (hostile-archive tests). */
  archive?: Uint8Array;
}

/**
 * Writes a registry directory (config.json, index files, blobs) holding `versions`.
 *
 * @param dir target directory (created)
 * @param versions the package versions
 * @returns blake3 of each `name@version`
 */
export async function writeRegistry(
  dir: string,
  versions: TestVersion[],
): Promise<Map<string, string>> {
  await Deno.mkdir(`${dir}/blobs`, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/config.json`,
    JSON.stringify({ dl: "blobs/", api: null, "auth-required": false }),
  );
  const byName = new Map<string, IndexRecord[]>();
  const digests = new Map<string, string>();
  for (const v of versions) {
    const bytes = v.archive ?? await packageArchive(v.name, v.version, v.deps ?? {});
    const { blake3, sha256 } = await digestBytes(bytes);
    await Deno.writeFile(`${dir}/blobs/${blake3}`, bytes);
    digests.set(`${v.name}@${v.version}`, blake3);
    const list = byName.get(v.name) ?? [];
    list.push({
      version: v.version,
      blake3,
      sha256,
      dependencies: v.deps ?? {},
      yanked: v.yanked === true,
      capabilities: v.capabilities ?? [],
      extra: {},
    });
    byName.set(v.name, list);
  }
  for (const [name, recs] of byName) {
    const path = `${dir}/${indexPath(name)}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, recs.map((r) => formatIndexRecord(r) + "\n").join(""));
  }
  return digests;
}

/** Output of one CLI run. */
export interface CliResult {
  /** Exit status. */
  code: number;
  /** Standard output text. */
  stdout: string;
  /** Standard error text. */
  stderr: string;
}

/**
 * Runs `cli.ts` in a real subprocess.
 *
 * @param args CLI arguments
 * @param options working directory and environment (merged over a minimal PATH/HOME)
 * @returns exit code and output
 */
export async function runCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}/cli.ts`, ...args],
    cwd: options.cwd ?? ROOT,
    env: { NO_COLOR: "1", ...options.env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** A `mochi registry serve` subprocess. */
export interface ServedRegistry extends AsyncDisposable {
  /** Base URL, ending in `/`. */
  url: string;
}

/**
 * Starts `mochi registry serve <dir> --port 0` in a subprocess and waits for its URL.
 *
 * @param dir registry directory
 * @param extraArgs more `registry serve` arguments (e.g. `--allow-publish`)
 * @returns the URL; dispose to stop the server
 */
export async function serveRegistrySubprocess(
  dir: string,
  extraArgs: readonly string[] = [],
): Promise<ServedRegistry> {
  const r = await spawnRegistryServer(dir, 0, extraArgs);
  if ("error" in r) throw new Error(`registry serve exited: ${r.error}`);
  const { url, child } = r;
  return {
    url,
    async [Symbol.asyncDispose]() {
      child.kill("SIGTERM");
      await child.status;
      await child.stdout.cancel().catch(() => {});
      await child.stderr.cancel().catch(() => {});
    },
  };
}

/**
 * Lists every file under `dir` with its size (relative paths, sorted). Missing dir → [].
 *
 * @param dir directory
 * @returns `"path size"` lines
 */
export async function snapshotTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string, rel: string) {
    let entries: Deno.DirEntry[];
    try {
      entries = [];
      for await (const e of Deno.readDir(d)) entries.push(e);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return;
      throw e;
    }
    for (const e of entries) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) await walk(`${d}/${e.name}`, p);
      else out.push(`${p} ${(await Deno.stat(`${d}/${e.name}`)).size}`);
    }
  }
  await walk(dir, "");
  return out.sort();
}

/**
 * Writes a project directory with a `mochi.toml`.
 *
 * @param dir project directory (created)
 * @param deps name → requirement
 * @param extra extra TOML appended after `[dependencies]`... placed before `[package]`
 */
export async function writeProject(
  dir: string,
  deps: Record<string, string>,
  extra = "",
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const lines = [
    extra,
    "[package]",
    'name = "app"',
    'version = "0.1.0"',
    'edition = "2026"',
    'mochi = ">=0.7"',
    "",
    "[dependencies]",
    ...Object.entries(deps).map(([n, r]) => `${n} = "${r}"`),
    "",
  ];
  await Deno.writeTextFile(`${dir}/mochi.toml`, lines.join("\n"));
}

/**
 * Writes a project whose only requirements are Rust crates (`[targets.rust.ffi]`, each `"1"`),
 * with an empty `src/`.
 *
 * @param dir project directory (created)
 * @param cratesIo the `[registry] crates-io` URL (`sparse+http://…/` or `file://…/`)
 * @param crates crate names
 */
export async function writeRustProject(
  dir: string,
  cratesIo: string,
  crates: string[],
): Promise<void> {
  await Deno.mkdir(`${dir}/src`, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/mochi.toml`,
    [
      "[package]",
      'name = "app"',
      'version = "0.1.0"',
      'edition = "2026"',
      'mochi = ">=0.7"',
      "",
      "[registry]",
      `crates-io = "${cratesIo}"`,
      "",
      "[targets.rust.ffi]",
      ...crates.map((c) => `${c} = "1"`),
      "",
    ].join("\n"),
  );
}
