/** `v1 100/100   v2 92/100`: live members reading each level, out of all members; the 8 highest levels. Null when no live member reads any. */
export function formatReaders(readers: Readonly<Record<string, number>>, memberCount: number): string | null {
  const levels = Object.keys(readers)
    .sort((a, b) => Number(a) - Number(b))
    .slice(-8);
  if (levels.length === 0) return null;
  return levels.map((level) => `v${level} ${readers[level] ?? 0}/${memberCount}`).join("   ");
}
