/**
 * Writes `docs/errors.md` from the error catalogue (`src/errors.ts`). `--check` exits 1 when the
 * file is out of date instead of writing it.
 *
 * @module
 */
import { ERROR_CATALOGUE } from "../src/errors.ts";

/**
 * Renders the catalogue as Markdown.
 *
 * @returns the text of docs/errors.md
 */
export function renderErrorDocs(): string {
  const lines = [
    "# Error codes",
    "",
    "Generated from `src/errors.ts` by `deno run -A scripts/gen_error_docs.ts`; do not edit by hand.",
    "",
    "Exit status: `1` user or input error · `2` internal · `3` network or registry unavailable ·",
    "`4` integrity or security failure.",
    "",
    "| code | exit | meaning |",
    "| --- | --- | --- |",
  ];
  for (const [code, info] of Object.entries(ERROR_CATALOGUE)) {
    lines.push(`| \`${code}\` | ${info.exit} | ${info.summary} |`);
  }
  return lines.join("\n") + "\n";
}

if (import.meta.main) {
  const path = new URL("../docs/errors.md", import.meta.url);
  const text = renderErrorDocs();
  if (Deno.args.includes("--check")) {
    const have = await Deno.readTextFile(path).catch(() => "");
    if (have !== text) {
      console.error("docs/errors.md is out of date: run deno run -A scripts/gen_error_docs.ts");
      Deno.exit(1);
    }
  } else {
    await Deno.writeTextFile(path, text);
  }
}
