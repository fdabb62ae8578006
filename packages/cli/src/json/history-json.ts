import type { AuditEntry } from "@twostep/fleet";

/** `twostep history --json` (docs/cli.md): the entries oldest first. */
export interface HistoryJson {
  /** Version of this shape (2: entries are audit entries; format 1 had the note's fields at the top level). */
  readonly format: 2;
  readonly entries: readonly AuditEntry[];
}

/** Maps history entries, oldest first, to the documented JSON shape. */
export function historyJson(entries: readonly AuditEntry[]): HistoryJson {
  return { format: 2, entries };
}
