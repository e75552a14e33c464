import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { blake2b } from "hash-wasm";
import { MochiError } from "../../errors.ts";
import { packPypi } from "../pypi.ts";
import { makeArtifact } from "../archive.ts";
import type { Artifact, FanoutPackage } from "../types.ts";
import { uploadPypi } from "./pypi.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function pkg(): FanoutPackage {
  return {
    ecosystem: "pypi",
    name: "Mochi_Greet",
    version: "1.2.0b2",
    mochi: { name: "@mochi/greet", version: "1.2.0-beta.2" },
    description: "Greets people",
    license: "MIT",
    authors: ["Ada Lovelace <ada@example.org>"],
    repository: "https://example.org/mochi/greet",
    keywords: ["greeting", "demo"],
    readme: { path: "README.md", bytes: enc.encode("# greet\n") },
    dependencies: [
      { name: "idna", range: ">=3.4,<4", kind: "normal" },
      { name: "attrs", range: ">=23", kind: "normal" },
      { name: "pytest", range: ">=7", kind: "dev" },
    ],
    files: [{ path: "mochi_greet/__init__.py", bytes: enc.encode("x = 1\n"), executable: false }],
    capabilities: [],
    extra: { classifiers: ["Programming Language :: Python :: 3", "Typing :: Typed"] },
  };
}

interface Seen {
  auth: string | null;
  contentType: string | null;
  fields: [string, string][];
  file: { name: string; type: string; bytes: Uint8Array };
}

/** A fake legacy upload endpoint: answers from `script` in turn (then 200), records each form. */
function fakeIndex(script: ((req: Request) => Response | Promise<Response>)[] = []) {
  const seen: Seen[] = [];
  let n = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const step = script[n++];
    if (step !== undefined) return await step(req);
    const form = await req.formData();
    const fields: [string, string][] = [];
    let file: Seen["file"] | undefined;
    for (const [k, v] of form) {
      if (typeof v === "string") fields.push([k, v]);
      else file = { name: v.name, type: v.type, bytes: new Uint8Array(await v.arrayBuffer()) };
    }
    seen.push({
      auth: req.headers.get("authorization"),
      contentType: req.headers.get("content-type"),
      fields,
      file: file!,
    });
    return new Response("OK", { status: 200 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/legacy/`,
    seen,
    count: () => n,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

Deno.test("pypi upload: twine's multipart fields, digests recomputed, Basic __token__", async () => {
  await using idx = fakeIndex();
  const p = pkg();
  const artifacts = await packPypi(p);
  const r = await uploadPypi(p, artifacts, { url: idx.url, token: "pypi-SECRET", timeoutMs: 5000 });
  assert.deepEqual(r, {
    ecosystem: "pypi",
    name: "Mochi_Greet",
    version: "1.2.0b2",
    location: idx.url,
    status: 200,
  });
  assert.equal(idx.seen.length, 2);
  for (const [i, s] of idx.seen.entries()) {
    const a = artifacts[i]!;
    assert.equal(s.auth, `Basic ${btoa("__token__:pypi-SECRET")}`);
    assert.match(s.contentType!, /^multipart\/form-data; boundary=/);
    assert.equal(s.file.name, a.fileName);
    assert.equal(s.file.type, "application/octet-stream");
    assert.deepEqual(s.file.bytes, a.bytes);
    const one = (k: string) => {
      const v = s.fields.filter(([f]) => f === k).map(([, x]) => x);
      assert.equal(v.length, 1, k);
      return v[0];
    };
    const all = (k: string) => s.fields.filter(([f]) => f === k).map(([, x]) => x);
    assert.equal(one(":action"), "file_upload");
    assert.equal(one("protocol_version"), "1");
    assert.equal(one("metadata_version"), "2.4");
    assert.equal(one("name"), "Mochi-Greet");
    assert.equal(one("version"), "1.2.0b2");
    assert.equal(one("summary"), "Greets people");
    assert.equal(one("description"), "# greet\n");
    assert.equal(one("description_content_type"), "text/markdown; charset=UTF-8");
    assert.equal(one("keywords"), "greeting, demo");
    assert.equal(one("author_email"), "Ada Lovelace <ada@example.org>");
    assert.equal(one("license_expression"), "MIT");
    assert.deepEqual(all("classifiers"), [
      "Programming Language :: Python :: 3",
      "Typing :: Typed",
    ]);
    assert.deepEqual(all("requires_dist"), [
      "idna>=3.4,<4",
      "attrs>=23",
      'pytest>=7; extra == "dev"',
    ]);
    assert.deepEqual(all("provides_extra"), ["dev"]);
    assert.deepEqual(all("project_urls"), ["Repository, https://example.org/mochi/greet"]);
    assert.equal(one("sha256_digest"), createHash("sha256").update(s.file.bytes).digest("hex"));
    assert.equal(one("blake2_256_digest"), await blake2b(s.file.bytes, 256));
    assert.equal(one("filetype"), i === 0 ? "bdist_wheel" : "sdist");
    assert.equal(one("pyversion"), i === 0 ? "py3" : "source");
    // The content part comes last, as twine appends it after the metadata.
  }
});

Deno.test("pypi upload: a 503 is retried; a 400 is a refusal naming the index's reason", async () => {
  {
    await using idx = fakeIndex([() => new Response("busy", { status: 503 })]);
    const p = pkg();
    const r = await uploadPypi(p, await packPypi(p), { url: idx.url, timeoutMs: 5000 });
    assert.equal(r.status, 200);
    assert.equal(idx.seen.length, 2);
    assert.equal(idx.count(), 3);
  }
  {
    await using idx = fakeIndex([
      async (req) => {
        await req.arrayBuffer();
        return new Response("\u001b[31mFile already exists\u001b[0m\n<b>see</b> docs", {
          status: 400,
        });
      },
    ]);
    const p = pkg();
    await assert.rejects(
      async () => uploadPypi(p, await packPypi(p), { url: idx.url, token: "t0k", timeoutMs: 5000 }),
      (e: unknown) => {
        assert.ok(e instanceof MochiError);
        assert.equal(e.code, "FANOUT_E010");
        assert.match(
          e.message,
          /refused mochi_greet-1\.2\.0b2-py3-none-any\.whl \(400\): File already exists see docs$/,
        );
        assert.ok(!e.message.includes("\u001b") && !e.message.includes("t0k"));
        assert.match(e.hint!, /already there/);
        return true;
      },
    );
  }
});

Deno.test("pypi upload: redirects are reported, not followed with the token", async () => {
  await using target = fakeIndex();
  await using idx = fakeIndex([
    async (req) => {
      await req.arrayBuffer();
      return new Response(null, { status: 301, headers: { location: target.url } });
    },
  ]);
  const p = pkg();
  await assert.rejects(
    async () => uploadPypi(p, await packPypi(p), { url: idx.url, token: "t", timeoutMs: 5000 }),
    (e: unknown) =>
      e instanceof MochiError && e.code === "FANOUT_E010" && /redirected/.test(e.message),
  );
  assert.equal(target.count(), 0);
});

Deno.test("pypi upload: a token is never sent over plain http off loopback; bad URLs refused", async () => {
  const p = pkg();
  const arts = await packPypi(p);
  let called = 0;
  const fetch = (() => {
    called++;
    return Promise.resolve(new Response("OK"));
  }) as typeof globalThis.fetch;
  for (
    const url of ["http://example.org/legacy/", "ftp://x/", "https://u:p@example.org/", "nope"]
  ) {
    await assert.rejects(
      () => uploadPypi(p, arts, { url, token: "t", timeoutMs: 1000, fetch }),
      (e: unknown) => e instanceof MochiError && e.code === "FANOUT_E010",
    );
  }
  assert.equal(called, 0);
  // https with an injected fetch goes through.
  const r = await uploadPypi(p, arts, {
    url: "https://example.org/legacy/",
    token: "t",
    timeoutMs: 1000,
    fetch,
  });
  assert.equal(r.status, 200);
  assert.equal(called, 2);
});

Deno.test("pypi upload: a stalled index times out (FANOUT_E009); tampered bytes are not sent", async () => {
  await using idx = fakeIndex([
    async (req) => {
      await req.arrayBuffer();
      await new Promise((r) => setTimeout(r, 1500));
      return new Response("late");
    },
  ]);
  const p = pkg();
  const arts = await packPypi(p);
  await assert.rejects(
    () => uploadPypi(p, arts, { url: idx.url, timeoutMs: 200 }),
    (e: unknown) =>
      e instanceof MochiError && e.code === "FANOUT_E009" && /timed out/.test(e.message),
  );
  const tampered = arts.map((a) => ({ ...a, bytes: a.bytes.slice() }));
  tampered[0]!.bytes[10] = tampered[0]!.bytes[10]! ^ 1;
  await assert.rejects(
    () => uploadPypi(p, tampered, { url: idx.url, timeoutMs: 2000 }),
    (e: unknown) => e instanceof MochiError && /no longer matches/.test(e.message),
  );
  await new Promise((r) => setTimeout(r, 1500));
});

function bundleFor(dist: Artifact, name = dist.fileName, sha256 = dist.sha256): Artifact {
  const statement = btoa(JSON.stringify({
    _type: "https://in-toto.io/Statement/v1",
    subject: [{ name, digest: { sha256, sha512: "00" } }],
    predicateType: "https://slsa.dev/provenance/v1",
    predicate: {},
  }));
  return makeArtifact(
    "pypi",
    `${dist.fileName}.sigstore.json`,
    enc.encode(JSON.stringify({
      mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
      verificationMaterial: {
        certificate: { rawBytes: "MIIBcert" },
        tlogEntries: [{ logIndex: "42", kindVersion: { kind: "intoto", version: "0.0.2" } }],
      },
      dsseEnvelope: {
        payload: statement,
        payloadType: "application/vnd.in-toto+json",
        signatures: [{ sig: "MEUCsig", keyid: "" }],
      },
    })),
    "application/json",
    "companion",
  );
}

Deno.test("pypi upload: a file's Sigstore bundle goes as its PEP 740 attestation, checked first", async () => {
  await using idx = fakeIndex();
  const p = pkg();
  const [wheel, sdist] = await packPypi(p);
  const bundle = bundleFor(wheel!);
  await uploadPypi(p, [wheel!, sdist!, bundle], { url: idx.url, timeoutMs: 5000 });
  const att = idx.seen[0]!.fields.filter(([k]) => k === "attestations");
  assert.equal(att.length, 1);
  const parsed = JSON.parse(att[0]![1]);
  const b = JSON.parse(dec.decode(bundle.bytes));
  assert.deepEqual(parsed, [{
    version: 1,
    verification_material: {
      certificate: "MIIBcert",
      transparency_entries: [b.verificationMaterial.tlogEntries[0]],
    },
    envelope: { statement: b.dsseEnvelope.payload, signature: "MEUCsig" },
  }]);
  // twine's order: sha256_digest, attestations, blake2_256_digest.
  const keys = idx.seen[0]!.fields.map(([k]) => k);
  assert.equal(keys.indexOf("attestations"), keys.indexOf("sha256_digest") + 1);
  assert.equal(idx.seen[1]!.fields.filter(([k]) => k === "attestations").length, 0);

  const before = idx.seen.length;
  for (
    const wrong of [bundleFor(wheel!, sdist!.fileName), bundleFor(wheel!, wheel!.fileName, "ab")]
  ) {
    await assert.rejects(
      () => uploadPypi(p, [wheel!, wrong], { url: idx.url, timeoutMs: 5000 }),
      (e: unknown) =>
        e instanceof MochiError && e.code === "FANOUT_E010" && /does not attest/.test(e.message),
    );
  }
  const broken = makeArtifact(
    "pypi",
    `${wheel!.fileName}.sigstore.json`,
    enc.encode("{}"),
    "application/json",
    "companion",
  );
  await assert.rejects(
    () => uploadPypi(p, [wheel!, broken], { url: idx.url, timeoutMs: 5000 }),
    (e: unknown) => e instanceof MochiError && /not a DSSE bundle/.test(e.message),
  );
  assert.equal(idx.seen.length, before);
});

Deno.test("pypi upload: a file name that would forge multipart headers is refused", async () => {
  await using idx = fakeIndex();
  const p = pkg();
  const [wheel] = await packPypi(p);
  const evil = {
    ...wheel!,
    fileName:
      'x.whl"\r\nContent-Disposition: form-data; name="name"\r\n\r\nevil-1.0-py3-none-any.whl',
  };
  await assert.rejects(
    () => uploadPypi(p, [evil], { url: idx.url, timeoutMs: 5000 }),
    (e: unknown) => e instanceof MochiError && /not a distribution file name/.test(e.message),
  );
  assert.equal(idx.count(), 0);
});
