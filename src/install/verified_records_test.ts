import { createHmac } from "node:crypto";
import assert from "node:assert/strict";
import { MochiError } from "../errors.ts";
import type { LockedPackage } from "../lockfile/mod.ts";
import { provenanceStatement } from "../publish/mod.ts";
import { signStatement } from "../publish/client/sign.ts";
import { FsStore } from "../store/fs/fs_store.ts";
import { acquireStoreLock } from "../store/fs/store_lock.ts";
import { FAKE_ISSUER, startFakeSigstore, workflowSan } from "../../tests/fake_sigstore.ts";
import {
  deferVerifiedRecords,
  loadSignatureVerifier,
  type VerifiedRecords,
  verifiedSignatureKey,
  verifyLockedPackageOnce,
} from "./signatures.ts";

const B3 = "b".repeat(64);
const SHA = "c".repeat(64);
const SAN = workflowSan("o/pkg");
const SIGNER = "https://github.com/o/pkg/.github/workflows/release.yml";

function locked(over: Partial<LockedPackage> = {}): LockedPackage {
  return {
    name: "pkg",
    version: "1.0.0",
    source: "registry+http://r/",
    blake3: B3,
    sha256: SHA,
    capabilities: [],
    dependencies: [],
    signer: SIGNER,
    signerIssuer: FAKE_ISSUER,
    ...over,
  };
}

/** Records in memory that count what is asked of them. */
function memoryRecords(): VerifiedRecords & { keys: Set<string>; writes: number } {
  const keys = new Set<string>();
  const r = {
    keys,
    writes: 0,
    hasVerified: (k: string) => Promise.resolve(keys.has(k)),
    putVerified: (k: string) => {
      r.writes++;
      keys.add(k);
      return Promise.resolve();
    },
  };
  return r;
}

Deno.test("verifiedSignatureKey changes with every input the verdict depends on", async () => {
  const base = await verifiedSignatureKey(locked(), "{bundle}", "{root}");
  assert.match(base, /^[0-9a-f]{64}$/);
  assert.equal(await verifiedSignatureKey(locked(), "{bundle}", "{root}"), base);
  const others = [
    await verifiedSignatureKey(locked(), "{bundle }", "{root}"),
    await verifiedSignatureKey(locked(), "{bundle}", "{root }"),
    await verifiedSignatureKey(locked(), "{bundle}", undefined),
    await verifiedSignatureKey(locked({ name: "pkh" }), "{bundle}", "{root}"),
    await verifiedSignatureKey(locked({ version: "1.0.1" }), "{bundle}", "{root}"),
    await verifiedSignatureKey(locked({ blake3: "d".repeat(64) }), "{bundle}", "{root}"),
    await verifiedSignatureKey(locked({ sha256: "d".repeat(64) }), "{bundle}", "{root}"),
    await verifiedSignatureKey(locked({ signer: `${SIGNER}x` }), "{bundle}", "{root}"),
    await verifiedSignatureKey(locked({ signerIssuer: "https://other" }), "{bundle}", "{root}"),
  ];
  assert.equal(new Set([base, ...others]).size, others.length + 1);
});

Deno.test("a bundle is verified once; a failed verification records nothing", async () => {
  await loadSignatureVerifier();
  await using fake = await startFakeSigstore();
  const statement = provenanceStatement({
    name: "pkg",
    version: "1.0.0",
    digest: { blake3: B3, sha256: SHA },
    builderId: "https://mochi-lang.org/pkg/test",
  });
  const bundle = await signStatement({
    statement,
    identityToken: fake.token(SAN),
    fulcioUrl: fake.url,
    rekorUrl: fake.url,
  });
  const root = fake.trustedRootJson;
  const records = memoryRecords();
  assert.equal(await verifyLockedPackageOnce(locked(), bundle, root, records), "verified");
  assert.equal(records.writes, 1);
  assert.equal(await verifyLockedPackageOnce(locked(), bundle, root, records), "recorded");
  assert.equal(records.writes, 1);

  // Another expected publisher, other blob digests or another root: verified again, and refused.
  const refused = (e: unknown) => e instanceof MochiError && /^SIG_E00[35]$/.test(e.code);
  await assert.rejects(
    verifyLockedPackageOnce(locked({ signer: "https://github.com/x/y" }), bundle, root, records),
    refused,
  );
  await assert.rejects(
    verifyLockedPackageOnce(locked({ sha256: "d".repeat(64) }), bundle, root, records),
    refused,
  );
  await using other = await startFakeSigstore();
  await assert.rejects(
    verifyLockedPackageOnce(locked(), bundle, other.trustedRootJson, records),
    (e: unknown) => e instanceof MochiError && e.code.startsWith("SIG_E"),
  );
  // A tampered bundle has another key: verified, refused, not recorded.
  const tampered = bundle.replace(
    /("sig":"[^"]{30})(.)/,
    (_, head: string, c: string) => head + (c === "A" ? "B" : "A"),
  );
  assert.notEqual(tampered, bundle);
  await assert.rejects(
    verifyLockedPackageOnce(locked(), tampered, root, records),
    (e: unknown) => e instanceof MochiError && e.code.startsWith("SIG_E"),
  );
  assert.equal(records.writes, 1);
  assert.equal(records.keys.size, 1);
});

Deno.test("the store keeps verified records; an empty or foreign record does not count", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mochi-verified-" });
  try {
    const lock = await acquireStoreLock(dir, "shared");
    try {
      const store = new FsStore(dir, { lock });
      const key = "e".repeat(64);
      assert.equal(await store.hasVerified(key), false);
      await store.putVerified(key, "pkg 1.0.0\\nsecond line");
      assert.equal(await store.hasVerified(key), true);
      const secret = await Deno.readFile(`${dir}/verified/secret`);
      assert.equal(secret.length, 32);
      assert.equal((await Deno.lstat(`${dir}/verified/secret`)).mode! & 0o777, 0o600);
      const name = createHmac("sha256", secret).update(key).digest("hex");
      const path = `${dir}/verified/${name.slice(0, 2)}/${name}`;
      assert.match(await Deno.readTextFile(path), /^e{64}\npkg 1\.0\.0\\nsecond line\n$/);
      await Deno.writeTextFile(path, ""); // torn by a crash
      assert.equal(await store.hasVerified(key), false);
      await Deno.writeTextFile(path, `${"f".repeat(64)}\n`); // another key's record
      assert.equal(await store.hasVerified(key), false);
      await assert.rejects(
        store.hasVerified("../x"),
        (e: unknown) => e instanceof MochiError && e.code === "BLOB_E008",
      );
    } finally {
      await lock.release();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a record named without this user's secret does not count; nor does a secret others can read", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mochi-verified-" });
  try {
    const lock = await acquireStoreLock(dir, "shared");
    try {
      const store = new FsStore(dir, { lock });
      const key = "d".repeat(64);
      await store.putVerified("c".repeat(64), "another package"); // creates the secret
      // A co-user who can write the store knows the key (it is computed from public data) but
      // not the secret: a record planted under the key itself, as records were named before,
      // or under a name keyed with a guessed secret, does not count.
      for (
        const name of [key, createHmac("sha256", new Uint8Array(32)).update(key).digest("hex")]
      ) {
        await Deno.mkdir(`${dir}/verified/${name.slice(0, 2)}`, { recursive: true });
        await Deno.writeTextFile(`${dir}/verified/${name.slice(0, 2)}/${name}`, `${key}\nforged\n`);
      }
      assert.equal(await store.hasVerified(key), false);
      // A secret others can read (or that was swapped for one they wrote) is not used at all.
      await store.putVerified(key, "pkg 1.0.0");
      assert.equal(await store.hasVerified(key), true);
      await Deno.chmod(`${dir}/verified/secret`, 0o644);
      assert.equal(await store.hasVerified(key), false);
      await store.putVerified("b".repeat(64), "pkg 2.0.0");
      assert.equal(await store.hasVerified("b".repeat(64)), false);
    } finally {
      await lock.release();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deferred records reach the store only on flush", async () => {
  const target = memoryRecords();
  const deferred = deferVerifiedRecords(target);
  const key = "a".repeat(64);
  await deferred.putVerified(key, "pkg 1.0.0");
  assert.equal(await deferred.hasVerified(key), true);
  assert.equal(target.writes, 0);
  assert.equal(await target.hasVerified(key), false);
  await deferred.flush();
  assert.equal(target.writes, 1);
  assert.equal(await target.hasVerified(key), true);
  await deferred.flush();
  assert.equal(target.writes, 1);
});

Deno.test("a flush writes its records side by side, every one of them, into a fresh store", async () => {
  // Several at once (one after another, 104 records took 0.5–0.9 s of a signed install).
  let inFlight = 0;
  let most = 0;
  const slow: VerifiedRecords = {
    hasVerified: () => Promise.resolve(false),
    putVerified: async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
    },
  };
  const deferred = deferVerifiedRecords(slow);
  for (let i = 0; i < 40; i++) await deferred.putVerified(i.toString(16).padStart(64, "0"), "x");
  await deferred.flush();
  assert.ok(most > 1, `at most ${most} record(s) written at once`);
  // A fresh store: the first record creates the secret, and no record is lost to that race.
  const dir = await Deno.makeTempDir({ prefix: "mochi-verified-" });
  try {
    const lock = await acquireStoreLock(dir, "shared");
    try {
      const store = new FsStore(dir, { lock });
      const toStore = deferVerifiedRecords(store);
      const keys = Array.from({ length: 40 }, (_, i) => (i + 7).toString(16).padStart(64, "e"));
      for (const k of keys) await toStore.putVerified(k, `pkg ${k.slice(-2)}`);
      await toStore.flush();
      for (const k of keys) assert.equal(await store.hasVerified(k), true, k);
    } finally {
      await lock.release();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
