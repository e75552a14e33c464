import assert from "node:assert/strict";
import { parseProjectPage } from "./index_page.ts";
import { MochiError } from "../errors.ts";

const enc = new TextEncoder();
const url = "https://127.0.0.1:1/simple/demo/";
const page = (files: unknown[], extra: Record<string, unknown> = {}) =>
  enc.encode(JSON.stringify({ meta: { "api-version": "1.1" }, name: "Demo", files, ...extra }));
const file = (over: Record<string, unknown> = {}) => ({
  filename: "demo-1.0-py3-none-any.whl",
  url: "../../files/demo-1.0-py3-none-any.whl#sha256=x",
  hashes: { sha256: "AB".repeat(32) },
  ...over,
});

Deno.test("PEP 691 page: URLs resolve against the page, hashes lowercased, PEP 592/658/714 fields", () => {
  const p = parseProjectPage(
    page([
      file({ "requires-python": ">=3.8", "core-metadata": { sha256: "cd".repeat(32) } }),
      file({ filename: "demo-0.9.tar.gz", yanked: "broken", "dist-info-metadata": true }),
      file({ filename: "demo-0.8.tar.gz", yanked: true }),
    ]),
    url,
  );
  assert.equal(p.name, "demo");
  assert.equal(p.files[0]!.url, "https://127.0.0.1:1/files/demo-1.0-py3-none-any.whl");
  assert.equal(p.files[0]!.sha256, "ab".repeat(32));
  assert.equal(p.files[0]!.requiresPython, ">=3.8");
  assert.deepEqual(p.files[0]!.coreMetadata, { sha256: "cd".repeat(32) });
  assert.equal(p.files[0]!.yanked, false);
  assert.equal(p.files[1]!.yanked, "broken");
  assert.deepEqual(p.files[1]!.coreMetadata, { sha256: "" }); // PEP 714 fallback name
  assert.equal(p.files[2]!.yanked, "");
  assert.equal(p.files[2]!.coreMetadata, false);
});

Deno.test("PEP 691 page: hostile or foreign bodies are refused with PY_E005", () => {
  const refuses = (body: Uint8Array, what: RegExp) =>
    assert.throws(() => parseProjectPage(body, url), (e) => {
      assert.ok(e instanceof MochiError && e.code === "PY_E005", String(e));
      assert.match(e.message, what);
      return true;
    });
  refuses(enc.encode("<!DOCTYPE html><html></html>"), /is HTML/);
  refuses(enc.encode("{"), /not valid JSON/);
  refuses(
    enc.encode(JSON.stringify({ meta: { "api-version": "2.0" }, name: "x", files: [] })),
    /API version/,
  );
  refuses(page([file({ filename: "../../etc/passwd" })]), /invalid filename/);
  refuses(page([file({ url: "file:///etc/passwd" })]), /scheme file:/);
  refuses(page([file({ url: "http://127.0.0.1/x.whl" })]), /no downgrade/);
  refuses(page([file({ hashes: { sha256: "zz" } })]), /invalid sha256/);
  refuses(page([file({ "core-metadata": { sha256: 5 } })]), /core-metadata/);
  refuses(new Uint8Array([0x7b, 0xff, 0x7d]), /UTF-8|PY_E005|page/);
});
