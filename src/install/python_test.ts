import assert from "node:assert/strict";
import { MochiError } from "../errors.ts";
import type { LockedPythonPackage, LockedWheel } from "../lockfile/mod.ts";
import { parsePythonImportSpec, type PythonImportRequirement } from "../python/mod.ts";
import { readProject } from "./project.ts";
import { declaredPythonDependencies, lockedPythonSatisfies } from "./python.ts";

const HEAD = `[package]
name = "app"
version = "1.0.0"
edition = "2026"
mochi = ">=0.7"

[targets.python.ffi]
`;

async function declared(body: string): Promise<unknown> {
  const dir = await Deno.makeTempDir({ prefix: "mochi-pyffi-" });
  try {
    await Deno.writeTextFile(`${dir}/mochi.toml`, HEAD + body);
    return declaredPythonDependencies(await readProject(dir));
  } catch (e) {
    return e;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("[targets.python.ffi]: a bad requirement is PY_E010 at the entry's line and column", async () => {
  for (
    const [body, want] of [
      ['httpx = "^0.27"\n', /invalid specifier "\^0.27" for distribution "httpx"/],
      ['x = { path = "/etc" }\n', /relative directory/],
      ['x = { git = "javascript:alert(1)" }\n', /scheme "javascript"/],
    ] as const
  ) {
    const e = await declared(body);
    assert.ok(e instanceof MochiError, String(e));
    assert.equal(e.code, "PY_E010", body);
    assert.match(e.message, want, body);
    assert.equal(e.file, "mochi.toml");
    assert.equal(e.line, 8, body);
    assert.ok(e.column !== undefined && e.column > 1, body);
  }
  const ok = await declared('httpx = ">=0.27"\n');
  assert.ok(Array.isArray(ok));
  assert.equal((ok as { spec: { specifier: string } }[])[0]?.spec.specifier, ">=0.27");
});

Deno.test("lockedPythonSatisfies: the lock is kept only while it still answers", () => {
  const INDEX = "http://127.0.0.1:1/simple/";
  const req = (text: string, alias: string): PythonImportRequirement => ({
    spec: parsePythonImportSpec(text),
    alias,
    where: "src/main.mochi:1",
  });
  const packages: LockedPythonPackage[] = [
    { name: "httpx", alias: "httpx", source: "registry", version: "0.27.2", specifier: ">=0.27" },
  ];
  const wheels: LockedWheel[] = [{
    name: "httpx",
    version: "0.27.2",
    filename: "httpx-0.27.2-py3-none-any.whl",
    sha256: "a".repeat(64),
    index: INDEX,
  }];
  const lock = { packages, wheels };
  assert.equal(lockedPythonSatisfies(lock, [req("httpx>=0.27", "httpx")], INDEX), true);
  assert.equal(lockedPythonSatisfies(lock, [req("httpx>=0.28", "httpx")], INDEX), false);
  assert.equal(lockedPythonSatisfies(lock, [req("httpx>=0.27", "web")], INDEX), false);
  assert.equal(lockedPythonSatisfies(lock, [req("httpx[http2]>=0.27", "httpx")], INDEX), false);
  assert.equal(
    lockedPythonSatisfies(lock, [req("httpx>=0.27", "httpx")], "http://x/simple/"),
    false,
  );
  assert.equal(
    lockedPythonSatisfies(lock, [req("httpx>=0.27", "httpx"), req("idna", "idna")], INDEX),
    false,
  );
  assert.equal(
    lockedPythonSatisfies({ packages, wheels: [] }, [req("httpx>=0.27", "httpx")], INDEX),
    false,
  );
});
