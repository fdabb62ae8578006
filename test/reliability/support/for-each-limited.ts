/** Calls `action` on every item, at most `limit` at a time; resolves when all have settled, rejects with the first failure. */
export async function forEachLimited<T>(items: readonly T[], limit: number, action: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await action(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
