/**
 * A loopback Sigstore instance for tests and benchmarks: the `@sigstore/mock` Fulcio and Rekor
 * handlers behind one real `Deno.serve` on 127.0.0.1, a fake OIDC token endpoint in the shape of
 * GitHub Actions' (`ACTIONS_ID_TOKEN_REQUEST_URL` + bearer `ACTIONS_ID_TOKEN_REQUEST_TOKEN`), and
 * the trusted root JSON that matches the instance's CA, CT log and transparency log keys.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash, generateKeyPairSync } from "node:crypto";
import {
  fulcioHandler,
  initializeCA,
  initializeCTLog,
  initializeTLog,
  rekorHandler,
} from "@sigstore/mock";

/** The issuer fake tokens carry unless told otherwise (GitHub Actions'). */
export const FAKE_ISSUER = "https://token.actions.githubusercontent.com";

/** A workflow SAN for a repository and tag, as Fulcio writes it for GitHub Actions. */
export function workflowSan(repo: string, tag = "v1.0.0", workflow = "release.yml"): string {
  return `https://github.com/${repo}/.github/workflows/${workflow}@refs/tags/${tag}`;
}

/** A running fake Sigstore. */
export interface FakeSigstore extends AsyncDisposable {
  /** Base URL of Fulcio and Rekor (both on one server), without trailing slash. */
  url: string;
  /** `trusted_root.json` text for this instance. */
  trustedRootJson: string;
  /** URL of the GitHub-style token endpoint (`ACTIONS_ID_TOKEN_REQUEST_URL`). */
  oidcRequestUrl: string;
  /** Bearer the token endpoint wants (`ACTIONS_ID_TOKEN_REQUEST_TOKEN`). */
  oidcRequestToken: string;
  /** Subject of the tokens the endpoint hands out; change it to sign as someone else. */
  oidcSubject: string;
  /** How many tokens the endpoint handed out. */
  oidcRequests: number;
  /** An unsigned JWT with `sub` (the Fulcio mock reads claims without checking signatures). */
  token(subject: string, issuer?: string): string;
}

function b64url(o: unknown): string {
  return Buffer.from(JSON.stringify(o)).toString("base64url");
}

/**
 * Start a fake Sigstore on 127.0.0.1 (port 0).
 *
 * @returns the instance; dispose it to stop the server
 */
export async function startFakeSigstore(): Promise<FakeSigstore> {
  const kp = () => generateKeyPairSync("ec", { namedCurve: "P-256" });
  const ctlog = await initializeCTLog(kp());
  const ca = await initializeCA(kp(), ctlog);
  const tlogKeys = kp();
  const ac = new AbortController();
  const requestToken = crypto.randomUUID();
  type H = {
    path: string;
    fn: (body: string) => Promise<{ statusCode: number; response: unknown; contentType?: string }>;
  };
  let handlers: H[] = [];
  const token = (subject: string, issuer = FAKE_ISSUER) =>
    `${b64url({ alg: "none", typ: "JWT" })}.${
      b64url({
        iss: issuer,
        sub: subject,
        aud: "sigstore",
        iat: Math.floor(Date.now() / 1000),
        exp: Math.floor(Date.now() / 1000) + 600,
      })
    }.c2ln`;
  const state = {
    oidcSubject: "https://github.com/acme/strings/.github/workflows/release.yml@refs/tags/v1.0.0",
    oidcRequests: 0,
  };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    async (req) => {
      const url = new URL(req.url);
      if (req.method === "GET" && url.pathname === "/oidc/token") {
        if (req.headers.get("authorization")?.toLowerCase() !== `bearer ${requestToken}`) {
          return new Response("unauthorized", { status: 401 });
        }
        if (url.searchParams.get("audience") !== "sigstore") {
          return new Response("audience must be sigstore", { status: 400 });
        }
        state.oidcRequests++;
        return Response.json({ value: token(state.oidcSubject) });
      }
      const body = await req.text();
      const h = handlers.find((x) => x.path === url.pathname);
      if (req.method !== "POST" || h === undefined) {
        return new Response("not found", { status: 404 });
      }
      const r = await h.fn(body);
      return new Response(r.response as BodyInit, {
        status: r.statusCode,
        headers: { "Content-Type": r.contentType ?? "text/plain" },
      });
    },
  );
  const base = `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`;
  const tlog = await initializeTLog(base, tlogKeys);
  handlers = [fulcioHandler(ca) as H, rekorHandler(tlog) as H];
  const start = new Date(Date.now() - 3600_000).toISOString();
  const key = (raw: Buffer) => ({
    rawBytes: raw.toString("base64"),
    keyDetails: "PKIX_ECDSA_P256_SHA_256",
    validFor: { start },
  });
  const trustedRoot = {
    mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    tlogs: [{
      baseUrl: base,
      hashAlgorithm: "SHA2_256",
      publicKey: key(tlog.publicKey),
      logId: { keyId: createHash("sha256").update(tlog.publicKey).digest("base64") },
    }],
    certificateAuthorities: [{
      subject: { organization: "sigstore.mock", commonName: "sigstore" },
      uri: base,
      certChain: {
        certificates: [{ rawBytes: Buffer.from(ca.rootCertificate.buffer).toString("base64") }],
      },
      validFor: { start },
    }],
    ctlogs: [{
      baseUrl: base,
      hashAlgorithm: "SHA2_256",
      publicKey: key(ctlog.publicKey),
      logId: { keyId: Buffer.from(ctlog.logID.buffer).toString("base64") },
    }],
    timestampAuthorities: [],
  };
  return {
    url: base,
    trustedRootJson: JSON.stringify(trustedRoot, null, 2),
    oidcRequestUrl: `${base}/oidc/token?run=1`,
    oidcRequestToken: requestToken,
    get oidcSubject() {
      return state.oidcSubject;
    },
    set oidcSubject(v: string) {
      state.oidcSubject = v;
    },
    get oidcRequests() {
      return state.oidcRequests;
    },
    token,
    async [Symbol.asyncDispose]() {
      ac.abort();
      await server.finished;
    },
  };
}
