import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { toTrustMaterial } from "@sigstore/verify";
import { MochiError } from "../../errors.ts";
import { parseTrustedRoot, trustedRootFromObject } from "./trusted_root.ts";
import {
  PRODUCTION_TRUSTED_ROOT,
  PRODUCTION_TRUSTED_ROOT_SHA256,
} from "./_production_trusted_root.ts";

const DATA = new URL("../../../fixtures/sigstore-conformance/", import.meta.url);

function production(): Record<string, unknown> {
  return structuredClone(PRODUCTION_TRUSTED_ROOT) as Record<string, unknown>;
}

function rejects(doc: unknown, pathPart: string): void {
  assert.throws(
    () => parseTrustedRoot(typeof doc === "string" ? doc : JSON.stringify(doc)),
    (e: unknown) =>
      e instanceof MochiError && e.code === "SIG_E002" && e.message.includes(pathPart),
  );
}

Deno.test("trusted root: shipped production root is the byte copy of the fixture", async () => {
  const shipped = await Deno.readFile(new URL("./production_trusted_root.json", import.meta.url));
  const shared = await Deno.readFile(new URL("production_trusted_root.json", DATA));
  assert.equal(createHash("sha256").update(shipped).digest("hex"), PRODUCTION_TRUSTED_ROOT_SHA256);
  assert.deepEqual(shipped, shared);
});

Deno.test("trusted root: production root decodes into trust material", () => {
  const root = trustedRootFromObject(PRODUCTION_TRUSTED_ROOT);
  const trust = toTrustMaterial(root);
  assert.equal(trust.tlogs.length, 2);
  assert.equal(trust.ctlogs.length, 2);
  assert.equal(trust.certificateAuthorities.length, 2);
  assert.equal(trust.timestampAuthorities.length, 1);
  // Rekor v1 key: validity start from the JSON, open end.
  assert.equal(trust.tlogs[0]!.validFor.start.toISOString(), "2021-01-12T11:53:27.000Z");
  assert.equal(trust.tlogs[0]!.publicKey.asymmetricKeyType, "ec");
  assert.equal(trust.tlogs[1]!.publicKey.asymmetricKeyType, "ed25519");
  // The first Fulcio CA is bounded at both ends.
  assert.equal(
    trust.certificateAuthorities[0]!.validFor.end.toISOString(),
    "2022-12-31T23:59:59.999Z",
  );
});

Deno.test("trusted root: a log key without validFor.start is rejected (sigstore-js accepts it)", async () => {
  const text = await Deno.readTextFile(
    new URL("trust-root-tlog-missing-validity-start_fail/trusted_root.json", DATA),
  );
  rejects(text, "tlogs[1].publicKey.validFor.start");
  for (const list of ["tlogs", "ctlogs"]) {
    const doc = production();
    // deno-lint-ignore no-explicit-any
    delete (doc[list] as any)[0].publicKey.validFor.start;
    rejects(doc, `${list}[0].publicKey.validFor.start`);
  }
  for (const list of ["certificateAuthorities", "timestampAuthorities"]) {
    const doc = production();
    // deno-lint-ignore no-explicit-any
    delete (doc[list] as any)[0].validFor;
    rejects(doc, `${list}[0].validFor`);
  }
});

Deno.test("trusted root: malformed values are rejected with their path", () => {
  rejects("{not json", "not JSON");
  let doc = production();
  doc.mediaType = "application/json";
  rejects(doc, "mediaType");
  doc = production();
  // deno-lint-ignore no-explicit-any
  (doc.tlogs as any)[0].publicKey.validFor.end = "2020-01-01T00:00:00Z";
  rejects(doc, "tlogs[0].publicKey.validFor.end is before its start");
  doc = production();
  // deno-lint-ignore no-explicit-any
  (doc.tlogs as any)[0].publicKey.validFor.start = "yesterday";
  rejects(doc, "RFC 3339");
  doc = production();
  // deno-lint-ignore no-explicit-any
  (doc.tlogs as any)[0].logId.keyId = "not*base64";
  rejects(doc, "tlogs[0].logId.keyId is not base64");
  doc = production();
  // deno-lint-ignore no-explicit-any
  (doc.certificateAuthorities as any)[0].certChain.certificates = [];
  rejects(doc, "certificateAuthorities[0].certChain.certificates is empty");
  doc = production();
  // deno-lint-ignore no-explicit-any
  (doc.ctlogs as any)[0].publicKey.keyDetails = "ROT13";
  rejects(doc, "unknown: ROT13");
  doc = production();
  doc.tlogs = [];
  rejects(doc, "tlogs is empty");
});
