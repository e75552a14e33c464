/**
 * Editing `mochi.toml` text in place, keeping everything else byte for byte (comments, order,
 * spacing, line ends), as `cargo add` does: `mochi add <pkg>[@req]`.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { parseManifest } from "./parse.ts";

const BARE_KEY = /^[A-Za-z0-9_-]+$/;
const HEADER = /^[ \t]*\[/;
const DEPS_HEADER = /^[ \t]*\[[ \t]*dependencies[ \t]*\][ \t]*(#.*)?$/;

/**
 * Sets `name = "requirement"` (or `name = { version = "requirement", registry = "<name>" }`) in
 * the `[dependencies]` table of a manifest's text.
 *
 * An existing one-line entry for the name is replaced (a table entry keeps nothing but the new
 * requirement); otherwise the line is added after the table's last entry, and a missing
 * `[dependencies]` table is appended at the end. The line-end style (LF or CRLF) of the file is
 * kept. The result is parsed again before it is returned.
 *
 * @param text the manifest's text
 * @param name the package name (`@scope/name` keys are quoted)
 * @param requirement a cargo requirement, e.g. `"1.0.200"` or `"^2"`
 * @param file the manifest path, for errors
 * @param registry when given, the entry is written `{ version = "…", registry = "<name>" }`
 *   (a package from an alternate registry stays pinned to it)
 * @returns the new text; everything outside the one line is unchanged
 * @throws {MochiError} the manifest's own errors when `text` does not parse (before or after);
 *   `MANIFEST_E007` when the entry spans several lines and cannot be replaced safely
 *
 * @example
 * ```ts
 * import { addDependencyToText } from "./edit.ts";
 * const t = '[package]\nname = "a"\nversion = "0.1.0"\nedition = "2026"\nmochi = ">=0.7"\n';
 * console.assert(addDependencyToText(t, "serde", "1.0.200").endsWith('[dependencies]\nserde = "1.0.200"\n'));
 * ```
 */
export function addDependencyToText(
  text: string,
  name: string,
  requirement: string,
  file = "mochi.toml",
  registry?: string,
): string {
  parseManifest(text, file); // refuse to edit a manifest that does not parse
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const key = BARE_KEY.test(name) ? name : JSON.stringify(name);
  const value = registry === undefined
    ? JSON.stringify(requirement)
    : `{ version = ${JSON.stringify(requirement)}, registry = ${JSON.stringify(registry)} }`;
  const line = `${key} = ${value}`;
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((l) => DEPS_HEADER.test(l));
  let out: string[];
  if (start < 0) {
    out = [...lines];
    while (out.length > 0 && out[out.length - 1].trim() === "") out.pop();
    out.push("", "[dependencies]", line, "");
  } else {
    let end = start + 1;
    while (end < lines.length && !HEADER.test(lines[end])) end++;
    const keyRe = new RegExp(
      `^[ \\t]*(?:${escapeRe(name)}|"${escapeRe(name)}"|'${escapeRe(name)}')[ \\t]*=`,
    );
    const existing = lines.slice(start + 1, end).findIndex((l) => keyRe.test(l));
    out = [...lines];
    if (existing >= 0) {
      const at = start + 1 + existing;
      const old = lines[at];
      const opens = (old.match(/[{[]/g) ?? []).length;
      const closes = (old.match(/[}\]]/g) ?? []).length;
      if (opens !== closes) {
        throw new MochiError(
          "MANIFEST_E007",
          `the entry for ${name} in [dependencies] spans several lines; mochi add will not rewrite it`,
          { hint: `edit ${file} by hand: set its version to "${requirement}"`, file, line: at + 1 },
        );
      }
      const comment = /[ \t]+#[^"']*$/.exec(old)?.[0] ?? "";
      out[at] = line + comment;
    } else {
      let last = end - 1;
      while (last > start && lines[last].trim() === "") last--;
      out.splice(last + 1, 0, line);
    }
  }
  const next = out.join(eol);
  const { manifest } = parseManifest(next, file);
  const dep = manifest.dependencies.get(name);
  if (dep === undefined || dep.requirement !== requirement || dep.registry !== registry) {
    throw new MochiError(
      "INTERNAL_E001",
      `mochi add could not place ${name} = "${requirement}" in [dependencies] of ${file}`,
      { hint: "add the line by hand and report this with your mochi.toml" },
    );
  }
  return next;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
