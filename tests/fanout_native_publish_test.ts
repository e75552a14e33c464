/**
 * Item 6 for the native targets, library level (`publishFanout`, the path of `mochi publish
 * --target`): the fixture library's NuGet, crates, Hex and SwiftPM packages packed, signed with
 * loopback Sigstore (one bundle per artifact, verified here) and uploaded with each registry's
 * own protocol to one loopback server that speaks all four (NuGet v2 push, cargo's publish API,
 * Hex's API, SE-0292 publish) and keeps what it received; the dry run lists every artifact's
 * destination and uploads nothing.
 */
import { createHash } from "node:crypto";
import { publishFanout } from "../src/fanout/client/publish.ts";
import { verifySigstoreAttestation } from "../src/trust/sigstore/verify.ts";
import { startFakeSigstore, workflowSan } from "./fake_sigstore.ts";
import { assert, assertEquals } from "./assert.ts";
import { guardedTest } from "./stray.ts";
import { githubActionsEnv } from "./signed_registry.ts";
import { fixturePackage } from "./fanout_native_fixture.ts";

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** Multipart parts of a request, binary-safe: name → bytes (RFC 7578). */
async function parts(req: Request): Promise<Map<string, Uint8Array>> {
  const form = await req.formData();
  const out = new Map<string, Uint8Array>();
  for (const [name, v] of form) {
    out.set(
      name,
      typeof v === "string" ? new TextEncoder().encode(v) : new Uint8Array(await v.arrayBuffer()),
    );
  }
  return out;
}

/** One loopback registry for the four native protocols; `received` maps ecosystem → bytes. */
function startNativeRegistry() {
  const received = new Map<string, Uint8Array>();
  const tokens = {
    nuget: "nuget-key",
    crates: "cargo-token",
    hex: "hex-key",
    swiftpm: "swift-token",
  };
  let requests = 0;
  let base = "";
  const server: Deno.HttpServer<Deno.NetAddr> = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen() {},
  }, async (req): Promise<Response> => {
    requests++;
    const u = new URL(req.url);
    if (req.method === "PUT" && u.pathname === "/nuget/api/v2/package") {
      if (req.headers.get("x-nuget-apikey") !== tokens.nuget) {
        return new Response(null, { status: 403 });
      }
      received.set("nuget", (await parts(req)).get("package")!);
      return new Response(null, { status: 201 });
    }
    if (req.method === "PUT" && u.pathname === "/crates/api/v1/crates/new") {
      if (req.headers.get("authorization") !== tokens.crates) {
        return Response.json({ errors: [{ detail: "no" }] }, { status: 403 });
      }
      const body = new Uint8Array(await req.arrayBuffer());
      const n = new DataView(body.buffer).getUint32(0, true);
      received.set("crates", body.subarray(8 + n));
      return Response.json({ warnings: { invalid_categories: [], invalid_badges: [], other: [] } });
    }
    if (req.method === "POST" && u.pathname === "/hex/api/packages/mochi_greet/releases") {
      if (req.headers.get("authorization") !== tokens.hex) {
        return Response.json({ message: "no" }, { status: 401 });
      }
      received.set("hex", new Uint8Array(await req.arrayBuffer()));
      return Response.json({
        version: "0.3.1",
        url: `${base}/hex/api/packages/mochi_greet/releases/0.3.1`,
      }, {
        status: 201,
      });
    }
    if (req.method === "PUT" && u.pathname === "/swift/mochi/greet/0.3.1") {
      if (req.headers.get("authorization") !== `Bearer ${tokens.swiftpm}`) {
        return new Response(null, { status: 401 });
      }
      const p = await parts(req);
      received.set("swiftpm", p.get("source-archive")!);
      received.set("swiftpm-metadata", p.get("metadata")!);
      return new Response(null, {
        status: 201,
        headers: { location: `${base}/swift/mochi/greet/0.3.1` },
      });
    }
    return new Response("not found", { status: 404 });
  });
  base = `http://127.0.0.1:${server.addr.port}`;
  return {
    base,
    tokens,
    received,
    get requests() {
      return requests;
    },
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}

guardedTest(
  "publishFanout: NuGet, crates, Hex and SwiftPM packed, signed and uploaded; dry run",
  async () => {
    const tmp = await Deno.makeTempDir({ prefix: "mochi-fanout-native-publish-" });
    try {
      await using sig = await startFakeSigstore();
      await using reg = startNativeRegistry();
      sig.oidcSubject = workflowSan("mochi/greet", "v0.3.1");
      const env = {
        ...githubActionsEnv(sig, "mochi/greet", "v0.3.1"),
        MOCHI_NUGET_REGISTRY: `${reg.base}/nuget/api/v2/package`,
        MOCHI_NUGET_TOKEN: reg.tokens.nuget,
        MOCHI_CRATES_REGISTRY: `${reg.base}/crates`,
        MOCHI_CRATES_TOKEN: reg.tokens.crates,
        MOCHI_HEX_REGISTRY: `${reg.base}/hex/api`,
        MOCHI_HEX_TOKEN: reg.tokens.hex,
        MOCHI_SWIFTPM_REGISTRY: `${reg.base}/swift`,
        MOCHI_SWIFTPM_TOKEN: reg.tokens.swiftpm,
      };
      const packages = [
        await fixturePackage("nuget"),
        await fixturePackage("crates"),
        await fixturePackage("hex"),
        await fixturePackage("swiftpm"),
      ];
      const base = { packages, env, fulcioUrl: sig.url, rekorUrl: sig.url, timeoutMs: 10_000 };

      const dry = await publishFanout({ ...base, dryRun: true, strict: true });
      assertEquals(dry.targets.map((t) => [t.ecosystem, t.status, t.destination]), [
        ["nuget", "packed", `${reg.base}/nuget/api/v2/package`],
        ["crates", "packed", `${reg.base}/crates`],
        ["hex", "packed", `${reg.base}/hex/api`],
        ["swiftpm", "packed", `${reg.base}/swift`],
      ]);
      assertEquals(dry.targets.map((t) => t.artifacts.map((a) => a.fileName)), [
        ["Mochi.Greet.0.3.1.nupkg"],
        ["mochi-greet-0.3.1.crate"],
        ["mochi_greet-0.3.1.tar"],
        ["greet-0.3.1.zip", "greet-0.3.1.metadata.json"],
      ]);
      assertEquals(reg.requests, 0, "the dry run uploads nothing");
      assertEquals(sig.oidcRequests, 0, "and signs nothing");

      const out = `${tmp}/target/fanout`;
      const r = await publishFanout({ ...base, dryRun: false, strict: true, outDir: out });
      assertEquals(r.targets.map((t) => [t.ecosystem, t.status]), [
        ["nuget", "published"],
        ["crates", "published"],
        ["hex", "published"],
        ["swiftpm", "published"],
      ], JSON.stringify(r.targets.map((t) => t.error?.message)));
      for (const t of r.targets) {
        const primary = t.artifacts.find((a) => a.role === "primary")!;
        // The registry got exactly the packed bytes, and their bundle verifies for them.
        assertEquals(sha256(reg.received.get(t.ecosystem)!), primary.sha256, t.ecosystem);
        const written = await Deno.readFile(`${out}/${t.ecosystem}/${primary.fileName}`);
        assertEquals(sha256(written), primary.sha256);
        const bundle = t.artifacts.find((a) => a.fileName === `${primary.fileName}.sigstore.json`);
        assert(bundle !== undefined, `a bundle beside ${primary.fileName}`);
        const v = verifySigstoreAttestation({
          bundleJson: new TextDecoder().decode(bundle.bytes),
          trustedRootJson: sig.trustedRootJson,
          subjectDigests: { sha256: primary.sha256 },
        });
        assertEquals(v.signer.subjectAlternativeName, workflowSan("mochi/greet", "v0.3.1"));
      }
      const meta = JSON.parse(new TextDecoder().decode(reg.received.get("swiftpm-metadata")!));
      assertEquals(meta.repositoryURLs, ["https://example.com/mochi/greet"]);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
);
