/**
 * `--json` on every read command (issue 13): the output of `install`, `tree`, `why`,
 * `outdated`, `lock --check`, `cache size`, `audit capabilities` and `verify`, run through the
 * real CLI against a loopback `mochi registry serve`, validates against its JSON Schema in
 * `docs/schemas/` (Ajv, strict mode), and the exit statuses stay those of the text output.
 */
import assert from "node:assert/strict";
import { Ajv } from "ajv";
import {
  ROOT,
  runCli,
  serveRegistrySubprocess,
  type TestVersion,
  writeProject,
  writeRegistry,
} from "./helpers.ts";
import { strayGuard } from "./stray.ts";

const VERSIONS: TestVersion[] = [
  { name: "serde", version: "1.0.0", deps: { core: "^1.0" } },
  { name: "serde", version: "1.1.0", deps: { core: "^1.0" } },
  { name: "core", version: "1.0.0" },
  { name: "core", version: "1.0.1", capabilities: ["net.dial"] },
  { name: "rand", version: "0.8.0", deps: { core: "1" } },
];

/** Every read command's schema, by file name under docs/schemas/. */
export const SCHEMAS = [
  "install",
  "tree",
  "why",
  "outdated",
  "lock-check",
  "cache-size",
  "audit-capabilities",
  "verify",
  // Validated against the real output in tests/audit_cli_test.ts and tests/provenance_cli_test.ts.
  "audit",
  "provenance",
] as const;

async function validators(): Promise<Map<string, (data: unknown) => string | undefined>> {
  const ajv = new Ajv({ strict: true, allErrors: true });
  const out = new Map<string, (data: unknown) => string | undefined>();
  for (const name of SCHEMAS) {
    const schema = JSON.parse(
      await Deno.readTextFile(`${ROOT}/docs/schemas/${name}.schema.json`),
    );
    const validate = ajv.compile(schema);
    out.set(name, (data) => (validate(data) ? undefined : ajv.errorsText(validate.errors)));
  }
  return out;
}

Deno.test("every read command's --json validates against its schema", async () => {
  const check = await strayGuard();
  const schemas = await validators();
  const tmp = await Deno.makeTempDir({ prefix: "mochi-json-" });
  const reg = `${tmp}/registry`;
  await writeRegistry(reg, VERSIONS);
  await using server = await serveRegistrySubprocess(reg);
  try {
    const app = `${tmp}/app`;
    await writeProject(
      app,
      { serde: "1.0", rand: "0.8" },
      `[registry]\ndefault = "${server.url}"\n`,
    );
    const env = { MOCHI_HOME: `${tmp}/home` };
    const json = async (schema: string, args: string[], code = 0) => {
      const r = await runCli([...args, "--json"], { cwd: app, env });
      assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
      const data = JSON.parse(r.stdout);
      const problem = schemas.get(schema)!(data);
      assert.equal(problem, undefined, `${args.join(" ")} --json: ${problem}\n${r.stdout}`);
      return data;
    };
    const locked = await runCli(["lock"], { cwd: app, env });
    assert.equal(locked.code, 0, locked.stderr);

    const inst = await json("install", ["install"]);
    assert.equal(inst.packages, 3);
    assert.equal(inst.lockChanged, false);
    await Deno.remove(`${app}/mochi.lock`);
    const fresh = await json("install", ["install"]);
    assert.deepEqual(
      fresh.changes.map((c: { kind: string; name: string }) => `${c.kind} ${c.name}`),
      ["added core", "added rand", "added serde"],
    );

    // The text form prints the same changes, uv style, before the summary.
    await Deno.remove(`${app}/mochi.lock`);
    const text = await runCli(["install"], { cwd: app, env });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /\n\+ core 1\.0\.1\n\+ rand 0\.8\.0\n\+ serde 1\.1\.0\nWrote /);

    const tree = await json("tree", ["tree"]);
    assert.equal(tree.root, "app 0.1.0");
    assert.deepEqual(tree.nodes[0].edges, ["rand 0.8.0", "serde 1.1.0"]);
    const shallow = await json("tree", ["tree", "--depth", "0"]);
    assert.equal(shallow.nodes.length, 1);
    const why = await json("why", ["why", "core"]);
    assert.deepEqual(why.targets, ["core 1.0.1"]);
    assert.deepEqual(
      why.nodes.find((n: { id: string }) => n.id === "core 1.0.1").edges,
      ["rand 0.8.0", "serde 1.1.0"],
    );
    const outdated = await json("outdated", ["outdated"]);
    assert.deepEqual(outdated.outdated, []);
    const lockCheck = await json("lock-check", ["lock", "--check"]);
    assert.equal(lockCheck.upToDate, true);
    const size = await json("cache-size", ["cache", "size"]);
    assert.equal(size.blobs, 3);
    assert.equal(
      size.totalBytes,
      size.blobBytes + size.treeBytes + size.tempBytes + size.indexBytes,
    );
    const audit = await json("audit-capabilities", ["audit", "capabilities"], 1);
    assert.deepEqual(
      audit.findings.map((f: { name: string; kind: string }) => f.name + " " + f.kind),
      [
        "core patch-adds",
      ],
    );
    const verify = await json("verify", ["verify"]);
    assert.equal(verify.checked, 3);
    assert.deepEqual(verify.corrupt, []);

    // A republished version (other bytes) makes lock --check exit 1 with the change listed.
    await writeRegistry(reg, [
      ...VERSIONS.filter((v) => v.name !== "rand"),
      { name: "rand", version: "0.8.0", deps: { core: "1" }, archive: new Uint8Array([1, 2, 3]) },
    ]);
    const drift = await json("lock-check", ["lock", "--check"], 1);
    assert.equal(drift.upToDate, false);
    assert.deepEqual(drift.changes, ["~ rand 0.8.0 (digest changed)"]);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
  await check();
});

Deno.test("every schema in docs/schemas/ compiles in strict mode and is tested above", async () => {
  const files: string[] = [];
  for await (const e of Deno.readDir(`${ROOT}/docs/schemas`)) {
    if (e.name.endsWith(".schema.json")) files.push(e.name);
  }
  assert.deepEqual(files.sort(), SCHEMAS.map((s) => `${s}.schema.json`).sort());
  assert.equal((await validators()).size, SCHEMAS.length);
});
