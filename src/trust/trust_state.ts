/**
 * What a client remembers about each registry's signed snapshot between runs: the pinned key,
 * the highest version seen and its digest (`src/index/snapshot.ts` {@link TrustedSnapshot}).
 * One JSON file per registry under `<stateDir>/snapshots/`, updated under an exclusive file
 * lock so two processes never lower the recorded version.
 *
 * @module
 */
import { sha256Hex } from "../store/digest.ts";
import { join } from "node:path";
import type { TrustedSnapshot } from "../index/mod.ts";
import { writeFileAtomic } from "../store/fs/fs_atomic.ts";

/**
 * The trust state of one registry.
 */
export class TrustStore {
  readonly #file: string;
  readonly #dir: string;
  readonly #url: string;

  /**
   * Opens the state of the registry at `url` (nothing is read until {@link TrustStore.read}).
   *
   * @param stateDir the state directory (`$MOCHI_HOME/state`)
   * @param url the registry's index root URL
   */
  constructor(stateDir: string, url: string) {
    this.#dir = join(stateDir, "snapshots");
    this.#url = url;
    const id = sha256Hex(url).slice(0, 32);
    this.#file = join(this.#dir, `${id}.json`);
  }

  /**
   * The recorded state, or undefined when the registry was never seen (or the file is
   * unreadable: a damaged state file is treated as first use, never as a crash).
   *
   * @returns key, version and digest
   */
  async read(): Promise<TrustedSnapshot | undefined> {
    let text: string;
    try {
      text = await Deno.readTextFile(this.#file);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw e;
    }
    try {
      const o = JSON.parse(text) as Record<string, unknown>;
      if (
        o.url === this.#url && typeof o.key === "string" && typeof o.version === "number" &&
        typeof o.digest === "string"
      ) {
        return { key: o.key, version: o.version, digest: o.digest };
      }
    } catch {
      // fall through: damaged
    }
    return undefined;
  }

  /**
   * Records `next` when its version is at least the recorded one (under an exclusive lock, so
   * concurrent processes keep the maximum).
   *
   * @param next the state to record
   * @returns the state now on disk
   */
  async advance(next: TrustedSnapshot): Promise<TrustedSnapshot> {
    await Deno.mkdir(this.#dir, { recursive: true });
    const lock = await Deno.open(`${this.#file}.lock`, { create: true, write: true });
    try {
      await lock.lock(true);
      const current = await this.read();
      if (current !== undefined && current.version > next.version) return current;
      const body = JSON.stringify({ url: this.#url, ...next }) + "\n";
      await writeFileAtomic(this.#file, new TextEncoder().encode(body));
      return next;
    } finally {
      lock.close(); // closing releases the lock
    }
  }
}
