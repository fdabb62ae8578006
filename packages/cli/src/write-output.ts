import type { OutputStream } from "./cli-context.js";
import type { Style } from "./render/style.js";
import { terminalSafe } from "./render/terminal-safe.js";

/** Text for a person, made from data whose strings were made terminal-safe first. */
export interface View {
  lines(style: Style): readonly string[];
}

/**
 * The one way data reaches a terminal as text: `render` gets `data` with
 * every control character escaped ({@link terminalSafe}), so no node id,
 * build, label or reason can move the cursor, clear the screen or hide a
 * link in the output. What needed no escaping is the caller's own data
 * (a coordinator's, shared between members and kept between polls):
 * `render` reads it and never changes it.
 */
export function view<T>(data: T, render: (safe: T, style: Style) => readonly string[]): View {
  return { lines: (style) => render(terminalSafe(data), style) };
}

/** Writes a view, a line each. */
export function writeView(stream: OutputStream, shown: View, style: Style): void {
  writeLines(stream, shown.lines(style));
}

/** Writes each line followed by a newline: for lines that hold only the command's own words, or a {@link View}'s. */
export function writeLines(stream: OutputStream, lines: readonly string[]): void {
  if (lines.length > 0) stream.write(`${lines.join("\n")}\n`);
}

/** Writes a value as indented JSON and a newline: the `--json` output of every command (JSON escapes control characters itself). */
export function writeJson(stream: OutputStream, value: unknown): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}
