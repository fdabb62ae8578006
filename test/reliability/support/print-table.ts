/** Prints rows under a header as a Markdown table, columns padded to their widest cell; numbers-looking cells right-aligned. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)));
  const numeric = header.map((_, column) => rows.length > 0 && rows.every((row) => /^[-\d.,%]+( \w+)?$/.test(row[column] ?? "")));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => (numeric[column] ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0))).join(" | ")} |`;
  console.log(line(header));
  console.log(`| ${widths.map((width, column) => (numeric[column] ? `${"-".repeat(Math.max(width - 1, 1))}:` : "-".repeat(width))).join(" | ")} |`);
  for (const row of rows) console.log(line(row));
}
