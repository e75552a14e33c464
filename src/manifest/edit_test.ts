import assert from "node:assert/strict";
import fc from "fast-check";
import { parse as parseToml } from "smol-toml";
import { MochiError } from "../errors.ts";
import { addDependencyToText, removeDependencyFromText, setDependencyInText } from "./edit.ts";
import { parseManifest } from "./parse.ts";

const HEAD = `# my app
[package]
name = "app"   # the name
version = "0.1.0"
edition = "2026"
mochi = ">=0.7"
`;

const BASE = `${HEAD}
[dependencies]
serde = "1"  # keep me
rand = { version = "0.8", features = ["small_rng"] }

[features]
default = []
`;

const deps = (text: string) => parseManifest(text).manifest.dependencies;

/** The edit changed exactly `from` into `to` at one place, nothing else. */
function assertOneChange(before: string, after: string, from: string, to: string): void {
  const i = before.indexOf(from);
  assert.ok(i >= 0 && before.indexOf(from, i + 1) < 0, `"${from}" once in the input`);
  assert.equal(after, before.slice(0, i) + to + before.slice(i + from.length));
}

Deno.test("set: appends after the last entry, everything else byte for byte", () => {
  const out = addDependencyToText(BASE, "tokio", "1.40.0");
  assertOneChange(BASE, out, '["small_rng"] }\n', '["small_rng"] }\ntokio = "1.40.0"\n');
});

Deno.test("set: a plain string entry keeps its comment and quoting", () => {
  assertOneChange(
    BASE,
    addDependencyToText(BASE, "serde", "1.0.200"),
    '"1"  # keep me',
    '"1.0.200"  # keep me',
  );
  const literal = BASE.replace('serde = "1"', "serde = '1'");
  assertOneChange(literal, addDependencyToText(literal, "serde", "^1.0.200"), "'1'", "'^1.0.200'");
});

Deno.test("set: the capability pin, optional and features survive (issue 13 item 2)", () => {
  const text = BASE.replace(
    'serde = "1"  # keep me',
    `serde = { version = "1", capabilities = ["fs.read"], optional = true, features = ["derive"] } # it's "pinned"`,
  );
  const out = addDependencyToText(text, "serde", "1.0.200");
  assertOneChange(text, out, 'version = "1"', 'version = "1.0.200"');
  const serde = deps(out).get("serde")!;
  assert.deepEqual(serde.capabilities, ["fs.read"]);
  assert.equal(serde.optional, true);
  assert.deepEqual(serde.features, ["derive"]);
  assert.equal(serde.requirement, "1.0.200");
});

Deno.test("set: a comment with a quote on the line is kept", () => {
  const text = BASE.replace("# keep me", '# don\'t touch "this" # really');
  assertOneChange(text, addDependencyToText(text, "serde", "2"), 'serde = "1"', 'serde = "2"');
});

Deno.test("set: a [dependencies.x] table is edited in place, not refused", () => {
  const text = `${BASE}
# serde, pinned
[dependencies.serde_json]
version = '1'   # literal
capabilities = ["fs.read"]
`;
  const out = addDependencyToText(text, "serde_json", "1.0.100");
  assertOneChange(text, out, "version = '1'", "version = '1.0.100'");
  assert.deepEqual(deps(out).get("serde_json")?.capabilities, ["fs.read"]);
  // a table without version gets one as its first key
  const pathOnly = text.replace("version = '1'   # literal\n", 'path = "../json"\n');
  const out2 = addDependencyToText(pathOnly, "serde_json", "1");
  assertOneChange(
    pathOnly,
    out2,
    "[dependencies.serde_json]\n",
    '[dependencies.serde_json]\nversion = "1"\n',
  );
  // a new dependency next to a table-only [dependencies]: a [dependencies] table is appended
  const tablesOnly = `${HEAD}\n[dependencies.a]\nversion = "1"\n`;
  const out3 = addDependencyToText(tablesOnly, "b", "2");
  assert.equal(out3, `${tablesOnly}\n[dependencies]\nb = "2"\n`);
  assert.deepEqual([...deps(out3).keys()].sort(), ["a", "b"]);
});

Deno.test("set: dotted keys, inline tables without version, multi-line arrays", () => {
  const dotted = BASE.replace(
    'serde = "1"  # keep me',
    'serde.version = "1"\nserde.features = ["a"]',
  );
  assertOneChange(
    dotted,
    addDependencyToText(dotted, "serde", "3"),
    'serde.version = "1"',
    'serde.version = "3"',
  );
  const dottedPath = BASE.replace('serde = "1"  # keep me', 'serde.path = "../serde"');
  assertOneChange(
    dottedPath,
    addDependencyToText(dottedPath, "serde", "3"),
    'serde.path = "../serde"',
    'serde.version = "3"\nserde.path = "../serde"',
  );
  const pathInline = BASE.replace('serde = "1"', 'serde = { path = "../serde" }');
  assertOneChange(
    pathInline,
    addDependencyToText(pathInline, "serde", "3"),
    "{ path",
    '{ version = "3", path',
  );
  // TOML 1.0: an array inside an inline table may span lines
  const multi = BASE.replace(
    'rand = { version = "0.8", features = ["small_rng"] }',
    'rand = { version = "0.8", features = [\n  "small_rng", # "quoted" \'too\'\n  "std",\n] }',
  );
  assertOneChange(multi, addDependencyToText(multi, "rand", "0.9"), '"0.8"', '"0.9"');
  assert.deepEqual(deps(addDependencyToText(multi, "rand", "0.9")).get("rand")?.features, [
    "small_rng",
    "std",
  ]);
  // strings holding quotes, '#' and '=' elsewhere do not confuse the edit
  const tricky = BASE.replace('name = "app"', 'name = "app"\ndescription = "a = \\"b\\" # c"');
  assertOneChange(tricky, addDependencyToText(tricky, "serde", "2"), '"1"  #', '"2"  #');
});

Deno.test("set: no [dependencies] table → one is appended; scoped names quoted", () => {
  const bare = BASE.slice(0, BASE.indexOf("[dependencies]")).trimEnd() + "\n";
  const out = addDependencyToText(bare, "@mochi/strings", "^1.2");
  assert.equal(out, bare + '\n[dependencies]\n"@mochi/strings" = "^1.2"\n');
  const quoted = BASE.replace('serde = "1"', '"@mochi/strings" = "1"');
  assertOneChange(quoted, addDependencyToText(quoted, "@mochi/strings", "2"), '= "1"', '= "2"');
});

Deno.test("set: CRLF stays CRLF, a BOM stays, no final newline is handled", () => {
  const crlf = BASE.replaceAll("\n", "\r\n");
  const out = addDependencyToText(crlf, "tokio", "1");
  assert.ok(!/[^\r]\n/.test(out), "a bare LF slipped in");
  assert.ok(out.includes('tokio = "1"\r\n'));
  const bom = "\uFEFF" + BASE;
  assert.equal(
    addDependencyToText(bom, "serde", "2"),
    "\uFEFF" + addDependencyToText(BASE, "serde", "2"),
  );
  const noEol = `${HEAD}\n[dependencies]\nserde = "1"`;
  assert.equal(addDependencyToText(noEol, "rand", "1"), `${noEol}\nrand = "1"\n`);
});

Deno.test("set: an alternate registry is written into the entry, other keys kept", () => {
  const out = addDependencyToText(BASE, "acme-utils", "1.0.0", "mochi.toml", "corp");
  assert.ok(out.includes('acme-utils = { version = "1.0.0", registry = "corp" }\n'));
  assert.equal(deps(out).get("acme-utils")?.registry, "corp");
  const str = addDependencyToText(BASE, "serde", "2", "mochi.toml", "corp");
  assertOneChange(BASE, str, '"1"  #', '{ version = "2", registry = "corp" }  #');
  const table = addDependencyToText(BASE, "rand", "0.9", "mochi.toml", "corp");
  assertOneChange(
    BASE,
    table,
    '{ version = "0.8", features',
    '{ registry = "corp", version = "0.9", features',
  );
  assert.deepEqual(deps(table).get("rand")?.features, ["small_rng"]);
});

Deno.test("set: workspace = true and an invalid manifest are refused, the text untouched", () => {
  const ws = BASE.replace('serde = "1"', "serde = { workspace = true }");
  assert.throws(
    () => addDependencyToText(ws, "serde", "2"),
    (e: unknown) =>
      e instanceof MochiError && e.code === "MANIFEST_E007" && /workspace/.test(e.message),
  );
  assert.throws(() => addDependencyToText("[dependencies\n", "serde", "2"), MochiError);
});

Deno.test("set: other tables (dev-dependencies, targets.rust.ffi)", () => {
  const text = `${BASE}\n[targets.rust.ffi]\nserde = { version = "1", features = ["derive"] }\n`;
  const out = setDependencyInText(text, "serde", "1.0.210", { table: ["targets", "rust", "ffi"] });
  assertOneChange(
    text,
    out,
    'serde = { version = "1", features',
    'serde = { version = "1.0.210", features',
  );
});

Deno.test("remove: every table form, comments above go with the entry, nothing else moves", () => {
  assert.equal(
    removeDependencyFromText(BASE, "serde"),
    BASE.replace('serde = "1"  # keep me\n', ""),
  );
  assert.equal(
    removeDependencyFromText(BASE, "rand"),
    BASE.replace('rand = { version = "0.8", features = ["small_rng"] }\n', ""),
  );
  const commented = BASE.replace("rand = {", '# rand: for the "dice" feature\nrand = {');
  assert.equal(
    removeDependencyFromText(commented, "rand"),
    BASE.replace('rand = { version = "0.8", features = ["small_rng"] }\n', ""),
  );
  const table =
    `${BASE}\n# json\n[dependencies.serde_json]\nversion = "1"\n\n[dependencies.serde_json.x]\na = 1\n\n[dev-dependencies]\n`;
  assert.equal(removeDependencyFromText(table, "serde_json"), `${BASE}\n[dev-dependencies]\n`);
  const dotted = BASE.replace(
    'serde = "1"  # keep me',
    'serde.version = "1"\nserde.features = ["a"]',
  );
  assert.equal(
    removeDependencyFromText(dotted, "serde"),
    BASE.replace('serde = "1"  # keep me\n', ""),
  );
  const inline = `dependencies = { a = "1", b = "2", c = "3" }\n${HEAD}`;
  assert.equal(
    removeDependencyFromText(inline, "b"),
    `dependencies = { a = "1", c = "3" }\n${HEAD}`,
  );
  assert.equal(
    removeDependencyFromText(inline, "c"),
    `dependencies = { a = "1", b = "2" }\n${HEAD}`,
  );
  assert.equal(
    addDependencyToText(inline, "d", "4"),
    `dependencies = { a = "1", b = "2", c = "3", d = "4" }\n${HEAD}`,
  );
  const topDotted = `dependencies.a = "1"\n${HEAD}`;
  assert.equal(
    addDependencyToText(topDotted, "b", "2"),
    `dependencies.a = "1"\ndependencies.b = "2"\n${HEAD}`,
  );
  assert.equal(removeDependencyFromText(topDotted, "a"), HEAD);
  const only = removeDependencyFromText(`${HEAD}[dependencies]\nserde = "1"\n`, "serde");
  assert.equal(only, `${HEAD}[dependencies]\n`, "an emptied table keeps its header");
});

Deno.test("remove: a name that is not there is PROJECT_E002", () => {
  assert.throws(
    () => removeDependencyFromText(BASE, "tokio"),
    (e: unknown) =>
      e instanceof MochiError && e.code === "PROJECT_E002" && e.message.includes("tokio"),
  );
});

// ---------------------------------------------------------------------------------------------
// properties: random manifests in every form; after an edit the document re-parses to the old
// one with only the entry's requirement changed (or only the entry gone)

const name = fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/);
const req = fc.constantFrom("1", "^2.3", "~0.4.1", ">=1, <2", "=1.0.0", "*", "1.0.200");
const comment = fc.constantFrom("", ' # it\'s "here"', " # a = 'b' # c", " #");
const extra = fc.constantFrom(
  "",
  'capabilities = ["fs.read"]',
  "optional = true",
  'features = ["derive", "std"]',
  'features = [\n  "a", # "x"\n  \'b\',\n]',
  "default-features = false",
);
type Form = "string" | "literal" | "inline" | "table" | "dotted";
const form = fc.constantFrom<Form>("string", "literal", "inline", "table", "dotted");
const entry = fc.record({ name, req, form, extra, comment });

function render(
  entries: { name: string; req: string; form: Form; extra: string; comment: string }[],
) {
  let deps = "[dependencies]\n";
  let tables = "";
  for (const e of entries) {
    const ex = e.form === "string" || e.form === "literal" ? "" : e.extra;
    const inlineExtra = ex.includes("\n") ? "" : ex;
    switch (e.form) {
      case "string":
        deps += `${e.name} = "${e.req}"${e.comment}\n`;
        break;
      case "literal":
        deps += `${e.name} = '${e.req}'${e.comment}\n`;
        break;
      case "inline":
        deps += `${e.name} = { version = "${e.req}"${ex ? `, ${ex}` : ""} }${e.comment}\n`;
        break;
      case "dotted":
        deps += `${e.name}.version = "${e.req}"${e.comment}\n`;
        if (inlineExtra) deps += `${e.name}.${inlineExtra}\n`;
        break;
      case "table":
        tables += `\n[dependencies.${e.name}]${e.comment}\nversion = "${e.req}"\n${
          ex ? ex + "\n" : ""
        }`;
        break;
    }
  }
  return `${HEAD}\n${deps}${tables}\n[features]\ndefault = []\n`;
}

const uniqueEntries = fc.uniqueArray(entry, {
  selector: (e) => e.name,
  minLength: 1,
  maxLength: 6,
});

Deno.test("set: property — only the requirement of the one entry changes", () => {
  fc.assert(
    fc.property(
      uniqueEntries,
      fc.nat(),
      req,
      name,
      fc.boolean(),
      (entries, pick, newReq, fresh, useFresh) => {
        const text = render(entries);
        const target = useFresh && !entries.some((e) => e.name === fresh)
          ? fresh
          : entries[pick % entries.length]!.name;
        const out = setDependencyInText(text, target, newReq);
        const before = parseToml(text) as Record<string, Record<string, unknown>>;
        const after = parseToml(out) as Record<string, Record<string, unknown>>;
        const b = before.dependencies;
        const a = after.dependencies;
        for (const k of Object.keys(b!)) {
          if (k !== target) assert.deepEqual(a![k], b![k], k);
        }
        const got = a![target];
        assert.equal(typeof got === "string" ? got : (got as { version: string }).version, newReq);
        if (typeof b![target] === "object") {
          const { version: _x, ...restB } = b![target] as Record<string, unknown>;
          const { version: _y, ...restA } = got as Record<string, unknown>;
          assert.deepEqual(restA, restB);
        }
        assert.deepEqual(after.package, before.package);
        assert.deepEqual(after.features, before.features);
        // text: outside the changed value (or the added line) nothing moved
        let p = 0;
        while (p < text.length && text[p] === out[p]) p++;
        let s = 0;
        while (s < text.length - p && text[text.length - 1 - s] === out[out.length - 1 - s]) s++;
        const removed = text.length - p - s;
        assert.ok(removed <= 12, `removed ${JSON.stringify(text.slice(p, text.length - s))}`);
      },
    ),
    { numRuns: 300, seed: 13 },
  );
});

Deno.test("remove: property — only the one entry goes", () => {
  fc.assert(
    fc.property(uniqueEntries, fc.nat(), (entries, pick) => {
      const text = render(entries);
      const target = entries[pick % entries.length]!.name;
      const out = removeDependencyFromText(text, target);
      const before = parseToml(text) as Record<string, Record<string, unknown>>;
      const after = parseToml(out) as Record<string, Record<string, unknown>>;
      delete before.dependencies![target];
      assert.deepEqual(after, before);
    }),
    { numRuns: 300, seed: 13 },
  );
});
