import { assert } from "../../tests/assert.ts";
import { Output } from "./output.ts";
import { terminalProgress } from "./terminal.ts";

Deno.test("terminalProgress: phases side by side with counts and bytes; status escaped; cleared", async () => {
  let err = "";
  const out = new Output({ sinks: { stdout: () => {}, stderr: (t) => (err += t) } });
  const p = await terminalProgress(out, () => 80);
  p.phase("resolve");
  p.advance("resolve", 2);
  p.phase("download", 3);
  p.advance("download", 1, 2048);
  p.phase("verify", 3);
  p.advance("verify", 2);
  p.status("evil\x1b[2K\rname");
  await new Promise((r) => setTimeout(r, 200));
  assert(err.includes("Downloading 1/3 (2.0 KiB) · Verifying 2/3"), JSON.stringify(err));
  assert(!err.includes("Resolving 2"), "resolving ends when downloading starts");
  assert(err.includes("evil\\x1b[2K\\rname"), "registry text in the status line is escaped");
  out.note("a line");
  p.stop();
  const at = err.lastIndexOf("a line");
  assert(
    err.slice(at - 7, at) === "\x1b[2K\x1b[G",
    `a printed line first clears the progress line: ${JSON.stringify(err.slice(at - 20))}`,
  );
});
