/**
 * The Maven packer: `<artifactId>-<version>.pom`, `.jar`, `-sources.jar` and `-javadoc.jar`, each
 * with the `.md5`, `.sha1`, `.sha256` and `.sha512` files a Maven repository keeps beside it (the
 * hex digest alone, as Maven's deploy writes it), in the file names of the Maven repository layout.
 *
 * - `pom.xml` (POM 4.0.0): coordinates, `jar` packaging, and what a repository that checks
 *   metadata asks for: `name`, `description`, `url`, `licenses` (the SPDX expression),
 *   `developers` (from `Name <email>` authors), `scm` (from the repository URL), `dependencies`
 *   (`group:artifact` names with Maven version ranges; `dev` ones in `test` scope).
 * - The jar: `META-INF/MANIFEST.MF` first (as `java.util.jar.JarInputStream` needs), the compiler
 *   output but `.java` sources, the capability files (under `META-INF/mochi/<g>/<a>/`), and
 *   `META-INF/maven/<g>/<a>/pom.xml` and
 *   `pom.properties` as Maven's own jars carry them.
 * - `-sources.jar`: the manifest and every output file but `.class` files.
 * - `-javadoc.jar`: the manifest and a README saying that no API documentation was generated
 *   (mochi pkg does not run `javadoc`; repositories that require the file accept this form).
 *
 * The manifest follows the JAR File Specification: `Name: value` lines of at most 72 bytes,
 * continued on lines starting with one space, CRLF line ends, a final empty line.
 *
 * Extra keys of `[targets.jvm]` read here: `automatic-module-name` (a Java module name for the
 * module path; derived from the group and artifact when they make a valid one) and `main-class`.
 *
 * @module
 */

import { MochiError } from "../errors.ts";
import { type ArchiveFile, type HashAlgorithm, hashHex, makeArtifact, zip } from "./archive.ts";
import { checkExtraKeys, extraString, httpUrl, oneLine, parsePerson } from "./_fields.ts";
import type { Artifact, FanoutPackage, Packer } from "./types.ts";

/** The `[targets.jvm]` extra keys the Maven packer reads. */
export const MAVEN_EXTRA_KEYS: readonly string[] = ["automatic-module-name", "main-class"];

/** The checksum files written beside every Maven file, in this order. */
export const MAVEN_CHECKSUMS: readonly HashAlgorithm[] = ["md5", "sha1", "sha256", "sha512"];

/** Maven's id rule for groupId and artifactId (`DefaultModelValidator`'s `[A-Za-z0-9_\-.]+`). */
const ID_RE = /^[A-Za-z0-9_\-.]+$/;
/** Versions: no path, XML or range characters (stricter than Maven, which only bans a few). */
const VERSION_RE = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
/** A Maven version range or a plain version (`1.2`, `[1.2,2)`, `(,1.0],[1.2,)`). */
const RANGE_RE =
  /^(?:[A-Za-z0-9][A-Za-z0-9._+-]*|[[(][A-Za-z0-9._+-]*(?:,[A-Za-z0-9._+-]*)?[\])](?:,[[(][A-Za-z0-9._+-]*(?:,[A-Za-z0-9._+-]*)?[\])])*)$/;
/** Java keywords and literals, which cannot be module name segments. */
const JAVA_RESERVED = new Set(
  ("abstract assert boolean break byte case catch char class const continue default do double " +
    "else enum extends final finally float for goto if implements import instanceof int " +
    "interface long native new package private protected public return short static strictfp " +
    "super switch synchronized this throw throws transient try void volatile while true false " +
    "null _").split(" "),
);

const enc = new TextEncoder();

/**
 * Whether `name` is a valid Java module name: dot-separated Java identifiers (ASCII here), none a
 * keyword.
 *
 * @param name e.g. `dev.mochi.greet`
 * @returns true when the JVM would accept it as `Automatic-Module-Name`
 *
 * @example
 * ```ts
 * import { isJavaModuleName } from "@mochi/pkg/fanout";
 * import assert from "node:assert/strict";
 * assert.ok(isJavaModuleName("dev.mochi.greet"));
 * assert.ok(!isJavaModuleName("dev.mochi.2fa") && !isJavaModuleName("dev.int.x"));
 * ```
 */
export function isJavaModuleName(name: string): boolean {
  return name.length <= 1024 &&
    name.split(".").every((s) => /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s) && !JAVA_RESERVED.has(s));
}

/**
 * The path of a Maven version folder in the repository layout: `dev/mochi/greet/1.0.0/`.
 *
 * @param group the groupId (`dev.mochi`)
 * @param artifact the artifactId
 * @param version the version
 * @returns the relative folder path, with a trailing `/`
 * @throws {MochiError} `FANOUT_E004` for a groupId or artifactId outside Maven's id rule or with
 *   an empty segment; `FANOUT_E002` for a version with characters a path or XML must not hold
 *
 * @example
 * ```ts
 * import { mavenVersionDir } from "@mochi/pkg/fanout";
 * import assert from "node:assert/strict";
 * assert.equal(mavenVersionDir("dev.mochi", "greet", "1.0.0"), "dev/mochi/greet/1.0.0/");
 * ```
 */
export function mavenVersionDir(group: string, artifact: string, version: string): string {
  checkCoordinates(group, artifact, version);
  return `${group.replaceAll(".", "/")}/${artifact}/${version}/`;
}

function checkId(what: string, id: string): void {
  if (!ID_RE.test(id) || id.length > 256 || id.split(".").some((s) => s === "")) {
    throw new MochiError("FANOUT_E004", `${JSON.stringify(id)} is not a valid Maven ${what}`, {
      hint: `a ${what} uses letters, digits, _ - and single dots between segments`,
    });
  }
}

function checkCoordinates(group: string, artifact: string, version: string): void {
  checkId("groupId", group);
  checkId("artifactId", artifact);
  if (artifact.startsWith(".")) checkId("artifactId", ".");
  if (!VERSION_RE.test(version) || version.length > 128) {
    throw new MochiError(
      "FANOUT_E002",
      `${JSON.stringify(version)} is not a usable Maven version`,
      {
        hint: "the version mapping should have produced one; report this",
      },
    );
  }
}

function xml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

/** One `Name: value` manifest header folded at 72 bytes (JAR File Specification). */
function manifestHeader(name: string, value: string): string {
  const bytes = enc.encode(`${name}: ${value}`);
  const lines: string[] = [];
  let start = 0;
  let width = 72;
  const dec = new TextDecoder();
  while (start < bytes.length) {
    let end = Math.min(start + width, bytes.length);
    // Never split a UTF-8 sequence: back off to a lead byte.
    while (end < bytes.length && end > start && (bytes[end]! & 0xc0) === 0x80) end--;
    lines.push((lines.length === 0 ? "" : " ") + dec.decode(bytes.subarray(start, end)));
    start = end;
    width = 71;
  }
  return lines.map((l) => `${l}\r\n`).join("");
}

/** What the packer derived from a {@link FanoutPackage}. */
interface MavenPlan {
  group: string;
  artifact: string;
  version: string;
  pom: string;
  manifest: string;
}

function planMaven(pkg: FanoutPackage): MavenPlan {
  const eco = "maven" as const;
  checkExtraKeys(eco, pkg.extra, MAVEN_EXTRA_KEYS);
  if (pkg.group === undefined) {
    throw new MochiError("FANOUT_E004", "the maven target has no groupId", {
      hint: 'set group = "org.example" in [targets.jvm]',
    });
  }
  const group = pkg.group;
  const artifact = pkg.name;
  const version = pkg.version;
  checkCoordinates(group, artifact, version);

  const p: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<project xmlns="http://maven.apache.org/POM/4.0.0">',
    "  <modelVersion>4.0.0</modelVersion>",
    `  <groupId>${group}</groupId>`,
    `  <artifactId>${artifact}</artifactId>`,
    `  <version>${version}</version>`,
    "  <packaging>jar</packaging>",
    `  <name>${xml(oneLine(eco, "name", pkg.mochi.name))}</name>`,
  ];
  if (pkg.description !== undefined) {
    p.push(`  <description>${xml(oneLine(eco, "description", pkg.description))}</description>`);
  }
  const url = pkg.homepage ?? pkg.repository;
  if (url !== undefined) p.push(`  <url>${xml(httpUrl(eco, "homepage", url))}</url>`);
  if (pkg.license !== undefined) {
    p.push(
      "  <licenses>",
      "    <license>",
      `      <name>${xml(oneLine(eco, "license", pkg.license))}</name>`,
      "      <distribution>repo</distribution>",
      "    </license>",
      "  </licenses>",
    );
  }
  if (pkg.authors.length > 0) {
    p.push("  <developers>");
    for (const a of pkg.authors) {
      const who = parsePerson(eco, a);
      p.push("    <developer>");
      if (who.name !== "") p.push(`      <name>${xml(who.name)}</name>`);
      if (who.email !== undefined) p.push(`      <email>${xml(who.email)}</email>`);
      p.push("    </developer>");
    }
    p.push("  </developers>");
  }
  if (pkg.repository !== undefined) {
    const repo = xml(httpUrl(eco, "repository", pkg.repository));
    p.push(
      "  <scm>",
      `    <connection>scm:git:${repo}</connection>`,
      `    <developerConnection>scm:git:${repo}</developerConnection>`,
      `    <url>${repo}</url>`,
      "  </scm>",
    );
  }
  if (pkg.dependencies.length > 0) {
    p.push("  <dependencies>");
    for (const d of pkg.dependencies) {
      const parts = d.name.split(":");
      const bad = (why: string) =>
        new MochiError(
          "FANOUT_E003",
          `maven dependency ${JSON.stringify(`${d.name} ${d.range}`)} ${why}`,
          { hint: 'write jvm dependencies as "group:artifact" = "[1.2,2)"' },
        );
      if (parts.length !== 2 || !parts.every((x) => ID_RE.test(x))) {
        throw bad("is not group:artifact");
      }
      if (!RANGE_RE.test(d.range) || d.range.length > 256) {
        throw bad("has no Maven version or range");
      }
      p.push(
        "    <dependency>",
        `      <groupId>${parts[0]}</groupId>`,
        `      <artifactId>${parts[1]}</artifactId>`,
        `      <version>${d.range}</version>`,
      );
      if (d.kind === "dev") p.push("      <scope>test</scope>");
      p.push("    </dependency>");
    }
    p.push("  </dependencies>");
  }
  p.push("</project>");
  const pom = p.join("\n") + "\n";

  let moduleName = extraString(eco, pkg.extra, "automatic-module-name");
  if (moduleName !== undefined && !isJavaModuleName(moduleName)) {
    throw new MochiError(
      "FANOUT_E008",
      `automatic-module-name ${JSON.stringify(moduleName)} is not a Java module name`,
      { hint: "use dot-separated Java identifiers, none a keyword (e.g. dev.mochi.greet)" },
    );
  }
  if (moduleName === undefined) {
    const derived = `${group}.${artifact}`.replace(/[^A-Za-z0-9_.]+/g, ".").replace(/\.+/g, ".");
    if (isJavaModuleName(derived)) moduleName = derived;
  }
  const mainClass = extraString(eco, pkg.extra, "main-class");
  if (
    mainClass !== undefined &&
    !/^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*$/.test(mainClass)
  ) {
    throw new MochiError(
      "FANOUT_E008",
      `main-class ${JSON.stringify(mainClass)} is not a Java class name`,
      { hint: "write the binary name, e.g. dev.mochi.greet.Main" },
    );
  }
  const manifest = manifestHeader("Manifest-Version", "1.0") +
    manifestHeader("Created-By", "mochi pkg") +
    (moduleName === undefined ? "" : manifestHeader("Automatic-Module-Name", moduleName)) +
    manifestHeader("Implementation-Title", artifact) +
    manifestHeader("Implementation-Version", version) +
    (mainClass === undefined ? "" : manifestHeader("Main-Class", mainClass)) +
    "\r\n";
  return { group, artifact, version, pom, manifest };
}

function jarOf(manifest: string, files: ArchiveFile[]): Uint8Array {
  for (const f of files) {
    if (f.path === "META-INF/MANIFEST.MF" || f.path.toUpperCase() === "META-INF/MANIFEST.MF") {
      throw new MochiError(
        "FANOUT_E001",
        `compiler output ${JSON.stringify(f.path)} would replace the jar's manifest`,
        { hint: "remove it from the output; mochi pkg writes the manifest" },
      );
    }
  }
  return zip([{ path: "META-INF/MANIFEST.MF", bytes: enc.encode(manifest) }, ...files], {
    directories: true,
    first: ["META-INF", "META-INF/MANIFEST.MF"],
  });
}

/**
 * Packs a {@link FanoutPackage} for Maven: the pom, jar, sources jar and javadoc jar, each
 * followed by its `.md5`, `.sha1`, `.sha256` and `.sha512` file. Byte-reproducible.
 *
 * @param pkg the package, `ecosystem: "maven"`, `group` set, version already mapped
 * @returns 20 artifacts: the four files (`primary`, each to be signed) and their checksums
 *   (`companion`)
 * @throws {MochiError} `FANOUT_E004` for a missing or invalid groupId or artifactId;
 *   `FANOUT_E002` for an unusable version; `FANOUT_E003` for a dependency that is not
 *   `group:artifact` with a Maven range; `FANOUT_E008` for an unknown extra key, a bad
 *   `automatic-module-name` or `main-class`, a control character in a value, a non-http(s) URL;
 *   `FANOUT_E001` for output that would replace the manifest, or a repeated path
 *
 * @example
 * ```ts
 * import { packMaven } from "@mochi/pkg/fanout";
 * import assert from "node:assert/strict";
 * const out = await packMaven({
 *   ecosystem: "maven", name: "greet", group: "dev.mochi", version: "1.0.0",
 *   mochi: { name: "@mochi/greet", version: "1.0.0" },
 *   authors: [], keywords: [], dependencies: [], capabilities: [], extra: {},
 *   files: [{ path: "dev/mochi/greet/Greet.class", bytes: new Uint8Array(), executable: false }],
 * });
 * assert.deepEqual(out.filter((a) => a.role === "primary").map((a) => a.fileName), [
 *   "greet-1.0.0.pom", "greet-1.0.0.jar", "greet-1.0.0-sources.jar", "greet-1.0.0-javadoc.jar",
 * ]);
 * ```
 */
export const packMaven: Packer = (pkg: FanoutPackage): Promise<Artifact[]> => {
  if (pkg.ecosystem !== "maven") {
    return Promise.reject(
      new MochiError("INTERNAL_E001", `packMaven was given a ${pkg.ecosystem} package`),
    );
  }
  try {
    return Promise.resolve(packMavenSync(pkg));
  } catch (e) {
    return Promise.reject(e);
  }
};

function packMavenSync(pkg: FanoutPackage): Artifact[] {
  const plan = planMaven(pkg);
  const base = `${plan.artifact}-${plan.version}`;
  const output: ArchiveFile[] = pkg.files.map((f) => ({
    path: f.path,
    bytes: f.bytes,
    executable: f.executable,
  }));
  // Capability files under META-INF/mochi/<g>/<a>/ (as Maven keeps the pom under
  // META-INF/maven/<g>/<a>/): at the jar root two libraries' files would shadow each other on a
  // class path and collide in a shaded jar.
  const caps: ArchiveFile[] = pkg.capabilities.map((c) => ({
    path: `META-INF/mochi/${plan.group}/${plan.artifact}/${c.path}`,
    bytes: c.bytes,
  }));
  const pomBytes = enc.encode(plan.pom);
  const mavenDir = `META-INF/maven/${plan.group}/${plan.artifact}`;
  const jar = jarOf(plan.manifest, [
    ...output.filter((f) => !f.path.endsWith(".java")),
    ...caps,
    { path: `${mavenDir}/pom.xml`, bytes: pomBytes },
    {
      path: `${mavenDir}/pom.properties`,
      bytes: enc.encode(
        `artifactId=${plan.artifact}\ngroupId=${plan.group}\nversion=${plan.version}\n`,
      ),
    },
  ]);
  const sources = jarOf(plan.manifest, output.filter((f) => !f.path.endsWith(".class")));
  const javadoc = jarOf(plan.manifest, [{
    path: "README.txt",
    bytes: enc.encode(
      `${pkg.mochi.name} ${pkg.mochi.version} (${plan.group}:${plan.artifact}:${plan.version})\n\n` +
        "No API documentation was generated for this artifact: mochi pkg packs the Mochi\n" +
        "compiler's JVM output and does not run javadoc. See the -sources.jar.\n",
    ),
  }]);
  const out: Artifact[] = [];
  const add = (fileName: string, bytes: Uint8Array, mediaType: string) => {
    out.push(makeArtifact("maven", fileName, bytes, mediaType, "primary"));
    for (const alg of MAVEN_CHECKSUMS) {
      out.push(
        makeArtifact(
          "maven",
          `${fileName}.${alg}`,
          enc.encode(hashHex(alg, bytes)),
          "text/plain",
          "companion",
        ),
      );
    }
  };
  add(`${base}.pom`, pomBytes, "application/xml");
  add(`${base}.jar`, jar, "application/java-archive");
  add(`${base}-sources.jar`, sources, "application/java-archive");
  add(`${base}-javadoc.jar`, javadoc, "application/java-archive");
  return out;
}
