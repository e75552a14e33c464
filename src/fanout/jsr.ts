/**
 * The JSR packer: the package as `deno publish` uploads it, a gzipped tar of `jsr.json` and the
 * package's files at the archive root (jsr-io/jsr `api/src/tarball.rs` reads regular files only,
 * paths taken as package paths, and the config file named by the upload's `config` parameter).
 *
 * JSR publishes TypeScript sources: the typescript output's `.ts` modules go in, and the
 * JavaScript and declarations the compiler emitted beside them stay out (a `.js` with no `.ts`
 * source is kept). `jsr.json` carries `name`, `version`, `license`, `exports` (subpath → source)
 * and `imports` (the dependencies as `jsr:`/`npm:` specifiers). When the lowered capabilities
 * hold a `deno.json` (its `permissions`, `compile.permissions` and `tasks`), it goes in with the
 * same `name`, `version`, `license`, `exports` and `imports` first, because `deno publish` and
 * `deno run` read `deno.json` before `jsr.json`. File name `<scope>-<name>-<version>.jsr.tgz`.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { makeArtifact, tarGz } from "./archive.ts";
import type { Artifact, FanoutPackage, Packer } from "./types.ts";
import {
  baseName,
  emittedDts,
  emittedJs,
  isTsSource,
  jsonBytes,
  typescriptExtra,
} from "./_typescript.ts";

/**
 * The JSR artifact's file name.
 *
 * @example
 * ```ts
 * import { jsrArchiveName } from "@mochi/pkg/fanout";
 * import assert from "node:assert/strict";
 * assert.equal(jsrArchiveName("@acme/greet", "1.2.0"), "acme-greet-1.2.0.jsr.tgz");
 * ```
 *
 * @param name `@scope/name`
 * @param version its version
 * @returns `<scope>-<name>-<version>.jsr.tgz`
 */
export function jsrArchiveName(name: string, version: string): string {
  return `${name.replace(/^@/, "").replace("/", "-")}-${version}.jsr.tgz`;
}

/**
 * A dependency as a JSR import-map entry: `npm:<name>@<range>` for a name given as `npm:<name>`,
 * else `jsr:<name>@<range>`.
 */
function importOf(name: string, range: string): [string, string] {
  const m = /^(npm|jsr):(.+)$/.exec(name);
  const scheme = m ? m[1]! : "jsr";
  const bare = m ? m[2]! : name;
  return [bare, `${scheme}:${bare}@${range}`];
}

/**
 * The `jsr.json` of the JSR artifact.
 *
 * @param pkg the package (ecosystem `jsr`)
 * @returns the document, keys in a fixed order
 * @throws {MochiError} as {@link packJsr}
 */
export function jsrConfig(pkg: FanoutPackage): Record<string, unknown> {
  const extra = typescriptExtra(pkg);
  const doc: Record<string, unknown> = { name: pkg.name, version: pkg.version };
  if (pkg.license !== undefined) doc.license = pkg.license;
  doc.exports = Object.fromEntries(extra.exports.map((e) => [e.subpath, `./${e.module}`]));
  const deps = pkg.dependencies.filter((d) => d.kind === "normal").map((d) =>
    importOf(d.name, d.range)
  ).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (deps.length > 0) doc.imports = Object.fromEntries(deps);
  return doc;
}

/** The files JSR publishes: everything but what the compiler emitted beside a `.ts` source. */
function jsrFiles(pkg: FanoutPackage) {
  const emitted = new Set<string>();
  for (const f of pkg.files) {
    if (!isTsSource(f.path)) continue;
    const js = emittedJs(f.path);
    const dts = emittedDts(f.path);
    for (const p of [js, `${js}.map`, dts, `${dts}.map`]) emitted.add(p);
  }
  return pkg.files.filter((f) => !emitted.has(f.path));
}

function mergedDenoJson(
  pkg: FanoutPackage,
  config: Record<string, unknown>,
  bytes: Uint8Array,
): Uint8Array {
  let lowered: unknown;
  try {
    lowered = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new MochiError(
      "FANOUT_E008",
      `the lowered deno.json of ${pkg.mochi.name} is not JSON: ${(cause as Error).message}`,
      { hint: "this is a bug in mochi's capability lowering; report it", cause },
    );
  }
  if (typeof lowered !== "object" || lowered === null || Array.isArray(lowered)) {
    throw new MochiError("FANOUT_E008", `the lowered deno.json of ${pkg.mochi.name} is no object`);
  }
  const rest = Object.entries(lowered).filter(([k]) => !(k in config));
  return jsonBytes({ ...config, ...Object.fromEntries(rest) });
}

/**
 * Packs the JSR archive (see the module doc for its layout).
 *
 * @example
 * ```ts
 * import { packJsr } from "@mochi/pkg/fanout";
 * import assert from "node:assert/strict";
 * const bytes = (s: string) => new TextEncoder().encode(s);
 * const [tgz] = await packJsr({
 *   ecosystem: "jsr", name: "@acme/greet", version: "1.0.0",
 *   mochi: { name: "@acme/greet", version: "1.0.0" }, license: "MIT",
 *   authors: [], keywords: [], dependencies: [], capabilities: [], extra: {},
 *   files: [{ path: "mod.ts", bytes: bytes("export const x: number = 1;\n"), executable: false }],
 * });
 * assert.equal(tgz!.fileName, "acme-greet-1.0.0.jsr.tgz");
 * ```
 *
 * @param pkg the package (ecosystem `jsr`)
 * @returns one artifact, the `.jsr.tgz` (the exact bytes JSR's publish API takes)
 * @throws {MochiError} `FANOUT_E008` for bad `[targets.typescript]` extra keys or a lowered
 *   `deno.json` that is not a JSON object; `FANOUT_E007` when the output has no entry module;
 *   `FANOUT_E001` when a file collides with `jsr.json`, the readme or a capability file
 */
export const packJsr: Packer = async (pkg: FanoutPackage): Promise<Artifact[]> => {
  const config = jsrConfig(pkg);
  const entries = [{ path: "jsr.json", bytes: jsonBytes(config), executable: false }];
  if (pkg.readme !== undefined) {
    entries.push({ path: baseName(pkg.readme.path), bytes: pkg.readme.bytes, executable: false });
  }
  for (const f of jsrFiles(pkg)) {
    entries.push({ path: f.path, bytes: f.bytes, executable: f.executable });
  }
  for (const c of pkg.capabilities) {
    const bytes = c.path === "deno.json" ? mergedDenoJson(pkg, config, c.bytes) : c.bytes;
    entries.push({ path: c.path, bytes, executable: false });
  }
  const tgz = await tarGz(entries);
  return [makeArtifact("jsr", jsrArchiveName(pkg.name, pkg.version), tgz, "application/gzip")];
};
