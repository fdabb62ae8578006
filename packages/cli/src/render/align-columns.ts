/** A table cell: text, optionally painted after it was padded (so colour codes never break alignment). */
export type Cell = string | { readonly text: string; readonly paint: (text: string) => string };

/** Pads every column but the last to its widest cell and joins cells with two spaces. Numbers are best given right-aligned by the caller. */
export function alignColumns(rows: readonly (readonly Cell[])[], indent = ""): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, textOf(cell).length);
    });
  }
  return rows.map((row) =>
    (
      indent +
      row
        .map((cell, index) => {
          const text = index === row.length - 1 ? textOf(cell) : textOf(cell).padEnd(widths[index] ?? 0);
          return typeof cell === "string" ? text : cell.paint(text);
        })
        .join("  ")
    ).trimEnd(),
  );
}

function textOf(cell: Cell): string {
  return typeof cell === "string" ? cell : cell.text;
}
