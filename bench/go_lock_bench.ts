/**
 * Go bridge benchmark (issue 14 "Done when" 4): `mochi lock` against the `go` command
 * (`go mod download all` then `go list -m all`) on the same loopback module proxy, measured in
 * the same run, whole subprocesses, cold (a fresh `$MOCHI_HOME` / `GOMODCACHE` each run).
 *
 * The proxy serves `fixtures/go/proxy/` (recorded with the go command, fixtures/README.md). The
 * corpus keeps zips for 38 modules only, so no recorded main module can be fully downloaded (the
 * largest, viper's, selects 283 modules and 12 of their zips are recorded): the main module here
 * requires every corpus module whose whole module graph has its zips recorded. Both sides run with
 * the checksum database off (`GOSUMDB=off`, `MOCHI_GOSUMDB=off`: the corpus's recorded database
 * answers cover the corpus lookups, not a consistent run of both tools), `GOFLAGS=-mod=mod`,
 * `GOPROXY`/`MOCHI_GOPROXY` = the loopback proxy. Prints medians, the ratio mochi / go (below 1
 * means mochi is faster) and whether both selected the same module versions.
 *
 * Usage: `deno run -A bench/go_lock_bench.ts [--runs N]`
 *
 * @module
 */
import {
  escapePath,
  escapeVersion,
  parseGoMod,
  unescapePath,
  unescapeVersion,
} from "../src/go/mod.ts";
import { median, timedRun } from "./_timing.ts";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const PROXY = `${root}/fixtures/go/proxy`;

async function exists(p: string): Promise<boolean> {
  return await Deno.stat(p).then(() => true, () => false);
}

/** Every recorded module version with a zip whose whole graph has its zips recorded. */
async function completeRoots(): Promise<{ path: string; version: string }[]> {
  const zips: { path: string; version: string }[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory && e.name === "@v") {
        for await (const f of Deno.readDir(`${dir}/@v`)) {
          if (f.name.endsWith(".zip")) {
            zips.push({ path: unescapePath(rel), version: unescapeVersion(f.name.slice(0, -4)) });
          }
        }
      } else if (e.isDirectory) await walk(`${dir}/${e.name}`, rel ? `${rel}/${e.name}` : e.name);
    }
  };
  await walk(PROXY, "");
  const file = (p: string, v: string, ext: string) =>
    `${PROXY}/${escapePath(p)}/@v/${escapeVersion(v)}.${ext}`;
  const out: { path: string; version: string }[] = [];
  for (const z of zips) {
    const seen = new Set<string>();
    const stack = [z];
    let complete = true;
    while (stack.length > 0 && complete) {
      const m = stack.pop()!;
      const k = `${m.path}@${m.version}`;
      if (seen.has(k)) continue;
      seen.add(k);
      if (
        !(await exists(file(m.path, m.version, "zip"))) ||
        !(await exists(file(m.path, m.version, "mod")))
      ) {
        complete = false;
        break;
      }
      const f = parseGoMod(await Deno.readFile(file(m.path, m.version, "mod")), { lax: true });
      stack.push(...f.require.map((r) => ({ path: r.path, version: r.version })));
    }
    if (complete) out.push(z);
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** Runs the benchmark and prints its lines. */
export async function main(runs = 3): Promise<void> {
  const roots = await completeRoots();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const parts = decodeURIComponent(new URL(req.url).pathname).replace(/^\/+/, "").split("/");
    if (parts.some((s) => s === ".." || s === "." || s === "")) {
      return new Response("bad path", { status: 400 });
    }
    try {
      return new Response(await Deno.readFile(`${PROXY}/${parts.join("/")}`));
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  const url = `http://127.0.0.1:${server.addr.port}`;
  const tmp = await Deno.makeTempDir({ prefix: "mochi-go-bench-" });
  try {
    const goDir = `${tmp}/go-main`;
    const mochiDir = `${tmp}/mochi-main`;
    await Deno.mkdir(goDir);
    await Deno.mkdir(mochiDir);
    const goMod = [
      "module bench.example/main",
      "",
      "go 1.21",
      "",
      "require (",
      ...roots.map((r) => `\t${r.path} ${r.version}`),
      ")",
      "",
    ].join("\n");
    await Deno.writeTextFile(
      `${mochiDir}/mochi.toml`,
      [
        "[package]",
        'name = "bench"',
        'version = "0.1.0"',
        'edition = "2026"',
        'mochi = ">=0.7"',
        "",
        "[targets.go.ffi]",
        ...roots.map((r) => `"${r.path}" = "${r.version}"`),
        "",
      ].join("\n"),
    );
    const goTimes: number[] = [];
    const mochiTimes: number[] = [];
    let goPicks: string[] = [];
    let mochiPicks: string[] = [];
    for (let run = 0; run < runs; run++) {
      const home = `${tmp}/run${run}`;
      await Deno.writeTextFile(`${goDir}/go.mod`, goMod);
      await Deno.remove(`${goDir}/go.sum`).catch(() => {});
      const goEnv = {
        PATH: Deno.env.get("PATH") ?? "",
        HOME: `${home}/home`,
        GOPATH: `${home}/gopath`,
        GOMODCACHE: `${home}/modcache`,
        GOCACHE: `${home}/gocache`,
        GOPROXY: url,
        GOSUMDB: "off",
        GOFLAGS: "-mod=mod",
        GOTOOLCHAIN: "local",
        GOTELEMETRY: "off",
        GOENV: "off",
      };
      const t0 = performance.now();
      await timedRun("go", ["mod", "download", "all"], { cwd: goDir, env: goEnv, clearEnv: true });
      const list = await new Deno.Command("go", {
        args: ["list", "-m", "all"],
        cwd: goDir,
        env: goEnv,
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
      goTimes.push(performance.now() - t0);
      if (list.code !== 0) throw new Error(new TextDecoder().decode(list.stderr));
      goPicks = new TextDecoder().decode(list.stdout).trim().split("\n").slice(1).sort();
      await Deno.remove(`${mochiDir}/mochi.lock`).catch(() => {});
      mochiTimes.push(
        await timedRun(Deno.execPath(), ["run", "-A", `${root}/cli.ts`, "lock"], {
          cwd: mochiDir,
          env: {
            MOCHI_HOME: `${home}/mochi`,
            MOCHI_GOPROXY: url,
            MOCHI_GOSUMDB: "off",
            NO_COLOR: "1",
          },
        }),
      );
      const lock = await Deno.readTextFile(`${mochiDir}/mochi.lock`);
      mochiPicks = [...lock.matchAll(/^module = "([^"]+)"\nversion = "([^"]+)"/gm)].map((m) =>
        `${m[1]} ${m[2]}`
      ).sort();
      await Deno.remove(home, { recursive: true }).catch(async () => {
        // The go module cache is read-only; make it writable to remove it.
        await new Deno.Command("chmod", { args: ["-R", "u+w", home] }).output();
        await Deno.remove(home, { recursive: true });
      });
    }
    const g = median(goTimes);
    const m = median(mochiTimes);
    console.log(
      `main module requiring ${roots.length} corpus modules, ${mochiPicks.length} selected, ` +
        `cold, median of ${runs}: mochi lock ${(m / 1000).toFixed(2)} s, go mod download all + ` +
        `go list -m all ${(g / 1000).toFixed(2)} s, ratio mochi/go ${(m / g).toFixed(2)}; ` +
        `same selection: ${JSON.stringify(goPicks) === JSON.stringify(mochiPicks)}`,
    );
    if (JSON.stringify(goPicks) !== JSON.stringify(mochiPicks)) {
      console.log(`go:    ${goPicks.join(", ")}\nmochi: ${mochiPicks.join(", ")}`);
    }
  } finally {
    await server.shutdown();
    await new Deno.Command("chmod", { args: ["-R", "u+w", tmp] }).output();
    await Deno.remove(tmp, { recursive: true });
  }
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--runs");
  await main(i >= 0 ? Number(Deno.args[i + 1]) : 3);
}
