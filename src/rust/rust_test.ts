import { assert, assertEquals, assertRejects, assertThrows } from "../../tests/assert.ts";
import { MochiError } from "../errors.ts";
import { NoSolutionError } from "../solver/mod.ts";
import { formatLockfile, parseLockfile } from "../lockfile/mod.ts";
import {
  crateDownloadUrl,
  CrateIndexFile,
  crateIndexPath,
  lockedCratesSatisfy,
  mergeRustRequirements,
  parseCrateIndexFile,
  resolveCrates,
  type RustRequirement,
  scanRustImports,
} from "./mod.ts";

const CK = "a".repeat(64);

function line(o: Record<string, unknown>): string {
  return JSON.stringify({ deps: [], cksum: CK, features: {}, yanked: false, ...o });
}

function dep(name: string, req: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    req,
    features: [],
    optional: false,
    default_features: true,
    target: null,
    kind: "normal",
    ...extra,
  };
}

/** An in-memory cargo index: crate name → index file text. */
function memoryIndex(files: Record<string, string[]>) {
  return {
    versions(name: string): Promise<CrateIndexFile | null> {
      const f = files[name];
      return Promise.resolve(f ? CrateIndexFile.parse(name, f.join("\n"), name) : null);
    },
  };
}

function req(pkg: string, requirement: string, features: string[] = [], defaultFeatures = true) {
  return { name: pkg, package: pkg, requirement, features, defaultFeatures } as RustRequirement;
}

async function pick(files: Record<string, string[]>, reqs: RustRequirement[]) {
  const r = await resolveCrates(memoryIndex(files), reqs, { indexUrl: "sparse+http://x/" });
  return r.crates.map((c) => `${c.name} ${c.version} [${c.features.join(",")}]`);
}

Deno.test("crateIndexPath follows cargo's rule and lowercases", () => {
  assertEquals(crateIndexPath("a"), "1/a");
  assertEquals(crateIndexPath("ab"), "2/ab");
  assertEquals(crateIndexPath("Abc"), "3/a/abc");
  assertEquals(crateIndexPath("Serde_JSON"), "se/rd/serde_json");
  assertThrows(() => crateIndexPath("../x"), MochiError, "invalid crate name");
});

Deno.test("dl templates: markers, and cargo's default suffix", () => {
  assertEquals(
    crateDownloadUrl(
      "https://d/{crate}/{version}/{prefix}/{lowerprefix}/{sha256-checksum}",
      "Serde",
      "1.0.0",
      CK,
    ),
    `https://d/Serde/1.0.0/Se/rd/se/rd/${CK}`,
  );
  assertEquals(
    crateDownloadUrl("https://d/api/v1/crates", "a", "1.0.0", CK),
    "https://d/api/v1/crates/a/1.0.0/download",
  );
});

Deno.test("index lines: v2 features2 merged, kind null normal, renames, links; newer v skipped", () => {
  const text = [
    line({
      name: "x",
      vers: "1.0.0",
      deps: [dep("r", "^1", { kind: null, package: "real" })],
      features: { a: [] },
      features2: { b: ["dep:r"] },
      v: 2,
      links: "z",
      rust_version: "1.70",
    }),
    line({ name: "x", vers: "2.0.0", v: 3 }),
    line({ name: "x", vers: "not-semver" }),
    "",
  ].join("\n");
  const [v] = parseCrateIndexFile("x", text, "x");
  assertEquals(parseCrateIndexFile("x", text, "x").length, 1);
  assertEquals({ ...v!.features }, { a: [], b: ["dep:r"] });
  assertEquals(Object.getPrototypeOf(v!.features), null); // feature names are index data
  assertEquals(v!.deps[0]!.kind, "normal");
  assertEquals(v!.deps[0]!.package, "real");
  assertEquals(v!.deps[0]!.name, "r");
  assertEquals(v!.links, "z");
  assertEquals(v!.rustVersion, "1.70");
  assertThrows(() => parseCrateIndexFile("x", "{nope", "x"), MochiError, "line 1");
  assertThrows(
    () => parseCrateIndexFile("x", line({ name: "y", vers: "1.0.0" }), "x"),
    MochiError,
    'not "x"',
  );
});

Deno.test("features: default, dep:, d/f, implicit optional, default-features = false", async () => {
  const files = {
    top: [line({
      name: "top",
      vers: "1.0.0",
      deps: [
        dep("opt", "1", { optional: true }),
        dep("imp", "1", { optional: true }),
        dep("base", "1"),
      ],
      features: { default: ["fast"], fast: ["base/simd"], withopt: ["dep:opt"], both: ["imp"] },
    })],
    opt: [line({ name: "opt", vers: "1.2.0" })],
    imp: [line({ name: "imp", vers: "1.0.1" })],
    base: [line({ name: "base", vers: "1.0.0", features: { simd: [] } })],
  };
  assertEquals(
    await pick(files, [req("top", "1")]),
    ["base 1.0.0 [simd]", "top 1.0.0 [default,fast]"],
  );
  assertEquals(await pick(files, [req("top", "1", [], false)]), ["base 1.0.0 []", "top 1.0.0 []"]);
  assertEquals(await pick(files, [req("top", "1", ["withopt"], false)]), [
    "base 1.0.0 []",
    "opt 1.2.0 []",
    "top 1.0.0 [withopt]",
  ]);
  assertEquals(await pick(files, [req("top", "1", ["both"], false)]), [
    "base 1.0.0 []",
    "imp 1.0.1 []",
    "top 1.0.0 [both,imp]",
  ]);
});

Deno.test("a feature only newer versions have moves the pick; a missing one fails naming it", async () => {
  const files = {
    s: [
      line({ name: "s", vers: "1.0.0" }),
      line({ name: "s", vers: "1.1.0", features: { derive: [] } }),
      line({ name: "s", vers: "1.2.0" }),
    ],
  };
  assertEquals(await pick(files, [req("s", "1", ["derive"])]), ["s 1.1.0 [derive]"]);
  const e = await assertRejects(() => pick(files, [req("s", "1", ["nope"])]), NoSolutionError);
  assert(e.message.includes(`s ^1 with the feature "nope"`), e.message); // as written ("1")
});

Deno.test("one version per compatibility range; yanked skipped unless locked", async () => {
  const files = {
    a: [line({ name: "a", vers: "1.0.0", deps: [dep("r", "0.7")] })],
    r: [
      line({ name: "r", vers: "0.7.3" }),
      line({ name: "r", vers: "0.8.1" }),
      line({ name: "r", vers: "0.8.2", yanked: true }),
    ],
  };
  assertEquals(await pick(files, [req("a", "1"), req("r", "0.8")]), [
    "a 1.0.0 []",
    "r 0.7.3 []",
    "r 0.8.1 []",
  ]);
  const locked = await resolveCrates(memoryIndex(files), [req("r", "=0.8.2")], {
    indexUrl: "i",
    locked: [{
      name: "r",
      version: "0.8.2",
      source: { kind: "registry", index: "i" },
      checksumSha256: CK,
      dependencies: [],
      features: [],
    }],
  });
  assertEquals(locked.crates.map((c) => `${c.version} ${c.yanked}`), ["0.8.2 true"]);
  await assertRejects(() => pick(files, [req("r", "=0.8.2")]), NoSolutionError);
});

Deno.test("links: the solver backtracks past a shared native library, or explains", async () => {
  const files = {
    a: [
      line({ name: "a", vers: "1.0.0" }),
      line({ name: "a", vers: "1.1.0", links: "ssl" }),
    ],
    b: [line({ name: "b", vers: "1.0.0", links: "ssl" })],
  };
  assertEquals(await pick(files, [req("a", "1"), req("b", "1")]), [
    "a 1.0.0 []",
    "b 1.0.0 []",
  ]);
  const e = await assertRejects(
    () => pick(files, [req("a", "=1.1.0"), req("b", "1")]),
    NoSolutionError,
  );
  assert(e.message.includes('both link the native library "ssl"'), e.message);
});

Deno.test("import rust lines: scanned with positions; disagreement names both places", () => {
  const imports = scanRustImports(
    'x\nimport rust "tokio@1" as tokio\n  import rust "log"\n',
    "src/a.mochi",
  );
  assertEquals(imports.map((i) => [i.crate, i.requirement, i.line, i.alias]), [[
    "tokio",
    "1",
    2,
    "tokio",
  ], ["log", "*", 3, undefined]]);
  assertThrows(() => scanRustImports('import rust "tokio@1.x.y"', "f"), MochiError, "f:1");
  const declared = new Map([["tokio", {
    name: "tokio",
    package: "tokio",
    requirement: "^1",
    features: ["full"],
    defaultFeatures: true,
    optional: false,
    line: 9,
  }]]);
  const merged = mergeRustRequirements("mochi.toml", declared, imports);
  assertEquals(merged.map((r) => `${r.package} ${r.requirement}`), ["tokio ^1", "log *"]);
  const bad = scanRustImports('import rust "tokio@0.2" as t', "src/b.mochi");
  const e = assertThrows(() => mergeRustRequirements("mochi.toml", declared, bad), MochiError);
  assertEquals(e.code, "RUST_E003");
  assert(e.message.includes("mochi.toml:9") && e.message.includes("src/b.mochi:1"), e.message);
});

Deno.test("[[rust-package]] round-trips canonically; the lock check sees unreached crates", async () => {
  const files = {
    a: [
      line({
        name: "a",
        vers: "1.0.0",
        deps: [dep("b", "1")],
        features: { default: ["x"], x: [] },
      }),
    ],
    b: [line({ name: "b", vers: "1.0.0" })],
  };
  const { crates } = await resolveCrates(memoryIndex(files), [req("a", "1")], {
    indexUrl: "sparse+http://x/",
  });
  const lock = {
    version: 1 as const,
    manifestHash: `blake3-256:${CK}`,
    packages: [],
    capabilitiesSeen: new Map(),
    rustPackages: [...crates].reverse(),
  };
  const text = formatLockfile(lock);
  assert(text.includes('source = { kind = "registry", index = "sparse+http://x/" }'), text);
  assertEquals(formatLockfile(parseLockfile(text)), text);
  assertEquals(lockedCratesSatisfy(crates, [req("a", "1")], "sparse+http://x/"), { ok: true });
  assertEquals(lockedCratesSatisfy(crates, [req("b", "1")], "sparse+http://x/").ok, false);
  assertEquals(lockedCratesSatisfy(crates, [req("a", "1", ["y"])], "sparse+http://x/").ok, false);
  assertEquals(lockedCratesSatisfy(crates, [req("a", "1")], "sparse+http://other/").ok, false);
});

Deno.test("locked versions are kept when a new requirement is added (cargo keeps Cargo.lock)", async () => {
  const files = {
    a: [line({ name: "a", vers: "1.0.0" }), line({ name: "a", vers: "1.1.0" })],
    b: [line({ name: "b", vers: "2.0.0" })],
  };
  const first = await resolveCrates(
    memoryIndex({ a: [files.a[0]!], b: files.b }),
    [req("a", "1")],
    {
      indexUrl: "i",
    },
  );
  assertEquals(first.crates.map((c) => c.version), ["1.0.0"]);
  const kept = await resolveCrates(memoryIndex(files), [req("a", "1"), req("b", "2")], {
    indexUrl: "i",
    locked: first.crates,
  });
  assertEquals(kept.crates.map((c) => `${c.name} ${c.version}`), ["a 1.0.0", "b 2.0.0"]);
  const fresh = await resolveCrates(memoryIndex(files), [req("a", "1"), req("b", "2")], {
    indexUrl: "i",
  });
  assertEquals(fresh.crates.map((c) => `${c.name} ${c.version}`), ["a 1.1.0", "b 2.0.0"]);
});

Deno.test("canonical index lines are read from their head and tail: yanked, newer v skipped", () => {
  const canon = (vers: string, extra: string) =>
    `{"name":"x","vers":"${vers}","deps":[],"cksum":"${CK}","features":{"yanked":[]}${extra}}`;
  const f = CrateIndexFile.parse(
    "x",
    [
      canon("1.0.0", ',"yanked":true,"links":"z"'),
      canon("1.1.0", ',"features2":{"v":[]},"yanked":false,"v":2'),
      canon("2.0.0", ',"yanked":false,"v":3'),
    ].join("\n"),
    "x",
  );
  assertEquals(f.entries.map((e) => `${e.vers} ${e.yanked}`), ["1.0.0 true", "1.1.0 false"]);
  assertEquals(f.get(0).links, "z");
  assertEquals(f.linking("z"), [0]);
  assertEquals({ ...f.get(1).features }, { yanked: [], v: [] });
});

Deno.test("a misspelt feature: the report names the closest one and offers no relaxing", async () => {
  const files = {
    s: [line({ name: "s", vers: "1.0.0", features: { derive: [], std: [] } })],
  };
  const e = await assertRejects(() => pick(files, [req("s", "1", ["derivee"])]), NoSolutionError);
  assert(e.message.includes('(did you mean "derive"?)'), e.message);
  assert(!e.message.includes("relax the root requirement on s (feature"), e.message);
});
