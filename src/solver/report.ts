/**
 * Failure reports: the derivation graph of the terminal incompatibility written as text.
 *
 * The explanation follows pub's error-reporting algorithm and wording (`doc/solver.md`
 * §Error Reporting, `lib/src/solver/failure.dart` `_Writer`, `incompatibility.dart` `toString`
 * and `andToString`): "Because A depends on B ..., version solving failed.", derived lines
 * numbered "(1)" only when referred to later. Dependencies show their requirement as written when
 * the provider gave it (pub and uv do too); custom causes word themselves. The generic fix
 * options ({@link genericHints}) name no product: a caller adds its own (`NoSolutionError.with`).
 *
 * @module
 */
import {
  compatibilityKey,
  formatRequirement,
  formatVersion,
  tryParseRequirement,
  type Version,
  type VersionSet,
} from "../semver/mod.ts";
import type { Incompatibility, IncompatibilityCause } from "./incompatibility.ts";
import type { Term } from "./term.ts";
import type { AnyVersionSet, VersionOf } from "./version_scheme.ts";

// The writer works on any scheme: its internals see sets through the common interface.
type Inc = Incompatibility<AnyVersionSet>;
type AnyTerm = Term<AnyVersionSet>;

/** What a solver key stands for (`S`: the scheme's version set, cargo SemVer by default). */
export type KeyInfo<S extends AnyVersionSet = VersionSet> =
  /** The root package. */
  | { readonly kind: "root"; readonly name: string }
  /** A package with one version in the graph. */
  | { readonly kind: "plain"; readonly name: string }
  /** One semver-compatibility bucket of an allow-multi-version package (`name#1`). */
  | { readonly kind: "bucket"; readonly name: string; readonly bucket: string }
  /** A virtual package choosing the bucket for a requirement that spans several. */
  | {
    readonly kind: "wide";
    readonly name: string;
    readonly set: S;
    readonly from: string;
  };

/** What the report needs to know about the solve (`S`: the scheme's version set). */
export interface ReportContext<S extends AnyVersionSet = VersionSet> {
  /** The root key. */
  readonly rootKey: string;
  /**
   * What a key stands for.
   *
   * @param key solver key
   */
  keyInfo(key: string): KeyInfo<S>;
  /**
   * The listed versions of a key (ascending), when known.
   *
   * @param key solver key
   */
  listedVersions(key: string): readonly VersionOf<S>[] | undefined;
  /**
   * Whether allow-multi-version covers a package.
   *
   * @param name package name
   */
  isMulti(name: string): boolean;
  /**
   * Optional: the text of a version (default: SemVer's `formatVersion`).
   *
   * @param v a version of the scheme
   */
  formatVersion?(v: VersionOf<S>): string;
  /**
   * Optional: a requirement as the report writes it (default: cargo's grammar normalised, or
   * the text trimmed when it does not parse).
   *
   * @param text the requirement as written
   */
  formatRequirement?(text: string): string;
}

type Derived = Extract<IncompatibilityCause<AnyVersionSet>, { kind: "derived" }>;

function isDerived(i: Inc): boolean {
  return i.cause.kind === "derived";
}

/** Formats terms and incompatibilities in pub's words. */
class Words {
  /** Per key, the sets of the derivation's dependencies with their requirement as written. */
  readonly #written = new Map<string, [AnyVersionSet, string][]>();

  constructor(readonly ctx: ReportContext<AnyVersionSet>, found: readonly Inc[] = []) {
    for (const inc of found) {
      const c = inc.cause;
      if (c.kind !== "dependency" || c.requirement === undefined) continue;
      let list = this.#written.get(c.dependee);
      if (list === undefined) this.#written.set(c.dependee, list = []);
      list.push([c.dependeeSet, this.requirement(c.requirement)]);
    }
  }

  version(v: unknown): string {
    return this.ctx.formatVersion !== undefined
      ? this.ctx.formatVersion(v)
      : formatVersion(v as Version);
  }

  requirement(text: string): string {
    return this.ctx.formatRequirement !== undefined
      ? this.ctx.formatRequirement(text)
      : writtenRequirement(text);
  }

  ref(key: string): string {
    const info = this.ctx.keyInfo(key);
    if (info.kind === "wide") return `${info.name} (${info.set.toString()})`;
    return info.name;
  }

  /** Text of a set for `key`, or undefined when it covers every version that matters. */
  setText(key: string, set: AnyVersionSet): string | undefined {
    if (set.isFull()) return undefined;
    // a derived term equal to a requirement of the derivation is written as that requirement
    for (const [s, text] of this.#written.get(key) ?? []) if (s.equals(set)) return text;
    const text = set.toString();
    if (text === "*") return undefined;
    const info = this.ctx.keyInfo(key);
    const listed = this.ctx.listedVersions(key);
    if (info.kind === "wide") {
      const buckets = (listed ?? []).filter((v) => set.contains(v)).map((v) =>
        `^${compatibilityKey(v as Version)}`
      );
      return buckets.length > 0 ? buckets.join(" or ") : text;
    }
    const complex = text.includes(" or ") || text.includes("pre-release");
    if (!complex || listed === undefined || listed.length === 0) return text;
    const runs: string[] = [];
    let i = 0;
    while (i < listed.length) {
      if (!set.contains(listed[i]!)) {
        i++;
        continue;
      }
      let j = i;
      while (j + 1 < listed.length && set.contains(listed[j + 1]!)) j++;
      const lo = i === 0 ? undefined : this.version(listed[i]!);
      const hi = j === listed.length - 1 ? undefined : this.version(listed[j + 1]!);
      runs.push(
        lo && hi ? `>=${lo}, <${hi}` : lo ? `>=${lo}` : hi ? `<${hi}` : "*",
      );
      i = j + 1;
    }
    if (runs.length === 1 && runs[0] === "*") return undefined;
    return runs.length > 0 ? runs.join(" or ") : text;
  }

  /** pub `_terse`: `foo ^1.0.0`, `every version of foo`, the root without version. */
  terse(key: string, term: AnyTerm, allowEvery = false): string {
    const info = this.ctx.keyInfo(key);
    if (info.kind === "root") return info.name;
    const text = this.setText(key, term.set);
    if (text === undefined) {
      if (allowEvery) return `every version of ${this.ref(key)}`;
      if (info.kind === "bucket") return `${info.name} ^${info.bucket}`;
      if (info.kind === "wide") return this.ref(key);
      return `${info.name} *`;
    }
    return `${this.ref(key)} ${text}`;
  }

  covers(key: string, term: AnyTerm): boolean {
    return this.setText(key, term.set) === undefined;
  }

  isFailure(inc: Inc): boolean {
    if (inc.terms.size === 0) return true;
    return inc.terms.size === 1 && inc.terms.has(this.ctx.rootKey);
  }

  /** pub `Incompatibility.toString`. */
  str(inc: Inc): string {
    const c = inc.cause;
    const entries = [...inc.terms];
    switch (c.kind) {
      case "dependency": {
        const depender = inc.get(c.depender)!;
        return `${this.terse(c.depender, depender, true)} depends on ${this.dependee(c)}`;
      }
      case "noVersions": {
        const [key, term] = entries[0]!;
        if (c.missing) return `no versions of ${this.ref(key)} exist`;
        const text = this.setText(key, term.set) ?? "*";
        return `no versions of ${this.ref(key)} match ${text}${this.skipped(c.skipped)}`;
      }
      case "unavailable": {
        const [key, term] = entries[0]!;
        return `${this.terse(key, term, true)} cannot be used: ${c.reason}`;
      }
      case "custom": {
        const [key, term] = entries[0]!;
        return c.custom.describe(this.ref(key), this.terse(key, term, true));
      }
      case "conflict": {
        const [[k1, t1], [k2, t2]] = entries as [[string, AnyTerm], [string, AnyTerm]];
        return `${this.terse(k1, t1, true)} and ${
          this.terse(k2, t2, true)
        } cannot be selected together: ${c.reason}`;
      }
      case "root":
        return `${this.ref(entries[0]![0])} is ${this.version(c.version)}`;
      case "derived":
        break;
    }
    if (this.isFailure(inc)) return "version solving failed";
    if (entries.length === 1) {
      const [key, term] = entries[0]!;
      const verdict = term.positive ? "forbidden" : "required";
      if (this.covers(key, term)) return `${this.ref(key)} is ${verdict}`;
      return `${this.terse(key, term)} is ${verdict}`;
    }
    if (entries.length === 2) {
      const [[k1, t1], [k2, t2]] = entries as [[string, AnyTerm], [string, AnyTerm]];
      if (t1.positive === t2.positive) {
        if (t1.positive) {
          const p1 = this.covers(k1, t1) ? this.ref(k1) : this.terse(k1, t1);
          const p2 = this.covers(k2, t2) ? this.ref(k2) : this.terse(k2, t2);
          return `${p1} is incompatible with ${p2}`;
        }
        return `either ${this.terse(k1, t1)} or ${this.terse(k2, t2)}`;
      }
    }
    const positive = entries.filter(([, t]) => t.positive);
    const negative = entries.filter(([, t]) => !t.positive).map(([k, t]) => this.terse(k, t));
    if (positive.length > 0 && negative.length > 0) {
      if (positive.length === 1) {
        const [k, t] = positive[0]!;
        return `${this.terse(k, t, true)} requires ${negative.join(" or ")}`;
      }
      return `if ${positive.map(([k, t]) => this.terse(k, t)).join(" and ")} then ${
        negative.join(" or ")
      }`;
    }
    if (positive.length > 0) {
      return `one of ${positive.map(([k, t]) => this.terse(k, t)).join(" or ")} must be false`;
    }
    return `one of ${negative.join(" or ")} must be true`;
  }

  /** The dependee of a dependency: its requirement as written when known, else its range. */
  dependee(c: Extract<IncompatibilityCause<AnyVersionSet>, { kind: "dependency" }>): string {
    const info = this.ctx.keyInfo(c.dependee);
    if (c.requirement !== undefined && info.kind !== "bucket") {
      const text = this.requirement(c.requirement);
      // An empty requirement (PEP 508 `name` alone) admits every version: the name says it.
      return text === "" ? info.name : `${info.name} ${text}`;
    }
    if (info.kind === "wide") return `${info.name} ${info.set.toString()}`;
    if (c.dependeeSet.isEmpty()) return `${info.name} with an impossible requirement`;
    return this.terse(c.dependee, { positive: true, set: c.dependeeSet } as AnyTerm);
  }

  skipped(vs: readonly unknown[]): string {
    if (vs.length === 0) return "";
    return ` (skipped as yanked: ${vs.map((v) => this.version(v)).join(", ")})`;
  }

  verb(inc: Inc): string {
    return inc.cause.kind === "dependency" ? "depends on" : "requires";
  }

  single(inc: Inc, positive: boolean): [string, AnyTerm] | undefined {
    let found: [string, AnyTerm] | undefined;
    for (const e of inc.terms) {
      if (e[1].positive !== positive) continue;
      if (found !== undefined) return undefined;
      found = e;
    }
    return found;
  }

  negatives(inc: Inc): string {
    const c = inc.cause;
    return [...inc.terms].filter(([, t]) => !t.positive).map(([k, t]) =>
      c.kind === "dependency" && c.dependee === k ? this.dependee(c) : this.terse(k, t)
    ).join(" or ");
  }

  /** pub `andToString`. */
  and(a: Inc, b: Inc, aLine?: number, bLine?: number): string {
    return this.requiresBoth(a, b, aLine, bLine) ?? this.requiresThrough(a, b, aLine, bLine) ??
      this.requiresForbidden(a, b, aLine, bLine) ??
      `${this.str(a)}${aLine !== undefined ? ` (${aLine})` : ""} and ${this.str(b)}${
        bLine !== undefined ? ` (${bLine})` : ""
      }`;
  }

  requiresBoth(a: Inc, b: Inc, aLine?: number, bLine?: number) {
    if (a.terms.size === 1 || b.terms.size === 1) return undefined;
    const ap = this.single(a, true);
    const bp = this.single(b, true);
    if (ap === undefined || bp === undefined || ap[0] !== bp[0]) return undefined;
    const verb = a.cause.kind === "dependency" && b.cause.kind === "dependency"
      ? "depends on"
      : "requires";
    return `${this.terse(ap[0], ap[1], true)} ${verb} both ${this.negatives(a)}${
      aLine !== undefined ? ` (${aLine})` : ""
    } and ${this.negatives(b)}${bLine !== undefined ? ` (${bLine})` : ""}`;
  }

  requiresThrough(a: Inc, b: Inc, aLine?: number, bLine?: number) {
    if (a.terms.size === 1 || b.terms.size === 1) return undefined;
    const an = this.single(a, false), bn = this.single(b, false);
    if (an === undefined && bn === undefined) return undefined;
    const ap = this.single(a, true), bp = this.single(b, true);
    let prior: Inc, priorNeg: [string, AnyTerm], priorLine: number | undefined;
    let latter: Inc, latterLine: number | undefined;
    if (an && bp && an[0] === bp[0] && an[1].negate().subsetOf(bp[1])) {
      [prior, priorNeg, priorLine, latter, latterLine] = [a, an, aLine, b, bLine];
    } else if (bn && ap && bn[0] === ap[0] && bn[1].negate().subsetOf(ap[1])) {
      [prior, priorNeg, priorLine, latter, latterLine] = [b, bn, bLine, a, aLine];
    } else return undefined;
    const positives = [...prior.terms].filter(([, t]) => t.positive);
    let s = positives.length > 1
      ? `if ${positives.map(([k, t]) => this.terse(k, t)).join(" or ")} then `
      : `${this.terse(positives[0]![0], positives[0]![1], true)} ${this.verb(prior)} `;
    s += this.priorNegText(prior, priorNeg);
    if (priorLine !== undefined) s += ` (${priorLine})`;
    s += ` which ${this.verb(latter)} ${this.negatives(latter)}`;
    if (latterLine !== undefined) s += ` (${latterLine})`;
    return s;
  }

  priorNegText(prior: Inc, neg: [string, AnyTerm]): string {
    if (prior.cause.kind === "dependency" && prior.cause.dependee === neg[0]) {
      return this.dependee(prior.cause);
    }
    return this.terse(neg[0], neg[1]);
  }

  requiresForbidden(a: Inc, b: Inc, aLine?: number, bLine?: number) {
    if (a.terms.size !== 1 && b.terms.size !== 1) return undefined;
    const [prior, latter, priorLine, latterLine] = a.terms.size === 1
      ? [b, a, bLine, aLine]
      : [a, b, aLine, bLine];
    const neg = this.single(prior, false);
    if (neg === undefined) return undefined;
    const [lk, lt] = [...latter.terms][0]!;
    if (neg[0] !== lk || !neg[1].negate().subsetOf(lt)) return undefined;
    const positives = [...prior.terms].filter(([, t]) => t.positive);
    if (positives.length === 0) return undefined;
    let s = positives.length > 1
      ? `if ${positives.map(([k, t]) => this.terse(k, t)).join(" or ")} then `
      : `${this.terse(positives[0]![0], positives[0]![1], true)} ${this.verb(prior)} `;
    s += `${this.priorNegText(prior, neg)} `;
    if (priorLine !== undefined) s += `(${priorLine}) `;
    const c = latter.cause;
    if (c.kind === "noVersions") {
      s += c.missing
        ? "which doesn't exist"
        : `which doesn't match any versions${this.skipped(c.skipped)}`;
    } else if (c.kind === "unavailable") s += `which cannot be used: ${c.reason}`;
    else if (c.kind === "custom") s += `which cannot be used: ${this.str(latter)}`;
    else s += "which is forbidden";
    if (latterLine !== undefined) s += ` (${latterLine})`;
    return s;
  }
}

/**
 * A requirement as written, in cargo's display form (`1.2` → `^1.2`, `>= 1.0` → `>=1.0`): the
 * user's comparators and bounds, never a normalised range.
 */
function writtenRequirement(text: string): string {
  const r = tryParseRequirement(text);
  return r === undefined ? text.trim() : formatRequirement(r);
}

/** pub's `_Writer`. */
class Writer {
  readonly #derivations: ReadonlyMap<Inc, number>;
  readonly #lines: [string, number | undefined][] = [];
  readonly #lineNumbers = new Map<Inc, number>();

  constructor(
    readonly root: Inc,
    readonly w: Words,
    uses: ReadonlyMap<Inc, number>,
  ) {
    this.#derivations = uses;
  }

  write(): string {
    if (isDerived(this.root)) this.#visit(this.root, false);
    else this.#write(this.root, `Because ${this.w.str(this.root)}, version solving failed.`);
    let last = 0;
    for (const n of this.#lineNumbers.values()) last = Math.max(last, n);
    const padding = last === 0 ? 0 : `(${last}) `.length;
    const out: string[] = [];
    let lastWasEmpty = false;
    for (const [message, number] of this.#lines) {
      if (message === "") {
        if (!lastWasEmpty) out.push("");
        lastWasEmpty = true;
        continue;
      }
      lastWasEmpty = false;
      const prefix = number !== undefined ? `(${number})`.padEnd(padding) : " ".repeat(padding);
      out.push(prefix + message);
    }
    return out.join("\n");
  }

  #write(inc: Inc, message: string, numbered = false): void {
    if (numbered) {
      const number = this.#lineNumbers.size + 1;
      this.#lineNumbers.set(inc, number);
      this.#lines.push([message, number]);
    } else this.#lines.push([message, undefined]);
  }

  #visit(inc: Inc, conclusion: boolean): void {
    const w = this.w;
    const numbered = conclusion || this.#derivations.get(inc)! > 1;
    const conjunction = conclusion || inc === this.root ? "So," : "And";
    const incString = w.str(inc);
    const { conflict, other } = inc.cause as Derived;
    if (isDerived(conflict) && isDerived(other)) {
      const conflictLine = this.#lineNumbers.get(conflict);
      const otherLine = this.#lineNumbers.get(other);
      if (conflictLine !== undefined && otherLine !== undefined) {
        this.#write(
          inc,
          `Because ${w.and(conflict, other, conflictLine, otherLine)}, ${incString}.`,
          numbered,
        );
      } else if (conflictLine !== undefined || otherLine !== undefined) {
        const [withLine, withoutLine, line] = conflictLine !== undefined
          ? [conflict, other, conflictLine]
          : [other, conflict, otherLine!];
        this.#visit(withoutLine, false);
        this.#write(
          inc,
          `${conjunction} because ${w.str(withLine)} (${line}), ${incString}.`,
          numbered,
        );
      } else {
        const singleConflict = this.#isSingleLine(conflict);
        const singleOther = this.#isSingleLine(other);
        if (singleOther || singleConflict) {
          const first = singleOther ? conflict : other;
          const second = singleOther ? other : conflict;
          this.#visit(first, false);
          this.#visit(second, false);
          this.#write(inc, `Thus, ${incString}.`, numbered);
        } else {
          this.#visit(conflict, true);
          this.#lines.push(["", undefined]);
          this.#visit(other, false);
          this.#write(
            inc,
            `${conjunction} because ${w.str(conflict)} (${
              this.#lineNumbers.get(conflict)
            }), ${incString}.`,
            numbered,
          );
        }
      }
    } else if (isDerived(conflict) || isDerived(other)) {
      const derived = isDerived(conflict) ? conflict : other;
      const ext = isDerived(conflict) ? other : conflict;
      const derivedLine = this.#lineNumbers.get(derived);
      if (derivedLine !== undefined) {
        this.#write(
          inc,
          `Because ${w.and(ext, derived, undefined, derivedLine)}, ${incString}.`,
          numbered,
        );
      } else if (this.#isCollapsible(derived)) {
        const dc = derived.cause as Derived;
        const collapsedDerived = isDerived(dc.conflict) ? dc.conflict : dc.other;
        const collapsedExt = isDerived(dc.conflict) ? dc.other : dc.conflict;
        this.#visit(collapsedDerived, false);
        this.#write(
          inc,
          `${conjunction} because ${w.and(collapsedExt, ext)}, ${incString}.`,
          numbered,
        );
      } else {
        this.#visit(derived, false);
        this.#write(inc, `${conjunction} because ${w.str(ext)}, ${incString}.`, numbered);
      }
    } else {
      this.#write(inc, `Because ${w.and(conflict, other)}, ${incString}.`, numbered);
    }
  }

  #isSingleLine(inc: Inc): boolean {
    const c = inc.cause as Derived;
    return !isDerived(c.conflict) && !isDerived(c.other);
  }

  #isCollapsible(inc: Inc): boolean {
    if (this.#derivations.get(inc)! > 1) return false;
    const c = inc.cause as Derived;
    if (isDerived(c.conflict) && isDerived(c.other)) return false;
    if (!isDerived(c.conflict) && !isDerived(c.other)) return false;
    const complex = isDerived(c.conflict) ? c.conflict : c.other;
    return !this.#lineNumbers.has(complex);
  }
}

/**
 * The explanation of why `root` (a terminal incompatibility) holds, in pub's wording.
 *
 * @param root the terminal incompatibility
 * @param ctx what the solve knows about keys and versions
 * @param derivation its walk, when already made ({@link walkDerivation})
 * @returns the lines joined by "\n", no trailing newline
 */
export function explain<S extends AnyVersionSet>(
  root: Incompatibility<S>,
  ctx: ReportContext<S>,
  derivation: Derivation<S> = walkDerivation(root),
): string {
  return new Writer(
    root as Inc,
    new Words(ctx as ReportContext<AnyVersionSet>, derivation.externals as readonly Inc[]),
    derivation.uses as ReadonlyMap<Inc, number>,
  ).write();
}

/** One walk of a derivation graph: what the report's text and a failure's hints read. */
export interface Derivation<S extends AnyVersionSet = VersionSet> {
  /** The external (not derived) incompatibilities, each once, in depth-first order. */
  readonly externals: readonly Incompatibility<S>[];
  /**
   * How many times each incompatibility is reached from the root (pub `_Writer._derivations`:
   * one used more than once gets a line number).
   */
  readonly uses: ReadonlyMap<Incompatibility<S>, number>;
}

/**
 * Walks a derivation graph once, from the terminal incompatibility down to the external facts.
 *
 * @param root the terminal incompatibility
 * @returns its externals and the use count of every incompatibility
 */
export function walkDerivation<S extends AnyVersionSet>(root: Incompatibility<S>): Derivation<S> {
  const externals: Incompatibility<S>[] = [];
  const uses = new Map<Incompatibility<S>, number>();
  const stack = [root];
  while (stack.length > 0) {
    const inc = stack.pop()!;
    const n = uses.get(inc);
    if (n !== undefined) {
      uses.set(inc, n + 1);
      continue;
    }
    uses.set(inc, 1);
    if (inc.cause.kind === "derived") stack.push(inc.cause.other, inc.cause.conflict);
    else externals.push(inc);
  }
  return { externals, uses };
}

/**
 * The fix options any provider's failure gets: what to do about missing, yanked or excluded
 * versions and about packages that exclude each other. Hints about a project's manifest are the
 * caller's (`src/install/hints.ts` for `mochi.toml`).
 *
 * @param found the derivation's external incompatibilities ({@link walkDerivation})
 * @param ctx what the solve knows about keys and versions
 * @returns suggestions without duplicates
 */
export function genericHints<S extends AnyVersionSet>(
  found: readonly Incompatibility<S>[],
  ctx: ReportContext<S>,
): string[] {
  const w = new Words(ctx as ReportContext<AnyVersionSet>, found as readonly Inc[]);
  const other: string[] = [];
  for (const inc of found as readonly Inc[]) {
    const c = inc.cause;
    if (c.kind === "noVersions") {
      const [key, term] = [...inc.terms][0]!;
      const name = ctx.keyInfo(key).name;
      if (c.missing) {
        other.push(`${name} is not in the registry: check the name and the configured registry`);
      } else if (c.skipped.length > 0) {
        other.push(
          `${name} ${c.skipped.map((v) => w.version(v)).join(", ")} ${
            c.skipped.length > 1 ? "are" : "is"
          } yanked: keep the locked version or relax the requirement`,
        );
      } else {
        other.push(
          `no version of ${name} matches ${
            w.setText(key, term.set) ?? "*"
          }: relax the requirement or publish a matching version`,
        );
      }
    } else if (c.kind === "conflict") {
      const [[k1, t1], [k2, t2]] = [...inc.terms] as [[string, AnyTerm], [string, AnyTerm]];
      other.push(
        `${w.terse(k1, t1)} and ${w.terse(k2, t2)} ${c.reason}: require versions that do not ` +
          "both do so, or drop one of the dependencies that pull them in",
      );
    } else if (c.kind === "unavailable") {
      const [key, term] = [...inc.terms][0]!;
      other.push(`${w.terse(key, term)} cannot be used (${c.reason}): choose another version`);
    }
  }
  return [...new Set(other)];
}

/**
 * The words of a derivation, for callers that write hints about it (`terse` as the report
 * writes a package range, `dependee` as it writes a dependency).
 *
 * @param ctx what the solve knows about keys and versions
 * @param found the derivation's external incompatibilities (ranges equal to a requirement of
 *   theirs are written as that requirement)
 * @returns the report's formatter
 */
export function reportWords<S extends AnyVersionSet = VersionSet>(
  ctx: ReportContext<S>,
  found: readonly Incompatibility<S>[] = [],
): {
  terse(key: string, term: Term<S>, allowEvery?: boolean): string;
  dependee(c: Extract<IncompatibilityCause<S>, { kind: "dependency" }>): string;
} {
  return new Words(ctx as ReportContext<AnyVersionSet>, found as readonly Inc[]);
}
