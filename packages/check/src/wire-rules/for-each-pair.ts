/**
 * Calls `visit` with each element of `current` and the element of `previous`
 * under the same key: how buf pairs files, messages, fields, enums, services
 * and rpcs. Elements on one side only are skipped.
 */
export function forEachPair<K, V>(previous: ReadonlyMap<K, V>, current: ReadonlyMap<K, V>, visit: (before: V, after: V) => void): void {
  for (const [key, after] of current) {
    const before = previous.get(key);
    if (before !== undefined) visit(before, after);
  }
}
