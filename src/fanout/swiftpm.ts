/**
 * The SwiftPM packer: a source archive as the Swift package registry service (SE-0292) expects
 * it: a zip whose entries all sit under one top-level folder named after the package (what
 * `swift package archive-source` writes: `git archive --format zip --prefix <name>/`), holding
 * `Package.swift` at that folder's root. Its checksum is the SHA-256 of the zip, hex (what
 * `swift package compute-checksum` prints and the registry serves as the `source-archive`
 * resource's `checksum`), the artifact's `sha256`. Beside it, the release metadata (SE-0391's
 * `PackageRelease` JSON: description, licence URL — the SPDX page of a single-licence
 * expression unless `license-url` is set —, repository URLs, author) that the publish
 * request carries as its `metadata` part.
 *
 * Follows swift-package-manager `Documentation/PackageRegistry/Registry.md` (§3.6 identifiers,
 * §4.6 create a package release, appendix B metadata schema) and `ArchiveSource.swift`.
 *
 * @module
 */

import { MochiError, quoteValue } from "../errors.ts";
import { type ArchiveFile, makeArtifact, zip } from "./archive.ts";
import { readExtra, utf8 } from "./_native.ts";
import type { Artifact, FanoutPackage, Packer } from "./types.ts";

/** SE-0292 §3.6.1: a scope. */
const SCOPE = /^[a-zA-Z0-9](?:[a-zA-Z0-9]|-(?=[a-zA-Z0-9])){0,38}$/;
/** SE-0292 §3.6.2: a package name. */
const NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9]|[-_](?=[a-zA-Z0-9])){0,99}$/;
/**
 * A requirement as fan-out maps it for SwiftPM: version literals only (`"1.2.0"..<"2.0.0"`,
 * `"1.2.4"..."1.4.0"`, `from: "1.2.0"`, `exact: "1.2.3"`); it is written into Package.swift, where
 * anything else in a string literal (a `\(…)` interpolation) would run as code.
 */
const SWIFT_REQUIREMENT = (() => {
  const v = '"\\d[0-9A-Za-z.+-]*"';
  return new RegExp(`^(?:${v}(?:\\.\\.<|\\.\\.\\.)${v}|exact: ${v}|from: ${v})$`);
})();
/** A Swift identifier for the generated manifest's product and targets. */
const SWIFT_IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

const SWIFTPM_EXTRA = {
  "tools-version": {
    kind: "string",
    pattern: /^\d+\.\d+(\.\d+)?$/,
    expected: "a Swift tools version, e.g. 5.9",
  },
  "license-url": { kind: "string", pattern: /^https:\/\/\S+$/, expected: "an https URL" },
} as const;

/**
 * Splits an SE-0292 package identifier `scope.name` and checks both parts.
 *
 * @param id the identifier (`mochi.greet`)
 * @returns the scope and the name
 * @throws {MochiError} `FANOUT_E004` naming the identifier
 */
export function splitSwiftIdentifier(id: string): { scope: string; name: string } {
  const dot = id.indexOf(".");
  const scope = dot < 0 ? "" : id.slice(0, dot);
  const name = dot < 0 ? "" : id.slice(dot + 1);
  if (!SCOPE.test(scope) || !NAME.test(name)) {
    throw new MochiError(
      "FANOUT_E004",
      `${quoteValue(id)} is not a Swift package registry identifier (scope.name)`,
      {
        hint:
          "a scope is letters, digits and single inner -, at most 39; a name letters, digits and single inner - or _, at most 100",
      },
    );
  }
  return { scope, name };
}

/** `Package.swift` for output that has none: one library product over each `Sources/<T>/`. */
function generatedManifest(
  pkg: FanoutPackage,
  name: string,
  targets: string[],
  toolsVersion: string,
): string {
  const product = name.replace(/[^A-Za-z0-9_]/g, "_");
  const deps = pkg.dependencies.filter((d) => d.kind === "normal");
  const lines = [
    `// swift-tools-version:${toolsVersion}`,
    `// Written by mochi pkg from mochi.toml (${pkg.mochi.name} ${pkg.mochi.version}).`,
    "import PackageDescription",
    "",
    "let package = Package(",
    `    name: ${JSON.stringify(product)},`,
    "    products: [",
    `        .library(name: ${JSON.stringify(product)}, targets: [${
      targets.map((t) => JSON.stringify(t)).join(", ")
    }]),`,
    "    ],",
  ];
  if (deps.length > 0) {
    lines.push("    dependencies: [");
    for (const d of deps) {
      splitSwiftIdentifier(d.name);
      if (!SWIFT_REQUIREMENT.test(d.range)) {
        throw new MochiError(
          "FANOUT_E003",
          `the swift requirement ${quoteValue(d.range)} on ${
            quoteValue(d.name)
          } is not a Swift version requirement`,
          { hint: 'expected a range such as "1.2.0"..<"2.0.0", from: "1.2.0" or exact: "1.2.0"' },
        );
      }
      lines.push(`        .package(id: ${JSON.stringify(d.name)}, ${d.range}),`);
    }
    lines.push("    ],");
  }
  lines.push("    targets: [");
  for (const t of targets) {
    const depsOf = deps.map((d) => {
      const { name: n } = splitSwiftIdentifier(d.name);
      return `.product(name: ${JSON.stringify(n)}, package: ${JSON.stringify(d.name)})`;
    });
    lines.push(
      `        .target(name: ${JSON.stringify(t)}, dependencies: [${depsOf.join(", ")}], path: ${
        JSON.stringify(`Sources/${t}`)
      }),`,
    );
  }
  lines.push("    ]", ")", "");
  return lines.join("\n");
}

/** The release metadata (SE-0391 `PackageRelease`) for the publish request. */
function releaseMetadata(pkg: FanoutPackage, licenseUrl: string | undefined): string {
  const meta: Record<string, unknown> = {};
  const first = pkg.authors[0];
  if (first !== undefined) {
    const m = /^\s*([^<]*?)\s*(?:<([^>]+)>)?\s*$/.exec(first);
    const author: Record<string, string> = { name: m?.[1] || first };
    if (m?.[2] !== undefined) author.email = m[2];
    meta.author = author;
  }
  if (pkg.description !== undefined) meta.description = pkg.description;
  if (licenseUrl !== undefined) meta.licenseURL = licenseUrl;
  else if (pkg.license !== undefined && /^[A-Za-z0-9.+-]+$/.test(pkg.license)) {
    meta.licenseURL = `https://spdx.org/licenses/${pkg.license.replace(/\+$/, "")}.html`;
  }
  meta.repositoryURLs = pkg.repository === undefined ? [] : [pkg.repository];
  return `${JSON.stringify(meta, null, 2)}\n`;
}

/**
 * Packs a {@link FanoutPackage} as an SE-0292 source archive `<name>-<version>.zip` (entries under
 * `<name>/`) and its release metadata `<name>-<version>.metadata.json`. The compiler's Swift
 * output is a Swift package: `Package.swift` and `Sources/<Target>/…`; when it has no
 * `Package.swift`, one is written with a library product over every `Sources/<Target>/` and the
 * runtime dependencies as registry dependencies (`.package(id:, <range>)`).
 *
 * Extra `[targets.swift.metadata]` keys: `tools-version` (default `5.7`, used only for a generated
 * manifest), `license-url` (the metadata's `licenseURL`).
 *
 * @example
 * ```ts
 * import { packSwiftpm } from "@mochi/pkg/fanout";
 * import assert from "node:assert/strict";
 * const [archive, metadata] = await packSwiftpm({
 *   ecosystem: "swiftpm", name: "mochi.greet", version: "1.0.0",
 *   mochi: { name: "@mochi/greet", version: "1.0.0" }, authors: [], keywords: [],
 *   dependencies: [], capabilities: [], extra: {},
 *   files: [{ path: "Sources/Greet/Greet.swift", bytes: new TextEncoder().encode("public let x = 1\n"), executable: false }],
 * });
 * assert.equal(archive!.fileName, "greet-1.0.0.zip");
 * assert.equal(metadata!.role, "companion");
 * ```
 *
 * @param pkg the package, mapped for SwiftPM (`scope.name` identifier, SemVer version)
 * @returns the archive (`application/zip`, primary) and the metadata (`application/json`,
 *   companion)
 * @throws {MochiError} `FANOUT_E004` for a bad identifier; `FANOUT_E007` when the output has
 *   neither `Package.swift` nor `Sources/<Target>/`; `FANOUT_E003` for a dependency range that is
 *   not Swift's; `FANOUT_E008` for a bad extra key; `FANOUT_E001` for a bad or repeated path
 */
export const packSwiftpm: Packer = (pkg: FanoutPackage): Promise<Artifact[]> => {
  try {
    return Promise.resolve(packSwiftpmNow(pkg));
  } catch (e) {
    return Promise.reject(e);
  }
};

function packSwiftpmNow(pkg: FanoutPackage): Artifact[] {
  const { name } = splitSwiftIdentifier(pkg.name);
  const extra = readExtra(pkg, SWIFTPM_EXTRA);
  const files: ArchiveFile[] = pkg.files.map((f) => ({ ...f }));
  for (const c of pkg.capabilities) files.push({ path: c.path, bytes: c.bytes });
  if (pkg.readme !== undefined && !files.some((f) => f.path === pkg.readme!.path)) {
    files.push({ path: pkg.readme.path, bytes: pkg.readme.bytes });
  }
  if (!files.some((f) => f.path === "Package.swift")) {
    const targets = [
      ...new Set(
        files.map((f) => /^Sources\/([^/]+)\//.exec(f.path)?.[1]).filter((t): t is string =>
          t !== undefined
        ),
      ),
    ].sort();
    if (targets.length === 0) {
      throw new MochiError(
        "FANOUT_E007",
        `the swift output for ${
          quoteValue(pkg.mochi.name)
        } has neither Package.swift nor Sources/<Target>/`,
        { hint: "point [targets.swift] out at the compiler's Swift package output" },
      );
    }
    for (const t of targets) {
      if (!SWIFT_IDENT.test(t)) {
        throw new MochiError("FANOUT_E007", `Sources/${quoteValue(t)} is not a Swift target name`, {
          hint: "target folders are Swift identifiers; or ship a Package.swift in the output",
        });
      }
    }
    const tools = (extra["tools-version"] as string | undefined) ?? "5.7";
    files.push({
      path: "Package.swift",
      bytes: utf8(generatedManifest(pkg, name, targets, tools)),
    });
  }
  const archive = zip(files.map((f) => ({ ...f, path: `${name}/${f.path}` })), {
    first: [`${name}/Package.swift`],
  });
  const stem = `${name}-${pkg.version}`;
  return [
    makeArtifact("swiftpm", `${stem}.zip`, archive, "application/zip"),
    makeArtifact(
      "swiftpm",
      `${stem}.metadata.json`,
      utf8(releaseMetadata(pkg, extra["license-url"] as string | undefined)),
      "application/json",
      "companion",
    ),
  ];
}
