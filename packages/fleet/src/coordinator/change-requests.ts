import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { formatZodIssues, isTwostepError } from "@twostep/core";
import { z } from "zod";
import type { ControlPlane, Snapshot } from "../control-plane/control-plane.js";
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
import { type ChangeAuthor, RECORDED_BLOCKERS } from "../records/change-note.js";
import type { ChangeRequest, RequestOutcome } from "../records/change-request.js";
import type { RecordFormats } from "../records/record-formats.js";
import type { TwostepRecords } from "../records/twostep-records.js";
import type { Coordinator } from "./coordinator.js";
import { describeRequest, writeLevelRequestSchema } from "./write-level-request.js";

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
    if (Date.now() >= deadline && entry !== undefined) {
      const withdrawn: RequestOutcome = {
        outcome: "failed",
        code: FleetErrorCode.Unreachable,
        message: `withdrawn by ${record.actor}: no controller answered within ${Math.round(options.timeoutMs / 1000)} s`,
        revision: null,
        note: null,
      };
      // Withdraw it, so that no controller applies it later, when nobody waits for it any more; when a controller answered meanwhile, its outcome stands.
      if (!(await answer(plane, formats, { key: entry.key as PendingRequest["key"], revision: entry.revision }, withdrawn))) continue;
      throw new ControlPlaneUnreachableError(
        `the rollout controller did not answer request ${key.id} within ${Math.round(options.timeoutMs / 1000)} s, so it was withdrawn ` +
          "(unless a controller was applying it at that moment: see `twostep history`): this control plane takes changes only through " +
          "the controller; check that `twostep controller` runs, then ask again",
      );
    }
    await sleep(options.pollMs);
  }
}

/**
 * Applies one pending request (a change of a write state, or a
 * decommission) through the controller's own coordinator,
 * with the author and options the asker gave, and says what became of it.
 * Returns undefined when it should be tried again at the next look: another
 * change won a race with it, or the control plane could not be reached.
 */
export async function applyRequest(coordinator: Coordinator, pending: PendingRequest): Promise<RequestOutcome | undefined> {
  const { capability, request, actor, reason, declared, allowUndeclared } = pending.request;
  const parsed = requestSchema.safeParse(request);
  if (!parsed.success) {
    return {
      outcome: "failed",
      code: FleetErrorCode.InvalidRequest,
      message: `request ${pending.key.id} is not a change this twostep knows (${formatZodIssues(parsed.error).join("; ")}): upgrade the controller, or ask again`,
      revision: null,
      note: null,
    };
  }
  try {
    const asked = parsed.data;
    const change =
      asked.kind === "decommission"
        ? await coordinator.decommission(asked.nodeId, { actor, reason, ...(asked.incarnation === undefined ? {} : { incarnation: asked.incarnation }) })
        : await coordinator.change(capability, asked, { actor, reason }, { ...(declared === null ? {} : { declared }), allowUndeclared });
    return {
      outcome: change.changed ? "applied" : "unchanged",
      code: null,
      message: `${change.request}${change.capability === null ? "" : ` of ${change.capability}`}: ${change.changed ? "applied" : "already in force"}`,
      revision: change.after?.revision ?? null,
      note: change.note,
    };
  } catch (error) {
    if (error instanceof RevisionConflictError || error instanceof ControlPlaneUnreachableError) return undefined;
    if (!isTwostepError(error)) throw error;
    const blockers = error instanceof UnsafeChangeError ? error.blockers : [];
    return {
      outcome: error instanceof UnsafeChangeError ? "refused" : "failed",
      code: error.code,
      message: error instanceof UnsafeChangeError ? error.problem : error.message,
      revision: null,
      note:
        blockers.length === 0
          ? null
          : {
              id: randomUUID(),
              action: "refused",
              actor,
              reason,
              request: parsed.data.kind === "decommission" ? `decommission ${parsed.data.nodeId}` : describeRequest(parsed.data),
              at: pending.request.at,
              revisionBefore: 0,
              blockers: blockers.slice(0, RECORDED_BLOCKERS),
              blockerCount: blockers.length,
            },
    };
  }
}

/** What a request may ask: a change of a write state, or a decommission. */
const requestSchema = z.union([
  writeLevelRequestSchema,
  z.strictObject({ kind: z.literal("decommission"), nodeId: z.string().min(1), incarnation: z.string().min(1).optional() }),
]);

/**
 * The requests no controller has answered yet, oldest first: from
 * `snapshot` (of the `control` scope) when given, else from a read of it.
 */
export async function pendingRequests(plane: ControlPlane, formats: RecordFormats<TwostepRecords>, snapshot?: Snapshot): Promise<PendingRequest[]> {
  snapshot ??= await plane.read("control");
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

/**
 * Writes the outcome of a request (its tombstone). Returns false, leaving
 * it alone, when it was answered (or withdrawn) meanwhile.
 */
export async function answer(
  plane: ControlPlane,
  formats: RecordFormats<TwostepRecords>,
  pending: Pick<PendingRequest, "key" | "revision">,
  outcome: RequestOutcome,
): Promise<boolean> {
  try {
    await plane.append(pending.key, formats.encode("outcome", outcome, 1), { expect: pending.revision, tombstone: true });
    return true;
  } catch (error) {
    if (!(error instanceof RevisionConflictError)) throw error;
    return false;
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
