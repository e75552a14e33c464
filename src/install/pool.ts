/**
 * A bounded pool of async workers over a list.
 *
 * @module
 */

/**
 * Runs `fn` over `items` with at most `limit` calls in flight. After the first failure no new
 * item starts; the calls in flight finish, then that first error is thrown.
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
  let next = 0;
  let failed: unknown;
  async function worker() {
    while (failed === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (e) {
        failed ??= e;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  if (failed !== undefined) throw failed;
}
