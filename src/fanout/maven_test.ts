import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { unzipSync } from "fflate";
import { isJavaModuleName, MAVEN_CHECKSUMS, mavenVersionDir, packMaven } from "./maven.ts";
import type { FanoutPackage } from "./types.ts";
import { ACME_PACKAGE, assertRefused, builtFromManifest } from "./pack_testing.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function pkg(over: Partial<FanoutPackage> = {}): FanoutPackage {
  return {
    ecosystem: "maven",
    name: "greet",
    group: "dev.mochi",
    version: "1.2.0-rc.1",
    mochi: { name: "@mochi/greet", version: "1.2.0-rc.1" },
    description: "Greets <people> & pets",
    license: "MIT",
    authors: ["Ada Lovelace <ada@example.org>", "Grace Hopper"],
    repository: "https://example.org/mochi/greet",
    keywords: [],
    dependencies: [
      { name: "org.slf4j:slf4j-api", range: "[2.0,3)", kind: "normal" },
      { name: "org.junit.jupiter:junit-jupiter", range: "5.10.0", kind: "dev" },
    ],
    files: [
      {
        path: "dev/mochi/greet/Greet.class",
        bytes: new Uint8Array([0xca, 0xfe]),
        executable: false,
      },
      {
        path: "dev/mochi/greet/Greet.java",
        bytes: enc.encode("class Greet {}\n"),
        executable: false,
      },
      {
        path: "dev/mochi/greet/messages.properties",
        bytes: enc.encode("hi=Hello\n"),
        executable: false,
      },
    ],
    capabilities: [{ path: "mochi.caps.json", bytes: enc.encode("{}\n") }],
    extra: {},
    ...over,
  };
}

Deno.test("maven: pom, jar, sources and javadoc jars, each with four checksum files", async () => {
  const out = await packMaven(pkg());
  const base = "greet-1.2.0-rc.1";
  const mains = [`${base}.pom`, `${base}.jar`, `${base}-sources.jar`, `${base}-javadoc.jar`];
  assert.deepEqual(
    out.map((a) => a.fileName),
    mains.flatMap((m) => [m, ...MAVEN_CHECKSUMS.map((c) => `${m}.${c}`)]),
  );
  const byName = new Map(out.map((a) => [a.fileName, a]));
  for (const m of mains) {
    assert.equal(byName.get(m)!.role, "primary");
    for (const alg of MAVEN_CHECKSUMS) {
      const c = byName.get(`${m}.${alg}`)!;
      assert.equal(c.role, "companion");
      assert.equal(dec.decode(c.bytes), createHash(alg).update(byName.get(m)!.bytes).digest("hex"));
    }
  }
});

Deno.test("maven: the jar starts with META-INF/ and MANIFEST.MF; classes in, sources out", async () => {
  const out = await packMaven(pkg());
  const jar = out.find((a) => a.fileName === "greet-1.2.0-rc.1.jar")!;
  const names = Object.keys(unzipSync(jar.bytes));
  assert.deepEqual(names.slice(0, 2), ["META-INF/", "META-INF/MANIFEST.MF"]);
  assert.ok(names.includes("dev/mochi/greet/Greet.class"));
  assert.ok(names.includes("dev/mochi/greet/messages.properties"));
  assert.ok(names.includes("META-INF/mochi/dev.mochi/greet/mochi.caps.json"));
  assert.ok(names.includes("META-INF/maven/dev.mochi/greet/pom.xml"));
  assert.ok(!names.includes("dev/mochi/greet/Greet.java"));
  const manifest = dec.decode(unzipSync(jar.bytes)["META-INF/MANIFEST.MF"]);
  assert.equal(
    manifest,
    "Manifest-Version: 1.0\r\nCreated-By: mochi pkg\r\nAutomatic-Module-Name: dev.mochi.greet\r\n" +
      "Implementation-Title: greet\r\nImplementation-Version: 1.2.0-rc.1\r\n\r\n",
  );
  const src = out.find((a) => a.fileName === "greet-1.2.0-rc.1-sources.jar")!;
  const srcNames = Object.keys(unzipSync(src.bytes));
  assert.ok(srcNames.includes("dev/mochi/greet/Greet.java"));
  assert.ok(!srcNames.includes("dev/mochi/greet/Greet.class"));
});

Deno.test("maven: pom fields escaped; dev dependencies in test scope", async () => {
  const out = await packMaven(pkg());
  const pom = dec.decode(out[0]!.bytes);
  assert.match(pom, /<description>Greets &lt;people&gt; &amp; pets<\/description>/);
  assert.match(pom, /<name>@mochi\/greet<\/name>/);
  assert.match(
    pom,
    /<developer>\n\s+<name>Ada Lovelace<\/name>\n\s+<email>ada@example.org<\/email>/,
  );
  assert.match(pom, /<connection>scm:git:https:\/\/example.org\/mochi\/greet<\/connection>/);
  assert.match(
    pom,
    /<artifactId>junit-jupiter<\/artifactId>\n\s+<version>5.10.0<\/version>\n\s+<scope>test<\/scope>/,
  );
  assert.match(
    pom,
    /<artifactId>slf4j-api<\/artifactId>\n\s+<version>\[2.0,3\)<\/version>\n\s+<\/dependency>/,
  );
});

Deno.test("maven: long manifest values fold at 72 bytes without splitting UTF-8", async () => {
  const name = `dev.mochi.${"a".repeat(100)}`;
  const out = await packMaven(pkg({ extra: { "automatic-module-name": name } }));
  const jar = out.find((a) => a.fileName.endsWith("1.jar"))!;
  const mf = unzipSync(jar.bytes)["META-INF/MANIFEST.MF"]!;
  const lines = dec.decode(mf).split("\r\n");
  for (const l of lines) assert.ok(enc.encode(l).length <= 72, l);
  const joined = dec.decode(mf).replace(/\r\n /g, "");
  assert.match(joined, new RegExp(`Automatic-Module-Name: ${name.replaceAll(".", "\\.")}\r\n`));
});

Deno.test("maven: byte-identical across runs and input orders", async () => {
  const a = await packMaven(pkg());
  const p = pkg();
  p.files.reverse();
  const b = await packMaven(p);
  assert.deepEqual(a.map((x) => x.sha256), b.map((x) => x.sha256));
});

function refused(over: Partial<FanoutPackage>, code: string, re: RegExp): Promise<void> {
  return assertRefused(() => packMaven(pkg(over)), code, re);
}

Deno.test("maven: hostile coordinates, values and output are refused", async () => {
  await refused({ group: undefined as unknown as string }, "FANOUT_E004", /groupId/);
  await refused({ group: "dev/../../etc" }, "FANOUT_E004", /groupId/);
  await refused({ group: "dev..mochi" }, "FANOUT_E004", /groupId/);
  await refused({ name: "greet</artifactId>" }, "FANOUT_E004", /artifactId/);
  await refused({ version: "1.0/../x" }, "FANOUT_E002", /Maven version/);
  await refused({ description: "a\nb" }, "FANOUT_E008", /line break/);
  await refused({ repository: "file:///etc/passwd" }, "FANOUT_E008", /http\(s\) URL/);
  await refused(
    { dependencies: [{ name: "slf4j-api", range: "2.0", kind: "normal" }] },
    "FANOUT_E003",
    /group:artifact/,
  );
  await refused(
    { dependencies: [{ name: "a:b", range: "2.0</version>", kind: "normal" }] },
    "FANOUT_E003",
    /range/,
  );
  await refused({ extra: { "main-klass": "x.Y" } }, "FANOUT_E008", /main-class/);
  await refused({ extra: { "automatic-module-name": "dev.int.x" } }, "FANOUT_E008", /module name/);
  await refused(
    { files: [{ path: "META-INF/MANIFEST.MF", bytes: new Uint8Array(), executable: false }] },
    "FANOUT_E001",
    /manifest/,
  );
});

Deno.test("maven: layout path and module names", () => {
  assert.equal(mavenVersionDir("dev.mochi", "greet", "1.0.0"), "dev/mochi/greet/1.0.0/");
  assert.throws(() => mavenVersionDir("dev.mochi", "..", "1.0.0"), /artifactId/);
  assert.ok(isJavaModuleName("dev.mochi.greet"));
  assert.ok(!isJavaModuleName("dev.mochi.greet-lib"));
});

Deno.test("from mochi.toml: buildFanoutPackage's jvm package packs, metadata keys included", async () => {
  const manifest = ACME_PACKAGE + `
[targets.jvm]
out = "target/jvm"
group = "org.acme"
[targets.jvm.dependencies]
"org.slf4j:slf4j-api" = "[2.0,3)"
[targets.jvm.metadata]
automatic-module-name = "org.acme.greeting"
main-class = "org.acme.greet.Main"
`;
  const built = builtFromManifest(manifest, "maven", "jvm", [{
    path: "org/acme/greet/Main.class",
    bytes: new Uint8Array([0xca, 0xfe, 0xba, 0xbe]),
    executable: false,
  }]);
  const out = await packMaven(built);
  const jar = out.find((a) =>
    a.fileName.endsWith(".jar") && !a.fileName.includes("-s") &&
    !a.fileName.includes("-j")
  )!;
  assert.match(jar.fileName, /^greet-2\.0\.0[-.]/);
  const manifestMf = dec.decode(unzipSync(jar.bytes)["META-INF/MANIFEST.MF"]);
  assert.match(manifestMf, /Automatic-Module-Name: org\.acme\.greeting\r\n/);
  assert.match(manifestMf, /Main-Class: org\.acme\.greet\.Main\r\n/);
  const pom = dec.decode(out.find((a) => a.fileName.endsWith(".pom"))!.bytes);
  assert.match(pom, /<groupId>org\.acme<\/groupId>\n {2}<artifactId>greet<\/artifactId>/);
  assert.match(pom, /<artifactId>slf4j-api<\/artifactId>\n\s+<version>\[2\.0,3\)<\/version>/);
});
