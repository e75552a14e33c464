/**
 * `planFetch` and the lock decision as pure values: no subprocess, no disk, no network.
 */
import { deepEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { MochiError } from "../errors.ts";
import { parseManifest } from "../manifest/mod.ts";
import { computeManifestHash, type LockedPackage, type Lockfile } from "../lockfile/mod.ts";
import { type Artifact, lockArtifacts, planFetch } from "./plan.ts";
import {
  decideLock,
  lockCheckError,
  lockRecordMismatch,
  lockWouldChange,
  NO_LOCK,
  refuseUnconfiguredSources,
} from "./decision.ts";
import type { IndexRecord } from "../index/mod.ts";

const h = (c: string) => c.repeat(64);
const REG = "http://127.0.0.1:1/";

function pkg(name: string, version: string, extra: Partial<LockedPackage> = {}): LockedPackage {
  return {
    name,
    version,
    source: `registry+${REG}`,
    blake3: h(name[0]!),
    sha256: h(name[1]!),
    capabilities: [],
    dependencies: [],
    ...extra,
  };
}

function lockOf(packages: LockedPackage[], manifestHash = `blake3-256:${h("0")}`): Lockfile {
  return {
    version: 1,
    manifestHash,
    packages,
    capabilitiesSeen: new Map(),
    rustPackages: [{
      name: "cc",
      version: "1.0.0",
      source: { kind: "registry", index: "sparse+http://127.0.0.1:1/" },
      checksumSha256: h("c"),
      dependencies: [],
      features: [],
    }],
  };
}

const codeOf = (code: string) => (e: unknown) => e instanceof MochiError && e.code === code;

Deno.test("lockArtifacts: Mochi blobs with both digests and signer, then crates by SHA-256", () => {
  const arts = lockArtifacts(lockOf([pkg("ab", "1.0.0", { signer: "s", signerIssuer: "i" })]));
  assertEquals(arts.map((a) => [a.kind, a.label, a.sha256, a.blake3, a.source]), [
    ["mochi", "ab 1.0.0", h("b"), h("a"), REG],
    ["crate", "crate cc 1.0.0", h("c"), undefined, "sparse+http://127.0.0.1:1/"],
  ]);
  assertEquals(arts[0]!.signer, { signer: "s", signerIssuer: "i" });
  assertThrows(
    () => lockArtifacts(lockOf([pkg("ab", "1.0.0", { source: "workspace+x" })])),
    codeOf("LOCK_E005"),
  );
  // A path package is used where it is (nothing to fetch); a git package is its packed commit,
  // fetched from the whole git source and never listed as unsigned.
  const git = `git+file:///srv/ab.git?branch=main#${"0".repeat(40)}`;
  const mixed = lockArtifacts(
    lockOf([pkg("ab", "1.0.0", { source: "path+../ab" }), pkg("gg", "1.0.0", { source: git })]),
  ).filter((a) => a.kind === "mochi");
  assertEquals(mixed.map((a) => [a.label, a.source]), [["gg 1.0.0", git]]);
  assertEquals(
    planFetch(mixed, new Map(), { offline: false, requireSignatures: true }).unsigned,
    [],
  );
});

Deno.test("planFetch: cached, missing and corrupt; corrupt ones are fetched and listed", () => {
  const arts = lockArtifacts(
    lockOf([
      pkg("ab", "1.0.0"),
      pkg("cd", "1.0.0", { signer: "s", signerIssuer: "i" }),
      pkg("ef", "2.0.0"),
    ]),
  );
  const plan = planFetch(arts, new Map([[h("b"), "ok"], [h("d"), "corrupt"]]), {
    offline: false,
    requireSignatures: false,
  });
  assertEquals(plan.cached.map((a) => a.label), ["ab 1.0.0"]);
  assertEquals(plan.toFetch.map((a) => a.label), ["cd 1.0.0", "ef 2.0.0", "crate cc 1.0.0"]);
  assertEquals(plan.corrupt.map((a) => a.label), ["cd 1.0.0"]);
  assertEquals(plan.toVerify.map((a) => a.label), ["cd 1.0.0"]);
  assertEquals(plan.unsigned, ["ab 1.0.0", "ef 2.0.0"]);
});

Deno.test("planFetch: offline refuses before anything is removed, corrupt counted as missing", () => {
  const arts: Artifact[] = lockArtifacts(lockOf([pkg("ab", "1.0.0")])).slice(0, 1);
  assertThrows(
    () =>
      planFetch(arts, new Map([[h("b"), "corrupt"]]), { offline: true, requireSignatures: false }),
    (e: unknown) =>
      codeOf("BLOB_E007")(e) &&
      /1 package\(s\) are not in the store.*ab 1\.0\.0/.test((e as Error).message),
  );
  const ok = planFetch(arts, new Map([[h("b"), "ok"]]), {
    offline: true,
    requireSignatures: false,
  });
  assertEquals(ok.toFetch, []);
});

Deno.test("planFetch: --require-signatures refuses an unsigned package even when it is cached", () => {
  const arts = lockArtifacts(
    lockOf([pkg("ab", "1.0.0"), pkg("cd", "1.0.0", { signer: "s", signerIssuer: "i" })]),
  );
  const all = new Map(arts.map((a) => [a.sha256, "ok" as const]));
  assertThrows(
    () => planFetch(arts, all, { offline: false, requireSignatures: true }),
    (e: unknown) => codeOf("SIG_E009")(e) && (e as Error).message.includes("ab 1.0.0"),
  );
  // Crates carry no Sigstore signature: they never trip the flag.
  const crates = arts.filter((a) => a.kind === "crate");
  assertEquals(planFetch(crates, all, { offline: true, requireSignatures: true }).cached.length, 1);
});

const MANIFEST = `[package]
name = "app"
version = "0.1.0"
edition = "2026"
mochi = ">=0.7"

[dependencies]
ab = "1"
`;

Deno.test("decideLock: reuse a lock that satisfies the manifest; otherwise resolve, saying why", async () => {
  const { manifest } = parseManifest(MANIFEST, "mochi.toml");
  const manifestHash = await computeManifestHash(manifest);
  const lock = lockOf([pkg("ab", "1.0.0")], manifestHash);
  const base = { manifest, manifestHash, pinned: new Map<string, string>() };
  assertEquals(decideLock({ ...base, lock }), { action: "reuse" });
  assertEquals(decideLock({ ...base, lock: undefined }), {
    action: "resolve",
    reason: "mochi.lock does not exist",
  });
  assertEquals(decideLock({ ...base, lock, refresh: true }).action, "resolve");
  const stale = decideLock({ ...base, lock: { ...lock, manifestHash: `blake3-256:${h("9")}` } });
  assertEquals(stale.action, "resolve");
  assertEquals(stale.action === "resolve" && /manifest_hash differs/.test(stale.reason), true);
  const moved = decideLock({ ...base, lock, pinned: new Map([["ab", "http://127.0.0.1:2/"]]) });
  assertEquals(moved.action === "resolve" && moved.reason.includes("source of ab 1.0.0"), true);
});

Deno.test("lockWouldChange: one LOCK_E002 text", () => {
  const e = lockWouldChange("/p/mochi.lock", "mochi.lock does not exist");
  assertEquals([e.code, e.message], [
    "LOCK_E002",
    "mochi.lock needs to be updated: mochi.lock does not exist",
  ]);
});

Deno.test("refuseUnconfiguredSources: a source no configured registry has is refused", () => {
  const lock = lockOf([
    pkg("ab", "1.0.0"),
    pkg("cd", "1.0.0", { source: "registry+http://127.0.0.1:9/" }),
  ]);
  refuseUnconfiguredSources(lock, [{ name: "default", url: REG }, {
    name: "b",
    url: "http://127.0.0.1:9/",
  }], "mochi.lock");
  assertThrows(
    () => refuseUnconfiguredSources(lock, [{ name: "default", url: REG }], "mochi.lock"),
    (e: unknown) =>
      codeOf("SOURCE_E002")(e) &&
      (e as Error).message.includes("cd 1.0.0 from registry+http://127.0.0.1:9/"),
  );
});

Deno.test("lockRecordMismatch: digests, listing, capabilities and publisher against the index record", () => {
  const p = pkg("ab", "1.0.0", { capabilities: ["clock"] });
  const rec: IndexRecord = {
    version: "1.0.0",
    blake3: h("a"),
    sha256: h("b"),
    dependencies: {},
    yanked: false,
    capabilities: ["clock"],
    extra: {},
  };
  assertEquals(lockRecordMismatch(p, rec), undefined);
  assertEquals(lockRecordMismatch(p, undefined)?.code, "LOCK_E008");
  assertEquals(lockRecordMismatch(p, { ...rec, sha256: h("f") })?.code, "BLOB_E009");
  assertEquals(
    lockRecordMismatch({ ...p, capabilities: ["clock", "proc.spawn"] }, rec)?.code,
    "LOCK_E008",
  );
  const signed = {
    ...rec,
    provenance: {
      sig: "x",
      san: "https://github.com/o/r/.github/workflows/r.yml@refs/tags/v1",
      iss: "https://token.actions.githubusercontent.com",
    },
  };
  assertEquals(lockRecordMismatch(p, signed)?.code, "LOCK_E008");
});

Deno.test("lockCheckError: the changes, else no lock or a lock for another mochi.toml; one LOCK_E002 text", () => {
  const none = lockCheckError("/p/mochi.lock", false, []);
  assertEquals(none.code, "LOCK_E002");
  assertEquals(none.message, lockWouldChange("/p/mochi.lock", NO_LOCK).message);
  assertEquals(none.hint, "run mochi lock to create it");
  const other = lockCheckError("/p/mochi.lock", true, []);
  assertEquals(
    other.message,
    "mochi.lock needs to be updated: no package changes, but it was written for another mochi.toml",
  );
  assertEquals(other.hint, "run mochi lock to update it");
  assertEquals(
    lockCheckError("/p/mochi.lock", true, ["+ a 1.0.0"]).message,
    "mochi.lock needs to be updated: 1 change(s)\n  + a 1.0.0",
  );
});
