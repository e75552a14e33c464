/**
 * Platforms and `cfg(…)` expressions (three OS classes × two architecture classes;
 * cargo's `[target.'cfg(…)'.dependencies]` grammar, the cargo book "Platform specific
 * dependencies"): a `cfg` parses to the set of platforms it holds on, and a set of platforms
 * formats back to one canonical `cfg` text, the marker a universal lock writes on an entry that
 * only some platforms need (uv's universal resolution writes PEP 508 markers the same way).
 *
 * Pure computation.
 *
 * @module
 */
import { closestName } from "../edit_distance.ts";

/** The operating-system classes. */
export const PLATFORM_OSES = ["linux", "macos", "windows"] as const;
/** The architecture classes. */
export const PLATFORM_ARCHES = ["x86_64", "aarch64"] as const;

/** One platform class, `<os>-<arch>`. */
export type Platform = `${typeof PLATFORM_OSES[number]}-${typeof PLATFORM_ARCHES[number]}`;

/** Every platform, in canonical order (os, then arch). */
export const PLATFORMS: readonly Platform[] = PLATFORM_OSES.flatMap((os) =>
  PLATFORM_ARCHES.map((arch) => `${os}-${arch}` as Platform)
);

/** Other names of the classes, for the did-you-mean (Rust's and Go's spellings). */
const ALIASES: Record<string, string> = {
  darwin: "macos",
  osx: "macos",
  arm64: "aarch64",
  amd64: "x86_64",
  win32: "windows",
};

const KEYS: Record<string, "os" | "arch"> = {
  os: "os",
  target_os: "os",
  arch: "arch",
  target_arch: "arch",
};

/**
 * The platforms a `cfg(…)` expression holds on. Grammar: `cfg(<pred>)`, `<pred>` one of
 * `os = "linux|macos|windows"`, `arch = "x86_64|aarch64"` (cargo's `target_os`/`target_arch`
 * spellings too), `all(<pred>, …)`, `any(<pred>, …)`, `not(<pred>)`.
 *
 * @param text the expression as written (the key of a `[target.'…']` table)
 * @returns the platforms, sorted canonically, or `{ error }` naming what is wrong and, for a
 *   misspelt key or value, the closest valid one
 *
 * @example
 * ```ts
 * import { parseCfg } from "@mochi/pkg/manifest";
 * import { deepEqual as assertEquals } from "node:assert/strict";
 * assertEquals(parseCfg('cfg(os = "linux")'), { platforms: ["linux-x86_64", "linux-aarch64"] });
 * assertEquals(parseCfg('cfg(all(not(os = "windows"), arch = "aarch64"))'), {
 *   platforms: ["linux-aarch64", "macos-aarch64"],
 * });
 * ```
 */
export function parseCfg(text: string): { platforms: Platform[] } | { error: string } {
  let i = 0;
  const s = text;
  const ws = () => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  const ident = (): string => {
    ws();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i));
    if (m === null) throw new Error(`expected a name at column ${i + 1}`);
    i += m[0].length;
    return m[0];
  };
  const expect = (ch: string) => {
    ws();
    if (s[i] !== ch) throw new Error(`expected "${ch}" at column ${i + 1}`);
    i++;
  };
  const pred = (depth: number): Set<Platform> => {
    if (depth > 32) throw new Error("nested more than 32 levels");
    const name = ident();
    ws();
    if (name === "all" || name === "any" || name === "not") {
      expect("(");
      const parts: Set<Platform>[] = [];
      ws();
      while (s[i] !== ")") {
        parts.push(pred(depth + 1));
        ws();
        if (s[i] === ",") i++;
        else if (s[i] !== ")") throw new Error(`expected "," or ")" at column ${i + 1}`);
        ws();
      }
      i++;
      if (name === "not") {
        if (parts.length !== 1) throw new Error("not(…) takes exactly one predicate");
        return new Set(PLATFORMS.filter((p) => !parts[0]!.has(p)));
      }
      if (name === "all") {
        return new Set(PLATFORMS.filter((p) => parts.every((set) => set.has(p))));
      }
      return new Set(PLATFORMS.filter((p) => parts.some((set) => set.has(p))));
    }
    const key = KEYS[name];
    if (key === undefined) {
      throw new Error(
        `unknown cfg key "${name}"; did you mean "${
          closestName(name, ["os", "arch", "all", "any", "not"])
        }"? ` +
          "(keys: os, arch; combinators: all, any, not)",
      );
    }
    expect("=");
    ws();
    const m = /^"([^"\\]*)"/.exec(s.slice(i));
    if (m === null) throw new Error(`expected a "quoted" value at column ${i + 1}`);
    i += m[0].length;
    const value = m[1]!;
    const known: readonly string[] = key === "os" ? PLATFORM_OSES : PLATFORM_ARCHES;
    if (!known.includes(value)) {
      const near = ALIASES[value.toLowerCase()] ?? closestName(value.toLowerCase(), known);
      throw new Error(
        `unknown ${key} "${value}"; did you mean "${near}"? (${key} is one of ${known.join(", ")})`,
      );
    }
    return new Set(PLATFORMS.filter((p) => p.split("-")[key === "os" ? 0 : 1] === value));
  };
  try {
    if (text.length > 1024) throw new Error("longer than 1024 characters");
    ws();
    if (ident() !== "cfg") throw new Error('a platform table key starts with "cfg("');
    expect("(");
    const set = pred(0);
    expect(")");
    ws();
    if (i !== s.length) throw new Error(`unexpected text at column ${i + 1}`);
    return { platforms: PLATFORMS.filter((p) => set.has(p)) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/**
 * The canonical marker of a set of platforms: undefined for every platform (no marker), else
 * `cfg(…)` naming, per OS in canonical order, `os = "x"` (both architectures) or
 * `all(os = "x", arch = "y")`, joined with `any(…)`; a set that is one architecture on every OS
 * is `cfg(arch = "y")`. The same set always gives the same text, and {@link parseCfg} reads it
 * back to the same set.
 *
 * @param platforms any platforms (duplicates and order do not matter)
 * @returns the marker, or undefined when the set holds every platform
 * @throws {Error} on an empty set (an entry no platform needs is not locked)
 *
 * @example
 * ```ts
 * import { formatMarker } from "@mochi/pkg/manifest";
 * import { equal as assertEquals } from "node:assert/strict";
 * assertEquals(formatMarker(["linux-aarch64", "linux-x86_64"]), 'cfg(os = "linux")');
 * assertEquals(
 *   formatMarker(["macos-aarch64", "windows-x86_64", "windows-aarch64"]),
 *   'cfg(any(all(os = "macos", arch = "aarch64"), os = "windows"))',
 * );
 * ```
 */
export function formatMarker(platforms: Iterable<Platform>): string | undefined {
  const set = new Set(platforms);
  if (set.size === 0) throw new Error("a marker needs at least one platform");
  if (PLATFORMS.every((p) => set.has(p))) return undefined;
  for (const arch of PLATFORM_ARCHES) {
    if (
      set.size === PLATFORM_OSES.length && PLATFORM_OSES.every((os) => set.has(`${os}-${arch}`))
    ) {
      return `cfg(arch = "${arch}")`;
    }
  }
  const terms: string[] = [];
  for (const os of PLATFORM_OSES) {
    const archs = PLATFORM_ARCHES.filter((a) => set.has(`${os}-${a}`));
    if (archs.length === PLATFORM_ARCHES.length) terms.push(`os = "${os}"`);
    else for (const a of archs) terms.push(`all(os = "${os}", arch = "${a}")`);
  }
  return terms.length === 1 ? `cfg(${terms[0]})` : `cfg(any(${terms.join(", ")}))`;
}

/**
 * The platform class of an OS and CPU as the runtime names them (the build os and arch).
 *
 * @param os `"linux"`, `"darwin"`, `"windows"`, …
 * @param arch `"x86_64"` or `"aarch64"`
 * @returns the platform, or undefined for one outside the six classes
 *
 * @example
 * ```ts
 * import { platformOf } from "@mochi/pkg/manifest";
 * import { equal as assertEquals } from "node:assert/strict";
 * assertEquals(platformOf("darwin", "aarch64"), "macos-aarch64");
 * ```
 */
export function platformOf(os: string, arch: string): Platform | undefined {
  const o = os === "darwin" ? "macos" : os;
  const p = `${o}-${arch}`;
  return (PLATFORMS as readonly string[]).includes(p) ? (p as Platform) : undefined;
}
