import { formatZodIssues } from "@twostep/core";
import type { z } from "zod";

/** A failed parse of a record, in words: `it does not match its schema: level: expected number`. */
export function formatProblem(error: z.ZodError): string {
  return `it does not match its schema: ${formatZodIssues(error).join("; ")}`;
}
