/**
 * A small conforming JSR API on 127.0.0.1 for the uploader tests: the four endpoints a publish
 * uses (jsr-io/jsr `api/src/api/package.rs`, `publishing_task.rs`, `tarball.rs`), strict where
 * the real one is strict (a token, `Content-Encoding: gzip`, the `config` query, regular files
 * only, the config's name and version equal to the URL's, non-empty exports, a licence), and
 * tasks that go pending → processing → success/failure over successive polls. Real `deno publish`
 * runs against it too (`JSR_API_URL`), which keeps it honest.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { gunzipSync } from "node:zlib";
import tarStream from "tar-stream";

/** One request the fake saw. */
export interface SeenRequest {
  method: string;
  path: string;
  query: string;
  authorization: string | null;
  contentEncoding: string | null;
}

/** A running fake JSR. */
export interface FakeJsr extends AsyncDisposable {
  /** API base URL (`http://127.0.0.1:<port>/api/`). */
  api: string;
  /** The token it accepts. */
  token: string;
  /** Package names that exist (`@scope/name`); add before publishing, as on JSR. */
  packages: Set<string>;
  /** Published versions: `@scope/name@version` → path → bytes. */
  published: Map<string, Map<string, Uint8Array>>;
  /** Every request, in order. */
  requests: SeenRequest[];
  /** Make the next publish's task fail with this code. */
  failNext: string | undefined;
}

const json = (body: unknown, status = 200) => Response.json(body, { status });

async function untar(bytes: Uint8Array): Promise<Map<string, Uint8Array> | string> {
  const files = new Map<string, Uint8Array>();
  const extract = tarStream.extract();
  let problem = "";
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Uint8Array[] = [];
      for await (const c of entry) chunks.push(c as Uint8Array);
      const h = entry.header;
      const path = h.name.startsWith("./")
        ? h.name.slice(1)
        : h.name.startsWith("/")
        ? h.name
        : `/${h.name}`;
      if (h.type === "directory") continue;
      if (h.type !== "file") problem ||= `invalidEntryType ${path}`;
      if (path.split("/").some((s) => s === "..")) problem ||= `invalidPath ${path}`;
      files.set(path, new Uint8Array(Buffer.concat(chunks)));
    }
  })();
  extract.end(bytes);
  await done;
  return problem || files;
}

/**
 * Starts the fake JSR API.
 *
 * @returns the instance; dispose it to stop the server
 */
export function startFakeJsr(): FakeJsr {
  const ac = new AbortController();
  const state = {
    token: crypto.randomUUID(),
    packages: new Set<string>(),
    published: new Map<string, Map<string, Uint8Array>>(),
    requests: [] as SeenRequest[],
    failNext: undefined as string | undefined,
  };
  const tasks = new Map<
    string,
    { polls: number; outcome: { code: string; message: string } | null; base: object }
  >();
  const task = (id: string) => {
    const t = tasks.get(id)!;
    const status = t.polls === 0
      ? "pending"
      : t.polls === 1
      ? "processing"
      : t.outcome
      ? "failure"
      : "success";
    return { id, status, error: status === "failure" ? t.outcome : null, ...t.base };
  };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    async (req) => {
      const url = new URL(req.url);
      state.requests.push({
        method: req.method,
        path: url.pathname,
        query: url.search,
        authorization: req.headers.get("authorization"),
        contentEncoding: req.headers.get("content-encoding"),
      });
      const authed = req.headers.get("authorization") === `Bearer ${state.token}`;
      let m = /^\/api\/publish_status\/([0-9a-f-]+)$/.exec(url.pathname);
      if (m && req.method === "GET") {
        if (!tasks.has(m[1]!)) return json({ code: "publishNotFound", message: "no task" }, 404);
        const t = task(m[1]!);
        tasks.get(m[1]!)!.polls++;
        return json(t);
      }
      m = /^\/api\/scopes\/([a-z0-9-]+)\/packages\/([a-z0-9-]+)(?:\/versions\/([^/]+))?$/.exec(
        url.pathname,
      );
      if (m === null) return json({ code: "notFound", message: "not found" }, 404);
      const name = `@${m[1]}/${m[2]}`;
      const version = m[3] === undefined ? undefined : decodeURIComponent(m[3]);
      if (req.method === "GET" && version === undefined) {
        if (!authed) return json({ code: "missingAuthentication", message: "auth" }, 401);
        if (!state.packages.has(name)) {
          return json({ code: "packageNotFound", message: "The package was not found." }, 404);
        }
        return json({ scope: m[1], name: m[2] });
      }
      if (req.method === "GET" && version !== undefined) {
        return state.published.has(`${name}@${version}`)
          ? json({ scope: m[1], package: m[2], version })
          : json({ code: "packageVersionNotFound", message: "not found" }, 404);
      }
      if (req.method !== "POST" || version === undefined) {
        return json({ code: "notFound", message: "not found" }, 404);
      }
      if (!authed) return json({ code: "missingAuthentication", message: "auth" }, 401);
      const config = url.searchParams.get("config");
      if (config === null) {
        return json({ code: "malformedRequest", message: "Missing query parameter 'config'" }, 400);
      }
      if (req.headers.get("content-encoding") !== "gzip") {
        return json({ code: "missingGzipContentEncoding", message: "gzip" }, 400);
      }
      if (!state.packages.has(name)) {
        return json({ code: "packageNotFound", message: "not found" }, 404);
      }
      if (state.published.has(`${name}@${version}`)) {
        return json({ code: "duplicateVersionPublish", message: "already" }, 400);
      }
      const body = new Uint8Array(await req.arrayBuffer());
      const id = crypto.randomUUID();
      const base = {
        packageScope: m[1],
        packageName: m[2],
        packageVersion: version,
        createdAt: "2026-12-06T00:00:00Z",
        updatedAt: "2026-12-06T00:00:00Z",
      };
      let outcome: { code: string; message: string } | null = null;
      const files = await untar(gunzipSync(body)).catch((e) => `invalidTarball ${e}`);
      if (typeof files === "string") {
        outcome = { code: files.split(" ")[0]!, message: files };
      } else {
        const cfg = files.get(config);
        let doc: Record<string, unknown> = {};
        try {
          doc = JSON.parse(new TextDecoder().decode(cfg));
        } catch {
          outcome = { code: "missingConfigFile", message: `no config file ${config}` };
        }
        if (outcome === null && doc.name !== name) {
          outcome = { code: "configFileNameMismatch", message: `${doc.name} != ${name}` };
        } else if (outcome === null && doc.version !== undefined && doc.version !== version) {
          outcome = { code: "configFileVersionMismatch", message: `${doc.version}` };
        } else if (
          outcome === null &&
          (typeof doc.exports !== "object" || Object.keys(doc.exports ?? {}).length === 0) &&
          typeof doc.exports !== "string"
        ) {
          outcome = { code: "configFileExportsInvalid", message: "exports" };
        } else if (outcome === null && typeof doc.license !== "string") {
          outcome = { code: "missingLicense", message: "no license" };
        }
        if (state.failNext) {
          outcome = { code: state.failNext, message: `told to fail: ${state.failNext}` };
          state.failNext = undefined;
        }
        if (outcome === null) state.published.set(`${name}@${version}`, files);
      }
      tasks.set(id, { polls: 0, outcome, base });
      return json(task(id));
    },
  );
  const port = (server.addr as Deno.NetAddr).port;
  return {
    api: `http://127.0.0.1:${port}/api/`,
    get token() {
      return state.token;
    },
    packages: state.packages,
    published: state.published,
    requests: state.requests,
    get failNext() {
      return state.failNext;
    },
    set failNext(v: string | undefined) {
      state.failNext = v;
    },
    async [Symbol.asyncDispose]() {
      ac.abort();
      await server.finished;
    },
  };
}
