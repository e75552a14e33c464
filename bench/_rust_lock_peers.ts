/**
 * Shared by the Rust resolve benchmarks (issue 17 goal 1): the combined manifest of
 * `fixtures/README.md` written once as a mochi project (`[targets.rust.ffi]`) and once as a cargo
 * project, both pointed at one sparse index URL, and `mochi lock` timed next to
 * `cargo generate-lockfile` in the same run — cold (empty cache), warm (cache revalidated) and
 * `--offline` (cache only) — plus the index servers the benches put behind that URL: `mochi
 * registry serve`, nginx, Python's threaded `http.server`.
 *
 * @module
 */
import { type RegistryProcess, spawnRegistryServer } from "../scripts/_serve.ts";
import { median, timedRunCpu } from "./_timing.ts";

/** The repository root. */
export const root: string = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
/** The cargo sparse index the benches serve (recorded with cargo, see fixtures/README.md). */
export const sharedIndex: string = Deno.env.get("MOCHI_BENCH_CRATES_INDEX") ??
  `${root}/fixtures/cargo-corpus-index`;

/** A mochi project and a cargo project with the same dependencies on one index URL. */
export interface PeerProjects {
  /** Directory of the mochi project. */
  mochiProject: string;
  /** Directory of the cargo project. */
  cargoProject: string;
  /** Environment both commands start from (PATH and HOME only). */
  baseEnv: Record<string, string>;
  /** The cargo `config.toml` that replaces the crates registry with the index URL. */
  cargoConfig: string;
}

/**
 * Writes both projects under `dir` for the index at `indexUrl`.
 *
 * @param dir an empty directory
 * @param indexUrl the index root (`http://127.0.0.1:<port>/`)
 * @returns the projects
 */
export async function writePeerProjects(dir: string, indexUrl: string): Promise<PeerProjects> {
  const deps = (await Deno.readTextFile(`${root}/fixtures/cargo-corpus/combined/Cargo.toml`))
    .split("[dependencies]")[1]!.trim();
  const mochiProject = `${dir}/mochi-project`;
  await Deno.mkdir(mochiProject, { recursive: true });
  await Deno.writeTextFile(
    `${mochiProject}/mochi.toml`,
    `[package]\nname = "bench"\nversion = "0.1.0"\nedition = "2026"\nmochi = ">=0.7"\n` +
      `[registry]\ncrates-io = "sparse+${indexUrl}"\n[targets.rust.ffi]\n${deps}\n`,
  );
  const cargoProject = `${dir}/cargo-project`;
  await Deno.mkdir(`${cargoProject}/src`, { recursive: true });
  await Deno.writeTextFile(`${cargoProject}/src/lib.rs`, "");
  await Deno.writeTextFile(
    `${cargoProject}/Cargo.toml`,
    `[package]\nname = "bench"\nversion = "0.1.0"\nedition = "2021"\n[dependencies]\n${deps}\n`,
  );
  const cargoConfig = `[source.crates-io]\nreplace-with = "local"\n[source.local]\n` +
    `registry = "sparse+${indexUrl}"\n[net]\noffline = false\n`;
  const baseEnv = { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? dir };
  return { mochiProject, cargoProject, baseEnv, cargoConfig };
}

/**
 * Runs a command to the end ({@link timedRunCpu}): its wall time and, where GNU time is
 * installed, its CPU time (user and system, the process and its children), both ms.
 *
 * @throws Error naming the command and the start of its stderr when it exits non-zero
 */
async function timedRun(
  cmd: string,
  args: string[],
  options: { cwd: string; env: Record<string, string> },
): Promise<{ wallMs: number; cpuMs: number | undefined }> {
  // Beside the project, not in it (a mochi project's directory is scanned for imports).
  const scratchFile = `${options.cwd}.time`;
  const t = await timedRunCpu(cmd, args, { ...options, scratchFile });
  await Deno.remove(scratchFile).catch(() => {});
  return { wallMs: t.wallMs, cpuMs: Number.isNaN(t.cpuMs) ? undefined : t.cpuMs };
}

/** Wall times of one comparison, ms, per side and kind (`cpu` CPU times where measured). */
export interface PeerTimes {
  /** `mochi lock`, empty cache. */
  mochiCold: number[];
  /** `mochi lock`, cache revalidated. */
  mochiWarm: number[];
  /** `mochi lock --offline`, cache only. */
  mochiOffline: number[];
  /** `cargo generate-lockfile`, empty cache. */
  cargoCold: number[];
  /** `cargo generate-lockfile`, cache revalidated. */
  cargoWarm: number[];
  /** `cargo generate-lockfile --offline`. */
  cargoOffline: number[];
  /** CPU times, ms, by the same keys (empty without GNU time). */
  cpu: Record<string, number[]>;
}

/** Hooks around each timed command (the latency bench counts the requests of each). */
export interface PeerHooks {
  /** Called before a command starts. */
  before?: (side: "mochi" | "cargo", kind: "Cold" | "Warm" | "Offline") => void;
  /** Called after it ended. */
  after?: (side: "mochi" | "cargo", kind: "Cold" | "Warm" | "Offline") => void;
}

/**
 * Times both sides `runs` times: per run a fresh home each, then cold, `warm` warm runs and
 * `offline` offline runs, cargo and mochi alternating.
 *
 * @param p the projects
 * @param tmp a directory for the homes
 * @param runs cold runs per side
 * @param counts warm and offline runs per cold run
 * @param hooks called around each command
 * @returns the wall times
 */
export async function timePeers(
  p: PeerProjects,
  tmp: string,
  runs: number,
  counts: { warm: number; offline: number },
  hooks: PeerHooks = {},
): Promise<PeerTimes> {
  const out: PeerTimes = {
    mochiCold: [],
    mochiWarm: [],
    mochiOffline: [],
    cargoCold: [],
    cargoWarm: [],
    cargoOffline: [],
    cpu: {},
  };
  const record = (
    key: `${"mochi" | "cargo"}${"Cold" | "Warm" | "Offline"}`,
    t: { wallMs: number; cpuMs: number | undefined },
  ) => {
    out[key].push(t.wallMs);
    if (t.cpuMs !== undefined) (out.cpu[key] ??= []).push(t.cpuMs);
  };
  for (let i = 0; i < runs; i++) {
    const tag = `${Date.now().toString(36)}-${i}`;
    const mochiHome = `${tmp}/mochi-home-${tag}`;
    const cargoHome = `${tmp}/cargo-home-${tag}`;
    await Deno.mkdir(cargoHome, { recursive: true });
    await Deno.writeTextFile(`${cargoHome}/config.toml`, p.cargoConfig);
    const mochiEnv = { ...p.baseEnv, MOCHI_HOME: mochiHome };
    const cargoEnv = { ...p.baseEnv, CARGO_HOME: cargoHome, CARGO_NET_RETRY: "0" };
    const kinds: ("Cold" | "Warm" | "Offline")[] = [
      "Cold",
      ...Array<"Warm">(counts.warm).fill("Warm"),
      ...Array<"Offline">(counts.offline).fill("Offline"),
    ];
    for (const kind of kinds) {
      await Deno.remove(`${p.mochiProject}/mochi.lock`).catch(() => {});
      await Deno.remove(`${p.cargoProject}/Cargo.lock`).catch(() => {});
      const off = kind === "Offline" ? ["--offline"] : [];
      hooks.before?.("cargo", kind);
      record(
        `cargo${kind}`,
        await timedRun("cargo", ["generate-lockfile", ...off], {
          cwd: p.cargoProject,
          env: cargoEnv,
        }),
      );
      hooks.after?.("cargo", kind);
      hooks.before?.("mochi", kind);
      record(
        `mochi${kind}`,
        await timedRun(
          Deno.execPath(),
          ["run", "-A", `${root}/cli.ts`, "lock", ...off, "-C", p.mochiProject],
          { cwd: p.mochiProject, env: mochiEnv },
        ),
      );
      hooks.after?.("mochi", kind);
    }
  }
  return out;
}

/**
 * The `name version` of every registry package of a lock, sorted.
 *
 * @param lockText `Cargo.lock` or `mochi.lock`
 * @param header `[[package]]` or `[[rust-package]]`
 * @returns the picked crates
 */
export function picked(lockText: string, header: string): string[] {
  const out: string[] = [];
  for (const block of lockText.split(header).slice(1)) {
    const name = /^name = "([^"]+)"/m.exec(block)?.[1];
    const version = /^version = "([^"]+)"/m.exec(block)?.[1];
    if (name && version && /^source = /m.test(block)) out.push(`${name} ${version}`);
  }
  return out.sort();
}

/** Whether both projects' last locks picked the same crates, and how many each. */
export async function samePicks(
  p: PeerProjects,
): Promise<{ mochi: number; cargo: number; same: boolean }> {
  const cargoSet = picked(await Deno.readTextFile(`${p.cargoProject}/Cargo.lock`), "[[package]]");
  const mochiSet = picked(
    await Deno.readTextFile(`${p.mochiProject}/mochi.lock`),
    "[[rust-package]]",
  );
  return {
    mochi: mochiSet.length,
    cargo: cargoSet.length,
    same: cargoSet.join("\n") === mochiSet.join("\n"),
  };
}

/**
 * Depth of a `Cargo.lock`'s graph: the most dependency edges from the root package (the one
 * without a source) to any crate along a shortest path, i.e. the rounds of requests a client
 * that fetches every file as soon as its name is known needs after `config.json`.
 *
 * @param lockText the `Cargo.lock`
 * @returns the depth (1 when every crate is a direct dependency)
 */
export function cargoLockDepth(lockText: string): number {
  const pkgs = lockText.split("[[package]]").slice(1).map((block) => ({
    name: /^name = "([^"]+)"/m.exec(block)?.[1] ?? "",
    version: /^version = "([^"]+)"/m.exec(block)?.[1] ?? "",
    source: /^source = /m.test(block),
    deps: [...(/^dependencies = \[([^\]]*)\]/m.exec(block)?.[1] ?? "").matchAll(/"([^"]+)"/g)]
      .map((m) => m[1]!),
  }));
  const byName = new Map<string, typeof pkgs>();
  for (const p of pkgs) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  const find = (dep: string) => {
    const [name, version] = dep.split(" ");
    const all = byName.get(name!) ?? [];
    return version === undefined ? all[0] : all.find((p) => p.version === version);
  };
  const start = pkgs.find((p) => !p.source);
  if (start === undefined) return 0;
  const level = new Map([[start, 0]]);
  let frontier = [start];
  let depth = 0;
  while (frontier.length > 0) {
    const next: typeof pkgs = [];
    for (const p of frontier) {
      for (const d of p.deps) {
        const q = find(d);
        if (q !== undefined && !level.has(q)) {
          level.set(q, level.get(p)! + 1);
          depth = Math.max(depth, level.get(q)!);
          next.push(q);
        }
      }
    }
    frontier = next;
  }
  return depth;
}

/** Medians and ratios of one comparison as printable lines. */
export function ratioLines(t: PeerTimes, goal: string): string[] {
  const lines: string[] = [];
  for (const kind of ["Cold", "Warm", "Offline"] as const) {
    const m = t[`mochi${kind}`];
    const c = t[`cargo${kind}`];
    if (m.length === 0 || c.length === 0) continue;
    lines.push(
      `  ${kind.toLowerCase().padEnd(7)}: mochi ${median(m).toFixed(0)} ms, cargo ${
        median(c).toFixed(0)
      } ms, ratio mochi/cargo ${
        (median(m) / median(c)).toFixed(2)
      } (median of ${m.length}; ${goal})`,
    );
    const mc = t.cpu[`mochi${kind}`];
    const cc = t.cpu[`cargo${kind}`];
    if (mc !== undefined && cc !== undefined) {
      lines.push(
        `           CPU: mochi ${median(mc).toFixed(0)} ms, cargo ${median(cc).toFixed(0)} ms, ` +
          `ratio ${(median(mc) / median(cc)).toFixed(2)}`,
      );
    }
  }
  return lines;
}

/** A running index server. */
export interface IndexServer {
  /** Its index root URL, ending in `/`. */
  url: string;
  /** Stops it and waits for it to exit. */
  close(): Promise<void>;
}

/**
 * `mochi registry serve` on the index directory.
 *
 * @param dir the index directory
 * @returns the server
 */
export async function serveWithMochi(dir: string): Promise<IndexServer> {
  const r = await spawnRegistryServer(dir);
  if ("error" in r) throw new Error(`registry server did not start: ${r.error}`);
  const server: RegistryProcess = r;
  return {
    url: server.url,
    close: async () => {
      server.child.kill("SIGTERM");
      await server.child.status;
    },
  };
}

/**
 * Python's threaded `http.server` (`python3 -m http.server`, a `ThreadingHTTPServer` with the
 * default listen queue of 5 and HTTP/1.0, one connection per request) on the index directory.
 *
 * @param dir the index directory
 * @returns the server, or undefined when `python3` is missing
 */
export async function serveWithPython(dir: string): Promise<IndexServer | undefined> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("python3", {
      args: ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", dir],
      stdout: "piped",
      stderr: "null",
    }).spawn();
  } catch {
    return undefined;
  }
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
    const m = /port (\d+)/.exec(text);
    if (m) {
      // Keep draining stdout so that the server never blocks on a full pipe.
      (async () => {
        while (!(await reader.read().catch(() => ({ done: true }))).done) { /* drain */ }
      })();
      return {
        url: `http://127.0.0.1:${m[1]}/`,
        close: async () => {
          child.kill("SIGTERM");
          await child.status;
        },
      };
    }
  }
  await child.status;
  return undefined;
}

/**
 * nginx (one worker, keep-alive, ETags) on the index directory.
 *
 * @param dir the index directory
 * @returns the server, or undefined when nginx is not installed
 */
export async function serveWithNginx(dir: string): Promise<IndexServer | undefined> {
  const nginx = ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"].find((p) => {
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  });
  if (nginx === undefined) return undefined;
  const tmp = await Deno.makeTempDir({ prefix: "mochi-nginx-" });
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  await Deno.writeTextFile(
    `${tmp}/nginx.conf`,
    `daemon off;\nmaster_process on;\nworker_processes 1;\nuser root;\npid ${tmp}/nginx.pid;\n` +
      `error_log ${tmp}/error.log warn;\nevents { worker_connections 1024; }\n` +
      `http {\n  access_log off;\n  sendfile on;\n  etag on;\n` +
      `  keepalive_requests 100000;\n  default_type application/octet-stream;\n` +
      `  client_body_temp_path ${tmp}/body;\n  proxy_temp_path ${tmp}/proxy;\n` +
      `  fastcgi_temp_path ${tmp}/fastcgi;\n  uwsgi_temp_path ${tmp}/uwsgi;\n` +
      `  scgi_temp_path ${tmp}/scgi;\n` +
      `  server {\n    listen 127.0.0.1:${port};\n    root ${dir};\n  }\n}\n`,
  );
  const child = new Deno.Command(nginx, {
    args: ["-c", `${tmp}/nginx.conf`, "-p", tmp],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0;; i++) {
    try {
      await (await fetch(`${url}config.json`)).body?.cancel();
      break;
    } catch (e) {
      if (i > 50) {
        child.kill("SIGTERM");
        await child.status;
        throw e;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    close: async () => {
      child.kill("SIGTERM");
      await child.status;
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
    },
  };
}
