import type { StoredBeat, StoredEntry } from "../control-plane/control-plane.js";
import { BeatIndex } from "./beat-index.js";
import type { FleetView, MemberView } from "./fleet-view.js";

/** What a view kept of one member: the view, and what it was built from. */
export interface MemberSlot {
  readonly view: MemberView;
  /** Its member entry. */
  readonly entry: StoredEntry;
  /** Its heartbeat as read, if any. */
  readonly beat: StoredBeat | undefined;
  /** Why its member record cannot be read, as the view's `unreadable` says it, if it cannot. */
  readonly memberLine: string | undefined;
  /** Why its heartbeat cannot be read, likewise. */
  readonly beatLine: string | undefined;
}

/** The last view built, what it was built from, and until when each of its members keeps its state. */
export interface LastView {
  readonly view: FleetView;
  /** The log entries it was built from. */
  readonly entries: readonly StoredEntry[];
  /** The latest time (control plane's clock) at which the state of every member is still the one in the view: the earliest end of a state. */
  readonly until: number;
  /** How many member views were patched since the last view built in full. */
  readonly patched: number;
}

/** How a view was made from another: its members at `places` were made again, the rest is the same. */
export interface ViewPatch {
  readonly from: FleetView;
  readonly places: readonly number[];
}

/**
 * What one view of the fleet keeps for the next, so that members that did
 * not change cost next to nothing: per member entry revision, the member
 * view and what it was built from; the heartbeats by incarnation; and the
 * entries every member view depends on (build and decommission records).
 * A member whose entry and heartbeat are the very ones read before, while
 * those entries are too, keeps its view.
 */
export class ViewMemory {
  /** By the revision of the member entry. */
  readonly slots = new Map<number, MemberSlot>();
  readonly beats = new BeatIndex();
  #context: readonly StoredEntry[] = [];
  #last: LastView | undefined;
  #patch: ViewPatch | undefined;
  /** The place of each incarnation among the last view's members, -1 for one that two members share; made when first asked. */
  #places: Map<string, number> | undefined;

  /** The last view built, if any. */
  get last(): LastView | undefined {
    return this.#last;
  }

  /** Remembers `last` as the last view built; `patch` when it was patched from the last view (its members are in the same places). */
  remember(last: LastView, patch?: ViewPatch): void {
    this.#last = last;
    this.#patch = patch;
    if (patch === undefined) this.#places = undefined;
  }

  /** How `view` was patched from the view before, when it is the last view built and was patched. */
  patchOf(view: FleetView): ViewPatch | undefined {
    return this.#last?.view === view ? this.#patch : undefined;
  }

  /** The place of `incarnation` among the last view's members: undefined when none has it, -1 when more than one does. */
  placeOf(incarnation: string): number | undefined {
    let places = this.#places;
    if (places === undefined) {
      places = new Map();
      for (const [place, member] of (this.#last?.view.members ?? []).entries()) places.set(member.incarnation, places.has(member.incarnation) ? -1 : place);
      this.#places = places;
    }
    return places.get(incarnation);
  }

  /** True when `entries` (the build and decommission entries, in order) are the very ones of the last view; remembers them. */
  sameContext(entries: readonly StoredEntry[]): boolean {
    const before = this.#context;
    this.#context = entries;
    return entries.length === before.length && entries.every((entry, index) => entry === before[index]);
  }

  /** Drops the slots of members that are no longer in `members` (the members of the view just built). */
  keepSlots(members: readonly MemberView[]): void {
    if (this.slots.size === members.length) return;
    const kept = new Set(members.map((member) => member.revision));
    for (const revision of [...this.slots.keys()]) if (!kept.has(revision)) this.slots.delete(revision);
  }
}
