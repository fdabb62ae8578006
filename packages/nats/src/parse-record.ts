import type { z } from "zod";

/** A record read off the wire: its validated value, or what is wrong with it. */
export type ParsedRecord<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes UTF-8 JSON and validates it with `schema` (one of the zod schemas
 * of `@twostep/fleet`). Never throws: a bad record gives a problem in words.
 * `T` must be the type the schema describes; JSON has no `undefined`, so the
 * optional properties the schema admits are absent, as the types expect.
 */
export function parseRecord<T>(schema: z.ZodType, bytes: Uint8Array): ParsedRecord<T> {
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(bytes));
  } catch (error) {
    return { ok: false, problem: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data as T };
  const issues = result.error.issues.slice(0, 5).map((issue) => `${issue.path.length === 0 ? "(root)" : issue.path.join(".")}: ${issue.message}`);
  const more = result.error.issues.length > 5 ? `; and ${result.error.issues.length - 5} more` : "";
  return { ok: false, problem: `does not match its schema: ${issues.join("; ")}${more}` };
}
