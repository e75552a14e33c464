/**
 * The npm packer: the tarball `npm pack` would make from the typescript target's output.
 *
 * Layout (npm's `package/` prefix, as npm-packlist and pacote write it): `package/package.json`,
 * the readme, the compiled JavaScript and declaration files of the output (its TypeScript
 * sources stay out: npm consumers run the JavaScript), and the lowered capability files. The
 * `package.json` carries `name`, `version`, `description`, `keywords`, `homepage`, `license`,
 * `author`/`contributors`, `repository` (`{type: "git", url: "git+…"}`, the form `npm pkg fix`
 * writes), `type: "module"`, `exports` (per subpath `{types, default}`), `main`, `types`,
 * `engines`, `dependencies`, `devDependencies` and `mochi` (the Mochi package it came from).
 * File name `<scope>-<name>-<version>.tgz`, as `npm pack` names it. Every entry has npm's fixed
 * mtime (1985-10-26T08:15:00Z) and mode 0644/0755; the bytes depend only on the package.
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

/** npm's fixed tarball mtime (pacote, 1985-10-26T08:15:00Z), in seconds. */
export const NPM_TARBALL_MTIME_SECONDS = 499162500;

/**
 * `npm pack`'s file name for a package: the scope's `@` dropped and its `/` made `-`.
 *
 * @example
 * ```ts
 * import { npmTarballName } from "@mochi/pkg/fanout";
 * import assert from "node:assert/strict";
 * assert.equal(npmTarballName("@acme/greet", "1.2.0"), "acme-greet-1.2.0.tgz");
 * ```
 *
 * @param name npm package name (`@scope/name` or `name`)
 * @param version its version
 * @returns `<scope>-<name>-<version>.tgz`
 */
export function npmTarballName(name: string, version: string): string {
  return `${name.replace(/^@/, "").replace("/", "-")}-${version}.tgz`;
}

function repositoryField(url: string): { type: string; url: string } {
  let u = url;
  if (/^https?:\/\//.test(u)) {
    u = `git+${u}`;
    if (!/\.git$/.test(u) && /^git\+https:\/\/(github\.com|gitlab\.com|codeberg\.org)\//.test(u)) {
      u += ".git";
    }
  }
  return { type: "git", url: u };
}

/**
 * The `package.json` of the npm artifact.
 *
 * @param pkg the package (ecosystem `npm`)
 * @returns the document, keys in a fixed order
 * @throws {MochiError} as {@link packNpm}
 */
export function npmPackageJson(pkg: FanoutPackage): Record<string, unknown> {
  const extra = typescriptExtra(pkg);
  const have = new Set(pkg.files.map((f) => f.path));
  const exports: Record<string, unknown> = {};
  let main: string | undefined;
  let types: string | undefined;
  for (const e of extra.exports) {
    const js = isTsSource(e.module) ? emittedJs(e.module) : e.module;
    if (!have.has(js)) {
      throw new MochiError(
        "FANOUT_E007",
        `npm needs ${js}, the compiled JavaScript of ${e.module} (export ${
          JSON.stringify(e.subpath)
        }), which the typescript output of ${pkg.mochi.name} does not hold`,
        { hint: "compile with declarations and JavaScript output (tsc's emit), then pack again" },
      );
    }
    const dts = emittedDts(e.module);
    const entry = have.has(dts) ? { types: `./${dts}`, default: `./${js}` } : `./${js}`;
    exports[e.subpath] = entry;
    if (e.subpath === ".") {
      main = `./${js}`;
      if (have.has(dts)) types = `./${dts}`;
    }
  }
  const doc: Record<string, unknown> = { name: pkg.name, version: pkg.version };
  if (pkg.description !== undefined) doc.description = pkg.description;
  if (pkg.keywords.length > 0) doc.keywords = [...pkg.keywords];
  if (pkg.homepage !== undefined) doc.homepage = pkg.homepage;
  if (pkg.license !== undefined) doc.license = pkg.license;
  if (pkg.authors.length > 0) doc.author = pkg.authors[0];
  if (pkg.authors.length > 1) doc.contributors = pkg.authors.slice(1);
  if (pkg.repository !== undefined) doc.repository = repositoryField(pkg.repository);
  doc.type = "module";
  doc.exports = exports;
  if (main !== undefined) doc.main = main;
  if (types !== undefined) doc.types = types;
  if (extra.engines !== undefined) doc.engines = extra.engines;
  const deps = (kind: "normal" | "dev") => {
    const list = pkg.dependencies.filter((d) => d.kind === kind).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0
    );
    return list.length === 0 ? undefined : Object.fromEntries(list.map((d) => [d.name, d.range]));
  };
  const normal = deps("normal");
  const dev = deps("dev");
  if (normal !== undefined) doc.dependencies = normal;
  if (dev !== undefined) doc.devDependencies = dev;
  doc.mochi = { name: pkg.mochi.name, version: pkg.mochi.version };
  return doc;
}

/**
 * Packs the npm tarball (see the module doc for its layout).
 *
 * @example
 * ```ts
 * import { packNpm } from "@mochi/pkg/fanout";
 * import assert from "node:assert/strict";
 * const bytes = (s: string) => new TextEncoder().encode(s);
 * const [tgz] = await packNpm({
 *   ecosystem: "npm", name: "@acme/greet", version: "1.0.0",
 *   mochi: { name: "@acme/greet", version: "1.0.0" }, license: "MIT",
 *   authors: [], keywords: [], dependencies: [], capabilities: [], extra: {},
 *   files: [
 *     { path: "mod.d.ts", bytes: bytes("export declare const x: number;\n"), executable: false },
 *     { path: "mod.js", bytes: bytes("export const x = 1;\n"), executable: false },
 *     { path: "mod.ts", bytes: bytes("export const x: number = 1;\n"), executable: false },
 *   ],
 * });
 * assert.equal(tgz!.fileName, "acme-greet-1.0.0.tgz");
 * assert.equal(tgz!.role, "primary");
 * ```
 *
 * @param pkg the package (ecosystem `npm`)
 * @returns one artifact, the `.tgz`
 * @throws {MochiError} `FANOUT_E008` for bad `[targets.typescript]` extra keys; `FANOUT_E007`
 *   when the output has no entry module or lacks the compiled JavaScript of an export;
 *   `FANOUT_E001` when a file collides with `package.json`, the readme or a capability file
 */
export const packNpm: Packer = async (pkg: FanoutPackage): Promise<Artifact[]> => {
  const manifest = npmPackageJson(pkg);
  const entries = [{ path: "package/package.json", bytes: jsonBytes(manifest), executable: false }];
  if (pkg.readme !== undefined) {
    entries.push({
      path: `package/${baseName(pkg.readme.path)}`,
      bytes: pkg.readme.bytes,
      executable: false,
    });
  }
  for (const f of pkg.files) {
    if (isTsSource(f.path)) continue;
    entries.push({ path: `package/${f.path}`, bytes: f.bytes, executable: f.executable });
  }
  for (const c of pkg.capabilities) {
    entries.push({ path: `package/${c.path}`, bytes: c.bytes, executable: false });
  }
  const tgz = await tarGz(entries, { mtimeSeconds: NPM_TARBALL_MTIME_SECONDS });
  return [makeArtifact("npm", npmTarballName(pkg.name, pkg.version), tgz, "application/gzip")];
};
