/**
 * failoverFetch: the primary first; a mirror on a connection error, a 5xx or no answer in
 * time; 4xx final; primary-only paths never fail over; a failed primary is skipped for a while,
 * then preferred again. And `[registry] mirrors` in mochi.toml.
 */
import assert from "node:assert/strict";
import { failoverFetch } from "./mirror_fetch.ts";
import { parseManifest } from "../../manifest/mod.ts";

const P = "http://127.0.0.1:1/reg/";
const M1 = "http://127.0.0.1:2/m1/";
const M2 = "http://127.0.0.1:3/m2";

function fake(behaviour: Record<string, "ok" | "503" | "404" | "refuse" | "hang">) {
  const seen: string[] = [];
  const f = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    seen.push(url);
    const b = Object.entries(behaviour).find(([prefix]) => url.startsWith(prefix))?.[1] ?? "ok";
    if (b === "refuse") return Promise.reject(new TypeError("connection refused"));
    if (b === "hang") {
      return new Promise((_, reject) =>
        init?.signal?.addEventListener("abort", () => reject(init.signal!.reason))
      );
    }
    const status = b === "ok" ? 200 : Number(b);
    return Promise.resolve(new Response(url, { status }));
  };
  return { f: f as typeof fetch, seen };
}

Deno.test("failoverFetch: 5xx, refused and silent primaries fail over; 4xx is final", async () => {
  for (const b of ["503", "refuse", "hang"] as const) {
    const { f, seen } = fake({ [P]: b, [M1]: "503" });
    const notices: string[] = [];
    const ff = failoverFetch(P, [M1, M2], {
      fetch: f,
      headerTimeoutMs: 50,
      onFailover: (n) => notices.push(n.mirror),
    });
    const res = await ff(`${P}se/rd/-/serde`);
    assert.equal(res.status, 200, b);
    assert.equal(await res.text(), `${M2}/se/rd/-/serde`);
    assert.deepEqual(seen, [`${P}se/rd/-/serde`, `${M1}se/rd/-/serde`, `${M2}/se/rd/-/serde`]);
    assert.deepEqual(notices, [M1, `${M2}/`]);
  }
  const { f, seen } = fake({ [P]: "404" });
  const res = await failoverFetch(P, [M1], { fetch: f })(`${P}x`);
  assert.equal(res.status, 404);
  assert.deepEqual(seen, [`${P}x`]);
  // Other URLs pass through.
  const other = fake({});
  await failoverFetch(P, [M1], { fetch: other.f })("http://127.0.0.1:9/y");
  assert.deepEqual(other.seen, ["http://127.0.0.1:9/y"]);
});

Deno.test("failoverFetch: primary-only paths, the failed primary skipped then preferred", async () => {
  const { f, seen } = fake({ [P]: "refuse" });
  const ff = failoverFetch(P, [M1], {
    fetch: f,
    retryPrimaryAfterMs: 100,
    primaryOnly: (rel) => rel === "config.json",
  });
  await assert.rejects(() => ff(`${P}config.json`), TypeError);
  assert.deepEqual(seen.splice(0), [`${P}config.json`]);
  assert.equal((await ff(`${P}a`)).status, 200);
  assert.deepEqual(seen.splice(0), [`${M1}a`], "the primary is skipped while it is down");
  await new Promise((r) => setTimeout(r, 120));
  assert.equal((await ff(`${P}b`)).status, 200);
  assert.deepEqual(seen.splice(0), [`${P}b`, `${M1}b`], "then tried first again");
  assert.equal((await ff(`${P}c`)).status, 200);
  assert.deepEqual(seen.splice(0), [`${M1}c`]);
  // Every target failing: the last answer (or error) comes back.
  const all = fake({ [P]: "503", [M1]: "503" });
  assert.equal((await failoverFetch(P, [M1], { fetch: all.f })(`${P}z`)).status, 503);
});

Deno.test("[registry] mirrors: a list of http(s) URLs, anything else MANIFEST_E009", () => {
  const base = '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2026"\nmochi = ">=0.7"\n';
  const ok = parseManifest(
    `${base}[registry]\ndefault = "https://r.example/"\nmirrors = ["https://m.example/", "http://127.0.0.1:8/"]\n`,
    "mochi.toml",
  );
  assert.deepEqual(ok.manifest.registry.mirrors, ["https://m.example/", "http://127.0.0.1:8/"]);
  for (const bad of ['"https://m.example/"', '["file:///x"]', "[1]"]) {
    assert.throws(
      () => parseManifest(`${base}[registry]\nmirrors = ${bad}\n`, "mochi.toml"),
      { code: "MANIFEST_E009" },
    );
  }
});

Deno.test("failoverFetch: a POST (publish, yank) goes to the primary alone", async () => {
  const { f, seen } = fake({ [P]: "503" });
  const res = await failoverFetch(P, [M1], { fetch: f })(`${P}api/v1/packages`, {
    method: "POST",
    body: "x",
  });
  assert.equal(res.status, 503);
  assert.deepEqual(seen, [`${P}api/v1/packages`]);
});
