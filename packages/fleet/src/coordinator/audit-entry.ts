import type { ControlPlane, StoredEntry } from "../control-plane/control-plane.js";
import { keyText } from "../control-plane/entry-key.js";
import type { ChangeNote } from "../records/change-note.js";
import type { RecordFormats } from "../records/record-formats.js";
import type { TwostepRecords } from "../records/twostep-records.js";
import type { WriteLevelRecord } from "../records/write-level-record.js";

/** One recorded change (or refusal), as the history shows it. */
export interface AuditEntry {
  /** The change's note: who, when, why, what was asked, the blockers seen. */
  readonly note: ChangeNote;
  /** When the control plane stored it (its clock). */
  readonly storedAt: number;
  /** Its revision in the log. */
  readonly revision: number;
  /** The capability changed, when the change concerns one. */
  readonly capability: string | null;
  /** The node removed, for a decommission. */
  readonly nodeId: string | null;
  /** The record before and after, for changes of a write-level record. */
  readonly before: WriteLevelRecord | null;
  readonly after: WriteLevelRecord | null;
  /** Why the entry cannot be read, when it cannot (then `note` is a placeholder). */
  readonly problem: string | null;
}

/**
 * The history, oldest first, from the log itself: every write of a
 * write-level record carries its change note, so no change goes unrecorded
 * even when its coordinator died right after. An entry that cannot be read
 * is shown with its problem, never dropped.
 */
export async function readAuditEntries(
  plane: ControlPlane,
  formats: RecordFormats<TwostepRecords>,
  options: { readonly capability?: string; readonly limit?: number },
): Promise<AuditEntry[]> {
  const entries = await plane.history(options.capability === undefined ? {} : { capability: options.capability });
  const audit = toAuditEntries(entries, formats);
  if (options.limit === undefined) return audit;
  return options.limit <= 0 ? [] : audit.slice(-options.limit);
}

/** Decodes history entries in revision order; a record's `before` is the one before it in the same list. */
export function toAuditEntries(entries: readonly StoredEntry[], formats: RecordFormats<TwostepRecords>): AuditEntry[] {
  const last = new Map<string, WriteLevelRecord>();
  const result: AuditEntry[] = [];
  for (const entry of entries) {
    const base = { storedAt: entry.at, revision: entry.revision, capability: null, nodeId: null, before: null, after: null, problem: null };
    const key = entry.key;
    if (key.kind === "level") {
      const before = last.get(key.capability) ?? null;
      if (entry.tombstone) {
        // A forgotten record: its tombstone holds the change note.
        const decoded = formats.decode("refusal", entry.value);
        last.delete(key.capability);
        result.push(
          decoded.ok ? { ...base, capability: key.capability, note: decoded.value.change, before } : unreadable(base, key.capability, entry, decoded.problem),
        );
        continue;
      }
      const decoded = formats.decode("level", entry.value);
      if (!decoded.ok) {
        result.push(unreadable(base, key.capability, entry, decoded.problem));
        continue;
      }
      last.set(key.capability, decoded.value);
      result.push({ ...base, capability: key.capability, note: decoded.value.change, before, after: decoded.value });
    } else if (key.kind === "refusal") {
      const decoded = formats.decode("refusal", entry.value);
      result.push(
        decoded.ok
          ? { ...base, capability: key.capability, note: decoded.value.change }
          : { ...base, capability: key.capability, note: placeholder(entry), problem: decoded.problem },
      );
    } else if (key.kind === "decommission") {
      const decoded = formats.decode("decommission", entry.value);
      result.push(
        decoded.ok
          ? { ...base, nodeId: key.nodeId, note: decoded.value.change }
          : { ...base, nodeId: key.nodeId, note: placeholder(entry), problem: decoded.problem },
      );
    } else if (key.kind === "rollout") {
      const decoded = formats.decode("rollout", entry.value);
      result.push(decoded.ok ? { ...base, capability: key.capability, note: decoded.value.change } : unreadable(base, key.capability, entry, decoded.problem));
    } else if (key.kind === "request") {
      result.push(requestEntry(base, key.capability, entry, formats));
    } else if (key.kind === "meta") {
      const decoded = formats.decode("meta", entry.value);
      result.push(decoded.ok ? { ...base, note: decoded.value.change } : { ...base, note: placeholder(entry), problem: decoded.problem });
    }
  }
  return result;
}

/** A change request, or its outcome (the request's tombstone), as an audit entry. */
function requestEntry(
  base: Omit<AuditEntry, "note" | "capability">,
  capability: string,
  entry: StoredEntry,
  formats: RecordFormats<TwostepRecords>,
): AuditEntry {
  if (entry.tombstone) {
    const decoded = formats.decode("outcome", entry.value);
    if (!decoded.ok) return unreadable(base, capability, entry, decoded.problem);
    const note = decoded.value.note ?? {
      ...placeholder(entry),
      action: `request-${decoded.value.outcome}`,
      actor: "controller",
      reason: decoded.value.message,
    };
    return { ...base, capability, note: { ...note, action: `request-${decoded.value.outcome}` } };
  }
  const decoded = formats.decode("request", entry.value);
  if (!decoded.ok) return unreadable(base, capability, entry, decoded.problem);
  const request = decoded.value;
  return {
    ...base,
    capability,
    note: { ...placeholder(entry), action: "request", actor: request.actor, reason: request.reason, request: String(request.request["kind"]), at: request.at },
  };
}

function unreadable(base: Omit<AuditEntry, "note" | "capability">, capability: string, entry: StoredEntry, problem: string): AuditEntry {
  return { ...base, capability, note: placeholder(entry), problem: `${keyText(entry.key)}: ${problem}` };
}

function placeholder(entry: StoredEntry): ChangeNote {
  return {
    id: `revision-${entry.revision}`,
    action: "unreadable",
    actor: "?",
    reason: "",
    request: keyText(entry.key),
    at: entry.at,
    revisionBefore: 0,
    blockers: [],
    blockerCount: 0,
  };
}
