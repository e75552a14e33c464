/**
 * Every parser of src/go/ meets hostile bytes: whatever the input, it either answers or throws a
 * MochiError with a GO_E code (never a TypeError, RangeError or a hang). x/mod has Go fuzz targets
 * for the same parsers (sumdb/tlog FuzzParseTilePath, FuzzParseTree, FuzzParseRecord); these run
 * them as property tests with fast-check.
 */
import fc from "fast-check";
import { MochiError } from "../errors.ts";
import { writeZip } from "./_zipformat.ts";
import {
  checkFilePath,
  checkImportPath,
  checkPath,
  escapeVersion,
  matchPrefixPatterns,
  newVerifier,
  openNote,
  parseGoMod,
  parseRecord,
  parseTilePath,
  parseTree,
  pseudoVersionBase,
  readModuleZip,
  splitPathVersion,
  unescapePath,
  unescapeVersion,
} from "./mod.ts";

const te = new TextEncoder();
const VERIFIER = newVerifier("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");

function onlyGoErrors(f: () => unknown): boolean {
  try {
    f();
  } catch (e) {
    if (e instanceof MochiError && e.code.startsWith("GO_E")) return true;
    throw e;
  }
  return true;
}

const text = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: "binary", maxLength: 60 }),
  fc.constantFrom(
    "tile/8/0/x001/234.p/5",
    "go.sum database tree\n1\n",
    "v1.2.3-0.2006",
    "x.y/z/v2",
  ),
);
const bytes = fc.uint8Array({ maxLength: 300 });

Deno.test("hostile input: path, version and pattern functions throw only GO_E errors", () => {
  fc.assert(
    fc.property(text, (s) => {
      for (
        const f of [
          checkPath,
          checkImportPath,
          checkFilePath,
          escapeVersion,
          unescapePath,
          unescapeVersion,
        ]
      ) {
        onlyGoErrors(() => f(s));
      }
      onlyGoErrors(() => splitPathVersion(s));
      onlyGoErrors(() => pseudoVersionBase(s));
      onlyGoErrors(() => matchPrefixPatterns(s, "rsc.io/quote/v3"));
      return true;
    }),
    { numRuns: 500 },
  );
});

Deno.test("hostile input: tile paths, trees, records and notes (tlog and note fuzz targets)", () => {
  fc.assert(
    fc.property(text, bytes, (s, b) => {
      onlyGoErrors(() => parseTilePath(s));
      onlyGoErrors(() => parseTree(te.encode(s)));
      onlyGoErrors(() => parseTree(b));
      onlyGoErrors(() => parseRecord(b));
      onlyGoErrors(() => parseRecord(te.encode(`12\n${s}\n\n`)));
      onlyGoErrors(() => openNote(b, [VERIFIER]));
      onlyGoErrors(() => openNote(te.encode(`${s}\n\n— PeterNeumann ${s}\n`), [VERIFIER]));
      onlyGoErrors(() => newVerifier(s));
      return true;
    }),
    { numRuns: 500 },
  );
});

Deno.test("hostile input: go.mod text, strict and lax", () => {
  const words = fc.constantFrom(
    "module",
    "go",
    "require",
    "replace",
    "exclude",
    "retract",
    "(",
    ")",
    "[",
    "]",
    ",",
    "=>",
    "//",
    "\n",
    '"',
    "`",
    "v1.2.3",
    "x.y/z",
    "1.21",
    "// indirect\n",
    "/*",
  );
  const gomod = fc.array(fc.oneof(words, fc.string({ maxLength: 8 })), { maxLength: 40 })
    .map((ws) => ws.join(" "));
  fc.assert(
    fc.property(gomod, bytes, (s, b) => {
      onlyGoErrors(() => parseGoMod(s));
      onlyGoErrors(() => parseGoMod(s, { lax: true }));
      onlyGoErrors(() => parseGoMod(b));
      return true;
    }),
    { numRuns: 500 },
  );
});

Deno.test("hostile input: zips with flipped bytes are read or refused with GO_E003", () => {
  const m = { path: "example.com/m", version: "v1.0.0" };
  const zip = writeZip([
    { name: "example.com/m@v1.0.0/go.mod", data: te.encode("module example.com/m\n") },
    { name: "example.com/m@v1.0.0/a.go", data: te.encode("package m\n".repeat(50)) },
  ]);
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(zip.length - 1), fc.nat(255)), { maxLength: 4 }),
      (flips) => {
        const z = zip.slice();
        for (const [at, v] of flips) z[at] = v;
        onlyGoErrors(() => readModuleZip(m, z));
        return true;
      },
    ),
    { numRuns: 500 },
  );
  fc.assert(fc.property(bytes, (b) => onlyGoErrors(() => readModuleZip(m, b))), { numRuns: 300 });
});
