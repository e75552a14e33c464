import assert from "node:assert/strict";
import { MochiError } from "../errors.ts";
import {
  denoCompileArgs,
  denoRunArgs,
  lowerToDeno,
  lowerToTarget,
  mergeDenoJson,
  parseLoweringTarget,
  projectCapabilities,
  withReadAccess,
  workerPermissions,
} from "./mod.ts";
import { parseManifest } from "../manifest/mod.ts";

const isCode = (code: string) => (e: unknown) => e instanceof MochiError && e.code === code;

Deno.test("deno: scoped entries become allow lists, unscoped ones grant all", () => {
  const l = lowerToDeno([
    "fs.read:/data",
    "fs.read:/etc/app.conf",
    "net.dial:api.example.com:443",
    "net.listen:127.0.0.1:8080",
    "env",
    "env:HOME",
    "clock",
    "random",
  ]);
  assert.deepEqual(l.permissions, {
    read: ["/data", "/etc/app.conf"],
    write: false,
    net: ["127.0.0.1:8080", "api.example.com:443"],
    env: true,
    run: false,
    ffi: false,
    sys: false,
    import: false,
  });
  assert.deepEqual(l.flags, [
    "--allow-read=/data,/etc/app.conf",
    "--allow-net=127.0.0.1:8080,api.example.com:443",
    "--allow-env",
    "--no-prompt",
    "--no-remote",
    "--deny-sys",
    "--deny-import",
    "--deny-write=deno.json,mochi.lock,mochi.toml",
  ]);
  assert.deepEqual(l.unenforced, ["clock", "random"]);
  assert.deepEqual(lowerToDeno(["proc.spawn:git", "ffi"]).flags.slice(0, 2), [
    "--allow-run=git",
    "--allow-ffi",
  ]);
  assert.deepEqual(lowerToDeno([]).flags, [
    "--no-prompt",
    "--no-remote",
    "--deny-sys",
    "--deny-import",
    "--deny-write=deno.json,mochi.lock,mochi.toml",
  ]);
  // Scopes are lowered in normal form; a list separator never reaches a flag.
  assert.deepEqual(lowerToDeno(["fs.read:data/./x/"]).permissions.read, ["./data/x"]);
  assert.throws(() => lowerToDeno(["fs.read:/a,b"]), isCode("CAP_E003"));
  assert.throws(() => lowerToDeno(["fs.reed"]), isCode("CAP_E003"));
});

Deno.test("deno.json merge: permissions.default, compile.permissions, tasks.start; other keys kept", () => {
  const l = lowerToDeno(["fs.read:./data", "clock"]);
  const before = JSON.stringify({
    imports: { x: "npm:x@1" },
    tasks: { test: "deno test" },
    permissions: { mine: { env: true }, default: { all: true } },
    compile: { include: ["assets/"] },
  });
  const doc = JSON.parse(mergeDenoJson(before, l, { entry: "src/main.ts" }));
  assert.deepEqual(Object.keys(doc), ["imports", "tasks", "permissions", "compile"]);
  assert.deepEqual(doc.imports, { x: "npm:x@1" });
  assert.equal(doc.tasks.test, "deno test");
  assert.deepEqual(doc.permissions.mine, { env: true });
  assert.deepEqual(doc.permissions.default, l.permissions);
  assert.deepEqual(doc.compile, { include: ["assets/"], permissions: l.permissions });
  // The grant comes from permissions.default (-P): no scope is written into the task shell.
  assert.equal(
    doc.tasks.start.command,
    "deno run -P --no-prompt --no-remote --deny-sys --deny-import " +
      "--deny-write=deno.json,mochi.lock,mochi.toml src/main.ts",
  );
  assert.match(doc.tasks.start.description, /not enforced \(Deno has no gate\): clock/);
  // Idempotent, and a fresh file works.
  assert.equal(mergeDenoJson(mergeDenoJson(before, l), l), mergeDenoJson(before, l));
  assert.deepEqual(Object.keys(JSON.parse(mergeDenoJson(undefined, l))), [
    "permissions",
    "compile",
    "tasks",
  ]);
  assert.throws(() => mergeDenoJson('{ // comment\n "a": 1 }', l), isCode("CAP_E006"));
  assert.throws(() => mergeDenoJson('{"tasks": []}', l), isCode("CAP_E006"));
  for (const entry of ["main ts", "$(touch x).ts", "'a'.ts", "-A", "~/m.ts", "a;b", "m\n.ts"]) {
    assert.throws(() => mergeDenoJson(undefined, l, { entry }), isCode("CAP_E010"), entry);
  }
});

Deno.test("other targets: wasm refuses what WASI cannot do; node/bun document only", () => {
  const pkg = { name: "app", version: "1.0.0" };
  assert.throws(
    () => lowerToTarget("wasm", pkg, ["fs.read", "net.dial:x:1", "ffi"]),
    (e) =>
      isCode("CAP_E004")(e) && /"net.dial:x:1" \(WASI preview1 cannot open outgoing/.test(
        (e as Error).message,
      ) && /"ffi"/.test((e as Error).message),
  );
  const wasm = lowerToTarget("wasm", pkg, ["random", "clock"]);
  assert.equal(wasm.file, "mochi.wasm-imports.json");
  assert.deepEqual(wasm.content.imports, [
    "wasi_snapshot_preview1.clock_res_get",
    "wasi_snapshot_preview1.clock_time_get",
    "wasi_snapshot_preview1.random_get",
  ]);
  const py = lowerToTarget("python", pkg, ["net.dial:example.com:443", "proc.spawn"]);
  assert.equal(py.file, "mochi_caps.json");
  assert.deepEqual((py.content.hooks as Record<string, string[]>)["proc.spawn"], [
    "subprocess.Popen",
    "os.system",
    "os.exec",
  ]);
  for (const t of ["node", "bun"] as const) {
    const doc = lowerToTarget(t, pkg, ["ffi"]);
    assert.equal(doc.enforced, false);
    assert.equal(doc.content.enforced, false);
    assert.equal(doc.file, "mochi.caps.json");
  }
  assert.equal(parseLoweringTarget("python"), "python");
  assert.throws(
    () => parseLoweringTarget("dneo"),
    (e) => isCode("CAP_E009")(e) && /did you mean "deno"/.test((e as Error).message),
  );
});

Deno.test("run and compile arguments carry exactly the lowered flags", () => {
  const l = lowerToDeno(["net.dial:127.0.0.1:9000"]);
  assert.deepEqual(denoRunArgs(l, "main.ts", ["--x", "1"]), [
    "run",
    "--allow-net=127.0.0.1:9000",
    "--no-prompt",
    "--no-remote",
    "--deny-sys",
    "--deny-import",
    "--deny-write=deno.json,mochi.lock,mochi.toml",
    "main.ts",
    "--x",
    "1",
  ]);
  assert.ok(denoRunArgs(l, "m.ts", [], { isolate: true }).includes("--unstable-worker-options"));
  assert.deepEqual(denoCompileArgs(l, "main.ts", "app"), [
    "compile",
    "--allow-net=127.0.0.1:9000",
    "--no-prompt",
    "--no-remote",
    "--deny-sys",
    "--deny-import",
    "--deny-write=deno.json,mochi.lock,mochi.toml",
    "--output",
    "app",
    "main.ts",
  ]);
});

Deno.test("worker permissions add the package's own code directory to read", () => {
  const set = lowerToDeno(["net.dial:127.0.0.1:1"]).permissions;
  assert.deepEqual(workerPermissions(set, ["/store/b"]).read, ["/store/b"]);
  assert.deepEqual(workerPermissions(set, ["/store/b"]).net, ["127.0.0.1:1"]);
  assert.equal(workerPermissions(lowerToDeno(["fs.read"]).permissions, ["/x"]).read, true);
});

Deno.test("project capabilities: root required, default features' optional ones, locked packages", () => {
  const { manifest } = parseManifest(
    `[package]
name = "app"
version = "0.1.0"
edition = "2026"
mochi = ">=0.7"

[features]
default = ["cache"]
cache = ["disk"]
disk = []
remote = []

[capabilities]
required = ["env:HOME"]
optional = ["fs.write", "net.dial"]
optional_features = { disk = ["fs.write:./cache"], remote = ["net.dial"] }
`,
    "mochi.toml",
  );
  const lock = {
    version: 1 as const,
    manifestHash: "x",
    packages: [{
      name: "json",
      version: "1.0.0",
      source: "registry+x",
      capabilities: ["fs.read"],
      dependencies: [],
    }],
    capabilitiesSeen: new Map(),
  };
  assert.deepEqual(projectCapabilities(manifest, lock), [
    "env:HOME",
    "fs.read",
    "fs.write:./cache",
  ]);
});

Deno.test("withReadAccess: mochi's own directory joins the read list, outside the scope grammar", () => {
  const l = withReadAccess(lowerToDeno(["fs.read:./data"]), "/home/u/My Projects/app");
  assert.deepEqual(l.permissions.read, ["./data", "/home/u/My Projects/app"]);
  assert.equal(l.flags[0], "--allow-read=./data,/home/u/My Projects/app");
  assert.equal(withReadAccess(lowerToDeno(["fs.read"]), "/x").permissions.read, true);
  assert.throws(() => withReadAccess(lowerToDeno([]), "/a,b"), isCode("CAP_E005"));
  assert.throws(() => withReadAccess(lowerToDeno([]), "rel"), isCode("CAP_E005"));
});
