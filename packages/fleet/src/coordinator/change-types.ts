import type { ControlPlane } from "../control-plane/control-plane.js";
import type { Blocker } from "../records/blocker.js";
import type { ChangeAction, ChangeAuthor, ChangeNote } from "../records/change-note.js";
import type { RecordFormats } from "../records/record-formats.js";
import type { TwostepRecords } from "../records/twostep-records.js";
import type { WriteLevelRecord } from "../records/write-level-record.js";
import type { FleetView, MemberState } from "./fleet-view.js";

/** Options of a {@link Coordinator}. */
export interface CoordinatorOptions {
  /**
   * How far apart the clocks of the control plane's servers may be (and
   * drift over a lease): a member counts as surely gone only this long after
   * its lease ran out. Defaults to 5 s.
   */
  readonly clockMarginMs?: number;
  /** An intent older than this is taken as left by a crashed coordinator and may be overridden. Defaults to 30 s. */
  readonly intentTimeoutMs?: number;
  /** The formats of twostep's own records this coordinator knows. Defaults to this twostep's. */
  readonly recordFormats?: RecordFormats<TwostepRecords>;
  /** The coordinator's clock for the times it records, ms since the epoch. Defaults to `Date.now`. */
  readonly clock?: () => number;
  /**
   * True for the rollout controller's own coordinator: it writes the records
   * even where only the controller may. Others, on such a control plane,
   * submit their changes to it as requests. Defaults to false.
   */
  readonly asController?: boolean;
  /** How long a change submitted to the controller waits for its outcome. Defaults to 30 s. */
  readonly requestTimeoutMs?: number;
}

/** Options of {@link Coordinator.change}. */
export interface ChangeOptions {
  /** Check everything and say what would happen, changing nothing. */
  readonly dryRun?: boolean;
  /** Levels a manifest declares, per capability: these may be enabled while no member declares them. */
  readonly declared?: Readonly<Record<string, readonly number[]>>;
  /** Enable a capability or level that nothing declares (a new capability before any member runs). */
  readonly allowUndeclared?: boolean;
}

/** What a decommission would do (see {@link Coordinator.previewDecommission}). */
export interface DecommissionPreview {
  readonly nodeId: string;
  /** The incarnations it would remove (empty when refused). */
  readonly removes: readonly { readonly nodeId: string; readonly incarnation: string; readonly state: MemberState; readonly lastSeen: number | null }[];
  /** Why it would be refused, or null. */
  readonly refused: string | null;
  /** The incarnations whose lease may still run. */
  readonly blockers: readonly Blocker[];
}

/** A record with the revision it was stored at. */
export interface Versioned<T> {
  readonly value: T;
  readonly revision: number;
}

/** What a change would do and who stands in its way: the answer of a dry run. */
export interface Plan {
  readonly capability: string;
  /** The request in words. */
  readonly request: string;
  readonly current: Versioned<WriteLevelRecord> | null;
  /** The record after the change; null for `forget`. */
  readonly next: WriteLevelRecord | null;
  /** Levels the change newly requires every member to read. */
  readonly newlyRequired: readonly number[];
  readonly blockers: readonly Blocker[];
  /** Why the change is refused besides its blockers (a drain window, an undeclared level). */
  readonly problems: readonly string[];
  /** How many members take part in the capability. */
  readonly participants: number;
  /** False when the request is already in force. */
  readonly changes: boolean;
  /**
   * The verdict: true when the coordinator would refuse the change, as the
   * change itself is judged: it changes something, and blockers or problems
   * stand in its way.
   */
  readonly refused: boolean;
  /** When the fleet the plan judged was read: the control plane's clock, ms since the epoch (ages are told from it). */
  readonly at: number;
}

/** The outcome of a change the coordinator made (or found already made). */
export interface Change {
  readonly capability: string | null;
  readonly request: string;
  readonly before: Versioned<WriteLevelRecord> | null;
  readonly after: Versioned<WriteLevelRecord> | null;
  /** False when the request was already in force and nothing was written. */
  readonly changed: boolean;
  /** The audit entry written with the change, or null when nothing changed. */
  readonly note: ChangeNote | null;
  /** When the fleet the change judged was read: the control plane's clock, ms since the epoch (ages are told from it). */
  readonly at: number;
}

/** What the steps of a change kept outside the coordinator work with: its control plane, record formats, change notes and reads of the fleet. */
export interface ChangeSteps {
  readonly plane: ControlPlane;
  readonly formats: RecordFormats<TwostepRecords>;
  /** A new change note, at the coordinator's clock. */
  note(action: ChangeAction, author: ChangeAuthor, request: string, revisionBefore: number, blockers: readonly Blocker[]): ChangeNote;
  /** The fleet as of now (or as of `atLeast`), through the coordinator's cache. */
  view(atLeast?: number): Promise<FleetView>;
}
