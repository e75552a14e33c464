import assert from "node:assert/strict";
import {
  provenanceFields,
  provenanceRefusal,
  repositoryMatches,
  signerRepository,
} from "./provenance.ts";

const SIGNER = "https://github.com/acme/core/.github/workflows/release.yml@refs/tags/v1.0.0";

Deno.test("signerRepository: GitHub workflow, GitLab project//file, anything else as is", () => {
  assert.equal(signerRepository(SIGNER), "https://github.com/acme/core");
  assert.equal(
    signerRepository("https://gitlab.com/acme/core//.gitlab-ci.yml@refs/heads/main"),
    "https://gitlab.com/acme/core",
  );
  assert.equal(signerRepository("someone@example.org"), "someone@example.org");
});

Deno.test("repositoryMatches: * within a segment, ** across, scheme optional, git+ and .git ignored", () => {
  assert(repositoryMatches("https://github.com/acme/core", "github.com/acme/*"));
  assert(repositoryMatches("git+https://github.com/acme/core.git", "https://github.com/acme/*"));
  assert(!repositoryMatches("https://github.com/acme/core/sub", "github.com/acme/*"));
  assert(repositoryMatches("https://github.com/acme/core/sub", "github.com/acme/**"));
  assert(!repositoryMatches("https://github.com/acmex/core", "github.com/acme/*"));
  assert(!repositoryMatches("https://evil.example/github.com/acme/core", "github.com/acme/*"));
});

Deno.test("provenanceRefusal: unsigned, another signer, another or no predicate source", () => {
  const p = { name: "@acme/core", version: "1.0.0", signer: SIGNER };
  assert.equal(provenanceRefusal({ ...p, signer: undefined }, "github.com/acme/*")?.unsigned, true);
  assert.match(
    provenanceRefusal(p, "github.com/other/*")!.line,
    /signed from https:\/\/github\.com\/acme\/core/,
  );
  assert.equal(provenanceRefusal(p, "github.com/acme/*"), undefined);
  const prov = {
    name: p.name,
    version: p.version,
    signer: SIGNER,
    issuer: "https://token.actions.githubusercontent.com",
    predicateType: "https://slsa.dev/provenance/v1",
  };
  assert.equal(
    provenanceRefusal(p, "github.com/acme/*", {
      ...prov,
      repository: "https://github.com/acme/core",
    }),
    undefined,
  );
  assert.match(
    provenanceRefusal(p, "github.com/acme/*", {
      ...prov,
      repository: "https://github.com/mallory/core",
    })!
      .line,
    /names the source "https:\/\/github\.com\/mallory\/core"/,
  );
  assert.match(provenanceRefusal(p, "github.com/acme/*", prov)!.line, /names no source repository/);
});

Deno.test("provenanceFields: strings only, commit from resolvedDependencies when absent", () => {
  const f = provenanceFields({
    buildDefinition: {
      buildType: "https://example.org/build/v1",
      externalParameters: { source: { repository: "https://github.com/acme/core", ref: 7 } },
      resolvedDependencies: [{ digest: { gitCommit: "abc123" } }],
    },
    runDetails: { builder: { id: "x".repeat(3000) } },
  });
  assert.deepEqual(f, {
    buildType: "https://example.org/build/v1",
    repository: "https://github.com/acme/core",
    commit: "abc123",
  });
});

Deno.test("parseFromSource: commit hex, git transports only, no options or helpers", async () => {
  const { parseFromSource } = await import("./rebuild.ts");
  assert.deepEqual(parseFromSource("https://example.org/a/b.git@0123abc"), {
    url: "https://example.org/a/b.git",
    commit: "0123abc",
  });
  assert.equal(parseFromSource("/srv/git/a@0123abc").url, "/srv/git/a");
  assert.equal(
    parseFromSource("ssh://git@example.org/a/b@0123abc").url,
    "ssh://git@example.org/a/b",
  );
  for (
    const bad of [
      undefined,
      "https://example.org/a",
      "https://example.org/a@main",
      "-uploadpack=touch /tmp/x@0123abc",
      "ext::sh -c touch% /tmp/x@0123abc",
      "fd::3@0123abc",
      "ftp://example.org/a@0123abc",
      "https://example.org/a\nb@0123abc",
      "git@example.org:a/b@0123abc",
      "relative/path@0123abc",
    ]
  ) {
    assert.throws(() => parseFromSource(bad), /CLI_E001|--from-source/, String(bad));
  }
});
