/**
 * Lock merge repair: a `mochi.lock` with git conflict markers is read as its two sides, their
 * entries are taken together as the preferences of a new resolution, and what the resolution
 * chose is described per package (pnpm's and deno's merge of a conflicted lockfile: both sides
 * taken, re-resolved against the manifest, the versions both sides agree on kept; cargo instead
 * asks for the file to be regenerated).
 *
 * Pure: text in, values out.
 *
 * @module
 */
import { compareVersions, tryParseVersion } from "../semver/mod.ts";
import { compareText } from "./format.ts";
import { parseLockfile } from "./parse.ts";
import type { LockedCrate, Lockfile } from "./types.ts";

const MARKER = /^(<{7}|\|{7}|={7}|>{7})(?:[ \r]|$)/;

/**
 * The sides of a git merge conflict in a lockfile, each as a whole file: "ours" (the lines
 * outside conflicts plus the first side of each) and "theirs" (plus the second side); the
 * merge base of a diff3-style conflict (`|||||||`) is dropped.
 *
 * @param text lockfile text with `<<<<<<<` / `|||||||` / `=======` / `>>>>>>>` lines
 * @returns both sides, ours first
 *
 * @example
 * ```ts
 * import { conflictSides } from "@mochi/pkg/lockfile";
 * import { deepEqual as assertEquals } from "node:assert/strict";
 * const text = "a\n<<<<<<< HEAD\nb\n=======\nc\n>>>>>>> topic\nd\n";
 * assertEquals(conflictSides(text), ["a\nb\nd\n", "a\nc\nd\n"]);
 * ```
 */
export function conflictSides(text: string): [string, string] {
  const ours: string[] = [];
  const theirs: string[] = [];
  let state: "both" | "ours" | "base" | "theirs" = "both";
  for (const line of text.split("\n")) {
    const m = MARKER.exec(line);
    if (m !== null) {
      const c = m[1]![0];
      state = c === "<" ? "ours" : c === "|" ? "base" : c === "=" ? "theirs" : "both";
      continue;
    }
    if (state === "both" || state === "ours") ours.push(line);
    if (state === "both" || state === "theirs") theirs.push(line);
  }
  return [ours.join("\n"), theirs.join("\n")];
}

/** The two sides of a conflicted lock, each parsed when it parses. */
export interface ConflictedLock {
  /** The first side (the branch merged into), or undefined when it does not parse. */
  ours: Lockfile | undefined;
  /** The second side (the branch merged in), or undefined when it does not parse. */
  theirs: Lockfile | undefined;
  /**
   * Every entry of both sides (one entry per identity, ours first): the preferences of the
   * re-resolution. Undefined when neither side parses.
   */
  merged: Lockfile | undefined;
}

/**
 * Reads both sides of a lock with git conflict markers ({@link conflictSides}) and takes their
 * entries together ({@link mergeLockSides}).
 *
 * @param text the conflicted lock's text
 * @param file the path named in errors
 * @returns each side (undefined when it does not parse) and their union
 */
export function readConflictedLock(text: string, file = "mochi.lock"): ConflictedLock {
  const [a, b] = conflictSides(text);
  const parse = (side: string): Lockfile | undefined => {
    try {
      return parseLockfile(side, file);
    } catch {
      return undefined;
    }
  };
  const ours = parse(a);
  const theirs = parse(b);
  const merged = ours && theirs ? mergeLockSides(ours, theirs) : ours ?? theirs;
  return { ours, theirs, merged };
}

/**
 * Both sides' entries in one lock (no duplicate identity; ours first): `[[package]]` by name,
 * version and source, `[[rust-package]]` by name and version, `[[go-package]]` by module and
 * version, `[[python-package]]` by name and version, `[[python-wheel]]` by file name;
 * `[capabilities-seen]` the union per package. The result is not a consistent lock (a name may
 * appear at two versions); it is the set of versions a re-resolution prefers.
 *
 * @param ours the first side
 * @param theirs the second side
 * @returns a new lock holding both sides' entries, with `ours`' manifest hash
 *
 * @example
 * ```ts
 * import { mergeLockSides, type Lockfile } from "@mochi/pkg/lockfile";
 * import { deepEqual as assertEquals } from "node:assert/strict";
 * const pkg = (name: string, version: string) => ({
 *   name, version, source: "registry+file:///r/", capabilities: [], dependencies: [],
 * });
 * const side = (...packages: ReturnType<typeof pkg>[]): Lockfile => ({
 *   version: 1, manifestHash: "blake3-256:" + "0".repeat(64), packages,
 *   capabilitiesSeen: new Map(),
 * });
 * const merged = mergeLockSides(side(pkg("a", "1.0.0"), pkg("b", "1.0.0")), side(pkg("a", "1.0.0"), pkg("c", "2.0.0")));
 * assertEquals(merged.packages.map((p) => `${p.name} ${p.version}`), ["a 1.0.0", "b 1.0.0", "c 2.0.0"]);
 * ```
 */
export function mergeLockSides(ours: Lockfile, theirs: Lockfile): Lockfile {
  const union = <T>(
    a: readonly T[] | undefined,
    b: readonly T[] | undefined,
    key: (x: T) => string,
  ): T[] => {
    const seen = new Map<string, T>();
    for (const x of [...(a ?? []), ...(b ?? [])]) if (!seen.has(key(x))) seen.set(key(x), x);
    return [...seen.values()];
  };
  const seen = new Map<string, string[]>();
  for (const side of [ours, theirs]) {
    for (const [name, caps] of side.capabilitiesSeen) {
      seen.set(name, [...new Set([...(seen.get(name) ?? []), ...caps])].sort(compareText));
    }
  }
  const out: Lockfile = {
    version: 1,
    manifestHash: ours.manifestHash,
    packages: union(ours.packages, theirs.packages, (p) => `${p.name} ${p.version} ${p.source}`),
    capabilitiesSeen: seen,
  };
  const crates = union(ours.rustPackages, theirs.rustPackages, (c) => `${c.name} ${c.version}`);
  if (crates.length > 0) out.rustPackages = crates;
  const go = union(ours.goPackages, theirs.goPackages, (g) => `${g.module} ${g.version}`);
  if (go.length > 0) out.goPackages = go;
  const py = union(ours.pythonPackages, theirs.pythonPackages, (p) => `${p.name} ${p.version}`);
  if (py.length > 0) out.pythonPackages = py;
  const wheels = union(ours.pythonWheels, theirs.pythonWheels, (w) => w.filename);
  if (wheels.length > 0) out.pythonWheels = wheels;
  return out;
}

/**
 * What a repair chose for each package the sides or the new lock name, one line each, sorted by
 * kind then name (a version both sides agree on and the new lock keeps is only counted):
 * `chose <name> <version> (ours <a>, theirs <b>)` (the sides disagreed),
 * `kept <name> <version> (only ours|theirs)` (one side added it),
 * `moved <name> <old> → <new>` (both agreed, but the manifest needs another version),
 * `added <name> <version>` (in neither side), `dropped <name> <versions>` (the manifest no
 * longer needs it). Mochi packages are named bare; crates as `crate <name>`.
 *
 * @param ours the first side, or undefined when it did not parse
 * @param theirs the second side, or undefined when it did not parse
 * @param next the lock the re-resolution gives
 * @returns the lines, and how many versions both sides agreed on and the new lock kept
 *
 * @example
 * ```ts
 * import { describeLockMerge, type Lockfile } from "@mochi/pkg/lockfile";
 * import { deepEqual as assertEquals } from "node:assert/strict";
 * const pkg = (name: string, version: string) => ({
 *   name, version, source: "registry+file:///r/", capabilities: [], dependencies: [],
 * });
 * const side = (...packages: ReturnType<typeof pkg>[]): Lockfile => ({
 *   version: 1, manifestHash: "blake3-256:" + "0".repeat(64), packages,
 *   capabilitiesSeen: new Map(),
 * });
 * const r = describeLockMerge(
 *   side(pkg("a", "1.0.0"), pkg("b", "1.0.0")),
 *   side(pkg("a", "1.0.0"), pkg("c", "2.0.0")),
 *   side(pkg("a", "1.0.0"), pkg("b", "1.0.0"), pkg("c", "2.0.0")),
 * );
 * assertEquals(r.lines, ["kept b 1.0.0 (only ours)", "kept c 2.0.0 (only theirs)"]);
 * assertEquals(r.agreed, 1);
 * ```
 */
export function describeLockMerge(
  ours: Lockfile | undefined,
  theirs: Lockfile | undefined,
  next: Lockfile,
): { lines: string[]; agreed: number } {
  const lines: string[] = [];
  let agreed = 0;
  const kinds: [string, (l: Lockfile | undefined) => { name: string; version: string }[]][] = [
    ["", (l) => l?.packages ?? []],
    ["crate ", (l) => (l?.rustPackages ?? []) as LockedCrate[]],
    ["go ", (l) => (l?.goPackages ?? []).map((g) => ({ name: g.module, version: g.version }))],
    [
      "python ",
      (l) => (l?.pythonPackages ?? []).map((p) => ({ name: p.name, version: p.version ?? "" })),
    ],
  ];
  for (const [prefix, entries] of kinds) {
    const versionsOf = (l: Lockfile | undefined) => {
      const m = new Map<string, string[]>();
      for (const e of entries(l)) m.set(e.name, [...(m.get(e.name) ?? []), e.version]);
      for (const list of m.values()) list.sort(byVersion);
      return m;
    };
    const a = versionsOf(ours);
    const b = versionsOf(theirs);
    const n = versionsOf(next);
    const names = [...new Set([...a.keys(), ...b.keys(), ...n.keys()])].sort(compareText);
    for (const name of names) {
      const va = a.get(name)?.join(", ");
      const vb = b.get(name)?.join(", ");
      const vn = n.get(name)?.join(", ");
      const label = `${prefix}${name}`;
      if (vn === undefined) lines.push(`dropped ${label} ${va ?? vb}`);
      else if (va === undefined && vb === undefined) lines.push(`added ${label} ${vn}`);
      else if (va === vb) {
        if (vn === va) agreed++;
        else lines.push(`moved ${label} ${va} → ${vn}`);
      } else if (va === undefined || vb === undefined) {
        const side = va === undefined ? "theirs" : "ours";
        const had = va ?? vb;
        lines.push(
          had === vn ? `kept ${label} ${vn} (only ${side})` : `moved ${label} ${had} → ${vn}`,
        );
      } else lines.push(`chose ${label} ${vn} (ours ${va}, theirs ${vb})`);
    }
  }
  return { lines, agreed };
}

function byVersion(x: string, y: string): number {
  const a = tryParseVersion(x);
  const b = tryParseVersion(y);
  return a && b ? compareVersions(a, b) : compareText(x, y);
}
