/**
 * Who may publish, against a real `mochi registry serve --allow-publish` subprocess and a
 * loopback fake Fulcio + Rekor (issue 11 item 4): a name already in the index without a binding
 * is not claimable; scopes are owned through their scope binding; a yank bundle cannot be
 * replayed; a stranger's decompression bomb is refused before it is unpacked, and an owner's is
 * read with bounded memory (peak RSS of the server process, measured).
 */
import assert from "node:assert/strict";
import { packPackage } from "../src/publish/client/pack.ts";
import { signStatement } from "../src/publish/client/sign.ts";
import { indexPath, parseIndexFile } from "../src/index/mod.ts";
import { provenanceStatement, yankStatement } from "../src/publish/mod.ts";
import { digestBytes } from "../src/store/mod.ts";
import { zeroFileBomb } from "../src/store/tar_builder_testing.ts";
import { spawnRegistryServer } from "../scripts/_serve.ts";
import { type FakeSigstore, startFakeSigstore, workflowSan } from "./fake_sigstore.ts";
import { snapshotTree, writeRegistry } from "./helpers.ts";
import { guardedTest } from "./stray.ts";
import { writeSignedRegistry } from "./signed_registry.ts";

function manifest(name: string, version: string): string {
  return `[package]
name = "${name}"
version = "${version}"
edition = "2026"
mochi = ">=0.7"
description = "String helpers"
license = "MIT"
readme = "README.md"
repository = "https://github.com/acme/strings"
`;
}

async function packAndSign(
  fake: FakeSigstore,
  dir: string,
  name: string,
  version: string,
  san: string,
): Promise<{ tarball: Uint8Array; bundle: string; blake3: string; sha256: string }> {
  await Deno.mkdir(`${dir}/src`, { recursive: true });
  await Deno.writeTextFile(`${dir}/mochi.toml`, manifest(name, version));
  await Deno.writeTextFile(`${dir}/README.md`, "# strings\n");
  await Deno.writeTextFile(`${dir}/src/lib.mochi`, `// ${name} ${version}\n`);
  const p = await packPackage({ projectDir: dir });
  return { tarball: p.archive, ...await sign(fake, name, version, p.digest, san) };
}

async function sign(
  fake: FakeSigstore,
  name: string,
  version: string,
  digest: { blake3: string; sha256: string },
  san: string,
): Promise<{ bundle: string; blake3: string; sha256: string }> {
  const statement = provenanceStatement({
    name,
    version,
    digest,
    builderId: "https://github.com/actions/runner/github-hosted",
  });
  const bundle = await signStatement({
    statement,
    identityToken: fake.token(san),
    fulcioUrl: fake.url,
    rekorUrl: fake.url,
  });
  return { bundle, ...digest };
}

async function post(url: string, parts: Record<string, Uint8Array | string>) {
  const form = new FormData();
  for (const [k, v] of Object.entries(parts)) {
    form.set(k, new Blob([typeof v === "string" ? v : v as BlobPart]), k);
  }
  const res = await fetch(url, { method: "POST", body: form });
  return { status: res.status, body: await res.json() as Record<string, unknown> };
}

/** A served registry with the publish API, and its process id (to read its peak memory). */
async function serve(reg: string, trustedRoot: string) {
  const r = await spawnRegistryServer(reg, 0, ["--allow-publish", "--trusted-root", trustedRoot]);
  if ("error" in r) throw new Error(r.error);
  return {
    url: r.url,
    api: `${r.url}api/v1/packages`,
    pid: r.child.pid,
    async [Symbol.asyncDispose]() {
      r.child.kill("SIGTERM");
      await r.child.status;
      await r.child.stdout.cancel().catch(() => {});
      await r.child.stderr.cancel().catch(() => {});
    },
  };
}

/** Peak resident set of a process so far (`VmHWM`), in MiB. */
async function peakMiB(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const kib = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
  return kib / 1024;
}

const OWNER = workflowSan("acme/strings", "v1.0.0");
const STRANGER = workflowSan("mallory/strings", "v9.0.0");

guardedTest(
  "publish ownership: a name in the index without a binding is not claimable",
  async () => {
    const tmp = await Deno.makeTempDir();
    await using fake = await startFakeSigstore();
    try {
      const reg = `${tmp}/registry`;
      await writeRegistry(reg, [{ name: "@acme/strings", version: "1.0.0" }]);
      await Deno.writeTextFile(`${tmp}/root.json`, fake.trustedRootJson);
      await using server = await serve(reg, `${tmp}/root.json`);
      const before = await snapshotTree(reg);

      // The first signer to upload a version of an existing, unbound name does not get it.
      const v2 = await packAndSign(fake, `${tmp}/p2`, "@acme/strings", "2.0.0", STRANGER);
      const r1 = await post(server.api, { tarball: v2.tarball, bundle: v2.bundle });
      assert.equal(r1.status, 403, JSON.stringify(r1.body));
      assert.match(
        String(r1.body.reason),
        /has versions in this registry but no publisher binding/,
      );
      // Nor a new name in the scope the unbound name lives in.
      const other = await packAndSign(fake, `${tmp}/p3`, "@acme/other", "1.0.0", STRANGER);
      const r2 = await post(server.api, { tarball: other.tarball, bundle: other.bundle });
      assert.equal(r2.status, 403, JSON.stringify(r2.body));
      assert.match(String(r2.body.reason), /scope @acme holds packages but has no scope binding/);
      assert.deepEqual(await snapshotTree(reg), before, "nothing written, no binding registered");

      // The operator binds the name: its publisher may publish, the stranger still may not.
      await Deno.mkdir(`${reg}/.publishers/st/ri/acme`, { recursive: true });
      await Deno.writeTextFile(
        `${reg}/.publishers/${indexPath("@acme/strings")}.json`,
        JSON.stringify({
          issuer: "https://token.actions.githubusercontent.com",
          subjectPattern:
            "^https://github\\.com/acme/strings/\\.github/workflows/release\\.yml(@refs/.+)?$",
        }),
      );
      assert.equal(
        (await post(server.api, { tarball: v2.tarball, bundle: v2.bundle })).status,
        403,
      );
      const mine = await packAndSign(fake, `${tmp}/p4`, "@acme/strings", "2.0.0", OWNER);
      const r3 = await post(server.api, { tarball: mine.tarball, bundle: mine.bundle });
      assert.equal(r3.status, 201, JSON.stringify(r3.body));
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
);

guardedTest("publish ownership: a scope belongs to its first publisher", async () => {
  const tmp = await Deno.makeTempDir();
  await using fake = await startFakeSigstore();
  try {
    const { reg, rootFile } = await writeSignedRegistry(tmp, fake);
    await using server = await serve(reg, rootFile);

    const first = await packAndSign(fake, `${tmp}/a`, "@acme/strings", "1.0.0", OWNER);
    assert.equal(
      (await post(server.api, { tarball: first.tarball, bundle: first.bundle })).status,
      201,
    );
    const scope = JSON.parse(await Deno.readTextFile(`${reg}/.publishers/@acme.json`));
    assert.equal(scope.subjectPattern, "^https:\\/\\/github\\.com\\/acme/.+$");

    // A stranger cannot add a new name to the scope…
    const squat = await packAndSign(fake, `${tmp}/b`, "@acme/core", "1.0.0", STRANGER);
    const r1 = await post(server.api, { tarball: squat.tarball, bundle: squat.bundle });
    assert.equal(r1.status, 403, JSON.stringify(r1.body));
    assert.match(String(r1.body.reason), /new name in scope @acme: signer .*mallory/);
    assert.equal(await Deno.stat(`${reg}/${indexPath("@acme/core")}`).catch(() => null), null);
    // …the scope's publisher can, and the stranger can take a name of their own.
    const core = await packAndSign(
      fake,
      `${tmp}/c`,
      "@acme/core",
      "1.0.0",
      workflowSan("acme/core", "v1.0.0"),
    );
    assert.equal(
      (await post(server.api, { tarball: core.tarball, bundle: core.bundle })).status,
      201,
    );
    const own = await packAndSign(fake, `${tmp}/d`, "@mallory/strings", "1.0.0", STRANGER);
    assert.equal(
      (await post(server.api, { tarball: own.tarball, bundle: own.bundle })).status,
      201,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

guardedTest("publish ownership: a yank bundle cannot be replayed after an unyank", async () => {
  const tmp = await Deno.makeTempDir();
  await using fake = await startFakeSigstore();
  try {
    const { reg, rootFile } = await writeSignedRegistry(tmp, fake);
    await using server = await serve(reg, rootFile);
    const v1 = await packAndSign(fake, `${tmp}/a`, "@acme/strings", "1.0.0", OWNER);
    assert.equal((await post(server.api, { tarball: v1.tarball, bundle: v1.bundle })).status, 201);
    const signed = (action: "yank" | "unyank") =>
      signStatement({
        statement: yankStatement("@acme/strings", "1.0.0", v1, action, "broken", new Date()),
        identityToken: fake.token(OWNER),
        fulcioUrl: fake.url,
        rekorUrl: fake.url,
      });
    const url = `${server.api}/@acme/strings/1.0.0`;
    const yank = await signed("yank");
    assert.equal((await post(`${url}/yank`, { bundle: yank })).status, 200);
    assert.equal((await post(`${url}/unyank`, { bundle: await signed("unyank") })).status, 200);
    const replay = await post(`${url}/yank`, { bundle: yank });
    assert.equal(replay.status, 401, JSON.stringify(replay.body));
    assert.match(String(replay.body.reason), /already used once/);
    const [rec] = parseIndexFile(
      "@acme/strings",
      await Deno.readTextFile(`${reg}/${indexPath("@acme/strings")}`),
    );
    assert.equal(rec!.yanked, false, "the replay did not re-yank the version");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

guardedTest(
  "publish ownership: a signed 16 KB zstd bomb is refused without unpacking (stranger) or unpacked with bounded memory (owner)",
  async () => {
    const tmp = await Deno.makeTempDir();
    await using fake = await startFakeSigstore();
    try {
      const { reg, rootFile } = await writeSignedRegistry(tmp, fake);
      await using server = await serve(reg, rootFile);
      const v1 = await packAndSign(fake, `${tmp}/a`, "@acme/strings", "1.0.0", OWNER);
      assert.equal(
        (await post(server.api, { tarball: v1.tarball, bundle: v1.bundle })).status,
        201,
      );
      // One file of 500 MiB of zeros: about 16 KB compressed, under the 512 MiB unpack cap.
      const bomb = zeroFileBomb(500 * 1024 * 1024);
      assert.ok(bomb.length < 17_000, `${bomb.length} bytes`);
      const digest = await digestBytes(bomb);
      const base = await peakMiB(server.pid);

      const stranger = await sign(fake, "@acme/strings", "6.6.6", digest, STRANGER);
      const r1 = await post(server.api, { tarball: bomb, bundle: stranger.bundle });
      assert.equal(r1.status, 403, JSON.stringify(r1.body));
      const afterStranger = await peakMiB(server.pid);

      const owner = await sign(fake, "@acme/strings", "6.6.6", digest, OWNER);
      const r2 = await post(server.api, { tarball: bomb, bundle: owner.bundle });
      assert.equal(r2.status, 422, JSON.stringify(r2.body));
      assert.match(String(r2.body.reason), /no mochi\.toml/);
      const afterOwner = await peakMiB(server.pid);
      console.log(
        `server peak RSS: ${base.toFixed(0)} MiB before, +${
          (afterStranger - base).toFixed(1)
        } MiB after a stranger's bomb, +${(afterOwner - base).toFixed(1)} MiB after the owner's`,
      );
      assert.ok(afterStranger - base < 32, `stranger's bomb: +${afterStranger - base} MiB`);
      assert.ok(afterOwner - base < 128, `owner's bomb: +${afterOwner - base} MiB`);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
);
