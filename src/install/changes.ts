/**
 * What a command changed in `mochi.lock`, one entry per package name, the way uv prints it after
 * `uv add`/`uv sync`: `+ name version` (added), `- name version` (removed),
 * `~ name old → new` (moved to another version). The CLI prints these lines, then its summary.
 *
 * @module
 */
import type { Lockfile } from "../lockfile/mod.ts";
import { compareVersions, parseVersion } from "../semver/mod.ts";

/** One change between two lockfiles. */
export interface LockChange {
  /** `added`: a new name or version; `removed`: gone; `changed`: the name moved versions. */
  kind: "added" | "removed" | "changed";
  /** `package` for a `[[package]]` entry, `crate` for a `[[rust-package]]` entry. */
  source: "package" | "crate";
  /** Package or crate name. */
  name: string;
  /** Version before (absent for `added`). */
  from?: string;
  /** Version after (absent for `removed`). */
  to?: string;
}

function versionsByName(
  entries: readonly { name: string; version: string }[],
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const e of entries) {
    const list = out.get(e.name) ?? [];
    list.push(e.version);
    out.set(e.name, list);
  }
  return out;
}

function bySemver(a: string, b: string): number {
  return compareVersions(parseVersion(a), parseVersion(b));
}

function diffEntries(
  source: LockChange["source"],
  before: readonly { name: string; version: string }[],
  after: readonly { name: string; version: string }[],
): LockChange[] {
  const old = versionsByName(before);
  const now = versionsByName(after);
  const names = [...new Set([...old.keys(), ...now.keys()])].sort();
  const out: LockChange[] = [];
  for (const name of names) {
    const was = (old.get(name) ?? []).filter((v) => !(now.get(name) ?? []).includes(v));
    const is = (now.get(name) ?? []).filter((v) => !(old.get(name) ?? []).includes(v));
    was.sort(bySemver);
    is.sort(bySemver);
    // Pair the versions that went with those that came, lowest first: one name at one version
    // moving to another is a change, not a removal and an addition.
    const pairs = Math.min(was.length, is.length);
    for (let i = 0; i < pairs; i++) {
      out.push({ kind: "changed", source, name, from: was[i]!, to: is[i]! });
    }
    for (const v of was.slice(pairs)) out.push({ kind: "removed", source, name, from: v });
    for (const v of is.slice(pairs)) out.push({ kind: "added", source, name, to: v });
  }
  return out;
}

/**
 * The version changes between two lockfiles: packages first, then Rust crates, each sorted by
 * name. A name whose version moved is one `changed` entry (uv's `~ name old → new`); entries
 * whose version stayed are not listed (digest or dependency drift is `diffLocks`'s business).
 *
 * @param before the lockfile on disk (undefined when there was none)
 * @param after the lockfile written (or that would be written)
 * @returns the changes, packages then crates, by name
 *
 * @example
 * ```ts
 * import { lockChanges } from "./changes.ts";
 * const lock = (versions: string[]) => ({
 *   version: 1 as const,
 *   manifestHash: "",
 *   capabilitiesSeen: new Map(),
 *   packages: versions.map((v) => {
 *     const [name = "", version = ""] = v.split(" ");
 *     return { name, version, source: "", capabilities: [], dependencies: [] };
 *   }),
 * });
 * const c = lockChanges(lock(["a 1.0.0", "b 1.0.0"]), lock(["a 1.1.0", "c 2.0.0"]));
 * if (c.map((x) => `${x.kind} ${x.name}`).join() !== "changed a,removed b,added c") {
 *   throw new Error("unexpected changes");
 * }
 * ```
 */
export function lockChanges(before: Lockfile | undefined, after: Lockfile): LockChange[] {
  return [
    ...diffEntries("package", before?.packages ?? [], after.packages),
    ...diffEntries("crate", before?.rustPackages ?? [], after.rustPackages ?? []),
  ];
}

/**
 * The uv-style line of one change: `+ name version`, `- name version`, `~ name old → new`
 * (crates as `+ crate name version`).
 *
 * @param c the change
 * @returns one line, without a trailing newline
 */
export function formatLockChange(c: LockChange): string {
  const name = c.source === "crate" ? `crate ${c.name}` : c.name;
  if (c.kind === "added") return `+ ${name} ${c.to}`;
  if (c.kind === "removed") return `- ${name} ${c.from}`;
  return `~ ${name} ${c.from} → ${c.to}`;
}
