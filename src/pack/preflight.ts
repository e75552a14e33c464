/**
 * The publish preflight: every missing or invalid `[package]` field a registry needs, found in
 * one pass and reported together, sorted (as `cargo publish`'s metadata checks).
 *
 * @module
 */
import parseSpdx from "spdx-expression-parse";
import type { Manifest } from "../manifest/mod.ts";

/** Longest `description`, in characters. */
export const MAX_DESCRIPTION_CHARS = 200;

/** URL schemes a `repository` may use. */
export const REPOSITORY_SCHEMES: readonly string[] = ["https:", "git+https:", "ssh:"];

/**
 * Every problem that keeps a manifest from being published, sorted by text.
 *
 * Checks: `description` present, one line, at most {@link MAX_DESCRIPTION_CHARS} characters;
 * `license` present and a valid SPDX expression (ids from the SPDX license list, `AND`/`OR`/
 * `WITH`, `LicenseRef-…`); `readme` present and the file is in the package; `repository`
 * present and an `https://`, `git+https://` or `ssh://` URL; no `[dependencies]` or
 * `[targets.rust.ffi]` entry with a `git` or `path` source; no `[target.'cfg(…)'.dependencies]` entry (the index has no place for
 * platform-specific dependencies).
 *
 * @param manifest the parsed manifest
 * @param packedFiles the paths that go into the archive (to check the readme is among them)
 * @returns problem lines such as `[package] license "MIT-ish" is not a valid SPDX expression`;
 *   empty when the package can be published
 */
export function publishProblems(manifest: Manifest, packedFiles: ReadonlySet<string>): string[] {
  const p = manifest.package;
  const out: string[] = [];
  if (p.description === undefined || p.description.trim() === "") {
    out.push('[package] description is missing: add description = "what the package does"');
  } else if (/[\r\n]/.test(p.description)) {
    out.push("[package] description must be one line");
  } else if ([...p.description].length > MAX_DESCRIPTION_CHARS) {
    out.push(
      `[package] description is ${
        [...p.description].length
      } characters; at most ${MAX_DESCRIPTION_CHARS} are allowed`,
    );
  }
  if (p.license === undefined || p.license.trim() === "") {
    out.push('[package] license is missing: add an SPDX expression, e.g. license = "MIT"');
  } else {
    try {
      parseSpdx(p.license);
    } catch {
      out.push(
        `[package] license ${
          JSON.stringify(p.license)
        } is not a valid SPDX expression (see https://spdx.org/licenses/)`,
      );
    }
  }
  if (p.readme === undefined || p.readme.trim() === "") {
    out.push('[package] readme is missing: add readme = "README.md"');
  } else if (!packedFiles.has(p.readme.replace(/^\.\//, ""))) {
    out.push(`[package] readme ${JSON.stringify(p.readme)} is not a file in the package`);
  }
  if (p.repository === undefined || p.repository.trim() === "") {
    out.push(
      '[package] repository is missing: add repository = "https://github.com/<owner>/<repo>"',
    );
  } else {
    let scheme: string | undefined;
    try {
      scheme = new URL(p.repository).protocol;
    } catch {
      scheme = undefined;
    }
    if (scheme === undefined || !REPOSITORY_SCHEMES.includes(scheme)) {
      out.push(
        `[package] repository ${
          JSON.stringify(p.repository)
        } must be an https://, git+https:// or ssh:// URL`,
      );
    }
  }
  for (const [name, dep] of manifest.dependencies) {
    // Consumers resolve from a registry only: a git or path source cannot travel with the
    // package (cargo refuses git dependencies on publish the same way).
    if (dep.git !== undefined) {
      out.push(
        `[dependencies] ${name} comes from git (${dep.git.url}); a published package depends ` +
          "on registry versions only: publish it to the registry and depend on a version",
      );
    } else if (dep.path !== undefined) {
      out.push(
        `[dependencies] ${name} comes from the path ${JSON.stringify(dep.path)}; a published ` +
          "package depends on registry versions only: publish it first and depend on a version",
      );
    }
  }
  for (const [name, dep] of manifest.rustDependencies ?? []) {
    // The same rule for the package's Rust crates: cargo refuses git and path-only dependencies
    // on publish, and a consumer's lock resolves them from the crates registry only.
    if (dep.git !== undefined) {
      out.push(
        `[targets.rust.ffi] ${name} comes from git (${dep.git.url}); a published package ` +
          "depends on crate versions from the registry only: depend on a published version",
      );
    } else if (dep.path !== undefined) {
      out.push(
        `[targets.rust.ffi] ${name} comes from the path ${JSON.stringify(dep.path)}; a ` +
          "published package depends on crate versions from the registry only: publish the " +
          "crate first and depend on a version",
      );
    }
  }
  for (const table of manifest.platformDependencies ?? []) {
    // A registry index record lists one dependency set for every platform: a published package's
    // platform tables would be dropped, and its dependents would install them everywhere or
    // nowhere. Refused until the index can carry them (dev-dependencies never travel).
    if (table.dependencies.size > 0) {
      out.push(
        `[target.'${table.cfg}'.dependencies] (${
          [...table.dependencies.keys()].join(", ")
        }) cannot be published yet: the registry index has no place for platform-specific ` +
          "dependencies; move them to [dependencies] or keep this package unpublished",
      );
    }
  }
  return out.sort();
}
