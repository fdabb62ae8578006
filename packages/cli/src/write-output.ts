import type { OutputStream } from "./cli-context.js";

/** Writes each line followed by a newline. */
export function writeLines(stream: OutputStream, lines: readonly string[]): void {
  if (lines.length > 0) stream.write(`${lines.join("\n")}\n`);
}

/** Writes a value as indented JSON and a newline: the `--json` output of every command. */
export function writeJson(stream: OutputStream, value: unknown): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}
