/**
 * The PyPI and Maven artifacts of the fixture library (`fixtures/fanout/lib`, read by
 * `readFanoutProject` and mapped by `buildFanoutPackage`, as `mochi pack` does) accepted by the
 * ecosystems' own tools:
 * `pip install` of the wheel and of the sdist into fresh venvs (offline: `--no-index`), an
 * import that runs the code, the wheel pip builds from the sdist matching ours file for file,
 * `twine check --strict` (when twine is installed: `MOCHI_TWINE` or `twine` on PATH);
 * `mvn install:install-file` into a temp local repository, a consumer pom resolving the artifact
 * through a version range offline, and `javac` + `java` compiling and running a class against it.
 *
 * Maven runs offline with a settings file whose only repository is the machine's own
 * `~/.m2/repository` (as a `file://` mirror, for the install and dependency plugins); `.ci/run`
 * warms it. Each part skips, saying why, only when its tool is absent.
 */
import assert from "node:assert/strict";
import { unzipSync } from "fflate";
import { packMaven } from "../src/fanout/maven.ts";
import { packPypi } from "../src/fanout/pypi.ts";
import { buildFanoutPackage } from "../src/fanout/build.ts";
import { readFanoutProject } from "../src/install/fanout.ts";
import type { Artifact, FanoutPackage } from "../src/fanout/types.ts";
import { ROOT } from "./helpers.ts";
import { guardedTest } from "./stray.ts";

const dec = new TextDecoder();
const LIB = `${ROOT}/fixtures/fanout/lib`;

/**
 * The fixture library's package for one ecosystem, built the way `mochi pack` builds it: the
 * project read by `readFanoutProject` (its `mochi.toml`, `out` folder, readme, capabilities) and
 * mapped by `buildFanoutPackage`.
 */
async function fixturePackage(ecosystem: "pypi" | "maven"): Promise<FanoutPackage> {
  const target = ecosystem === "pypi" ? "python" : "jvm";
  const project = await readFanoutProject(LIB, { targets: [target] });
  return buildFanoutPackage(project, ecosystem);
}

async function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<string> {
  const o = await new Deno.Command(cmd, {
    args,
    cwd: opts.cwd ?? ROOT,
    env: { PIP_CONFIG_FILE: "/dev/null", PIP_DISABLE_PIP_VERSION_CHECK: "1", ...opts.env },
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const text = dec.decode(o.stdout) + dec.decode(o.stderr);
  if (!o.success) throw new Error(`${cmd} ${args.join(" ")} failed (${o.code}):\n${text}`);
  return text;
}

async function has(cmd: string, args: string[]): Promise<boolean> {
  try {
    const o = await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output();
    return o.success;
  } catch {
    return false;
  }
}

async function writeAll(dir: string, artifacts: Artifact[]): Promise<void> {
  for (const a of artifacts) await Deno.writeFile(`${dir}/${a.fileName}`, a.bytes);
}

const hasPip = await has("python3", ["-m", "pip", "--version"]);
if (!hasPip) console.log("pip validator skipped: python3 -m pip is not available");
const twine = Deno.env.get("MOCHI_TWINE") ?? "twine";
const hasTwine = await has(twine, ["--version"]);

guardedTest({
  name: "pypi: pip installs the wheel and the sdist offline, the code runs; twine check passes",
  ignore: !hasPip,
  async fn() {
    const pkg = await fixturePackage("pypi");
    assert.equal(pkg.name, "mochi-greet");
    const [wheel, sdist] = await packPypi(pkg);
    const dir = await Deno.makeTempDir({ prefix: "mochi-pypi-tools-" });
    try {
      await writeAll(dir, [wheel!, sdist!]);
      for (const [venv, file] of [["w", wheel!], ["s", sdist!]] as const) {
        await run("python3", ["-m", "venv", "--without-pip", `${dir}/${venv}`]);
        await run("python3", [
          "-m",
          "pip",
          "--python",
          `${dir}/${venv}/bin/python`,
          "install",
          "--no-index",
          "--no-deps",
          "--no-cache-dir",
          "-q",
          `${dir}/${file.fileName}`,
        ]);
        const said = await run(`${dir}/${venv}/bin/python`, [
          "-c",
          "import json, importlib.metadata as m, mochi_greet; " +
          "print(mochi_greet.greet('pip')); print(m.version('mochi-greet')); " +
          "print(m.metadata('mochi-greet')['License-Expression']); " +
          "print(json.loads(m.distribution('mochi-greet').read_text('mochi_caps.json'))['capabilities'])",
        ]);
        assert.equal(said, "Hello, pip!\n0.3.1\nApache-2.0 OR MIT\n['env']\n", file.fileName);
      }
      // The wheel pip builds from our sdist holds the same files, byte for byte.
      await run("python3", [
        "-m",
        "pip",
        "wheel",
        "--no-index",
        "--no-deps",
        "--no-cache-dir",
        "-q",
        "-w",
        `${dir}/built`,
        `${dir}/${sdist!.fileName}`,
      ]);
      const built = unzipSync(await Deno.readFile(`${dir}/built/${wheel!.fileName}`));
      const ours = unzipSync(wheel!.bytes);
      assert.deepEqual(Object.keys(built), Object.keys(ours));
      for (const [k, v] of Object.entries(ours)) assert.deepEqual(built[k], v, k);
      // The backend's other PEP 517 hook: build_sdist, run in the unpacked sdist, gives back the
      // same files (pip only calls build_wheel).
      await run("tar", ["-xzf", `${dir}/${sdist!.fileName}`, "-C", dir]);
      const top = sdist!.fileName.replace(/\.tar\.gz$/, "");
      await Deno.mkdir(`${dir}/resdist`);
      const name = (await run("python3", [
        "-B",
        "-c",
        "import sys; sys.path.insert(0, '_mochi_build'); import mochi_build; " +
        `print(mochi_build.build_sdist(${JSON.stringify(`${dir}/resdist`)}))`,
      ], { cwd: `${dir}/${top}` })).trim();
      assert.equal(name, sdist!.fileName);
      const listing = async (file: string) =>
        (await run("tar", ["-tzvf", file])).split("\n").filter((l) => l.startsWith("-"))
          .map((l) => l.replace(/^(\S+)\s+\S+\s+(\d+)\s+\S+\s+\S+\s+/, "$1 $2 ")).sort();
      const ourListing = await listing(`${dir}/${sdist!.fileName}`);
      assert.ok(ourListing.some((l) => /^-rw-r--r-- \d+ mochi_greet-0\.3\.1\/PKG-INFO$/.test(l)));
      assert.deepEqual(await listing(`${dir}/resdist/${name}`), ourListing);
      if (hasTwine) {
        const out = await run(twine, [
          "check",
          "--strict",
          `${dir}/${wheel!.fileName}`,
          `${dir}/${sdist!.fileName}`,
        ]);
        assert.equal(out.match(/PASSED/g)?.length, 2, out);
      } else {
        console.log(`twine check skipped: ${twine} is not installed (set MOCHI_TWINE)`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

const HOME = Deno.env.get("HOME") ?? "/root";
const SEED = `${HOME}/.m2/repository`;
const hasMaven = await has("mvn", ["-v"]) && await has("javac", ["-version"]);
/** The plugins the offline Maven run needs, as `.ci/run` warms them into ~/.m2. */
const PLUGINS = [
  "org/apache/maven/plugins/maven-install-plugin/2.4/maven-install-plugin-2.4.jar",
  "org/apache/maven/plugins/maven-dependency-plugin/2.8/maven-dependency-plugin-2.8.jar",
];
const warm = hasMaven &&
  (await Promise.all(PLUGINS.map((p) => Deno.stat(`${SEED}/${p}`).then(() => true, () => false))))
    .every(Boolean);
if (!hasMaven) console.log("maven validator skipped: mvn or javac is not installed");
if (hasMaven && !warm) {
  console.log(`maven validator skipped: ${SEED} lacks the install/dependency plugins (.ci/run)`);
}

guardedTest({
  name: "maven: install-file, a consumer pom resolves the range offline, javac and java run",
  ignore: !warm,
  async fn() {
    const pkg = await fixturePackage("maven");
    assert.equal(`${pkg.group}:${pkg.name}`, "dev.mochi:greet");
    const artifacts = await packMaven(pkg);
    const dir = await Deno.makeTempDir({ prefix: "mochi-maven-tools-" });
    try {
      await writeAll(dir, artifacts);
      await Deno.writeTextFile(
        `${dir}/settings.xml`,
        `<settings><mirrors><mirror><id>seed</id><mirrorOf>*</mirrorOf>` +
          `<url>file://${SEED}</url></mirror></mirrors></settings>\n`,
      );
      const mvn = [
        "-B",
        "-q",
        "-o",
        "-s",
        `${dir}/settings.xml`,
        `-Dmaven.repo.local=${dir}/repo`,
        "-Daether.offline.protocols=file",
      ];
      await run("mvn", [
        ...mvn,
        "org.apache.maven.plugins:maven-install-plugin:2.4:install-file",
        `-Dfile=${dir}/greet-0.3.1.jar`,
        `-DpomFile=${dir}/greet-0.3.1.pom`,
        `-Dsources=${dir}/greet-0.3.1-sources.jar`,
        `-Djavadoc=${dir}/greet-0.3.1-javadoc.jar`,
      ], { cwd: dir });
      const installed = `${dir}/repo/dev/mochi/greet/0.3.1`;
      assert.deepEqual(
        await Deno.readFile(`${installed}/greet-0.3.1.jar`),
        artifacts.find((a) => a.fileName === "greet-0.3.1.jar")!.bytes,
      );
      await Deno.stat(`${installed}/greet-0.3.1-sources.jar`);
      await Deno.mkdir(`${dir}/consumer/src`, { recursive: true });
      await Deno.writeTextFile(
        `${dir}/consumer/pom.xml`,
        `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>test.consumer</groupId>
  <artifactId>consumer</artifactId>
  <version>1</version>
  <dependencies>
    <dependency><groupId>dev.mochi</groupId><artifactId>greet</artifactId><version>[0.3,1)</version></dependency>
  </dependencies>
</project>
`,
      );
      await run("mvn", [
        ...mvn,
        "org.apache.maven.plugins:maven-dependency-plugin:2.8:build-classpath",
        `-Dmdep.outputFile=${dir}/cp.txt`,
      ], { cwd: `${dir}/consumer` });
      const cp = (await Deno.readTextFile(`${dir}/cp.txt`)).trim();
      assert.equal(cp, `${installed}/greet-0.3.1.jar`);
      await Deno.writeTextFile(
        `${dir}/consumer/src/Main.java`,
        "import dev.mochi.greet.Greet;\n" +
          "public class Main { public static void main(String[] a) { " +
          'System.out.println(Greet.greet("maven")); System.out.println(Greet.class.getResource(' +
          '"/META-INF/mochi/dev.mochi/greet/mochi.caps.json") != null); } }\n',
      );
      await run("javac", ["-cp", cp, "-d", `${dir}/consumer/out`, `${dir}/consumer/src/Main.java`]);
      const said = await run("java", ["-cp", `${dir}/consumer/out:${cp}`, "Main"]);
      assert.equal(said, "Hello, maven!\ntrue\n");
      // The automatic module name in the manifest is what the module system sees.
      const described = await run("jar", [
        "--describe-module",
        "--file",
        `${installed}/greet-0.3.1.jar`,
      ]);
      assert.match(described, /dev\.mochi\.greet@0\.3\.1 automatic/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("maven fixture: the recorded .class file matches its source's class", async () => {
  const cls = await Deno.readFile(`${LIB}/target/jvm/dev/mochi/greet/Greet.class`);
  assert.deepEqual([...cls.subarray(0, 4)], [0xca, 0xfe, 0xba, 0xbe]);
  // Major version 55 = Java 11 (javac --release 11), so any JDK 11+ consumer loads it.
  assert.equal((cls[6]! << 8) | cls[7]!, 55);
});
