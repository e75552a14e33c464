/**
 * The demo's registry as cargo sees it: a cargo sparse index holding exactly what
 * `scripts/convert_crates_index.ts` gives mochi (issue 17 goal 1, "a manifest whose picks are
 * identical"). The demo registry has no features, no optional, dev or target-only distinctions
 * and no `links`; cargo resolving the real index activates default features and their optional
 * crates, so it locks a larger graph than mochi and the timings compare different work. Here every
 * version keeps its name, version, yanked flag and `cksum`, and its dependencies become exactly
 * {@link mochiDependencies} (normal and build dependencies that are not optional, a name given
 * twice with both requirements joined by `,`) as plain normal dependencies with no features;
 * `features` is empty and `links` absent. Cargo then resolves the graph mochi resolves.
 *
 * Usage: `deno run -A scripts/demo_cargo_index.ts SRC_CARGO_INDEX DEST`
 *
 * Cargo index format: doc.rust-lang.org/cargo/reference/registry-index.html.
 *
 * @module
 */
import { mochiDependencies } from "./convert_crates_index.ts";
import type { CargoDep } from "./_cargo_index.ts";

/**
 * One cargo index line reduced to the demo registry's view.
 *
 * @param line a cargo index line (JSON)
 * @returns the reduced line (JSON, no newline)
 */
export function demoCargoLine(line: string): string {
  const c = JSON.parse(line) as {
    name: string;
    vers: string;
    deps: CargoDep[];
    cksum: string;
    yanked?: boolean;
  };
  const deps = Object.entries(mochiDependencies(c.deps)).map(([name, req]) => ({
    name,
    req,
    features: [],
    optional: false,
    default_features: true,
    target: null,
    kind: "normal",
  }));
  return JSON.stringify({
    name: c.name,
    vers: c.vers,
    deps,
    cksum: c.cksum,
    features: {},
    yanked: c.yanked === true,
  });
}

/**
 * Writes the reduced copy of a whole cargo index directory (`config.json` copied as it is).
 *
 * @param src cargo sparse index directory
 * @param dest directory to create (replaced when it exists)
 * @returns the number of crates written
 */
export async function writeDemoCargoIndex(src: string, dest: string): Promise<number> {
  await Deno.remove(dest, { recursive: true }).catch(() => {});
  let n = 0;
  const walk = async (rel: string): Promise<void> => {
    for await (const e of Deno.readDir(rel === "" ? src : `${src}/${rel}`)) {
      const p = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else if (!e.isFile || e.name.startsWith(".")) continue;
      else if (p === "config.json") await Deno.copyFile(`${src}/${p}`, `${dest}/${p}`);
      else {
        const text = await Deno.readTextFile(`${src}/${p}`);
        const lines = text.split("\n").filter((l) => l.trim() !== "").map(demoCargoLine);
        await Deno.mkdir(`${dest}/${p.slice(0, p.lastIndexOf("/"))}`, { recursive: true });
        await Deno.writeTextFile(`${dest}/${p}`, lines.map((l) => `${l}\n`).join(""));
        n++;
      }
    }
  };
  await Deno.mkdir(dest, { recursive: true });
  await walk("");
  return n;
}

if (import.meta.main) {
  const [src, dest] = Deno.args;
  if (!src || !dest) {
    console.error("usage: demo_cargo_index.ts SRC_CARGO_INDEX DEST");
    Deno.exit(1);
  }
  console.log(`${await writeDemoCargoIndex(src, dest)} crates written to ${dest}`);
}
