import assert from "node:assert/strict";
import type { MochiError } from "../../errors.ts";
import { identityToken } from "./oidc.ts";
import { signStatement } from "./sign.ts";
import { provenanceStatement } from "../mod.ts";

const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e as MochiError;
  }
  throw new Error("expected a rejection");
};

Deno.test("identityToken: --identity-token, then GitHub Actions, then SIGSTORE_ID_TOKEN", async () => {
  const calls: string[] = [];
  const fetch = ((url: URL, init: RequestInit) => {
    calls.push(`${url} ${(init.headers as Record<string, string>).Authorization}`);
    return Promise.resolve(Response.json({ value: "gha-token" }));
  }) as unknown as typeof globalThis.fetch;
  const env = {
    ACTIONS_ID_TOKEN_REQUEST_URL: "http://127.0.0.1:9/token?x=1",
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: "req",
    SIGSTORE_ID_TOKEN: "gitlab-token",
  };
  assert.deepEqual(await identityToken({ explicit: "given", env, fetch }), {
    token: "given",
    source: "--identity-token",
  });
  assert.equal(calls.length, 0);
  assert.deepEqual(await identityToken({ env, fetch }), {
    token: "gha-token",
    source: "github-actions",
  });
  assert.deepEqual(calls, ["http://127.0.0.1:9/token?x=1&audience=sigstore bearer req"]);
  assert.deepEqual(await identityToken({ env: { SIGSTORE_ID_TOKEN: "gitlab-token" }, fetch }), {
    token: "gitlab-token",
    source: "SIGSTORE_ID_TOKEN",
  });
  assert.equal((await codeOf(identityToken({ env: {}, fetch }))).code, "PUB_E009");
});

Deno.test("identityToken: a failing GitHub token endpoint is PUB_E010 without the request token", async () => {
  const fetch =
    (() =>
      Promise.resolve(new Response("nope", { status: 403 }))) as unknown as typeof globalThis.fetch;
  const e = await codeOf(identityToken({
    env: {
      ACTIONS_ID_TOKEN_REQUEST_URL: "http://127.0.0.1:9/t",
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: "sekrit",
    },
    fetch,
  }));
  assert.equal(e.code, "PUB_E010");
  assert.match(e.message, /answered 403/);
  assert.doesNotMatch(e.message, /sekrit/);
});

Deno.test("signStatement: an unreachable Fulcio is PUB_E010 and the message never holds the token", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close(); // nothing listens there now
  const h = "a".repeat(64);
  const token = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2ln";
  const e = await codeOf(signStatement({
    statement: provenanceStatement({
      name: "x",
      version: "1.0.0",
      digest: { blake3: h, sha256: h },
      builderId: "b",
    }),
    identityToken: token,
    fulcioUrl: `http://127.0.0.1:${port}`,
    rekorUrl: `http://127.0.0.1:${port}`,
    timeoutMs: 2000,
  }));
  assert.equal(e.code, "PUB_E010");
  assert.doesNotMatch(e.message, new RegExp(token.replaceAll(".", "\\.")));
});

Deno.test("identityToken: an endless token answer is cut off at 64 KiB (PUB_E010)", async () => {
  let sent = 0;
  const fetch = (() =>
    Promise.resolve(
      new Response(
        new ReadableStream({
          pull(c) {
            sent += 4096;
            if (sent > 16 * 1024 * 1024) c.close();
            else c.enqueue(new Uint8Array(4096).fill(32));
          },
        }),
      ),
    )) as unknown as typeof globalThis.fetch;
  const env = {
    ACTIONS_ID_TOKEN_REQUEST_URL: "http://127.0.0.1:9/token",
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: "req",
  };
  const e = await codeOf(identityToken({ env, fetch }));
  assert.equal(e.code, "PUB_E010");
  assert.match(e.message, /more than 65536 bytes/);
  assert.ok(sent < 1024 * 1024, `read ${sent} bytes`);
});
