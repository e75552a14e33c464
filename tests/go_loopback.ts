/**
 * A loopback Go module proxy and checksum database for tests (issue 14 item 7): modules zipped in
 * the test (golang.org/x/mod/zip rules, `createModuleZip`), served with the GOPROXY protocol on
 * 127.0.0.1 port 0, and a checksum database built on our own Ed25519 note signer and tlog tiles
 * (`TestChecksumDatabase`) behind the proxy's `sumdb/<name>/` pass-through. Hooks let a test
 * answer any path itself (the tamper cases) or swap the database for another one (a fork).
 *
 * @module
 */
import {
  createModuleZip,
  escapePath,
  escapeVersion,
  hashGoMod,
  hashModuleZip,
  semverCompare,
  semverPrerelease,
  unescapePath,
  unescapeVersion,
} from "../src/go/mod.ts";
import { TestChecksumDatabase } from "../src/go/checksum_db_testing.ts";

/** One module version to serve. */
export interface GoTestModule {
  /** Module path. */
  path: string;
  /** Version. */
  version: string;
  /** go.mod text (default: `module <path>\n\ngo 1.21\n`). */
  goMod?: string;
  /** Other files of the zip, path → text (default: one `.go` file). */
  files?: Record<string, string>;
  /** Left out of `@v/list` (as a proxy that lists only some tags). */
  unlisted?: boolean;
}

/** A served module version. */
export interface ServedModule {
  /** The module. */
  module: GoTestModule;
  /** go.mod bytes. */
  mod: Uint8Array;
  /** Zip bytes. */
  zip: Uint8Array;
  /** h1 of the zip. */
  zipH1: string;
  /** h1 of the go.mod. */
  modH1: string;
}

/** A running loopback proxy + checksum database. */
export interface GoLoopback extends AsyncDisposable {
  /** The proxy base URL (`http://127.0.0.1:<port>/`). */
  url: string;
  /** The checksum database served under `sumdb/<name>/` (replace it to serve a fork). */
  db: TestChecksumDatabase;
  /** Served modules by `path@version`. */
  modules: Map<string, ServedModule>;
  /** Called first for every request path; a Response answers it. */
  hook?: (path: string) => Response | undefined | Promise<Response | undefined>;
  /** Every path requested, in order. */
  requests: string[];
  /** Adds (and registers in the database) more modules. */
  add(modules: GoTestModule[], options?: { register?: boolean }): Promise<void>;
  /** The GOSUMDB value for this database (`<vkey> <url>`)... use the pass-through: just vkey. */
  gosumdb(): string;
  /** Stops the server. */
  close(): Promise<void>;
}

const te = new TextEncoder();

/**
 * Builds one module version's zip and go.mod.
 *
 * @param m the module
 * @returns bytes and hashes
 */
export function buildModule(m: GoTestModule): ServedModule {
  const goMod = m.goMod ?? `module ${m.path}\n\ngo 1.21\n`;
  const files = m.files ??
    { [`${m.path.split("/").at(-1)!.replace(/\W/g, "")}.go`]: "package x\n" };
  const mod = te.encode(goMod);
  const zip = createModuleZip({ path: m.path, version: m.version }, [
    { path: "go.mod", data: mod },
    ...Object.entries(files).map(([path, text]) => ({ path, data: te.encode(text) })),
  ]);
  return {
    module: m,
    mod,
    zip,
    zipH1: hashModuleZip({ path: m.path, version: m.version }, zip),
    modH1: hashGoMod(mod),
  };
}

/**
 * Starts a loopback module proxy with a checksum database.
 *
 * @param modules modules to serve (each registered in the database unless `register` is false)
 * @param options a database to use (default: a new one named `sum.test.example`)
 * @returns the server
 */
export async function startGoLoopback(
  modules: GoTestModule[],
  options: { db?: TestChecksumDatabase; register?: boolean } = {},
): Promise<GoLoopback> {
  const served = new Map<string, ServedModule>();
  const state: GoLoopback = {
    url: "",
    db: options.db ??
      new TestChecksumDatabase("sum.test.example", { seed: new Uint8Array(32).fill(7) }),
    modules: served,
    requests: [],
    async add(more, o = {}) {
      for (const m of more) {
        const s = buildModule(m);
        served.set(`${m.path}@${m.version}`, s);
        if (o.register !== false) await state.db.addModule(m.path, m.version, s.zipH1, s.modH1);
      }
    },
    gosumdb() {
      return state.db.vkey;
    },
    close: () => Promise.resolve(),
    [Symbol.asyncDispose]() {
      return state.close();
    },
  };
  await state.add(modules, { register: options.register ?? true });
  const text = (status: number, body: string | Uint8Array, type = "text/plain; charset=utf-8") =>
    new Response(typeof body === "string" ? body : body.slice(), {
      status,
      headers: { "content-type": type },
    });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req) => {
      const path = decodeURIComponent(new URL(req.url).pathname);
      state.requests.push(path);
      const hooked = await state.hook?.(path);
      if (hooked !== undefined) return hooked;
      const sumdbPrefix = `/sumdb/${state.db.name}/`;
      if (path.startsWith(sumdbPrefix)) {
        const rest = path.slice(sumdbPrefix.length - 1);
        if (rest === "/supported") return text(200, "");
        const a = await state.db.serve(rest);
        return text(a.status, a.body, a.contentType);
      }
      const at = path.indexOf("/@");
      if (at < 0) return text(404, "not found\n");
      let module: string;
      try {
        module = unescapePath(path.slice(1, at));
      } catch {
        return text(400, "bad path\n");
      }
      const versions = [...served.values()].filter((s) => s.module.path === module);
      if (path.endsWith("/@v/list")) {
        if (versions.length === 0) return text(404, "not found\n");
        return text(
          200,
          versions.filter((s) => !s.module.unlisted).map((s) => s.module.version).join("\n") +
            "\n",
        );
      }
      if (path.endsWith("/@latest")) {
        const rel = versions.map((s) => s.module.version).filter((v) => semverPrerelease(v) === "")
          .sort(semverCompare);
        if (rel.length === 0) return text(404, "not found\n");
        return text(200, JSON.stringify({ Version: rel.at(-1) }), "application/json");
      }
      const m = /\/@v\/(.+)\.(info|mod|zip)$/.exec(path);
      if (m === null) return text(404, "not found\n");
      let version: string;
      try {
        version = unescapeVersion(m[1]!);
      } catch {
        return text(400, "bad version\n");
      }
      const s = served.get(`${module}@${version}`);
      if (s === undefined) return text(404, "not found\n");
      if (m[2] === "info") {
        return text(200, JSON.stringify({ Version: version, Time: "2024-01-02T03:04:05Z" }));
      }
      if (m[2] === "mod") return text(200, s.mod);
      return text(200, s.zip, "application/zip");
    },
  );
  state.url = `http://127.0.0.1:${server.addr.port}/`;
  state.close = async () => {
    await server.shutdown();
  };
  return state;
}

/** The proxy path of a module file (`<escaped path>/@v/<escaped version>.<ext>`). */
export function proxyPath(path: string, version: string, ext: "info" | "mod" | "zip"): string {
  return `/${escapePath(path)}/@v/${escapeVersion(version)}.${ext}`;
}

/**
 * Writes a project whose `[targets.go.ffi]` holds `modules` (module → query).
 *
 * @param dir project directory (created)
 * @param modules module path → version query
 * @param imports extra `.mochi` source lines
 */
export async function writeGoProject(
  dir: string,
  modules: Record<string, string>,
  imports: string[] = [],
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
      "[targets.go.ffi]",
      ...Object.entries(modules).map(([m, q]) => `"${m}" = "${q}"`),
      "",
    ].join("\n"),
  );
  await Deno.writeTextFile(`${dir}/src/main.mochi`, [...imports, "print(1)", ""].join("\n"));
}
