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
