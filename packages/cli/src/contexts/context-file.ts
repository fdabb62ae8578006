import { z } from "zod";
import { ContextTooNewError, InvalidContextError } from "../cli-errors.js";
import { CONNECTION_SETTINGS, type Setting } from "../control-plane-backends.js";
import { parseJsonText } from "../parse-json-text.js";

/** The format of the context files this twostep reads and writes; it refuses a newer one. */
export const CONTEXT_FORMAT = 1;

/**
 * A connection context's file: its format, a description, the connection's
 * settings by key (the servers too), and the fields a newer twostep added,
 * kept as they are when this one rewrites the file.
 */
export type ContextFile = { readonly format: number; readonly description?: string } & { readonly [K in Setting["key"]]?: string } & {
  readonly [field: string]: unknown;
};

/** A context and its name. */
export interface NamedContext {
  readonly name: string;
  readonly file: ContextFile;
}

/** The zod schema of a context file of format 1: unknown fields pass through. */
const contextFileSchema = z.looseObject({
  format: z.literal(CONTEXT_FORMAT),
  description: z.string().optional(),
  ...Object.fromEntries(CONNECTION_SETTINGS.map((setting) => [setting.key, z.string().min(1).optional()])),
});

/**
 * Parses the file of context `name` at `path`. Throws `ContextTooNewError`
 * for a format above {@link CONTEXT_FORMAT}, and `InvalidContextError` for
 * text that is not JSON or does not match the format.
 */
export function parseContextFile(text: string, name: string, path: string): ContextFile {
  const fix = `fix it, or remove it (twostep context remove ${name}) and add it again`;
  const json = parseJsonText(text, (reason, cause) => new InvalidContextError(name, `${path} is not JSON (${reason}): ${fix}`, { cause }));
  const format = typeof json === "object" && json !== null ? (json as { format?: unknown }).format : undefined;
  if (typeof format === "number" && Number.isInteger(format) && format > CONTEXT_FORMAT) throw new ContextTooNewError(name, format);
  const result = contextFileSchema.safeParse(json);
  if (result.success) return result.data as ContextFile;
  const issues = result.error.issues.map((issue) => `${issue.path.length === 0 ? "(the file)" : issue.path.join(".")}: ${issue.message}`);
  throw new InvalidContextError(name, `${path} is not a context file of format ${CONTEXT_FORMAT} (${issues.join("; ")}): ${fix}`);
}

/** The text of a context file: indented JSON and a newline. */
export function contextFileText(file: ContextFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}
