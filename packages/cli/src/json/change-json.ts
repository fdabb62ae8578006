import type { Change, ChangeNote, WriteLevelRecord } from "@twostep/fleet";

/** The `change` of a changing command's `--json` (docs/cli.md). */
export interface ChangeJson {
  /** The capability changed; null for a decommission. */
  readonly capability: string | null;
  readonly request: string;
  /** False when the request was already in force. */
  readonly changed: boolean;
  /** Revision of the record before and after (0: none; after a `forget`, 0). */
  readonly revisionBefore: number;
  readonly revisionAfter: number;
  readonly before: WriteLevelRecord | null;
  readonly after: WriteLevelRecord | null;
  /** The audit note written with the change (who, when, why, what); null when nothing changed. */
  readonly note: ChangeNote | null;
}

/** Maps a coordinator change to the documented JSON shape. */
export function changeJson(change: Change): ChangeJson {
  return {
    capability: change.capability,
    request: change.request,
    changed: change.changed,
    revisionBefore: change.before?.revision ?? 0,
    revisionAfter: change.after?.revision ?? 0,
    before: change.before?.value ?? null,
    after: change.after?.value ?? null,
    note: change.note,
  };
}
