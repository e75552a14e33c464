/**
 * The real oracle for the Python resolver: pip 23.2.1's picks for the requirement sets of
 * `fixtures/python/sets.json`, resolved again by mochi from the same index served on loopback
 * (fixtures/README.md, "python/"). At least 95 % of the sets must give pip's picks, down to the
 * wheel file and its SHA-256; README.md ("Python bridge") explains each set that differs.
 *
 * @module
 */
import assert from "node:assert/strict";
import { openPythonIndex } from "../src/python/client/mod.ts";
import type { MarkerEnvironment } from "../src/python/pep508.ts";
import { type PythonEnvironment, resolvePython } from "../src/python/resolve.ts";
import { servePythonIndex } from "./python_index_server.ts";

const ROOT = new URL("../fixtures/python/", import.meta.url).pathname;

/** One recorded requirement set. */
export interface CorpusSet {
  id: string;
  requirements: string[];
  environment: MarkerEnvironment;
  picks: { name: string; version: string; filename: string; sha256: string }[];
}

/** The corpus and the target pip resolved for. */
export async function loadPythonCorpus(): Promise<{ sets: CorpusSet[]; tags: string[] }> {
  const sets = JSON.parse(await Deno.readTextFile(`${ROOT}sets.json`)).sets as CorpusSet[];
  const tags = (await Deno.readTextFile(`${ROOT}supported_tags.txt`)).trim().split("\n");
  return { sets, tags };
}

/** pip's target for a set: its recorded markers, its tags, requires-python against 3.12.0. */
export function pipEnvironment(set: CorpusSet, tags: string[]): PythonEnvironment {
  return { markers: set.environment, tags, pythonVersion: "3.12.0" };
}

/** Sets where mochi's picks differ from pip's, each explained in README.md. */
const EXPLAINED = new Set<string>([]);

Deno.test("Python oracle: mochi picks what pip 23.2 picked for >= 95 % of the requirement sets", async () => {
  const { sets, tags } = await loadPythonCorpus();
  const server = await servePythonIndex(`${ROOT}index`);
  const cacheDir = await Deno.makeTempDir();
  const differ: string[] = [];
  try {
    const client = openPythonIndex(server.url, { cacheDir });
    for (const set of sets) {
      let got: string[];
      try {
        const r = await resolvePython(set.requirements, {
          client,
          environment: pipEnvironment(set, tags),
        });
        got = r.packages.map((p) => `${p.name}==${p.version} ${p.file.filename} ${p.file.sha256}`);
      } catch (e) {
        got = [`error: ${(e as Error).message}`];
      }
      const want = set.picks.map((p) => `${p.name}==${p.version} ${p.filename} ${p.sha256}`).sort();
      got.sort();
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        const extra = got.filter((g) => !want.includes(g));
        const missing = want.filter((w) => !got.includes(w));
        differ.push(
          `${set.id} ${set.requirements.join(" ")}:\n  mochi only: ${
            extra.join("; ")
          }\n  pip only:   ${missing.join("; ")}`,
        );
      }
    }
    await client.flush();
  } finally {
    await server.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
  if (differ.length > 0) console.log(differ.join("\n"));
  console.log(`${sets.length - differ.length}/${sets.length} sets give pip's picks`);
  const same = sets.length - differ.length;
  assert.ok(sets.length >= 25, `only ${sets.length} sets`);
  assert.ok(same / sets.length >= 0.95, `${same}/${sets.length} sets give pip's picks`);
  for (const d of differ) {
    assert.ok(EXPLAINED.has(d.split(" ")[0]!), `unexplained difference: ${d}`);
  }
});
