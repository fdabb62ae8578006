/** The codec goal of issue 15: every path at least this ratio of its raw baseline. */
export const CODEC_TARGET = 0.97;

/** One codec case as measured (ratio = subject ops/s over baseline ops/s, per round, median). */
export interface CodecResult {
  readonly name: string;
  /** Payload bytes on the wire. */
  readonly bytes: number;
  readonly baseline: { readonly label: string; readonly opsPerSecond: number };
  readonly subject: { readonly label: string; readonly opsPerSecond: number };
  readonly ratio: number;
  /** The first and third quartiles of the per-round ratios of every process: how far one round's ratio strays from another's. */
  readonly spread: { readonly q25: number; readonly q75: number };
  readonly target: number;
}

/** One line of the goal table. */
export interface GoalRow {
  readonly goal: string;
  /** The raw baseline, with its figure. */
  readonly baseline: string;
  /** What twostep does, with its figure. */
  readonly subject: string;
  /** The ratio the goal is judged by, or an empty string when it is judged by an absolute figure. */
  readonly ratio: string;
  readonly target: string;
  /** True or false, or `unsure` when the measurement's own spread straddles the target (this machine cannot tell). */
  readonly met: boolean | "unsure";
}

/** Prints rows as a table whose last column says PASS, MISS or UNSURE. */
export function goalTable(title: string, rows: readonly GoalRow[]): string {
  const header = ["goal", "raw baseline", "twostep", "ratio", "target", ""];
  const cells = rows.map((row) => [row.goal, row.baseline, row.subject, row.ratio, row.target, verdictText(row.met)]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((row) => (row[column] ?? "").length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) => (column === 3 ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0)))
      .join("  ")
      .trimEnd();
  return [title, "", line(header), line(widths.map((width) => "-".repeat(width))), ...cells.map(line)].join("\n");
}

/** How a verdict is printed. */
export function verdictText(met: GoalRow["met"]): string {
  return met === "unsure" ? "UNSURE" : met ? "PASS" : "MISS";
}

/**
 * A codec case's verdict: met when three rounds in four reach the target,
 * missed when three in four fall short, `unsure` otherwise: then the rounds
 * stray from one another more than the case's distance from the target,
 * and its median says nothing.
 */
export function codecVerdict(result: CodecResult): GoalRow["met"] {
  if (result.spread.q25 >= result.target) return true;
  if (result.spread.q75 < result.target) return false;
  return "unsure";
}

/** The codec cases as goal rows, one per case. */
export function codecRows(results: readonly CodecResult[]): GoalRow[] {
  return results.map((result) => ({
    goal: `${result.name} (${result.bytes} B)`,
    baseline: `${result.baseline.label} ${formatOps(result.baseline.opsPerSecond)}`,
    subject: formatOps(result.subject.opsPerSecond),
    ratio: `${result.ratio.toFixed(3)}x (${result.spread.q25.toFixed(2)}-${result.spread.q75.toFixed(2)})`,
    target: `>= ${result.target.toFixed(2)}x`,
    met: codecVerdict(result),
  }));
}

export function formatOps(ops: number): string {
  return `${ops >= 1e6 ? `${(ops / 1e6).toFixed(2)} M` : ops >= 1e3 ? `${(ops / 1e3).toFixed(1)} k` : ops.toFixed(0)}/s`;
}

/** Bytes in KB or MB (of 1,000 and 1,000,000), as the notes give them. */
export function formatBytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} KB`;
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : ms >= 10 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`;
}
