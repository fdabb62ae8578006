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

/** {@link UNSAFE} without its global flag, to test a text without keeping a position between calls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const HAS_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/**
 * Plain data (objects, arrays, strings, numbers) with {@link escapeControls}
 * applied to every string, keys included. A plain object or array (of
 * literals, JSON or `Object.fromEntries`) that holds nothing to escape is
 * returned as it is, not copied, and one met twice (a build's
 * capabilities, shared by each of its members) is looked at once: a
 * status of 10,000 members is made safe without copying it. Any other
 * object (a class instance, an error, a map) is copied as plain data, its
 * own enumerable string-keyed properties only, as it always was: what it
 * holds apart from those never reaches a renderer.
 */
export function terminalSafe<T>(value: T): T {
  return safeValue(value, new Map()) as T;
}

function safeValue(value: unknown, seen: Map<object, unknown>): unknown {
  if (typeof value === "string") return HAS_UNSAFE.test(value) ? escapeControls(value) : value;
  if (typeof value !== "object" || value === null) return value;
  const known = seen.get(value);
  if (known !== undefined) return known;
  const safe = Array.isArray(value) ? safeArray(value, seen) : safeObject(value, seen);
  seen.set(value, safe);
  return safe;
}

function safeArray(array: readonly unknown[], seen: Map<object, unknown>): readonly unknown[] {
  // An array of another kind is copied, as an array of its items.
  let copy: unknown[] | undefined = Object.getPrototypeOf(array) === Array.prototype ? undefined : [];
  for (let index = 0; index < array.length; index++) {
    const item = array[index];
    const safe = safeValue(item, seen);
    if (safe !== item) copy ??= array.slice();
    if (copy !== undefined) copy[index] = safe;
  }
  return copy ?? array;
}

function safeObject(object: object, seen: Map<object, unknown>): object {
  const record = object as Readonly<Record<string, unknown>>;
  const keys = Object.keys(record);
  // Each value is read once (a getter is not asked twice), and the entries are made only if something changed.
  const values: unknown[] = new Array(keys.length);
  const prototype = Object.getPrototypeOf(object);
  let changed = prototype !== Object.prototype && prototype !== null;
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index] as string;
    const item = record[key];
    const safeKey = HAS_UNSAFE.test(key) ? escapeControls(key) : key;
    const safe = safeValue(item, seen);
    if (safeKey !== key || safe !== item) changed = true;
    keys[index] = safeKey;
    values[index] = safe;
  }
  return changed ? Object.fromEntries(keys.map((key, index) => [key, values[index]])) : object;
}
