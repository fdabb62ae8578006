/** How many node ids are read or marked at once (see {@link inBatches}): after a restore, every running node may have marked its own. */
export const NODE_IDS_AT_ONCE = 16;

/**
 * Runs `work` on every item, `size` at a time (each batch after the one
 * before it), and gives the results in the order of `items`: reads or
 * writes of many keys that must not flood the control plane at once.
 */
export async function inBatches<T, R>(items: readonly T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let at = 0; at < items.length; at += size) results.push(...(await Promise.all(items.slice(at, at + size).map(work))));
  return results;
}
