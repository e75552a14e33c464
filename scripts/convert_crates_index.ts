/**
 * Turns a cargo sparse index directory into a mochi registry directory.
 *
 * For every crate version: the same name (lowercased), version, yanked flag and requirement
 * strings (the grammar is the same); normal and build dependencies that are not optional
 * (dev-dependencies and optional ones are dropped: no features exist yet on the mochi side); a
 * dependency named twice (e.g. for two targets) keeps both requirements joined with `,` (AND).
 * Each version gets a small deterministic `.tar.zst` (its `mochi.toml` and a README) whose BLAKE3
 * and SHA-256 go into the index record, and the blob is written under `blobs/`.
 *
 * Usage: `deno run -A scripts/convert_crates_index.ts SRC_INDEX DEST_REGISTRY`
 *
 * Cargo index format: doc.rust-lang.org/cargo/reference/registry-index.html.
 *
 * @module
 */
import { formatIndexRecord, indexPath, type IndexRecord } from "../src/index/mod.ts";
import { digestBytes, writeArchive } from "../src/store/mod.ts";
import { type CargoDep, cargoIndexPath } from "./_cargo_index.ts";

export { cargoIndexPath };

interface CargoRecord {
  name: string;
  vers: string;
  deps: CargoDep[];
  yanked: boolean;
}

function tomlString(s: string): string {
  return JSON.stringify(s);
}

/**
 * The dependencies of one cargo index line as mochi sees them.
 *
 * @param deps the `deps` array of a cargo index line
 * @returns lowercased name → requirement, sorted by name
 */
export function mochiDependencies(deps: CargoDep[]): Record<string, string> {
  const out = new Map<string, string[]>();
  for (const d of deps) {
    if (d.optional || d.kind === "dev") continue;
    const name = (d.package ?? d.name).toLowerCase();
    const reqs = out.get(name) ?? [];
    if (!reqs.includes(d.req)) reqs.push(d.req);
    out.set(name, reqs);
  }
  return Object.fromEntries(
    [...out].sort(([a], [b]) => (a < b ? -1 : 1)).map(([n, r]) => [n, r.join(", ")]),
  );
}

/**
 * The deterministic archive of one converted version: `mochi.toml` and `README.md`.
 *
 * @param name package name
 * @param version version text
 * @param deps name → requirement
 * @returns the `.tar.zst` bytes
 */
export function packageArchive(
  name: string,
  version: string,
  deps: Record<string, string>,
): Promise<Uint8Array> {
  const lines = [
    "[package]",
    `name = ${tomlString(name)}`,
    `version = ${tomlString(version)}`,
    'edition = "2026"',
    'mochi = ">=0.7"',
    "",
    "[dependencies]",
    ...Object.entries(deps).map(([n, r]) => `${tomlString(n)} = ${tomlString(r)}`),
    "",
  ];
  const readme =
    `# ${name} ${version}\n\nConverted from the crates.io index entry of \`${name}\` ${version}.\n`;
  const enc = new TextEncoder();
  return writeArchive([
    { path: "mochi.toml", bytes: enc.encode(lines.join("\n")) },
    { path: "README.md", bytes: enc.encode(readme) },
  ]);
}

async function* walkIndex(dir: string, rel = ""): AsyncGenerator<string> {
  const entries: Deno.DirEntry[] = [];
  for await (const e of Deno.readDir(`${dir}/${rel}`)) entries.push(e);
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory) yield* walkIndex(dir, p);
    else if (e.isFile && p !== "config.json" && !e.name.startsWith(".")) yield p;
  }
}

/**
 * Converts a whole cargo index directory.
 *
 * @param src cargo sparse index directory
 * @param dest mochi registry directory to create (written into a temp sibling, then renamed)
 * @returns counts of packages, versions and blob bytes written
 */
export async function convertCratesIndex(
  src: string,
  dest: string,
): Promise<{ packages: number; versions: number; blobBytes: number }> {
  const tmp = `${dest}.tmp-${Deno.pid}`;
  await Deno.remove(tmp, { recursive: true }).catch(() => {});
  await Deno.mkdir(`${tmp}/blobs`, { recursive: true });
  let packages = 0, versions = 0, blobBytes = 0;
  for await (const rel of walkIndex(src)) {
    const text = await Deno.readTextFile(`${src}/${rel}`);
    const records: IndexRecord[] = [];
    let name = "";
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      const c = JSON.parse(line) as CargoRecord;
      name = c.name.toLowerCase();
      const d = mochiDependencies(c.deps);
      const bytes = await packageArchive(name, c.vers, d);
      const { blake3, sha256 } = await digestBytes(bytes);
      await Deno.writeFile(`${tmp}/blobs/${blake3}`, bytes);
      blobBytes += bytes.length;
      const rec: IndexRecord = {
        version: c.vers,
        blake3,
        sha256,
        dependencies: d,
        yanked: c.yanked === true,
        capabilities: [],
        extra: {},
      };
      records.push(rec);
      versions++;
    }
    if (records.length === 0) continue;
    const path = `${tmp}/${indexPath(name)}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, records.map((r) => formatIndexRecord(r) + "\n").join(""));
    packages++;
  }
  await Deno.writeTextFile(
    `${tmp}/config.json`,
    JSON.stringify({ dl: "blobs/", api: null, "auth-required": false }) + "\n",
  );
  await Deno.remove(dest, { recursive: true }).catch(() => {});
  await Deno.rename(tmp, dest);
  return { packages, versions, blobBytes };
}

if (import.meta.main) {
  const [src, dest] = Deno.args;
  if (!src || !dest) {
    console.error("usage: convert_crates_index.ts SRC_CARGO_INDEX DEST_MOCHI_REGISTRY");
    Deno.exit(1);
  }
  const t0 = performance.now();
  const r = await convertCratesIndex(src, dest);
  console.log(
    `converted ${r.packages} packages, ${r.versions} versions (${
      (r.blobBytes / 1e6).toFixed(1)
    } MB of blobs) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}
