/**
 * Module zips, as `golang.org/x/mod/zip` defines them: which files of a module tree go into its
 * zip ({@link checkFiles}: no vendored packages, no nested modules, no `.hg_archival.txt`, valid
 * file paths, no case-insensitive collisions, size limits), which zips are valid
 * ({@link checkZip}: every entry under `<module>@<version>/`), and reading a zip held in memory
 * with caps on entries and decoded bytes ({@link readModuleZip}); {@link createModuleZip} writes
 * one (for tests and loopback proxies).
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { hash1 } from "./dirhash.ts";
import { parseGoMod } from "./gomod.ts";
import { canonicalVersion, checkFilePath, checkModule, type ModuleVersion } from "./module.ts";
import { readZipDirectory, readZipEntry, writeZip } from "./_zipformat.ts";

/** Largest module zip, and largest total of its files, in bytes (500 MiB; x/mod/zip MaxZipFile). */
export const MAX_ZIP_FILE = 500 << 20;
/** Largest go.mod in a module zip, in bytes (16 MiB; x/mod/zip MaxGoMod). */
export const MAX_GO_MOD = 16 << 20;
/** Largest LICENSE in a module zip, in bytes (16 MiB; x/mod/zip MaxLICENSE). */
export const MAX_LICENSE = 16 << 20;

/** A file that is left out of, or refused from, a module zip, and why (x/mod/zip FileError). */
export interface ZipFileError {
  /** The file's path. */
  path: string;
  /** Why, in x/mod/zip's words. */
  err: string;
}

/** The verdict on a module's files (x/mod/zip CheckedFiles). */
export interface CheckedFiles {
  /** Paths that go into the zip, in input order. */
  valid: string[];
  /** Files left out on purpose (vendor, nested modules, symlinks, …). */
  omitted: ZipFileError[];
  /** Files that make the module invalid. */
  invalid: ZipFileError[];
  /** Set when the files together are too large. */
  sizeError?: string;
}

/** One file of a module tree, as {@link checkFiles} sees it. */
export interface ModuleTreeFile {
  /** Slash-separated path relative to the module root. */
  path: string;
  /** Size in bytes. */
  size: number;
  /** What it is (default `"file"`). */
  kind?: "file" | "dir" | "symlink" | "other" | undefined;
  /** The bytes (needed for the root go.mod, whose `go` line decides the vendor rule). */
  data?: Uint8Array;
}

/** Caps for {@link readModuleZip}; each defaults to x/mod/zip's limit or a generous bound. */
export interface ZipLimits {
  /** Largest zip accepted, in bytes (default {@link MAX_ZIP_FILE}). */
  maxZipBytes?: number;
  /** Largest total decoded size, in bytes (default {@link MAX_ZIP_FILE}). */
  maxDecodedBytes?: number;
  /** Most entries (default 100 000). */
  maxEntries?: number;
}

/** One file read from a module zip. */
export interface ModuleZipFile {
  /** The entry's full name, `<module>@<version>/<path>`. */
  name: string;
  /** The path inside the module. */
  path: string;
  /** The decoded bytes. */
  data: Uint8Array;
}

// ---- Go path helpers ----

/** Go's path.Clean. */
function cleanPath(p: string): string {
  if (p === "") return ".";
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(part);
  }
  const s = (rooted ? "/" : "") + out.join("/");
  return s === "" ? "." : s;
}

function splitPath(p: string): [string, string] {
  const i = p.lastIndexOf("/");
  return [p.slice(0, i + 1), p.slice(i + 1)];
}

function dirOf(p: string): string {
  const [dir] = splitPath(p);
  return cleanPath(dir === "" ? "." : dir);
}

/**
 * Go's strToFold: each character replaced by the smallest member of its simple case-folding orbit,
 * then ASCII lower-cased (so `K`, `k` and U+212A KELVIN SIGN fold alike, but `ı` and `i` do not).
 */
function strToFold(s: string): string {
  if (![...s].some((c) => (c >= "A" && c <= "Z") || c.codePointAt(0)! >= 0x80)) return s;
  let out = "";
  for (const c of s) {
    // U+0130 and U+0131 have no simple case folding (Unicode CaseFolding.txt gives them only
    // Turkic or full foldings), though JavaScript's toUpperCase/toLowerCase map them.
    if (c === "\u0130" || c === "\u0131") {
      out += c;
      continue;
    }
    const single = (x: string) => [...x].length === 1 ? x : undefined;
    const up = single(c.toUpperCase());
    const low = single(c.toLowerCase());
    const cands = [c];
    for (const x of [up, low, up && single(up.toLowerCase()), low && single(low.toUpperCase())]) {
      if (x !== undefined && x !== "\u0130" && x !== "\u0131") cands.push(x);
    }
    let r = cands.reduce((a, b) => (a.codePointAt(0)! <= b.codePointAt(0)! ? a : b));
    if (r >= "A" && r <= "Z") r = r.toLowerCase();
    out += r;
  }
  return out;
}

class CollisionChecker {
  readonly #seen = new Map<string, { path: string; isDir: boolean }>();

  check(p: string, isDir: boolean): string | undefined {
    const fold = strToFold(p);
    const other = this.#seen.get(fold);
    if (other !== undefined) {
      if (p !== other.path) {
        return `case-insensitive file name collision: ${JSON.stringify(other.path)} and ${
          JSON.stringify(p)
        }`;
      }
      if (isDir !== other.isDir) return `entry ${JSON.stringify(p)} is both a file and a directory`;
      if (!isDir) return `multiple entries for file ${JSON.stringify(p)}`;
    } else {
      this.#seen.set(fold, { path: p, isDir });
    }
    const parent = dirOf(p);
    return parent !== "." ? this.check(parent, true) : undefined;
  }
}

function problemOf(f: () => void): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (e instanceof MochiError) return e.message;
    throw e;
  }
}

/**
 * The language version of a go.mod's `go` line (`go1.21`), or `""` when the go.mod does not parse
 * (x/mod/zip parseGoVers: modfile.ParseLax, then go/version Lang).
 */
function goLangVersion(data: Uint8Array): string {
  let go: string | undefined;
  try {
    go = parseGoMod(data, { lax: true }).go;
  } catch (e) {
    if (e instanceof MochiError) return "";
    throw e;
  }
  const m = go === undefined ? null : /^([1-9][0-9]*)\.(0|[1-9][0-9]*)/.exec(go);
  return m === null ? "" : `go${m[1]}.${m[2]}`;
}

function atLeastGo124(vers: string): boolean {
  const m = /^go([0-9]+)\.([0-9]+)$/.exec(vers);
  if (m === null) return false;
  const major = Number(m[1]);
  return major > 1 || (major === 1 && Number(m[2]) >= 24);
}

/** Whether a path is in a vendored package (x/mod/zip isVendoredPackage). */
function isVendoredPackage(name: string, vers: string): boolean {
  const go124 = atLeastGo124(vers);
  if (go124 && name === "vendor/modules.txt") return true;
  let i: number;
  if (name.startsWith("vendor/")) i = "vendor/".length;
  else {
    const j = name.indexOf("/vendor/");
    if (j < 0) return false;
    // Before go 1.24 x/mod measured from the start (golang.org/issue/37397), kept for old hashes.
    i = go124 ? j + "/vendor/".length : "/vendor/".length;
  }
  return name.slice(i).includes("/");
}

/**
 * Decides which files of a module tree go into its zip, as the go command does when it makes one:
 * vendored packages, files of nested modules (a directory with its own go.mod) and
 * `.hg_archival.txt` are omitted; unclean, absolute or invalid paths, a go.mod spelled with
 * capitals, case-insensitive collisions, duplicates, and a go.mod or LICENSE over 16 MiB are
 * invalid; symbolic links and other non-regular files are omitted; more than 500 MiB in all sets
 * `sizeError`. With a root go.mod saying `go 1.24` or later, `vendor/modules.txt` is vendored too
 * and only `vendor/` directories count.
 *
 * Follows golang.org/x/mod/zip CheckFiles.
 *
 * @param files the module tree's files (the root go.mod with its `data`)
 * @returns the valid, omitted and invalid files
 *
 * @example
 * ```ts
 * import { checkFiles } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const cf = checkFiles([
 *   { path: "go.mod", size: 0 },
 *   { path: "a.go", size: 10 },
 *   { path: "vendor/x/y.go", size: 1 },
 *   { path: "sub/go.mod", size: 1 },
 *   { path: "b.go'", size: 1 },
 * ]);
 * assert.deepEqual(cf.valid, ["go.mod", "a.go"]);
 * assert.deepEqual(cf.omitted.map((e) => e.path), ["vendor/x/y.go", "sub/go.mod"]);
 * assert.deepEqual(cf.invalid.map((e) => e.path), ["b.go'"]);
 * ```
 */
export function checkFiles(files: readonly ModuleTreeFile[]): CheckedFiles {
  const cf: CheckedFiles = { valid: [], omitted: [], invalid: [] };
  const errPaths = new Set<string>();
  const addError = (path: string, omitted: boolean, err: string) => {
    if (errPaths.has(path)) return;
    errPaths.add(path);
    (omitted ? cf.omitted : cf.invalid).push({ path, err });
  };
  const haveGoMod = new Set<string>();
  let vers = "";
  for (const f of files) {
    const [dir, base] = splitPath(f.path);
    if (/^go\.mod$/i.test(base)) {
      if ((f.kind ?? "file") !== "file") continue;
      haveGoMod.add(dir);
      if (base === "go.mod" && dir === "" && f.data !== undefined) vers = goLangVersion(f.data);
    }
  }
  const inSubmodule = (p: string): boolean => {
    for (;;) {
      const [dir] = splitPath(p);
      if (dir === "") return false;
      if (haveGoMod.has(dir)) return true;
      p = dir.slice(0, -1);
    }
  };
  const collisions = new CollisionChecker();
  let maxSize = MAX_ZIP_FILE;
  for (const f of files) {
    const p = f.path;
    const kind = f.kind ?? "file";
    if (p !== cleanPath(p)) {
      addError(p, false, "file path is not clean");
      continue;
    }
    if (p.startsWith("/")) {
      addError(p, false, "file path is not relative");
      continue;
    }
    if (isVendoredPackage(p, vers)) {
      addError(p, true, "file is in vendor directory");
      continue;
    }
    if (inSubmodule(p)) {
      addError(p, true, "file is in another module");
      continue;
    }
    if (p === ".hg_archival.txt") {
      addError(p, true, "file is inserted by 'hg archive' and is always omitted");
      continue;
    }
    const bad = problemOf(() => checkFilePath(p));
    if (bad !== undefined) {
      addError(p, false, bad);
      continue;
    }
    if (p.toLowerCase() === "go.mod" && p !== "go.mod") {
      addError(p, false, "go.mod files must have lowercase names");
      continue;
    }
    const collision = collisions.check(p, kind === "dir");
    if (collision !== undefined) {
      addError(p, false, collision);
      continue;
    }
    if (kind === "symlink") {
      addError(p, true, "file is a symbolic link");
      continue;
    }
    if (kind !== "file") {
      addError(p, true, "not a regular file");
      continue;
    }
    const size = f.size;
    if (size >= 0 && size <= maxSize) maxSize -= size;
    else if (cf.sizeError === undefined) {
      cf.sizeError = `module source tree too large (max size is ${MAX_ZIP_FILE} bytes)`;
    }
    if (p === "go.mod" && size > MAX_GO_MOD) {
      addError(p, false, `go.mod file too large (max size is ${MAX_GO_MOD} bytes)`);
      continue;
    }
    if (p === "LICENSE" && size > MAX_LICENSE) {
      addError(p, false, `LICENSE file too large (max size is ${MAX_LICENSE} bytes)`);
      continue;
    }
    cf.valid.push(p);
  }
  return cf;
}

/**
 * The error a {@link CheckedFiles} stands for (x/mod/zip CheckedFiles.Err): the size error, else
 * every invalid file on its own line, else undefined.
 *
 * Follows golang.org/x/mod/zip CheckedFiles.Err.
 *
 * @param cf the verdict
 * @returns the error's text, or undefined when the files are valid
 *
 * @example
 * ```ts
 * import { checkedFilesError, checkFiles } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * assert.equal(checkedFilesError(checkFiles([{ path: "a.go", size: 1 }])), undefined);
 * assert.equal(checkedFilesError(checkFiles([{ path: "a//b.go", size: 1 }])), "a//b.go: file path is not clean");
 * ```
 */
export function checkedFilesError(cf: CheckedFiles): string | undefined {
  if (cf.sizeError !== undefined) return cf.sizeError;
  if (cf.invalid.length > 0) return cf.invalid.map((e) => `${e.path}: ${e.err}`).join("\n");
  return undefined;
}

const ZIP_HINT =
  "the module's files break golang.org/x/mod/zip's rules; the go command refuses it too";

function checkModuleVersion(m: ModuleVersion): void {
  const vers = canonicalVersion(m.version);
  if (vers !== m.version) {
    throw new MochiError(
      "GO_E002",
      `version ${JSON.stringify(m.version)} is not canonical (should be ${JSON.stringify(vers)})`,
    );
  }
  checkModule(m.path, m.version);
}

/**
 * Checks a module zip's entry names and declared sizes: each must be `<module>@<version>/<path>`
 * with a clean, valid path; no duplicates or case-insensitive collisions; go.mod only at the root
 * and in lower case; go.mod and LICENSE at most 16 MiB; 500 MiB in all.
 *
 * Follows golang.org/x/mod/zip CheckZip.
 *
 * @param m the module and its canonical version
 * @param entries the zip's entries in order: name (a trailing `/` marks a directory) and decoded size
 * @param zipSizeBytes the zip file's size, when known
 * @returns the verdict; `valid` holds full entry names
 * @throws {MochiError} `GO_E001`/`GO_E002` when the module path or version is invalid or the
 *   version not canonical
 *
 * @example
 * ```ts
 * import { checkZip } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const cf = checkZip({ path: "example.com/m", version: "v1.0.0" }, [
 *   { name: "example.com/m@v1.0.0/go.mod", size: 20 },
 *   { name: "example.com/m@v1.0.0/sub/go.mod", size: 20 },
 *   { name: "other/x.go", size: 1 },
 * ]);
 * assert.deepEqual(cf.valid, ["example.com/m@v1.0.0/go.mod"]);
 * assert.equal(cf.invalid.length, 2);
 * ```
 */
export function checkZip(
  m: ModuleVersion,
  entries: readonly { name: string; size: number; nameValid?: boolean }[],
  zipSizeBytes?: number,
): CheckedFiles {
  checkModuleVersion(m);
  if (zipSizeBytes !== undefined && zipSizeBytes > MAX_ZIP_FILE) {
    return {
      valid: [],
      omitted: [],
      invalid: [],
      sizeError:
        `module zip file is too large (${zipSizeBytes} bytes; limit is ${MAX_ZIP_FILE} bytes)`,
    };
  }
  const cf: CheckedFiles = { valid: [], omitted: [], invalid: [] };
  const addError = (name: string, err: string) => cf.invalid.push({ path: name, err });
  const prefix = `${m.path}@${m.version}/`;
  const collisions = new CollisionChecker();
  let size = 0;
  for (const zf of entries) {
    if (zf.nameValid === false) {
      addError(zf.name, "file name is not valid UTF-8");
      continue;
    }
    if (!zf.name.startsWith(prefix)) {
      addError(zf.name, `path does not have prefix ${JSON.stringify(prefix)}`);
      continue;
    }
    let name = zf.name.slice(prefix.length);
    if (name === "") continue;
    const isDir = name.endsWith("/");
    if (isDir) name = name.slice(0, -1);
    if (cleanPath(name) !== name) {
      addError(zf.name, "file path is not clean");
      continue;
    }
    const bad = problemOf(() => checkFilePath(name));
    if (bad !== undefined) {
      addError(zf.name, bad);
      continue;
    }
    const collision = collisions.check(name, isDir);
    if (collision !== undefined) {
      addError(zf.name, collision);
      continue;
    }
    if (isDir) continue;
    const base = splitPath(name)[1];
    if (/^go\.mod$/i.test(base)) {
      if (base !== name) {
        addError(zf.name, "go.mod file not in module root directory");
        continue;
      }
      if (name !== "go.mod") {
        addError(zf.name, "go.mod files must have lowercase names");
        continue;
      }
    }
    const sz = zf.size;
    if (sz >= 0 && MAX_ZIP_FILE - size >= sz) size += sz;
    else if (cf.sizeError === undefined) {
      cf.sizeError =
        `total uncompressed size of module contents too large (max size is ${MAX_ZIP_FILE} bytes)`;
    }
    if (name === "go.mod" && sz > MAX_GO_MOD) {
      addError(zf.name, `go.mod file too large (max size is ${MAX_GO_MOD} bytes)`);
      continue;
    }
    if (name === "LICENSE" && sz > MAX_LICENSE) {
      addError(zf.name, `LICENSE file too large (max size is ${MAX_LICENSE} bytes)`);
      continue;
    }
    cf.valid.push(zf.name);
  }
  return cf;
}

/**
 * Reads a module zip held in memory: checks it with {@link checkZip} (every rule, before any
 * entry is decoded), then decodes each file entry with the caps (entry count, zip size, declared
 * and actual decoded size, CRC-32). Nothing invalid is returned.
 *
 * Follows golang.org/x/mod/zip Unzip (checkZip, then each file), reading into memory.
 *
 * @param m the module and its canonical version
 * @param zip the zip's bytes
 * @param limits caps (defaults: 500 MiB zip, 500 MiB decoded, 100 000 entries)
 * @returns the files (directory entries left out), in zip order, and every entry for hashing
 * @throws {MochiError} `GO_E003` when the zip is malformed, breaks a rule or a cap (the message
 *   lists each invalid entry); `GO_E001`/`GO_E002` for an invalid module path or version
 *
 * @example
 * ```ts
 * import { createModuleZip, readModuleZip } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const m = { path: "example.com/m", version: "v1.0.0" };
 * const zip = createModuleZip(m, [{ path: "go.mod", data: new TextEncoder().encode("module example.com/m\n") }]);
 * const { files } = readModuleZip(m, zip);
 * assert.deepEqual(files.map((f) => f.path), ["go.mod"]);
 * assert.throws(() => readModuleZip({ path: "example.com/n", version: "v1.0.0" }, zip), { code: "GO_E003" });
 * ```
 */
export function readModuleZip(
  m: ModuleVersion,
  zip: Uint8Array,
  limits: ZipLimits = {},
): { files: ModuleZipFile[]; entries: { name: string; data: Uint8Array }[] } {
  checkModuleVersion(m);
  const maxZip = Math.min(limits.maxZipBytes ?? MAX_ZIP_FILE, MAX_ZIP_FILE);
  const maxDecoded = Math.min(limits.maxDecodedBytes ?? MAX_ZIP_FILE, MAX_ZIP_FILE);
  if (zip.length > maxZip) {
    throw new MochiError(
      "GO_E003",
      `module zip file is too large (${zip.length} bytes; limit is ${maxZip} bytes)`,
    );
  }
  const raw = readZipDirectory(zip, limits.maxEntries ?? 100_000);
  const cf = checkZip(m, raw, zip.length);
  const err = checkedFilesError(cf);
  if (err !== undefined) {
    throw new MochiError("GO_E003", `${m.path}@${m.version}: ${err}`, { hint: ZIP_HINT });
  }
  let declared = 0;
  for (const e of raw) declared += e.size;
  if (declared > maxDecoded) {
    throw new MochiError(
      "GO_E003",
      `${m.path}@${m.version}: the zip's entries decode to ${declared} bytes (limit ${maxDecoded})`,
    );
  }
  const prefix = `${m.path}@${m.version}/`;
  const files: ModuleZipFile[] = [];
  const entries: { name: string; data: Uint8Array }[] = [];
  for (const e of raw) {
    // Entry modes are ignored: like Go's Unzip, every file entry is data for a regular file (a
    // symbolic-link mode never makes a link).
    const data = readZipEntry(zip, e);
    entries.push({ name: e.name, data });
    const path = e.name.slice(prefix.length);
    if (path === "" || path.endsWith("/")) continue;
    files.push({ name: e.name, path, data });
  }
  return { files, entries };
}

/**
 * The `h1:` hash of a module zip: Hash1 over every entry, named as in the zip
 * (`<module>@<version>/<path>`), after {@link readModuleZip}'s checks.
 *
 * Follows golang.org/x/mod/sumdb/dirhash HashZip (and cmd/go, which checks the zip first).
 *
 * @param m the module and version
 * @param zip the zip's bytes
 * @param limits caps, as for {@link readModuleZip}
 * @returns `"h1:…"`
 * @throws {MochiError} as {@link readModuleZip}
 *
 * @example
 * ```ts
 * import { createModuleZip, hashModuleZip } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const m = { path: "example.com/empty", version: "v1.0.0" };
 * assert.equal(hashModuleZip(m, createModuleZip(m, [])), "h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
 * ```
 */
export function hashModuleZip(m: ModuleVersion, zip: Uint8Array, limits: ZipLimits = {}): string {
  return hash1(readModuleZip(m, zip, limits).entries);
}

/**
 * Writes the zip of a module from its files, after {@link checkFiles} (omitted files left out,
 * any invalid file refused), each entry named `<module>@<version>/<path>`.
 *
 * Follows golang.org/x/mod/zip Create.
 *
 * @param m the module and its canonical version
 * @param files the module tree's files with their bytes
 * @returns the zip's bytes
 * @throws {MochiError} `GO_E003` listing the invalid files; `GO_E001`/`GO_E002` for the module
 *
 * @example
 * ```ts
 * import { createModuleZip, readModuleZip } from "@mochi/pkg/go";
 * import assert from "node:assert/strict";
 *
 * const m = { path: "example.com/m", version: "v1.0.0" };
 * const data = new TextEncoder().encode("package m\n");
 * const zip = createModuleZip(m, [{ path: "m.go", data }, { path: "vendor/x/x.go", data }]);
 * assert.deepEqual(readModuleZip(m, zip).files.map((f) => f.name), ["example.com/m@v1.0.0/m.go"]);
 * ```
 */
export function createModuleZip(
  m: ModuleVersion,
  files: readonly { path: string; data: Uint8Array; kind?: ModuleTreeFile["kind"] | undefined }[],
): Uint8Array {
  checkModuleVersion(m);
  const cf = checkFiles(files.map((f) => ({ ...f, size: f.data.length })));
  const err = checkedFilesError(cf);
  if (err !== undefined) {
    throw new MochiError("GO_E003", `create zip: ${err}`, { hint: ZIP_HINT });
  }
  const prefix = `${m.path}@${m.version}/`;
  const valid = new Set(cf.valid);
  const entries = files.filter((f) => valid.has(f.path) && (f.kind ?? "file") === "file")
    .map((f) => ({ name: prefix + f.path, data: f.data }));
  return writeZip(entries);
}
