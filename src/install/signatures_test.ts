import assert from "node:assert/strict";
import {
  formatLockfile,
  type LockedPackage,
  type Lockfile,
  parseLockfile,
} from "../lockfile/mod.ts";
import { publisherChanges } from "./signatures.ts";

const H = "a".repeat(64);
const ISS = "https://token.actions.githubusercontent.com";

function pkg(name: string, version: string, signer?: string, iss = ISS): LockedPackage {
  return {
    name,
    version,
    source: "registry+http://r/",
    blake3: H,
    sha256: H,
    capabilities: [],
    dependencies: [],
    ...(signer === undefined ? {} : { signer, signerIssuer: iss }),
  };
}

function lockOf(...packages: LockedPackage[]): Lockfile {
  return {
    version: 1,
    manifestHash: `blake3-256:${H}`,
    packages,
    capabilitiesSeen: new Map(),
  };
}

Deno.test("lockfile: signer and signer_issuer round-trip; one without the other is refused", () => {
  const lock = lockOf(
    pkg("a", "1.0.0", "https://github.com/o/a/.github/workflows/r.yml"),
    pkg("b", "1.0.0"),
  );
  const text = formatLockfile(lock);
  assert.match(
    text,
    /signer = "https:\/\/github.com\/o\/a\/.github\/workflows\/r.yml"\nsigner_issuer = /,
  );
  assert.deepEqual(parseLockfile(text).packages, lock.packages);
  const broken = text.replace(/signer_issuer = .*\n/, "");
  assert.throws(() => parseLockfile(broken), /both signer and signer_issuer/);
});

Deno.test("publisherChanges: a new signer, a new issuer or a lost signature, unless accepted", () => {
  const before = lockOf(
    pkg("a", "1.0.0", "A"),
    pkg("b", "1.0.0", "B"),
    pkg("c", "1.0.0", "C"),
    pkg("u", "1.0.0"),
  );
  const after = lockOf(
    pkg("a", "1.1.0", "A"),
    pkg("b", "1.1.0", "X"),
    pkg("c", "1.1.0"),
    pkg("u", "1.1.0", "U"),
    pkg("new", "1.0.0", "N"),
  );
  assert.deepEqual(publisherChanges(before, after, new Set()), [
    `b 1.1.0 is published by X (issuer ${ISS}); mochi.lock recorded B (issuer ${ISS})`,
    `c 1.1.0 is published by nobody (unsigned); mochi.lock recorded C (issuer ${ISS})`,
  ]);
  assert.deepEqual(publisherChanges(before, after, new Set(["b", "c"])), []);
  assert.deepEqual(
    publisherChanges(
      lockOf(pkg("a", "1.0.0", "A")),
      lockOf(pkg("a", "1.0.0", "A", "https://other")),
      new Set(),
    ).length,
    1,
  );
  assert.deepEqual(publisherChanges(undefined, after, new Set()), []);
});
