/**
 * Issue 19, "publish on shared storage": two real `mochi registry serve --allow-publish`
 * subprocesses on one S3 bucket (moto on loopback) take 200 concurrent signed publishes, half
 * of them racing on the same 20 versions with different bytes. Exactly one upload wins each
 * version, every index line's blob and bundle are in the bucket, and `snapshot.json` verifies
 * and lists every index file with its digest. Then the same with one server SIGKILLed mid-way
 * (its failed uploads retried on the other server, as a client would).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { packPackage } from "../src/publish/client/pack.ts";
import { signStatement } from "../src/publish/client/sign.ts";
import { provenanceStatement } from "../src/publish/mod.ts";
import { parseIndexFile, parseSnapshot, verifySnapshotSignature } from "../src/index/mod.ts";
import { openStorage } from "../src/registry/server/storage.ts";
import type { RegistryStorage } from "../src/registry/server/storage_types.ts";
import {
  writeRegistrySnapshot,
  writeSnapshotKeyFile,
} from "../src/registry/server/registry_snapshot.ts";
import { type FakeSigstore, startFakeSigstore, workflowSan } from "./fake_sigstore.ts";
import { ROOT } from "./helpers.ts";
import { s3ServerMissing, startS3Server } from "./s3_server.ts";

const NAMES = [
  "alpha",
  "bravo",
  "charlie",
  "delta",
  "echo",
  "foxtrot",
  "golf",
  "hotel",
  "india",
  "juliet",
]
  .map((n) => `@acme/${n}`);
const SAN = workflowSan("acme/monorepo", "v1.0.0");

interface Upload {
  name: string;
  version: string;
  tarball: Uint8Array;
  bundle: string;
  blake3: string;
  racing: boolean;
}

/** 100 uploads of distinct versions, 100 racing on 20 versions (5 byte variants each). */
async function makeUploads(fake: FakeSigstore, tmp: string): Promise<Upload[]> {
  const specs: { name: string; version: string; variant: number; racing: boolean }[] = [];
  for (let i = 0; i < 100; i++) {
    specs.push({
      name: NAMES[i % 10]!,
      version: `2.0.${Math.floor(i / 10)}`,
      variant: 0,
      racing: false,
    });
  }
  for (let v = 0; v < 20; v++) {
    for (let k = 0; k < 5; k++) {
      specs.push({ name: NAMES[v % 4]!, version: `1.0.${v}`, variant: k, racing: true });
    }
  }
  const out: Upload[] = new Array(specs.length);
  let next = 0;
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (next < specs.length) {
      const i = next++;
      const s = specs[i]!;
      const dir = `${tmp}/pkg${i}`;
      await Deno.mkdir(`${dir}/src`, { recursive: true });
      await Deno.writeTextFile(
        `${dir}/mochi.toml`,
        `[package]\nname = "${s.name}"\nversion = "${s.version}"\nedition = "2026"\nmochi = ">=0.7"\n` +
          `description = "Scale test"\nlicense = "MIT"\nreadme = "README.md"\n` +
          `repository = "https://github.com/acme/monorepo"\n`,
      );
      await Deno.writeTextFile(
        `${dir}/README.md`,
        `# ${s.name} ${s.version} variant ${s.variant}\n`,
      );
      await Deno.writeTextFile(`${dir}/src/lib.mochi`, `fun f(): int { return ${s.variant} }\n`);
      const p = await packPackage({ projectDir: dir });
      const bundle = await signStatement({
        statement: provenanceStatement({
          name: s.name,
          version: s.version,
          digest: p.digest,
          builderId: "https://github.com/actions/runner/github-hosted",
          repository: "https://github.com/acme/monorepo",
          commit: "0123456789abcdef0123456789abcdef01234567",
        }),
        identityToken: fake.token(SAN),
        fulcioUrl: fake.url,
        rekorUrl: fake.url,
      });
      out[i] = {
        name: s.name,
        version: s.version,
        tarball: p.archive,
        bundle,
        blake3: p.digest.blake3,
        racing: s.racing,
      };
    }
  }));
  return out;
}

interface Server {
  url: string;
  child: Deno.ChildProcess;
}

async function startServer(
  registry: string,
  env: Record<string, string>,
  args: string[],
): Promise<Server> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}/cli.ts`, "registry", "serve", registry, "--port", "0", ...args],
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
    const m = /at (http:\/\/\S+)/.exec(text);
    if (m !== null) {
      reader.releaseLock();
      return { url: m[1]!, child };
    }
  }
  throw new Error(`registry serve exited: ${text}${await new Response(child.stderr).text()}`);
}

async function stopServer(s: Server): Promise<void> {
  try {
    s.child.kill("SIGTERM");
  } catch {
    // already gone (SIGKILLed)
  }
  await s.child.status;
  await s.child.stdout.cancel().catch(() => {});
  await s.child.stderr.cancel().catch(() => {});
}

/** Posts one upload; a status, or 0 when the connection failed (server killed). */
async function post(url: string, u: Upload): Promise<number> {
  const form = new FormData();
  form.set("tarball", new Blob([u.tarball as BlobPart]), "tarball");
  form.set("bundle", new Blob([u.bundle], { type: "application/json" }), "bundle");
  try {
    const res = await fetch(`${url}api/v1/packages`, { method: "POST", body: form });
    const body = await res.text();
    if (res.status >= 500) throw new Error(`${res.status} ${body}`);
    return res.status;
  } catch (e) {
    if (e instanceof TypeError) return 0;
    throw e;
  }
}

/** Every index line names a blob and bundle present; returns name@version → blake3. */
async function checkBucket(
  storage: RegistryStorage,
  publicKey: string,
): Promise<Map<string, string>> {
  const dec = new TextDecoder();
  const published = new Map<string, string>();
  const indexFiles = new Map<string, string>();
  for await (const o of storage.list("")) {
    const parts = o.key.split("/");
    if (parts.length !== 4 || parts[0] === "blobs") continue;
    const got = (await storage.get(o.key, 1 << 24))!;
    const name = `@${parts[2]}/${parts[3]}`;
    indexFiles.set(o.key, createHash("sha256").update(got.bytes).digest("hex"));
    for (const rec of parseIndexFile(name, dec.decode(got.bytes))) {
      const id = `${name}@${rec.version}`;
      assert.ok(!published.has(id), `${id} has two index lines`);
      published.set(id, rec.blake3);
      assert.ok(await storage.head(`blobs/${rec.blake3}`), `blob of ${id} missing`);
      assert.ok(await storage.head(`blobs/${rec.blake3}.sigstore`), `bundle of ${id} missing`);
    }
  }
  const snap = parseSnapshot(
    dec.decode((await storage.get("snapshot.json", 1 << 24))!.bytes),
    "snapshot.json",
  );
  await verifySnapshotSignature(snap, publicKey, "snapshot.json");
  assert.deepEqual(
    Object.keys(snap.signed.files).sort(),
    [...indexFiles.keys()].sort(),
    "the snapshot lists exactly the index files",
  );
  for (const [path, sha] of indexFiles) {
    assert.equal(snap.signed.files[path]!.sha256, sha, `snapshot digest of ${path}`);
  }
  return published;
}

async function setUp(
  server: { env: Record<string, string>; createBucket(n: string): Promise<void> },
  bucket: string,
  tmp: string,
) {
  await server.createBucket(bucket);
  const registry = `s3://${bucket}/registry`;
  const storage = await openStorage(registry, { env: server.env });
  await storage.put(
    "config.json",
    new TextEncoder().encode(JSON.stringify({ dl: "blobs/", api: null, "auth-required": false })),
  );
  const keyPath = `${tmp}/${bucket}.key`;
  const publicKey = await writeSnapshotKeyFile(keyPath);
  await writeRegistrySnapshot(storage, { privateKeyFile: await Deno.readTextFile(keyPath) });
  return { registry, storage, keyPath, publicKey };
}

Deno.test({
  name: "two registry servers on one S3 bucket: 200 concurrent publishes, one winner per version",
  ignore: s3ServerMissing() !== undefined,
  sanitizeResources: false,
  async fn() {
    const tmp = await Deno.makeTempDir();
    await using s3 = await startS3Server();
    await using fake = await startFakeSigstore();
    try {
      await Deno.writeTextFile(`${tmp}/root.json`, fake.trustedRootJson);

      const uploads = await makeUploads(fake, tmp);
      const { registry, storage, keyPath, publicKey } = await setUp(s3, "scale", tmp);
      const args = [
        "--allow-publish",
        "--trusted-root",
        `${tmp}/root.json`,
        "--snapshot-key",
        keyPath,
      ];
      const servers = await Promise.all([
        startServer(registry, s3.env, args),
        startServer(registry, s3.env, args),
      ]);
      try {
        const statuses = await Promise.all(
          uploads.map((u, i) => post(servers[i % 2]!.url, u)),
        );
        const published = await checkBucket(storage, publicKey);
        assert.equal(published.size, 120);
        for (let v = 0; v < 20; v++) {
          const racers = uploads.map((u, i) => ({ u, s: statuses[i]! })).filter((x) =>
            x.u.racing && x.u.version === `1.0.${v}`
          );
          const winners = racers.filter((x) => x.s === 201);
          assert.equal(winners.length, 1, `1.0.${v}: ${racers.map((x) => x.s)}`);
          assert.deepEqual(racers.map((x) => x.s).filter((s) => s !== 201), [409, 409, 409, 409]);
          assert.equal(published.get(`${winners[0]!.u.name}@1.0.${v}`), winners[0]!.u.blake3);
        }
        uploads.forEach((u, i) => {
          if (!u.racing) {
            assert.equal(statuses[i], 201, `${u.name}@${u.version}`);
            assert.equal(published.get(`${u.name}@${u.version}`), u.blake3);
          }
        });
      } finally {
        await Promise.all(servers.map(stopServer));
      }

      // Again on a fresh bucket, SIGKILLing one server after a quarter of the answers.
      const second = await setUp(s3, "scale-kill", tmp);
      const args2 = [
        "--allow-publish",
        "--trusted-root",
        `${tmp}/root.json`,
        "--snapshot-key",
        second.keyPath,
      ];
      const pair = await Promise.all([
        startServer(second.registry, s3.env, args2),
        startServer(second.registry, s3.env, args2),
      ]);
      try {
        let answered = 0;
        let killed = false;
        const statuses = await Promise.all(uploads.map(async (u, i) => {
          const s = await post(pair[i % 2]!.url, u);
          if (++answered === 50 && !killed) {
            killed = true;
            pair[0]!.child.kill("SIGKILL");
          }
          return s;
        }));
        assert.ok(killed);
        assert.ok(statuses.some((s) => s === 0), "some uploads to the killed server failed");
        // A client retries what failed on the surviving server.
        const retried = await Promise.all(
          uploads.map((u, i) =>
            statuses[i] === 0 ? post(pair[1]!.url, u) : Promise.resolve(statuses[i]!)
          ),
        );
        const published = await checkBucket(second.storage, second.publicKey);
        assert.equal(published.size, 120);
        for (let v = 0; v < 20; v++) {
          const racers = uploads.map((u, i) => ({ u, s: retried[i]! })).filter((x) =>
            x.u.racing && x.u.version === `1.0.${v}`
          );
          // A winner killed before it answered is seen as 200 (same bytes) on retry.
          const winners = racers.filter((x) => x.s === 201 || x.s === 200);
          assert.equal(winners.length, 1, `1.0.${v}: ${racers.map((x) => x.s)}`);
          assert.equal(published.get(`${winners[0]!.u.name}@1.0.${v}`), winners[0]!.u.blake3);
        }
        uploads.forEach((u, i) => {
          if (!u.racing) {
            assert.ok([200, 201].includes(retried[i]!), `${u.name}@${u.version}: ${retried[i]}`);
            assert.equal(published.get(`${u.name}@${u.version}`), u.blake3);
          }
        });
      } finally {
        await Promise.all(pair.map(stopServer));
      }
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
