/**
 * `cfg(…)` platform expressions and canonical markers (issue 18 item 4).
 */
import { assert, assertEquals } from "../../tests/assert.ts";
import { MochiError } from "../errors.ts";
import { parseManifest } from "./parse.ts";
import { formatMarker, parseCfg, type Platform, platformOf, PLATFORMS } from "./platform.ts";

Deno.test("formatMarker and parseCfg: every non-empty set of platforms round-trips, one canonical text each", () => {
  const texts = new Set<string>();
  for (let mask = 1; mask < 1 << PLATFORMS.length; mask++) {
    const set = PLATFORMS.filter((_, i) => mask & (1 << i));
    const marker = formatMarker([...set].reverse());
    if (set.length === PLATFORMS.length) {
      assertEquals(marker, undefined);
      continue;
    }
    assert(marker !== undefined);
    texts.add(marker);
    assertEquals(parseCfg(marker), { platforms: set }, marker);
  }
  assertEquals(texts.size, (1 << PLATFORMS.length) - 2);
});

Deno.test("parseCfg: cargo's grammar and spellings; errors name the position or the closest value", () => {
  assertEquals(parseCfg('cfg(target_os = "windows")'), {
    platforms: ["windows-x86_64", "windows-aarch64"],
  });
  assertEquals(parseCfg('cfg(arch = "aarch64")'), {
    platforms: ["linux-aarch64", "macos-aarch64", "windows-aarch64"],
  });
  assertEquals(parseCfg('cfg(any(os = "linux", not(arch = "x86_64")))'), {
    platforms: ["linux-x86_64", "linux-aarch64", "macos-aarch64", "windows-aarch64"],
  });
  const err = (t: string) => (parseCfg(t) as { error: string }).error;
  assert(err('cfg(os = "darwin")').includes('did you mean "macos"?'));
  assert(err('cfg(os = "linx")').includes('did you mean "linux"?'));
  assert(err('cfg(oss = "linux")').includes('did you mean "os"?'));
  assert(err('cfg(os = "linux"').includes('expected ")"'));
  assert(err("x86_64-unknown-linux-gnu").includes('starts with "cfg("'));
  assertEquals(platformOf("darwin", "x86_64"), "macos-x86_64");
  assertEquals(platformOf("freebsd", "x86_64"), undefined);
});

Deno.test("[target.'cfg(…)'.dependencies]: parsed with positions; a bad cfg is TARGET_E001 with a did-you-mean", () => {
  const base = '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2026"\nmochi = ">=0.7"\n';
  const { manifest, warnings } = parseManifest(
    base + `\n[target.'cfg(os = "windows")'.dependencies]\nwinapi = "1"\n` +
      `\n[target.'cfg(os = "macos")'.dev-dependencies]\nmacfs = { version = "2" }\n`,
  );
  assertEquals(warnings, []);
  const [win, mac] = manifest.platformDependencies!;
  assertEquals(win!.platforms, ["windows-x86_64", "windows-aarch64"] as Platform[]);
  assertEquals(win!.dependencies.get("winapi")!.requirement, "1");
  assertEquals(mac!.devDependencies.get("macfs")!.requirement, "2");
  let e: unknown;
  try {
    parseManifest(base + `\n[target.'cfg(os = "linx")'.dependencies]\nx = "1"\n`);
  } catch (caught) {
    e = caught;
  }
  assert(e instanceof MochiError);
  assertEquals([e.code, e.line], ["TARGET_E001", 7]);
  assert(e.message.includes('did you mean "linux"?'), e.message);
  const bad = (() => {
    try {
      parseManifest(base + `\n[target.'cfg(os = "linux")'.dependencies]\nx = "one"\n`);
    } catch (caught) {
      return caught as MochiError;
    }
    throw new Error("expected MANIFEST_E006");
  })();
  assertEquals([bad.code, bad.line], ["MANIFEST_E006", 8]);
  const typo = parseManifest(base + `\n[target.'cfg(os = "linux")'.dependences]\nx = "1"\n`);
  assert(
    typo.warnings[0]!.message.includes('did you mean "dependencies"?'),
    typo.warnings[0]!.message,
  );
});
