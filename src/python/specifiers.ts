/**
 * PEP 440 version specifiers (`~= == != <= >= < > ===`, `.*` wildcards) and specifier sets,
 * exactly as pypa/packaging's `packaging.specifiers` (`src/packaging/specifiers.py`, with the
 * range engine of `src/packaging/_ranges.py`): parsing and its errors, normalised text,
 * membership with the pre-release rules, filtering, and unsatisfiability.
 *
 * Pre-release rules (packaging ≥ 26): a specifier or set "allows pre-releases" when it is told
 * so, or when one of its specifiers names a pre-release (`>=1.0a1`; never `!=` or `==X.*`).
 * `contains` of one version with no policy given accepts a pre-release inside the ranges (a
 * single version has no alternatives); `filter` with no policy keeps pre-releases only when no
 * final release matches; `prereleases: false` drops them.
 *
 * @module
 */
import { MochiError, quoteValue } from "../errors.ts";
import {
  formatPep440,
  isPep440Prerelease,
  type Pep440Version,
  trimRelease,
  tryParsePep440Version,
} from "./pep440.ts";
import {
  canonicalRanges,
  complementRanges,
  FULL_RANGE,
  intersectRanges,
  type Interval,
  rangesArePrereleaseOnly,
  rangesContain,
  standardRanges,
  wildcardRanges,
} from "./_ranges.ts";

/** A specifier operator. */
export type SpecifierOperator = "~=" | "==" | "!=" | "<=" | ">=" | "<" | ">" | "===";

/** The longest specifier-set text accepted, in characters. */
export const MAX_SPECIFIER_SET_LENGTH = 8192;

const PRE = "(?:[-_.]?(?:alpha|beta|preview|pre|a|b|c|rc)[-_.]?[0-9]*)?";
const POST = "(?:(?:-[0-9]+)|(?:[-_.]?(?:post|rev|r)[-_.]?[0-9]*))?";
const DEV = "(?:[-_.]?dev[-_.]?[0-9]*)?";
const LOCAL = "(?:\\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?";
const REL = "v?(?:[0-9]+!)?[0-9]+(?:\\.[0-9]+)*";
// packaging/specifiers.py `Specifier._specifier_regex_str`.
const SPECIFIER_REGEXP = new RegExp(
  "^\\s*(?:" +
    "(?:===\\s*[^\\s;)]*)" +
    `|(?:(?:==|!=)\\s*${REL}(?:\\.\\*|${PRE}${POST}${DEV}${LOCAL})?)` +
    `|(?:~=\\s*v?(?:[0-9]+!)?[0-9]+(?:\\.[0-9]+)+${PRE}${POST}${DEV})` +
    `|(?:(?:<=|>=|<|>)\\s*${REL}${PRE}${POST}${DEV})` +
    ")\\s*$",
  "i",
);

function invalid(text: string): never {
  throw new MochiError("PY_E002", `invalid specifier ${quoteValue(text)}`, {
    hint: "specifiers look like >=1.0, ~=2.1, ==1.4.*, !=1.5, <2 or ===1.0-foo, joined by commas",
  });
}

/** A version given as text or already parsed. */
export type VersionInput = string | Pep440Version;

function coerce(v: VersionInput): Pep440Version | undefined {
  return typeof v === "string" ? tryParsePep440Version(v) : v;
}

function itemText(v: VersionInput): string {
  return typeof v === "string" ? v : formatPep440(v);
}

/** Options of `contains` and `filter`. */
export interface PrereleaseOptions {
  /** Force pre-releases in (`true`) or out (`false`); undefined: the set's own rule. */
  prereleases?: boolean | undefined;
}

/**
 * One specifier (packaging's `Specifier`). Immutable.
 *
 * @example
 * ```ts
 * import { Specifier } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * const s = new Specifier(">= 1.0");
 * assert.equal(String(s), ">=1.0");
 * assert.equal(s.contains("1.5"), true);
 * assert.equal(s.contains("2.0rc1", { prereleases: false }), false);
 * assert.equal(s.contains("0.9"), false);
 * assert.equal(new Specifier("==1.4.*").contains("1.4.9"), true);
 * assert.equal(new Specifier("~=2.0").equals(new Specifier("~=2.0.0")), false);
 * assert.throws(() => new Specifier("=> 1.0"));
 * ```
 */
export class Specifier {
  /** The operator. */
  readonly operator: SpecifierOperator;
  /** The version text as written (whitespace trimmed), `1.0.*` for a wildcard. */
  readonly version: string;
  /** The pre-release policy given at construction (undefined: autodetect). */
  readonly configuredPrereleases: boolean | undefined;
  #ranges: Interval[] | undefined;
  #specVersion: Pep440Version | undefined | null = null;

  /**
   * Parses one specifier as `packaging.specifiers.Specifier(text)`.
   *
   * @param text e.g. `>= 1.0`, `==1.4.*`, `===foo`
   * @param prereleases an explicit pre-release policy
   * @throws {MochiError} `PY_E002` when the text is not a valid specifier
   */
  constructor(text: string, prereleases?: boolean) {
    if (typeof text !== "string" || text.length > MAX_SPECIFIER_SET_LENGTH) invalid(String(text));
    if (!SPECIFIER_REGEXP.test(text)) invalid(text);
    const spec = text.trim();
    let op: string, version: string;
    if (spec.startsWith("===")) [op, version] = [spec.slice(0, 3), spec.slice(3).trim()];
    else if (/^(~=|==|!=|<=|>=)/.test(spec)) {
      [op, version] = [spec.slice(0, 2), spec.slice(2).trim()];
    } else [op, version] = [spec.slice(0, 1), spec.slice(1).trim()];
    this.operator = op as SpecifierOperator;
    this.version = version;
    this.configuredPrereleases = prereleases;
    if (op !== "===" && this.specVersion() === undefined) invalid(text);
  }

  /** The parsed version of the specifier (wildcard removed); undefined for a non-PEP 440 `===`. */
  specVersion(): Pep440Version | undefined {
    if (this.#specVersion === null) {
      const text = this.version.endsWith(".*") ? this.version.slice(0, -2) : this.version;
      this.#specVersion = tryParsePep440Version(text);
    }
    return this.#specVersion;
  }

  /**
   * Whether pre-releases are allowed: the configured policy, else `false` for `!=` and
   * `==X.*`, undefined for a `===` whose version is not PEP 440, else whether the specifier's
   * version is a pre-release (packaging `Specifier.prereleases`).
   */
  get prereleases(): boolean | undefined {
    if (this.configuredPrereleases !== undefined) return this.configuredPrereleases;
    if (this.operator === "!=") return false;
    if (this.operator === "==" && this.version.endsWith(".*")) return false;
    const v = tryParsePep440Version(this.version);
    if (v === undefined) return undefined;
    return isPep440Prerelease(v);
  }

  /**
   * The intervals this specifier admits (`===` admits every version; its string test is separate).
   *
   * @ignore internal to the PEP 440 version sets
   */
  ranges(): readonly Interval[] {
    if (this.#ranges === undefined) {
      if (this.operator === "===") this.#ranges = [...FULL_RANGE];
      else {
        const v = this.specVersion()!;
        this.#ranges = this.version.endsWith(".*")
          ? wildcardRanges(this.operator as "==" | "!=", v)
          : standardRanges(this.operator, v, this.version.includes("+"));
      }
    }
    return this.#ranges;
  }

  /** `operator + version`, e.g. `>=1.0`. */
  toString(): string {
    return `${this.operator}${this.version}`;
  }

  /**
   * The canonical form used for equality: the version normalised with trailing zeros removed
   * (kept for `~=`); `===` and wildcards as written (packaging `_canonical_spec`).
   */
  canonical(): string {
    if (this.operator === "===" || this.version.endsWith(".*")) return this.toString();
    const v = this.specVersion()!;
    const text = this.operator === "~=" ? formatPep440(v) : formatPep440({
      ...v,
      release: trimRelease(v.release),
    });
    return `${this.operator}${text}`;
  }

  /** Whether two specifiers are equal (pre-release policy ignored), as packaging's `==`. */
  equals(o: Specifier): boolean {
    return this.canonical() === o.canonical();
  }

  /**
   * Whether the version is admitted (packaging `Specifier.contains`).
   *
   * @param item a version (text or parsed); an invalid version text is never admitted except by
   *   a `===` with the same text
   * @param options the pre-release policy
   */
  contains(item: VersionInput, options: PrereleaseOptions = {}): boolean {
    if (this.operator === "===") return this.filter([item], options).length > 0;
    const parsed = coerce(item);
    if (parsed === undefined) return false;
    let pre = options.prereleases;
    if (pre === undefined) pre = resolvePrereleases(this.configuredPrereleases, this.prereleases);
    if (pre === false && isPep440Prerelease(parsed)) return false;
    return rangesContain(this.ranges(), parsed);
  }

  /**
   * The items this specifier admits, in order (packaging `Specifier.filter`): with no policy,
   * pre-releases only when no final release matches.
   *
   * @param items versions, or anything with a `key`
   * @param options the pre-release policy and a key function
   */
  filter<T extends VersionInput>(items: Iterable<T>, options?: PrereleaseOptions): T[];
  /**
   * The items whose `key` this admits, in order (packaging's `filter(iterable, key=…)`).
   *
   * @param items anything, read through `options.key`
   * @param options the pre-release policy and the key function
   */
  filter<T>(
    items: Iterable<T>,
    options: PrereleaseOptions & { key: (item: T) => VersionInput },
  ): T[];
  filter<T>(
    items: Iterable<T>,
    options: PrereleaseOptions & { key?: (item: T) => VersionInput } = {},
  ): T[] {
    const key = options.key ?? ((t: T) => t as unknown as VersionInput);
    let pre = options.prereleases;
    if (pre === undefined) pre = resolvePrereleases(this.configuredPrereleases, this.prereleases);
    if (this.operator === "===") {
      const want = this.version.toLowerCase();
      const matches = [...items].filter((t) => itemText(key(t)).toLowerCase() === want);
      return applyPrereleases(matches, key, pre);
    }
    return filterByRanges(this.ranges(), items, key, pre);
  }
}

/** Whether an interval list admits no version (no final release, when `finalsOnly`). */
function holdsNothing(ranges: readonly Interval[], finalsOnly: boolean): boolean {
  const r = canonicalRanges(ranges);
  return r.length === 0 || (finalsOnly && rangesArePrereleaseOnly(r));
}

function resolvePrereleases(
  configured: boolean | undefined,
  detected: boolean | undefined,
): boolean | undefined {
  if (configured !== undefined) return configured;
  return detected ? true : undefined;
}

function applyPrereleases<T>(
  matches: T[],
  key: (t: T) => VersionInput,
  pre: boolean | undefined,
): T[] {
  if (pre === true) return matches;
  if (pre === false) {
    return matches.filter((t) => {
      const v = coerce(key(t));
      return v === undefined || !isPep440Prerelease(v);
    });
  }
  // packaging `_pep440_filter_prereleases`: pre-releases only when no final is present;
  // unparsable strings (from `===`) always kept.
  const out: T[] = [];
  const nonFinal: T[] = [];
  const arbitrary: T[] = [];
  let foundFinal = false;
  for (const t of matches) {
    const v = coerce(key(t));
    if (v === undefined) {
      if (foundFinal) out.push(t);
      else {
        arbitrary.push(t);
        nonFinal.push(t);
      }
      continue;
    }
    if (!isPep440Prerelease(v)) {
      if (!foundFinal) {
        out.push(...arbitrary);
        foundFinal = true;
      }
      out.push(t);
      continue;
    }
    if (!foundFinal) nonFinal.push(t);
  }
  return foundFinal ? out : nonFinal;
}

function filterByRanges<T>(
  ranges: readonly Interval[],
  items: Iterable<T>,
  key: (t: T) => VersionInput,
  pre: boolean | undefined,
): T[] {
  const out: T[] = [];
  const buffer: T[] = [];
  let foundFinal = false;
  for (const t of items) {
    const v = coerce(key(t));
    if (v === undefined) continue;
    if (pre === false && isPep440Prerelease(v)) continue;
    if (!rangesContain(ranges, v)) continue;
    if (pre === true || !isPep440Prerelease(v)) {
      if (!isPep440Prerelease(v)) foundFinal = true;
      out.push(t);
    } else if (!foundFinal) buffer.push(t);
  }
  if (pre === undefined && !foundFinal) return buffer;
  return out;
}

/** Options of {@link SpecifierSet.contains}. */
export interface ContainsOptions extends PrereleaseOptions {
  /** The version is installed: a pre-release is then admitted even against the policy. */
  installed?: boolean | undefined;
}

/**
 * A set of specifiers, all of which must hold (packaging's `SpecifierSet`). Immutable.
 *
 * @example
 * ```ts
 * import { Specifier, SpecifierSet } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * const set = new SpecifierSet([new Specifier(">=1.0"), new Specifier("!=1.3"), new Specifier("<2")]);
 * assert.equal(String(set), "!=1.3,<2,>=1.0");
 * assert.equal(set.contains("1.2"), true);
 * assert.equal(set.contains("1.3"), false);
 * assert.equal(set.contains("2.0"), false);
 * assert.equal(new SpecifierSet([]).contains("0.1"), true);
 * ```
 */
export class SpecifierSet {
  /** The specifiers in the order written. */
  readonly specifiers: readonly Specifier[];
  /** The pre-release policy given at construction (undefined: autodetect). */
  readonly configuredPrereleases: boolean | undefined;
  #ranges: readonly Interval[] | undefined;

  /**
   * Makes a set from parsed specifiers (see {@link parseSpecifierSet} for text).
   *
   * @param specifiers the specifiers (may be empty: every version)
   * @param prereleases an explicit pre-release policy
   */
  constructor(specifiers: readonly Specifier[], prereleases?: boolean) {
    this.specifiers = Object.freeze([...specifiers]);
    this.configuredPrereleases = prereleases;
  }

  /** Whether a `===` specifier is present. */
  get hasArbitrary(): boolean {
    return this.specifiers.some((s) => s.operator === "===");
  }

  /**
   * Whether pre-releases are allowed: the configured policy, else `true` when one specifier
   * allows them, else undefined (packaging `SpecifierSet.prereleases`).
   */
  get prereleases(): boolean | undefined {
    if (this.configuredPrereleases !== undefined) return this.configuredPrereleases;
    if (this.specifiers.length === 0) return undefined;
    return this.specifiers.some((s) => s.prereleases) ? true : undefined;
  }

  /**
   * The intersection of every specifier's intervals (every version when empty).
   *
   * @ignore internal to the PEP 440 version sets
   */
  ranges(): readonly Interval[] {
    if (this.#ranges === undefined) {
      let r: readonly Interval[] = FULL_RANGE;
      for (const s of this.specifiers) {
        r = intersectRanges(r, s.ranges());
        if (r.length === 0) break;
      }
      this.#ranges = r;
    }
    return this.#ranges;
  }

  /** The specifiers sorted by text, duplicates (by canonical form) removed. */
  canonicalSpecifiers(): Specifier[] {
    const sorted = [...this.specifiers].sort((a, b) => {
      const x = a.toString(), y = b.toString();
      return x < y ? -1 : x > y ? 1 : 0;
    });
    const seen = new Set<string>();
    return sorted.filter((s) => {
      const c = s.canonical();
      if (seen.has(c)) return false;
      seen.add(c);
      return true;
    });
  }

  /** The normalised text: specifiers sorted, deduplicated and joined by `,`. */
  toString(): string {
    return this.canonicalSpecifiers().map(String).join(",");
  }

  /** Whether two sets hold the same specifiers (canonical forms; policy ignored). */
  equals(o: SpecifierSet): boolean {
    const a = this.canonicalSpecifiers().map((s) => s.canonical());
    const b = o.canonicalSpecifiers().map((s) => s.canonical());
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }

  /**
   * Both sets' specifiers together (packaging `SpecifierSet.__and__`).
   *
   * @throws {MochiError} `PY_E002` when one set forces pre-releases in and the other out
   */
  and(o: SpecifierSet): SpecifierSet {
    let pre: boolean | undefined;
    const a = this.configuredPrereleases, b = o.configuredPrereleases;
    if (a === undefined || a === b) pre = b;
    else if (b === undefined) pre = a;
    else {
      throw new MochiError(
        "PY_E002",
        "cannot combine specifier sets with true and false pre-release overrides",
        { hint: "give both sets the same pre-release policy" },
      );
    }
    return new SpecifierSet([...this.specifiers, ...o.specifiers], pre);
  }

  /**
   * Whether the version is admitted (packaging `SpecifierSet.contains`).
   *
   * @param item a version (text or parsed)
   * @param options the pre-release policy; `installed` admits an installed pre-release
   */
  contains(item: VersionInput, options: ContainsOptions = {}): boolean {
    const version = coerce(item);
    let pre = options.prereleases;
    if (version !== undefined && options.installed && isPep440Prerelease(version)) pre = true;
    const hasArbitrary = this.hasArbitrary;
    const check: VersionInput | undefined = version === undefined ||
        (hasArbitrary && typeof item === "string")
      ? item
      : version;
    if (
      version !== undefined && !hasArbitrary && version.local === undefined &&
      this.specifiers.length > 0
    ) {
      if (
        isPep440Prerelease(version) &&
        (pre === false || (pre === undefined && this.configuredPrereleases === false))
      ) return false;
      return rangesContain(this.ranges(), version);
    }
    return this.filter([check], { prereleases: pre }).length > 0;
  }

  /**
   * The items this set admits, in order (packaging `SpecifierSet.filter`).
   *
   * @param items versions, or anything with a `key`
   * @param options the pre-release policy and a key function
   */
  filter<T extends VersionInput>(items: Iterable<T>, options?: PrereleaseOptions): T[];
  /**
   * The items whose `key` this admits, in order (packaging's `filter(iterable, key=…)`).
   *
   * @param items anything, read through `options.key`
   * @param options the pre-release policy and the key function
   */
  filter<T>(
    items: Iterable<T>,
    options: PrereleaseOptions & { key: (item: T) => VersionInput },
  ): T[];
  filter<T>(
    items: Iterable<T>,
    options: PrereleaseOptions & { key?: (item: T) => VersionInput } = {},
  ): T[] {
    const key = options.key ?? ((t: T) => t as unknown as VersionInput);
    let pre = options.prereleases;
    if (pre === undefined && this.prereleases !== undefined) pre = this.prereleases;
    if (this.specifiers.length > 0) {
      if (this.hasArbitrary) {
        const matches = [...items].filter((t) =>
          this.specifiers.every((s) => s.contains(key(t), { prereleases: true }))
        );
        return applyPrereleases(matches, key, pre);
      }
      return filterByRanges(this.ranges(), items, key, pre);
    }
    return applyPrereleases([...items], key, pre);
  }

  /**
   * Whether no version can satisfy every specifier (packaging `SpecifierSet.is_unsatisfiable`).
   */
  isUnsatisfiable(): boolean {
    if (this.specifiers.length === 0) return false;
    if (this.ranges().length === 0) return true;
    if (this.#arbitraryUnsatisfiable()) return true;
    if (this.prereleases === false) return rangesArePrereleaseOnly(this.ranges());
    return false;
  }

  /**
   * Whether every version this set admits is admitted by `o` (packaging
   * `SpecifierSet.is_subset`): over the intervals, and over final releases only when both sets
   * refuse pre-releases.
   *
   * @param o another set with the same pre-release policy
   * @throws {MochiError} `PY_E002` when either set has a `===` specifier or the policies differ
   */
  isSubset(o: SpecifierSet): boolean {
    const finalsOnly = this.#relationOperand(o);
    return holdsNothing(
      intersectRanges(this.ranges(), complementRanges(canonicalRanges(o.ranges()))),
      finalsOnly,
    );
  }

  /**
   * Whether every version `o` admits is admitted by this set (packaging `is_superset`).
   *
   * @param o another set with the same pre-release policy
   * @throws {MochiError} `PY_E002` as {@link SpecifierSet.isSubset}
   */
  isSuperset(o: SpecifierSet): boolean {
    this.#relationOperand(o);
    return o.isSubset(this);
  }

  /**
   * Whether no version is admitted by both sets (packaging `is_disjoint`).
   *
   * @param o another set with the same pre-release policy
   * @throws {MochiError} `PY_E002` as {@link SpecifierSet.isSubset}
   */
  isDisjoint(o: SpecifierSet): boolean {
    const finalsOnly = this.#relationOperand(o);
    return holdsNothing(intersectRanges(this.ranges(), o.ranges()), finalsOnly);
  }

  /** Checks a set-relation operand; returns whether only final releases count. */
  #relationOperand(o: SpecifierSet): boolean {
    if (this.hasArbitrary || o.hasArbitrary) {
      throw new MochiError("PY_E002", "set relations do not support === specifiers", {
        hint: "compare sets without arbitrary equality (===)",
      });
    }
    if (this.configuredPrereleases !== o.configuredPrereleases) {
      throw new MochiError(
        "PY_E002",
        "set relations need both sets to have the same pre-release policy (unset on one side counts as different)",
        { hint: "give both sets the same prereleases setting" },
      );
    }
    return this.configuredPrereleases === false;
  }

  #arbitraryUnsatisfiable(): boolean {
    const arbitrary = this.specifiers.filter((s) => s.operator === "===");
    if (arbitrary.length === 0) return false;
    const first = arbitrary[0]!.version.toLowerCase();
    if (arbitrary.slice(1).some((s) => s.version.toLowerCase() !== first)) return true;
    const candidate = tryParsePep440Version(arbitrary[0]!.version);
    if (this.prereleases === false && candidate !== undefined && isPep440Prerelease(candidate)) {
      return true;
    }
    const standard = this.specifiers.filter((s) => s.operator !== "===");
    if (standard.length === 0) return false;
    if (candidate === undefined) return true;
    return !standard.every((s) => s.contains(candidate));
  }
}

/**
 * Parses a comma-separated specifier set as `packaging.specifiers.SpecifierSet(text)` (empty
 * text: every version).
 *
 * @param text e.g. `>=1.0, !=1.3.*, <2`
 * @param options an explicit pre-release policy
 * @returns the set
 * @throws {MochiError} `PY_E002` naming the first invalid specifier, or when the text is
 *   longer than {@link MAX_SPECIFIER_SET_LENGTH}
 * @example
 * ```ts
 * import { parseSpecifierSet, specifierSetContains } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * const set = parseSpecifierSet(">=1.0, !=1.3.*, <2");
 * assert.equal(String(set), "!=1.3.*,<2,>=1.0");
 * assert.equal(specifierSetContains(set, "1.3.5"), false);
 * assert.equal(specifierSetContains(set, "1.4"), true);
 * ```
 */
export function parseSpecifierSet(
  text: string,
  options: PrereleaseOptions = {},
): SpecifierSet {
  if (typeof text !== "string" || text.length > MAX_SPECIFIER_SET_LENGTH) {
    invalid(String(text).slice(0, 60));
  }
  const parts = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  return new SpecifierSet(parts.map((p) => new Specifier(p)), options.prereleases);
}

/**
 * Whether a version is in a specifier set, as `SpecifierSet.contains(version, prereleases)`.
 *
 * @param set a parsed set ({@link parseSpecifierSet})
 * @param version the version text (an invalid one is only admitted by a matching `===`)
 * @param options `prereleases`: force pre-releases in or out; `installed`: admit an installed
 *   pre-release
 * @returns whether the version is admitted
 * @example
 * ```ts
 * import { parseSpecifierSet, specifierSetContains } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * const set = parseSpecifierSet(">=1.0");
 * assert.equal(specifierSetContains(set, "2.0b1"), true);
 * assert.equal(specifierSetContains(set, "2.0b1", { prereleases: false }), false);
 * ```
 */
export function specifierSetContains(
  set: SpecifierSet,
  version: string,
  options: ContainsOptions = {},
): boolean {
  return set.contains(version, options);
}
