/**
 * The phrases of summary lines, and the two lines a no-op prints (`mochi install` with nothing to
 * do, `mochi lock --check` finding the lock fresh). No imports: the no-op fast path
 * (`src/cli/noop.ts`) prints these lines before the rest of the CLI loads, and the commands print
 * them through the same functions, so both paths print the same bytes.
 *
 * @module
 */

/**
 * `n word` or `n words`.
 *
 * @param n the count
 * @param word the singular
 * @returns the phrase
 */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * A duration for humans: `850 ms`, `1.25 s`.
 *
 * @param ms the duration in milliseconds
 * @returns the phrase
 */
export function seconds(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/**
 * ` and N Rust crates`, or nothing for none.
 *
 * @param n the number of crates
 * @returns the phrase
 */
export function andCrates(n: number): string {
  return n > 0 ? ` and ${plural(n, "Rust crate")}` : "";
}

/**
 * ` and N Go module(s)` for summary lines, or nothing when there are none.
 *
 * @param n the number of Go modules
 * @returns the phrase
 */
export function andGoModules(n: number): string {
  return n > 0 ? ` and ${plural(n, "Go module")}` : "";
}

/** What a no-op's line counts: the lock's entries of each kind. */
export interface LockCounts {
  /** Mochi packages in the lock. */
  packages: number;
  /** `[[rust-package]]` entries. */
  crates: number;
  /** `[[go-package]]` entries. */
  goModules: number;
}

/**
 * The line of a `mochi install` that found nothing to do.
 *
 * @param c the lock's counts
 * @param elapsedMs how long the command took
 * @returns the line
 */
export function installUpToDateLine(c: LockCounts, elapsedMs: number): string {
  return `Up to date: ${c.packages} packages${andCrates(c.crates)}${
    andGoModules(c.goModules)
  } locked in mochi.lock, all in the store (nothing resolved, nothing fetched) in ${
    seconds(elapsedMs)
  }`;
}

/**
 * The line of a `mochi lock --check` (or a `mochi lock` that wrote nothing) whose lock is fresh.
 *
 * @param c the lock's counts
 * @returns the line
 */
export function lockUpToDateLine(c: LockCounts): string {
  return `mochi.lock is up to date (${c.packages} packages${
    andCrates(c.crates) + andGoModules(c.goModules)
  })`;
}
