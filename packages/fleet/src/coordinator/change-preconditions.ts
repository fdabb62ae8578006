import { RecordUnreadableError, RevisionConflictError, StoreRegressedError } from "../errors/fleet-errors.js";
import { RECORD_FORMAT_CAPABILITY } from "../records/record-formats.js";
import type { WriteLevelRecord } from "../records/write-level-record.js";
import type { FleetView, LevelView } from "./fleet-view.js";

/** Refuses every change while the store went backwards (`evidence`, see `regressionEvidence`), or while the control plane's identity cannot be read. */
export function checkPlane(view: FleetView, evidence: readonly string[]): void {
  if (evidence.length > 0) throw new StoreRegressedError(evidence);
  if (view.meta !== null && view.meta.value === null) {
    throw new RecordUnreadableError(
      "control plane identity",
      view.meta.problem ?? "unknown problem",
      "upgrade twostep if a newer one wrote it, else run twostep reconcile",
    );
  }
}

/** The record of `capability`, unless it cannot be read (then refused: never taken as absent). */
export function readableLevel(view: FleetView, capability: string): (LevelView & { record: WriteLevelRecord | null }) | undefined {
  const stored = view.levels.get(capability);
  if (stored === undefined || stored.problem === null) return stored;
  throw new RecordUnreadableError(
    `write-level (${capability})`,
    stored.problem,
    stored.newer
      ? "a newer twostep wrote it: use that twostep, or roll the record format back (twostep disable-write twostep.records)"
      : "nothing treats it as absent; twostep reconcile rebuilds it from its history and what nodes hold",
  );
}

/** The record format to write `capability` in: the fleet's (the level of `twostep.records`), format 1 for that record itself. */
export function writeFormat(view: FleetView, capability: string, newest: number): number {
  if (capability === RECORD_FORMAT_CAPABILITY) return 1;
  const level = view.levels.get(RECORD_FORMAT_CAPABILITY)?.record?.level ?? 1;
  if (level > newest) {
    throw new RecordUnreadableError(
      `write-level (${capability})`,
      `the fleet writes twostep's records in format ${level}, and this twostep knows formats 1 to ${newest}`,
      "upgrade twostep",
    );
  }
  return level;
}

/** Refuses a change while another coordinator's intent on the record is younger than `timeoutMs` (an older one was left by a crash). */
export function checkNoPendingIntent(capability: string, current: WriteLevelRecord | null, revision: number, now: number, timeoutMs: number): void {
  const intent = current?.intent;
  if (intent === null || intent === undefined) return;
  if (now - intent.at > timeoutMs) return;
  throw new RevisionConflictError(`write level of ${capability} (${intent.actor} is changing it since ${new Date(intent.at).toISOString()})`, revision);
}
