import assert from "node:assert/strict";
import { isValidPythonName, normalizePythonName } from "./names.ts";
import {
  macosPlatforms,
  manylinuxPlatforms,
  parseWheelFilename,
  supportedTags,
  wheelRank,
} from "./tags.ts";

Deno.test("PEP 503 names: normalisation and the PEP 508 name rule", () => {
  // Vectors from pypa/packaging tests/test_utils.py (canonicalize_name).
  for (
    const [raw, want] of [
      ["foo", "foo"],
      ["Foo", "foo"],
      ["fOo", "foo"],
      ["foo.bar", "foo-bar"],
      ["Foo.Bar", "foo-bar"],
      ["Foo.....Bar", "foo-bar"],
      ["foo_bar", "foo-bar"],
      ["foo___bar", "foo-bar"],
      ["foo-bar", "foo-bar"],
      ["foo----bar", "foo-bar"],
      ["Foo-_.Bar", "foo-bar"],
    ]
  ) assert.equal(normalizePythonName(raw!), want);
  for (const ok of ["a", "A1", "zope.interface", "foo_bar-baz"]) assert.ok(isValidPythonName(ok));
  for (const no of ["", "-a", "a-", "a b", "ä", ".a", "a".repeat(201)]) {
    assert.ok(!isValidPythonName(no), no);
  }
});

Deno.test("supportedTags equals pip 23.2's list for --python-version 3.12 --platform manylinux2014_x86_64", async () => {
  // fixtures/python/supported_tags.txt is pip's get_supported(), recorded with the corpus.
  const pip = (await Deno.readTextFile(
    new URL("../../fixtures/python/supported_tags.txt", import.meta.url),
  )).trim().split("\n");
  const ours = supportedTags({
    pythonVersion: [3, 12],
    platforms: ["manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64"],
  });
  assert.deepEqual(ours, pip);
});

Deno.test("manylinuxPlatforms: glibc 2.17 newest first, legacy aliases, then linux_<arch>", () => {
  const p = manylinuxPlatforms([2, 17], "x86_64");
  assert.deepEqual(p.slice(0, 3), [
    "manylinux_2_17_x86_64",
    "manylinux2014_x86_64",
    "manylinux_2_16_x86_64",
  ]);
  assert.ok(p.includes("manylinux2010_x86_64") && p.includes("manylinux1_x86_64"));
  assert.equal(p.at(-1), "linux_x86_64");
  assert.equal(p.length, 13 + 3 + 1);
});

Deno.test("wheel file names: compressed tag sets, build tags, and what is not a wheel", () => {
  const w = parseWheelFilename(
    "charset_normalizer-3.5.3-cp312-cp312-manylinux1_x86_64.manylinux_2_28_x86_64.manylinux_2_5_x86_64.whl",
  )!;
  assert.equal(w.name, "charset-normalizer");
  assert.equal(w.version, "3.5.3");
  assert.equal(w.tags.length, 3);
  const rank = new Map(
    supportedTags({
      pythonVersion: [3, 12],
      platforms: ["manylinux2014_x86_64", "manylinux1_x86_64"],
    })
      .map((t, i) => [t, i]),
  );
  assert.equal(wheelRank(w, rank), 1); // via manylinux1, not manylinux_2_28
  const only228 = parseWheelFilename("x-1.0-cp312-cp312-manylinux_2_28_x86_64.whl")!;
  assert.equal(wheelRank(only228, rank), undefined);
  assert.equal(parseWheelFilename("pkg-1.0-1build-py3-none-any.whl")?.build, "1build");
  for (
    const bad of [
      "pkg-1.0.tar.gz",
      "pkg-1.0-py3-none.whl",
      "pkg-1.0-x-py3-none-any.whl", // a build tag starts with a digit
      "-1.0-py3-none-any.whl",
      "pkg-1.0-py3..none-any.whl",
      "a-b-c-d-e-f-g.whl",
    ]
  ) assert.equal(parseWheelFilename(bad), undefined, bad);
  assert.deepEqual(parseWheelFilename("p-1-py2.py3-none-any.whl")?.tags, [
    "py2-none-any",
    "py3-none-any",
  ]);
});

Deno.test("macosPlatforms equals packaging's mac_platforms (pip 23.2's vendored packaging)", async () => {
  // fixtures/python/mac_platforms.json: mac_platforms(version, arch) recorded with the corpus.
  const want = JSON.parse(
    await Deno.readTextFile(new URL("../../fixtures/python/mac_platforms.json", import.meta.url)),
  ) as Record<string, string[]>;
  for (const [key, list] of Object.entries(want)) {
    const [arch, version] = key.split("-") as ["arm64" | "x86_64", string];
    const [major, minor] = version.split(".").map(Number) as [number, number];
    assert.deepEqual(macosPlatforms([major, minor], arch), list, key);
  }
});
