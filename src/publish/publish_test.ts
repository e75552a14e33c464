import assert from "node:assert/strict";
import { bindingMismatch, defaultBinding, publisherIdentity } from "./binding.ts";
import { mochiPurl, provenanceStatement } from "./statement.ts";

const SAN = "https://github.com/acme/strings/.github/workflows/release.yml@refs/tags/v1.2.0";
const ISS = "https://token.actions.githubusercontent.com";

Deno.test("publisherIdentity drops the ref of a workflow SAN, keeps e-mails", () => {
  assert.equal(
    publisherIdentity(SAN),
    "https://github.com/acme/strings/.github/workflows/release.yml",
  );
  assert.equal(publisherIdentity("dev@example.com"), "dev@example.com");
});

Deno.test("defaultBinding: same workflow on any ref matches; other repo, workflow, issuer do not", () => {
  const b = defaultBinding({ subjectAlternativeName: SAN, issuer: ISS });
  const ok = (san: string, iss = ISS) =>
    bindingMismatch(b, { subjectAlternativeName: san, issuer: iss });
  assert.equal(ok(SAN.replace("v1.2.0", "v2.0.0")), undefined);
  assert.equal(ok(SAN.replace("refs/tags/v1.2.0", "refs/heads/main")), undefined);
  assert.match(ok(SAN.replace("acme/strings", "acme/stringsx"))!, /does not match/);
  assert.match(ok(SAN.replace("release.yml", "other.yml"))!, /does not match/);
  assert.match(ok(SAN.replace("acme", "acmeXstrings"))!, /does not match/);
  assert.match(ok(SAN, "https://gitlab.com")!, /issuer/);
  const mail = defaultBinding({ subjectAlternativeName: "a.b@example.com", issuer: ISS });
  assert.equal(
    bindingMismatch(mail, { subjectAlternativeName: "a.b@example.com", issuer: ISS }),
    undefined,
  );
  assert.ok(bindingMismatch(mail, { subjectAlternativeName: "aXb@example.com", issuer: ISS }));
});

Deno.test("provenanceStatement: subject digests, SLSA v1 predicate, purls for the lock", () => {
  const h = "a".repeat(64);
  const s = provenanceStatement({
    name: "@acme/strings",
    version: "1.2.0",
    digest: { blake3: h, sha256: "b".repeat(64) },
    builderId: "https://builder",
    repository: "https://github.com/acme/strings",
    commit: "c".repeat(40),
    dependencies: [{ name: "@acme/core", version: "1.0.0", digest: { blake3: h } }],
  });
  assert.equal(s._type, "https://in-toto.io/Statement/v1");
  assert.deepEqual(s.subject, [{
    name: "@acme/strings@1.2.0",
    digest: { blake3: h, sha256: "b".repeat(64) },
  }]);
  assert.equal(s.predicateType, "https://slsa.dev/provenance/v1");
  const bd = s.predicate.buildDefinition as { resolvedDependencies: unknown[] };
  assert.deepEqual(bd.resolvedDependencies, [
    { uri: "git+https://github.com/acme/strings", digest: { gitCommit: "c".repeat(40) } },
    { uri: "pkg:mochi/%40acme/core@1.0.0", digest: { blake3: h } },
  ]);
  assert.equal(mochiPurl("datalog", "1.0.0+b"), "pkg:mochi/datalog@1.0.0%2Bb");
});

Deno.test("checkNameNotConfusable: - and _ equal, case and NFKC folded, typos of popular names", async () => {
  const { parseManifest } = await import("../manifest/mod.ts");
  const { checkNameNotConfusable } = await import("./checks.ts");
  const { manifest } = parseManifest(
    `[package]\nname = "@acme/str-utils"\nversion = "1.0.0"\nedition = "2026"\nmochi = ">=0.7"\n`,
  );
  const ctx = (otherNames: string[], popularNames: string[] = []) => ({
    manifest,
    files: new Set<string>(),
    subjectName: "",
    published: [],
    otherNames,
    popularNames,
  });
  assert.deepEqual(
    checkNameNotConfusable(ctx(["@acme/str-utils", "@acme/strutils-x", "str_utils"])),
    [],
  );
  assert.equal(checkNameNotConfusable(ctx(["@acme/str_utils"])).length, 1);
  assert.equal(checkNameNotConfusable(ctx([], ["@acme/str-util"])).length, 1);
});

Deno.test("checkCapabilitiesMonotonic: a patch release adding a capability is refused", async () => {
  const { parseManifest } = await import("../manifest/mod.ts");
  const { checkCapabilitiesMonotonic } = await import("./checks.ts");
  const manifestOf = (version: string, caps: string[]) =>
    parseManifest(
      `[package]\nname = "json"\nversion = "${version}"\nedition = "2026"\nmochi = ">=0.7"\n` +
        `[capabilities]\nrequired = ${JSON.stringify(caps)}\n`,
    ).manifest;
  const published = [{ version: "1.2.0", capabilities: ["fs.read"] }] as never[];
  const ctx = (version: string, caps: string[]) => ({
    manifest: manifestOf(version, caps),
    files: new Set<string>(),
    subjectName: "",
    published,
  });
  const refused = checkCapabilitiesMonotonic(ctx("1.2.1", ["fs.read", "net.dial"]));
  assert.equal(refused.length, 1);
  assert.match(refused[0]!, /net\.dial/);
  assert.deepEqual(checkCapabilitiesMonotonic(ctx("1.3.0", ["fs.read", "net.dial"])), []);
  assert.deepEqual(checkCapabilitiesMonotonic(ctx("1.2.1", ["fs.read"])), []);
});
