/**
 * The npm and JSR packers on the fixture library's typescript output, checked with the
 * ecosystems' own tools: `npm install <tgz>` into a temp project (offline) and `node` importing
 * it; `deno publish --dry-run` on the unpacked JSR archive. Plus layout, reproducibility and the
 * refusals of bad `[targets.typescript]` keys.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { gunzipSync } from "node:zlib";
import tarStream from "tar-stream";
import { packJsr } from "../src/fanout/jsr.ts";
import { packNpm } from "../src/fanout/npm.ts";
import { MochiError } from "../src/errors.ts";
import { have, run, tsFixturePackage } from "./fanout_js_fixture.ts";

const dec = new TextDecoder();
const fixturePackage = (e: "npm" | "jsr") => tsFixturePackage(e);

/** name → { bytes, mode, mtime, uid, gid, type } of every entry of a .tgz. */
async function untar(tgz: Uint8Array) {
  const out = new Map<
    string,
    { bytes: Uint8Array; mode: number; mtime: number; uid: number; type: string }
  >();
  const extract = tarStream.extract();
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Uint8Array[] = [];
      for await (const c of entry) chunks.push(c as Uint8Array);
      const h = entry.header;
      out.set(h.name, {
        bytes: new Uint8Array(Buffer.concat(chunks)),
        mode: h.mode ?? 0,
        mtime: (h.mtime?.getTime() ?? -1) / 1000,
        uid: h.uid ?? -1,
        type: h.type ?? "",
      });
    }
  })();
  extract.end(gunzipSync(tgz));
  await done;
  return out;
}

Deno.test("npm packer: package/ layout, package.json fields, JS and declarations only, reproducible", async () => {
  const pkg = await fixturePackage("npm");
  const [a, ...rest] = await packNpm(pkg);
  assert.equal(rest.length, 0);
  assert.equal(a!.fileName, "acme-greet-1.2.0-beta.1.tgz");
  const again = await packNpm(await fixturePackage("npm"));
  assert.deepEqual(again[0]!.bytes, a!.bytes, "two packs are byte-identical");
  // Gzip header: fixed mtime 0 (bytes 4..7), so the bytes do not move with the clock.
  assert.deepEqual([...a!.bytes.subarray(4, 8)], [0, 0, 0, 0]);
  const entries = await untar(a!.bytes);
  assert.deepEqual([...entries.keys()].sort(), [
    "package/README.md",
    "package/format.d.ts",
    "package/format.js",
    "package/mochi.caps.json",
    "package/mod.d.ts",
    "package/mod.js",
    "package/package.json",
  ]);
  for (const e of entries.values()) {
    assert.equal(e.type, "file");
    assert.equal(e.mode, 0o644);
    assert.equal(e.mtime, 499162500);
    assert.equal(e.uid, 0);
  }
  const json = JSON.parse(dec.decode(entries.get("package/package.json")!.bytes));
  assert.deepEqual(json, {
    name: "@acme/greet",
    version: "1.2.0-beta.1",
    description: "Greets people",
    keywords: ["greeting"],
    homepage: "https://acme.example/greet",
    license: "MIT",
    author: "Ada Lovelace <ada@example.com>",
    contributors: ["Grace Hopper"],
    repository: { type: "git", url: "git+https://github.com/acme/greet.git" },
    type: "module",
    exports: { ".": { types: "./mod.d.ts", default: "./mod.js" } },
    main: "./mod.js",
    types: "./mod.d.ts",
    mochi: { name: "@acme/greet", version: "1.2.0-beta.1" },
  });
});

Deno.test("npm packer: dependencies, engines, subpath exports; bad keys refused with FANOUT_E008", async () => {
  const pkg = await fixturePackage("npm");
  pkg.dependencies = [
    { name: "left-pad", range: "^1.3.0", kind: "normal" },
    { name: "@types/node", range: "^20.0.0", kind: "dev" },
    { name: "@acme/base", range: ">=1.0.0 <2.0.0-0", kind: "normal" },
  ];
  pkg.extra = { exports: { ".": "mod.ts", "./format": "./format.ts" }, engines: { node: ">=18" } };
  const entries = await untar((await packNpm(pkg))[0]!.bytes);
  const json = JSON.parse(dec.decode(entries.get("package/package.json")!.bytes));
  assert.deepEqual(json.dependencies, { "@acme/base": ">=1.0.0 <2.0.0-0", "left-pad": "^1.3.0" });
  assert.deepEqual(Object.keys(json.dependencies), ["@acme/base", "left-pad"]);
  assert.deepEqual(json.devDependencies, { "@types/node": "^20.0.0" });
  assert.deepEqual(json.engines, { node: ">=18" });
  assert.deepEqual(json.exports["./format"], { types: "./format.d.ts", default: "./format.js" });

  for (
    const [extra, re] of [
      [{ exprots: {} }, /unknown key "exprots"[\s\S]*did you mean "exports"/],
      [{ exports: { ".": "missing.ts" } }, /not a \.ts or \.js module/],
      [{ exports: { "./../x": "mod.ts" } }, /subpath/],
      [{ exports: [] }, /table of subpath/],
      [{ engines: { node: 18 } }, /engines must be a table of strings/],
    ] as const
  ) {
    const p = await fixturePackage("npm");
    p.extra = extra as Record<string, unknown>;
    await assert.rejects(() => packNpm(p), (e: unknown) => {
      assert.ok(e instanceof MochiError);
      assert.equal(e.code, "FANOUT_E008");
      assert.match(e.message + " " + (e.hint ?? ""), re);
      return true;
    });
  }
  // An output without the compiled JavaScript cannot go to npm.
  const noJs = await fixturePackage("npm");
  noJs.files = noJs.files.filter((f) => !f.path.endsWith(".js"));
  await assert.rejects(() => packNpm(noJs), /FANOUT_E007|npm needs mod\.js/);
});

Deno.test("JSR packer: jsr.json + TypeScript sources, emitted JS left out, deno.json merged", async () => {
  const pkg = await fixturePackage("jsr");
  pkg.dependencies = [
    { name: "@acme/base", range: "^1.0.0", kind: "normal" },
    { name: "npm:left-pad", range: "^1.3.0", kind: "normal" },
    { name: "@acme/testkit", range: "^1.0.0", kind: "dev" },
  ];
  const [a] = await packJsr(pkg);
  assert.equal(a!.fileName, "acme-greet-1.2.0-beta.1.jsr.tgz");
  assert.deepEqual((await packJsr(pkg))[0]!.bytes, a!.bytes);
  const entries = await untar(a!.bytes);
  assert.deepEqual([...entries.keys()].sort(), [
    "README.md",
    "deno.json",
    "format.ts",
    "jsr.json",
    "mod.ts",
  ]);
  const jsr = JSON.parse(dec.decode(entries.get("jsr.json")!.bytes));
  assert.deepEqual(jsr, {
    name: "@acme/greet",
    version: "1.2.0-beta.1",
    license: "MIT",
    exports: { ".": "./mod.ts" },
    imports: { "@acme/base": "jsr:@acme/base@^1.0.0", "left-pad": "npm:left-pad@^1.3.0" },
  });
  const deno = JSON.parse(dec.decode(entries.get("deno.json")!.bytes));
  // deno.json: the same identity first, then the lowered permissions (what deno run -P reads).
  assert.deepEqual(Object.keys(deno).slice(0, 5), Object.keys(jsr));
  for (const [k, v] of Object.entries(jsr)) assert.deepEqual(deno[k], v);
  assert.equal(deno.permissions.default.env, true);
  assert.deepEqual(deno.permissions.default.net, ["api.example.com:443"]);
  assert.equal(deno.permissions.default.write, false);
});

Deno.test("npm validator: npm install <tgz> offline into a temp project, node imports it", async () => {
  if (!(await have("npm")) || !(await have("node"))) {
    console.log("skipped: npm or node is not installed");
    return;
  }
  const tmp = await Deno.makeTempDir({ prefix: "mochi-npm-validate-" });
  try {
    const [a] = await packNpm(await fixturePackage("npm"));
    await Deno.writeFile(`${tmp}/${a!.fileName}`, a!.bytes);
    await Deno.mkdir(`${tmp}/app`);
    await Deno.writeTextFile(
      `${tmp}/app/package.json`,
      JSON.stringify({ name: "app", version: "0.0.0", private: true, type: "module" }),
    );
    const env = {
      npm_config_cache: `${tmp}/npm-cache`,
      npm_config_registry: "http://127.0.0.1:9/",
      npm_config_update_notifier: "false",
      npm_config_userconfig: `${tmp}/npmrc`,
    };
    const inst = await run(
      "npm",
      ["install", "--offline", "--no-audit", "--no-fund", `../${a!.fileName}`],
      `${tmp}/app`,
      env,
    );
    assert.equal(inst.code, 0, inst.stderr + inst.stdout);
    const lock = JSON.parse(await Deno.readTextFile(`${tmp}/app/package-lock.json`));
    assert.equal(lock.packages["node_modules/@acme/greet"].version, "1.2.0-beta.1");
    const node = await run("node", [
      "--input-type=module",
      "-e",
      'import { greet, GREETING } from "@acme/greet"; console.log(greet("Ada") + "|" + greet(" ") + "|" + GREETING);',
    ], `${tmp}/app`);
    assert.equal(node.code, 0, node.stderr);
    assert.equal(node.stdout.trim(), "Hello, Ada!|Hello, world!|Hello");
    // The declarations are where package.json says.
    const installed = `${tmp}/app/node_modules/@acme/greet`;
    assert.match(await Deno.readTextFile(`${installed}/mod.d.ts`), /greet\(name: string\): string/);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("JSR validator: deno publish --dry-run accepts the unpacked archive", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "mochi-jsr-validate-" });
  try {
    const [a] = await packJsr(await fixturePackage("jsr"));
    for (const [name, e] of await untar(a!.bytes)) {
      await Deno.writeFile(`${tmp}/${name}`, e.bytes);
    }
    const r = await run(Deno.execPath(), ["publish", "--dry-run", "--allow-dirty"], tmp, {
      DENO_NO_UPDATE_CHECK: "1",
      NO_COLOR: "1",
    });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stderr + r.stdout, /Simulating publish of @acme\/greet@1\.2\.0-beta\.1/);
    assert.match(r.stderr + r.stdout, /Dry run complete/);
    // And it refuses a broken one: the same archive with a type error in a source.
    await Deno.writeTextFile(`${tmp}/format.ts`, "export const formatGreeting: number = 'x';\n");
    const bad = await run(Deno.execPath(), ["publish", "--dry-run", "--allow-dirty"], tmp, {
      NO_COLOR: "1",
    });
    assert.notEqual(bad.code, 0, "deno publish --dry-run should refuse a type error");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
