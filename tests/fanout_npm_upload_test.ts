/**
 * The npm uploader against verdaccio (a real npm registry, installed by `.ci/run` into
 * `.cache/verdaccio`, no uplinks) and against a small fake for the failure answers: publish, then
 * `npm install` from the registry and `node` importing the package; the same bytes again are
 * accepted, other bytes for the version are refused; no token, a 5xx, a stalled registry and an
 * endless answer end with their codes.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { packNpm } from "../src/fanout/npm.ts";
import { packJsr } from "../src/fanout/jsr.ts";
import { uploadJsr } from "../src/fanout/client/jsr.ts";
import { npmPublishDocument, uploadNpm } from "../src/fanout/client/npm.ts";
import { MochiError } from "../src/errors.ts";
import { have, run, startVerdaccio, tsFixturePackage } from "./fanout_js_fixture.ts";
import { guardedTest } from "./stray.ts";

function rejectsWith(code: string, re?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof MochiError, String(e));
    assert.equal(e.code, code, e.message);
    if (re) assert.match(`${e.message} ${e.hint ?? ""}`, re);
    return true;
  };
}

guardedTest(
  "npm uploader: publish to verdaccio, npm install from it, node imports it",
  async () => {
    const tmp = await Deno.makeTempDir({ prefix: "mochi-npm-upload-" });
    try {
      await using reg = await startVerdaccio(`${tmp}/verdaccio`);
      if (reg === undefined) {
        console.log(
          "skipped: verdaccio is not installed (.ci/run installs it into .cache/verdaccio)",
        );
        return;
      }
      console.log(`verdaccio started in ${reg.startupMs} ms`);
      const token = await reg.addUser("mochi", "mochi-test-password");
      const pkg = await tsFixturePackage("npm", "1.2.0");
      const artifacts = await packNpm(pkg);
      // No provenance attachment here: verdaccio 6 takes exactly one `_attachments` entry, so it
      // refuses what `npm publish --provenance` sends too (the fake below checks that shape).
      const to = { url: reg.url, token, timeoutMs: 30_000 };

      // No token: refused, with the variable to set.
      await assert.rejects(
        () => uploadNpm(pkg, artifacts, { ...to, token: undefined as unknown as string }),
        rejectsWith("FANOUT_E010", /MOCHI_NPM_TOKEN/),
      );

      const r = await uploadNpm(pkg, artifacts, to);
      assert.equal(r.status, 201);
      assert.equal(r.location, `${reg.url}@acme%2fgreet`);

      // The registry serves what npm would have published.
      const doc = await (await fetch(`${reg.url}@acme%2fgreet`)).json();
      assert.equal(doc["dist-tags"].latest, "1.2.0");
      assert.equal(doc.versions["1.2.0"].main, "./mod.js");
      const sent = npmPublishDocument(pkg, artifacts[0]!, reg.url).versions as Record<
        string,
        { dist: { integrity: string } }
      >;
      assert.equal(doc.versions["1.2.0"].dist.integrity, sent["1.2.0"]!.dist.integrity);

      // Same bytes again: accepted as already published.
      const again = await uploadNpm(pkg, artifacts, to);
      assert.equal(again.status, 200);

      // Other bytes for the same version: refused.
      const changed = await tsFixturePackage("npm", "1.2.0");
      changed.description = "Greets people differently";
      await assert.rejects(
        async () => uploadNpm(changed, await packNpm(changed), to),
        rejectsWith("FANOUT_E010", /other bytes|bump the version/),
      );

      if (!(await have("npm")) || !(await have("node"))) {
        console.log("skipped the install half: npm or node is not installed");
        return;
      }
      await Deno.mkdir(`${tmp}/app`);
      await Deno.writeTextFile(
        `${tmp}/app/package.json`,
        JSON.stringify({ name: "app", version: "0.0.0", private: true, type: "module" }),
      );
      const inst = await run(
        "npm",
        ["install", "--no-audit", "--no-fund", "@acme/greet@1.2.0"],
        `${tmp}/app`,
        {
          npm_config_cache: `${tmp}/npm-cache`,
          npm_config_registry: reg.url,
          npm_config_userconfig: `${tmp}/npmrc`,
          npm_config_update_notifier: "false",
        },
      );
      assert.equal(inst.code, 0, inst.stderr + inst.stdout);
      const node = await run("node", [
        "--input-type=module",
        "-e",
        'import { greet } from "@acme/greet"; console.log(greet("Grace"));',
      ], `${tmp}/app`);
      assert.equal(node.code, 0, node.stderr);
      assert.equal(node.stdout.trim(), "Hello, Grace!");
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
);

guardedTest("npm uploader: the request npm sends; 5xx, stall and endless answers", async () => {
  const pkg = await tsFixturePackage("npm");
  const artifacts = await packNpm(pkg);
  const bundleText = '{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}';
  artifacts.push({
    ...artifacts[0]!,
    fileName: `${artifacts[0]!.fileName}.sigstore.json`,
    bytes: new TextEncoder().encode(bundleText),
    mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
    role: "companion",
  });
  let mode: "ok" | "500" | "stall" | "endless" = "ok";
  let seen: {
    method: string;
    path: string;
    headers: Headers;
    // deno-lint-ignore no-explicit-any
    body: any;
  } | undefined;
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    async (req) => {
      const body = await req.text();
      seen = {
        method: req.method,
        path: new URL(req.url).pathname,
        headers: req.headers,
        body: JSON.parse(body),
      };
      if (mode === "500") return new Response('{"error":"down\\u001b[31m"}', { status: 503 });
      if (mode === "stall") await new Promise((r) => setTimeout(r, 2_000));
      if (mode === "endless") {
        let n = 0;
        return new Response(
          new ReadableStream({
            pull(c) {
              if (n++ > 2000) c.close();
              else c.enqueue(new Uint8Array(64 * 1024));
            },
          }),
          { status: 400 },
        );
      }
      return Response.json({ ok: "created" }, { status: 201 });
    },
  );
  const url = `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}/reg`;
  try {
    const r = await uploadNpm(pkg, artifacts, { url, token: "t0k", timeoutMs: 5_000 });
    assert.equal(r.status, 201);
    assert.equal(seen!.method, "PUT");
    assert.equal(seen!.path, "/reg/@acme%2fgreet");
    assert.equal(seen!.headers.get("authorization"), "Bearer t0k");
    assert.equal(seen!.headers.get("content-type"), "application/json");
    assert.equal(seen!.headers.get("npm-command"), "publish");
    const b = seen!.body;
    assert.equal(b._id, "@acme/greet");
    assert.deepEqual(b["dist-tags"], { next: "1.2.0-beta.1" }, "a pre-release is not latest");
    assert.equal(b.access, "public");
    const v = b.versions["1.2.0-beta.1"];
    assert.equal(v._id, "@acme/greet@1.2.0-beta.1");
    assert.match(v.dist.integrity, /^sha512-[A-Za-z0-9+/]{86}==$/);
    assert.match(v.dist.shasum, /^[0-9a-f]{40}$/);
    assert.equal(v.dist.tarball, `${url}/@acme/greet/-/@acme/greet-1.2.0-beta.1.tgz`);
    const att = b._attachments["@acme/greet-1.2.0-beta.1.tgz"];
    assert.equal(att.content_type, "application/octet-stream");
    assert.equal(att.length, artifacts[0]!.sizeBytes);
    assert.deepEqual(new Uint8Array(Buffer.from(att.data, "base64")), artifacts[0]!.bytes);

    // The provenance bundle rides along as `npm publish --provenance` attaches it.
    assert.deepEqual(b._attachments["@acme/greet-1.2.0-beta.1.sigstore"], {
      content_type: "application/vnd.dev.sigstore.bundle.v0.3+json",
      data: bundleText,
      length: bundleText.length,
    });

    mode = "500";
    await assert.rejects(
      () => uploadNpm(pkg, artifacts, { url, token: "t", timeoutMs: 5_000 }),
      (e: unknown) => {
        rejectsWith("FANOUT_E009", /503/)(e);
        assert.ok(!(e as Error).message.includes("\u001b"), "no raw escape from the registry");
        return true;
      },
    );
    mode = "stall";
    const t0 = performance.now();
    await assert.rejects(
      () => uploadNpm(pkg, artifacts, { url, token: "t", timeoutMs: 300 }),
      rejectsWith("FANOUT_E009", /did not answer within 300 ms/),
    );
    assert.ok(performance.now() - t0 < 1_900);
    mode = "endless";
    await assert.rejects(
      () => uploadNpm(pkg, artifacts, { url, token: "t", timeoutMs: 10_000 }),
      rejectsWith("FANOUT_E009", /more than 1048576 bytes/),
    );
  } finally {
    ac.abort();
    await server.finished;
  }
});

guardedTest(
  "npm and JSR uploaders: a token over plain http to a host that is not loopback is FANOUT_E012 before any request",
  async () => {
    const requests: string[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = (input: string | URL | Request, init?: RequestInit) => {
      requests.push(String(input instanceof Request ? input.url : input));
      return realFetch(input, init);
    };
    try {
      const npmPkg = await tsFixturePackage("npm", "1.2.3");
      const npmArtifacts = await packNpm(npmPkg);
      const jsrPkg = await tsFixturePackage("jsr", "1.2.3");
      const jsrArtifacts = await packJsr(jsrPkg);
      const to = { url: "http://uploads.invalid/", token: "secret", timeoutMs: 5_000 };
      await assert.rejects(
        () => uploadNpm(npmPkg, npmArtifacts, to),
        rejectsWith("FANOUT_E012", /plain http to "uploads\.invalid"/),
      );
      await assert.rejects(
        () => uploadJsr(jsrPkg, jsrArtifacts, { ...to, url: "http://uploads.invalid/api/" }),
        rejectsWith("FANOUT_E012", /plain http to "uploads\.invalid"/),
      );
      await assert.rejects(
        () => uploadNpm(npmPkg, npmArtifacts, { ...to, url: "http://user:pw@127.0.0.1:9/" }),
        rejectsWith("FANOUT_E012", /credentials/),
      );
      assert.deepEqual(requests, []);
    } finally {
      globalThis.fetch = realFetch;
    }
  },
);
