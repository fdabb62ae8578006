/** `[██████░░░░░░░░░░░░░░]`: `done` of `total` as a bar `width` cells wide; full when `total` is 0. */
export function progressBar(done: number, total: number, width = 20): string {
  const share = total <= 0 ? 1 : Math.min(1, Math.max(0, done / total));
  const filled = Math.round(share * width);
  return `[${"█".repeat(filled)}${"░".repeat(width - filled)}]`;
}
