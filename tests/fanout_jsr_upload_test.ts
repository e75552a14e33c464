/**
 * The JSR uploader against a loopback JSR API (`tests/fake_jsr.ts`). Real `deno publish` runs
 * against the same fake first, so the uploader is held to what Deno's own client sends: the same
 * requests in the same order with the same headers, and the same files.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { gunzipSync } from "node:zlib";
import tarStream from "tar-stream";
import { packJsr } from "../src/fanout/jsr.ts";
import { uploadJsr } from "../src/fanout/client/jsr.ts";
import { MochiError } from "../src/errors.ts";
import { startFakeJsr } from "./fake_jsr.ts";
import { run, tsFixturePackage } from "./fanout_js_fixture.ts";
import { guardedTest } from "./stray.ts";

async function unpackTo(tgz: Uint8Array, dir: string) {
  const extract = tarStream.extract();
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Uint8Array[] = [];
      for await (const c of entry) chunks.push(c as Uint8Array);
      await Deno.writeFile(`${dir}/${entry.header.name}`, Buffer.concat(chunks));
    }
  })();
  extract.end(gunzipSync(tgz));
  await done;
}

function rejectsWith(code: string, re?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof MochiError, String(e));
    assert.equal(e.code, code, e.message);
    if (re) assert.match(`${e.message} ${e.hint ?? ""}`, re);
    return true;
  };
}

const shape = (r: { method: string; path: string; query: string; authorization: string | null }) =>
  `${r.method} ${r.path}${r.query} auth=${r.authorization !== null}`;

guardedTest(
  "JSR uploader: sends what deno publish sends; the fake sees the same files",
  async () => {
    const tmp = await Deno.makeTempDir({ prefix: "mochi-jsr-upload-" });
    try {
      const pkg = await tsFixturePackage("jsr", "1.2.0");
      const artifacts = await packJsr(pkg);

      // Deno's own client against fake A.
      await using a = startFakeJsr();
      a.packages.add("@acme/greet");
      await unpackTo(artifacts[0]!.bytes, tmp);
      const deno = await run(
        Deno.execPath(),
        ["publish", "--token", a.token, "--allow-dirty", "--no-provenance"],
        tmp,
        { JSR_API_URL: a.api, JSR_URL: a.api.replace(/api\/$/, ""), NO_COLOR: "1" },
      );
      assert.equal(deno.code, 0, deno.stderr + deno.stdout);
      assert.match(deno.stderr + deno.stdout, /Successfully published @acme\/greet@1\.2\.0/);

      // The uploader against fake B.
      await using b = startFakeJsr();
      b.packages.add("@acme/greet");
      const r = await uploadJsr(pkg, artifacts, { url: b.api, token: b.token, timeoutMs: 10_000 });
      assert.equal(r.status, 200);
      assert.equal(r.location, `${b.api}scopes/acme/packages/greet/versions/1.2.0`);

      // The same requests (status polls may differ in number), the same content encoding.
      const noPolls = (reqs: typeof a.requests) =>
        reqs.filter((x) => !x.path.includes("publish_status")).map(shape);
      assert.deepEqual(noPolls(b.requests), noPolls(a.requests));
      assert.deepEqual(noPolls(b.requests), [
        "GET /api/scopes/acme/packages/greet/versions/1.2.0 auth=false",
        "GET /api/scopes/acme/packages/greet auth=true",
        "POST /api/scopes/acme/packages/greet/versions/1.2.0?config=%2Fdeno.json auth=true",
      ]);
      assert.equal(b.requests.find((x) => x.method === "POST")!.contentEncoding, "gzip");
      assert.ok(b.requests.some((x) => x.path.startsWith("/api/publish_status/")));
      const filesA = a.published.get("@acme/greet@1.2.0")!;
      const filesB = b.published.get("@acme/greet@1.2.0")!;
      assert.deepEqual([...filesB.keys()].sort(), [...filesA.keys()].sort());
      for (const [p, bytes] of filesA) assert.deepEqual(filesB.get(p), bytes, p);

      // Published already: skipped, as deno publish skips it (no second POST).
      const posts = b.requests.filter((x) => x.method === "POST").length;
      const again = await uploadJsr(pkg, artifacts, {
        url: b.api,
        token: b.token,
        timeoutMs: 5_000,
      });
      assert.equal(again.status, 200);
      assert.equal(b.requests.filter((x) => x.method === "POST").length, posts);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
);

guardedTest("JSR uploader: no token, unknown package, failed task, no config", async () => {
  await using jsr = startFakeJsr();
  const pkg = await tsFixturePackage("jsr", "2.0.0");
  const artifacts = await packJsr(pkg);
  const to = { url: jsr.api, token: jsr.token, timeoutMs: 5_000 };
  await assert.rejects(
    () => uploadJsr(pkg, artifacts, { url: jsr.api, timeoutMs: 5_000 }),
    rejectsWith("FANOUT_E010", /MOCHI_JSR_TOKEN/),
  );
  await assert.rejects(
    () => uploadJsr(pkg, artifacts, to),
    rejectsWith("FANOUT_E010", /does not exist[\s\S]*create the package/),
  );
  jsr.packages.add("@acme/greet");
  await assert.rejects(
    () => uploadJsr(pkg, artifacts, { ...to, token: "wrong" }),
    rejectsWith("FANOUT_E010", /HTTP 401/),
  );
  jsr.failNext = "invalidLicense";
  await assert.rejects(
    () => uploadJsr(pkg, artifacts, to),
    rejectsWith("FANOUT_E010", /"invalidLicense"/),
  );
  // A package without a deno.json is published with config=/jsr.json.
  const plain = await tsFixturePackage("jsr", "2.0.1");
  plain.capabilities = [];
  const r = await uploadJsr(plain, await packJsr(plain), to);
  assert.equal(r.status, 200);
  assert.ok(jsr.requests.some((x) => x.query === "?config=%2Fjsr.json"));
  assert.ok(jsr.published.get("@acme/greet@2.0.1")!.has("/jsr.json"));
  // An unlicensed package fails in the registry's processing, named by its code.
  const unlicensed = await tsFixturePackage("jsr", "2.0.2");
  delete unlicensed.license;
  unlicensed.capabilities = [];
  await assert.rejects(
    async () => uploadJsr(unlicensed, await packJsr(unlicensed), to),
    rejectsWith("FANOUT_E010", /"missingLicense"/),
  );
});
