import assert from "node:assert/strict";
import { MochiError } from "../../errors.ts";
import { exchange, MAX_NATIVE_ANSWER_BYTES, multipart, send } from "./_upload_http.ts";

/** A loopback server whose answer is `chunks`, then either the end or a broken connection. */
function serveChunks(chunks: Uint8Array[], breakOff: boolean) {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    await req.arrayBuffer();
    let i = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (i < chunks.length) c.enqueue(chunks[i++]!);
        else if (breakOff) c.error(new Error("connection lost"));
        else c.close();
      },
    });
    return new Response(body, { status: 200 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/upload`,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}

Deno.test("exchange: an answer broken off after its headers is FANOUT_E009 naming that, not 'could not be reached'", async () => {
  await using reg = serveChunks([new Uint8Array(1024).fill(0x61)], true);
  await assert.rejects(
    () => exchange({ url: reg.url, timeoutMs: 5000 }, reg.url, () => ({ method: "PUT" }), "x"),
    (e: unknown) => {
      assert.ok(e instanceof MochiError, String(e));
      assert.equal(e.code, "FANOUT_E009");
      assert.match(
        e.message,
        /^x: http:\/\/127\.0\.0\.1:\d+\/upload broke off its answer \(HTTP 200\)/,
      );
      assert.match(e.hint!, /if it landed/);
      return true;
    },
  );
});

Deno.test("exchange: past the cap an answer is refused, or cut at the cap when truncating (native uploads)", async () => {
  const chunk = new Uint8Array(48 * 1024).fill(0x62);
  await using reg = serveChunks([chunk, chunk], false);
  const to = { url: reg.url, timeoutMs: 5000 };
  await assert.rejects(
    () => exchange(to, reg.url, () => ({ method: "GET" }), "x", { maxBytes: 64 * 1024 }),
    (e: unknown) =>
      e instanceof MochiError && e.code === "FANOUT_E009" &&
      /more than 65536 bytes/.test(e.message),
  );
  const cut = await send("hex", to, new URL(reg.url), { method: "POST", headers: {}, body: chunk });
  assert.equal(cut.status, 200);
  assert.equal(cut.body.length, MAX_NATIVE_ANSWER_BYTES);
});

Deno.test("multipart: the boundary occurs in no part; values without a Content-Type, files with one", () => {
  const { body, contentType } = multipart([
    { name: "name", bytes: new TextEncoder().encode("greet\n") },
    {
      name: "content",
      filename: "a.whl",
      contentType: "application/octet-stream",
      bytes: new Uint8Array([1, 2]),
    },
  ]);
  const boundary = contentType.slice("multipart/form-data; boundary=".length);
  const text = new TextDecoder().decode(body);
  assert.equal(text.split(`--${boundary}`).length, 4);
  assert.ok(text.includes('Content-Disposition: form-data; name="name"\r\n\r\ngreet\n\r\n'));
  assert.ok(
    text.includes(
      'Content-Disposition: form-data; name="content"; filename="a.whl"\r\nContent-Type: application/octet-stream\r\n\r\n',
    ),
  );
  assert.ok(text.endsWith(`--${boundary}--\r\n`));
});
