/**
 * The Python part of `mochi.lock`: the `[[python-package]]` entries (keyed on `(name, alias)`,
 * `source` one of `registry index git path`, a required and known top-level `schema-version`,
 * capability tokens from a closed vocabulary), and the `[[python-wheel]]` entries beside them
 * that pin each resolved distribution's wheel by the SHA-256 its index published (PEP 691; kept
 * in their own table so the `[[python-package]]` fields stay fixed). README.md §Python
 * distributions describes both.
 *
 * Pure: reading, writing and comparing entries; no I/O.
 *
 * @module
 */
import { closestName } from "../edit_distance.ts";
import { formatPep440, tryParsePep440Version } from "../python/pep440.ts";
import { pythonUrlProblem } from "../python/imports.ts";

/** The `schema-version` of the `[[python-package]]` shape this mochi reads and writes. */
export const PYTHON_LOCK_SCHEMA_VERSION = 1;

/** The sources a `[[python-package]]` may name (README §Python distributions), nothing else. */
export const PYTHON_SOURCES = ["registry", "index", "git", "path"] as const;

/** One of {@link PYTHON_SOURCES}. */
export type PythonSource = typeof PYTHON_SOURCES[number];

/**
 * The closed vocabulary of `[[python-package]]` `capabilities` tokens (README §Python
 * distributions): the shapes of the wrapped Python surface, not the permission capabilities of
 * `[[package]]`.
 */
export const PYTHON_CAPABILITY_TOKENS = [
  "async",
  "dataclass",
  "protocol",
  "callable",
  "stream",
  "map",
  "set",
  "list",
  "optional",
  "sum",
  "tuple",
  "constant",
  "typevar",
] as const;

/**
 * One `[[python-package]]` entry (README §Python distributions): a Python distribution imported
 * under an alias.
 * The same distribution under two aliases is two entries.
 */
export interface LockedPythonPackage {
  /** The distribution name, PEP 503-normalised (`typing-extensions`). */
  name: string;
  /** The Mochi alias it is imported as (`import python "…" as <alias>`). */
  alias: string;
  /** Where it comes from. */
  source: PythonSource;
  /** The resolved version, PEP 440-normalised. */
  version?: string;
  /** The specifier as written (`>=0.27`). */
  specifier?: string;
  /** The index URL of an `index` source. */
  indexUrl?: string;
  /** The repository URL of a `git` source. */
  gitUrl?: string;
  /** The revision of a `git` source. */
  gitRev?: string;
  /** The relative directory of a `path` source. */
  localPath?: string;
  /** SHA-256 of the synthesised wrapper, 64 lowercase hex characters. */
  wrapperSha256?: string;
  /** Capability tokens from {@link PYTHON_CAPABILITY_TOKENS}, written sorted and de-duplicated. */
  capabilities?: string[];
}

/**
 * One `[[python-wheel]]` entry (beside the `[[python-package]]` entries): the wheel chosen for
 * one resolved distribution, direct or transitive, pinned by the SHA-256 its index published.
 */
export interface LockedWheel {
  /** The distribution name, PEP 503-normalised. */
  name: string;
  /** The version, PEP 440-normalised. */
  version: string;
  /** The wheel's file name (`httpx-0.27.2-py3-none-any.whl`). */
  filename: string;
  /** SHA-256 of the wheel as the index published it, 64 lowercase hex characters. */
  sha256: string;
  /** The simple-index URL it was resolved from (PEP 691). */
  index: string;
}

/**
 * How a reader reports a refused value.
 *
 * @param path key path in the document (for the line and column)
 * @param message what is wrong, naming the value
 * @param code `LOCK_E005` (malformed, the default) or `LOCK_E003` (a newer schema)
 * @param hint the next step
 */
export type PythonLockFail = (
  path: readonly string[],
  message: string,
  code?: "LOCK_E003" | "LOCK_E005",
  hint?: string,
) => never;

/** The Python sections of a lock, as read. */
export interface PythonLockSections {
  /** `[[python-package]]` entries, file order. */
  packages: LockedPythonPackage[];
  /** `[[python-wheel]]` entries, file order. */
  wheels: LockedWheel[];
}

type Table = Record<string, unknown>;

function isTable(v: unknown): v is Table {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** PEP 503 normal form: lowercase ASCII letters and digits, single `-` between runs. */
export const PYTHON_NAME = /^[a-z0-9](?:-?[a-z0-9])*$/;
/**
 * PEP 440 normal form (`str(packaging.version.Version(v))`): epoch, release, pre, post, dev,
 * local, each already spelt canonically.
 */
export const PEP440_NORMAL =
  /^(?:[1-9][0-9]*!)?(?:0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*))*(?:(?:a|b|rc)(?:0|[1-9][0-9]*))?(?:\.post(?:0|[1-9][0-9]*))?(?:\.dev(?:0|[1-9][0-9]*))?(?:\+[a-z0-9]+(?:\.[a-z0-9]+)*)?$/;
const ALIAS = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const HEX64 = /^[0-9a-f]{64}$/;
// The characters of PEP 440 specifiers (`~= == != <= >= < > ===`, `.*`, `,`, local labels).
const SPECIFIER = /^[A-Za-z0-9 .,*!=<>~+_-]{1,500}$/;
const GIT_REV = /^[A-Za-z0-9._/][A-Za-z0-9._/+-]{0,199}$/;
const WHEEL_FILENAME = /^[A-Za-z0-9._+!-]{1,250}\.whl$/;
const MAX_NAME = 200;

const PACKAGE_KEYS = [
  "name",
  "alias",
  "source",
  "version",
  "specifier",
  "index-url",
  "git-url",
  "git-rev",
  "local-path",
  "wrapper-sha256",
  "capabilities",
] as const;
const WHEEL_KEYS = ["name", "version", "filename", "sha256", "index"] as const;
// The key each source requires, and which it may not carry.
const SOURCE_KEYS: Record<PythonSource, readonly string[]> = {
  registry: [],
  index: ["index-url"],
  git: ["git-url"],
  path: ["local-path"],
};
const LOCATION_KEYS = ["index-url", "git-url", "git-rev", "local-path"];

function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 80 ? v.slice(0, 80) + "…" : v);
  if (v === undefined) return "nothing";
  if (Array.isArray(v)) return "an array";
  if (isTable(v)) return "a table";
  return String(v);
}

/**
 * Reads and checks the Python sections of a parsed lock document: `schema-version`,
 * `[[python-package]]` and `[[python-wheel]]`. Every string is checked against its grammar
 * before it is kept (hostile input: nothing unchecked reaches a URL, a path or a terminal).
 *
 * @param doc the parsed TOML document
 * @param file the lock's path, for messages
 * @param fail how to report a refusal (throws)
 * @returns the entries, file order
 * @throws what `fail` throws: `LOCK_E005` for a missing or unknown `schema-version` below the
 *   known one, a missing `name`/`alias`/`source`, a `source` outside {@link PYTHON_SOURCES}, an
 *   unknown key, a value that breaks its grammar, a capability token outside
 *   {@link PYTHON_CAPABILITY_TOKENS}, or a duplicate `(name, alias)` or wheel; `LOCK_E003` for a
 *   `schema-version` newer than {@link PYTHON_LOCK_SCHEMA_VERSION}
 */
export function readPythonSections(
  doc: Table,
  file: string,
  fail: PythonLockFail,
): PythonLockSections {
  const rawPackages = doc["python-package"];
  const rawWheels = doc["python-wheel"];
  const schema = doc["schema-version"];
  if (rawPackages === undefined && rawWheels === undefined && schema === undefined) {
    return { packages: [], wheels: [] };
  }
  if (schema === undefined) {
    fail(
      [],
      `${file} has [[python-package]] entries but no schema-version`,
      "LOCK_E005",
      `write schema-version = ${PYTHON_LOCK_SCHEMA_VERSION} before the first table, or run ` +
        "`mochi lock --refresh` to rewrite mochi.lock",
    );
  }
  if (typeof schema !== "number" || !Number.isInteger(schema) || schema < 1) {
    fail(
      ["schema-version"],
      `${file} schema-version must be a positive integer, found ${show(schema)}`,
    );
  }
  if (schema > PYTHON_LOCK_SCHEMA_VERSION) {
    fail(
      ["schema-version"],
      `${file} has [[python-package]] schema-version ${schema}; this mochi reads schema-version ${PYTHON_LOCK_SCHEMA_VERSION}`,
      "LOCK_E003",
      "upgrade mochi",
    );
  }
  const packages = tableArray(rawPackages, "python-package", file, fail).map((raw, i) =>
    readPackage(raw, i, file, fail)
  );
  const seen = new Map<string, number>();
  packages.forEach((p, i) => {
    const key = pythonPackageKey(p);
    const prev = seen.get(key);
    if (prev !== undefined) {
      fail(
        ["python-package", String(i), "alias"],
        `${file} locks python package ${key} twice ([[python-package]] ${prev + 1} and ${i + 1})`,
      );
    }
    seen.set(key, i);
  });
  const wheels = tableArray(rawWheels, "python-wheel", file, fail).map((raw, i) =>
    readWheel(raw, i, file, fail)
  );
  const wheelSeen = new Map<string, number>();
  wheels.forEach((w, i) => {
    const prev = wheelSeen.get(w.name);
    if (prev !== undefined) {
      fail(
        ["python-wheel", String(i), "name"],
        `${file} pins two wheels for ${w.name} ([[python-wheel]] ${prev + 1} and ${i + 1})`,
      );
    }
    wheelSeen.set(w.name, i);
  });
  return { packages, wheels };
}

function tableArray(v: unknown, key: string, file: string, fail: PythonLockFail): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) fail([key], `${file} "${key}" must be an array of [[${key}]] tables`);
  return v;
}

function unknownKeys(
  raw: Table,
  known: readonly string[],
  at: string[],
  where: string,
  file: string,
  fail: PythonLockFail,
): void {
  for (const k of Object.keys(raw)) {
    if (known.includes(k)) continue;
    fail(
      [...at, k],
      `${file} ${where} has an unknown key ${show(k)}; did you mean "${closestName(k, known)}"?`,
      "LOCK_E005",
      `a ${where.split(" ")[0]} entry has only the keys ${known.join(", ")}; run ` +
        "`mochi lock --refresh` to rewrite mochi.lock",
    );
  }
}

function readPackage(
  raw: unknown,
  i: number,
  file: string,
  fail: PythonLockFail,
): LockedPythonPackage {
  const at = ["python-package", String(i)];
  const where = `[[python-package]] ${i + 1}`;
  if (!isTable(raw)) fail(at, `${file} ${where} must be a table`);
  unknownKeys(raw, PACKAGE_KEYS, at, where, file, fail);
  const str = (key: string, required: boolean): string | undefined => {
    const v = raw[key];
    if (v === undefined) {
      if (required) {
        fail(at, `${file} ${where} has no "${key}" (name, alias and source are required)`);
      }
      return undefined;
    }
    if (typeof v !== "string" || v.length === 0) {
      fail([...at, key], `${file} ${where} "${key}" must be a non-empty string, found ${show(v)}`);
    }
    return v;
  };
  const name = str("name", true)!;
  if (name.length > MAX_NAME || !PYTHON_NAME.test(name)) {
    fail(
      [...at, "name"],
      `${file} ${where} name ${show(name)} is not a PEP 503-normalised distribution name ` +
        "(lowercase letters, digits and single '-')",
    );
  }
  const alias = str("alias", true)!;
  if (!ALIAS.test(alias)) {
    fail(
      [...at, "alias"],
      `${file} ${where} (${name}) alias ${show(alias)} is not a Mochi identifier ` +
        "(a letter or _, then letters, digits or _; at most 64)",
    );
  }
  const source = str("source", true)!;
  if (!(PYTHON_SOURCES as readonly string[]).includes(source)) {
    fail(
      [...at, "source"],
      `${file} ${where} (${name}:${alias}) source ${show(source)} is not one of ` +
        `${PYTHON_SOURCES.join(", ")}; did you mean "${closestName(source, PYTHON_SOURCES)}"?`,
    );
  }
  const src = source as PythonSource;
  const entry: LockedPythonPackage = { name, alias, source: src };
  for (const key of LOCATION_KEYS) {
    if (raw[key] === undefined) continue;
    const own = SOURCE_KEYS[src].includes(key) || (src === "git" && key === "git-rev");
    if (!own) {
      fail(
        [...at, key],
        `${file} ${where} (${name}:${alias}) has "${key}" but its source is "${src}"`,
      );
    }
  }
  for (const key of SOURCE_KEYS[src]) {
    if (raw[key] === undefined) {
      fail(at, `${file} ${where} (${name}:${alias}) has source "${src}" but no "${key}"`);
    }
  }
  const version = str("version", false);
  if (version !== undefined) {
    if (!PEP440_NORMAL.test(version)) {
      fail(
        [...at, "version"],
        `${file} ${where} (${name}:${alias}) version ${show(version)} is not a normalised ` +
          "PEP 440 version",
      );
    }
    entry.version = version;
  }
  const specifier = str("specifier", false);
  if (specifier !== undefined) {
    if (!SPECIFIER.test(specifier)) {
      fail(
        [...at, "specifier"],
        `${file} ${where} (${name}:${alias}) specifier ${show(specifier)} has characters a ` +
          "PEP 440 specifier cannot hold",
      );
    }
    entry.specifier = specifier;
  }
  const url = (key: string, schemes: readonly string[]): string | undefined => {
    const v = str(key, false);
    if (v === undefined) return undefined;
    const problem = pythonUrlProblem(v, schemes);
    if (problem !== undefined) {
      fail([...at, key], `${file} ${where} (${name}:${alias}) ${key} ${show(v)} ${problem}`);
    }
    return v;
  };
  const indexUrl = url("index-url", ["https", "http", "file"]);
  if (indexUrl !== undefined) entry.indexUrl = indexUrl;
  const gitUrl = url("git-url", ["https", "http", "ssh", "git", "file"]);
  if (gitUrl !== undefined) entry.gitUrl = gitUrl;
  const gitRev = str("git-rev", false);
  if (gitRev !== undefined) {
    if (!GIT_REV.test(gitRev) || gitRev.includes("..")) {
      fail(
        [...at, "git-rev"],
        `${file} ${where} (${name}:${alias}) git-rev ${show(gitRev)} is not a branch, tag or ` +
          "commit name (letters, digits, . _ / + -, not starting with -, no ..)",
      );
    }
    entry.gitRev = gitRev;
  }
  const localPath = str("local-path", false);
  if (localPath !== undefined) {
    const problem = localPathProblem(localPath);
    if (problem !== undefined) {
      fail(
        [...at, "local-path"],
        `${file} ${where} (${name}:${alias}) local-path ${show(localPath)} ${problem}`,
      );
    }
    entry.localPath = localPath;
  }
  const wrapper = str("wrapper-sha256", false);
  if (wrapper !== undefined) {
    if (!HEX64.test(wrapper)) {
      fail(
        [...at, "wrapper-sha256"],
        `${file} ${where} (${name}:${alias}) wrapper-sha256 must be 64 lowercase hex digits, ` +
          `found ${show(wrapper)}`,
      );
    }
    entry.wrapperSha256 = wrapper;
  }
  const caps = raw.capabilities;
  if (caps !== undefined) {
    if (!Array.isArray(caps)) {
      fail(
        [...at, "capabilities"],
        `${file} ${where} (${name}:${alias}) capabilities must be an array of strings, ` +
          `found ${show(caps)}`,
      );
    }
    caps.forEach((c, j) => {
      if (typeof c !== "string" || !(PYTHON_CAPABILITY_TOKENS as readonly string[]).includes(c)) {
        const near = typeof c === "string"
          ? `; did you mean "${closestName(c, PYTHON_CAPABILITY_TOKENS)}"?`
          : "";
        fail(
          [...at, "capabilities", String(j)],
          `${file} ${where} (${name}:${alias}) capability ${show(c)} is not one of ` +
            `${PYTHON_CAPABILITY_TOKENS.join(" ")}${near}`,
        );
      }
    });
    if (caps.length > 0) entry.capabilities = [...new Set(caps as string[])].sort(compareText);
  }
  return entry;
}

/**
 * The problem with a `path` source's directory, or undefined: a relative path of `/`-separated
 * segments, no empty segment, no NUL, backslash or control character, at most 1,000 characters.
 *
 * @param p the path as written
 * @returns a reason, or undefined
 */
export function localPathProblem(p: string): string | undefined {
  if (p.length === 0 || p.length > 1000) return "must be 1 to 1000 characters";
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(p)) return "contains a backslash or a control character";
  if (p.startsWith("/") || /^[A-Za-z]:/.test(p)) {
    return "is absolute; write it relative to the project";
  }
  if (p.split("/").some((s, i, all) => s === "" && !(i === all.length - 1 && i > 0))) {
    return "has an empty segment";
  }
  return undefined;
}

function readWheel(raw: unknown, i: number, file: string, fail: PythonLockFail): LockedWheel {
  const at = ["python-wheel", String(i)];
  const where = `[[python-wheel]] ${i + 1}`;
  if (!isTable(raw)) fail(at, `${file} ${where} must be a table`);
  unknownKeys(raw, WHEEL_KEYS, at, where, file, fail);
  const str = (key: string): string => {
    const v = raw[key];
    if (v === undefined) fail(at, `${file} ${where} has no "${key}"`);
    if (typeof v !== "string" || v.length === 0) {
      fail([...at, key], `${file} ${where} "${key}" must be a non-empty string, found ${show(v)}`);
    }
    return v;
  };
  const name = str("name");
  if (name.length > MAX_NAME || !PYTHON_NAME.test(name)) {
    fail([...at, "name"], `${file} ${where} name ${show(name)} is not PEP 503-normalised`);
  }
  const version = str("version");
  if (!PEP440_NORMAL.test(version)) {
    fail(
      [...at, "version"],
      `${file} ${where} (${name}) version ${show(version)} is not a normalised PEP 440 version`,
    );
  }
  const filename = str("filename");
  const problem = wheelFilenameProblem(filename, name, version);
  if (problem !== undefined) {
    fail([...at, "filename"], `${file} ${where} (${name} ${version}) filename ${problem}`);
  }
  const sha256 = str("sha256");
  if (!HEX64.test(sha256)) {
    fail(
      [...at, "sha256"],
      `${file} ${where} (${name} ${version}) sha256 must be 64 lowercase hex digits, found ${
        show(sha256)
      }`,
    );
  }
  const index = str("index");
  const urlProblem = pythonUrlProblem(index, ["https", "http", "file"]);
  if (urlProblem !== undefined) {
    fail(
      [...at, "index"],
      `${file} ${where} (${name} ${version}) index ${show(index)} ${urlProblem}`,
    );
  }
  return { name, version, filename, sha256, index };
}

/**
 * The problem with a wheel file name for a distribution and version, or undefined: the name of
 * a binary distribution (the wheel spec's `{distribution}-{version}(-{build})?-{python}-{abi}-{platform}.whl`,
 * PyPA "Binary distribution format"), whose distribution part normalises to `name` and whose
 * version part is `version` (a file name never holds `/`, so it is never a path).
 *
 * @param filename the file name
 * @param name the PEP 503-normalised distribution name
 * @param version the normalised version
 * @returns a reason, or undefined
 */
export function wheelFilenameProblem(
  filename: string,
  name: string,
  version: string,
): string | undefined {
  if (!WHEEL_FILENAME.test(filename)) {
    return `${show(filename)} is not a wheel file name (letters, digits, . _ + ! -, ending .whl)`;
  }
  const parts = filename.slice(0, -4).split("-");
  if (parts.length !== 5 && parts.length !== 6) {
    return `${show(filename)} does not have the five or six '-'-separated parts of a wheel name`;
  }
  const dist = parts[0]!.toLowerCase().replace(/[-_.]+/g, "-");
  if (dist !== name) return `${show(filename)} is a wheel of ${show(dist)}, not ${show(name)}`;
  const v = tryParsePep440Version(parts[1]!);
  if (v === undefined || formatPep440(v) !== version) {
    return `${show(filename)} is a wheel of version ${show(parts[1])}, not ${show(version)}`;
  }
  return undefined;
}

/** Locale-independent string order (UTF-16 code units). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The key of a `[[python-package]]` entry: `<name>:<alias>`.
 *
 * @param p the entry
 * @returns the key
 */
export function pythonPackageKey(p: { name: string; alias: string }): string {
  return `${p.name}:${p.alias}`;
}

/**
 * The `[[python-package]]` entries in lockfile order: by name, then alias.
 *
 * @param packages any order
 * @returns a new sorted array
 */
export function sortPythonPackages(
  packages: readonly LockedPythonPackage[],
): LockedPythonPackage[] {
  return [...packages].sort((a, b) => compareText(a.name, b.name) || compareText(a.alias, b.alias));
}

/**
 * The `[[python-wheel]]` entries in lockfile order: by name.
 *
 * @param wheels any order
 * @returns a new sorted array
 */
export function sortWheels(wheels: readonly LockedWheel[]): LockedWheel[] {
  return [...wheels].sort((a, b) => compareText(a.name, b.name));
}

/**
 * The lines of the Python sections, canonical: `[[python-package]]` tables sorted by name then
 * alias, keys in the format's order (`name alias source version specifier index-url git-url
 * git-rev local-path wrapper-sha256 capabilities`, empty optional ones omitted, capabilities
 * sorted and de-duplicated), then `[[python-wheel]]` tables sorted by name (`name version
 * filename sha256 index`). The caller writes `schema-version` at the top of the file.
 *
 * @param packages `[[python-package]]` entries
 * @param wheels `[[python-wheel]]` entries
 * @param str the TOML basic-string writer
 * @returns the lines, each table preceded by an empty line
 */
export function formatPythonSections(
  packages: readonly LockedPythonPackage[],
  wheels: readonly LockedWheel[],
  str: (s: string) => string,
): string[] {
  const out: string[] = [];
  for (const p of sortPythonPackages(packages)) {
    out.push("", "[[python-package]]");
    out.push(`name = ${str(p.name)}`, `alias = ${str(p.alias)}`, `source = ${str(p.source)}`);
    const optional: [string, string | undefined][] = [
      ["version", p.version],
      ["specifier", p.specifier],
      ["index-url", p.indexUrl],
      ["git-url", p.gitUrl],
      ["git-rev", p.gitRev],
      ["local-path", p.localPath],
      ["wrapper-sha256", p.wrapperSha256],
    ];
    for (const [k, v] of optional) if (v !== undefined && v !== "") out.push(`${k} = ${str(v)}`);
    const caps = [...new Set(p.capabilities ?? [])].sort(compareText);
    if (caps.length > 0) out.push(`capabilities = [${caps.map(str).join(", ")}]`);
  }
  for (const w of sortWheels(wheels)) {
    out.push("", "[[python-wheel]]");
    out.push(`name = ${str(w.name)}`, `version = ${str(w.version)}`);
    out.push(`filename = ${str(w.filename)}`, `sha256 = ${str(w.sha256)}`);
    out.push(`index = ${str(w.index)}`);
  }
  return out;
}

/** One difference between two sets of Python entries (`mochi lock --check`). */
export interface PythonLockChange {
  /** Added (only in the new lock), removed (only in the old) or changed (fields differ). */
  kind: "added" | "removed" | "changed";
  /** `"package"` for `[[python-package]]` (keyed `<name>:<alias>`), `"wheel"` (keyed by name). */
  table: "package" | "wheel";
  /** `<name>:<alias>` for packages, the distribution name for wheels. */
  key: string;
  /** The lock keys whose values differ, in the table's key order (empty unless changed). */
  fields: string[];
  /** The version before (removed, changed), when the entry has one. */
  from?: string;
  /** The version after (added, changed), when the entry has one. */
  to?: string;
}

function packageFields(p: LockedPythonPackage): Record<string, string> {
  const caps = [...new Set(p.capabilities ?? [])].sort(compareText).join(" ");
  return {
    source: p.source,
    version: p.version ?? "",
    specifier: p.specifier ?? "",
    "index-url": p.indexUrl ?? "",
    "git-url": p.gitUrl ?? "",
    "git-rev": p.gitRev ?? "",
    "local-path": p.localPath ?? "",
    "wrapper-sha256": p.wrapperSha256 ?? "",
    capabilities: caps,
  };
}

function wheelFields(w: LockedWheel): Record<string, string> {
  return { version: w.version, filename: w.filename, sha256: w.sha256, index: w.index };
}

function diffBy<T>(
  table: "package" | "wheel",
  before: readonly T[],
  after: readonly T[],
  key: (t: T) => string,
  fields: (t: T) => Record<string, string>,
  version: (t: T) => string | undefined,
): PythonLockChange[] {
  const old = new Map(before.map((t) => [key(t), t]));
  const now = new Map(after.map((t) => [key(t), t]));
  const out: PythonLockChange[] = [];
  const withVersion = (c: PythonLockChange, k: "from" | "to", v: string | undefined) => {
    if (v !== undefined && v !== "") c[k] = v;
    return c;
  };
  for (const [k, t] of now) {
    const o = old.get(k);
    if (o === undefined) {
      out.push(withVersion({ kind: "added", table, key: k, fields: [] }, "to", version(t)));
      continue;
    }
    const a = fields(o);
    const b = fields(t);
    const changed = Object.keys(b).filter((f) => a[f] !== b[f]);
    if (changed.length > 0) {
      const c: PythonLockChange = { kind: "changed", table, key: k, fields: changed };
      withVersion(c, "from", version(o));
      out.push(withVersion(c, "to", version(t)));
    }
  }
  for (const [k, o] of old) {
    if (!now.has(k)) {
      out.push(withVersion({ kind: "removed", table, key: k, fields: [] }, "from", version(o)));
    }
  }
  return out.sort((x, y) => compareText(x.key, y.key));
}

/**
 * Compares the Python entries of two locks entry by entry (for `mochi lock --check`):
 * `[[python-package]]` keyed `<name>:<alias>`, then `[[python-wheel]]` keyed by name, each
 * reported as added, removed, or changed with the set of fields that differ.
 *
 * @param before the old entries (the lock on disk)
 * @param after the new entries (a fresh resolution)
 * @returns packages first, then wheels, each sorted by key; empty when nothing drifted
 *
 * @example
 * ```ts
 * import { diffPythonLock } from "@mochi/pkg/lockfile";
 * import { deepEqual as assertEquals } from "node:assert/strict";
 * const httpx = { name: "httpx", alias: "httpx", source: "registry" as const, version: "0.27.0" };
 * const changes = diffPythonLock(
 *   { packages: [httpx], wheels: [] },
 *   { packages: [{ ...httpx, version: "0.27.2" }], wheels: [] },
 * );
 * assertEquals(changes.map((c) => [c.kind, c.key, c.fields]), [
 *   ["changed", "httpx:httpx", ["version"]],
 * ]);
 * ```
 */
export function diffPythonLock(
  before: PythonLockSections,
  after: PythonLockSections,
): PythonLockChange[] {
  return [
    ...diffBy(
      "package",
      before.packages,
      after.packages,
      pythonPackageKey,
      packageFields,
      (p) => p.version,
    ),
    ...diffBy("wheel", before.wheels, after.wheels, (w) => w.name, wheelFields, (w) => w.version),
  ];
}

/**
 * The line of one Python change in `mochi lock --check` output: `+ python httpx:httpx 0.27.2`,
 * `- python ghost:gh`, `~ python httpx:httpx 0.27.0 → 0.27.2 (changed: version, specifier)`;
 * wheels as `python-wheel <name>`.
 *
 * @param c the change
 * @returns one line
 */
export function formatPythonLockChange(c: PythonLockChange): string {
  const what = `${c.table === "package" ? "python" : "python-wheel"} ${c.key}`;
  if (c.kind === "added") return `+ ${what}${c.to ? ` ${c.to}` : ""} (added)`;
  if (c.kind === "removed") return `- ${what}${c.from ? ` ${c.from}` : ""} (removed)`;
  const versions = c.from !== undefined && c.to !== undefined && c.from !== c.to
    ? ` ${c.from} → ${c.to}`
    : c.to !== undefined
    ? ` ${c.to}`
    : "";
  return `~ ${what}${versions} (changed: ${c.fields.join(", ")})`;
}
