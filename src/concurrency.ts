/**
 * The one concurrency primitive of mochi pkg: a counting {@link Semaphore} (Go's
 * `golang.org/x/sync/semaphore`, tokio's `Semaphore`), and {@link runPool}, a bounded pool of
 * async workers over a list built on it. The registry client bounds its requests in flight with
 * the semaphore; the install pipeline, `outdated` and the Mochi source bound their work with the
 * pool.
 *
 * @module
 */

/**
 * A counting semaphore: at most `size` holders at once; waiters are served first come, first
 * served.
 */
export class Semaphore {
  #free: number;
  #waiting: (() => void)[] = [];
  /** @param size how many holders at once (at least 1 is used) */
  constructor(size: number) {
    this.#free = Math.max(1, size);
  }
  /**
   * Waits for a free slot.
   *
   * @returns the release function of the slot (calling it again does nothing)
   */
  async acquire(): Promise<() => void> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((r) => this.#waiting.push(r));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next !== undefined) next();
      else this.#free++;
    };
  }
}

/**
 * Runs `fn` over `items` with at most `limit` calls in flight, started in the order of `items`.
 * After the first failure no new item starts; the calls in flight finish, then that first error
 * is thrown.
 *
 * @param items the work, in the order it starts
 * @param limit most calls at once (at least 1 is used when there are items)
 * @param fn the work for one item
 * @throws the first error any call threw
 */
export async function runPool<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  const slots = new Semaphore(limit);
  let failed = false;
  let error: unknown;
  await Promise.all(items.map(async (item) => {
    const release = await slots.acquire();
    try {
      if (!failed) await fn(item);
    } catch (e) {
      if (!failed) {
        failed = true;
        error = e;
      }
    } finally {
      release();
    }
  }));
  if (failed) throw error;
}
