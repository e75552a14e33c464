/**
 * Records the cargo corpus: cargo's own answer (`Cargo.lock`, or its error) for each manifest of
 * {@link corpusCases}, resolved against `fixtures/cargo-corpus-index` served on 127.0.0.1. The
 * recording is the oracle the Rust bridge is compared against, so tests run without cargo.
 *
 * For each case it writes `fixtures/cargo-corpus/<case>/Cargo.toml` (the exact manifest cargo was
 * given) and either `Cargo.lock` (cargo succeeded) or `cargo-error.txt` (cargo's stderr, with the
 * temporary directory and the port replaced by `<tmp>` and `<port>`). Directories of cases no
 * longer listed are removed. `fixtures/cargo-corpus/cargo-version.txt` holds `cargo --version`.
 *
 * How cargo runs: a temporary `CARGO_HOME` whose `config.toml` replaces crates-io with
 * `sparse+http://127.0.0.1:<port>/` (the recipe of `fixtures/README.md`), shared by all
 * cases of one run (cargo's index cache); `cargo generate-lockfile` online against that loopback
 * server (`CARGO_NET_OFFLINE=false`, `CARGO_REGISTRIES_CRATES_IO_PROTOCOL=sparse`), in a crate
 * `corpus-case 0.0.0`, edition 2021, no `rust-version` (so cargo's resolver is not MSRV-aware),
 * with an empty `src/lib.rs`. The server is a small `Deno.serve` in this script: it serves the
 * index files as they are and answers `config.json` with a `dl` on its own port.
 *
 * Usage: `deno run -A scripts/gen_cargo_corpus.ts [--index DIR] [--out DIR] [--only NAME,...]`
 * (defaults `fixtures/cargo-corpus-index`, `fixtures/cargo-corpus`). A new case that needs a crate
 * the fixture index lacks is recorded with `--index` on the full source index (see
 * `fixtures/README.md`), and the files cargo read are then copied into the fixture.
 *
 * @module
 */

/** One corpus manifest: the tables of `Cargo.toml` after `[package]`. */
export interface CorpusCase {
  /** Directory name under `fixtures/cargo-corpus/` (`[a-z0-9-]+`). */
  name: string;
  /** Lines of `[dependencies]`, each `key = <TOML value>` in cargo's dependency syntax. */
  dependencies: string[];
  /** Lines of `[build-dependencies]`, same syntax. */
  buildDependencies?: string[];
  /** Lines of `[features]`, the root's own features (`name = ["dep:x", "x/feat"]`). */
  features?: string[];
}

/** The 28 seed crates of `fixtures/README.md` (§`cargo-corpus-index/`) with their usual (latest stable) major. */
export const SEEDS: ReadonlyArray<readonly [crate: string, major: string]> = [
  ["anyhow", "1"],
  ["thiserror", "2"],
  ["serde", "1"],
  ["regex", "1"],
  ["rayon", "1"],
  ["itertools", "0.14"],
  ["once_cell", "1"],
  ["time", "0.3"],
  ["uuid", "1"],
  ["url", "2"],
  ["base64", "0.22"],
  ["hex", "0.4"],
  ["sha2", "0.10"],
  ["blake3", "1"],
  ["rand", "0.9"],
  ["rand_chacha", "0.9"],
  ["num_cpus", "1"],
  ["bytes", "1"],
  ["smallvec", "1"],
  ["indexmap", "2"],
  ["ahash", "0.8"],
  ["parking_lot", "0.12"],
  ["crossbeam", "0.8"],
  ["tokio", "1"],
  ["clap", "4"],
  ["reqwest", "0.12"],
  ["hyper", "1"],
  ["serde_json", "1"],
];

/**
 * Feature sets per seed that the combinations draw from (each exists in the seed's latest
 * version; some reach optional crates that are not in the data, which makes cargo fail).
 */
const FEATURE_MENU: Record<string, string[][]> = {
  serde: [["derive"], ["rc"], ["derive", "rc"]],
  tokio: [["full"], ["rt-multi-thread", "macros"], ["sync", "time"], ["net", "io-util"]],
  clap: [["derive"], ["derive", "env"], ["cargo"], ["wrap_help"]],
  reqwest: [["json"], ["blocking"], ["json", "gzip"]],
  uuid: [["v4", "serde"], ["v7"], ["v4", "fast-rng"]],
  time: [["formatting", "macros"], ["parsing"], ["serde"]],
  rand: [["small_rng"]],
  indexmap: [["serde"], ["rayon"]],
  smallvec: [["union", "const_generics"], ["serde"]],
  parking_lot: [["serde"], ["arc_lock", "send_guard"]],
  hyper: [["full"], ["server", "http1"], ["client", "http2"]],
  bytes: [["serde"]],
  url: [["serde"]],
  hex: [["serde"]],
  serde_json: [["preserve_order"], ["raw_value"]],
  blake3: [["rayon"], ["mmap"]],
  once_cell: [["parking_lot"]],
  ahash: [["serde"]],
  rand_chacha: [["serde"]],
};

/** Seeded PRNG (mulberry32): the same seed gives the same sequence on every machine. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A dependency line: `crate = "req"` or `crate = { version = "req", ... }`. */
function dep(
  crate: string,
  req: string,
  opts: { features?: string[] | undefined; defaultFeatures?: boolean | undefined } = {},
): string {
  const parts = [`version = "${req}"`];
  if (opts.defaultFeatures === false) parts.push("default-features = false");
  if (opts.features?.length) {
    parts.push(`features = [${opts.features.map((f) => `"${f}"`).join(", ")}]`);
  }
  return parts.length === 1 ? `${crate} = "${req}"` : `${crate} = { ${parts.join(", ")} }`;
}

/** Directory-safe form of a crate name. */
const slug = (s: string) => s.replaceAll("_", "-");

/**
 * The 12 seeded random combinations of 5–12 seeds (PRNG seed 4 = issue 4). Each seed gets its
 * usual major; one in three gets a feature set from its menu, one in eight
 * `default-features = false`.
 */
function combinations(): CorpusCase[] {
  const rnd = mulberry32(4);
  const out: CorpusCase[] = [];
  for (let i = 1; i <= 12; i++) {
    const size = 5 + Math.floor(rnd() * 8); // 5..12
    const pool = [...SEEDS];
    const picked: (readonly [string, string])[] = [];
    for (let k = 0; k < size; k++) picked.push(pool.splice(Math.floor(rnd() * pool.length), 1)[0]!);
    picked.sort((a, b) => a[0].localeCompare(b[0]));
    const lines = picked.map(([crate, major]) => {
      const menu = FEATURE_MENU[crate];
      const features = menu && rnd() < 1 / 3 ? menu[Math.floor(rnd() * menu.length)] : undefined;
      const defaultFeatures = rnd() < 1 / 8 ? false : undefined;
      return dep(crate, major, { features, defaultFeatures });
    });
    out.push({ name: `combo-${String(i).padStart(2, "0")}`, dependencies: lines });
  }
  return out;
}

/**
 * Every case of the corpus, in a fixed order (names are unique).
 *
 * @returns the case list: seeds alone (`*` and usual major), `default-features = false`,
 *   feature sets, renames, optional dependencies of the root, build dependencies, seeded
 *   combinations and the combined manifest of `fixtures/README.md`
 */
export function corpusCases(): CorpusCase[] {
  const cases: CorpusCase[] = [];
  for (const [crate] of SEEDS) {
    cases.push({ name: `seed-${slug(crate)}-any`, dependencies: [`${crate} = "*"`] });
  }
  for (const [crate, major] of SEEDS) {
    cases.push({ name: `seed-${slug(crate)}-${major}`, dependencies: [`${crate} = "${major}"`] });
  }
  // default-features = false
  for (
    const crate of [
      "anyhow",
      "thiserror",
      "serde",
      "regex",
      "itertools",
      "once_cell",
      "time",
      "uuid",
      "base64",
      "hex",
      "sha2",
      "blake3",
      "rand",
      "rand_chacha",
      "bytes",
      "indexmap",
      "ahash",
      "crossbeam",
      "clap",
      "reqwest",
      "serde_json",
    ]
  ) {
    const major = SEEDS.find(([c]) => c === crate)![1];
    cases.push({
      name: `nodefault-${slug(crate)}`,
      dependencies: [dep(crate, major, { defaultFeatures: false })],
    });
  }
  // feature sets
  const featureCases: [string, string, string, string[], boolean?][] = [
    ["serde-derive", "serde", "1", ["derive"]],
    ["serde-derive-rc", "serde", "1", ["derive", "rc"]],
    ["tokio-full", "tokio", "1", ["full"]],
    ["tokio-rt-macros", "tokio", "1", ["rt-multi-thread", "macros"]],
    ["tokio-sync-nodefault", "tokio", "1", ["sync"], false],
    ["clap-derive", "clap", "4", ["derive"]],
    ["clap-derive-env-wrap", "clap", "4", ["derive", "env", "wrap_help"]],
    ["reqwest-json", "reqwest", "0.12", ["json"]],
    ["reqwest-blocking-json", "reqwest", "0.12", ["blocking", "json"]],
    ["reqwest-rustls-nodefault", "reqwest", "0.12", ["rustls-tls", "json"], false],
    ["uuid-v4-serde", "uuid", "1", ["v4", "serde"]],
    ["uuid-v7", "uuid", "1", ["v7"]],
    ["time-formatting-macros", "time", "0.3", ["formatting", "macros"]],
    ["time-serde-well-known", "time", "0.3", ["serde-well-known"]],
    ["regex-std-nounicode", "regex", "1", ["std"], false],
    ["regex-std-perf-nounicode", "regex", "1", ["std", "perf"], false],
    ["rand-small-rng", "rand", "0.9", ["small_rng"]],
    ["rand-08-small-rng", "rand", "0.8", ["small_rng"]],
    ["hyper-full", "hyper", "1", ["full"]],
    ["hyper-client-http1", "hyper", "1", ["client", "http1"]],
    ["indexmap-serde", "indexmap", "2", ["serde"]],
    ["smallvec-union-constgen", "smallvec", "1", ["union", "const_generics"]],
    ["parking-lot-serde", "parking_lot", "0.12", ["serde"]],
    ["serde-json-preserve-order", "serde_json", "1", ["preserve_order"]],
    ["blake3-rayon", "blake3", "1", ["rayon"]],
    ["once-cell-parking-lot", "once_cell", "1", ["parking_lot"]],
    ["bytes-serde", "bytes", "1", ["serde"]],
    ["url-serde", "url", "2", ["serde"]],
    ["anyhow-backtrace", "anyhow", "1", ["backtrace"]],
  ];
  for (const [name, crate, req, features, defaultFeatures] of featureCases) {
    cases.push({
      name: `feat-${name}`,
      dependencies: [dep(crate, req, { features, defaultFeatures })],
    });
  }
  // renames (`package = "..."`)
  cases.push({
    name: "rename-serde-derive",
    dependencies: [`sd = { package = "serde", version = "1", features = ["derive"] }`],
  });
  cases.push({
    name: "rename-rand-two-majors",
    dependencies: [`rand = "0.9"`, `rand08 = { package = "rand", version = "0.8" }`],
  });
  cases.push({
    name: "rename-tokio-and-hyper",
    dependencies: [
      `rt = { package = "tokio", version = "1", features = ["rt", "net"] }`,
      `h = { package = "hyper", version = "1", features = ["client", "http1"] }`,
    ],
  });
  // optional dependencies of the root
  cases.push({
    name: "optional-by-default-feature",
    dependencies: [`anyhow = "1"`, `serde_json = { version = "1", optional = true }`],
    features: [`default = ["json"]`, `json = ["dep:serde_json"]`],
  });
  cases.push({
    name: "optional-not-enabled",
    dependencies: [`anyhow = "1"`, `serde_json = { version = "1", optional = true }`],
    features: [`json = ["dep:serde_json"]`],
  });
  cases.push({
    name: "optional-implicit-feature",
    dependencies: [`regex = "1"`, `uuid = { version = "1", optional = true, features = ["v4"] }`],
    features: [`default = ["uuid"]`],
  });
  cases.push({
    name: "optional-feature-enables-dep-feature",
    dependencies: [
      `serde = { version = "1", optional = true }`,
      `time = { version = "0.3", default-features = false }`,
    ],
    features: [`default = ["serde"]`, `serde = ["dep:serde", "time/serde", "time/std"]`],
  });
  cases.push({
    name: "optional-weak-feature",
    dependencies: [`serde = { version = "1", optional = true }`, `indexmap = "2"`],
    features: [`default = ["with-serde"]`, `with-serde = ["dep:serde", "indexmap/serde"]`],
  });
  cases.push({
    name: "optional-renamed",
    dependencies: [
      `json = { package = "serde_json", version = "1", optional = true }`,
      `hex = "0.4"`,
    ],
    features: [`default = ["json"]`],
  });
  // build-dependencies
  cases.push({
    name: "build-only-cc-like",
    dependencies: [],
    buildDependencies: [`sha2 = "0.10"`, `hex = "0.4"`],
  });
  cases.push({
    name: "build-and-normal-same-crate",
    dependencies: [`serde = "1"`],
    buildDependencies: [dep("serde", "1", { features: ["derive"] }), `serde_json = "1"`],
  });
  cases.push({
    name: "build-different-majors",
    dependencies: [`rand = "0.9"`],
    buildDependencies: [`rand = "0.8"`, `itertools = "0.13"`],
  });
  // yanked versions, pre-releases, `links`, and requirements cargo cannot meet
  cases.push({ name: "yanked-exact", dependencies: [`uuid = "=1.2.0"`] });
  cases.push({ name: "yanked-only-match", dependencies: [`url = ">=2.5.3, <2.5.4"`] });
  cases.push({ name: "yanked-tilde-skips", dependencies: [`tokio = "~1.39.0"`] });
  cases.push({ name: "yanked-tilde-bytes", dependencies: [`bytes = "~1.6.0"`] });
  cases.push({ name: "prerelease-rand", dependencies: [`rand = "0.10.0-rc.0"`] });
  cases.push({ name: "prerelease-sha2", dependencies: [`sha2 = "0.11.0-rc.2"`] });
  cases.push({ name: "prerelease-hyper-caret", dependencies: [`hyper = "1.0.0-rc.4"`] });
  cases.push({ name: "prerelease-clap-exact", dependencies: [`clap = "=4.0.0-rc.3"`] });
  cases.push({ name: "prerelease-base64-exact", dependencies: [`base64 = "=0.21.0-rc.1"`] });
  cases.push({
    name: "prerelease-base64-range",
    dependencies: [`base64 = ">=0.21.0-beta.1, <0.21.0"`],
  });
  // older majors of seeds (older graphs)
  for (
    const [crate, req] of [
      ["clap", "3"],
      ["clap", "2"],
      ["tokio", "0.2"],
      ["hyper", "0.14"],
      ["rand", "0.8"],
      ["rand", "0.7"],
      ["itertools", "0.10"],
      ["thiserror", "1"],
      ["reqwest", "0.11"],
    ]
  ) {
    cases.push({ name: `oldmajor-${slug(crate!)}-${req}`, dependencies: [`${crate} = "${req}"`] });
  }
  cases.push({
    name: "links-sqlite-two-majors",
    dependencies: [
      `libsqlite3-sys = "0.35"`,
      `old-sqlite = { package = "libsqlite3-sys", version = "0.34" }`,
    ],
  });
  cases.push({
    name: "links-openssl-sys-two-majors",
    dependencies: [`openssl-sys = "0.9"`, `old-ssl = { package = "openssl-sys", version = "0.7" }`],
  });
  cases.push({
    name: "links-prettyplease-distinct",
    dependencies: [`prettyplease = "0.2"`, `pp01 = { package = "prettyplease", version = "0.1" }`],
  });
  cases.push({
    name: "links-openssl-via-reqwest",
    dependencies: [`reqwest = "0.12"`, `openssl-sys = "0.9"`],
  });
  cases.push({ name: "error-unknown-crate", dependencies: [`no-such-crate-in-data = "1"`] });
  cases.push({ name: "error-no-matching-version", dependencies: [`serde = "2"`] });
  cases.push({
    name: "error-unknown-feature",
    dependencies: [`serde = { version = "1", features = ["no-such-feature"] }`],
  });
  cases.push({
    name: "error-optional-crate-missing",
    dependencies: [`blake3 = { version = "1", features = ["mmap"] }`],
  });
  cases.push(...combinations());
  // the combined manifest of fixtures/README.md (cargo: 214 packages)
  cases.push({
    name: "combined",
    dependencies: [
      `serde = { version = "1", features = ["derive"] }`,
      `tokio = { version = "1", features = ["full"] }`,
      `regex = "1"`,
      `clap = { version = "4", features = ["derive"] }`,
      `anyhow = "1"`,
      `rand = "0.8"`,
      `reqwest = { version = "0.12", features = ["json"] }`,
      `serde_json = "1"`,
      `uuid = { version = "1", features = ["v4", "serde"] }`,
      `time = { version = "0.3", features = ["formatting", "macros"] }`,
    ],
  });
  return cases;
}

/**
 * The `Cargo.toml` cargo is given for a case.
 *
 * @param c the case
 * @returns manifest text: `[package]` (`corpus-case 0.0.0`, edition 2021), then
 *   `[dependencies]`, `[build-dependencies]`, `[features]` when present
 */
export function renderManifest(c: CorpusCase): string {
  let s = `[package]\nname = "corpus-case"\nversion = "0.0.0"\nedition = "2021"\n`;
  s += `\n[dependencies]\n${c.dependencies.map((l) => `${l}\n`).join("")}`;
  if (c.buildDependencies?.length) {
    s += `\n[build-dependencies]\n${c.buildDependencies.map((l) => `${l}\n`).join("")}`;
  }
  if (c.features?.length) s += `\n[features]\n${c.features.map((l) => `${l}\n`).join("")}`;
  return s;
}

/** Serves a cargo sparse index directory on 127.0.0.1, port 0, with `config.json` made up. */
function serveIndex(indexDir: string): { url: string; port: number; server: Deno.HttpServer } {
  let port = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname).replace(/^\/+/, "");
    if (path === "config.json") {
      return Response.json({
        dl: `http://127.0.0.1:${port}/dl/{crate}/{version}/download`,
        api: null,
      });
    }
    if (!/^[a-z0-9_\-/]+$/.test(path) || path.split("/").some((p) => p === "" || p === "..")) {
      return new Response("not found", { status: 404 });
    }
    try {
      const body = await Deno.readFile(`${indexDir}/${path}`);
      return new Response(body, { headers: { "content-type": "text/plain" } });
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.IsADirectory) {
        return new Response("not found", { status: 404 });
      }
      return new Response(String(e), { status: 500 });
    }
  });
  port = (server.addr as Deno.NetAddr).port;
  return { url: `http://127.0.0.1:${port}/`, port, server };
}

/** Replaces the temporary directory and the port in cargo's stderr. */
function normaliseError(text: string, tmp: string, port: number): string {
  return text
    .replaceAll(tmp, "<tmp>")
    .replaceAll(`127.0.0.1:${port}`, "127.0.0.1:<port>")
    .replace(/\s+$/, "") + "\n";
}

async function main(): Promise<void> {
  const root = new URL("..", import.meta.url).pathname;
  const arg = (flag: string) => {
    const i = Deno.args.indexOf(flag);
    return i >= 0 ? Deno.args[i + 1] : undefined;
  };
  const indexDir = await Deno.realPath(arg("--index") ?? `${root}/fixtures/cargo-corpus-index`);
  const outDir = arg("--out") ?? `${root}/fixtures/cargo-corpus`;
  const only = arg("--only")?.split(",");
  const all = corpusCases();
  const names = new Set(all.map((c) => c.name));
  if (names.size !== all.length) throw new Error("duplicate case names");
  const cases = only ? all.filter((c) => only.includes(c.name)) : all;

  const version = new TextDecoder().decode(
    (await new Deno.Command("cargo", { args: ["--version"], stdout: "piped" }).output()).stdout,
  ).trim();
  const { url, port, server } = serveIndex(indexDir);
  const tmp = await Deno.realPath(await Deno.makeTempDir({ prefix: "mochi-cargo-corpus-" }));
  const cargoHome = `${tmp}/cargo-home`;
  await Deno.mkdir(cargoHome);
  await Deno.writeTextFile(
    `${cargoHome}/config.toml`,
    `[source.crates-io]\nreplace-with = "local"\n[source.local]\nregistry = "sparse+${url}"\n`,
  );
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(Deno.env.toObject())) {
    if (!k.startsWith("CARGO_")) env[k] = v;
  }
  Object.assign(env, {
    CARGO_HOME: cargoHome,
    CARGO_NET_OFFLINE: "false",
    CARGO_REGISTRIES_CRATES_IO_PROTOCOL: "sparse",
    CARGO_NET_RETRY: "0",
    CARGO_TERM_COLOR: "never",
    CARGO_TERM_PROGRESS_WHEN: "never",
  });

  const started = performance.now();
  let ok = 0, failed = 0;
  try {
    await Deno.mkdir(outDir, { recursive: true });
    await Deno.writeTextFile(`${outDir}/cargo-version.txt`, `${version}\n`);
    if (!only) {
      for await (const e of Deno.readDir(outDir)) {
        if (e.isDirectory && !names.has(e.name)) {
          await Deno.remove(`${outDir}/${e.name}`, { recursive: true });
        }
      }
    }
    for (const c of cases) {
      const work = `${tmp}/${c.name}`;
      await Deno.mkdir(`${work}/src`, { recursive: true });
      await Deno.writeTextFile(`${work}/src/lib.rs`, "");
      const manifest = renderManifest(c);
      await Deno.writeTextFile(`${work}/Cargo.toml`, manifest);
      const res = await new Deno.Command("cargo", {
        args: ["generate-lockfile"],
        cwd: work,
        env,
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const dest = `${outDir}/${c.name}`;
      await Deno.remove(dest, { recursive: true }).catch(() => {});
      await Deno.mkdir(dest, { recursive: true });
      await Deno.writeTextFile(`${dest}/Cargo.toml`, manifest);
      if (res.success) {
        const lock = await Deno.readTextFile(`${work}/Cargo.lock`);
        await Deno.writeTextFile(`${dest}/Cargo.lock`, lock);
        const count = (lock.match(/^\[\[package\]\]/gm) ?? []).length - 1;
        console.log(`ok     ${c.name} (${count} packages)`);
        ok++;
      } else {
        const err = normaliseError(new TextDecoder().decode(res.stderr), tmp, port);
        await Deno.writeTextFile(`${dest}/cargo-error.txt`, err);
        const first = err.split("\n").find((l) => l.startsWith("error")) ?? "";
        console.log(`failed ${c.name}: ${first}`);
        failed++;
      }
    }
  } finally {
    await server.shutdown();
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  const secs = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`${version}: ${ok} locked, ${failed} failed, ${secs} s`);
}

if (import.meta.main) await main();
