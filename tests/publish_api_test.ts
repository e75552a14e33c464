/**
 * The registry's publish API on a real loopback server, with bundles signed by `@sigstore/sign`
 * against a loopback fake Fulcio + Rekor: 201 / 200 idempotent / 409 other bytes / 422 every
 * manifest problem / 401 bad signature / 403 wrong publisher; yank and unyank.
 */
import assert from "node:assert/strict";
import { packPackage } from "../src/publish/client/pack.ts";
import { createPublishApi } from "../src/registry/server/publish_api.ts";
import { serveRegistry } from "../src/registry/server/registry_server.ts";
import {
  writeRegistrySnapshot,
  writeSnapshotKeyFile,
} from "../src/registry/server/registry_snapshot.ts";
import { signStatement } from "../src/publish/client/sign.ts";
import { parseIndexFile } from "../src/index/mod.ts";
import { provenanceStatement, yankStatement } from "../src/publish/mod.ts";
import { type FakeSigstore, startFakeSigstore, workflowSan } from "./fake_sigstore.ts";
import { snapshotTree } from "./helpers.ts";
import { guardedTest } from "./stray.ts";

function manifest(version: string, extra = ""): string {
  return `[package]
name = "@acme/strings"
version = "${version}"
edition = "2026"
mochi = ">=0.7"
description = "String helpers"
license = "MIT"
readme = "README.md"
repository = "https://github.com/acme/strings"
${extra}
[dependencies]
"@acme/core" = "^1.0"
`;
}

async function writePkg(
  dir: string,
  version: string,
  readme = "# strings\n",
  toml = manifest(version),
) {
  await Deno.mkdir(`${dir}/src`, { recursive: true });
  await Deno.writeTextFile(`${dir}/mochi.toml`, toml);
  await Deno.writeTextFile(`${dir}/README.md`, readme);
  await Deno.writeTextFile(`${dir}/src/lib.mochi`, "fun f(): int { return 1 }\n");
}

interface Signed {
  tarball: Uint8Array;
  bundle: string;
  blake3: string;
  sha256: string;
}

async function packAndSign(
  fake: FakeSigstore,
  dir: string,
  san: string,
  skipPreflight = false,
): Promise<Signed> {
  const p = await packPackage({ projectDir: dir, skipPreflight });
  const statement = provenanceStatement({
    name: p.manifest.package.name,
    version: p.manifest.package.version,
    digest: p.digest,
    builderId: "https://github.com/actions/runner/github-hosted",
    repository: "https://github.com/acme/strings",
    commit: "0123456789abcdef0123456789abcdef01234567",
  });
  const bundle = await signStatement({
    statement,
    identityToken: fake.token(san),
    fulcioUrl: fake.url,
    rekorUrl: fake.url,
  });
  return { tarball: p.archive, bundle, blake3: p.digest.blake3, sha256: p.digest.sha256 };
}

async function post(url: string, parts: Record<string, Uint8Array | string>) {
  const form = new FormData();
  for (const [k, v] of Object.entries(parts)) {
    form.set(
      k,
      typeof v === "string"
        ? new Blob([v], { type: "application/json" })
        : new Blob([v as BlobPart]),
      k,
    );
  }
  const res = await fetch(url, { method: "POST", body: form });
  return { status: res.status, body: await res.json() as Record<string, unknown> };
}

guardedTest("publish API: 201, 200 idempotent, 409, 422, 401, 403; yank and unyank", async () => {
  const tmp = await Deno.makeTempDir();
  await using fake = await startFakeSigstore();
  const reg = `${tmp}/registry`;
  await Deno.mkdir(reg, { recursive: true });
  await Deno.writeTextFile(`${reg}/config.json`, JSON.stringify({ dl: "blobs/", api: null }));
  const server = serveRegistry(reg, {
    api: createPublishApi({ rootDir: reg, trustedRootJson: fake.trustedRootJson }),
  });
  const api = `${server.url}api/v1/packages`;
  const owner = workflowSan("acme/strings", "v1.0.0");
  try {
    // First publish registers the binding.
    await writePkg(`${tmp}/p1`, "1.0.0");
    const v1 = await packAndSign(fake, `${tmp}/p1`, owner);
    const r1 = await post(api, { tarball: v1.tarball, bundle: v1.bundle });
    assert.equal(r1.status, 201, JSON.stringify(r1.body));
    assert.equal(r1.body.status, "published");
    assert.deepEqual(await Deno.readFile(`${reg}/blobs/${v1.blake3}`), v1.tarball);
    assert.equal(await Deno.readTextFile(`${reg}/blobs/${v1.blake3}.sigstore`), v1.bundle);
    const indexText = await Deno.readTextFile(`${reg}/st/ri/acme/strings`);
    const [rec] = parseIndexFile("@acme/strings", indexText);
    assert.equal(rec!.blake3, v1.blake3);
    assert.equal(rec!.sha256, v1.sha256);
    assert.deepEqual(rec!.dependencies, { "@acme/core": "^1.0" });
    assert.equal(rec!.provenance?.san, owner);
    assert.equal(rec!.provenance?.sig, `blobs/${v1.blake3}.sigstore`);
    const binding = JSON.parse(
      await Deno.readTextFile(`${reg}/.publishers/st/ri/acme/strings.json`),
    );
    assert.equal(binding.issuer, "https://token.actions.githubusercontent.com");
    // The binding file is not served.
    const hidden = await fetch(`${server.url}.publishers/st/ri/acme/strings.json`);
    await hidden.body?.cancel();
    assert.notEqual(hidden.status, 200);

    // Same bytes again: 200, nothing changes.
    const before = await snapshotTree(reg);
    const r2 = await post(api, { tarball: v1.tarball, bundle: v1.bundle });
    assert.equal(r2.status, 200, JSON.stringify(r2.body));
    assert.equal(r2.body.status, "unchanged");
    assert.deepEqual(await snapshotTree(reg), before);

    // Same version, other bytes: 409.
    await writePkg(`${tmp}/p1b`, "1.0.0", "# strings, edited\n");
    const v1b = await packAndSign(fake, `${tmp}/p1b`, owner);
    const r3 = await post(api, { tarball: v1b.tarball, bundle: v1b.bundle });
    assert.equal(r3.status, 409, JSON.stringify(r3.body));
    assert.match(String(r3.body.reason), /already published with other bytes/);

    // The same workflow from a later tag may publish the next version.
    await writePkg(`${tmp}/p2`, "1.1.0");
    const v2 = await packAndSign(fake, `${tmp}/p2`, workflowSan("acme/strings", "v1.1.0"));
    assert.equal((await post(api, { tarball: v2.tarball, bundle: v2.bundle })).status, 201);

    // Another repository's workflow: 403, nothing written.
    await writePkg(`${tmp}/p3`, "1.2.0");
    const intruder = workflowSan("mallory/strings", "v1.2.0");
    const v3 = await packAndSign(fake, `${tmp}/p3`, intruder);
    const snap = await snapshotTree(reg);
    const r4 = await post(api, { tarball: v3.tarball, bundle: v3.bundle });
    assert.equal(r4.status, 403, JSON.stringify(r4.body));
    assert.match(String(r4.body.reason), /mallory\/strings.*does not match the bound identity/);
    assert.deepEqual(await snapshotTree(reg), snap);

    // No bundle, a bundle for other bytes, a flipped byte in the bundle: 401.
    const r5 = await post(api, { tarball: v3.tarball });
    assert.equal(r5.status, 401);
    const v4 = await packAndSign(fake, `${tmp}/p3`, owner);
    const r6 = await post(api, { tarball: v3.tarball, bundle: v1.bundle });
    assert.equal(r6.status, 401);
    assert.match(String(r6.body.reason), /SIG_E003/);
    const b = JSON.parse(v4.bundle);
    const sig = b.dsseEnvelope.signatures[0].sig as string;
    b.dsseEnvelope.signatures[0].sig = sig.slice(0, 5) + (sig[5] === "A" ? "B" : "A") +
      sig.slice(6);
    const r7 = await post(api, { tarball: v4.tarball, bundle: JSON.stringify(b) });
    assert.equal(r7.status, 401, JSON.stringify(r7.body));
    assert.match(String(r7.body.reason), /SIG_E004/);
    assert.deepEqual(await snapshotTree(reg), snap);

    // An invalid manifest: 422 with every problem.
    await writePkg(
      `${tmp}/p5`,
      "2.0.0",
      "# x\n",
      `[package]\nname = "@acme/strings"\nversion = "2.0.0"\nedition = "2026"\nmochi = ">=0.7"\nlicense = "Nope"\n`,
    );
    const v5 = await packAndSign(fake, `${tmp}/p5`, owner, true);
    const r8 = await post(api, { tarball: v5.tarball, bundle: v5.bundle });
    assert.equal(r8.status, 422, JSON.stringify(r8.body));
    assert.deepEqual(r8.body.problems, [
      '[package] description is missing: add description = "what the package does"',
      '[package] license "Nope" is not a valid SPDX expression (see https://spdx.org/licenses/)',
      '[package] readme is missing: add readme = "README.md"',
      '[package] repository is missing: add repository = "https://github.com/<owner>/<repo>"',
    ]);

    // A new name that collides with a published one after normalisation: 422.
    await writePkg(
      `${tmp}/p6`,
      "1.0.0",
      "# x\n",
      manifest("1.0.0").replace('name = "@acme/strings"', 'name = "@acme/str_ings"'),
    );
    await writePkg(
      `${tmp}/p7`,
      "1.0.0",
      "# y\n",
      manifest("1.0.0").replace('name = "@acme/strings"', 'name = "@acme/str-ings"'),
    );
    const v6 = await packAndSign(fake, `${tmp}/p6`, owner);
    assert.equal((await post(api, { tarball: v6.tarball, bundle: v6.bundle })).status, 201);
    const v7 = await packAndSign(fake, `${tmp}/p7`, owner);
    const r9 = await post(api, { tarball: v7.tarball, bundle: v7.bundle });
    assert.equal(r9.status, 422, JSON.stringify(r9.body));
    assert.match(
      String((r9.body.problems as string[])[0]),
      /"@acme\/str-ings" is the same name as "@acme\/str_ings" after normalisation/,
    );

    // A patch release that adds a capability: 422 naming it (CAP_E002, capability monotonicity).
    await writePkg(
      `${tmp}/p8`,
      "1.1.1",
      "# strings\n",
      manifest("1.1.1", '[capabilities]\nrequired = ["net.dial"]\n'),
    );
    const v8 = await packAndSign(fake, `${tmp}/p8`, workflowSan("acme/strings", "v1.1.1"));
    const r10 = await post(api, { tarball: v8.tarball, bundle: v8.bundle });
    assert.equal(r10.status, 422, JSON.stringify(r10.body));
    assert.match(String((r10.body.problems as string[])[0]), /net\.dial/);
    await writePkg(
      `${tmp}/p9`,
      "1.2.0",
      "# strings\n",
      manifest("1.2.0", '[capabilities]\nrequired = ["net.dial"]\n'),
    );
    const v9 = await packAndSign(fake, `${tmp}/p9`, workflowSan("acme/strings", "v1.2.0"));
    assert.equal((await post(api, { tarball: v9.tarball, bundle: v9.bundle })).status, 201);

    // Yank and unyank, signed by the publisher; refused for someone else.
    const yankUrl = `${server.url}api/v1/packages/@acme/strings/1.0.0/yank`;
    const signYank = (san: string, action: "yank" | "unyank") =>
      signStatement({
        statement: yankStatement("@acme/strings", "1.0.0", v1, action, "broken", new Date()),
        identityToken: fake.token(san),
        fulcioUrl: fake.url,
        rekorUrl: fake.url,
      });
    const y0 = await post(yankUrl, { bundle: await signYank(intruder, "yank") });
    assert.equal(y0.status, 403, JSON.stringify(y0.body));
    const y1 = await post(yankUrl, { bundle: await signYank(owner, "yank") });
    assert.equal(y1.status, 200, JSON.stringify(y1.body));
    let recs = parseIndexFile(
      "@acme/strings",
      await Deno.readTextFile(`${reg}/st/ri/acme/strings`),
    );
    assert.equal(recs[0]!.yanked, true);
    assert.equal(recs[0]!.yankReason, "broken");
    assert.equal(recs[1]!.yanked, false);
    // A yank statement cannot be used to unyank.
    const unyankUrl = yankUrl.replace(/yank$/, "unyank");
    const y2 = await post(unyankUrl, { bundle: await signYank(owner, "yank") });
    assert.equal(y2.status, 401);
    const y3 = await post(unyankUrl, { bundle: await signYank(owner, "unyank") });
    assert.equal(y3.status, 200, JSON.stringify(y3.body));
    recs = parseIndexFile("@acme/strings", await Deno.readTextFile(`${reg}/st/ri/acme/strings`));
    assert.equal(recs[0]!.yanked, false);
  } finally {
    await server.shutdown();
    await Deno.remove(tmp, { recursive: true });
  }
});

guardedTest("publish API: an upload over the size limit gets 413 before it is read", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const config = JSON.stringify({ dl: "blobs/", api: null });
    await Deno.writeTextFile(`${tmp}/config.json`, config);
    const handler = createPublishApi({ rootDir: tmp, maxUploadBytes: 1000 });
    const form = new FormData();
    form.set("tarball", new Blob([new Uint8Array(3 * 1024 * 1024)]), "t");
    form.set("bundle", new Blob(["{}"]), "b");
    const req = new Request("http://127.0.0.1/api/v1/packages", { method: "POST", body: form });
    const res = await handler(req);
    assert.equal(res.status, 413);
    await res.body?.cancel();
    const get = await handler(new Request("http://127.0.0.1/api/v1/packages"));
    assert.equal(get.status, 405);
    await get.body?.cancel();
    assert.deepEqual(await snapshotTree(tmp), [`config.json ${config.length}`]);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

guardedTest("publish API: a malformed trusted root fails at start (SIG_E002)", () => {
  assert.throws(
    () => createPublishApi({ rootDir: "/nonexistent", trustedRootJson: '{"mediaType": "x"}' }),
    (e: Error & { code?: string }) => e.code === "SIG_E002",
  );
});

guardedTest("publish API: snapshot.json is re-signed after every index change", async () => {
  const tmp = await Deno.makeTempDir();
  await using fake = await startFakeSigstore();
  const reg = `${tmp}/registry`;
  await Deno.mkdir(reg, { recursive: true });
  await Deno.writeTextFile(`${reg}/config.json`, JSON.stringify({ dl: "blobs/", api: null }));
  const keyFile = await writeSnapshotKeyFile(`${tmp}/snapshot.key`).then(() =>
    Deno.readTextFile(`${tmp}/snapshot.key`)
  );
  await writeRegistrySnapshot(reg, { privateKeyFile: keyFile });
  const server = serveRegistry(reg, {
    api: createPublishApi({
      rootDir: reg,
      trustedRootJson: fake.trustedRootJson,
      afterIndexWrite: async () => {
        await writeRegistrySnapshot(reg, { privateKeyFile: keyFile });
      },
    }),
  });
  try {
    const snapshot = async () =>
      JSON.parse(await Deno.readTextFile(`${reg}/snapshot.json`)) as {
        signed: { version: number; files: Record<string, unknown> };
      };
    assert.equal((await snapshot()).signed.version, 1);
    await writePkg(`${tmp}/p1`, "1.0.0");
    const v1 = await packAndSign(fake, `${tmp}/p1`, workflowSan("acme/strings", "v1.0.0"));
    const r1 = await post(`${server.url}api/v1/packages`, {
      tarball: v1.tarball,
      bundle: v1.bundle,
    });
    assert.equal(r1.status, 201, JSON.stringify(r1.body));
    const after = await snapshot();
    assert.equal(after.signed.version, 2);
    assert.ok(JSON.stringify(after.signed.files).includes("st/ri/acme/strings"));
  } finally {
    await server.shutdown();
    await Deno.remove(tmp, { recursive: true });
  }
});
