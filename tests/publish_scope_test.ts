/**
 * The publish API refuses a capability scope outside its grammar (issue 11 item 1, the fourth
 * entry point): an upload whose `mochi.toml` asks for a scope with shell text or `..` gets 422
 * naming the capability, and nothing is written to the registry. The archive is built directly
 * (`mochi pack` would refuse such a manifest first), then signed as a publisher would.
 */
import assert from "node:assert/strict";
import { createPublishApi } from "../src/registry/server/publish_api.ts";
import { serveRegistry } from "../src/registry/server/registry_server.ts";
import { signStatement } from "../src/publish/client/sign.ts";
import { provenanceStatement } from "../src/publish/mod.ts";
import { digestBytes, writeArchive } from "../src/store/mod.ts";
import { startFakeSigstore, workflowSan } from "./fake_sigstore.ts";
import { snapshotTree } from "./helpers.ts";
import { guardedTest } from "./stray.ts";

const enc = new TextEncoder();

function manifest(capability: string): string {
  return [
    "[package]",
    'name = "@acme/evil"',
    'version = "1.0.0"',
    'edition = "2026"',
    'mochi = ">=0.7"',
    'description = "Scopes"',
    'license = "MIT"',
    'readme = "README.md"',
    'repository = "https://github.com/acme/evil"',
    "",
    "[capabilities]",
    `required = [${JSON.stringify(capability)}]`,
    "",
  ].join("\n");
}

guardedTest(
  "publish API: a capability scope with shell text or .. is refused (422), nothing written",
  async () => {
    const tmp = await Deno.makeTempDir({ prefix: "mochi-pubscope-" });
    await using fake = await startFakeSigstore();
    const reg = `${tmp}/registry`;
    await Deno.mkdir(reg, { recursive: true });
    await Deno.writeTextFile(`${reg}/config.json`, JSON.stringify({ dl: "blobs/", api: null }));
    const server = serveRegistry(reg, {
      api: createPublishApi({ rootDir: reg, trustedRootJson: fake.trustedRootJson }),
    });
    const san = workflowSan("acme/evil", "v1.0.0");
    try {
      const before = await snapshotTree(reg);
      for (
        const capability of [
          "fs.read:./x'$(touch pwned)'",
          "fs.read:./data/../..",
          "net.dial:evil.example:80 --allow-all",
          "proc.spawn:sh;id",
        ]
      ) {
        const archive = await writeArchive([
          { path: "mochi.toml", bytes: enc.encode(manifest(capability)) },
          { path: "README.md", bytes: enc.encode("# evil\n") },
          { path: "src/lib.mochi", bytes: enc.encode("fun f(): int { return 1 }\n") },
        ]);
        const digest = await digestBytes(archive);
        const bundle = await signStatement({
          statement: provenanceStatement({
            name: "@acme/evil",
            version: "1.0.0",
            digest,
            builderId: "https://github.com/actions/runner/github-hosted",
            repository: "https://github.com/acme/evil",
            commit: "0123456789abcdef0123456789abcdef01234567",
          }),
          identityToken: fake.token(san),
          fulcioUrl: fake.url,
          rekorUrl: fake.url,
        });
        const form = new FormData();
        form.set("tarball", new Blob([archive as BlobPart]), "tarball");
        form.set("bundle", new Blob([bundle], { type: "application/json" }), "bundle");
        const res = await fetch(`${server.url}api/v1/packages`, { method: "POST", body: form });
        const body = await res.json() as { problems?: string[] };
        assert.equal(res.status, 422, JSON.stringify(body));
        assert.match(String(body.problems), /capability/, JSON.stringify(body));
        assert.deepEqual(await snapshotTree(reg), before, capability);
      }
    } finally {
      await server.shutdown();
      await Deno.remove(tmp, { recursive: true });
    }
  },
);
