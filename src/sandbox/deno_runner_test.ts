import assert from "node:assert/strict";
import { classifyCompileFailure } from "./deno_runner.ts";

Deno.test("compile failures: a denort download failure is told apart from others", () => {
  const real = "\x1b[0m\x1b[32mCompile\x1b[0m p.ts to pbin\n" +
    "\x1b[0m\x1b[32mDownload\x1b[0m https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip\n" +
    "\x1b[1m\x1b[31merror\x1b[0m: Writing deno compile executable to temporary file 'pbin.tmp'\n\nCaused by:\n" +
    "    0: Setting up base binary.\n" +
    "    1: error sending request for url (https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip): client error (Connect): dns error: failed to lookup address information: Name or service not known\n";
  const f = classifyCompileFailure(real);
  assert.equal(f.kind, "runtime-download");
  assert.match(f.detail, /^1: error sending request for url \(https:\/\/dl.deno.land/);
  const other = classifyCompileFailure(
    '\x1b[31merror\x1b[0m: Module not found "file:///x/main.ts".\n',
  );
  assert.deepEqual(other, {
    kind: "other",
    detail: 'error: Module not found "file:///x/main.ts".',
  });
});
