/**
 * Runs `fn` over `items` with at most `limit` at once; stops taking new items once `stop()` is true or
 * an item failed. Settles only when every started item has: a caller that cleans up after it (a pool
 * destroyed, a catalog closed) never does so under work still running. Rejects with the first failure.
 */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>, stop: () => boolean = () => false): Promise<void> {
  let next = 0;
  let failed = false;
  let firstError: unknown;
  const worker = async () => {
    while (next < items.length && !failed && !stop()) {
      const i = next++;
      try {
        await fn(items[i]!, i);
      } catch (err) {
        if (!failed) firstError = err;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed) throw firstError;
}
