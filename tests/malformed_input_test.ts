/**
 * Malformed input: byte-level mutations of a real manifest, lockfile and
 * index file — truncation, NUL, invalid UTF-8, BOM, CRLF, 10 MB strings, 50,000-deep arrays,
 * duplicate keys, conflict markers, flipped and deleted bytes — fed through the same strict
 * UTF-8 decoding and parsers the readers use. Only a MochiError of the format's own codes may
 * come out, with a line (and for TOML a column) inside the text and a bounded message; never a
 * RangeError, a stack overflow or another raw exception.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { MAX_MESSAGE_CHARS, MochiError } from "../src/errors.ts";
import { parseManifest } from "../src/manifest/mod.ts";
import { decodeUtf8Strict } from "../src/manifest/utf8.ts";
import { formatLockfile, parseLockfile } from "../src/lockfile/mod.ts";
import { formatIndexRecord, parseIndexFile } from "../src/index/mod.ts";
import { runCli, writeProject, writeRegistry } from "./helpers.ts";
import { strayGuard } from "./stray.ts";

const H = "ab".repeat(32);
const MANIFEST = `# a real-looking manifest
[package]
name = "@acme/app"
version = "0.3.1"
edition = "2026"
mochi = ">=0.7, <1.0"
description = "demo"
keywords = ["cli", "demo"]

[dependencies]
serde = "^1.0.190"
rand = { version = "0.8", features = ["small_rng"], default-features = false }
"@mochi/strings" = { version = "~1.2", capabilities = ["fs.read"] }

[dev-dependencies]
proptest = "1"

[features]
default = ["fast"]
fast = []

[capabilities]
required = ["clock"]
allowed = ["fs.read", "clock", "net.dial:example.com:443"]

[registry]
default = "https://index.example/"
`;

const LOCK = formatLockfile({
  version: 1,
  manifestHash: `blake3-256:${H}`,
  packages: [
    {
      name: "rand",
      version: "0.8.5",
      source: "registry+https://index.example/",
      blake3: H,
      sha256: H,
      capabilities: ["random"],
      dependencies: ["serde 1.0.190"],
    },
    {
      name: "serde",
      version: "1.0.190",
      source: "registry+https://index.example/",
      blake3: H,
      sha256: H,
      capabilities: [],
      dependencies: [],
    },
  ],
  capabilitiesSeen: new Map([["rand", ["random"]]]),
});

const INDEX = ["1.0.0", "1.1.0", "2.0.0-rc.1"].map((v) =>
  formatIndexRecord({
    version: v,
    blake3: H,
    sha256: H,
    dependencies: { serde: "^1" },
    yanked: v === "1.0.0",
    capabilities: ["clock"],
    extra: {},
  }) + "\n"
).join("");

const enc = (s: string) => new TextEncoder().encode(s);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/** One byte-level mutation: applied at a relative position `at` ∈ [0, 1). */
type Mutation = { kind: string; at: number; n: number };

const DEEP = 50_000;
function mutate(src: Uint8Array, m: Mutation, big: boolean): Uint8Array {
  const i = Math.floor(m.at * (src.length + 1));
  const head = src.subarray(0, i);
  const tail = src.subarray(i);
  switch (m.kind) {
    case "truncate":
      return head;
    case "nul":
      return concat(head, new Uint8Array([0]), tail);
    case "invalid-utf8":
      return concat(
        head,
        new Uint8Array([[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xf8, 0x88]][m.n % 4]!),
        tail,
      );
    case "bom":
      return concat(new Uint8Array([0xef, 0xbb, 0xbf]), src);
    case "crlf":
      return enc(new TextDecoder().decode(src).replaceAll("\n", "\r\n"));
    case "lone-cr":
      return enc(new TextDecoder().decode(src).replaceAll("\n", "\r"));
    case "big-string":
      return concat(head, enc(`"${"x".repeat(big ? 10_000_000 : 100_000)}"`), tail);
    case "deep-array":
      return concat(head, enc("[".repeat(DEEP) + "]".repeat(DEEP)), tail);
    case "deep-inline":
      return concat(
        head,
        enc("x = " + "{a=".repeat(DEEP / 10) + "1" + "}".repeat(DEEP / 10) + "\n"),
        tail,
      );
    case "deep-dotted":
      return concat(head, enc("\nz" + ".z".repeat(DEEP) + " = 1\n"), tail);
    case "duplicate-line": {
      const text = new TextDecoder().decode(src);
      const lines = text.split("\n");
      const k = m.n % lines.length;
      lines.splice(k, 0, lines[k]!);
      return enc(lines.join("\n"));
    }
    case "conflict":
      return concat(head, enc("\n<<<<<<< HEAD\nx = 1\n=======\nx = 2\n>>>>>>> branch\n"), tail);
    case "flip":
      return src.length === 0 ? src : (() => {
        const c = src.slice();
        c[Math.min(i, c.length - 1)]! ^= 1 << (m.n % 8);
        return c;
      })();
    case "delete":
      return concat(head, src.subarray(Math.min(src.length, i + 1 + (m.n % 16))));
    default:
      throw new Error(`unknown mutation ${m.kind}`);
  }
}

const KINDS = [
  "truncate",
  "nul",
  "invalid-utf8",
  "bom",
  "crlf",
  "lone-cr",
  "big-string",
  "deep-array",
  "deep-inline",
  "deep-dotted",
  "duplicate-line",
  "conflict",
  "flip",
  "delete",
];
const arbMutation = fc.record({
  kind: fc.constantFrom(...KINDS),
  at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  n: fc.nat(1000),
});

/** Asserts `run` returns or throws a positioned MochiError whose code starts with a prefix. */
function onlyTypedErrors(
  bytes: Uint8Array,
  run: (b: Uint8Array) => unknown,
  prefixes: string[],
  needColumn: boolean,
): void {
  try {
    run(bytes);
  } catch (e) {
    if (!(e instanceof MochiError)) {
      throw new Error(
        `raw exception ${(e as Error)?.name}: ${(e as Error)?.message?.slice(0, 200)}`,
      );
    }
    assert.ok(prefixes.some((p) => e.code.startsWith(p)), `unexpected code ${e.code}`);
    assert.ok(
      e.line !== undefined && e.line >= 1,
      `${e.code} without a line: ${e.message.slice(0, 200)}`,
    );
    const lines = new TextDecoder().decode(bytes).split(/\r\n|\n|\r/).length;
    assert.ok(e.line <= lines + 1, `${e.code} line ${e.line} beyond ${lines} lines`);
    if (needColumn) {
      assert.ok(e.column !== undefined && e.column >= 1, `${e.code} without a column`);
    }
    assert.ok(
      e.message.length <= MAX_MESSAGE_CHARS + 64,
      `${e.code} message of ${e.message.length} chars`,
    );
  }
}

const readManifest = (b: Uint8Array) =>
  parseManifest(decodeUtf8Strict(b, "mochi.toml", "MANIFEST_E001", "save as UTF-8"), "mochi.toml");
const readLock = (b: Uint8Array) =>
  parseLockfile(decodeUtf8Strict(b, "mochi.lock", "LOCK_E005", "refresh"), "mochi.lock");
const readIndex = (b: Uint8Array) =>
  parseIndexFile("p", decodeUtf8Strict(b, "p", "INDEX_E001", "report it"), "p");

const TARGETS: [string, string, (b: Uint8Array) => unknown, string[], boolean][] = [
  ["manifest", MANIFEST, readManifest, ["MANIFEST_", "SEMVER_"], true],
  ["lockfile", LOCK, readLock, ["LOCK_"], true],
  ["index file", INDEX, readIndex, ["INDEX_"], false],
];

for (const [what, text, run, prefixes, needColumn] of TARGETS) {
  Deno.test(`malformed ${what}: the seed parses`, () => {
    run(enc(text));
  });
  Deno.test(`malformed ${what}: 1-3 byte-level mutations give only typed, positioned errors`, () => {
    fc.assert(
      fc.property(fc.array(arbMutation, { minLength: 1, maxLength: 3 }), (ms) => {
        let b: Uint8Array = enc(text);
        for (const m of ms) b = mutate(b, m, false);
        onlyTypedErrors(b, run, prefixes, needColumn);
      }),
      { numRuns: 400, seed: 2026 },
    );
  });
  Deno.test(`malformed ${what}: each mutation kind once at full size (10 MB string, ${DEEP}-deep)`, () => {
    for (const kind of KINDS) {
      for (const at of [0, 0.5, 0.999]) {
        const b = mutate(enc(text), { kind, at, n: 3 }, true);
        onlyTypedErrors(b, run, prefixes, needColumn);
      }
    }
  });
}

Deno.test("malformed: invalid UTF-8 is refused with the byte offset, line and column", () => {
  const b = concat(enc('[package]\nname = "a'), new Uint8Array([0xc3, 0x28]), enc('"\n'));
  const e = assert.throws(() => readManifest(b), (e: unknown) => {
    assert.ok(e instanceof MochiError);
    assert.equal(e.code, "MANIFEST_E001");
    assert.equal(e.line, 2);
    assert.equal(e.column, 10);
    assert.match(e.message, /invalid byte 0xc3 at byte offset 19/);
    return true;
  });
  void e;
});

Deno.test("malformed: a 1 MB value is named in a bounded message", () => {
  const big = "a".repeat(1_000_000);
  for (
    const [run, t] of [
      [readManifest, MANIFEST.replace('"^1.0.190"', `"${big}"`)],
      [readManifest, MANIFEST.replace('"@acme/app"', `"${big}"`)],
      [readLock, LOCK.replace('"0.8.5"', `"${big}"`)],
    ] as const
  ) {
    try {
      run(enc(t));
      assert.fail("expected an error");
    } catch (e) {
      assert.ok(e instanceof MochiError, String(e));
      assert.ok(e.message.length < MAX_MESSAGE_CHARS + 64, `${e.code}: ${e.message.length}`);
    }
  }
});

Deno.test("MochiError: a huge message keeps its start and its end, the solver report is whole", () => {
  const e = new MochiError("INDEX_E001", `start ${"x".repeat(100_000)} reason at the end`);
  assert.ok(e.message.length < MAX_MESSAGE_CHARS + 64);
  assert.ok(e.message.startsWith("start xxx"));
  assert.ok(e.message.endsWith("reason at the end"));
  assert.match(e.message, /\(\d+ characters not shown\)/);
  const report = "Because a depends on b ...\n".repeat(1000);
  assert.equal(new MochiError("SOLVER_E002", report).message, report);
});

Deno.test("malformed through the CLI: exit 1 with a code and a position, never a stack trace", async () => {
  const check = await strayGuard();
  const tmp = await Deno.makeTempDir({ prefix: "mochi-malformed-cli-" });
  try {
    const reg = `${tmp}/registry`;
    await writeRegistry(reg, [{ name: "serde", version: "1.0.0" }]);
    const env = { MOCHI_HOME: `${tmp}/home`, MOCHI_REGISTRY: reg };
    const app = `${tmp}/app`;
    await writeProject(app, { serde: "1" });
    const good = enc(Deno.readTextFileSync(`${app}/mochi.toml`));
    const cases: [string, Uint8Array, RegExp][] = [
      ["deep array", mutate(good, { kind: "deep-array", at: 0.999, n: 0 }, false), /MANIFEST_E001/],
      [
        "invalid UTF-8",
        mutate(good, { kind: "invalid-utf8", at: 0.5, n: 0 }, false),
        /MANIFEST_E001[^\n]*not valid UTF-8/,
      ],
      [
        "10 MB value",
        enc(
          new TextDecoder().decode(good).replace(
            'serde = "1"',
            `serde = "${"9".repeat(10_000_000)}"`,
          ),
        ),
        /MANIFEST_E006/,
      ],
    ];
    for (const [what, bytes, re] of cases) {
      Deno.writeFileSync(`${app}/mochi.toml`, bytes);
      const r = await runCli(["install", "-C", app], { env });
      assert.equal(r.code, 1, `${what}: ${r.stderr.slice(0, 300)}`);
      assert.match(r.stderr, re, what);
      assert.match(r.stderr, /--> .*mochi\.toml:\d+:\d+/, what);
      assert.ok(
        !/INTERNAL|RangeError| {4}at /.test(r.stderr),
        `${what}: ${r.stderr.slice(0, 300)}`,
      );
      assert.ok(
        r.stderr.length < 3 * MAX_MESSAGE_CHARS,
        `${what}: ${r.stderr.length} bytes of stderr`,
      );
    }
    Deno.writeFileSync(`${app}/mochi.toml`, good);
    assert.equal((await runCli(["install", "-C", app], { env })).code, 0);
    const lock = Deno.readFileSync(`${app}/mochi.lock`);
    Deno.writeFileSync(
      `${app}/mochi.lock`,
      mutate(lock, { kind: "conflict", at: 0.6, n: 0 }, false),
    );
    // (install without --locked merges a conflicted lock: tests/lock_merge_test.ts)
    const r = await runCli(["install", "--locked", "-C", app], { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /LOCK_E007[\s\S]*--> .*mochi\.lock:\d+:1/);
    // A registry index file with a bad byte: INDEX_E001 with its line, exit 1.
    Deno.removeSync(`${app}/mochi.lock`);
    const idx = `${reg}/se/rd/-/serde`;
    Deno.writeFileSync(idx, concat(new Uint8Array([0xff]), Deno.readFileSync(idx)));
    const bad = await runCli(["install", "-C", app], {
      env: { ...env, MOCHI_HOME: `${tmp}/home2` },
    });
    assert.equal(bad.code, 1, bad.stderr);
    assert.match(bad.stderr, /INDEX_E001[^\n]*not valid UTF-8[\s\S]*-->.*:1:1/);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
  await check();
});
