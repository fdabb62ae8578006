/**
 * Decides which writes of a ramp use the new level. With a key, the share is
 * a hash of capability and key (FNV-1a, 10,000 buckets), so one entity never
 * flips between versions and every node agrees. Without one, a per-capability
 * accumulator spreads exactly `percent` of writes over the stream.
 */
export class WriteShare {
  readonly #accumulated = new Map<string, number>();

  /** True when this write falls in the `percent` share. */
  select(capability: string, percent: number, key: string | undefined): boolean {
    if (key !== undefined) return inShare(`${capability}\u0000${key}`, percent);
    const total = (this.#accumulated.get(capability) ?? 0) + percent;
    const selected = total >= 100;
    this.#accumulated.set(capability, selected ? total - 100 : total);
    return selected;
  }
}

/** True when `key` hashes into the first `percent` of 10,000 buckets. */
export function inShare(key: string, percent: number): boolean {
  return fnv1a(key) % 10_000 < percent * 100;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
