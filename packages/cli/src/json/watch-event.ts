import { isTwostepError } from "@twostep/core";
import type { AuditEntry } from "@twostep/fleet";
import type { WatchSnapshot } from "../render/watch-snapshot.js";

/** One line of `twostep watch --json`, and an `audit` or `error` event of the dashboard (docs/cli.md). */
export type WatchEvent = WatchStatusEvent | WatchAuditEvent | WatchErrorEvent;

/** The fleet as the watch follows it: on the first poll, then whenever something other than `at` changed. */
export type WatchStatusEvent = { readonly event: "status" } & WatchSnapshot;

/** A change recorded in the history. */
export interface WatchAuditEvent {
  readonly event: "audit";
  readonly entry: AuditEntry;
}

/** A poll that failed (later ones are retried): the error's stable code (`INTERNAL` for one without) and its message. */
export interface WatchErrorEvent {
  readonly event: "error";
  readonly code: string;
  readonly message: string;
}

/** The status event of a snapshot. */
export function statusEvent(snapshot: WatchSnapshot): WatchStatusEvent {
  return { event: "status", ...snapshot };
}

/** The audit event of a history entry. */
export function auditEvent(entry: AuditEntry): WatchAuditEvent {
  return { event: "audit", entry };
}

/** The error event of a failed poll. */
export function errorEvent(error: unknown): WatchErrorEvent {
  return { event: "error", code: isTwostepError(error) ? error.code : "INTERNAL", message: errorMessage(error) };
}

/** An error's message, or the thrown value in words. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
