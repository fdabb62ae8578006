/**
 * Characters that must not reach a terminal as they are: C0 controls (ESC
 * among them, which starts colour, cursor and OSC 8 hyperlink sequences),
 * DEL, C1 controls, and the bidirectional overrides and isolates that make
 * text read differently from what it is.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * `text` with every control character written out as an escape (`\u001b`,
 * `\n`): what is left prints as itself, and shows what was sent. Node ids,
 * services, builds, labels, capabilities, actors and reasons come from the
 * control plane, and a node's credentials choose some of them.
 */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, (char) => NAMED[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A copy of plain data (objects, arrays, strings, numbers) with {@link escapeControls} applied to every string, keys included. */
export function terminalSafe<T>(value: T): T {
  if (typeof value === "string") return escapeControls(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => terminalSafe(item)) as T;
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [escapeControls(key), terminalSafe(item)])) as T;
  }
  return value;
}
