import assert from "node:assert/strict";
import { MochiError } from "../errors.ts";
import {
  advancedTrust,
  checkIndexFile,
  checkSnapshotFreshness,
  formatPublicKey,
  formatSnapshot,
  parsePublicKey,
  parseSnapshot,
  signSnapshot,
  type Snapshot,
  snapshotDigest,
  snapshotKeyPolicy,
  verifySnapshotSignature,
} from "./snapshot.ts";
const assertEquals = (a: unknown, b: unknown, m?: string) => assert.deepEqual(a, b, m);

const enc = (s: string) => new TextEncoder().encode(s);
const SHA_OF_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const SNAP: Snapshot = {
  version: 3,
  expires: "2026-06-08T00:00:00Z",
  files: { "ab/c/-/abc": { sha256: SHA_OF_ABC, size: 3 } },
};

function code(fn: () => unknown, c: string): MochiError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof MochiError);
    assert.equal(e.code, c, e.message);
    return e;
  }
  assert.fail(`expected ${c}`);
}

async function keyPair() {
  const k = await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", k.publicKey));
  return { privateKey: k.privateKey, publicKey: formatPublicKey(raw) };
}

Deno.test("snapshot: sign → format → parse → verify round trips; a changed byte fails", async () => {
  const { privateKey, publicKey } = await keyPair();
  assert.equal(parsePublicKey(publicKey).length, 32);
  const signed = await signSnapshot(SNAP, privateKey, publicKey);
  const text = formatSnapshot(signed);
  const back = parseSnapshot(text, "s");
  assert.deepEqual(back, signed);
  await verifySnapshotSignature(back, publicKey, "s");
  const forged = parseSnapshot(text.replace('"version":3', '"version":4'), "s");
  await assert.rejects(() => verifySnapshotSignature(forged, publicKey, "s"), /no valid signature/);
  const other = await keyPair();
  await assert.rejects(() => verifySnapshotSignature(back, other.publicKey, "s"), /no valid/);
});

Deno.test("snapshot: parse refuses malformed documents with SNAPSHOT_E001", () => {
  const good = JSON.stringify({ signed: SNAP, signatures: [{ keyid: "x", sig: "AA==" }] });
  parseSnapshot(good, "s");
  for (
    const bad of [
      "",
      "[]",
      "{}",
      good.replace('"version":3', '"version":0'),
      good.replace('"version":3', '"version":1.5'),
      good.replace("2026-06-08T00:00:00Z", "next week"),
      good.replace(SHA_OF_ABC, "XYZ"),
      good.replace('"size":3', '"size":-1'),
      good.replace('[{"keyid":"x","sig":"AA=="}]', "[]"),
    ]
  ) {
    code(() => parseSnapshot(bad, "s"), "SNAPSHOT_E001");
  }
  code(() => parsePublicKey("ed25519:short"), "SNAPSHOT_E007");
});

Deno.test("snapshot: freshness — rollback, same version other content, expiry", () => {
  const trusted = { key: "k", version: 3, digest: snapshotDigest(SNAP) };
  const now = Date.parse("2026-06-02T00:00:00Z");
  checkSnapshotFreshness(undefined, SNAP, now, "s");
  checkSnapshotFreshness(trusted, SNAP, now, "s"); // the same one again is fine
  checkSnapshotFreshness(trusted, { ...SNAP, version: 4, files: {} }, now, "s");
  code(() => checkSnapshotFreshness(trusted, { ...SNAP, version: 2 }, now, "s"), "SNAPSHOT_E003");
  code(() => checkSnapshotFreshness(trusted, { ...SNAP, files: {} }, now, "s"), "SNAPSHOT_E003");
  const later = Date.parse("2026-06-08T00:00:00Z");
  code(() => checkSnapshotFreshness(trusted, SNAP, later, "s"), "SNAPSHOT_E004");
  checkSnapshotFreshness(trusted, SNAP, later, "s", false); // offline
});

Deno.test("snapshot: index files must match size and digest, and be listed", () => {
  checkIndexFile(SNAP, "ab/c/-/abc", enc("abc"), "u");
  checkIndexFile(SNAP, "xy/z/-/xyz", null, "u");
  code(() => checkIndexFile(SNAP, "ab/c/-/abc", enc("abd"), "u"), "SNAPSHOT_E005");
  code(() => checkIndexFile(SNAP, "ab/c/-/abc", enc("abcd"), "u"), "SNAPSHOT_E005");
  code(() => checkIndexFile(SNAP, "ab/c/-/abc", null, "u"), "SNAPSHOT_E005");
  code(() => checkIndexFile(SNAP, "xy/z/-/xyz", enc("abc"), "u"), "SNAPSHOT_E005");
  code(() => checkIndexFile(SNAP, "__proto__", enc("abc"), "u"), "SNAPSHOT_E005");
});

Deno.test("snapshot: a file path named __proto__ is plain data", () => {
  const text = JSON.stringify({
    signed: { ...SNAP, files: JSON.parse(`{"__proto__":{"sha256":"${SHA_OF_ABC}","size":3}}`) },
    signatures: [{ keyid: "x", sig: "AA==" }],
  });
  const s = parseSnapshot(text, "s");
  assert.ok(Object.hasOwn(s.signed.files, "__proto__"));
  assert.equal(Object.getPrototypeOf(s.signed.files), Object.prototype);
  checkIndexFile(s.signed, "__proto__", enc("abc"), "u");
});

Deno.test("snapshotKeyPolicy: first use trusts config.json, then the pinned key wins; a change is SNAPSHOT_E006", () => {
  const k1 = "ed25519:" + "A".repeat(43) + "=";
  const k2 = "ed25519:" + "B".repeat(43) + "=";
  const base = { registry: "http://127.0.0.1/", stateDir: "/state" };
  assertEquals(snapshotKeyPolicy(base), undefined);
  assertEquals(snapshotKeyPolicy({ ...base, configKey: k1 }), k1);
  const pinned = { key: k1, version: 3, digest: "d" };
  assertEquals(snapshotKeyPolicy({ ...base, pinned }), k1, "a dropped snapshot-key keeps the pin");
  for (const input of [{ ...base, pinned, configKey: k2 }, { ...base, pinned, publicKey: k2 }]) {
    let code = "";
    try {
      snapshotKeyPolicy(input);
    } catch (e) {
      code = (e as { code?: string }).code ?? "";
    }
    assertEquals(code, "SNAPSHOT_E006");
  }
});

Deno.test("advancedTrust: nothing to record when the same snapshot verified again", () => {
  const snap = { version: 2, expires: "2030-01-01T00:00:00Z", files: {} };
  const seen = advancedTrust(undefined, "k", snap)!;
  assertEquals(seen.version, 2);
  assertEquals(advancedTrust(seen, "k", snap), undefined);
  assertEquals(advancedTrust(seen, "k", { ...snap, version: 3 })?.version, 3);
});
