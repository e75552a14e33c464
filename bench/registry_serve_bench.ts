/**
 * `mochi registry serve` against nginx serving the same registry directory (issue 17 goal 5:
 * ≥ 0.5× nginx): requests per second measured by `wrk` on loopback, for three workloads —
 * index files (200, body), index files with a matching `If-None-Match` (304, no body) and blobs
 * (200, body) — each server measured alternately in the same run, several rounds, medians.
 *
 * The directory is the crates subset converted into a mochi registry (`.cache/serve-bench-registry`, its own copy,
 * as `bench/resolve_bench.ts` makes it). The URLs are a fixed sample of its index files and
 * blobs; each server's own ETags are fetched first (nginx's are mtime-size, mochi's SHA-256), so
 * every conditional request matches.
 *
 * Prerequisites, not installed by CI: `nginx` and `wrk` from Debian's packages
 * (`apt-get install nginx wrk`); without them the bench prints why and returns no ratio.
 * nginx runs with one worker process (mochi serves from one JavaScript thread), `sendfile on`,
 * `etag on`, no access log. With `taskset` and at least two CPUs, each server (all its threads:
 * nginx's master and worker, Deno's JavaScript thread and its helpers) is pinned to CPU 0 and
 * wrk to CPU 1, so one CPU serves against one CPU and the client is not what limits either
 * server; requests per second then follow each server's CPU per request, also printed.
 *
 * `deno run -A bench/registry_serve_bench.ts [rounds] [seconds-per-run] [connections]`
 *
 * @module
 */
import { median } from "./_timing.ts";
import { spawnRegistryServer } from "../scripts/_serve.ts";
import { benchRegistryDir } from "./resolve_bench.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

async function which(cmd: string): Promise<string | undefined> {
  const out = await new Deno.Command("sh", {
    args: ["-c", `command -v ${cmd}`],
    stdout: "piped",
    stderr: "null",
  }).output().catch(() => undefined);
  const path = out?.success ? new TextDecoder().decode(out.stdout).trim() : "";
  return path === "" ? undefined : path;
}

/** A free loopback port (bound, read and closed: nginx binds it right after). */
function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Up to `n` files under `dir` whose relative path passes `keep`, in sorted order, evenly picked. */
async function sampleFiles(
  dir: string,
  keep: (rel: string) => boolean,
  n: number,
): Promise<string[]> {
  const all: string[] = [];
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(rel === "" ? dir : `${dir}/${rel}`)) {
      if (e.name.startsWith(".")) continue;
      const p = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else if (e.isFile && keep(p)) all.push(p);
    }
  };
  await walk("");
  all.sort();
  const step = Math.max(1, Math.floor(all.length / n));
  return all.filter((_, i) => i % step === 0).slice(0, n);
}

/**
 * A wrk Lua script that cycles over the paths, each with its own If-None-Match when given. The
 * requests are made in `init`, when wrk's default headers (Host) are known.
 */
function luaScript(paths: string[], etags?: string[]): string {
  const list = (xs: string[]) => `{\n${xs.map((x) => `  ${JSON.stringify(x)},`).join("\n")}\n}`;
  return `local paths = ${list(paths.map((p) => "/" + p))}\n` +
    `local etags = ${etags ? list(etags) : "nil"}\n` +
    `local reqs = {}\nlocal i = 0\n` +
    `init = function(args)\n  for n, p in ipairs(paths) do\n    local h = {}\n` +
    `    for k, v in pairs(wrk.headers) do h[k] = v end\n` +
    `    if etags then h["If-None-Match"] = etags[n] end\n` +
    `    reqs[n] = wrk.format("GET", p, h)\n  end\nend\n` +
    `request = function()\n  i = i % #reqs + 1\n  return reqs[i]\nend\n`;
}

/** `taskset -c <cpu>` before a command when pinning (see the module's notes), else nothing. */
function pinned(pin: boolean, cpu: number, cmd: string, args: string[]): [string, string[]] {
  return pin ? ["taskset", ["-c", String(cpu), cmd, ...args]] : [cmd, args];
}

async function wrk(
  url: string,
  script: string,
  seconds: number,
  connections: number,
  pin: boolean,
): Promise<{ rps: number; non2xx: number }> {
  const [cmd, args] = pinned(pin, 1, "wrk", [
    ...["-t", "1", "-c", String(connections), "-d", `${seconds}s`, "-s", script, url],
  ]);
  const out = await new Deno.Command(cmd, {
    args,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const rps = Number(text.match(/Requests\/sec:\s+([\d.]+)/)?.[1] ?? NaN);
  const non2xx = Number(text.match(/Non-2xx or 3xx responses:\s+(\d+)/)?.[1] ?? 0);
  if (!out.success || Number.isNaN(rps)) {
    throw new Error(`wrk failed: ${text}${new TextDecoder().decode(out.stderr)}`);
  }
  return { rps, non2xx };
}

/** CPU time (user + system, all threads) of a process and its children so far, ms; Linux only. */
function cpuMs(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  let ms = (Number(f[11]) + Number(f[12])) * 10; // utime, stime in ticks of 10 ms
  let children = "";
  try {
    children = Deno.readTextFileSync(`/proc/${pid}/task/${pid}/children`).trim();
  } catch {
    // no children file: no children counted
  }
  for (const c of children.split(" ").filter((x) => x !== "")) ms += cpuMs(Number(c));
  return ms;
}

async function etagsOf(base: string, paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const res = await fetch(base + p, { method: "HEAD" });
    await res.body?.cancel();
    const etag = res.headers.get("etag");
    if (!res.ok || etag === null) throw new Error(`${base}${p}: ${res.status}, no ETag`);
    out.push(etag);
  }
  return out;
}

/**
 * Runs the comparison and prints it.
 *
 * @param rounds runs per server and workload (medians are printed)
 * @param seconds length of one wrk run
 * @param connections wrk's open connections
 * @returns mochi/nginx ratios of requests per second, by workload; empty without nginx or wrk
 */
export async function main(
  rounds = 3,
  seconds = 3,
  connections = 16,
): Promise<Record<string, number>> {
  const nginx = (await which("nginx")) ?? (await which("/usr/sbin/nginx"));
  if (nginx === undefined || (await which("wrk")) === undefined) {
    console.log(
      "skipped: needs nginx and wrk (apt-get install nginx wrk; a prerequisite of this bench, not of CI)",
    );
    return {};
  }
  // Its own copy: another bench converting `.cache/bench-registry` must not swap it mid-run.
  const dir = await benchRegistryDir(`${ROOT}/.cache/serve-bench-registry`);
  const indexFiles = await sampleFiles(
    dir,
    (p) => !/[0-9a-f]{64}/.test(p) && !p.endsWith(".json") && !p.includes("/dl/"),
    200,
  );
  const blobs = await sampleFiles(dir, (p) => /[0-9a-f]{64}$/.test(p), 200);
  const tmp = await Deno.makeTempDir({ prefix: "mochi-serve-bench-" });
  const port = freePort();
  await Deno.writeTextFile(
    `${tmp}/nginx.conf`,
    `daemon off;\nmaster_process on;\nworker_processes 1;\nuser root;\npid ${tmp}/nginx.pid;\n` +
      `error_log ${tmp}/error.log warn;\nevents { worker_connections 1024; }\n` +
      `http {\n  access_log off;\n  sendfile on;\n  tcp_nopush on;\n  etag on;\n` +
      `  keepalive_requests 100000;\n  default_type application/octet-stream;\n` +
      `  client_body_temp_path ${tmp}/body;\n  proxy_temp_path ${tmp}/proxy;\n` +
      `  fastcgi_temp_path ${tmp}/fastcgi;\n  uwsgi_temp_path ${tmp}/uwsgi;\n` +
      `  scgi_temp_path ${tmp}/scgi;\n` +
      `  server {\n    listen 127.0.0.1:${port};\n    root ${dir};\n  }\n}\n`,
  );
  const pin = navigator.hardwareConcurrency >= 2 && (await which("taskset")) !== undefined;
  const [ngxCmd, ngxArgs] = pinned(pin, 0, nginx, ["-c", `${tmp}/nginx.conf`, "-p", tmp]);
  const ngx = new Deno.Command(ngxCmd, {
    args: ngxArgs,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const mochi = await spawnRegistryServer(dir);
  if ("error" in mochi) throw new Error(`mochi registry serve did not start: ${mochi.error}`);
  if (pin) { // all of its threads; threads started later inherit the mask
    await new Deno.Command("taskset", {
      args: ["-a", "-p", "-c", "0", String(mochi.child.pid)],
      stdout: "null",
    }).output();
  }
  const nginxUrl = `http://127.0.0.1:${port}/`;
  try {
    for (let i = 0;; i++) { // nginx listens within a moment
      try {
        await (await fetch(nginxUrl + "config.json")).body?.cancel();
        break;
      } catch (e) {
        if (i > 50) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const servers = { nginx: nginxUrl, mochi: mochi.url };
    const scripts: Record<string, Record<string, string>> = { nginx: {}, mochi: {} };
    for (const [name, url] of Object.entries(servers)) {
      const s = scripts[name]!;
      s["index files (200)"] = `${tmp}/${name}-index.lua`;
      await Deno.writeTextFile(s["index files (200)"], luaScript(indexFiles));
      s["index files, If-None-Match (304)"] = `${tmp}/${name}-index-304.lua`;
      await Deno.writeTextFile(
        s["index files, If-None-Match (304)"],
        luaScript(indexFiles, await etagsOf(url, indexFiles)),
      );
      s["blobs (200)"] = `${tmp}/${name}-blobs.lua`;
      await Deno.writeTextFile(s["blobs (200)"], luaScript(blobs));
    }
    const load = () => Deno.loadavg().map((x) => x.toFixed(1)).join(" ");
    console.log(
      `${indexFiles.length} index files, ${blobs.length} blobs of ${
        dir.replace(ROOT + "/", "")
      }; ` +
        `wrk -t1 -c${connections} -d${seconds}s, ${rounds} rounds alternating; ` +
        `${pin ? "servers pinned to CPU 0, wrk to CPU 1" : "not pinned"}; load ${load()}`,
    );
    const pids: Record<string, number> = { nginx: ngx.pid, mochi: mochi.child.pid };
    const ratios: Record<string, number> = {};
    for (const workload of Object.keys(scripts.nginx!)) {
      const rps: Record<string, number[]> = { nginx: [], mochi: [] };
      // Server CPU per request, µs: on a machine others load, throughput follows the share of
      // CPU each server gets; the CPU a request costs much less.
      const cpuPerRequest: Record<string, number[]> = { nginx: [], mochi: [] };
      for (let r = 0; r < rounds; r++) {
        for (const [name, url] of Object.entries(servers)) {
          const before = cpuMs(pids[name]!);
          const { rps: x, non2xx } = await wrk(
            url,
            scripts[name]![workload]!,
            seconds,
            connections,
            pin,
          );
          if (non2xx > 0 && !workload.includes("304")) {
            throw new Error(`${name}: ${non2xx} error responses on ${workload}`);
          }
          rps[name]!.push(x);
          cpuPerRequest[name]!.push((cpuMs(pids[name]!) - before) * 1000 / (x * seconds));
        }
      }
      const n = median(rps.nginx!);
      const m = median(rps.mochi!);
      const nc = median(cpuPerRequest.nginx!);
      const mc = median(cpuPerRequest.mochi!);
      ratios[workload] = m / n;
      ratios[`${workload}, by CPU per request`] = nc / mc;
      console.log(
        `  ${workload.padEnd(34)} nginx ${n.toFixed(0)} req/s · mochi ${m.toFixed(0)} req/s · ` +
          `ratio mochi/nginx ${(m / n).toFixed(2)} (goal ≥ 0.5) · server CPU per request ` +
          `nginx ${nc.toFixed(0)} µs, mochi ${mc.toFixed(0)} µs, ratio nginx/mochi ${
            (nc / mc).toFixed(2)
          }`,
      );
    }
    console.log(`  load after: ${load()}`);
    return ratios;
  } finally {
    mochi.child.kill("SIGTERM");
    await mochi.child.status;
    ngx.kill("SIGQUIT");
    await ngx.status;
    await Deno.remove(tmp, { recursive: true });
  }
}

if (import.meta.main) {
  await main(
    Number(Deno.args[0] ?? "3"),
    Number(Deno.args[1] ?? "3"),
    Number(Deno.args[2] ?? "16"),
  );
}
