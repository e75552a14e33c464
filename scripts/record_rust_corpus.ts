/**
 * Records the real-project Rust corpus of `fixtures/rust-corpus/` with the ordinary `cargo`
 * (issue 17 goal 1: a geometric mean over at least 20 real projects' dependency lists). Run once,
 * online, by hand; tests and benches only read what it wrote.
 *
 * What it does (paths relative to the output directory, default `fixtures/rust-corpus/`):
 * 1. For every project of {@link CORPUS_PROJECTS}: a crate `corpus-<name> 0.0.0` (edition 2021, no
 *    `rust-version`, empty `src/lib.rs`) with the project's `[dependencies]`, and
 *    `cargo generate-lockfile` in it with a fresh, empty `CARGO_HOME` (cargo's default
 *    configuration: the crates registry's sparse index). `projects/<name>/Cargo.toml` is the exact
 *    manifest, `projects/<name>/Cargo.lock` cargo's lock.
 * 2. The index files cargo fetched: cargo keeps them in its cache
 *    (`CARGO_HOME/registry/index/<dir>/.cache/<sparse path>`), one file per crate in cargo's own
 *    binary framing ({@link parseCargoIndexCache}); each becomes the plain sparse-index file (its
 *    lines in their order, one JSON object per line) at the same path in the index. Files that
 *    several projects fetched are kept once (the union); when two fetches of one file differ (a
 *    version was published between them) the later one is kept, and step 3 decides.
 * 3. Replay: that index (with our own `config.json`) is served on 127.0.0.1 and every project is
 *    locked again by cargo against it alone (fresh `CARGO_HOME` whose `config.toml` replaces
 *    crates-io with the loopback index). The replayed lock must equal the online one byte for byte;
 *    the script fails otherwise, so the recorded index is complete for cargo.
 * 4. `index.tar.zst`: the index of step 2 with a `config.json` of ours, as one deterministic
 *    archive (`writeArchive`: sorted entries, zstd level 19; ~54 MB of index files become ~2 MB);
 *    `scripts/_rust_corpus.ts` extracts it.
 * 5. `cargo-version.txt` (`cargo --version`) and `recorded.txt` (the UTC date and time).
 *
 * Usage: `deno run -A scripts/record_rust_corpus.ts [--out DIR]` (a minute or two online).
 *
 * @module
 */
import { CORPUS_PROJECTS, type CorpusProject } from "./rust_corpus_projects.ts";
import { cargoIndexPath } from "./_cargo_index.ts";
import { writeArchive } from "../src/store/mod.ts";

/** The `config.json` kept with the index (the loopback servers answer with their own). */
const CONFIG_JSON = `{"dl":"http://127.0.0.1:8080/dl/{crate}/{version}/download","api":null}\n`;

/** The text of a `Cargo.toml` for one corpus project. */
export function projectManifest(p: CorpusProject): string {
  return `[package]\nname = "corpus-${p.name}"\nversion = "0.0.0"\nedition = "2021"\n\n` +
    `[dependencies]\n${p.dependencies.map((l) => `${l}\n`).join("")}`;
}

/**
 * Parses one file of cargo's sparse index cache: a cache-version byte, the index schema version
 * (u32, little-endian), the index file's version (its ETag or Last-Modified, NUL-terminated), then
 * for every index line its semver version and the line itself, each NUL-terminated (cargo's
 * `src/cargo/sources/registry/index/cache.rs`).
 *
 * @param bytes the cache file
 * @returns the index lines in their order
 * @throws Error when the framing is not the one above (cache version 3)
 */
export function parseCargoIndexCache(bytes: Uint8Array): string[] {
  if (bytes.length < 6 || bytes[0] !== 3) {
    throw new Error(`unknown cargo index cache version ${bytes[0]}`);
  }
  const dec = new TextDecoder("utf-8", { fatal: true });
  let at = 5;
  const next = (): string => {
    const end = bytes.indexOf(0, at);
    if (end < 0) throw new Error("truncated cargo index cache");
    const s = dec.decode(bytes.subarray(at, end));
    at = end + 1;
    return s;
  };
  next(); // the index file's version (ETag / Last-Modified)
  const lines: string[] = [];
  while (at < bytes.length) {
    next(); // semver version
    const line = next();
    if (line.includes("\n")) throw new Error("index line holds a newline");
    lines.push(line);
  }
  return lines;
}

async function run(
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<{ ok: boolean; stderr: string }> {
  const out = await new Deno.Command("cargo", { args, cwd, env, stdout: "piped", stderr: "piped" })
    .output();
  return { ok: out.success, stderr: new TextDecoder().decode(out.stderr) };
}

async function writeProject(dir: string, p: CorpusProject): Promise<void> {
  await Deno.mkdir(`${dir}/src`, { recursive: true });
  await Deno.writeTextFile(`${dir}/src/lib.rs`, "");
  await Deno.writeTextFile(`${dir}/Cargo.toml`, projectManifest(p));
}

/** Every cache file under `CARGO_HOME/registry/index/<dir>/.cache/`, as sparse path → lines. */
async function readCache(cargoHome: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const base = `${cargoHome}/registry/index`;
  for await (const reg of Deno.readDir(base)) {
    const root = `${base}/${reg.name}/.cache`;
    const walk = async (dir: string, rel: string): Promise<void> => {
      for await (const e of Deno.readDir(dir)) {
        const r = rel === "" ? e.name : `${rel}/${e.name}`;
        if (e.isDirectory) await walk(`${dir}/${e.name}`, r);
        else if (e.isFile) {
          const lines = parseCargoIndexCache(await Deno.readFile(`${dir}/${e.name}`));
          if (lines.length === 0) continue;
          const name = (JSON.parse(lines[0]!) as { name: string }).name;
          if (cargoIndexPath(name) !== r) throw new Error(`${r}: holds crate ${name}`);
          out.set(r, lines.map((l) => `${l}\n`).join(""));
        }
      }
    };
    await walk(root, "");
  }
  return out;
}

async function main(): Promise<void> {
  const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
  const i = Deno.args.indexOf("--out");
  const outDir = i >= 0 ? Deno.args[i + 1]! : `${root}/fixtures/rust-corpus`;
  const version = new TextDecoder().decode(
    (await new Deno.Command("cargo", { args: ["--version"], stdout: "piped" }).output()).stdout,
  ).trim();
  const tmp = await Deno.realPath(await Deno.makeTempDir({ prefix: "mochi-rust-corpus-" }));
  const baseEnv: Record<string, string> = {
    ...Deno.env.toObject(),
    CARGO_NET_OFFLINE: "false",
    CARGO_REGISTRIES_CRATES_IO_PROTOCOL: "sparse",
  };
  const union = new Map<string, string>();
  const locks = new Map<string, string>();
  let changed = 0;
  const failures: string[] = [];
  try {
    // 1 and 2: online, one fresh CARGO_HOME per project.
    for (const p of CORPUS_PROJECTS) {
      const dir = `${tmp}/online/${p.name}`;
      const home = `${tmp}/home-online-${p.name}`;
      await writeProject(dir, p);
      await Deno.mkdir(home, { recursive: true });
      const t0 = performance.now();
      const r = await run(["generate-lockfile"], dir, { ...baseEnv, CARGO_HOME: home });
      if (!r.ok) {
        failures.push(`${p.name}: ${r.stderr.trim().split("\n").slice(-6).join("\n  ")}`);
        continue;
      }
      const lock = await Deno.readTextFile(`${dir}/Cargo.lock`);
      locks.set(p.name, lock);
      const files = await readCache(home);
      for (const [path, text] of files) {
        const had = union.get(path);
        if (had !== undefined && had !== text) changed++;
        union.set(path, text);
      }
      const n = (lock.match(/^\[\[package\]\]/gm) ?? []).length - 1;
      console.log(
        `${p.name}: ${n} packages, ${files.size} index files, ${
          (performance.now() - t0).toFixed(0)
        } ms`,
      );
    }
    if (failures.length > 0) throw new Error(`cargo failed:\n${failures.join("\n")}`);
    console.log(`${union.size} index files in all; ${changed} fetched again with other content`);

    union.set("config.json", CONFIG_JSON);
    const indexDir = `${tmp}/index`;
    for (const [path, text] of union) {
      const file = `${indexDir}/${path}`;
      await Deno.mkdir(file.slice(0, file.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(file, text);
    }
    await Deno.remove(`${outDir}/projects`, { recursive: true }).catch(() => {});

    // 3: replay against the recorded index alone, on 127.0.0.1.
    const server = serveIndex(indexDir);
    try {
      const mismatches: string[] = [];
      for (const p of CORPUS_PROJECTS) {
        const dir = `${tmp}/replay/${p.name}`;
        const home = `${tmp}/home-replay-${p.name}`;
        await writeProject(dir, p);
        await Deno.mkdir(home, { recursive: true });
        await Deno.writeTextFile(
          `${home}/config.toml`,
          `[source.crates-io]\nreplace-with = "local"\n[source.local]\nregistry = "sparse+${server.url}"\n`,
        );
        const r = await run(["generate-lockfile"], dir, { ...baseEnv, CARGO_HOME: home });
        const lock = r.ok ? await Deno.readTextFile(`${dir}/Cargo.lock`) : r.stderr;
        if (lock !== locks.get(p.name)) mismatches.push(p.name);
        const out = `${outDir}/projects/${p.name}`;
        await Deno.mkdir(out, { recursive: true });
        await Deno.writeTextFile(`${out}/Cargo.toml`, projectManifest(p));
        await Deno.writeTextFile(`${out}/Cargo.lock`, locks.get(p.name)!);
      }
      if (mismatches.length > 0) {
        throw new Error(`replay differs from the online lock: ${mismatches.join(", ")}`);
      }
      console.log(`replay: all ${CORPUS_PROJECTS.length} locks identical`);
    } finally {
      await server.server.shutdown();
    }
    const enc = new TextEncoder();
    const archive = await writeArchive(
      [...union].map(([path, text]) => ({ path, bytes: enc.encode(text) })),
    );
    await Deno.writeFile(`${outDir}/index.tar.zst`, archive);
    console.log(`index.tar.zst: ${archive.length} bytes`);
    await Deno.writeTextFile(`${outDir}/cargo-version.txt`, `${version}\n`);
    await Deno.writeTextFile(`${outDir}/recorded.txt`, `${new Date().toISOString()}\n`);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

/** Serves a sparse index directory on 127.0.0.1, port 0, with `config.json` made up. */
function serveIndex(indexDir: string): { url: string; server: Deno.HttpServer } {
  let port = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname).replace(/^\/+/, "");
    if (path === "config.json") {
      return Response.json({ dl: `http://127.0.0.1:${port}/dl/{crate}/{version}/download` });
    }
    if (!/^[a-z0-9_\-/]+$/.test(path) || path.split("/").some((p) => p === "" || p === "..")) {
      return new Response("not found", { status: 404 });
    }
    try {
      return new Response(await Deno.readFile(`${indexDir}/${path}`));
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  port = (server.addr as Deno.NetAddr).port;
  return { url: `http://127.0.0.1:${port}/`, server };
}

if (import.meta.main) await main();
