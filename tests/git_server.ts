/**
 * Test helpers for git sources: real repositories made with the `git` command in a temp
 * directory, and a loopback smart-HTTP server that runs `git http-backend` as a CGI program per
 * request (git's own server side; the git-http-backend manual's environment), on 127.0.0.1 port 0.
 *
 * @module
 */

/** Runs git with a fixed identity and dates; throws with its stderr on failure. */
export async function git(args: string[], cwd?: string): Promise<string> {
  const out = await new Deno.Command("git", {
    args: ["-c", "init.defaultBranch=main", "-c", "protocol.file.allow=always", ...args],
    ...(cwd ? { cwd } : {}),
    env: {
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@example.invalid",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@example.invalid",
      GIT_AUTHOR_DATE: "2026-01-01T00:00:00Z",
      GIT_COMMITTER_DATE: "2026-01-01T00:00:00Z",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  if (!out.success) throw new Error(`git ${args.join(" ")}: ${dec.decode(out.stderr)}`);
  return dec.decode(out.stdout).trim();
}

/**
 * Makes a Mochi package repository: a work tree at `<dir>/work` with `mochi.toml` and
 * `src/lib.mochi`, committed on `main`, and a bare clone at `<dir>/<name>.git` to serve.
 *
 * @returns the bare repository path and a function committing a new version and pushing it
 */
export async function makePackageRepo(
  dir: string,
  name: string,
  version: string,
  deps: Record<string, string> = {},
): Promise<{ bare: string; commit: string; push(version: string, tag?: string): Promise<string> }> {
  const work = `${dir}/${name}-work`;
  const bare = `${dir}/${name}.git`;
  await Deno.mkdir(`${work}/src`, { recursive: true });
  const write = async (v: string) => {
    await Deno.writeTextFile(
      `${work}/mochi.toml`,
      `[package]\nname = "${name}"\nversion = "${v}"\nedition = "2026"\nmochi = ">=0.7"\n\n` +
        `[dependencies]\n${Object.entries(deps).map(([n, r]) => `${n} = "${r}"\n`).join("")}`,
    );
    await Deno.writeTextFile(`${work}/src/lib.mochi`, `// ${name} ${v}\nlet version = "${v}"\n`);
  };
  await write(version);
  await git(["init", "-q", work]);
  await git(["add", "-A"], work);
  await git(["commit", "-q", "-m", version], work);
  await git(["tag", `v${version}`], work);
  await git(["clone", "-q", "--bare", work, bare]);
  const commit = await git(["rev-parse", "HEAD"], work);
  return {
    bare,
    commit,
    async push(v: string, tag?: string) {
      await write(v);
      await git(["commit", "-q", "-am", v], work);
      if (tag) await git(["tag", tag], work);
      await git(["push", "-q", "--tags", bare, "main"], work);
      return await git(["rev-parse", "HEAD"], work);
    },
  };
}

/** A loopback `git http-backend` server. */
export interface GitHttpServer extends AsyncDisposable {
  /** Base URL (`http://127.0.0.1:<port>/`); a repository `<root>/x.git` is `<url>x.git`. */
  url: string;
  /** Requests served, by path and query. */
  requests: string[];
}

/**
 * Serves every repository under `root` over git's smart HTTP protocol.
 *
 * @param root directory holding bare repositories
 * @returns the server; dispose to stop it
 */
export function serveGitHttp(root: string): GitHttpServer {
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    requests.push(url.pathname + url.search);
    const child = new Deno.Command("git", {
      args: ["http-backend"],
      env: {
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: "1",
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method,
        CONTENT_TYPE: req.headers.get("content-type") ?? "",
        GIT_PROTOCOL: req.headers.get("git-protocol") ?? "",
        HTTP_CONTENT_ENCODING: req.headers.get("content-encoding") ?? "",
        REMOTE_ADDR: "127.0.0.1",
      },
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const body = new Uint8Array(await req.arrayBuffer());
    const w = child.stdin.getWriter();
    await w.write(body);
    await w.close();
    const out = (await child.output()).stdout;
    // CGI output: headers, a blank line, the body.
    let split = -1;
    for (let i = 0; i + 3 < out.length; i++) {
      if (out[i] === 13 && out[i + 1] === 10 && out[i + 2] === 13 && out[i + 3] === 10) {
        split = i;
        break;
      }
    }
    const head = new TextDecoder().decode(out.subarray(0, split));
    const headers = new Headers();
    let status = 200;
    for (const line of head.split("\r\n")) {
      const c = line.indexOf(":");
      if (c < 0) continue;
      const k = line.slice(0, c).trim();
      const v = line.slice(c + 1).trim();
      if (k.toLowerCase() === "status") status = Number(v.split(" ")[0]);
      else headers.append(k, v);
    }
    return new Response(out.slice(split + 4), { status, headers });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    requests,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}
