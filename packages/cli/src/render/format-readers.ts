/** `v1 100/100   v2 92/100`: members reading each level, out of the members that take part; the 8 highest levels. Null when no member reads any. */
export function formatReaders(readers: Readonly<Record<string, number>>, participants: number): string | null {
  const levels = Object.keys(readers)
    .sort((a, b) => Number(a) - Number(b))
    .slice(-8);
  if (levels.length === 0) return null;
  return levels.map((level) => `v${level} ${readers[level] ?? 0}/${participants}`).join("   ");
}
