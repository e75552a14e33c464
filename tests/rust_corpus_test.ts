/**
 * The Rust bridge against cargo on real projects' dependency lists (`fixtures/rust-corpus/`,
 * recorded from the crates registry by `scripts/record_rust_corpus.ts` with cargo 1.95): for every
 * project, the `(name, version)` set mochi pkg resolves from the recorded index must be exactly
 * the one in cargo's `Cargo.lock`, and the index must hold each locked version with the lock's
 * checksum (so the recording is complete and was not edited).
 */
import { assert, assertEquals } from "./assert.ts";
import { requirementsOf } from "../scripts/_cargo_corpus.ts";
import { extractRustCorpusIndex, loadRustCorpus } from "../scripts/_rust_corpus.ts";
import { cargoIndexPath } from "../scripts/_cargo_index.ts";
import { openCargoIndex } from "../src/registry/client/cargo_index_client.ts";
import { resolveCrates } from "../src/rust/mod.ts";
import { guardedTest } from "./stray.ts";

guardedTest("mochi pkg picks exactly cargo's versions for 20+ real projects", async () => {
  const projects = await loadRustCorpus();
  assert(projects.length >= 20, `corpus has ${projects.length} projects`);
  const tmp = await Deno.makeTempDir({ prefix: "mochi-rust-corpus-test-" });
  try {
    const files = await extractRustCorpusIndex(`${tmp}/index`);
    assert(files > 500, `index has ${files} files`);
    const index = openCargoIndex(`${tmp}/index`, { cacheDir: `${tmp}/cache` });
    const mismatches: string[] = [];
    for (const p of projects) {
      assert("packages" in p.expected, `${p.name}: cargo failed when it was recorded`);
      const want = p.expected.packages;
      // The recording: every locked version is in the index with the lock's checksum.
      for (const w of want) {
        const lines = (await Deno.readTextFile(`${tmp}/index/${cargoIndexPath(w.name)}`))
          .split("\n").filter((l) => l !== "").map((l) =>
            JSON.parse(l) as { vers: string; cksum: string; yanked: boolean }
          );
        const line = lines.find((l) => l.vers === w.version);
        assertEquals(line?.cksum, w.checksum, `${p.name}: ${w.name} ${w.version} in the index`);
        assert(line?.yanked === false, `${p.name}: ${w.name} ${w.version} is yanked`);
      }
      const r = await resolveCrates(index, requirementsOf(p), { indexUrl: index.url });
      const got = r.crates.map((c) => `${c.name} ${c.version}`).sort();
      const wanted = want.map((c) => `${c.name} ${c.version}`).sort();
      const extra = got.filter((x) => !wanted.includes(x));
      const missing = wanted.filter((x) => !got.includes(x));
      if (extra.length > 0 || missing.length > 0) {
        mismatches.push(
          `${p.name}: mochi only [${extra.join(", ")}]; cargo only [${missing.join(", ")}]`,
        );
      }
    }
    assertEquals(
      mismatches,
      [],
      `projects where mochi and cargo differ:\n${mismatches.join("\n")}`,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
