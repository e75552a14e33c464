/**
 * Reads the real-project Rust corpus (`fixtures/rust-corpus/`, recorded by
 * `scripts/record_rust_corpus.ts`): its projects (the same layout as the cargo corpus, so
 * {@link loadCargoCorpus} reads them) and its index, kept as one `index.tar.zst` and extracted
 * here into a plain sparse-index directory.
 *
 * @module
 */
import { type CargoCorpusCase, loadCargoCorpus } from "./_cargo_corpus.ts";
import { readArchive } from "../src/store/mod.ts";

/** `fixtures/rust-corpus/`, absolute, no trailing slash. */
export const RUST_CORPUS_DIR: string = new URL("../fixtures/rust-corpus", import.meta.url)
  .pathname;

/**
 * Every project of the corpus with cargo's lock.
 *
 * @returns the projects sorted by name
 */
export function loadRustCorpus(): Promise<CargoCorpusCase[]> {
  return loadCargoCorpus(`${RUST_CORPUS_DIR}/projects`);
}

/**
 * Extracts the corpus index (`index.tar.zst`) into `dest` (created when missing): cargo's sparse
 * layout and a `config.json`, 797 files, about 54 MB.
 *
 * @param dest directory to write into
 * @returns the number of files written
 * @throws {MochiError} `BLOB_E003`/`BLOB_E004`/`BLOB_E005` when the archive is damaged
 */
export async function extractRustCorpusIndex(dest: string): Promise<number> {
  const file = await Deno.open(`${RUST_CORPUS_DIR}/index.tar.zst`);
  let n = 0;
  for await (const e of readArchive(file.readable)) {
    if (e.type === "directory") {
      await Deno.mkdir(`${dest}/${e.path}`, { recursive: true });
    } else {
      await Deno.writeFile(`${dest}/${e.path}`, e.bytes);
      n++;
    }
  }
  return n;
}

/**
 * The corpus index extracted once under `.cache/rust-corpus-index/` (for the benches): extracted
 * again when the archive's size or modification time changed.
 *
 * @returns the index directory
 */
export async function cachedRustCorpusIndex(): Promise<string> {
  const dir = new URL("../.cache/rust-corpus-index", import.meta.url).pathname;
  const st = await Deno.stat(`${RUST_CORPUS_DIR}/index.tar.zst`);
  const key = `${st.size} ${st.mtime?.getTime()}`;
  if ((await Deno.readTextFile(`${dir}/.inputs`).catch(() => "")) === key) return dir;
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
  await extractRustCorpusIndex(dir);
  await Deno.writeTextFile(`${dir}/.inputs`, key);
  return dir;
}
