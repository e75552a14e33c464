/**
 * Edit distance and "did you mean" suggestions, shared by the manifest and the capability model.
 *
 * @module
 */

/**
 * Levenshtein edit distance (insert, delete, substitute each cost 1).
 *
 * @param a first string
 * @param b second string
 * @returns the number of single-character edits turning `a` into `b`
 */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(
        prev[j]! + 1,
        cur[j - 1]! + 1,
        prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The candidate nearest to `word` by {@link editDistance}; ties go to the earlier candidate.
 *
 * @param word the misspelt word
 * @param candidates non-empty list of valid words
 * @returns one of `candidates`
 */
export function closestName(word: string, candidates: readonly string[]): string {
  let best = candidates[0]!;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}
