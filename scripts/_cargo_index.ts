/**
 * Shared by the scripts that read cargo sparse index directories.
 *
 * @module
 */

/**
 * Cargo's index path for a crate name (`1/a`, `2/ab`, `3/a/abc`, `se/rd/serde`).
 *
 * @param name crate name
 * @returns relative path inside a cargo index
 */
export function cargoIndexPath(name: string): string {
  const n = name.toLowerCase();
  if (n.length === 1) return `1/${n}`;
  if (n.length === 2) return `2/${n}`;
  if (n.length === 3) return `3/${n[0]}/${n}`;
  return `${n.slice(0, 2)}/${n.slice(2, 4)}/${n}`;
}

/** One entry of a cargo index line's `deps` array (the fields mochi reads). */
export interface CargoDep {
  /** Dependency name as the crate refers to it (may be a rename). */
  name: string;
  /** Cargo requirement string. */
  req: string;
  /** Whether only a feature activates it. */
  optional: boolean;
  /** `"normal"` (or null), `"build"` or `"dev"`. */
  kind?: string | null;
  /** The real crate name when `name` is a rename. */
  package?: string;
}
