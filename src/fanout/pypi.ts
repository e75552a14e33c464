/**
 * The PyPI packer: a wheel (the binary distribution format, PEP 427 as the PyPA specification
 * keeps it) and an sdist (the source distribution format, PEP 625 file name, PEP 517/621
 * `pyproject.toml`), both carrying Core Metadata 2.4 (`License-Expression`, PEP 639).
 *
 * The wheel holds the compiler output at its root (purelib) and
 * `<name>-<version>.dist-info/` with `METADATA`, `WHEEL`, the lowered capability file
 * (`mochi_caps.json`: per distribution, read with `importlib.metadata`; at the root of
 * site-packages two packages' files would overwrite each other) and `RECORD` (every file's
 * `sha256=<urlsafe base64, no padding>` and size; `RECORD` itself `,,`), placed last as the
 * specification recommends. Its tag is `py3-none-any` unless the output holds native code
 * (`.so`, `.pyd`, `.dylib`, `.dll`), which needs an explicit `wheel-tag` and is not purelib.
 *
 * The sdist is `<name>-<version>.tar.gz` with one top folder `<name>-<version>/` holding
 * `PKG-INFO` (the same metadata), `pyproject.toml`, the readme, the compiler output under `src/`,
 * the capability file under `_mochi_build/dist-info/`, and a small in-tree PEP 517 build backend
 * (`_mochi_build/mochi_build.py`, standard library
 * only, `requires = []`), so `pip install <sdist>` builds the same wheel with no network and no
 * build tool to fetch.
 *
 * Extra keys of `[targets.python]` read here: `requires-python` (a PEP 440 specifier set),
 * `classifiers` (array of Trove classifiers), `urls` (table label → URL, `Project-URL`) and
 * `wheel-tag` (`py3-none-any` by default; required for native code).
 *
 * @module
 */

import { createHash } from "node:crypto";
import { stringify as tomlStringify } from "smol-toml";
import { MochiError } from "../errors.ts";
import { isValidPythonName, normalizePythonName } from "../python/names.ts";
import { normalizePep440 } from "../python/pep440.ts";
import { formatMarker, parsePythonRequirement } from "../python/pep508.ts";
import { parseSpecifierSet } from "../python/specifiers.ts";
import { type ArchiveFile, compareUtf8, makeArtifact, tarGz, zip } from "./archive.ts";
import {
  checkExtraKeys,
  extraString,
  extraStrings,
  extraTable,
  httpUrl,
  oneLine,
  parsePerson,
} from "./_fields.ts";
import type { Artifact, FanoutPackage, Packer } from "./types.ts";

/** The `[targets.python]` extra keys the PyPI packer reads. */
export const PYPI_EXTRA_KEYS: readonly string[] = [
  "classifiers",
  "requires-python",
  "urls",
  "wheel-tag",
];

/** File name endings that make a wheel platform-specific (extension modules, shared libraries). */
const NATIVE_RE = /\.(so(\.\d+)*|pyd|dylib|dll)$/i;

const enc = new TextEncoder();

/** Files of `.dist-info` that the wheel writes or an installer adds. */
const DIST_INFO_OWN = new Set([
  "METADATA",
  "WHEEL",
  "RECORD",
  "INSTALLER",
  "REQUESTED",
  "direct_url.json",
  "entry_points.txt",
  "licenses",
  "sboms",
]);

/** What the packer derived from a {@link FanoutPackage}, shared by the wheel and the sdist. */
interface PypiPlan {
  /** The name as written (`Name:`) and its file-name form (`scope_name`). */
  name: string;
  distName: string;
  version: string;
  /** The Core Metadata 2.4 text (`METADATA` / `PKG-INFO`), its header fields and its body. */
  metadata: string;
  fields: [string, string][];
  description: string;
  /** `py3-none-any` or the `wheel-tag` given; expanded tags for `WHEEL`. */
  tag: string;
  tags: string[];
  purelib: boolean;
  files: ArchiveFile[];
  /** Capability files, paths relative to the `.dist-info` folder. */
  caps: ArchiveFile[];
  pyproject: string;
}

/**
 * The file-name form of a project name: PEP 503 normalised, `-` → `_` (the binary distribution
 * format's escaping, also PEP 625's for sdists).
 *
 * @param name a valid project name
 * @returns e.g. `mochi_greet` for `Mochi.Greet`
 *
 * @example
 * ```ts
 * import { pypiFileNamePart } from "@mochi/pkg/fanout";
 * import assert from "node:assert/strict";
 * assert.equal(pypiFileNamePart("Mochi.Greet-lib"), "mochi_greet_lib");
 * ```
 */
export function pypiFileNamePart(name: string): string {
  return normalizePythonName(name).replace(/-/g, "_");
}

function e008(message: string, hint: string): MochiError {
  return new MochiError("FANOUT_E008", message, { hint });
}

function contentType(path: string): string {
  const lower = path.toLowerCase();
  if (lower.endsWith(".md") || lower.endsWith(".markdown")) return "text/markdown";
  if (lower.endsWith(".rst")) return "text/x-rst";
  return "text/plain";
}

/** `sha256=<urlsafe base64 without padding>` as `RECORD` and `--hash` write it. */
function recordHash(bytes: Uint8Array): string {
  return `sha256=${createHash("sha256").update(bytes).digest("base64url")}`;
}

/** One CSV field as Python's `csv` module writes it (quoted when it holds `,`, `"` or a newline). */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function expandTag(eco: "pypi", tag: string): string[] {
  const parts = tag.split("-");
  const part = /^[a-z0-9_.]+$/;
  if (parts.length !== 3 || !parts.every((p) => part.test(p) && !p.split(".").includes(""))) {
    throw e008(
      `${eco} wheel-tag ${JSON.stringify(tag)} is not <python>-<abi>-<platform>`,
      'write e.g. wheel-tag = "cp312-cp312-manylinux_2_17_x86_64"',
    );
  }
  const [py, abi, plat] = parts.map((p) => p.split(".")) as [string[], string[], string[]];
  const out: string[] = [];
  for (const a of py) for (const b of abi) for (const c of plat) out.push(`${a}-${b}-${c}`);
  return out;
}

function planPypi(pkg: FanoutPackage): PypiPlan {
  const eco = "pypi" as const;
  checkExtraKeys(eco, pkg.extra, PYPI_EXTRA_KEYS);
  if (!isValidPythonName(pkg.name)) {
    throw new MochiError("FANOUT_E004", `${JSON.stringify(pkg.name)} is not a PyPI project name`, {
      hint: "use ASCII letters, digits, and . _ - inside (PEP 508); set name in [targets.python]",
    });
  }
  let version: string;
  try {
    version = normalizePep440(pkg.version);
  } catch (cause) {
    throw new MochiError(
      "FANOUT_E002",
      `${JSON.stringify(pkg.version)} is not a PEP 440 version`,
      { hint: "the version mapping should have produced PEP 440; report this", cause },
    );
  }
  const distName = pypiFileNamePart(pkg.name);

  // Header lines, in the order the Core Metadata specification lists them.
  const h: string[] = ["Metadata-Version: 2.4", `Name: ${pkg.name}`, `Version: ${version}`];
  if (pkg.description !== undefined) {
    h.push(`Summary: ${oneLine(eco, "description", pkg.description)}`);
  }
  if (pkg.keywords.length > 0) {
    for (const k of pkg.keywords) {
      if (k.includes(",")) throw e008(`keyword ${JSON.stringify(k)} has a comma`, "drop the comma");
    }
    h.push(`Keywords: ${pkg.keywords.map((k) => oneLine(eco, "keyword", k)).join(",")}`);
  }
  const people = pkg.authors.map((a) => parsePerson(eco, a));
  const quote = (n: string) => /[,"()<>@:;\\]/.test(n) ? `"${n.replace(/["\\]/g, "\\$&")}"` : n;
  const named = people.filter((p) => p.email === undefined).map((p) => p.name);
  const mailed = people.filter((p) => p.email !== undefined).map((p) =>
    p.name === "" ? p.email! : `${quote(p.name)} <${p.email}>`
  );
  if (named.length > 0) h.push(`Author: ${named.join(", ")}`);
  if (mailed.length > 0) h.push(`Author-email: ${mailed.join(", ")}`);
  if (pkg.license !== undefined) {
    h.push(`License-Expression: ${oneLine(eco, "license", pkg.license)}`);
  }
  const classifiers = extraStrings(eco, pkg.extra, "classifiers");
  for (const c of classifiers) {
    if (!/^[^:]+( :: [^:]+)+$/.test(c)) {
      throw e008(
        `classifier ${JSON.stringify(c)} is not a Trove classifier`,
        'write e.g. "Programming Language :: Python :: 3"',
      );
    }
    h.push(`Classifier: ${c}`);
  }
  const requiresPython = extraString(eco, pkg.extra, "requires-python");
  if (requiresPython !== undefined) {
    try {
      parseSpecifierSet(requiresPython);
    } catch (cause) {
      throw new MochiError(
        "FANOUT_E008",
        `requires-python ${JSON.stringify(requiresPython)} is not a PEP 440 specifier set`,
        { hint: 'write e.g. requires-python = ">=3.9"', cause },
      );
    }
    h.push(`Requires-Python: ${requiresPython}`);
  }
  const urls = new Map<string, string>();
  if (pkg.homepage !== undefined) urls.set("Homepage", httpUrl(eco, "homepage", pkg.homepage));
  if (pkg.repository !== undefined) {
    urls.set("Repository", httpUrl(eco, "repository", pkg.repository));
  }
  for (const [label, url] of extraTable(eco, pkg.extra, "urls")) {
    if (label.length > 32 || label.includes(",")) {
      throw e008(
        `urls label ${JSON.stringify(label)} is longer than 32 characters or has a comma`,
        "shorten the label",
      );
    }
    urls.set(label, httpUrl(eco, `urls.${label}`, url));
  }
  for (const [label, url] of urls) h.push(`Project-URL: ${label}, ${url}`);

  const runtime: { req: string; marker?: string }[] = [];
  const dev: { req: string; marker?: string }[] = [];
  for (const d of pkg.dependencies) {
    const text = `${d.name}${d.range}`;
    oneLine(eco, "dependency", text);
    let parsed;
    try {
      parsed = parsePythonRequirement(text);
    } catch (cause) {
      throw new MochiError(
        "FANOUT_E003",
        `dependency ${JSON.stringify(text)} is not a PEP 508 requirement`,
        { hint: 'write python dependencies as name = ">=1.2,<2"', cause },
      );
    }
    if (parsed.url !== undefined) {
      throw new MochiError(
        "FANOUT_E003",
        `dependency ${JSON.stringify(text)} is a direct URL`,
        { hint: "give a name and a version range; PyPI refuses direct URL dependencies" },
      );
    }
    const marker = parsed.marker === undefined ? undefined : formatMarker(parsed.marker);
    if (marker !== undefined && /\bextra\b/.test(marker)) {
      throw new MochiError(
        "FANOUT_E003",
        `dependency ${JSON.stringify(text)} has an extra marker`,
        { hint: 'list development dependencies with kind "dev" instead of an extra marker' },
      );
    }
    const req = `${parsed.name}${parsed.extras.length > 0 ? `[${parsed.extras.join(",")}]` : ""}${
      parsed.specifier === "" ? "" : parsed.specifier
    }`;
    (d.kind === "dev" ? dev : runtime).push(marker === undefined ? { req } : { req, marker });
  }
  for (const r of runtime) {
    h.push(`Requires-Dist: ${r.req}${r.marker === undefined ? "" : `; ${r.marker}`}`);
  }
  for (const r of dev) {
    h.push(
      `Requires-Dist: ${r.req}; ${
        r.marker === undefined ? "" : `(${r.marker}) and `
      }extra == "dev"`,
    );
  }
  if (dev.length > 0) h.push("Provides-Extra: dev");

  let description = "";
  if (pkg.readme !== undefined) {
    h.push(`Description-Content-Type: ${contentType(pkg.readme.path)}; charset=UTF-8`);
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(pkg.readme.bytes);
    } catch (cause) {
      throw new MochiError(
        "FANOUT_E008",
        `readme ${JSON.stringify(pkg.readme.path)} is not UTF-8`,
        { hint: "save the readme as UTF-8", cause },
      );
    }
    description = text;
  }
  const metadata = `${h.join("\n")}\n${pkg.readme === undefined ? "" : `\n${description}`}`;
  const fields = h.map((line): [string, string] => {
    const at = line.indexOf(": ");
    return [line.slice(0, at), line.slice(at + 2)];
  });

  // Files: the compiler output; nothing may land in the wheel's own folders. Capability files go
  // into .dist-info (one per distribution: at the root of site-packages two packages' files
  // would overwrite each other).
  const files: ArchiveFile[] = pkg.files.map((f) => ({
    path: f.path,
    bytes: f.bytes,
    executable: f.executable,
  }));
  const caps: ArchiveFile[] = pkg.capabilities.map((c) => ({ path: c.path, bytes: c.bytes }));
  for (const c of caps) {
    if (DIST_INFO_OWN.has(c.path.split("/")[0]!)) {
      throw new MochiError(
        "FANOUT_E001",
        `capability file ${JSON.stringify(c.path)} would replace the wheel's own ${c.path}`,
        { hint: "report this: the lowering should not name a wheel metadata file" },
      );
    }
  }
  for (const f of files) {
    const top = f.path.split("/")[0]!;
    if (top.endsWith(".dist-info") || top.endsWith(".data")) {
      throw new MochiError(
        "FANOUT_E001",
        `compiler output ${JSON.stringify(f.path)} is inside a wheel's own folder (${top})`,
        { hint: "the wheel writes .dist-info itself; remove it from the output" },
      );
    }
  }
  const native = files.find((f) => NATIVE_RE.test(f.path));
  const tagText = extraString(eco, pkg.extra, "wheel-tag");
  if (native !== undefined && tagText === undefined) {
    throw e008(
      `the python output holds native code (${native.path}) but no wheel-tag says for which platform`,
      'set wheel-tag = "cp312-cp312-manylinux_2_17_x86_64" (the interpreter, ABI and platform it was built for)',
    );
  }
  const tag = tagText ?? "py3-none-any";
  const tags = expandTag(eco, tag);
  if (native !== undefined && tags.some((t) => t.endsWith("-any"))) {
    throw e008(
      `wheel-tag ${JSON.stringify(tag)} says any platform, but ${native.path} is native code`,
      "name the platform the native code was built for",
    );
  }

  const project: Record<string, unknown> = { name: pkg.name, version };
  if (pkg.description !== undefined) project.description = pkg.description;
  if (pkg.readme !== undefined) {
    project.readme = { file: pkg.readme.path, "content-type": contentType(pkg.readme.path) };
  }
  if (requiresPython !== undefined) project["requires-python"] = requiresPython;
  if (pkg.license !== undefined) project.license = pkg.license;
  if (people.length > 0) {
    project.authors = people.map((p) =>
      p.email === undefined
        ? { name: p.name }
        : p.name === ""
        ? { email: p.email }
        : { name: p.name, email: p.email }
    );
  }
  if (pkg.keywords.length > 0) project.keywords = pkg.keywords;
  if (classifiers.length > 0) project.classifiers = classifiers;
  const pep508 = (r: { req: string; marker?: string }) =>
    r.marker === undefined ? r.req : `${r.req}; ${r.marker}`;
  project.dependencies = runtime.map(pep508);
  if (dev.length > 0) project["optional-dependencies"] = { dev: dev.map(pep508) };
  if (urls.size > 0) project.urls = Object.fromEntries(urls);
  const pyproject = "# Written by mochi pkg from mochi.toml; the wheel is built by the in-tree\n" +
    "# backend below (standard library only), so installing needs no build tool.\n" +
    tomlStringify({
      "build-system": {
        requires: [],
        "build-backend": "mochi_build",
        "backend-path": ["_mochi_build"],
      },
      project,
    }) + "\n";

  return {
    name: pkg.name,
    distName,
    version,
    metadata,
    fields,
    description,
    tag,
    tags,
    purelib: native === undefined,
    files,
    caps,
    pyproject,
  };
}

/** A distribution's Core Metadata as fields, the form an upload sends it in. */
export interface PypiCoreMetadata {
  /** `[field, value]` in file order, e.g. `["Requires-Dist", "idna>=3"]`; fields repeat. */
  fields: [string, string][];
  /** The long description (the readme), "" when none. */
  description: string;
  /** The `METADATA`/`PKG-INFO` file's text. */
  text: string;
}

/**
 * The Core Metadata 2.4 that {@link packPypi} writes into the wheel's `METADATA` and the sdist's
 * `PKG-INFO`, as fields (what the PyPI upload form carries beside the file).
 *
 * @param pkg the package, as given to {@link packPypi}
 * @returns the fields, the description and the file text
 * @throws {MochiError} the codes {@link packPypi} throws for bad metadata
 *
 * @example
 * ```ts
 * import { pypiCoreMetadata } from "@mochi/pkg/fanout";
 * import assert from "node:assert/strict";
 * const m = pypiCoreMetadata({
 *   ecosystem: "pypi", name: "mochi-greet", version: "1.0", license: "MIT",
 *   mochi: { name: "@mochi/greet", version: "1.0.0" },
 *   authors: [], keywords: [], dependencies: [], capabilities: [], extra: {}, files: [],
 * });
 * assert.deepEqual(m.fields.at(-1), ["License-Expression", "MIT"]);
 * ```
 */
export function pypiCoreMetadata(pkg: FanoutPackage): PypiCoreMetadata {
  const p = planPypi(pkg);
  return { fields: p.fields, description: p.description, text: p.metadata };
}

/**
 * The wheel of a plan: files, then `.dist-info/METADATA`, `WHEEL`, `RECORD` last.
 */
function buildWheel(p: PypiPlan): Artifact {
  const distInfo = `${p.distName}-${p.version}.dist-info`;
  const wheelText = [
    "Wheel-Version: 1.0",
    "Generator: mochi pkg",
    `Root-Is-Purelib: ${p.purelib ? "true" : "false"}`,
    ...p.tags.map((t) => `Tag: ${t}`),
  ].join("\n") + "\n";
  const sorted = [...p.files].sort((a, b) => compareUtf8(a.path, b.path));
  const meta: ArchiveFile[] = [
    { path: `${distInfo}/METADATA`, bytes: enc.encode(p.metadata) },
    { path: `${distInfo}/WHEEL`, bytes: enc.encode(wheelText) },
    ...[...p.caps].sort((a, b) => compareUtf8(a.path, b.path)).map((c) => ({
      path: `${distInfo}/${c.path}`,
      bytes: c.bytes,
    })),
  ];
  const record = [...sorted, ...meta].map((f) =>
    `${csvField(f.path)},${recordHash(f.bytes)},${f.bytes.byteLength}`
  );
  record.push(`${distInfo}/RECORD,,`);
  const all = [...sorted, ...meta, {
    path: `${distInfo}/RECORD`,
    bytes: enc.encode(record.join("\n") + "\n"),
  }];
  const bytes = zip(all, { first: all.map((f) => f.path) });
  return makeArtifact(
    "pypi",
    `${p.distName}-${p.version}-${p.tag}.whl`,
    bytes,
    "application/zip",
  );
}

/** A Python string literal for a value already checked to be printable. */
function py(s: string): string {
  return JSON.stringify(s);
}

/** The in-tree PEP 517 backend shipped in the sdist (see the module documentation). */
function backendSource(p: PypiPlan): string {
  return `"""PEP 517 build backend written by mochi pkg for this sdist.

It builds the wheel from src/ and PKG-INFO with the standard library only (no
build requirements), the same files mochi pkg put in the wheel it published.
"""

import base64
import csv
import hashlib
import io
import os
import tarfile
import zipfile

NAME = ${py(p.distName)}
VERSION = ${py(p.version)}
TAG = ${py(p.tag)}
TAGS = [${p.tags.map(py).join(", ")}]
PURELIB = ${p.purelib ? "True" : "False"}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _walk(top):
    out = []
    for folder, dirs, files in os.walk(top):
        dirs.sort()
        for f in files:
            full = os.path.join(folder, f)
            out.append((os.path.relpath(full, top).replace(os.sep, "/"), full))
    return sorted(out)


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    dist_info = "%s-%s.dist-info" % (NAME, VERSION)
    entries = []
    for rel, full in _walk(os.path.join(ROOT, "src")):
        entries.append((rel, _read(full), os.access(full, os.X_OK)))
    wheel = "Wheel-Version: 1.0\\nGenerator: mochi pkg\\nRoot-Is-Purelib: %s\\n" % (
        "true" if PURELIB else "false"
    ) + "".join("Tag: %s\\n" % t for t in TAGS)
    entries.append((dist_info + "/METADATA", _read(os.path.join(ROOT, "PKG-INFO")), False))
    entries.append((dist_info + "/WHEEL", wheel.encode(), False))
    for rel, full in _walk(os.path.join(ROOT, "_mochi_build", "dist-info")):
        entries.append((dist_info + "/" + rel, _read(full), False))
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\\n")
    for rel, data, _ in entries:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        writer.writerow([rel, "sha256=" + digest.decode(), len(data)])
    writer.writerow([dist_info + "/RECORD", "", ""])
    entries.append((dist_info + "/RECORD", record.getvalue().encode(), False))
    name = "%s-%s-%s.whl" % (NAME, VERSION, TAG)
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as z:
        for rel, data, executable in entries:
            info = zipfile.ZipInfo(rel, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (0o100755 if executable else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return name


def build_sdist(sdist_directory, config_settings=None):
    base = "%s-%s" % (NAME, VERSION)
    name = base + ".tar.gz"

    def clean(info):
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mtime = 0
        return info

    with tarfile.open(os.path.join(sdist_directory, name), "w:gz", format=tarfile.PAX_FORMAT) as t:
        for rel, full in _walk(ROOT):
            if "/__pycache__/" in "/" + rel:
                continue
            t.add(full, arcname=base + "/" + rel, recursive=False, filter=clean)
    return name
`;
}

/**
 * Packs a {@link FanoutPackage} for PyPI: `[wheel, sdist]`, both byte-reproducible.
 *
 * @param pkg the package, `ecosystem: "pypi"`, version already PEP 440
 * @returns the wheel (`<name>-<version>-py3-none-any.whl`) and the sdist
 *   (`<name>-<version>.tar.gz`), both `primary`
 * @throws {MochiError} `FANOUT_E004` for a name PyPI refuses; `FANOUT_E002` for a version that is
 *   not PEP 440; `FANOUT_E003` for a dependency that is not a plain PEP 508 requirement;
 *   `FANOUT_E008` for an unknown extra key, a bad `requires-python`, classifier, URL, author or
 *   wheel tag, a control character in a header value, native code without a platform tag;
 *   `FANOUT_E001` for output inside `*.dist-info`/`*.data` or a repeated path
 *
 * @example
 * ```ts
 * import { packPypi } from "@mochi/pkg/fanout";
 * import assert from "node:assert/strict";
 * const [wheel, sdist] = await packPypi({
 *   ecosystem: "pypi", name: "mochi-greet", version: "1.0.0a1",
 *   mochi: { name: "@mochi/greet", version: "1.0.0-alpha.1" },
 *   authors: [], keywords: [], dependencies: [], capabilities: [], extra: {},
 *   files: [{ path: "mochi_greet/__init__.py", bytes: new Uint8Array(), executable: false }],
 * });
 * assert.equal(wheel?.fileName, "mochi_greet-1.0.0a1-py3-none-any.whl");
 * assert.equal(sdist?.fileName, "mochi_greet-1.0.0a1.tar.gz");
 * ```
 */
export const packPypi: Packer = async (pkg: FanoutPackage): Promise<Artifact[]> => {
  if (pkg.ecosystem !== "pypi") {
    throw new MochiError("INTERNAL_E001", `packPypi was given a ${pkg.ecosystem} package`);
  }
  const plan = planPypi(pkg);
  return [buildWheel(plan), await buildSdist(plan, pkg.readme)];
};

async function buildSdist(p: PypiPlan, readme: FanoutPackage["readme"]): Promise<Artifact> {
  const top = `${p.distName}-${p.version}`;
  const files: ArchiveFile[] = [
    { path: `${top}/PKG-INFO`, bytes: enc.encode(p.metadata) },
    { path: `${top}/pyproject.toml`, bytes: enc.encode(p.pyproject) },
    { path: `${top}/_mochi_build/mochi_build.py`, bytes: enc.encode(backendSource(p)) },
    ...p.files.map((f) => ({
      path: `${top}/src/${f.path}`,
      bytes: f.bytes,
      executable: f.executable === true,
    })),
    ...p.caps.map((c) => ({ path: `${top}/_mochi_build/dist-info/${c.path}`, bytes: c.bytes })),
  ];
  if (readme !== undefined) {
    const head = readme.path.split("/")[0];
    if (
      head === "src" || head === "_mochi_build" || head === "PKG-INFO" ||
      head === "pyproject.toml"
    ) {
      throw new MochiError(
        "FANOUT_E001",
        `readme path ${JSON.stringify(readme.path)} collides with the sdist's own files`,
        { hint: "move the readme, e.g. to README.md" },
      );
    }
    files.push({ path: `${top}/${readme.path}`, bytes: readme.bytes });
  }
  const bytes = await tarGz(files, { directories: true });
  return makeArtifact("pypi", `${top}.tar.gz`, bytes, "application/gzip");
}
