/**
 * The NuGet packer: a `.nupkg`, an Open Packaging Conventions (ECMA-376 part 2) zip as NuGet's
 * `PackageBuilder` writes it: `<id>.nuspec` (namespace
 * `http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd`), the package files under their
 * NuGet folders (`lib/<tfm>/…`), `_rels/.rels` (the manifest and core-properties relationships,
 * ids `R` + the first 16 hex digits of the SHA-512 of the target path), `[Content_Types].xml`
 * (a `Default` per file extension, an `Override` per file without one) and
 * `package/services/metadata/core-properties/<name>.psmdcp` whose name is, as in NuGet's
 * deterministic mode, the first 32 hex digits of the SHA-512 of every package file's bytes.
 *
 * Follows NuGet.Client `PackageBuilder.cs` (NuGet.Packaging) and the nuspec reference.
 *
 * @module
 */

import { MochiError, quoteValue } from "../errors.ts";
import { type ArchiveFile, compareUtf8, hashHex, makeArtifact, zip } from "./archive.ts";
import { readExtra, utf8, xmlText } from "./_native.ts";
import type { Artifact, FanoutPackage, Packer } from "./types.ts";

/** The nuspec schema namespace NuGet writes for packages with `<license>` and `<readme>`. */
export const NUSPEC_NAMESPACE = "http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd";

/** NuGet's package id rule (`PackageIdValidator`): dot-separated words of letters, digits, `_`, `-`. */
const NUGET_ID = /^\w+([.-]\w+)*$/;

/** Top-level folders NuGet gives a meaning to; compiler output must put files under one. */
const NUGET_FOLDERS = new Set([
  "lib",
  "ref",
  "runtimes",
  "build",
  "buildTransitive",
  "buildMultiTargeting",
  "contentFiles",
  "content",
  "tools",
  "analyzers",
  "native",
  "embed",
]);

const NUGET_EXTRA = {
  "target-framework": {
    kind: "string",
    pattern: /^[a-z]+[0-9.]*(-[a-z0-9.]+)?$/,
    expected: "a target framework moniker, e.g. netstandard2.0 or net8.0",
  },
  "require-license-acceptance": { kind: "boolean" },
  copyright: { kind: "string" },
  title: { kind: "string" },
} as const;

/** NuGet's upper-case hex (`EncodeHexString`). */
function upperHex(alg: "sha512", bytes: Uint8Array): string {
  return hashHex(alg, bytes).toUpperCase();
}

/** A relationship id as NuGet generates it: `R` + the first 16 hex digits of SHA-512(path). */
export function relationshipId(target: string): string {
  return `R${upperHex("sha512", utf8(target)).slice(0, 16)}`;
}

/** The part name of a path as NuGet writes it (each segment `Uri.EscapeDataString`'d). */
function partName(path: string): string {
  return path.split("/").map((s) =>
    [...utf8(s)].map((b) => {
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
    }).join("")
  ).join("/");
}

const XML_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n';

function nuspec(pkg: FanoutPackage, tfms: string[], extra: Record<string, unknown>): string {
  const t = (s: string, what: string) => xmlText(s, what);
  const m: string[] = [];
  m.push(`    <id>${t(pkg.name, "id")}</id>`);
  m.push(`    <version>${t(pkg.version, "version")}</version>`);
  if (extra.title !== undefined) m.push(`    <title>${t(extra.title as string, "title")}</title>`);
  m.push(`    <authors>${t(pkg.authors.join(", "), "authors")}</authors>`);
  if (extra["require-license-acceptance"] === true) {
    m.push("    <requireLicenseAcceptance>true</requireLicenseAcceptance>");
  }
  if (pkg.license !== undefined) {
    m.push(`    <license type="expression">${t(pkg.license, "license")}</license>`);
    m.push("    <licenseUrl>https://aka.ms/deprecateLicenseUrl</licenseUrl>");
  }
  if (pkg.readme !== undefined) m.push(`    <readme>${t(pkg.readme.path, "readme")}</readme>`);
  if (pkg.homepage !== undefined) {
    m.push(`    <projectUrl>${t(pkg.homepage, "homepage")}</projectUrl>`);
  }
  m.push(`    <description>${t(pkg.description!, "description")}</description>`);
  if (extra.copyright !== undefined) {
    m.push(`    <copyright>${t(extra.copyright as string, "copyright")}</copyright>`);
  }
  if (pkg.keywords.length > 0) m.push(`    <tags>${t(pkg.keywords.join(" "), "tags")}</tags>`);
  if (pkg.repository !== undefined) {
    m.push(`    <repository type="git" url="${t(pkg.repository, "repository")}" />`);
  }
  const deps = pkg.dependencies.filter((d) => d.kind === "normal").sort((a, b) =>
    compareUtf8(a.name.toLowerCase(), b.name.toLowerCase())
  );
  const depLines = deps.map((d) =>
    `<dependency id="${t(d.name, "dependency id")}" version="${
      t(d.range, "dependency version")
    }" exclude="Build,Analyzers" />`
  );
  if (tfms.length > 0) {
    m.push("    <dependencies>");
    for (const tfm of tfms) {
      if (depLines.length === 0) {
        m.push(`      <group targetFramework="${t(tfm, "target framework")}" />`);
      } else {
        m.push(`      <group targetFramework="${t(tfm, "target framework")}">`);
        for (const l of depLines) m.push(`        ${l}`);
        m.push("      </group>");
      }
    }
    m.push("    </dependencies>");
  } else if (depLines.length > 0) {
    m.push("    <dependencies>");
    for (const l of depLines) m.push(`      ${l}`);
    m.push("    </dependencies>");
  }
  return `${XML_HEAD}<package xmlns="${NUSPEC_NAMESPACE}">\n  <metadata>\n${
    m.join("\n")
  }\n  </metadata>\n</package>\n`;
}

/**
 * Packs a {@link FanoutPackage} as a `.nupkg`. The compiler's .NET output is laid out as the
 * package's folders (`lib/<tfm>/<Assembly>.dll`, `ref/…`, `runtimes/…`, …); each `lib/<tfm>/`
 * (or, with none, the `target-framework` extra key) gets a dependency group holding every runtime
 * dependency (dev dependencies are not published). The readme goes at its path with
 * `<readme>`, capability files at theirs.
 *
 * Extra `[targets.dotnet.metadata]` keys: `target-framework`, `require-license-acceptance`, `copyright`,
 * `title`.
 *
 * @example
 * ```ts
 * import { packNuget } from "@mochi/pkg/fanout";
 * import assert from "node:assert/strict";
 * const [nupkg] = await packNuget({
 *   ecosystem: "nuget", name: "Mochi.Greet", version: "1.0.0", description: "Greets",
 *   mochi: { name: "@mochi/greet", version: "1.0.0" }, authors: ["Ada"], keywords: [],
 *   dependencies: [], capabilities: [], extra: {},
 *   files: [{ path: "lib/net8.0/Mochi.Greet.dll", bytes: new Uint8Array([77, 90]), executable: false }],
 * });
 * assert.equal(nupkg!.fileName, "Mochi.Greet.1.0.0.nupkg");
 * ```
 *
 * @param pkg the package, mapped for NuGet (`Scope.Name` id, SemVer 2.0.0 version)
 * @returns one primary artifact, `<id>.<version>.nupkg` (`application/zip`)
 * @throws {MochiError} `FANOUT_E004` for an id NuGet refuses; `FANOUT_E008` for a missing
 *   description or authors, a bad extra key or a file outside NuGet's folders; `FANOUT_E001` for a
 *   bad or repeated path
 */
export const packNuget: Packer = (pkg: FanoutPackage): Promise<Artifact[]> => {
  try {
    return Promise.resolve(packNugetNow(pkg));
  } catch (e) {
    return Promise.reject(e);
  }
};

function packNugetNow(pkg: FanoutPackage): Artifact[] {
  if (!NUGET_ID.test(pkg.name) || pkg.name.length > 100) {
    throw new MochiError("FANOUT_E004", `${quoteValue(pkg.name)} is not a valid NuGet package id`, {
      hint: "NuGet ids are words of letters, digits and _ joined by . or -, at most 100 characters",
    });
  }
  if (pkg.description === undefined || pkg.description.trim() === "") {
    throw new MochiError("FANOUT_E008", `NuGet needs a description for ${quoteValue(pkg.name)}`, {
      hint: "set [package] description in mochi.toml",
    });
  }
  if (pkg.authors.length === 0) {
    throw new MochiError("FANOUT_E008", `NuGet needs authors for ${quoteValue(pkg.name)}`, {
      hint: "set [package] authors in mochi.toml",
    });
  }
  for (const d of pkg.dependencies) {
    if (!NUGET_ID.test(d.name) || d.name.length > 100) {
      throw new MochiError("FANOUT_E004", `${quoteValue(d.name)} is not a NuGet package id`, {
        hint: "NuGet ids are words of letters, digits and _ joined by . or -",
      });
    }
  }
  const extra = readExtra(pkg, NUGET_EXTRA);
  const files: ArchiveFile[] = [];
  for (const f of pkg.files) {
    const top = f.path.split("/")[0]!;
    if (!f.path.includes("/") || !NUGET_FOLDERS.has(top)) {
      throw new MochiError(
        "FANOUT_E008",
        `the dotnet output file ${quoteValue(f.path)} is not under a NuGet folder`,
        {
          hint: `lay the compiler output out as the package: ${
            [...NUGET_FOLDERS].slice(0, 4).join("/, ")
          }/ … (e.g. lib/net8.0/Greet.dll)`,
        },
      );
    }
    files.push({ path: f.path, bytes: f.bytes });
  }
  for (const c of pkg.capabilities) files.push({ path: c.path, bytes: c.bytes });
  if (pkg.readme !== undefined && !files.some((f) => f.path === pkg.readme!.path)) {
    files.push({ path: pkg.readme.path, bytes: pkg.readme.bytes });
  }
  files.sort((a, b) => compareUtf8(a.path, b.path));
  const tfms = [
    ...new Set(
      files.map((f) => /^lib\/([^/]+)\//.exec(f.path)?.[1]).filter((x): x is string =>
        x !== undefined
      ),
    ),
  ].sort(compareUtf8);
  if (tfms.length === 0 && extra["target-framework"] !== undefined) {
    tfms.push(extra["target-framework"] as string);
  }

  const nuspecPath = `${pkg.name}.nuspec`;
  let all = new Uint8Array(0);
  {
    const parts = files.map((f) => f.bytes);
    const n = parts.reduce((s, p) => s + p.length, 0);
    all = new Uint8Array(n);
    let off = 0;
    for (const p of parts) {
      all.set(p, off);
      off += p.length;
    }
  }
  const psmdcpPath = `package/services/metadata/core-properties/${
    upperHex("sha512", all).slice(0, 32)
  }.psmdcp`;

  const rels =
    `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\n` +
    `  <Relationship Type="http://schemas.microsoft.com/packaging/2010/07/manifest" Target="/${
      xmlText(nuspecPath, "nuspec path")
    }" Id="${relationshipId(`/${nuspecPath}`)}" />\n` +
    `  <Relationship Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="/${psmdcpPath}" Id="${
      relationshipId(`/${psmdcpPath}`)
    }" />\n</Relationships>\n`;

  const extensions: string[] = [];
  const seen = new Set<string>();
  const withoutExtension: string[] = [];
  for (const f of files) {
    const base = f.path.split("/").at(-1)!;
    const dot = base.lastIndexOf(".");
    if (dot <= 0 || dot === base.length - 1) {
      withoutExtension.push(`/${partName(f.path)}`);
      continue;
    }
    const ext = base.slice(dot + 1);
    if (!seen.has(ext.toLowerCase())) {
      seen.add(ext.toLowerCase());
      extensions.push(ext);
    }
  }
  if (!seen.has("nuspec")) extensions.push("nuspec");
  const types = [
    `  <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml" />`,
    `  <Default Extension="psmdcp" ContentType="application/vnd.openxmlformats-package.core-properties+xml" />`,
    ...extensions.map((e) =>
      `  <Default Extension="${xmlText(e, "file extension")}" ContentType="application/octet" />`
    ),
    ...withoutExtension.map((p) =>
      `  <Override PartName="${xmlText(p, "part name")}" ContentType="application/octet" />`
    ),
  ];
  const contentTypes =
    `${XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\n${
      types.join("\n")
    }\n</Types>\n`;

  const core = `${XML_HEAD}<coreProperties xmlns:dc="http://purl.org/dc/elements/1.1/" ` +
    `xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ` +
    `xmlns="http://schemas.openxmlformats.org/package/2006/metadata/core-properties">\n` +
    `  <dc:creator>${xmlText(pkg.authors.join(", "), "authors")}</dc:creator>\n` +
    `  <dc:description>${xmlText(pkg.description, "description")}</dc:description>\n` +
    `  <dc:identifier>${xmlText(pkg.name, "id")}</dc:identifier>\n` +
    `  <version>${xmlText(pkg.version, "version")}</version>\n` +
    `  <keywords>${xmlText(pkg.keywords.join(" "), "tags")}</keywords>\n` +
    `  <lastModifiedBy>mochi pkg</lastModifiedBy>\n</coreProperties>\n`;

  const entries: ArchiveFile[] = [
    { path: "_rels/.rels", bytes: utf8(rels) },
    { path: nuspecPath, bytes: utf8(nuspec(pkg, tfms, extra)) },
    ...files.map((f) => ({ path: partName(f.path), bytes: f.bytes })),
    { path: "[Content_Types].xml", bytes: utf8(contentTypes) },
    { path: psmdcpPath, bytes: utf8(core) },
  ];
  // NuGet's order: the relationships and manifest first, the files, then the OPC parts.
  const bytes = zip(entries, { first: ["_rels/.rels", nuspecPath] });
  return [makeArtifact("nuget", `${pkg.name}.${pkg.version}.nupkg`, bytes, "application/zip")];
}
