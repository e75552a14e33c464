/**
 * Property tests of the version and range mapping (src/fanout/versions.ts) against each
 * ecosystem's own comparator: pypa/packaging (`packaging.version`, `packaging.specifiers`) run by
 * the machine's `python3`, and Maven's `ComparableVersion`/`VersionRange` (maven-artifact 3.9.9,
 * `fixtures/maven-artifact/`) run by `java`. Each oracle is one long-lived process answering one
 * line per request, so fast-check can shrink a counterexample.
 *
 * @module
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { compareVersions, parseRequirement, parseVersion, satisfies } from "../src/semver/mod.ts";
import { mapRange, mapVersion } from "../src/fanout/versions.ts";
import type { Ecosystem } from "../src/fanout/types.ts";
import { ROOT } from "./helpers.ts";

class LineOracle implements AsyncDisposable {
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #buffer = "";
  #dec = new TextDecoder();

  constructor(cmd: string, args: string[], env: Record<string, string> = {}) {
    this.#child = new Deno.Command(cmd, {
      args,
      env,
      cwd: ROOT,
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.#reader = this.#child.stdout.getReader();
  }

  async ask(fields: string[]): Promise<string> {
    await this.#writer.write(new TextEncoder().encode(fields.join("\t") + "\n"));
    while (!this.#buffer.includes("\n")) {
      const { value, done } = await this.#reader.read();
      if (done) throw new Error("oracle ended");
      this.#buffer += this.#dec.decode(value, { stream: true });
    }
    const i = this.#buffer.indexOf("\n");
    const line = this.#buffer.slice(0, i);
    this.#buffer = this.#buffer.slice(i + 1);
    if (line.startsWith("error")) throw new Error(`oracle: ${line} for ${fields.join(" ")}`);
    return line;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#writer.close();
    await this.#reader.cancel();
    await this.#child.status;
  }
}

async function has(cmd: string, args: string[]): Promise<boolean> {
  try {
    return (await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output()).success;
  } catch {
    return false;
  }
}

const hasPackaging = await has("python3", ["-c", "import packaging.version"]);
const hasJava = await has("java", ["-version"]);
/** node-semver as npm ships it (`npm root -g`/npm/node_modules/semver). */
const npmSemver = await (async () => {
  try {
    const out = await new Deno.Command("npm", {
      args: ["root", "-g"],
      stdout: "piped",
      stderr: "null",
    })
      .output();
    const dir = `${new TextDecoder().decode(out.stdout).trim()}/npm/node_modules/semver`;
    await Deno.stat(`${dir}/package.json`);
    return (await has("node", ["--version"])) ? dir : undefined;
  } catch {
    return undefined;
  }
})();
if (!hasPackaging) console.warn("skipped: python3 with packaging is absent");
if (!hasJava) console.warn("skipped: java is absent");
if (npmSemver === undefined) console.warn("skipped: node with npm's semver is absent");

/** Mochi versions that PEP 440 and Maven can carry: X.Y.Z[-alpha|beta|rc.N]. */
const mappableVersion = fc.record({
  major: fc.oneof(fc.nat(3), fc.nat(2_000_000_000)),
  minor: fc.nat(4),
  patch: fc.nat(4),
  pre: fc.option(fc.tuple(fc.constantFrom("alpha", "beta", "rc"), fc.nat(12)), { nil: undefined }),
}).map(({ major, minor, patch, pre }) =>
  `${major}.${minor}.${patch}${pre === undefined ? "" : `-${pre[0]}.${pre[1]}`}`
);

const releaseVersion = fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3)).map(([a, b, c]) =>
  `${a}.${b}.${c}`
);

const comparator = fc.tuple(
  fc.constantFrom("=", ">", ">=", "<", "<=", "~", "^", ""),
  fc.nat(3),
  fc.option(fc.nat(3), { nil: undefined }),
  fc.option(fc.nat(3), { nil: undefined }),
).map(([op, a, b, c]) =>
  `${op}${a}${b === undefined ? "" : `.${b}`}${b === undefined || c === undefined ? "" : `.${c}`}`
);
const requirement = fc.oneof(
  comparator,
  fc.tuple(comparator, comparator).map(([a, b]) => `${a}, ${b}`),
  fc.constantFrom("*", "1.*", "0.2.*"),
);

async function checkOrder(oracle: LineOracle, eco: Ecosystem, runs: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.array(mappableVersion, { minLength: 2, maxLength: 24 }), async (vs) => {
      const sorted = vs.map(parseVersion).sort(compareVersions);
      const mapped = sorted.map((v) => mapVersion(eco, v));
      const signs = (await oracle.ask(["sort", ...mapped])).split(" ").map(Number);
      sorted.slice(1).forEach((v, i) => {
        const want = Math.sign(compareVersions(sorted[i]!, v));
        assert.equal(signs[i], want, `${mapped[i]} vs ${mapped[i + 1]} under ${eco}`);
      });
    }),
    { numRuns: runs },
  );
}

async function checkRanges(oracle: LineOracle, eco: Ecosystem, runs: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(
      requirement,
      fc.array(releaseVersion, { minLength: 1, maxLength: 16 }),
      async (req, vs) => {
        let range: string;
        try {
          range = mapRange(eco, req);
        } catch (e) {
          fc.pre(!String(e).includes("admits no version"));
          throw e;
        }
        const flags = (await oracle.ask(["range", range, ...vs.map((v) => mapVersion(eco, v))]))
          .split(" ");
        const parsed = parseRequirement(req);
        vs.forEach((v, i) => {
          const want = satisfies(parseVersion(v), parsed) ? "1" : "0";
          assert.equal(flags[i], want, `${v} in ${req} → ${eco} ${range}`);
        });
      },
    ),
    { numRuns: runs },
  );
}

Deno.test({
  name:
    "PEP 440: mapped versions sort as SemVer under packaging.version; ranges admit the same releases",
  ignore: !hasPackaging,
  async fn() {
    await using oracle = new LineOracle("python3", ["tests/oracles/pep440_oracle.py"]);
    await checkOrder(oracle, "pypi", 300);
    await checkRanges(oracle, "pypi", 300);
  },
});

Deno.test({
  name:
    "Maven: mapped versions sort as SemVer under ComparableVersion; VersionRange admits the same releases",
  ignore: !hasJava,
  async fn() {
    await using oracle = new LineOracle("java", [
      "-cp",
      "fixtures/maven-artifact/maven-artifact-3.9.9.jar",
      "tests/oracles/MavenOracle.java",
    ]);
    await checkOrder(oracle, "maven", 300);
    await checkRanges(oracle, "maven", 300);
  },
});

Deno.test({
  name: "oracles catch a wrong mapping (SemVer text for PEP 440's pre-releases misorders)",
  ignore: !hasPackaging || !hasJava,
  async fn() {
    // The mapping the tests guard against: unknown Maven qualifiers sort after the release, and
    // PEP 440 reads "1.0.0-x.1" as a post-release, so identity would fail both properties.
    await using py = new LineOracle("python3", ["tests/oracles/pep440_oracle.py"]);
    assert.equal(await py.ask(["sort", "1.0.0-1", "1.0.0"]), "1");
    await using mvn = new LineOracle("java", [
      "-cp",
      "fixtures/maven-artifact/maven-artifact-3.9.9.jar",
      "tests/oracles/MavenOracle.java",
    ]);
    assert.equal(await mvn.ask(["sort", "1.0.0-x.1", "1.0.0"]), "1");
    assert.equal(await mvn.ask(["sort", "1.0.0-alpha.1", "1.0.0"]), "-1");
  },
});

/** Any SemVer pre-release: the mappable ones and others node-semver must order the same. */
const anyVersion = fc.tuple(
  fc.nat(3),
  fc.nat(3),
  fc.nat(3),
  fc.option(
    fc.array(fc.oneof(fc.constantFrom("alpha", "beta", "rc", "x", "0a"), fc.nat(12).map(String)), {
      minLength: 1,
      maxLength: 3,
    }),
    { nil: undefined },
  ),
).map(([a, b, c, pre]) => `${a}.${b}.${c}${pre === undefined ? "" : `-${pre.join(".")}`}`);

const preComparator = fc.tuple(
  fc.constantFrom("=", ">", ">=", "<", "<=", "~", "^"),
  anyVersion,
).map(([op, v]) => `${op}${v}`);

Deno.test({
  name:
    "npm/JSR: node-semver orders the versions as SemVer and admits what cargo's rules admit, pre-releases too",
  ignore: npmSemver === undefined,
  async fn() {
    await using oracle = new LineOracle("node", ["tests/oracles/npm_semver_oracle.cjs"], {
      NPM_SEMVER: npmSemver!,
    });
    await fc.assert(
      fc.asyncProperty(fc.array(anyVersion, { minLength: 2, maxLength: 24 }), async (vs) => {
        const sorted = vs.map(parseVersion).sort(compareVersions);
        const mapped = sorted.map((v) => mapVersion("npm", v));
        const signs = (await oracle.ask(["sort", ...mapped])).split(" ").map(Number);
        sorted.slice(1).forEach((v, i) => {
          assert.equal(signs[i], Math.sign(compareVersions(sorted[i]!, v)), mapped.join(" "));
        });
      }),
      { numRuns: 300 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          requirement,
          preComparator,
          fc.tuple(preComparator, comparator).map(([a, b]) => `${a}, ${b}`),
        ),
        fc.array(anyVersion, { minLength: 1, maxLength: 16 }),
        async (req, vs) => {
          let range: string;
          try {
            range = mapRange("npm", req);
          } catch (e) {
            fc.pre(!String(e).includes("admits no version"));
            throw e;
          }
          const flags = (await oracle.ask(["range", range, ...vs])).split(" ");
          const parsed = parseRequirement(req);
          vs.forEach((v, i) => {
            const want = satisfies(parseVersion(v), parsed) ? "1" : "0";
            assert.equal(flags[i], want, `${v} in ${req} → npm ${range}`);
          });
        },
      ),
      { numRuns: 500 },
    );
  },
});
