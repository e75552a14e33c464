import { assert, assertEquals } from "../../tests/assert.ts";
import { MochiError } from "../errors.ts";
import { escapeControls, Output, type Palette, Styled } from "./output.ts";

function capture(options: { quiet?: boolean; verbose?: boolean; palette?: Palette } = {}) {
  const text = { stdout: "", stderr: "" };
  const out = new Output({
    ...options,
    sinks: { stdout: (t) => (text.stdout += t), stderr: (t) => (text.stderr += t) },
  });
  return { out, text };
}

Deno.test("escapeControls: C0, C1, DEL, ESC and bidi controls become visible; text stays", () => {
  assertEquals(escapeControls("a\x1b[2K\rb"), "a\\x1b[2K\\rb");
  assertEquals(escapeControls("x\ny\tz\x00\x7f\x9b"), "x\\ny\tz\\x00\\x7f\\x9b");
  assertEquals(escapeControls("abc\u202eevil"), "abc\\u{202e}evil");
  assertEquals(escapeControls("café → ünïcode ✓"), "café → ünïcode ✓");
});

Deno.test("Output: every line is escaped; only the writer's own styles add codes", () => {
  const red: Palette = {
    bold: (t) => t,
    dim: (t) => t,
    red: (t) => `\x1b[31m${t}\x1b[39m`,
    yellow: (t) => t,
    green: (t) => t,
    cyan: (t) => t,
  };
  const { out, text } = capture({ palette: red });
  out.info("name ", new Styled("red", "bad\x1b]0;title\x07"), " \x1b[2K\r");
  assertEquals(text.stdout, "name \x1b[31mbad\\x1b]0;title\\x07\x1b[39m \\x1b[2K\\r\n");
  out.error(new MochiError("INDEX_E001", "bad record \x1b[2K", { hint: "report\rit" }));
  assert(text.stderr.includes("\x1b[31merror[INDEX_E001]\x1b[39m: bad record \\x1b[2K\n"));
  assert(text.stderr.includes("report\\rit"));
  assertEquals(
    `${new Styled("red", "a\x1bb")}`,
    "a\\x1bb",
    "a Styled in a template loses its colour",
  );
});

Deno.test("Output: -q keeps errors and data, drops info, notes and warnings; -v adds details", () => {
  const { out, text } = capture({ quiet: true });
  out.info("info");
  out.note("note");
  out.warn("careful");
  out.detail("detail");
  out.data("data");
  assertEquals(out.error(new MochiError("CLI_E001", "bad")), 1);
  assertEquals(text.stdout, "data\n");
  assertEquals(text.stderr, "error[CLI_E001]: bad\n");
  const v = capture({ verbose: true });
  v.out.detail("detail");
  assertEquals(v.text.stderr, "detail\n");
});

Deno.test("Output: a multi-line error message keeps its lines, each escaped", () => {
  const { out, text } = capture();
  assertEquals(out.error(new MochiError("LOCK_E002", "out of date\n  + a\x1b 1.0.0")), 1);
  assertEquals(text.stderr, "error[LOCK_E002]: out of date\n  + a\\x1b 1.0.0\n");
  const internal = capture();
  assertEquals(internal.out.error(new Error("boom")), 2);
  assert(internal.text.stderr.startsWith("error[INTERNAL_E001]: Error: boom\n"));
});
