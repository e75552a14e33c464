/**
 * Markers of a universal lock and the merge of a forked resolution (issue 18 item 4).
 */
import { assertEquals } from "../../tests/assert.ts";
import type { LockedPackage } from "./types.ts";
import { markPlatforms, mergePlatformForks, platformsReaching } from "./markers.ts";
import { type Platform, PLATFORMS } from "../manifest/platform.ts";

const pkg = (name: string, version = "1.0.0", dependencies: string[] = []): LockedPackage => ({
  name,
  version,
  source: "registry+file:///r/",
  capabilities: [],
  dependencies,
});

Deno.test("markPlatforms: a dependency's table for platforms that never reach it locks nothing", () => {
  // The root needs glue on macos only; glue needs winapi on windows only: no platform needs it.
  const out = markPlatforms(
    [pkg("glue", "1.0.0", ["winapi 1.0.0"]), pkg("winapi")],
    ["glue 1.0.0"],
    new Map<string, Map<string, readonly Platform[]>>([
      ["", new Map([["glue", ["macos-x86_64", "macos-aarch64"]]])],
      ["glue 1.0.0", new Map([["winapi", ["windows-x86_64", "windows-aarch64"]]])],
    ]),
  );
  assertEquals(out.map((p) => [p.name, p.marker, p.dependencies]), [
    ["glue", 'cfg(os = "macos")', []],
  ]);
});

Deno.test("mergePlatformForks: union markers and edges, one entry per version, order-independent", () => {
  const linux = PLATFORMS.filter((p) => p.startsWith("linux"));
  const windows = PLATFORMS.filter((p) => p.startsWith("windows"));
  const fork = (platforms: typeof linux, packages: LockedPackage[], roots: string[]) => ({
    platforms,
    packages,
    reached: platformsReaching(packages, roots, new Map(), platforms),
  });
  const a = fork(linux, [pkg("foo", "2.0.0", ["shared 1.1.0"]), pkg("shared", "1.1.0")], [
    "foo 2.0.0",
  ]);
  const b = fork(windows, [pkg("foo", "1.0.0", ["shared 1.1.0"]), pkg("shared", "1.1.0")], [
    "foo 1.0.0",
  ]);
  const merged = mergePlatformForks([a, b]);
  assertEquals(merged.map((p) => `${p.name} ${p.version} ${p.marker}`), [
    'foo 1.0.0 cfg(os = "windows")',
    'foo 2.0.0 cfg(os = "linux")',
    'shared 1.1.0 cfg(any(os = "linux", os = "windows"))',
  ]);
  assertEquals(mergePlatformForks([b, a]), merged);
  // Every platform's fork choosing one version: no marker.
  const rest = PLATFORMS.filter((p) => !linux.includes(p));
  const all = mergePlatformForks([
    fork(linux, [pkg("x")], ["x 1.0.0"]),
    fork(rest, [pkg("x")], ["x 1.0.0"]),
  ]);
  assertEquals(all.map((p) => p.marker), [undefined]);
});
