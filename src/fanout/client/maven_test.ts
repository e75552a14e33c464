import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { MochiError } from "../../errors.ts";
import { makeArtifact } from "../archive.ts";
import { packMaven } from "../maven.ts";
import type { Artifact, FanoutPackage } from "../types.ts";
import { mergeMavenMetadata, uploadMaven } from "./maven.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function pkg(): FanoutPackage {
  return {
    ecosystem: "maven",
    name: "greet",
    group: "dev.mochi",
    version: "1.2.0",
    mochi: { name: "@mochi/greet", version: "1.2.0" },
    license: "MIT",
    authors: [],
    keywords: [],
    dependencies: [],
    files: [{
      path: "dev/mochi/greet/Greet.class",
      bytes: new Uint8Array([0xca, 0xfe]),
      executable: false,
    }],
    capabilities: [],
    extra: {},
  };
}

/** A repository that keeps what is PUT, refuses overwriting a release file (409) and honours
 * If-Match / If-None-Match on maven-metadata.xml; `race` makes the next metadata PUT lose. */
function fakeRepo(opts: { race?: number; auth?: string } = {}) {
  const files = new Map<string, Uint8Array>();
  const etags = new Map<string, string>();
  const log: string[] = [];
  let race = opts.race ?? 0;
  let version = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    const body = new Uint8Array(await req.arrayBuffer());
    log.push(`${req.method} ${path}`);
    if (opts.auth !== undefined && req.headers.get("authorization") !== opts.auth) {
      return new Response("who are you", { status: 401 });
    }
    if (req.method === "GET") {
      const f = files.get(path);
      return f === undefined
        ? new Response("no", { status: 404 })
        : new Response(f as Uint8Array<ArrayBuffer>, { headers: { etag: etags.get(path)! } });
    }
    if (req.method !== "PUT") return new Response("method", { status: 405 });
    const isMeta = path.includes("maven-metadata.xml");
    if (path.endsWith("maven-metadata.xml")) {
      if (race > 0) {
        race--;
        // Another deploy lands 0.9.0 first.
        const other = mergeMavenMetadata(
          files.get(path),
          "dev.mochi",
          "greet",
          "0.9.0",
          new Date(),
        );
        files.set(path, enc.encode(other));
        etags.set(path, `"v${++version}"`);
      }
      const im = req.headers.get("if-match");
      const inm = req.headers.get("if-none-match");
      if ((inm === "*" && files.has(path)) || (im !== null && im !== etags.get(path))) {
        return new Response("precondition", { status: 412 });
      }
      etags.set(path, `"v${++version}"`);
    } else if (!isMeta && files.has(path)) {
      return new Response("Repository does not allow updating assets: releases", { status: 409 });
    }
    files.set(path, body);
    return new Response(null, { status: 201 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/repository/releases/`,
    files,
    log,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

const P = "/repository/releases/dev/mochi/greet";

Deno.test("maven deploy: every file, checksum and .sigstore.json PUT in the layout, pom last, then metadata", async () => {
  await using repo = fakeRepo({ auth: "Bearer s3cret" });
  const p = pkg();
  const packed = await packMaven(p);
  const bundles: Artifact[] = packed.filter((a) => a.role === "primary").map((a) =>
    makeArtifact(
      "maven",
      `${a.fileName}.sigstore.json`,
      enc.encode(`{"for":"${a.fileName}"}`),
      "application/json",
      "companion",
    )
  );
  const all = [...packed, ...bundles];
  const r = await uploadMaven(p, all, { url: repo.url, token: "s3cret", timeoutMs: 5000 });
  assert.equal(r.location, `${repo.url}dev/mochi/greet/1.2.0/`);
  assert.equal(r.name, "dev.mochi:greet");
  for (const a of all) {
    assert.deepEqual(repo.files.get(`${P}/1.2.0/${a.fileName}`), a.bytes, a.fileName);
  }
  // Checksums on the server match the files beside them.
  for (const a of packed.filter((x) => x.role === "primary")) {
    for (const alg of ["md5", "sha1", "sha256", "sha512"]) {
      assert.equal(
        dec.decode(repo.files.get(`${P}/1.2.0/${a.fileName}.${alg}`)),
        createHash(alg).update(a.bytes).digest("hex"),
      );
    }
  }
  const puts = repo.log.filter((l) => l.startsWith("PUT ")).map((l) => l.slice(4));
  assert.equal(puts.length, all.length + 5);
  const firstPom = puts.findIndex((x) => x.includes("greet-1.2.0.pom"));
  assert.ok(puts.slice(firstPom, all.length).every((x) => x.includes("greet-1.2.0.pom")));
  assert.deepEqual(puts.slice(all.length), [
    `${P}/maven-metadata.xml`,
    `${P}/maven-metadata.xml.md5`,
    `${P}/maven-metadata.xml.sha1`,
    `${P}/maven-metadata.xml.sha256`,
    `${P}/maven-metadata.xml.sha512`,
  ]);
  const meta = dec.decode(repo.files.get(`${P}/maven-metadata.xml`));
  assert.match(meta, /<release>1\.2\.0<\/release>/);
  assert.match(meta, /<lastUpdated>\d{14}<\/lastUpdated>/);
  assert.equal(
    dec.decode(repo.files.get(`${P}/maven-metadata.xml.sha1`)),
    createHash("sha1").update(repo.files.get(`${P}/maven-metadata.xml`)!).digest("hex"),
  );
});

Deno.test("maven deploy: metadata merges a version deployed meanwhile (412 redone); redeploy refused", async () => {
  await using repo = fakeRepo({ race: 1 });
  const p = pkg();
  await uploadMaven(p, await packMaven(p), { url: repo.url, timeoutMs: 5000 });
  const meta = dec.decode(repo.files.get(`${P}/maven-metadata.xml`));
  assert.match(meta, /<version>0\.9\.0<\/version>\n\s+<version>1\.2\.0<\/version>/);
  assert.equal(repo.log.filter((l) => l === `PUT ${P}/maven-metadata.xml`).length, 2);
  await assert.rejects(
    async () => uploadMaven(p, await packMaven(p), { url: repo.url, timeoutMs: 5000 }),
    (e: unknown) => {
      assert.ok(e instanceof MochiError);
      assert.equal(e.code, "FANOUT_E010");
      assert.match(e.message, /\(409\): Repository does not allow updating assets/);
      assert.match(e.hint!, /already there/);
      return true;
    },
  );
});

Deno.test("maven deploy: wrong credentials, foreign file names and tampered bytes are refused", async () => {
  await using repo = fakeRepo({ auth: `Basic ${btoa("deployer:pw")}` });
  const p = pkg();
  const packed = await packMaven(p);
  await assert.rejects(
    () => uploadMaven(p, packed, { url: repo.url, token: "nope", timeoutMs: 5000 }),
    (e: unknown) =>
      e instanceof MochiError && e.code === "FANOUT_E010" && /401/.test(e.message) &&
      /token/.test(e.hint!),
  );
  const before = repo.log.length;
  for (
    const name of ["../../evil.jar", "other-1.2.0.jar", "greet-1.2.0/../x.jar", "greet-1.2.0.jar/x"]
  ) {
    const odd = makeArtifact(
      "maven",
      "placeholder",
      new Uint8Array([1]),
      "application/octet-stream",
    );
    odd.fileName = name;
    await assert.rejects(
      () =>
        uploadMaven(p, [...packed, odd], { url: repo.url, token: "deployer:pw", timeoutMs: 5000 }),
      (e: unknown) =>
        e instanceof MochiError && e.code === "FANOUT_E010" && /not a file of/.test(e.message),
      name,
    );
  }
  const tampered = packed.map((a) => ({ ...a }));
  tampered[5] = { ...tampered[5]!, bytes: new Uint8Array([0]) };
  await assert.rejects(
    () => uploadMaven(p, tampered, { url: repo.url, token: "deployer:pw", timeoutMs: 5000 }),
    (e: unknown) => e instanceof MochiError && /no longer matches/.test(e.message),
  );
  assert.equal(repo.log.length, before, "nothing was sent for refused inputs");
  const r = await uploadMaven(p, packed, { url: repo.url, token: "deployer:pw", timeoutMs: 5000 });
  assert.equal(r.status, 201);
});

Deno.test("maven metadata: versions kept, hostile entries dropped, other coordinates refused", () => {
  const t = new Date(Date.UTC(2026, 11, 6, 21, 0, 0));
  const xml = mergeMavenMetadata(
    enc.encode(
      "<metadata><groupId>dev.mochi</groupId><artifactId>greet</artifactId><versioning><versions>" +
        "<version>1.0.0</version><version>1.0.0</version><version>x</evil></version>" +
        "<version>2.0.0&lt;script</version></versions></versioning></metadata>",
    ),
    "dev.mochi",
    "greet",
    "1.1.0",
    t,
  );
  assert.equal(
    xml,
    '<?xml version="1.0" encoding="UTF-8"?>\n<metadata>\n  <groupId>dev.mochi</groupId>\n' +
      "  <artifactId>greet</artifactId>\n  <versioning>\n    <latest>1.1.0</latest>\n" +
      "    <release>1.1.0</release>\n    <versions>\n      <version>1.0.0</version>\n" +
      "      <version>1.1.0</version>\n    </versions>\n    <lastUpdated>20261206210000</lastUpdated>\n" +
      "  </versioning>\n</metadata>\n",
  );
  assert.throws(
    () =>
      mergeMavenMetadata(
        enc.encode("<metadata><groupId>org.evil</groupId></metadata>"),
        "dev.mochi",
        "greet",
        "1.0.0",
        t,
      ),
    /other coordinates/,
  );
});

Deno.test("maven deploy: an endless maven-metadata.xml answer is cut at the cap (FANOUT_E009)", async () => {
  let served = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    await req.arrayBuffer();
    if (req.method === "PUT") return new Response(null, { status: 201 });
    const chunk = new Uint8Array(64 * 1024).fill(0x41);
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        served += chunk.byteLength;
        if (served > 64 * 1024 * 1024) c.close(); // a bound for the test itself
        else c.enqueue(chunk);
      },
    });
    return new Response(body, { headers: { "content-type": "application/xml" } });
  });
  try {
    const p = pkg();
    await assert.rejects(
      async () =>
        uploadMaven(p, await packMaven(p), {
          url: `http://127.0.0.1:${server.addr.port}/r/`,
          timeoutMs: 10_000,
        }),
      (e: unknown) =>
        e instanceof MochiError && e.code === "FANOUT_E009" &&
        /larger than 1048576/.test(e.message),
    );
    assert.ok(served < 8 * 1024 * 1024, `read ${served} bytes`);
  } finally {
    await server.shutdown();
  }
});
