import { assert, assertEquals, assertRejects } from "../../tests/assert.ts";
import { MochiError } from "../errors.ts";
import { collectImportLines, type ImportLine, scanImportLines } from "./source_scan.ts";
import { scanProjectImports } from "./rust.ts";

async function tree(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "mochi-scan-" });
  for (const [rel, text] of Object.entries(files)) {
    const p = `${dir}/${rel}`;
    await Deno.mkdir(p.slice(0, p.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(p, text);
  }
  return dir;
}

Deno.test("scanImportLines: one walk, lines per language, sorted relative paths, skip rules", async () => {
  const dir = await tree({
    "main.mochi":
      'import rust "tokio@1" as tokio\nlet x = 1\n  import go "golang.org/x/mod@v0.20.0" as mod\r\n',
    "src/b.mochi": 'import python "requests>=2" as requests\n// import rust "no@1"\n',
    "src/a.mochi": 'import rust "serde@1"\n',
    "src/a.txt": 'import rust "notmochi@1"\n',
    ".hidden/h.mochi": 'import rust "hidden@1"\n',
    "node_modules/n.mochi": 'import rust "nm@1"\n',
    "target/t.mochi": 'import rust "t@1"\n',
    "vendor/v.mochi": 'import rust "v@1"\n',
    "sub/target.mochi": 'import go "example.com/m@v1.0.0"\n',
  });
  try {
    const s = await scanImportLines(dir);
    assertEquals(s.files, ["main.mochi", "src/a.mochi", "src/b.mochi", "sub/target.mochi"]);
    assertEquals(s.imports.rust, [
      { file: "main.mochi", line: 1, text: 'import rust "tokio@1" as tokio' },
      { file: "src/a.mochi", line: 1, text: 'import rust "serde@1"' },
    ]);
    assertEquals(s.imports.go, [
      { file: "main.mochi", line: 3, text: '  import go "golang.org/x/mod@v0.20.0" as mod' },
      { file: "sub/target.mochi", line: 1, text: 'import go "example.com/m@v1.0.0"' },
    ]);
    assertEquals(s.imports.python, [
      { file: "src/b.mochi", line: 1, text: 'import python "requests>=2" as requests' },
    ]);
    // The Rust bridge reads its lines from the same walk, with the same result as before.
    const imports = await scanProjectImports(dir, s);
    assertEquals(imports.map((i) => `${i.file}:${i.line}:${i.crate}@${i.requirement}`), [
      "main.mochi:1:tokio@1",
      "src/a.mochi:1:serde@1",
    ]);
    assertEquals(await scanProjectImports(dir), imports);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("scanImportLines: symbolic links are neither followed nor read", async () => {
  const outside = await tree({ "x.mochi": 'import rust "outside@1"\n' });
  const dir = await tree({ "main.mochi": "let x = 1\n" });
  try {
    await Deno.symlink(outside, `${dir}/linked`);
    await Deno.symlink(`${outside}/x.mochi`, `${dir}/y.mochi`);
    const s = await scanImportLines(dir);
    assertEquals(s.files, ["main.mochi"]);
    assertEquals(s.imports.rust, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("scanImportLines: a source over the cap is refused with PROJECT_E005 naming it", async () => {
  const dir = await tree({ "src/big.mochi": "x".repeat(2000) + "\n" });
  try {
    const e = await assertRejects(
      () => scanImportLines(dir, { maxFileBytes: 1000 }),
      MochiError,
    );
    assertEquals(e.code, "PROJECT_E005");
    assert(e.message.includes("src/big.mochi"), e.message);
    assertEquals((await scanImportLines(dir, { maxFileBytes: 2001 })).files, ["src/big.mochi"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test('collectImportLines: only lines starting with import <lang> "', () => {
  const into: Record<"rust" | "go" | "python", ImportLine[]> = { rust: [], go: [], python: [] };
  collectImportLines(
    [
      'import rust"x@1"', // no blank before the quote: the Rust scanner refuses it too
      'import  rust  "a@1"',
      'import ruby "x"',
      'importrust "x"',
      'let s = "import rust \\"x\\""',
      '\timport python "b"',
    ].join("\n"),
    "f.mochi",
    into,
  );
  assertEquals(into.rust, [{ file: "f.mochi", line: 2, text: 'import  rust  "a@1"' }]);
  assertEquals(into.python, [{ file: "f.mochi", line: 6, text: '\timport python "b"' }]);
  assertEquals(into.go, []);
});
