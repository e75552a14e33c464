/**
 * The native uploaders against conforming fake registries on 127.0.0.1 (port 0), each written
 * from its protocol's published description, not from the uploader: cargo's publish API (the
 * Cargo Book's registry web API: the u32-framed JSON and `.crate`), NuGet's v2 push (multipart
 * PUT, `X-NuGet-ApiKey`), Hex's API (`POST /packages/<name>/releases`, the tarball as the body)
 * and SE-0292's create-a-release (multipart PUT with `source-archive` and `metadata`). mochi's own
 * loopback registry (`src/registry/server/`) serves only mochi's publish API (`POST
 * /api/v1/packages`), so it cannot stand in for cargo's.
 */
import { assert, assertEquals, assertRejects } from "./assert.ts";
import { guardedTest } from "./stray.ts";
import { digest, fixturePackage, hasTool } from "./fanout_native_fixture.ts";
import { packCrates } from "../src/fanout/crates.ts";
import { packNuget } from "../src/fanout/nuget.ts";
import { packHex } from "../src/fanout/hex.ts";
import { packSwiftpm } from "../src/fanout/swiftpm.ts";
import { uploadCrates } from "../src/fanout/client/crates.ts";
import { uploadNuget } from "../src/fanout/client/nuget.ts";
import { uploadHex } from "../src/fanout/client/hex.ts";
import { uploadSwiftpm } from "../src/fanout/client/swiftpm.ts";
import { MochiError } from "../src/errors.ts";

/** A fake registry: the handler sees every request; `url` is its base. */
function serve(
  handler: (req: Request, body: Uint8Array) => Response | Promise<Response>,
): { url: string; seen: Request[]; [Symbol.asyncDispose](): Promise<void> } {
  const seen: Request[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      const body = new Uint8Array(await req.arrayBuffer());
      const bodyless = req.method === "GET" || req.method === "HEAD";
      const copy = () =>
        new Request(req.url, {
          method: req.method,
          headers: req.headers,
          ...(bodyless ? {} : { body }),
        });
      seen.push(copy());
      return await handler(copy(), body);
    },
  );
  const { port } = server.addr as Deno.NetAddr;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

guardedTest(
  "cargo publish API: framed JSON and .crate, token, errors body, duplicate",
  async () => {
    const pkg = await fixturePackage("crates", {
      dependencies: [{ name: "serde", range: "^1.0", kind: "normal" }],
      extra: { categories: ["text-processing"] },
    });
    const artifacts = await packCrates(pkg);
    const published = new Set<string>();
    await using reg = serve((req, body) => {
      if (req.method !== "PUT" || new URL(req.url).pathname !== "/api/v1/crates/new") {
        return json(404, { errors: [{ detail: "not found" }] });
      }
      if (req.headers.get("authorization") !== "cargo-token") {
        return json(403, { errors: [{ detail: "must be logged in" }] });
      }
      // The Cargo Book: u32 LE JSON length, JSON, u32 LE crate length, crate.
      const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
      const jsonLen = view.getUint32(0, true);
      const meta = JSON.parse(new TextDecoder().decode(body.subarray(4, 4 + jsonLen)));
      const crateLen = view.getUint32(4 + jsonLen, true);
      const crate = body.subarray(8 + jsonLen);
      assertEquals(crate.length, crateLen);
      assertEquals(digest("sha256", crate), artifacts[0]!.sha256);
      const key = `${meta.name}@${meta.vers}`;
      if (published.has(key)) {
        return json(200, {
          errors: [{ detail: `crate version \`${meta.vers}\` is already uploaded` }],
        });
      }
      published.add(key);
      assertEquals(meta.name, "mochi-greet");
      assertEquals(meta.deps, [{
        optional: false,
        default_features: true,
        name: "serde",
        features: [],
        version_req: "^1.0",
        target: null,
        kind: "normal",
        registry: null,
        explicit_name_in_toml: null,
      }]);
      assertEquals(meta.categories, ["text-processing"]);
      assertEquals(meta.license, "Apache-2.0 OR MIT");
      assertEquals(meta.readme_file, "README.md");
      assert(String(meta.readme).startsWith("# greet"));
      return json(200, { warnings: { invalid_categories: [], invalid_badges: [], other: [] } });
    });
    const to = { url: reg.url, token: "cargo-token", timeoutMs: 5000 };
    const receipt = await uploadCrates(pkg, artifacts, to);
    assertEquals(receipt.status, 200);
    assertEquals(receipt.location, `${reg.url}/api/v1/crates/mochi-greet/0.3.1`);
    const dup = await assertRejects(() => uploadCrates(pkg, artifacts, to), MochiError);
    assertEquals(dup.code, "FANOUT_E010");
    assert(dup.message.includes("is already uploaded"), dup.message);
    const bad = await assertRejects(
      () => uploadCrates(pkg, artifacts, { ...to, token: "wrong" }),
      MochiError,
    );
    assertEquals(bad.code, "FANOUT_E010");
    assert(bad.message.includes("HTTP 403") && bad.message.includes("must be logged in"));
    assert(bad.hint?.includes("MOCHI_CRATES_TOKEN"), bad.hint);
  },
);

guardedTest(
  "NuGet v2 push: multipart PUT with the .nupkg, API key header, 409 on a duplicate",
  async () => {
    const pkg = await fixturePackage("nuget");
    const artifacts = await packNuget(pkg);
    const pushed = new Set<string>();
    await using reg = serve(async (req) => {
      if (req.method !== "PUT" || new URL(req.url).pathname !== "/api/v2/package/") {
        return new Response("not found", { status: 404 });
      }
      if (req.headers.get("x-nuget-apikey") !== "nuget-key") {
        return new Response("The specified API key is invalid", { status: 403 });
      }
      assert(req.headers.get("content-type")!.startsWith("multipart/form-data; boundary="));
      const form = await req.formData();
      const file = form.get("package");
      assert(file instanceof File, "a file part named package");
      assertEquals(file.name, "package.nupkg");
      assertEquals(file.type, "application/octet-stream");
      const bytes = new Uint8Array(await file.arrayBuffer());
      const sha = digest("sha256", bytes);
      assertEquals(sha, artifacts[0]!.sha256);
      if (pushed.has(sha)) {
        return new Response("Conflict: the package already exists", { status: 409 });
      }
      pushed.add(sha);
      return new Response(null, { status: 201 });
    });
    // A bare host gets NuGet's /api/v2/package/ (PackageUpdateResource.GetServiceEndpointUrl).
    const to = { url: reg.url, token: "nuget-key", timeoutMs: 5000 };
    const receipt = await uploadNuget(pkg, artifacts, to);
    assertEquals(receipt.status, 201);
    assertEquals(receipt.location, `${reg.url}/api/v2/package/`);
    const dup = await assertRejects(() => uploadNuget(pkg, artifacts, to), MochiError);
    assertEquals(dup.code, "FANOUT_E010");
    assert(dup.message.includes("HTTP 409"), dup.message);
    assert(dup.hint?.includes("already published"), dup.hint);
    assertEquals(reg.seen.length, 2);
  },
);

guardedTest(
  "Hex API: POST the tarball to /packages/<name>/releases, 201 with the release",
  async () => {
    const pkg = await fixturePackage("hex");
    const artifacts = await packHex(pkg);
    await using reg = serve((req, body) => {
      const u = new URL(req.url);
      if (req.method !== "POST" || u.pathname !== "/api/packages/mochi_greet/releases") {
        return json(404, { status: 404, message: "not found" });
      }
      if (req.headers.get("authorization") !== "hex-key") {
        return json(401, { status: 401, message: "invalid API key" });
      }
      assertEquals(u.searchParams.get("replace"), "false");
      assertEquals(req.headers.get("content-type"), "application/octet-stream");
      assert(req.headers.get("user-agent") !== null, "Hex requires a User-Agent");
      assertEquals(digest("sha256", body), artifacts[0]!.sha256);
      if (body.length < 1024) {
        return json(422, { status: 422, message: "Validation error(s)", errors: { meta: "bad" } });
      }
      return json(201, {
        version: "0.3.1",
        checksum: digest("sha256", body),
        url: `${reg.url}/api/packages/mochi_greet/releases/0.3.1`,
      });
    });
    const to = { url: `${reg.url}/api`, token: "hex-key", timeoutMs: 5000 };
    const receipt = await uploadHex(pkg, artifacts, to);
    assertEquals(receipt, {
      ecosystem: "hex",
      name: "mochi_greet",
      version: "0.3.1",
      location: `${reg.url}/api/packages/mochi_greet/releases/0.3.1`,
      status: 201,
    });
    const bad = await assertRejects(
      () => uploadHex(pkg, artifacts, { ...to, token: "x" }),
      MochiError,
    );
    assertEquals(bad.code, "FANOUT_E010");
    assert(bad.message.includes("invalid API key"), bad.message);
  },
);

guardedTest(
  "SE-0292 publish: multipart PUT with source-archive and metadata; 201, 202, 409",
  async () => {
    const pkg = await fixturePackage("swiftpm");
    const artifacts = await packSwiftpm(pkg);
    const releases = new Set<string>();
    await using reg = serve(async (req) => {
      const u = new URL(req.url);
      const m = /^\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(u.pathname);
      if (req.method !== "PUT" || m === null) {
        return json(405, { detail: "publishing isn't supported" });
      }
      if (req.headers.get("authorization") !== "Bearer swift-token") {
        return json(401, { detail: "authentication required" });
      }
      assertEquals(req.headers.get("accept"), "application/vnd.swift.registry.v1+json");
      const form = await req.formData();
      const archive = form.get("source-archive");
      const metadata = form.get("metadata");
      assert(archive instanceof File && archive.type === "application/zip", "source-archive part");
      assertEquals(
        digest("sha256", new Uint8Array(await archive.arrayBuffer())),
        artifacts[0]!.sha256,
      );
      const meta = JSON.parse(
        metadata instanceof File ? await metadata.text() : String(metadata),
      );
      assertEquals(meta.repositoryURLs, ["https://example.com/mochi/greet"]);
      const id = `${m[1]}.${m[2]}@${m[3]}`.toLowerCase();
      if (releases.has(id)) {
        return json(409, { detail: `a release with version ${m[3]} already exists` });
      }
      releases.add(id);
      if (m[3] === "0.3.2") {
        return new Response(null, {
          status: 202,
          headers: { location: `${reg.url}/submissions/90D8CC77`, "retry-after": "120" },
        });
      }
      return new Response(null, {
        status: 201,
        headers: { location: `${reg.url}/${m[1]}/${m[2]}/${m[3]}`, "content-version": "1" },
      });
    });
    const to = { url: reg.url, token: "swift-token", timeoutMs: 5000 };
    const receipt = await uploadSwiftpm(pkg, artifacts, to);
    assertEquals(receipt.status, 201);
    assertEquals(receipt.location, `${reg.url}/mochi/greet/0.3.1`);
    assertEquals(new URL(reg.seen[0]!.url).pathname, "/mochi/greet/0.3.1");
    const dup = await assertRejects(() => uploadSwiftpm(pkg, artifacts, to), MochiError);
    assertEquals(dup.code, "FANOUT_E010");
    assert(dup.message.includes("already exists"), dup.message);
    const later = { ...pkg, version: "0.3.2" };
    const async = await uploadSwiftpm(later, await packSwiftpm(later), to);
    assertEquals(async.status, 202);
    assertEquals(async.location, `${reg.url}/submissions/90D8CC77`);
  },
);

guardedTest(
  "uploaders: unreachable, slow, 5xx, redirects, hostile answers, plain-http tokens",
  async () => {
    const pkg = await fixturePackage("hex");
    const artifacts = await packHex(pkg);
    // A port nothing listens on.
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const deadPort = (probe.addr as Deno.NetAddr).port;
    probe.close();
    const e1 = await assertRejects(
      () => uploadHex(pkg, artifacts, { url: `http://127.0.0.1:${deadPort}/api`, timeoutMs: 2000 }),
      MochiError,
    );
    assertEquals(e1.code, "FANOUT_E009");

    let mode = "slow";
    await using reg = serve(async () => {
      if (mode === "slow") {
        await new Promise((r) => setTimeout(r, 1500));
        return json(201, {});
      }
      if (mode === "500") return new Response("boom", { status: 503 });
      if (mode === "redirect") {
        return new Response(null, {
          status: 307,
          headers: { location: "http://example.invalid/x" },
        });
      }
      // A hostile answer: escape sequences and a huge body.
      return new Response(`\u001b[31mred\u001b[0m ${"x".repeat(1 << 20)}`, { status: 422 });
    });
    const to = { url: `${reg.url}/api`, token: "k", timeoutMs: 300 };
    const e2 = await assertRejects(() => uploadHex(pkg, artifacts, to), MochiError);
    assertEquals(e2.code, "FANOUT_E009");
    assert(e2.message.includes("did not answer within 300 ms"), e2.message);
    await new Promise((r) => setTimeout(r, 1300)); // let the slow answer finish before shutdown
    mode = "500";
    const e3 = await assertRejects(
      () => uploadHex(pkg, artifacts, { ...to, timeoutMs: 5000 }),
      MochiError,
    );
    assertEquals(e3.code, "FANOUT_E009");
    assert(e3.message.includes("HTTP 503"), e3.message);
    mode = "redirect";
    const e4 = await assertRejects(
      () => uploadHex(pkg, artifacts, { ...to, timeoutMs: 5000 }),
      MochiError,
    );
    assertEquals(e4.code, "FANOUT_E010");
    assertEquals(reg.seen.filter((r) => r.url.includes("example.invalid")).length, 0);
    mode = "hostile";
    const e5 = await assertRejects(
      () => uploadHex(pkg, artifacts, { ...to, timeoutMs: 5000 }),
      MochiError,
    );
    assertEquals(e5.code, "FANOUT_E010");
    assert(!e5.message.includes("\u001b"), "no escape sequence reaches the terminal");
    assert(e5.message.length < 1000, `message is capped (${e5.message.length})`);

    const e6 = await assertRejects(
      () =>
        uploadHex(pkg, artifacts, {
          url: "http://registry.example/api",
          token: "k",
          timeoutMs: 100,
        }),
      MochiError,
    );
    assertEquals(e6.code, "FANOUT_E012");
    const e7 = await assertRejects(
      () => uploadHex(pkg, artifacts, { url: "ftp://127.0.0.1/api", timeoutMs: 100 }),
      MochiError,
    );
    assertEquals(e7.code, "FANOUT_E012");
    const e8 = await assertRejects(
      () => uploadHex(pkg, artifacts, { url: "https://u:p@127.0.0.1/api", timeoutMs: 100 }),
      MochiError,
    );
    assertEquals(e8.code, "FANOUT_E012");
    const e9 = await assertRejects(
      () => uploadHex(pkg, [], { url: reg.url, timeoutMs: 100 }),
      MochiError,
    );
    assertEquals(e9.code, "FANOUT_E010");
  },
);

guardedTest({
  name: "cargo publish and uploadCrates send the same NewCrate JSON to a loopback sparse registry",
  ignore: !(await hasTool("cargo")),
  async fn() {
    const pkg = await fixturePackage("crates", {
      extra: {
        categories: ["text-processing"],
        "rust-version": "1.70",
        documentation: "https://example.com/docs",
      },
    });
    const artifacts = await packCrates(pkg);
    const sent: { who: string; json: unknown; headers: Headers }[] = [];
    let indexLine: string | null = null;
    let who = "cargo";
    await using reg = serve((req, body) => {
      const u = new URL(req.url);
      if (u.pathname === "/index/config.json") {
        return json(200, { dl: `${reg.url}/dl`, api: reg.url, "auth-required": false });
      }
      if (u.pathname.startsWith("/index/")) {
        // cargo waits until the new version is in the index before it says "Published".
        return indexLine !== null && u.pathname.endsWith("/mochi-greet")
          ? new Response(indexLine)
          : new Response("", { status: 404 });
      }
      if (req.method === "PUT" && u.pathname === "/api/v1/crates/new") {
        const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
        const n = view.getUint32(0, true);
        const meta = JSON.parse(new TextDecoder().decode(body.subarray(4, 4 + n)));
        const crate = body.subarray(8 + n);
        assertEquals(view.getUint32(4 + n, true), crate.length);
        sent.push({ who, json: meta, headers: req.headers });
        indexLine = JSON.stringify({
          name: meta.name,
          vers: meta.vers,
          deps: [],
          cksum: digest("sha256", crate),
          features: {},
          yanked: false,
        }) + "\n";
        return json(200, { warnings: { invalid_categories: [], invalid_badges: [], other: [] } });
      }
      return new Response("", { status: 404 });
    });
    const dir = await Deno.makeTempDir();
    try {
      // The author's crate: our Cargo.toml.orig as Cargo.toml, beside the packed sources.
      await Deno.writeFile(`${dir}/c.crate`, artifacts[0]!.bytes);
      const x = await new Deno.Command("tar", { args: ["xzf", `${dir}/c.crate`, "-C", dir] })
        .output();
      assert(x.success);
      const root = `${dir}/mochi-greet-0.3.1`;
      await Deno.rename(`${root}/Cargo.toml.orig`, `${root}/Cargo.toml`);
      await Deno.mkdir(`${root}/.cargo`);
      await Deno.writeTextFile(
        `${root}/.cargo/config.toml`,
        `[registries.fake]\nindex = "sparse+${reg.url}/index/"\n`,
      );
      const out = await new Deno.Command("cargo", {
        args: ["publish", "--registry", "fake", "--no-verify", "--allow-dirty"],
        cwd: root,
        env: {
          CARGO_REGISTRIES_FAKE_TOKEN: "cargo-token",
          CARGO_TARGET_DIR: `${dir}/target`,
          CARGO_HOME: `${dir}/cargo-home`,
          CARGO_TERM_COLOR: "never",
        },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert(out.success, new TextDecoder().decode(out.stderr));
      who = "mochi";
      indexLine = null;
      await uploadCrates(pkg, artifacts, { url: reg.url, token: "cargo-token", timeoutMs: 5000 });
      assertEquals(sent.map((s) => s.who), ["cargo", "mochi"]);
      assertEquals(sent[1]!.json, sent[0]!.json, "the same NewCrate JSON, field for field");
      assertEquals(
        Object.keys(sent[1]!.json as object),
        Object.keys(sent[0]!.json as object),
        "in cargo's field order",
      );
      for (const s of sent) assertEquals(s.headers.get("authorization"), "cargo-token");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
