/**
 * Package-name normalisation and collision checks: the typosquatting guard
 * (PyPI's PEP 503 name normalisation; npm's and crates.io's typosquatting rules).
 *
 * {@link normalizePackageName}: NFKC, lowercase, `_` → `-`, then a confusable skeleton (UTS #39
 * style, for the letters that look Latin in Cyrillic and Greek: `lodаsh` with a Cyrillic `а` is
 * `lodash`). `0`/`o` and `1`/`l` are left to the edit-distance check.
 *
 * {@link checkNameCollision} finds, for a candidate name:
 * - **normalised**: another existing or popular name with the same normalised form
 *   (`Serde_Json` vs `serde-json`) — the registry refuses a publish like that (as crates.io does);
 * - **typo**: a popular name one edit away (Damerau–Levenshtein: omission, repetition,
 *   substitution, transposition, as typogard and crates.io's typomania), for popular names of
 *   four or more characters;
 * - **affix**: a popular name with a decoy prefix or suffix (`lodash-js`, `rs-serde`), as
 *   crates.io's `-rs`/`-sys` checks.
 *
 * Pure: no I/O. `mochi add` warns with these; the registry's publish path refuses with
 * {@link assertNoNameCollision}.
 *
 * @module
 */
import { MochiError } from "../errors.ts";

/** Cyrillic and Greek letters whose glyphs match Latin ones (UTS #39 confusables, subset). */
const CONFUSABLES: Readonly<Record<string, string>> = {
  "а": "a",
  "в": "b",
  "е": "e",
  "ё": "e",
  "һ": "h",
  "і": "i",
  "ї": "i",
  "ј": "j",
  "к": "k",
  "м": "m",
  "н": "h",
  "о": "o",
  "р": "p",
  "с": "c",
  "ѕ": "s",
  "т": "t",
  "у": "y",
  "х": "x",
  "ԁ": "d",
  "ԛ": "q",
  "ԝ": "w",
  "ɡ": "g",
  "ɩ": "i",
  "α": "a",
  "β": "b",
  "ε": "e",
  "η": "n",
  "ι": "i",
  "κ": "k",
  "ν": "v",
  "ο": "o",
  "ρ": "p",
  "τ": "t",
  "υ": "u",
  "χ": "x",
  "ω": "w",
  "ı": "i",
  "‐": "-",
  "‑": "-",
  "‒": "-",
  "–": "-",
  "—": "-",
  "−": "-",
};

/** Decoy affixes a squatter adds to a popular name. */
const AFFIXES = ["-js", "-rs", "-ts", "-lib", "-mochi", "-pkg", "-dev", "-sdk"];

/**
 * The normalised form of a package name: NFKC, lowercase, `_` and `.` → `-`, confusable
 * letters replaced by their Latin look-alikes.
 *
 * @param name any name, valid or not
 * @returns the normalised form (two names collide when these are equal)
 *
 * @example
 * ```ts
 * import { normalizePackageName } from "@mochi/pkg/manifest";
 * import assert from "node:assert/strict";
 *
 * assert.equal(normalizePackageName("Lo_Dash"), "lo-dash");
 * assert.equal(normalizePackageName("lod\u0430sh"), "lodash"); // Cyrillic а
 * ```
 */
export function normalizePackageName(name: string): string {
  let out = "";
  for (const ch of name.normalize("NFKC").toLowerCase()) {
    out += ch === "_" || ch === "." ? "-" : (CONFUSABLES[ch] ?? ch);
  }
  return out;
}

/**
 * Damerau–Levenshtein distance (optimal string alignment): insert, delete, substitute and swap
 * two adjacent characters each cost 1.
 *
 * @param a first string
 * @param b second string
 * @returns the edit distance, counted in UTF-16 code units
 */
export function typoDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev2: number[] = [];
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, prev2[j - 2]! + 1);
      }
      cur[j] = d;
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[n]!;
}

/** One near-collision of a candidate name with a known one. */
export interface NameCollision {
  /** `normalised`: same normalised form · `typo`: one edit away · `affix`: decoy prefix/suffix. */
  readonly kind: "normalised" | "typo" | "affix";
  /** The existing or popular name it collides with. */
  readonly name: string;
  /** One line saying how, e.g. `"lodahs" is one edit away from the popular "lodash"`. */
  readonly message: string;
}

/**
 * Finds the names a candidate could be confused with.
 *
 * A name that is itself among `existing` or `popular` (exactly) is not compared with itself;
 * a popular candidate gets no typo or affix findings (it is the original).
 *
 * @param candidate the name being added or published
 * @param existing every name the registry already has (checked for normalised equality)
 * @param popular the registry's popular names (checked for normalised equality, one edit and
 *   decoy affixes)
 * @returns findings, sorted by kind then name; empty when the name is clear
 *
 * @example
 * ```ts
 * import { checkNameCollision } from "@mochi/pkg/manifest";
 * import assert from "node:assert/strict";
 *
 * const found = checkNameCollision("lodahs", [], ["lodash"]);
 * assert.equal(found[0]?.kind, "typo");
 * assert.equal(found[0]?.name, "lodash");
 * assert.equal(checkNameCollision("serde_json", [], ["serde"]).length, 0);
 * ```
 */
export function checkNameCollision(
  candidate: string,
  existing: Iterable<string>,
  popular: Iterable<string> = [],
): NameCollision[] {
  const norm = normalizePackageName(candidate);
  const popularList = [...popular];
  const found = new Map<string, NameCollision>();
  const add = (c: NameCollision) => {
    const key = `${c.kind}\u0000${c.name}`;
    if (!found.has(key)) found.set(key, c);
  };
  for (const name of [...existing, ...popularList]) {
    if (name === candidate) continue;
    if (normalizePackageName(name) === norm) {
      add({
        kind: "normalised",
        name,
        message: `"${candidate}" is the same name as "${name}" after normalisation ` +
          `(case, "_"/"-", look-alike letters)`,
      });
    }
  }
  if (!popularList.includes(candidate)) {
    for (const name of popularList) {
      const p = normalizePackageName(name);
      if (p === norm) continue;
      if (p.length >= 4 && Math.abs(p.length - norm.length) <= 1 && typoDistance(p, norm) === 1) {
        add({
          kind: "typo",
          name,
          message: `"${candidate}" is one edit away from the popular package "${name}"`,
        });
      }
      if (p.length >= 3) {
        for (const affix of AFFIXES) {
          const prefix = affix.slice(1) + "-";
          if (norm === p + affix || norm === prefix + p) {
            add({
              kind: "affix",
              name,
              message: `"${candidate}" is the popular package "${name}" with "${
                norm === p + affix ? affix : prefix
              }" added`,
            });
          }
        }
      }
    }
  }
  const order = { normalised: 0, typo: 1, affix: 2 };
  return [...found.values()].sort((a, b) =>
    order[a.kind] - order[b.kind] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  );
}

/**
 * The publish-side guard: throws when {@link checkNameCollision} finds anything.
 *
 * @param candidate the name being published
 * @param existing every name the registry already has
 * @param popular the registry's popular names
 * @returns nothing when the name is clear
 * @throws {MochiError} `NAME_E001` naming every collision, with a hint
 */
export function assertNoNameCollision(
  candidate: string,
  existing: Iterable<string>,
  popular: Iterable<string> = [],
): void {
  const found = checkNameCollision(candidate, existing, popular);
  if (found.length === 0) return;
  throw new MochiError(
    "NAME_E001",
    `the name "${candidate}" collides with ${found.map((c) => `"${c.name}"`).join(", ")}: ${
      found.map((c) => c.message).join("; ")
    }`,
    {
      hint: 'pick a clearly different name; names that differ only in case, "_"/"-", ' +
        "look-alike letters, one typo or a decoy affix are refused",
    },
  );
}
