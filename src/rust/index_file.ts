/**
 * Cargo sparse-index files: the path rule, the JSON-lines records, and the `dl` template of
 * `config.json`.
 *
 * Follows cargo's registry index format (The Cargo Book, "Registry Index" §Index files and
 * §Index Configuration; cargo `src/cargo/sources/registry/index/mod.rs` `IndexPackage`):
 * one JSON object per published version; `v` absent or 1 = the original schema, 2 = `features2`
 * present; lines with a higher `v` are skipped, as cargo does; `kind` null means normal.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { tryParseVersion, type Version } from "../semver/mod.ts";

/** Dependency kinds of an index line; `null`/absent in the file means `"normal"`. */
export type CrateDepKind = "normal" | "build" | "dev";

/** One entry of an index line's `deps` array. */
export interface CrateDep {
  /** The name the depending crate uses for it (a rename when {@link CrateDep.package} is set). */
  name: string;
  /** The real crate name: `package` when given, else `name`. */
  package: string;
  /** Cargo requirement text. */
  req: string;
  /** Features of the dependency to enable. */
  features: string[];
  /** Only a feature of the depending crate activates it. */
  optional: boolean;
  /** Whether the dependency's `default` feature is enabled. */
  defaultFeatures: boolean;
  /** `cfg(...)` or target triple, or null for every target. */
  target: string | null;
  /** Dependency kind. */
  kind: CrateDepKind;
  /** Another registry's index URL, when the dependency lives elsewhere. */
  registry?: string;
}

/** One published version of a crate, as an index line describes it. */
export interface CrateVersion {
  /** Crate name as published (case preserved). */
  name: string;
  /** Version text (`vers`). */
  vers: string;
  /** Parsed version. */
  version: Version;
  /** Dependencies of every kind and target. */
  deps: CrateDep[];
  /** SHA-256 of the `.crate` file, 64 lowercase hex characters. */
  cksum: string;
  /** `features` and `features2` merged: feature → what it enables. */
  features: Record<string, string[]>;
  /** Yanked by its publisher. */
  yanked: boolean;
  /** The native library it links, if any (unique across a graph). */
  links?: string;
  /** Minimum Rust version, if declared. */
  rustVersion?: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
/** Highest index schema version understood; newer lines are skipped (cargo does the same). */
export const MAX_INDEX_SCHEMA = 2;

/**
 * Cargo's index path for a crate name: `1/a`, `2/ab`, `3/a/abc`, `se/rd/serde`, lowercased.
 *
 * @param name crate name
 * @returns the path relative to the index root
 * @throws {MochiError} `RUST_E002` when the name is empty or has characters cargo forbids
 */
export function crateIndexPath(name: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
    throw new MochiError("RUST_E002", `invalid crate name ${JSON.stringify(name)}`, {
      hint: "crate names are 1-64 ASCII letters, digits, `-` or `_`",
    });
  }
  const n = name.toLowerCase();
  if (n.length === 1) return `1/${n}`;
  if (n.length === 2) return `2/${n}`;
  if (n.length === 3) return `3/${n[0]}/${n}`;
  return `${n.slice(0, 2)}/${n.slice(2, 4)}/${n}`;
}

/**
 * Parses one cargo index file completely (see {@link CrateIndexFile} for the lazy form the
 * resolver uses).
 *
 * Lines that are blank, whose `v` is above {@link MAX_INDEX_SCHEMA}, or whose `vers` is not
 * SemVer are skipped (cargo skips them too); lines for another crate name are an error.
 *
 * @param name the crate the file is for (compared case-insensitively)
 * @param text the file's text
 * @param where URL or path reported in errors
 * @returns the versions in file order
 * @throws {MochiError} `RUST_E001` naming the line number and the field when a line is not JSON
 *   or lacks `name`, `vers`, `deps` or `cksum`
 */
export function parseCrateIndexFile(name: string, text: string, where: string): CrateVersion[] {
  const file = CrateIndexFile.parse(name, text, where);
  return file.entries.map((_, i) => file.get(i));
}

/** One line of a {@link CrateIndexFile}, read without parsing its JSON. */
export interface CrateIndexEntry {
  /** Version text. */
  vers: string;
  /** Parsed version. */
  version: Version;
  /** Yanked by its publisher. */
  yanked: boolean;
}

const SCHEMA = /"v":(\d+)[,}]/;
/**
 * A cargo index file read lazily: the version, yanked flag and schema of each line come from a
 * scan of its canonical head (`{"name":…,"vers":…`), and a line's JSON is parsed only when the
 * resolver needs its dependencies or features ({@link CrateIndexFile.get}). A line that does
 * not start canonically is parsed at once. Resolving the combined manifest of the shared data
 * touches a few hundred of 22,000 lines, and JSON parsing was most of its time.
 */
export class CrateIndexFile {
  /** The usable lines (skipped ones left out), in file order. */
  readonly entries: CrateIndexEntry[] = [];
  readonly #lines: string[] = [];
  readonly #lineNos: number[] = [];
  readonly #parsed: (CrateVersion | undefined)[] = [];
  /** Entries' `deps` read alone ({@link CrateIndexFile.deps}), where the full line was not. */
  readonly #depsOnly: (CrateDep[] | undefined)[] = [];
  readonly #mentions = new Map<string, boolean>();
  #text = "";
  /** `links` value → entries, built on the first {@link CrateIndexFile.linking} call. */
  #byLinks: Map<string, number[]> | undefined;
  readonly #name: string;
  readonly #where: string;

  private constructor(name: string, where: string) {
    this.#name = name;
    this.#where = where;
  }

  /**
   * Scans a file.
   *
   * @param name the crate the file is for
   * @param text the file's text
   * @param where URL or path reported in errors
   * @returns the lazily parsed file
   * @throws {MochiError} `RUST_E001` for a line that does not start canonically and is not valid
   */
  static parse(name: string, text: string, where: string): CrateIndexFile {
    const f = new CrateIndexFile(name, where);
    f.#text = text;
    let pos = 0;
    let lineNo = 0;
    const n = text.length;
    while (pos < n) {
      let end = text.indexOf("\n", pos);
      if (end < 0) end = n;
      lineNo++;
      let s = pos;
      let e = end;
      pos = end + 1;
      while (s < e && text.charCodeAt(s) <= 32) s++;
      while (e > s && text.charCodeAt(e - 1) <= 32) e--;
      if (s === e) continue;
      const line = text.slice(s, e);
      // The canonical head `{"name":"…","vers":"…"` gives the version without parsing JSON.
      let vers: string | undefined;
      if (line.startsWith('{"name":"')) {
        const nameEnd = line.indexOf('"', 9);
        if (nameEnd > 0 && line.startsWith('","vers":"', nameEnd)) {
          const versEnd = line.indexOf('"', nameEnd + 10);
          if (versEnd > 0) vers = line.slice(nameEnd + 10, versEnd);
        }
      }
      // crates.io writes `yanked`, then `links` and `v`, last: look at that tail only (a line
      // in another key order is read in full when the solver needs it, and a wrong guess about
      // `v` surfaces there as RUST_E001).
      const y = vers === undefined ? -1 : line.lastIndexOf('"yanked":');
      const tail = y < 0 ? line : line.slice(y);
      const schema = tail.includes('"v":') ? SCHEMA.exec(tail) : null;
      if (
        vers !== undefined && !vers.includes("\\") &&
        (schema === null || Number(schema[1]) <= MAX_INDEX_SCHEMA)
      ) {
        const version = tryParseVersion(vers);
        if (version === undefined) continue;
        f.entries.push({ vers, version, yanked: y >= 0 && line.startsWith("true", y + 9) });
        f.#lines.push(line);
        f.#lineNos.push(lineNo);
        f.#parsed.push(undefined);
        continue;
      }
      const cv = parseCrateLine(name, line, lineNo, where);
      if (cv === undefined) continue;
      f.entries.push({ vers: cv.vers, version: cv.version, yanked: cv.yanked });
      f.#lines.push(line);
      f.#lineNos.push(lineNo);
      f.#parsed.push(cv);
    }
    return f;
  }

  /**
   * The full record of entry `i` (parsed once, then cached).
   *
   * @param i index into {@link CrateIndexFile.entries}
   * @returns the version's record
   * @throws {MochiError} `RUST_E001` when the line is malformed
   */
  get(i: number): CrateVersion {
    let cv = this.#parsed[i];
    if (cv === undefined) {
      cv = parseCrateLine(this.#name, this.#lines[i]!, this.#lineNos[i]!, this.#where);
      if (cv === undefined) {
        throw new MochiError(
          "RUST_E001",
          `${this.#where} line ${this.#lineNos[i]}: the line changed meaning when parsed`,
          { hint: "the cargo index is damaged; check the registry" },
        );
      }
      this.#parsed[i] = cv;
    }
    return cv;
  }

  /**
   * The dependencies of entry `i`: from its full record when that was parsed, else from its
   * `deps` array alone (a line's features, often most of it, are left unparsed), else from the
   * full record. The array is read alone only where it is the top-level `deps` key right after
   * the canonical head (`{"name":…,"vers":…,"deps":[`): a text from there to a `]` that parses
   * as JSON is that array whole, since a JSON array ends only at its matching bracket. The
   * rest of the line is checked when the version is picked ({@link CrateIndexFile.get}).
   *
   * @param i index into {@link CrateIndexFile.entries}
   * @returns the dependencies, every kind
   * @throws {MochiError} `RUST_E001` when the line is malformed
   */
  deps(i: number): CrateDep[] {
    const parsed = this.#parsed[i];
    if (parsed !== undefined) return parsed.deps;
    let deps = this.#depsOnly[i];
    if (deps !== undefined) return deps;
    const line = this.#lines[i]!;
    const text = this.depsText(i);
    const nameEnd = line.indexOf('","vers":"', 9);
    const versEnd = nameEnd < 0 ? -1 : line.indexOf('"', nameEnd + 10);
    if (text === undefined || versEnd < 0 || !line.startsWith(',"deps":[', versEnd + 1)) {
      return this.get(i).deps;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return this.get(i).deps;
    }
    if (!Array.isArray(raw)) return this.get(i).deps;
    const lineNo = this.#lineNos[i]!;
    deps = parseCrateDeps(raw, (what) => {
      throw new MochiError("RUST_E001", `${this.#where} line ${lineNo}: ${what}`, {
        hint: "the cargo index is damaged; refresh it (mochi lock --refresh) or check the registry",
      });
    });
    this.#depsOnly[i] = deps;
    return deps;
  }

  /**
   * The entries whose `links` is `value`. The first call groups the file's entries by `links`
   * (only a file and lines that contain a `links` string are looked at and parsed).
   *
   * @param value a `links` value
   * @returns entry indexes
   */
  linking(value: string): number[] {
    if (this.#byLinks === undefined) {
      this.#byLinks = new Map();
      if (this.#text.includes('"links":"')) {
        for (let i = 0; i < this.#lines.length; i++) {
          let links: string | undefined;
          if (this.#parsed[i] !== undefined) links = this.#parsed[i]!.links;
          else {
            // `"links":"<value>"` read from the compact line (only a string value has this
            // shape: a feature called links maps to an array), parsed only if escaped.
            const line = this.#lines[i]!;
            const at = line.indexOf('"links":"');
            if (at < 0) continue;
            const end = line!.indexOf('"', at + 9);
            const raw = end < 0 ? "\\" : line!.slice(at + 9, end);
            links = raw.includes("\\") ? this.get(i).links : raw;
          }
          if (links === undefined) continue;
          const list = this.#byLinks.get(links);
          if (list === undefined) this.#byLinks.set(links, [i]);
          else list.push(i);
        }
      }
    }
    return this.#byLinks.get(value) ?? [];
  }

  /**
   * The raw `deps` JSON of entry `i` when its line is compact and canonical
   * (`…,"deps":[…],"cksum":"…`), else undefined. Two entries with the same text have the same
   * dependencies.
   *
   * @param i index into {@link CrateIndexFile.entries}
   * @returns the text between `"deps":` and `,"cksum":`, or undefined
   */
  depsText(i: number): string | undefined {
    const line = this.#lines[i]!;
    const start = line.indexOf(',"deps":[');
    if (start < 0) return undefined;
    const end = line!.indexOf('],"cksum":"', start);
    return end < 0 ? undefined : line!.slice(start + 8, end + 1);
  }

  /**
   * Whether any line of the file contains the JSON string `"word"`: a version can have a
   * feature or dependency called `word` only if this holds. Answered once per word.
   *
   * @param word feature or dependency name
   * @returns false when no version can define it
   */
  mentions(word: string): boolean {
    let hit = this.#mentions.get(word);
    if (hit === undefined) {
      // Most features a dependency asks for are in the newest lines: look there first.
      const q = `"${word}"`;
      hit = false;
      for (let i = this.#lines.length - 1; i >= 0 && i >= this.#lines.length - 3; i--) {
        if (this.#lines[i]!.includes(q)) {
          hit = true;
          break;
        }
      }
      hit ||= this.#text.includes(q);
      this.#mentions.set(word, hit);
    }
    return hit;
  }
}

/** The strings of an array: the array itself when it holds nothing else (the usual case). */
function strings(v: unknown[]): string[] {
  for (let i = 0; i < v.length; i++) {
    if (typeof v[i] !== "string") return v.filter((f): f is string => typeof f === "string");
  }
  return v as string[];
}

/** An index line's `deps` array, checked entry by entry (`fail` throws `RUST_E001`). */
function parseCrateDeps(rawDeps: unknown[], fail: (what: string) => never): CrateDep[] {
  const deps: CrateDep[] = [];
  for (const d of rawDeps) {
    const dep = d as Record<string, unknown>;
    if (typeof dep?.name !== "string" || typeof dep.req !== "string") {
      fail('a "deps" entry lacks "name" or "req"');
    }
    const kind = dep.kind ?? "normal";
    if (kind !== "normal" && kind !== "build" && kind !== "dev") {
      fail(`dependency "${dep.name}" has unknown kind ${JSON.stringify(kind)}`);
    }
    const entry: CrateDep = {
      name: dep.name as string,
      package: typeof dep.package === "string" ? dep.package : dep.name as string,
      req: dep.req as string,
      features: Array.isArray(dep.features) ? strings(dep.features) : [],
      optional: dep.optional === true,
      defaultFeatures: dep.default_features !== false,
      target: typeof dep.target === "string" ? dep.target : null,
      kind: kind as CrateDepKind,
    };
    if (typeof dep.registry === "string") entry.registry = dep.registry;
    deps.push(entry);
  }
  return deps;
}

/**
 * Parses one index line.
 *
 * @param name the crate the file is for
 * @param line the line (trimmed, non-empty)
 * @param lineNo 1-based line number for errors
 * @param where URL or path for errors
 * @returns the record, or undefined when the line is skipped (newer schema, non-SemVer vers)
 * @throws {MochiError} `RUST_E001` when the line is malformed
 */
export function parseCrateLine(
  name: string,
  line: string,
  lineNo: number,
  where: string,
): CrateVersion | undefined {
  const i = lineNo - 1;
  const fail = (what: string): never => {
    throw new MochiError("RUST_E001", `${where} line ${i + 1}: ${what}`, {
      hint: "the cargo index is damaged; refresh it (mochi lock --refresh) or check the registry",
    });
  };
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(line);
  } catch (e) {
    return fail(`not JSON (${(e as Error).message})`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) fail("not a JSON object");
  const schema = raw.v ?? 1;
  if (typeof schema === "number" && schema > MAX_INDEX_SCHEMA) return undefined;
  if (typeof raw.name !== "string") fail('"name" is missing or not a string');
  if ((raw.name as string).toLowerCase() !== name.toLowerCase()) {
    fail(`the line is for crate "${raw.name}", not "${name}"`);
  }
  if (typeof raw.vers !== "string") fail('"vers" is missing or not a string');
  const version = tryParseVersion(raw.vers as string);
  if (version === undefined) return undefined;
  if (typeof raw.cksum !== "string" || !HEX64.test(raw.cksum)) {
    fail('"cksum" is missing or not 64 lowercase hex digits');
  }
  if (!Array.isArray(raw.deps)) fail('"deps" is missing or not an array');
  const deps = parseCrateDeps(raw.deps as unknown[], fail);
  // Feature names come from the index ("constructor" is a real one): a null-prototype object
  // (an assignment to "__proto__" on it makes an own data property), read with Object.hasOwn.
  const features: Record<string, string[]> = Object.create(null);
  for (const table of [raw.features, raw.features2]) {
    if (typeof table !== "object" || table === null) continue;
    for (const [k, v] of Object.entries(table as Record<string, unknown>)) {
      if (!Array.isArray(v)) continue;
      const list = strings(v);
      features[k] = Object.hasOwn(features, k) ? [...features[k]!, ...list] : list;
    }
  }
  const cv: CrateVersion = {
    name: raw.name as string,
    vers: raw.vers as string,
    version,
    deps,
    cksum: raw.cksum as string,
    features,
    yanked: raw.yanked === true,
  };
  if (typeof raw.links === "string") cv.links = raw.links;
  if (typeof raw.rust_version === "string") cv.rustVersion = raw.rust_version;
  return cv;
}

/** What a cargo registry's `config.json` says (The Cargo Book §Index Configuration). */
export interface CargoRegistryConfig {
  /** Download template or prefix. */
  dl: string;
  /** Web API root, or null. */
  api: string | null;
  /** Whether every request needs a token. */
  authRequired: boolean;
}

/**
 * Parses a cargo registry's `config.json`.
 *
 * @param text the file's text
 * @param where URL reported in errors
 * @returns the config
 * @throws {MochiError} `RUST_E007` when it is not JSON or `dl` is missing
 */
export function parseCargoConfig(text: string, where: string): CargoRegistryConfig {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new MochiError("RUST_E007", `${where} is not JSON: ${(e as Error).message}`, {
      hint: "check the crates-io index URL ([registry] crates-io or MOCHI_CRATES_IO_INDEX)",
    });
  }
  if (typeof raw?.dl !== "string" || raw.dl.length === 0) {
    throw new MochiError("RUST_E007", `${where} has no "dl" download URL`, {
      hint: "a cargo registry's config.json must give dl; check the index URL",
    });
  }
  return {
    dl: raw.dl,
    api: typeof raw.api === "string" ? raw.api : null,
    authRequired: raw["auth-required"] === true,
  };
}

/**
 * The download URL of one `.crate` file. When `dl` holds none of the markers `{crate}`,
 * `{version}`, `{prefix}`, `{lowerprefix}`, `{sha256-checksum}`, cargo appends
 * `/{crate}/{version}/download`.
 *
 * @param dl the `dl` value of config.json
 * @param crate crate name
 * @param version version text
 * @param cksum SHA-256 hex of the file
 * @returns the URL text
 */
export function crateDownloadUrl(
  dl: string,
  crate: string,
  version: string,
  cksum: string,
): string {
  const markers = ["{crate}", "{version}", "{prefix}", "{lowerprefix}", "{sha256-checksum}"];
  if (!markers.some((m) => dl.includes(m))) {
    return `${dl.replace(/\/$/, "")}/${crate}/${version}/download`;
  }
  const prefix = crateIndexPath(crate).split("/").slice(0, -1).join("/");
  const exact = crate.length <= 2 ? prefix : prefixWithCase(crate);
  return dl.replaceAll("{crate}", crate)
    .replaceAll("{version}", version)
    .replaceAll("{prefix}", exact)
    .replaceAll("{lowerprefix}", prefix)
    .replaceAll("{sha256-checksum}", cksum);
}

function prefixWithCase(crate: string): string {
  if (crate.length === 3) return `3/${crate[0]}`;
  return `${crate.slice(0, 2)}/${crate.slice(2, 4)}`;
}
