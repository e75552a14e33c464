/**
 * The `mochi.lock` reader (the format of README.md, shaped like cargo's `Cargo.lock` v4).
 *
 * @module
 */

import { parse as parseToml, TomlError } from "smol-toml";
import { MochiError } from "../errors.ts";
import { packageNameProblem } from "../manifest/names.ts";
import { capabilityProblem, didYouMean } from "../capability/model.ts";
import { locateToml } from "../manifest/toml_locator.ts";
import { tryParseVersion } from "../semver/mod.ts";
import { formatMarker, parseCfg } from "../manifest/platform.ts";
import { readPythonSections } from "./python.ts";
import { isCanonicalGoVersion, modulePathProblem } from "../go/query.ts";
import { parseGitSourceId } from "../manifest/git_source.ts";
import {
  type LockedCrate,
  type LockedGoModule,
  type LockedPackage,
  type Lockfile,
  LOCKFILE_FORMAT,
} from "./types.ts";

const REFRESH_HINT =
  "resolve the conflict in mochi.toml if there is one, then run `mochi lock` (or `mochi lock " +
  "--refresh`, or `mochi install` without --locked/--frozen): both sides are merged and " +
  "re-resolved";
const FIX_HINT = "run `mochi lock --refresh` to rewrite mochi.lock from mochi.toml";
const HEX64 = /^[0-9a-f]{64}$/;
const MANIFEST_HASH = /^blake3-256:[0-9a-f]{64}$/;
const CONFLICT_MARKER = /^(<{7}|={7}|>{7}|\|{7})(?:[ \r]|$)/m;

type Table = Record<string, unknown>;

function isTable(v: unknown): v is Table {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/**
 * Parses the text of a `mochi.lock`.
 *
 * Checks, in order: git conflict markers (a line starting with `<<<<<<<`, `=======`,
 * `>>>>>>>` or `|||||||`), TOML syntax, the format `version`, then every field. Unknown keys are
 * ignored (and dropped when the lock is rewritten). A leading BOM is stripped; CRLF is accepted.
 *
 * @param text the file's contents
 * @param file the path reported in errors (default `"mochi.lock"`)
 * @returns the lockfile, packages in file order
 * @throws {MochiError} with `file`, `line`, `column` and `hint`: LOCK_E007 conflict markers
 *   (hint `mochi lock --refresh`) · LOCK_E004 no `version` (or `version = 0`) · LOCK_E003
 *   `version` (or the Python `schema-version`) newer than this mochi reads · LOCK_E005 invalid
 *   TOML, a missing field, a field of the wrong type or shape, the same name and version locked
 *   twice, or a refused `[[python-package]]`/`[[python-wheel]]` entry (`readPythonSections`)
 */
export function parseLockfile(text: string, file = "mochi.lock"): Lockfile {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const marker = CONFLICT_MARKER.exec(text);
  if (marker !== null) {
    const before = text.slice(0, marker.index);
    const line = before.split("\n").length;
    throw new MochiError(
      "LOCK_E007",
      `${file} contains a git merge-conflict marker "${marker[1]}" at line ${line}`,
      { hint: REFRESH_HINT, file, line, column: 1 },
    );
  }
  let doc: Table;
  try {
    doc = parseToml(text) as Table;
  } catch (e) {
    if (e instanceof TomlError) {
      const first = e.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "");
      throw new MochiError("LOCK_E005", `${file} is not valid TOML: ${first}`, {
        hint: FIX_HINT,
        file,
        line: e.line,
        column: e.column,
        cause: e,
      });
    }
    throw e;
  }
  const loc = locateToml(text);
  const fail: FailWith = (path, message, code = "LOCK_E005", hint = FIX_HINT) => {
    const pos = loc.value(path);
    throw new MochiError(code, message, { hint, file, line: pos.line, column: pos.column });
  };

  const version = doc.version;
  if (version === undefined || version === 0) {
    fail(
      ["version"],
      `${file} has no format version${version === 0 ? " (version = 0)" : ""}`,
      "LOCK_E004",
      "a lockfile starts with `version = 1`; run `mochi lock --refresh` to rewrite it",
    );
  }
  if (typeof version !== "number" || !Number.isInteger(version) || version < 0) {
    fail(["version"], `${file} version must be a positive integer, found ${show(version)}`);
  }
  if (version > LOCKFILE_FORMAT) {
    fail(
      ["version"],
      `${file} was written by a newer mochi (format ${version}); this mochi reads format ${LOCKFILE_FORMAT}`,
      "LOCK_E003",
      "upgrade mochi",
    );
  }

  const manifestHash = doc.manifest_hash;
  if (manifestHash === undefined) fail([], `${file} has no manifest_hash`);
  if (typeof manifestHash !== "string" || !MANIFEST_HASH.test(manifestHash)) {
    fail(
      ["manifest_hash"],
      `${file} manifest_hash must be "blake3-256:<64 lowercase hex>", found ${show(manifestHash)}`,
    );
  }

  const rawPackages = doc.package ?? [];
  if (!Array.isArray(rawPackages)) {
    fail(["package"], `${file} "package" must be an array of [[package]] tables`);
  }
  const packages = rawPackages.map((raw, i) => readPackage(raw, i, file, fail));
  const seenIds = new Map<string, number>();
  packages.forEach((p, i) => {
    const id = `${p.name} ${p.version}`;
    const prev = seenIds.get(id);
    if (prev !== undefined) {
      fail(
        ["package", String(i), "version"],
        `${file} locks ${p.name} ${p.version} twice ([[package]] ${prev + 1} and ${i + 1})`,
      );
    }
    seenIds.set(id, i);
  });

  const capabilitiesSeen = new Map<string, string[]>();
  const rawSeen = doc["capabilities-seen"];
  if (rawSeen !== undefined) {
    if (!isTable(rawSeen)) {
      fail(["capabilities-seen"], `${file} [capabilities-seen] must be a table`);
    }
    for (const [name, caps] of Object.entries(rawSeen)) {
      const list = stringList(caps, ["capabilities-seen", name], fail, file);
      checkCapabilities(list, ["capabilities-seen", name], fail, file);
      capabilitiesSeen.set(name, list);
    }
  }
  const rawCrates = doc["rust-package"] ?? [];
  if (!Array.isArray(rawCrates)) {
    fail(["rust-package"], `${file} "rust-package" must be an array of [[rust-package]] tables`);
  }
  const rustPackages = rawCrates.map((raw, i) => readCrate(raw, i, file, fail));
  const crateIds = new Map<string, number>();
  rustPackages.forEach((c, i) => {
    const id = `${c.name} ${c.version}`;
    const prev = crateIds.get(id);
    if (prev !== undefined) {
      fail(
        ["rust-package", String(i), "version"],
        `${file} locks crate ${id} twice ([[rust-package]] ${prev + 1} and ${i + 1})`,
      );
    }
    crateIds.set(id, i);
  });
  const python = readPythonSections(doc, file, fail);
  const rawGo = doc["go-package"] ?? [];
  if (!Array.isArray(rawGo)) {
    fail(["go-package"], `${file} "go-package" must be an array of [[go-package]] tables`);
  }
  const goPackages = rawGo.map((raw, i) => readGoModule(raw, i, file, fail));
  const goIds = new Map<string, number>();
  goPackages.forEach((g, i) => {
    const prev = goIds.get(g.module);
    if (prev !== undefined) {
      fail(
        ["go-package", String(i), "module"],
        `${file} locks Go module ${g.module} twice ([[go-package]] ${prev + 1} and ${i + 1}); ` +
          "minimal version selection keeps one version per module",
      );
    }
    goIds.set(g.module, i);
  });
  const lock: Lockfile = { version: LOCKFILE_FORMAT, manifestHash, packages, capabilitiesSeen };
  if (rustPackages.length > 0) lock.rustPackages = rustPackages;
  if (python.packages.length > 0) lock.pythonPackages = python.packages;
  if (python.wheels.length > 0) lock.pythonWheels = python.wheels;
  if (goPackages.length > 0) lock.goPackages = goPackages;
  return lock;
}

const CRATE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

function readCrate(raw: unknown, i: number, file: string, fail: Fail): LockedCrate {
  const at = ["rust-package", String(i)];
  const where = `[[rust-package]] ${i + 1}`;
  if (!isTable(raw)) fail(at, `${file} ${where} must be a table`);
  const str = (key: string): string => {
    const v = raw[key];
    if (v === undefined) fail(at, `${file} ${where} has no "${key}"`);
    if (typeof v !== "string" || v.length === 0) {
      fail([...at, key], `${file} ${where} "${key}" must be a non-empty string, found ${show(v)}`);
    }
    return v;
  };
  const name = str("name");
  if (!CRATE_NAME.test(name)) fail([...at, "name"], `${file} ${where} has an invalid crate name`);
  const version = str("version");
  if (tryParseVersion(version) === undefined) {
    fail([...at, "version"], `${file} ${where} (${name}) has an invalid version "${version}"`);
  }
  const src = raw.source;
  let source: LockedCrate["source"] | undefined;
  if (isTable(src) && src.kind === "registry" && typeof src.index === "string") {
    source = { kind: "registry", index: src.index };
  } else if (isTable(src) && src.kind === "git" && typeof src.id === "string") {
    const id = parseGitSourceId(src.id);
    if (typeof id === "string") {
      fail([...at, "source"], `${file} ${where} (${name} ${version}) git source is refused: ${id}`);
    }
    source = { kind: "git", id: src.id };
  } else if (
    isTable(src) && src.kind === "path" && typeof src.path === "string" && src.path.length > 0 &&
    // deno-lint-ignore no-control-regex
    !/[\x00-\x1f]/.test(src.path)
  ) {
    source = { kind: "path", path: src.path };
  }
  if (source === undefined) {
    fail(
      [...at, "source"],
      `${file} ${where} (${name} ${version}) source must be { kind = "registry", index = "<url>" }` +
        ', { kind = "git", id = "git+<url>#<commit>" } or { kind = "path", path = "<dir>" }',
    );
  }
  let checksum = "";
  if (source.kind !== "path" || raw["checksum-sha256"] !== undefined) {
    checksum = str("checksum-sha256");
    if (!HEX64.test(checksum)) {
      fail([...at, "checksum-sha256"], `${file} ${where} checksum-sha256 must be 64 lowercase hex`);
    }
  }
  const crate: LockedCrate = {
    name,
    version,
    source,
    checksumSha256: checksum,
    dependencies: [],
    features: [],
  };
  if (raw.yanked !== undefined) {
    if (typeof raw.yanked !== "boolean") {
      fail([...at, "yanked"], `${file} ${where} yanked must be true or false`);
    }
    if (raw.yanked) crate.yanked = true;
  }
  for (const key of ["dependencies", "features"] as const) {
    if (raw[key] === undefined) fail(at, `${file} ${where} (${name}) has no "${key}"`);
    crate[key] = stringList(raw[key], [...at, key], fail, file);
  }
  crate.dependencies.forEach((dep, j) => {
    const parts = dep.split(" ");
    if (parts.length !== 2 || !CRATE_NAME.test(parts[0]!) || !tryParseVersion(parts[1]!)) {
      fail(
        [...at, "dependencies", String(j)],
        `${file} ${where} (${name}) dependency "${dep}" is not "name version"`,
      );
    }
  });
  return crate;
}

const GO_H1 = /^h1:[A-Za-z0-9+/]{43}=$/;
const BASE64_32 = /^[A-Za-z0-9+/]{43}=$/;

/**
 * Whether `path` has the shape of a Go module path and `version` of a canonical Go version, as
 * `[[go-package]]` entries and their dependencies must.
 */
function goModuleProblem(path: string, version: string): string | undefined {
  const problem = modulePathProblem(path);
  if (problem !== undefined) return `"${path}" is not a Go module path (${problem})`;
  if (!isCanonicalGoVersion(version)) return `"${version}" is not a canonical Go version`;
  return undefined;
}

function readGoModule(raw: unknown, i: number, file: string, fail: Fail): LockedGoModule {
  const at = ["go-package", String(i)];
  const where = `[[go-package]] ${i + 1}`;
  if (!isTable(raw)) fail(at, `${file} ${where} must be a table`);
  const str = (key: string): string => {
    const v = raw[key];
    if (v === undefined) fail(at, `${file} ${where} has no "${key}"`);
    if (typeof v !== "string" || v.length === 0) {
      fail([...at, key], `${file} ${where} "${key}" must be a non-empty string, found ${show(v)}`);
    }
    return v;
  };
  const module = str("module");
  const version = str("version");
  const problem = goModuleProblem(module, version);
  if (problem !== undefined) {
    const key = problem.includes("module path") ? "module" : "version";
    fail([...at, key], `${file} ${where}: ${problem}`);
  }
  const id = `${module} ${version}`;
  const src = raw.source;
  if (
    !isTable(src) || src.kind !== "module-proxy" || typeof src.url !== "string" ||
    !/^(https?|file):\/\/[^\s]+$/.test(src.url)
  ) {
    fail(
      [...at, "source"],
      `${file} ${where} (${id}) source must be { kind = "module-proxy", url = "<proxy url>" }`,
    );
  }
  const h1 = (key: string): string => {
    const v = str(key);
    if (!GO_H1.test(v)) {
      fail([...at, key], `${file} ${where} (${id}) ${key} must be "h1:" and 44 base64 characters`);
    }
    return v;
  };
  const zipH1 = h1("zip-h1");
  const gomodH1 = h1("gomod-h1");
  const zipBlake3 = str("zip-blake3");
  if (!HEX64.test(zipBlake3)) {
    fail([...at, "zip-blake3"], `${file} ${where} (${id}) zip-blake3 must be 64 lowercase hex`);
  }
  const entry: LockedGoModule = {
    module,
    version,
    source: { kind: "module-proxy", url: src.url as string },
    zipH1,
    gomodH1,
    zipBlake3,
    dependencies: [],
  };
  const sumdb = raw.sumdb;
  if (sumdb !== undefined) {
    const size = isTable(sumdb) ? sumdb["tree-size"] : undefined;
    if (
      !isTable(sumdb) || typeof sumdb.origin !== "string" ||
      !/^[\x21-\x7e]{1,200}$/.test(sumdb.origin) || sumdb.origin.includes("+") ||
      typeof size !== "number" || !Number.isSafeInteger(size) || size < 1 ||
      typeof sumdb["root-hash"] !== "string" || !BASE64_32.test(sumdb["root-hash"])
    ) {
      fail(
        [...at, "sumdb"],
        `${file} ${where} (${id}) sumdb must be { origin = "<database name>", ` +
          `tree-size = <records>, root-hash = "<base64 of 32 bytes>" }`,
      );
    }
    entry.sumdb = {
      origin: sumdb.origin as string,
      treeSize: size as number,
      rootHash: sumdb["root-hash"] as string,
    };
  }
  if (raw.dependencies === undefined) fail(at, `${file} ${where} (${id}) has no "dependencies"`);
  entry.dependencies = stringList(raw.dependencies, [...at, "dependencies"], fail, file);
  entry.dependencies.forEach((dep, j) => {
    const parts = dep.split(" ");
    if (parts.length !== 2 || goModuleProblem(parts[0]!, parts[1]!) !== undefined) {
      fail(
        [...at, "dependencies", String(j)],
        `${file} ${where} (${id}) dependency "${dep}" is not "module version"`,
      );
    }
  });
  return entry;
}

type Fail = (path: readonly string[], message: string) => never;
type FailWith = (
  path: readonly string[],
  message: string,
  code?: "LOCK_E003" | "LOCK_E004" | "LOCK_E005",
  hint?: string,
) => never;

function readPackage(raw: unknown, i: number, file: string, fail: Fail): LockedPackage {
  const at = ["package", String(i)];
  const where = `[[package]] ${i + 1}`;
  if (!isTable(raw)) fail(at, `${file} ${where} must be a table`);
  const str = (key: string): string => {
    const v = raw[key];
    if (v === undefined) {
      // The key is not in the file: point at the [[package]] header.
      fail(at, `${file} ${where} has no "${key}"`);
    }
    if (typeof v !== "string" || v.length === 0) {
      fail([...at, key], `${file} ${where} "${key}" must be a non-empty string, found ${show(v)}`);
    }
    return v;
  };
  const name = str("name");
  const nameProblem = packageNameProblem(name);
  if (nameProblem !== undefined) {
    fail([...at, "name"], `${file} ${where} has an invalid name "${name}": ${nameProblem}`);
  }
  const version = str("version");
  if (tryParseVersion(version) === undefined) {
    fail([...at, "version"], `${file} ${where} (${name}) has an invalid version "${version}"`);
  }
  const source = str("source");
  if (source.startsWith("git+")) {
    const id = parseGitSourceId(source);
    if (typeof id === "string") {
      fail([...at, "source"], `${file} ${where} (${name} ${version}) git source is refused: ${id}`);
    }
  } else if (source.startsWith("path+")) {
    if (raw.blake3 !== undefined || raw.sha256 !== undefined) {
      fail(at, `${file} ${where} (${name} ${version}) comes from a path but has digests`);
    }
  }
  const pkg: LockedPackage = { name, version, source, capabilities: [], dependencies: [] };
  if (raw.marker !== undefined) {
    const marker = str("marker");
    const parsed = parseCfg(marker);
    const canonical = "error" in parsed || parsed.platforms.length === 0
      ? undefined
      : formatMarker(parsed.platforms);
    if (canonical !== marker) {
      fail(
        [...at, "marker"],
        `${file} ${where} (${name} ${version}) marker ${JSON.stringify(marker)} is not a ` +
          `canonical platform marker${"error" in parsed ? `: ${parsed.error}` : ""}`,
      );
    }
    pkg.marker = marker;
  }
  for (const key of ["blake3", "sha256"] as const) {
    const v = raw[key];
    if (v === undefined) {
      if (source.startsWith("registry+") || source.startsWith("git+")) {
        const from = source.startsWith("git+") ? "git" : "a registry";
        fail(at, `${file} ${where} (${name} ${version}) comes from ${from} but has no ${key}`);
      }
      continue;
    }
    if (typeof v !== "string" || !HEX64.test(v)) {
      fail(
        [...at, key],
        `${file} ${where} ${key} must be 64 lowercase hex digits, found ${show(v)}`,
      );
    }
    pkg[key] = v;
  }
  if (raw.yanked !== undefined) {
    if (typeof raw.yanked !== "boolean") {
      fail([...at, "yanked"], `${file} ${where} yanked must be true or false`);
    }
    if (raw.yanked) pkg.yanked = true;
  }
  for (const key of ["signer", "signer_issuer"] as const) {
    const v = raw[key];
    if (v === undefined) continue;
    if (typeof v !== "string" || v.length === 0) {
      fail([...at, key], `${file} ${where} ${key} must be a non-empty string, found ${show(v)}`);
    }
    if (key === "signer") pkg.signer = v;
    else pkg.signerIssuer = v;
  }
  if ((pkg.signer === undefined) !== (pkg.signerIssuer === undefined)) {
    fail(at, `${file} ${where} (${name}) must have both signer and signer_issuer, or neither`);
  }
  if (raw.capabilities === undefined) fail(at, `${file} ${where} (${name}) has no "capabilities"`);
  pkg.capabilities = stringList(raw.capabilities, [...at, "capabilities"], fail, file);
  checkCapabilities(pkg.capabilities, [...at, "capabilities"], fail, file);
  if (raw.dependencies === undefined) fail(at, `${file} ${where} (${name}) has no "dependencies"`);
  pkg.dependencies = stringList(raw.dependencies, [...at, "dependencies"], fail, file);
  pkg.dependencies.forEach((dep, j) => {
    const parts = dep.split(" ");
    const ok = parts.length === 2 && packageNameProblem(parts[0]!) === undefined &&
      tryParseVersion(parts[1]!) !== undefined;
    if (!ok) {
      fail(
        [...at, "dependencies", String(j)],
        `${file} ${where} (${name}) dependency "${dep}" is not "name version"`,
      );
    }
  });
  return pkg;
}

function checkCapabilities(caps: string[], path: string[], fail: Fail, file: string): void {
  caps.forEach((cap, j) => {
    const problem = capabilityProblem(cap);
    if (problem !== undefined) {
      fail(
        [...path, String(j)],
        `${file} ${path.join(".")}: ${problem.reason}${didYouMean(problem)}`,
      );
    }
  });
}

function stringList(v: unknown, path: string[], fail: Fail, file: string): string[] {
  const label = path[0] === "package" || path[0] === "rust-package" || path[0] === "go-package"
    ? `[[${path[0]}]] ${Number(path[1]) + 1} "${path[2]}"`
    : `[${path[0]}] "${path[1]}"`;
  if (!Array.isArray(v)) {
    fail(path, `${file} ${label} must be an array of strings, found ${show(v)}`);
  }
  v.forEach((el, j) => {
    if (typeof el !== "string") {
      fail([...path, String(j)], `${file} ${label} must contain only strings, found ${show(el)}`);
    }
  });
  return [...(v as string[])];
}

function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (v === undefined) return "nothing";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object" && v !== null) return "a table";
  return String(v);
}
