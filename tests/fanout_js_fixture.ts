/**
 * The fixture library's typescript output as a `FanoutPackage` for the npm and JSR tests, and a
 * verdaccio (a real npm registry server) started on 127.0.0.1 when `.ci/run` installed it.
 *
 * @module
 */
import type { FanoutPackage } from "../src/fanout/types.ts";
import { ROOT } from "./helpers.ts";
import { lowerToDeno, mergeDenoJson } from "../src/lowering/deno.ts";
import { lowerToTarget } from "../src/lowering/targets.ts";

/** The typescript target's compiler output of the fixture library. */
export const TS_OUT = `${ROOT}/fixtures/fanout/lib/target/typescript`;

const enc = new TextEncoder();

/** The fixture's capabilities. */
export const CAPS = ["env", "net.dial:api.example.com:443"];

/**
 * The fixture package for npm or JSR, with a readme and a lowered `deno.json`.
 *
 * @param ecosystem `npm` or `jsr`
 * @param version the version (default `1.2.0-beta.1`)
 */
export async function tsFixturePackage(
  ecosystem: "npm" | "jsr",
  version = "1.2.0-beta.1",
): Promise<FanoutPackage> {
  const files = [];
  for await (const e of Deno.readDir(TS_OUT)) {
    if (e.isFile) {
      files.push({
        path: e.name,
        bytes: await Deno.readFile(`${TS_OUT}/${e.name}`),
        executable: false,
      });
    }
  }
  files.sort((a, b) => (a.path < b.path ? -1 : 1));
  return {
    ecosystem,
    name: "@acme/greet",
    version,
    mochi: { name: "@acme/greet", version },
    description: "Greets people",
    license: "MIT",
    authors: ["Ada Lovelace <ada@example.com>", "Grace Hopper"],
    repository: "https://github.com/acme/greet",
    homepage: "https://acme.example/greet",
    keywords: ["greeting"],
    readme: { path: "README.md", bytes: enc.encode("# greet\n\nSays hello.\n") },
    dependencies: [],
    files,
    // The lowered capabilities as the fan-out build makes them: deno.json (permissions) for
    // JSR, mochi.caps.json (documented) for npm.
    capabilities: ecosystem === "jsr"
      ? [{ path: "deno.json", bytes: enc.encode(mergeDenoJson(undefined, lowerToDeno(CAPS))) }]
      : [{
        path: lowerToTarget("node", { name: "@acme/greet", version }, CAPS).file,
        bytes: enc.encode(
          JSON.stringify(lowerToTarget("node", { name: "@acme/greet", version }, CAPS).content) +
            "\n",
        ),
      }],
    extra: {},
  };
}

/** Where `.ci/run` installs verdaccio (`npm install --prefix .cache/verdaccio verdaccio@6.8.0`). */
export const VERDACCIO_BIN = Deno.env.get("MOCHI_TEST_VERDACCIO") ??
  `${ROOT}/.cache/verdaccio/node_modules/.bin/verdaccio`;

/** A running verdaccio. */
export interface Verdaccio extends AsyncDisposable {
  /** Base URL, with a trailing slash. */
  url: string;
  /** Startup time in milliseconds. */
  startupMs: number;
  /** Creates a user and returns its token (`PUT /-/user/org.couchdb.user:<name>`). */
  addUser(name: string, password: string): Promise<string>;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/**
 * Starts verdaccio with a private storage and no uplinks (it never leaves 127.0.0.1), or
 * returns undefined when it is not installed.
 *
 * @param dir a temp directory for its config, storage and users
 */
export async function startVerdaccio(dir: string): Promise<Verdaccio | undefined> {
  try {
    await Deno.stat(VERDACCIO_BIN);
  } catch {
    return undefined;
  }
  await Deno.mkdir(`${dir}/storage`, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/config.yaml`,
    [
      "storage: ./storage",
      "auth:",
      "  htpasswd:",
      "    file: ./htpasswd",
      "    max_users: 100",
      "uplinks: {}",
      "packages:",
      "  '@*/*':",
      "    access: $all",
      "    publish: $authenticated",
      "  '**':",
      "    access: $all",
      "    publish: $authenticated",
      "log: { type: stdout, format: pretty, level: error }",
      "",
    ].join("\n"),
  );
  const port = freePort();
  const started = performance.now();
  const child = new Deno.Command(VERDACCIO_BIN, {
    args: ["--config", `${dir}/config.yaml`, "--listen", `127.0.0.1:${port}`],
    cwd: dir,
    env: { HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir },
    stdout: "null",
    stderr: "null",
  }).spawn();
  const url = `http://127.0.0.1:${port}/`;
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await child.status;
  };
  for (let i = 0;; i++) {
    try {
      const r = await fetch(`${url}-/ping`);
      await r.body?.cancel();
      if (r.ok) break;
    } catch {
      // not yet
    }
    if (i > 300) {
      await stop();
      throw new Error(`verdaccio did not start on ${url} within 30 s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    startupMs: Math.round(performance.now() - started),
    async addUser(name: string, password: string) {
      const r = await fetch(`${url}-/user/org.couchdb.user:${name}`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name, password }),
      });
      const body = await r.json();
      if (!r.ok || typeof body.token !== "string") {
        throw new Error(`verdaccio refused the user: ${JSON.stringify(body)}`);
      }
      return body.token;
    },
    [Symbol.asyncDispose]: stop,
  };
}

/** Runs a command, collecting its output. */
export async function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
) {
  const r = await new Deno.Command(cmd, { args, cwd, env, stdout: "piped", stderr: "piped" })
    .output();
  return {
    code: r.code,
    stdout: new TextDecoder().decode(r.stdout),
    stderr: new TextDecoder().decode(r.stderr),
  };
}

/** Whether a command runs (`<cmd> --version` succeeds). */
export async function have(cmd: string): Promise<boolean> {
  try {
    return (await new Deno.Command(cmd, { args: ["--version"], stdout: "null", stderr: "null" })
      .output()).success;
  } catch {
    return false;
  }
}
