/**
 * Copies into `fixtures/crates-index/` the part of a cargo sparse index that a set of root
 * requirements can reach: starting from the roots, every version a seen requirement matches is
 * kept (yanked too, with all its index fields), and its normal and build dependencies that are not
 * optional are followed, until nothing new is seen. Index lines are copied byte for byte.
 *
 * Usage: `deno run -A scripts/select_fixture_crates.ts [SRC_INDEX] [DEST] [name=req ...]`
 * (defaults: `fixtures/cargo-corpus-index`, `fixtures/crates-index`, the demo manifest's
 * dependencies).
 *
 * @module
 */
import { parseRequirement, parseVersion, satisfies } from "../src/semver/mod.ts";
import { type CargoDep, cargoIndexPath } from "./_cargo_index.ts";

/** The demo manifest's dependencies (fixtures/demo/mochi.toml). */
export const DEMO_ROOTS: Record<string, string> = {
  anyhow: "1",
  clap: "4",
  rand: "0.8",
  regex: "1",
  reqwest: "0.12",
  serde: "1",
  serde_json: "1",
  tokio: "1",
  uuid: "1",
  time: "0.3",
};

/**
 * Computes the reachable subset and writes it.
 *
 * @param src cargo sparse index directory
 * @param dest output directory (replaced)
 * @param roots name → cargo requirement
 * @returns counts of crates and versions kept
 */
export async function selectFixtureCrates(
  src: string,
  dest: string,
  roots: Record<string, string>,
): Promise<{ crates: number; versions: number }> {
  const files = new Map<string, string[]>(); // crate → its index lines
  const keep = new Map<string, Set<number>>(); // crate → kept line numbers
  const seenReq = new Set<string>();
  const queue: [string, string][] = Object.entries(roots);
  while (queue.length > 0) {
    const [name, req] = queue.pop()!;
    const key = `${name}\u0000${req}`;
    if (seenReq.has(key)) continue;
    seenReq.add(key);
    let lines = files.get(name);
    if (!lines) {
      try {
        lines = (await Deno.readTextFile(`${src}/${cargoIndexPath(name)}`)).split("\n").filter((
          l,
        ) => l.trim() !== "");
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) {
          console.error(`warning: ${name} is not in ${src}`);
          lines = [];
        } else throw e;
      }
      files.set(name, lines);
      keep.set(name, new Set());
    }
    const r = parseRequirement(req);
    lines.forEach((line, i) => {
      const rec = JSON.parse(line) as { vers: string; deps: CargoDep[] };
      if (!satisfies(parseVersion(rec.vers), r) || keep.get(name)!.has(i)) return;
      keep.get(name)!.add(i);
      for (const d of rec.deps) {
        if (d.optional || d.kind === "dev") continue;
        queue.push([(d.package ?? d.name).toLowerCase(), d.req]);
      }
    });
  }
  await Deno.remove(dest, { recursive: true }).catch(() => {});
  let versions = 0, crates = 0;
  for (const [name, lines] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const kept = [...keep.get(name)!].sort((a, b) => a - b).map((i) => lines[i]);
    if (kept.length === 0) continue;
    const path = `${dest}/${cargoIndexPath(name)}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, kept.join("\n") + "\n");
    versions += kept.length;
    crates++;
  }
  await Deno.writeTextFile(
    `${dest}/config.json`,
    JSON.stringify({ dl: "http://127.0.0.1:8080/dl/{crate}/{version}/download", api: null }) + "\n",
  );
  return { crates, versions };
}

if (import.meta.main) {
  const [src = "fixtures/cargo-corpus-index", dest = "fixtures/crates-index", ...pairs] = Deno.args;
  const roots = pairs.length > 0
    ? Object.fromEntries(pairs.map((p) => p.split("=", 2) as [string, string]))
    : DEMO_ROOTS;
  const { crates, versions } = await selectFixtureCrates(src, dest, roots);
  console.log(`kept ${crates} crates, ${versions} versions in ${dest}`);
}
