import { missingRevisions, reportedRegression, type StoredLevelState } from "../records/reported-regression.js";
import type { HeartbeatRecord } from "../records/heartbeat-record.js";
import type { FleetView, MemberView } from "./fleet-view.js";
import type { ViewPatch } from "./view-memory.js";

type Applied = Readonly<Record<string, number>>;

/**
 * What shows that the store went backwards, from what members report (by
 * {@link reportedRegression}, in a view complete past the revisions judged,
 * so a lagging read is not mistaken for it) and from live heartbeats of
 * incarnations the store has no member record of. Empty when nothing does.
 */
export function regressionEvidence(view: FleetView): string[] {
  return new BeatDigest().evidence(view);
}

/** The highest record revision any member of the store's epoch reports having applied: a view must reach it to judge. */
export function highestApplied(view: FleetView): number {
  return new BeatDigest().highest(view);
}

/**
 * What members' heartbeats show in a view, member by member, kept for the
 * next view: the evidence of a store gone backwards ({@link regressionEvidence})
 * and the highest revision applied ({@link highestApplied}). Asked of a view
 * patched from the last one asked of (see `patchLastView`), it looks again
 * only at the members patched: the log read, and with it the records and
 * the position judged by, is the same.
 */
export class BeatDigest {
  #view: FleetView | undefined;
  /** By member place in `#view`. */
  #evidence: (readonly string[])[] = [];
  #highest: number[] = [];
  /** What each applied map misses, for the log read of `#view`. */
  #missing = new Map<Applied, readonly string[]>();
  /** The highest revision of each applied map (equal maps are mostly one object, see `DecodeCache`). */
  readonly #top = new WeakMap<Applied, number>();

  /** {@link regressionEvidence} of `view`; `patch` when it was patched from another. */
  evidence(view: FleetView, patch?: ViewPatch): string[] {
    this.#update(view, patch);
    const evidence: string[] = [];
    for (const orphan of lostMembers(view)) {
      evidence.push(`${orphan.nodeId}@${orphan.incarnation.slice(0, 8)} heartbeats, but the store has no member record of it`);
    }
    for (const found of this.#evidence) if (found.length > 0) evidence.push(...found);
    return evidence;
  }

  /**
   * The node ids whose heartbeats show a store gone backwards in `view`:
   * members by {@link regressionEvidence} or by a revision applied past what
   * the view holds (a view read as of it that came back short), and
   * heartbeats the log has no member of; `patch` when it was patched from
   * another.
   */
  showing(view: FleetView, patch?: ViewPatch): string[] {
    this.#update(view, patch);
    const nodeIds = new Set<string>();
    view.members.forEach((member, place) => {
      if ((this.#evidence[place]?.length ?? 0) > 0 || (this.#highest[place] ?? 0) > view.position) nodeIds.add(member.nodeId);
    });
    for (const orphan of lostMembers(view)) nodeIds.add(orphan.nodeId);
    return [...nodeIds];
  }

  /** {@link highestApplied} of `view`; `patch` when it was patched from another. */
  highest(view: FleetView, patch?: ViewPatch): number {
    this.#update(view, patch);
    let highest = 0;
    for (const revision of this.#highest) if (revision > highest) highest = revision;
    return highest;
  }

  #update(view: FleetView, patch: ViewPatch | undefined): void {
    if (view === this.#view) return;
    if (patch !== undefined && this.#view !== undefined && patch.from === this.#view) {
      const evidence = [...this.#evidence];
      const highest = [...this.#highest];
      for (const place of patch.places) {
        const member = view.members[place] as MemberView;
        evidence[place] = this.#evidenceOf(member, view);
        highest[place] = this.#highestOf(member, view);
      }
      this.#evidence = evidence;
      this.#highest = highest;
    } else {
      this.#missing = new Map();
      this.#evidence = [];
      this.#highest = [];
      // A report of the last one's plane and applied map (mostly one object, see DecodeCache), when that showed nothing, shows nothing either.
      let clear: HeartbeatRecord | undefined;
      for (const member of view.members) {
        const beat = member.beat?.record;
        if (
          clear !== undefined &&
          beat !== undefined &&
          beat !== null &&
          beat.regressed === null &&
          beat.applied === clear.applied &&
          samePlane(beat.plane, clear.plane)
        ) {
          this.#evidence.push(NOTHING);
        } else {
          const found = this.#evidenceOf(member, view);
          this.#evidence.push(found);
          if (found.length === 0 && beat !== undefined && beat !== null) clear = beat;
        }
        this.#highest.push(this.#highestOf(member, view));
      }
    }
    this.#view = view;
  }

  /** What `member`'s heartbeat shows of a store gone backwards. */
  #evidenceOf(member: MemberView, view: FleetView): readonly string[] {
    const beat = member.beat?.record;
    if (beat === undefined || beat === null) return NOTHING;
    return reportedRegression(member, beat, view.meta?.value ?? null, (applied, epoch) => {
      let missing = this.#missing.get(applied);
      if (missing === undefined) {
        missing = missingRevisions(applied, epoch, (capability) => storedLevel(view, capability), view.position);
        this.#missing.set(applied, missing);
      }
      return missing;
    });
  }

  /** The highest revision `member` reports having applied, when it reports the store's plane and epoch; else 0. */
  #highestOf(member: MemberView, view: FleetView): number {
    const beat = member.beat?.record;
    const meta = view.meta?.value;
    if (beat === undefined || beat === null || beat.plane === null || meta === undefined || meta === null) return 0;
    if (beat.plane.id !== meta.planeId || beat.plane.epoch !== meta.epoch) return 0;
    let top = this.#top.get(beat.applied);
    if (top === undefined) {
      top = 0;
      for (const revision of Object.values(beat.applied)) top = Math.max(top, revision);
      this.#top.set(beat.applied, top);
    }
    return top;
  }
}

const NOTHING: readonly string[] = Object.freeze([]);

/** True when two heartbeats name one control plane and epoch (or none). */
function samePlane(a: HeartbeatRecord["plane"], b: HeartbeatRecord["plane"]): boolean {
  return a === b || (a !== null && b !== null && a.id === b.id && a.epoch === b.epoch);
}

/** The level record of `capability` in the view, as the regression rule judges it. */
function storedLevel(view: FleetView, capability: string): StoredLevelState | undefined {
  const level = view.levels.get(capability);
  return level === undefined ? undefined : { revision: level.revision, epoch: level.record?.epoch ?? null };
}

/**
 * The heartbeats the log has no member of that name a control plane: live
 * incarnations registered on a store that has since lost them.
 */
function lostMembers(view: FleetView): FleetView["orphans"] {
  return view.orphans.filter((orphan) => orphan.record !== null && orphan.record !== undefined && orphan.record.plane !== null);
}
