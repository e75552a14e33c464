/**
 * A cargo sparse index written for a test: `config.json`, one index file per crate, and each
 * `.crate` under `dl/<crate>/<version>/download`, served by `serveRegistrySubprocess`.
 */
import { gzipSync } from "node:zlib";
import { crateIndexPath } from "../src/rust/mod.ts";
import { digestBytes } from "../src/store/mod.ts";

/** One crate version of {@link writeCargoIndex}: no dependencies, no features. */
export interface TestCrate {
  /** Crate name. */
  name: string;
  /** Version. */
  vers: string;
  /** The `.crate` bytes; a gzipped line of text when absent. */
  body?: Uint8Array;
}

/**
 * Writes (or rewrites) a cargo sparse index of the given crate versions.
 *
 * @param dir the index directory
 * @param crates every version the index lists
 */
export async function writeCargoIndex(dir: string, crates: readonly TestCrate[]): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/config.json`,
    JSON.stringify({ dl: "dl/{crate}/{version}/download", api: null }),
  );
  const lines = new Map<string, string[]>();
  for (const c of crates) {
    const body = c.body ??
      new Uint8Array(gzipSync(new TextEncoder().encode(`${c.name}-${c.vers}\n`)));
    await Deno.mkdir(`${dir}/dl/${c.name}/${c.vers}`, { recursive: true });
    await Deno.writeFile(`${dir}/dl/${c.name}/${c.vers}/download`, body);
    const line = JSON.stringify({
      name: c.name,
      vers: c.vers,
      deps: [],
      cksum: (await digestBytes(body)).sha256,
      features: {},
      yanked: false,
    });
    const p = crateIndexPath(c.name);
    lines.set(p, [...(lines.get(p) ?? []), line]);
  }
  for (const [p, ls] of lines) {
    await Deno.mkdir(`${dir}/${p.split("/").slice(0, -1).join("/")}`, { recursive: true });
    await Deno.writeTextFile(`${dir}/${p}`, ls.join("\n") + "\n");
  }
}
