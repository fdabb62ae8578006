import type { FleetView, LevelView } from "./fleet-view.js";

/** What a coordinator read of one record: its revision, and which write it was. */
interface ReadLevel {
  readonly revision: number;
  readonly write: string;
}

/** What a coordinator read of a control plane in one epoch. */
interface Seen {
  /** The control plane's id, or `none` before it is set up. */
  readonly plane: string;
  readonly epoch: number;
  /** The id of the reconcile that started this history (its identity record's change note), when its last change was one. */
  readonly reconcile: string | undefined;
  readonly position: number;
  /** Per capability, what was read of its record (updated in place while the history is the same). */
  readonly levels: Map<string, ReadLevel>;
}

/**
 * What one coordinator has read of the store, kept to judge the next read
 * by: the control plane and epoch, the highest log position, and the
 * revision of each record. A store's positions and revisions only grow, a
 * reconcile starts a higher epoch, and a revision is written once: so a
 * store that holds an earlier epoch, a record at a lower revision, another
 * write at a revision read before, or, asked as of a position it was once
 * read at (or that a member reports having applied), less, went backwards.
 * Judged before a change is written: a revision handed out twice would let
 * a node that applied the lost record take the new one for it, and writes
 * elsewhere in the log can carry the position past what was read. A
 * reconcile it did not read starts a history judged afresh: a restore
 * cannot make one up.
 */
export class ReadPositions {
  #seen: Seen | undefined;
  /** Per view read, what it shows of a store gone backwards. */
  readonly #evidence = new WeakMap<FleetView, readonly string[]>();

  /** The position a view of `view`'s control plane and epoch must reach: the highest read before in them (0 when none). */
  floor(view: FleetView): number {
    const seen = this.#seen;
    return seen !== undefined && sameHistory(seen, view) ? seen.position : 0;
  }

  /** The lowest epoch a reconcile may start: above every epoch read of `view`'s control plane. */
  nextEpoch(view: FleetView): number {
    const seen = this.#seen;
    return seen !== undefined && seen.plane === planeOf(view) ? seen.epoch + 1 : 0;
  }

  /**
   * Judges `view` against what was read before, and keeps what it read when
   * it shows nothing. `asked`: the position the view was read as of, for
   * `why` (`a member reports having applied`, say); a view below it is one
   * the store could not give.
   */
  note(view: FleetView, asked = 0, why = ""): void {
    const evidence: string[] = [];
    if (view.position < asked) {
      evidence.push(`the store holds its log up to revision ${view.position}, short of revision ${asked}, which ${why}: it went backwards`);
    }
    // An identity record that cannot be read refuses every change by itself: nothing to judge it against, nor to keep.
    if (view.meta !== null && view.meta.value === null) {
      if (evidence.length > 0) this.#evidence.set(view, evidence);
      return;
    }
    const seen = this.#seen;
    const plane = planeOf(view);
    const epoch = epochOf(view);
    const reconcile = reconcileOf(view);
    // A reconcile this coordinator did not read (another's, perhaps at an epoch number it read already, when no member
    // reported that epoch to it) starts a history of its own; an earlier epoch of this plane is no such history.
    const anew = reconcile !== undefined && reconcile !== seen?.reconcile && (plane !== seen?.plane || epoch >= seen.epoch);
    if (seen !== undefined && seen.plane !== "none" && !anew) {
      if (plane !== seen.plane) {
        evidence.push(
          plane === "none"
            ? `the store has no identity record, where this coordinator read control plane ${seen.plane}: it was lost or recreated`
            : `the store is control plane ${plane}, where this coordinator read ${seen.plane}: it was lost or recreated`,
        );
      } else if (epoch < seen.epoch) {
        evidence.push(`the control plane went back from epoch ${seen.epoch}, which this coordinator read, to epoch ${epoch}`);
      } else if (epoch === seen.epoch) {
        evidence.push(...levelsGoneBack(seen, view));
      }
    }
    if (evidence.length > 0) {
      // What was read stays the measure until a reconcile starts another history (a higher epoch, or one this coordinator did not read).
      this.#evidence.set(view, evidence);
      return;
    }
    const same = seen !== undefined && !anew && sameHistory(seen, view);
    // The same history's records are updated in place: a coordinator reads a view for every status.
    const levels = same ? seen.levels : new Map<string, ReadLevel>();
    for (const level of view.levels.values()) levels.set(level.capability, { revision: level.revision, write: writeOf(level) });
    this.#seen = {
      plane,
      epoch,
      reconcile: reconcile ?? (same ? seen.reconcile : undefined),
      position: same ? Math.max(seen.position, view.position) : view.position,
      levels,
    };
  }

  /** What `view` shows of a store gone backwards, in lines (none: nothing). */
  evidence(view: FleetView): readonly string[] {
    return this.#evidence.get(view) ?? NOTHING;
  }
}

const NOTHING: readonly string[] = Object.freeze([]);

/** The records of `view` that went back from what `seen` read of them, in words. */
function levelsGoneBack(seen: Seen, view: FleetView): string[] {
  const found: string[] = [];
  for (const [capability, read] of seen.levels) {
    const level = view.levels.get(capability);
    if (level === undefined) found.push(`the record of ${capability}, which this coordinator read at revision ${read.revision}, vanished from the store`);
    else if (level.revision < read.revision) {
      found.push(`the record of ${capability} went back from revision ${read.revision}, which this coordinator read, to ${level.revision}`);
    } else if (level.revision === read.revision && writeOf(level) !== read.write) {
      found.push(
        `the record of ${capability} at revision ${read.revision} is not the one this coordinator read there: the store went backwards and was written again`,
      );
    }
  }
  return found;
}

/** Which write a record is: its change note's id (every write has its own), or when it was stored. */
function writeOf(level: LevelView): string {
  return level.record?.change.id ?? `at ${level.at}`;
}

/** True when `view` reads the history `seen` was read of: one control plane and epoch, and no reconcile but the one read. */
function sameHistory(seen: Seen, view: FleetView): boolean {
  const reconcile = reconcileOf(view);
  return seen.plane === planeOf(view) && seen.epoch === epochOf(view) && (reconcile === undefined || reconcile === seen.reconcile);
}

/** The id of the reconcile `view`'s identity record was last written by, or undefined (set up, or changed since by `init`). */
function reconcileOf(view: FleetView): string | undefined {
  const change = view.meta?.value?.change;
  return change?.action === "reconcile" ? change.id : undefined;
}

/** The control plane of `view`: its id, or `none` before it is set up. */
function planeOf(view: FleetView): string {
  const meta = view.meta?.value;
  return meta === undefined || meta === null ? "none" : meta.planeId;
}

/** The epoch of `view`'s control plane (0 before it is set up). */
function epochOf(view: FleetView): number {
  return view.meta?.value?.epoch ?? 0;
}
