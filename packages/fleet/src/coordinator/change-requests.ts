import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { ControlPlane } from "../control-plane/control-plane.js";
import type { EntryKey } from "../control-plane/entry-key.js";
import {
  ControlPlaneUnreachableError,
  FleetErrorCode,
  InvalidRequestError,
  RecordUnreadableError,
  RevisionConflictError,
  StoreRegressedError,
  UnsafeChangeError,
} from "../errors/fleet-errors.js";
import type { ChangeAuthor } from "../records/change-note.js";
import type { ChangeRequest, RequestOutcome } from "../records/change-request.js";
import type { RecordFormats } from "../records/record-formats.js";
import type { TwostepRecords } from "../records/twostep-records.js";

/** A change request waiting for the controller, as it reads them. */
export interface PendingRequest {
  readonly key: Extract<EntryKey, { kind: "request" }>;
  readonly revision: number;
  readonly request: ChangeRequest;
}

/** How long {@link submitRequest} waits for the controller, and how often it looks. */
export interface SubmitOptions {
  readonly timeoutMs: number;
  readonly pollMs: number;
}

/**
 * Submits a change for the rollout controller to check and apply (where it
 * alone writes the fleet's records) and waits for its outcome, which it
 * returns; a refusal or a failure is thrown as the error the controller
 * met, by its code. Throws {@link ControlPlaneUnreachableError} when no
 * outcome came within `timeoutMs`: the request stays, and a controller that
 * starts later still applies it.
 */
export async function submitRequest(
  plane: ControlPlane,
  formats: RecordFormats<TwostepRecords>,
  request: Omit<ChangeRequest, "actor" | "reason"> & { readonly author: ChangeAuthor },
  options: SubmitOptions,
): Promise<RequestOutcome> {
  const key: EntryKey = { kind: "request", capability: request.capability, id: randomUUID() };
  const record: ChangeRequest = {
    capability: request.capability,
    request: request.request,
    actor: request.author.actor,
    reason: request.author.reason,
    declared: request.declared,
    allowUndeclared: request.allowUndeclared,
    at: request.at,
  };
  await plane.append(key, formats.encode("request", record, 1), { expect: 0 });
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const entry = await plane.get(key);
    if (entry?.tombstone === true) {
      const decoded = formats.decode("outcome", entry.value);
      if (!decoded.ok) throw new RecordUnreadableError(`outcome of request ${key.id}`, decoded.problem, "upgrade twostep, or see twostep history");
      return raise(request.capability, decoded.value);
    }
    if (Date.now() >= deadline) {
      throw new ControlPlaneUnreachableError(
        `the rollout controller did not answer request ${key.id} within ${Math.round(options.timeoutMs / 1000)} s: ` +
          "this control plane takes changes only through it; check that `twostep controller` runs (the request stays, and is applied when one does)",
      );
    }
    await sleep(options.pollMs);
  }
}

/** The requests no controller has answered yet, oldest first. */
export async function pendingRequests(plane: ControlPlane, formats: RecordFormats<TwostepRecords>): Promise<PendingRequest[]> {
  const snapshot = await plane.read("control");
  const pending: PendingRequest[] = [];
  for (const entry of snapshot.entries) {
    if (entry.key.kind !== "request" || entry.tombstone) continue;
    const decoded = formats.decode("request", entry.value);
    if (decoded.ok) pending.push({ key: entry.key, revision: entry.revision, request: decoded.value });
    else
      await answer(
        plane,
        formats,
        { key: entry.key, revision: entry.revision },
        { outcome: "failed", code: FleetErrorCode.RecordUnreadable, message: decoded.problem, revision: null, note: null },
      );
  }
  return pending;
}

/** Writes the outcome of a request (its tombstone); a request answered meanwhile by another controller is left alone. */
export async function answer(
  plane: ControlPlane,
  formats: RecordFormats<TwostepRecords>,
  pending: Pick<PendingRequest, "key" | "revision">,
  outcome: RequestOutcome,
): Promise<void> {
  try {
    await plane.append(pending.key, formats.encode("outcome", outcome, 1), { expect: pending.revision, tombstone: true });
  } catch (error) {
    if (!(error instanceof RevisionConflictError)) throw error;
  }
}

/** Returns an applied outcome; throws the error of a refused or failed one, by its code. */
function raise(capability: string, outcome: RequestOutcome): RequestOutcome {
  if (outcome.outcome === "applied" || outcome.outcome === "unchanged") return outcome;
  switch (outcome.code) {
    case FleetErrorCode.UnsafeChange:
      throw new UnsafeChangeError(capability, outcome.message.replace(/^refused: /, ""), outcome.note?.blockers ?? []);
    case FleetErrorCode.StoreRegressed:
      throw new StoreRegressedError([outcome.message]);
    case FleetErrorCode.RecordUnreadable:
      throw new RecordUnreadableError(`write-level (${capability})`, outcome.message, "see twostep status");
    case FleetErrorCode.RevisionConflict:
      throw new RevisionConflictError(`write level of ${capability}`, 0);
    default:
      throw new InvalidRequestError(outcome.message);
  }
}
