import assert from "node:assert/strict";
import { join } from "node:path";
import { removeIfExists, tempPathBeside, writeFileAtomic } from "./fs_atomic.ts";
import { guardedTest } from "../../../tests/stray.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

async function names(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out.sort();
}

guardedTest("writeFileAtomic creates and replaces a file, leaving no temp file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const p = join(dir, "mochi.lock");
    await writeFileAtomic(p, enc.encode("one\n"));
    assert.equal(dec.decode(await Deno.readFile(p)), "one\n");
    await writeFileAtomic(p, enc.encode("two\n"), { mode: 0o600 });
    assert.equal(dec.decode(await Deno.readFile(p)), "two\n");
    if (Deno.build.os !== "windows") assert.equal((await Deno.stat(p)).mode! & 0o777, 0o600);
    assert.deepEqual(await names(dir), ["mochi.lock"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

guardedTest("writeFileAtomic removes its temp file when the rename fails", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // The target is a non-empty directory: the rename fails after the temp file was written.
    const p = join(dir, "target");
    await Deno.mkdir(join(p, "inner"), { recursive: true });
    await assert.rejects(writeFileAtomic(p, enc.encode("x")));
    assert.deepEqual(await names(dir), ["target"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

guardedTest("writeFileAtomic into a missing directory throws NotFound", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      writeFileAtomic(join(dir, "nope", "f"), enc.encode("x")),
      Deno.errors.NotFound,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

guardedTest("tempPathBeside stays in the same directory and differs each call", () => {
  const a = tempPathBeside("/x/y/file.txt");
  const b = tempPathBeside("/x/y/file.txt");
  assert.ok(a.startsWith("/x/y/.file.txt."));
  assert.notEqual(a, b);
});

guardedTest("removeIfExists ignores a missing path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await removeIfExists(join(dir, "missing"));
    await Deno.writeFile(join(dir, "f"), enc.encode("x"));
    await removeIfExists(join(dir, "f"));
    assert.deepEqual(await names(dir), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
