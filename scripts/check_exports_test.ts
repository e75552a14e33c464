import { assertEquals } from "../tests/assert.ts";
import { checkExports, type ExportInputs } from "./check_exports.ts";
import type { ImportGraph } from "./_rooms.ts";

const entries = { ".": "mod.ts", "./semver": "src/semver/mod.ts", "./cli": "cli.ts" };

function inputs(over: Partial<ExportInputs> = {}): ExportInputs {
  const graph: ImportGraph = new Map([
    ["src/semver/mod.ts", [{ to: "src/semver/version.ts", kind: "code" }]],
  ]);
  return {
    files: [
      "src/semver/mod.ts",
      "src/semver/version.ts",
      "src/semver/_internal.ts",
      "src/semver/semver_test.ts",
      "src/semver/cases_testing.ts",
    ],
    graph,
    denoExports: { ".": "./mod.ts", "./semver": "./src/semver/mod.ts", "./cli": "./cli.ts" },
    entrySources: new Map([
      ["mod.ts", "// export * is fine in a comment\nexport { parseVersion } from './x.ts';"],
      ["src/semver/mod.ts", "export { parseVersion } from './version.ts';"],
      ["cli.ts", "export * from './whatever.ts';"],
    ]),
    entrySymbols: new Map([
      ["mod.ts", [{ name: "parseVersion", file: "src/semver/version.ts" }]],
      ["src/semver/mod.ts", [{ name: "parseVersion", file: "src/semver/version.ts" }]],
    ]),
    ...over,
  };
}

Deno.test("a clean surface has no finding (private, test and cli files are exempt)", () => {
  assertEquals(checkExports(inputs(), entries, new Map()), []);
});

Deno.test("a public file its mod.ts does not import fails, naming the private spelling", () => {
  const f = checkExports(
    inputs({ files: [...inputs().files, "src/semver/range.ts"] }),
    entries,
    new Map(),
  );
  assertEquals(f.map((x) => [x.rule, x.at]), [["public-file", "src/semver/range.ts"]]);
  assertEquals(f[0]!.message.includes("src/semver/_range.ts"), true);
});

Deno.test("a file in a subfolder without its own mod.ts belongs to the parent's", () => {
  const f = checkExports(
    inputs({ files: [...inputs().files, "src/semver/fs/disk.ts"] }),
    entries,
    new Map(),
  );
  assertEquals(f.map((x) => [x.rule, x.message.includes("src/semver/mod.ts")]), [
    ["public-file", true],
  ]);
});

Deno.test("export *, a test-only export and deno.json drift fail", () => {
  const f = checkExports(
    inputs({
      denoExports: { ".": "./mod.ts", "./cli": "./cli.ts", "./extra": "./x.ts" },
      entrySources: new Map([
        ["mod.ts", "export * from './src/semver/mod.ts';"],
        ["src/semver/mod.ts", ""],
        ["cli.ts", ""],
      ]),
      entrySymbols: new Map([
        ["mod.ts", [{ name: "FAULT_POINTS", file: "src/store/fs/test_hooks.ts" }]],
      ]),
    }),
    entries,
    new Map(),
  );
  assertEquals(f.map((x) => [x.rule, x.at]), [
    ["entries", "deno.json"],
    ["entries", "deno.json"],
    ["test-only", "mod.ts"],
    ["export-star", "mod.ts"],
  ]);
});

Deno.test("a root facade over its budget fails; a pending finding only warns", () => {
  const many = Array.from({ length: 41 }, (_, i) => ({ name: `n${i}`, file: "src/a.ts" }));
  const over = inputs({ entrySymbols: new Map([["mod.ts", many]]) });
  assertEquals(checkExports(over, entries, new Map()).map((x) => [x.level, x.rule]), [
    ["error", "facade-size"],
  ]);
  const pending = new Map([["facade-size mod.ts", "being cut"]]);
  assertEquals(checkExports(over, entries, pending).map((x) => x.level), ["warn"]);
});
