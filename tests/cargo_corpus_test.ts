/**
 * The recorded cargo corpus (`fixtures/cargo-corpus/`) is well-formed and agrees with the script
 * that records it and with the index it was resolved from (`fixtures/cargo-corpus-index/`).
 */
import { parse } from "smol-toml";
import { assert, assertEquals } from "./assert.ts";
import { ROOT } from "./helpers.ts";
import { corpusCases, renderManifest } from "../scripts/gen_cargo_corpus.ts";
import { loadCargoCorpus } from "../scripts/_cargo_corpus.ts";
import { cargoIndexPath } from "../scripts/_cargo_index.ts";
import { guardedTest } from "./stray.ts";

const CORPUS = `${ROOT}/fixtures/cargo-corpus`;
const INDEX = `${ROOT}/fixtures/cargo-corpus-index`;
const CRATES_IO = "registry+https://github.com/rust-lang/crates.io-index";

interface IndexLine {
  vers: string;
  cksum: string;
  yanked: boolean;
  links?: string | null;
}

const indexCache = new Map<string, Map<string, IndexLine>>();
async function indexVersions(name: string): Promise<Map<string, IndexLine>> {
  let m = indexCache.get(name);
  if (!m) {
    const text = await Deno.readTextFile(`${INDEX}/${cargoIndexPath(name)}`);
    m = new Map();
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      const l = JSON.parse(line) as IndexLine;
      m.set(l.vers, l);
    }
    indexCache.set(name, m);
  }
  return m;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

guardedTest("cargo corpus: the script's case list is what is recorded", async () => {
  const cases = corpusCases();
  assertEquals(new Set(cases.map((c) => c.name)).size, cases.length, "case names are unique");
  assertEquals(corpusCases(), cases, "the case list is deterministic");
  const dirs: string[] = [];
  for await (const e of Deno.readDir(CORPUS)) if (e.isDirectory) dirs.push(e.name);
  assertEquals(dirs.sort(), cases.map((c) => c.name).sort());
  for (const c of cases) {
    assertEquals(
      await Deno.readTextFile(`${CORPUS}/${c.name}/Cargo.toml`),
      renderManifest(c),
      `${c.name}: recorded Cargo.toml is the script's manifest`,
    );
  }
});

guardedTest("cargo corpus: the case list covers what the issue asks", () => {
  const cases = corpusCases();
  const count = (prefix: string) => cases.filter((c) => c.name.startsWith(prefix)).length;
  assert(cases.length >= 60, `${cases.length} cases`);
  assertEquals(count("seed-"), 56, "each of the 28 seeds with `*` and with its major");
  assert(count("nodefault-") >= 12);
  assert(count("feat-") >= 12);
  assert(count("rename-") >= 1 && count("optional-") >= 1 && count("build-") >= 1);
  const combos = cases.filter((c) => c.name.startsWith("combo-"));
  assert(combos.length >= 10);
  for (const c of combos) {
    assert(c.dependencies.length >= 5 && c.dependencies.length <= 12, c.name);
  }
  for (const c of cases) {
    const m = parse(renderManifest(c)) as Record<string, unknown>;
    assertEquals((m.package as Record<string, unknown>).edition, "2021");
    assert(!("rust-version" in (m.package as Record<string, unknown>)), c.name);
  }
});

guardedTest(
  "cargo corpus: every case has exactly one answer, and every lock matches the index",
  async () => {
    const corpus = await loadCargoCorpus(CORPUS);
    assertEquals(corpus.length, corpusCases().length);
    let locked = 0;
    for (const c of corpus) {
      const lockPath = `${CORPUS}/${c.name}/Cargo.lock`;
      assertEquals(
        [await exists(lockPath), await exists(`${CORPUS}/${c.name}/cargo-error.txt`)].filter(
          Boolean,
        )
          .length,
        1,
        c.name,
      );
      if ("error" in c.expected) {
        assert(c.expected.error.includes("error:"), `${c.name}: cargo's error text`);
        assert(!/\/tmp\/|127\.0\.0\.1:\d/.test(c.expected.error), `${c.name}: normalised`);
        continue;
      }
      locked++;
      const lock = parse(await Deno.readTextFile(lockPath)) as {
        version: number;
        package: Record<string, unknown>[];
      };
      assertEquals(lock.version, 4, `${c.name}: lock format`);
      const roots = lock.package.filter((p) => p.source === undefined);
      assertEquals(roots.map((p) => [p.name, p.version]), [["corpus-case", "0.0.0"]]);
      assertEquals(c.expected.packages.length, lock.package.length - 1);
      const links = new Map<string, string>();
      for (const p of c.expected.packages) {
        const at = `${c.name}: ${p.name} ${p.version}`;
        assertEquals(
          lock.package.find((q) => q.name === p.name && q.version === p.version)?.source,
          CRATES_IO,
          at,
        );
        const line = (await indexVersions(p.name)).get(p.version);
        assert(line, `${at} is in the index`);
        assertEquals(p.checksum, line.cksum, `${at}: checksum is the index cksum`);
        assert(!line.yanked, `${at}: cargo never picks a yanked version for a new lock`);
        if (line.links) {
          assert(!links.has(line.links), `${at}: links = ${line.links} is unique`);
          links.set(line.links, p.name);
        }
      }
      // every direct dependency of the root is in the lock
      for (const [key, spec] of Object.entries({ ...c.dependencies, ...c.buildDependencies })) {
        const crate = typeof spec === "object" && typeof spec.package === "string"
          ? spec.package
          : key;
        assert(c.expected.packages.some((p) => p.name === crate), `${c.name}: ${crate} locked`);
      }
    }
    assert(locked >= 0.8 * corpus.length, `${locked} of ${corpus.length} cases locked`);
  },
);

guardedTest(
  "cargo corpus: the combined manifest of the data README resolves to 214 packages",
  async () => {
    const corpus = await loadCargoCorpus(CORPUS);
    const combined = corpus.find((c) => c.name === "combined");
    assert(combined && "packages" in combined.expected);
    // fixtures/README.md: "cargo resolved that one to 214 packages" (the root included)
    assertEquals(combined.expected.packages.length + 1, 214);
    assertEquals(
      Object.keys(combined.dependencies).sort(),
      [
        "anyhow",
        "clap",
        "rand",
        "regex",
        "reqwest",
        "serde",
        "serde_json",
        "time",
        "tokio",
        "uuid",
      ],
    );
  },
);

const hasCargo = await new Deno.Command("cargo", { args: ["--version"], stdout: "null" })
  .output().then((o) => o.success, () => false);

guardedTest({
  name: "cargo corpus: the script reproduces recorded cases with the installed cargo",
  ignore: !hasCargo,
  async fn() {
    const recorded = (await Deno.readTextFile(`${CORPUS}/cargo-version.txt`)).trim();
    const version = new TextDecoder().decode(
      (await new Deno.Command("cargo", { args: ["--version"], stdout: "piped" }).output()).stdout,
    ).trim();
    if (version !== recorded) return; // another cargo may legitimately answer differently
    const out = await Deno.makeTempDir({ prefix: "mochi-corpus-test-" });
    try {
      const only = [
        "seed-serde-any",
        "links-openssl-sys-two-majors",
        "optional-not-enabled",
        "error-unknown-feature",
      ];
      const res = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          `${ROOT}/scripts/gen_cargo_corpus.ts`,
          "--out",
          out,
          "--only",
          only.join(","),
          "--index",
          INDEX,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert(res.success, new TextDecoder().decode(res.stderr));
      for (const name of only) {
        for (const file of ["Cargo.toml", "Cargo.lock", "cargo-error.txt"]) {
          const a = await Deno.readTextFile(`${CORPUS}/${name}/${file}`).catch(() => null);
          const b = await Deno.readTextFile(`${out}/${name}/${file}`).catch(() => null);
          assertEquals(b, a, `${name}/${file}`);
        }
      }
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});
