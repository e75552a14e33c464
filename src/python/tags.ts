/**
 * Wheel file names and platform compatibility tags: which wheel files a target environment can
 * install, and which one it prefers.
 *
 * Follows the binary distribution format spec (PEP 427 file names, PEP 425 compressed tag sets),
 * `packaging.utils.parse_wheel_filename` and the tag order of `packaging.tags.sys_tags` for
 * CPython (`cpython_tags` then `compatible_tags`), which pip and uv both use to rank wheels.
 *
 * @module
 */
import { isValidPythonName, normalizePythonName } from "./names.ts";

/** A wheel file name taken apart (`name-version(-build)?-python-abi-platform.whl`). */
export interface WheelFilename {
  /** The project name, PEP 503 normalised. */
  readonly name: string;
  /** The version text as written in the file name. */
  readonly version: string;
  /** The build tag, when present (starts with a digit). */
  readonly build?: string;
  /** Every tag the compressed tag set expands to, `python-abi-platform`. */
  readonly tags: readonly string[];
}

/**
 * Takes a wheel file name apart, or returns undefined when it is not one (an sdist, a malformed
 * name): five or six `-`-separated parts, a valid project name, a build tag starting with a digit.
 *
 * @param filename the file name, e.g. `numpy-2.1.0-cp312-cp312-manylinux_2_17_x86_64.whl`
 * @returns the parts, or undefined
 *
 * @example
 * ```ts
 * import { parseWheelFilename } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * const w = parseWheelFilename("idna-3.7-py3-none-any.whl");
 * assert.deepEqual(w?.tags, ["py3-none-any"]);
 * assert.equal(parseWheelFilename("idna-3.7.tar.gz"), undefined);
 * ```
 */
export function parseWheelFilename(filename: string): WheelFilename | undefined {
  if (!filename.endsWith(".whl") || filename.length > 1000) return undefined;
  const parts = filename.slice(0, -4).split("-");
  if (parts.length !== 5 && parts.length !== 6) return undefined;
  const name = parts[0]!;
  if (!isValidPythonName(name) || parts[1] === "") return undefined;
  const build = parts.length === 6 ? parts[2]! : undefined;
  if (build !== undefined && !/^\d[A-Za-z0-9_.]*$/.test(build)) return undefined;
  const [py, abi, plat] = parts.slice(-3) as [string, string, string];
  const tags: string[] = [];
  for (const x of py.split(".")) {
    for (const y of abi.split(".")) {
      for (const z of plat.split(".")) {
        if (x === "" || y === "" || z === "") return undefined;
        tags.push(`${x}-${y}-${z}`.toLowerCase());
      }
    }
  }
  return {
    name: normalizePythonName(name),
    version: parts[1]!,
    ...(build === undefined ? {} : { build }),
    tags,
  };
}

/** What decides the tags a CPython interpreter supports. */
export interface TagTarget {
  /** Major and minor Python version, e.g. `[3, 12]`. */
  readonly pythonVersion: readonly [number, number];
  /**
   * Platform tags, most preferred first, e.g. `["manylinux2014_x86_64", "manylinux2010_x86_64",
   * "manylinux1_x86_64"]` (what pip's `--platform manylinux2014_x86_64` expands to).
   */
  readonly platforms: readonly string[];
}

/**
 * The tags a CPython interpreter supports, most preferred first: `cpython_tags` (`cp312-cp312-*`,
 * `cp312-abi3-*`, `cp312-none-*`, then `cp3N-abi3-*` for older minors) then `compatible_tags`
 * (`py312-none-*`, `py3-none-*`, `py311-none-*` … `py30-none-*`, then `cp312-none-any`,
 * `py312-none-any`, `py3-none-any`, `py311-none-any` …), as `packaging.tags` orders them.
 *
 * @param target the Python version and platform tags
 * @returns the tags, `python-abi-platform`
 *
 * @example
 * ```ts
 * import { supportedTags } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * const tags = supportedTags({ pythonVersion: [3, 12], platforms: ["linux_x86_64"] });
 * assert.equal(tags[0], "cp312-cp312-linux_x86_64");
 * assert.equal(tags.at(-1), "py30-none-any");
 * ```
 */
export function supportedTags(target: TagTarget): string[] {
  const [major, minor] = target.pythonVersion;
  const cp = `cp${major}${minor}`;
  const out: string[] = [];
  for (const abi of [cp, "abi3", "none"]) {
    for (const p of target.platforms) out.push(`${cp}-${abi}-${p}`);
  }
  for (let m = minor - 1; m >= 2; m--) {
    for (const p of target.platforms) out.push(`cp${major}${m}-abi3-${p}`);
  }
  const pyRange = [`py${major}${minor}`, `py${major}`];
  for (let m = minor - 1; m >= 0; m--) pyRange.push(`py${major}${m}`);
  for (const py of pyRange) {
    for (const p of target.platforms) out.push(`${py}-none-${p}`);
  }
  out.push(`${cp}-none-any`);
  for (const py of pyRange) out.push(`${py}-none-any`);
  return out;
}

/**
 * The platform tags of a manylinux glibc baseline on one architecture, newest first, with the
 * legacy aliases (`manylinux2014` = 2.17, `manylinux2010` = 2.12, `manylinux1` = 2.5) after the
 * tag they alias, then `linux_<arch>` (`packaging.tags._linux_platforms` for a glibc of that
 * version).
 *
 * @param glibc `[2, 17]` for manylinux2014
 * @param arch `x86_64`, `aarch64`, …
 * @returns the platform tags
 *
 * @example
 * ```ts
 * import { manylinuxPlatforms } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * assert.deepEqual(manylinuxPlatforms([2, 6], "x86_64"), [
 *   "manylinux_2_6_x86_64", "manylinux_2_5_x86_64", "manylinux1_x86_64", "linux_x86_64",
 * ]);
 * ```
 */
export function manylinuxPlatforms(glibc: readonly [number, number], arch: string): string[] {
  const legacy = new Map([[17, "manylinux2014"], [12, "manylinux2010"], [5, "manylinux1"]]);
  const out: string[] = [];
  for (let m = glibc[1]; m >= 5; m--) {
    out.push(`manylinux_${glibc[0]}_${m}_${arch}`);
    const alias = legacy.get(m);
    if (alias !== undefined && glibc[0] === 2) out.push(`${alias}_${arch}`);
  }
  out.push(`linux_${arch}`);
  return out;
}

/**
 * How much the target prefers a file: the index of its best tag in `supported`
 * (smaller is better), or undefined when no tag of the file is supported.
 *
 * @param wheel a parsed wheel file name
 * @param rank tag → position in the supported list (build it once per target)
 * @returns the best position, or undefined when the wheel cannot be installed
 *
 * @example
 * ```ts
 * import { parseWheelFilename, wheelRank } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * const rank = new Map(["cp312-cp312-manylinux_2_17_x86_64", "py3-none-any"].map((t, i) => [t, i]));
 * assert.equal(wheelRank(parseWheelFilename("idna-3.7-py3-none-any.whl")!, rank), 1);
 * const win = parseWheelFilename("numpy-2.1.0-cp312-cp312-win_amd64.whl")!;
 * assert.equal(wheelRank(win, rank), undefined);
 * ```
 */
export function wheelRank(
  wheel: WheelFilename,
  rank: ReadonlyMap<string, number>,
): number | undefined {
  let best: number | undefined;
  for (const t of wheel.tags) {
    const r = rank.get(t);
    if (r !== undefined && (best === undefined || r < best)) best = r;
  }
  return best;
}

/**
 * The platform tags of macOS on one architecture, newest first, as `packaging.tags.mac_platforms`
 * lists them: for each macOS version from the target down (11, 12, … by major; 10.x by minor down
 * to 10.4 on x86_64), each binary format the architecture runs (`arm64`, `universal2`; on x86_64
 * `x86_64`, `intel`, `fat64`, `fat32`, `universal2`, `universal`); arm64 on macOS 11+ then also
 * takes the `universal2` wheels of 10.16 down to 10.4.
 *
 * @param version the oldest macOS the wheels must run on, e.g. `[14, 0]` or `[10, 15]`
 * @param arch `arm64` or `x86_64`
 * @returns the platform tags
 *
 * @example
 * ```ts
 * import { macosPlatforms } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * const tags = macosPlatforms([11, 0], "arm64");
 * assert.deepEqual(tags.slice(0, 3), [
 *   "macosx_11_0_arm64",
 *   "macosx_11_0_universal2",
 *   "macosx_10_16_universal2",
 * ]);
 * ```
 */
export function macosPlatforms(
  version: readonly [number, number],
  arch: "arm64" | "x86_64",
): string[] {
  const formats = (major: number, minor: number): string[] => {
    if (arch === "arm64") return ["arm64", "universal2"];
    if (major === 10 && minor < 4) return [];
    return ["x86_64", "intel", "fat64", "fat32", "universal2", "universal"];
  };
  const out: string[] = [];
  const [major, minor] = version;
  for (let m = major; m >= 11; m--) {
    for (const f of formats(m, 0)) out.push(`macosx_${m}_0_${f}`);
  }
  if (arch === "x86_64") {
    for (let m = major >= 11 ? 16 : minor; m >= 4; m--) {
      for (const f of formats(10, m)) out.push(`macosx_10_${m}_${f}`);
    }
  } else if (major >= 11) {
    // macOS 11+ on arm64 also runs universal2 wheels built for 10.x.
    for (let m = 16; m >= 4; m--) out.push(`macosx_10_${m}_universal2`);
  }
  return out;
}
