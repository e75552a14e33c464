/**
 * The SwiftPM packer against SE-0292 (swift-package-manager `Documentation/PackageRegistry/
 * Registry.md`; there is no Swift toolchain on this machine): the source archive is read with the
 * system `unzip`, every entry sits under `<name>/` with `Package.swift` at its root, the checksum
 * (`swift package compute-checksum`: SHA-256 of the zip, hex) is recomputed here, and the
 * release metadata validates against the specification's appendix B JSON schema (copied to
 * `fixtures/fanout/specs/`).
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { assert, assertEquals, assertRejects } from "./assert.ts";
import { guardedTest } from "./stray.ts";
import { digest, FIXTURE_LIB, fixturePackage, run } from "./fanout_native_fixture.ts";
import { packSwiftpm, splitSwiftIdentifier } from "../src/fanout/swiftpm.ts";
import { MochiError } from "../src/errors.ts";

const SCHEMA = JSON.parse(
  await Deno.readTextFile(`${FIXTURE_LIB}/../specs/swift-package-release-metadata.schema.json`),
);

function metadataProblems(doc: unknown): string[] {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  // deno-lint-ignore no-explicit-any
  (addFormats as any)(ajv);
  const validate = ajv.compile(SCHEMA);
  return validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

async function unzip(bytes: Uint8Array, dir: string): Promise<string[]> {
  await Deno.writeFile(`${dir}/a.zip`, bytes);
  const l = await run("unzip", ["-Z1", `${dir}/a.zip`]);
  assertEquals(l.code, 0, l.stderr);
  const x = await run("unzip", ["-q", `${dir}/a.zip`, "-d", `${dir}/x`]);
  assertEquals(x.code, 0, x.stderr);
  return l.stdout.trim().split("\n");
}

guardedTest("swiftpm: the source archive's layout, checksum and release metadata", async () => {
  const pkg = await fixturePackage("swiftpm");
  const [archive, metadata, ...rest] = await packSwiftpm(pkg);
  assertEquals(rest.length, 0);
  assertEquals(archive!.fileName, "greet-0.3.1.zip");
  assertEquals(archive!.role, "primary");
  assertEquals(archive!.mediaType, "application/zip");
  assertEquals(metadata!.fileName, "greet-0.3.1.metadata.json");
  assertEquals(metadata!.role, "companion");
  // The registry's checksum for the source-archive resource (Registry.md 4.2.1, 4.6.1).
  assertEquals(archive!.sha256, digest("sha256", archive!.bytes));
  assertEquals((await packSwiftpm(pkg))[0]!.bytes, archive!.bytes, "same bytes twice");
  const dir = await Deno.makeTempDir();
  try {
    const entries = await unzip(archive!.bytes, dir);
    assertEquals(entries, [
      "greet/Package.swift",
      "greet/README.md",
      "greet/Sources/Greet/Format.swift",
      "greet/Sources/Greet/Greet.swift",
      "greet/mochi.caps.json",
    ]);
    const sha = await run("sha256sum", [`${dir}/a.zip`]);
    assertEquals(sha.stdout.split(" ")[0], archive!.sha256);
    for (const f of pkg.files) {
      assertEquals(await Deno.readFile(`${dir}/x/greet/${f.path}`), f.bytes, f.path);
    }
    const doc = JSON.parse(new TextDecoder().decode(metadata!.bytes));
    assertEquals(metadataProblems(doc), []);
    assertEquals(doc, {
      author: { name: "Ada Lovelace", email: "ada@example.com" },
      description: 'Greets people by name ("Hello, Ada!")',
      repositoryURLs: ["https://example.com/mochi/greet"],
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

guardedTest("swiftpm: a Package.swift is written when the output has none", async () => {
  const base = await fixturePackage("swiftpm", {
    license: "MIT",
    dependencies: [
      { name: "mochi.strings", range: '"0.2.0"..<"0.3.0"', kind: "normal" },
      { name: "apple.swift-testing", range: 'from: "0.10.0"', kind: "dev" },
    ],
    extra: { "tools-version": "5.9" },
  });
  const pkg = { ...base, files: base.files.filter((f) => f.path !== "Package.swift") };
  const [archive, metadata] = await packSwiftpm(pkg);
  const dir = await Deno.makeTempDir();
  try {
    const entries = await unzip(archive!.bytes, dir);
    assertEquals(entries[0], "greet/Package.swift");
    const manifest = await Deno.readTextFile(`${dir}/x/greet/Package.swift`);
    assert(manifest.startsWith("// swift-tools-version:5.9\n"), manifest);
    assert(manifest.includes('.library(name: "greet", targets: ["Greet"])'), manifest);
    assert(manifest.includes('.package(id: "mochi.strings", "0.2.0"..<"0.3.0"),'), manifest);
    assert(
      manifest.includes(
        '.target(name: "Greet", dependencies: [.product(name: "strings", package: "mochi.strings")], path: "Sources/Greet")',
      ),
      manifest,
    );
    assert(!manifest.includes("swift-testing"), "dev dependencies stay out");
    const doc = JSON.parse(new TextDecoder().decode(metadata!.bytes));
    assertEquals(metadataProblems(doc), []);
    assertEquals(doc.licenseURL, "https://spdx.org/licenses/MIT.html");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const e = await assertRejects(
    () => packSwiftpm({ ...pkg, dependencies: [{ name: "a.b", range: "^1.0", kind: "normal" }] }),
    MochiError,
  );
  assertEquals(e.code, "FANOUT_E003");
  // A range reaches Package.swift: nothing but version literals may pass (no `\(…)` code).
  for (
    const range of ['"1.0.0\\(evil())"..<"2.0.0"', '"1.0.0"', '"1.0.0"..<"2.0.0"), .x("', "from: 1"]
  ) {
    const bad = await assertRejects(
      () => packSwiftpm({ ...pkg, dependencies: [{ name: "a.b", range, kind: "normal" }] }),
      MochiError,
    );
    assertEquals(bad.code, "FANOUT_E003", range);
  }
});

guardedTest("swiftpm: identifiers follow SE-0292 3.6; other refusals", async () => {
  assertEquals(splitSwiftIdentifier("mona.LinkedList"), { scope: "mona", name: "LinkedList" });
  assertEquals(splitSwiftIdentifier("a-b.c_d-e"), { scope: "a-b", name: "c_d-e" });
  for (
    const bad of [
      "nodot",
      "-mona.x",
      "mona.-x",
      "mo--na.x",
      "mona.x__y",
      "mona.",
      `${"a".repeat(40)}.x`,
    ]
  ) {
    const e = (() => {
      try {
        splitSwiftIdentifier(bad);
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    assert(e instanceof MochiError && e.code === "FANOUT_E004", bad);
  }
  const pkg = await fixturePackage("swiftpm");
  const e1 = await assertRejects(() => packSwiftpm({ ...pkg, files: [] }), MochiError);
  assertEquals(e1.code, "FANOUT_E007");
  const e2 = await assertRejects(
    () => packSwiftpm({ ...pkg, extra: { "tools-versoin": "5.9" } }),
    MochiError,
  );
  assertEquals(e2.code, "FANOUT_E008");
  // The schema check bites: an author without a name is not SE-0391 metadata.
  assert(metadataProblems({ author: { email: "a@b.c" } }).length > 0);
});
