import type { BuildRecord } from "../records/build-record.js";
import type { FleetView, MemberView } from "./fleet-view.js";
import type { ViewPatch } from "./view-memory.js";

type Applied = Readonly<Record<string, number>>;

/** Members of one build (null: unknown) whose heartbeats report one applied map (undefined: none). */
export interface MemberGroup {
  readonly build: BuildRecord | null;
  readonly applied: Applied | undefined;
  /** Its members, by their place in the view, ascending. */
  readonly members: number[];
  /** Its members that are not live, by their place in the view, ascending. */
  readonly notLive: number[];
}

/**
 * The members of a view grouped by build and by the applied map their
 * heartbeat reports (equal maps are one object, see `DecodeCache`), and
 * how many members each build has: what a status is worked out from, group
 * by group rather than member by member. Kept for the next view: one
 * patched from the last (see `patchLastView`) moves only its patched
 * members between groups (a patch keeps every member's build, so the
 * members of each build stay where they are, and so does `generation`).
 */
export class MemberGroups {
  #view: FleetView | undefined;
  #groups = new Map<BuildRecord | null, Map<Applied | undefined, MemberGroup>>();
  #builds = new Map<BuildRecord, number>();
  #generation = 0;

  /** Members per known build. */
  get builds(): ReadonlyMap<BuildRecord, number> {
    return this.#builds;
  }

  /** Changes when members moved between builds: what depends only on the members of each build holds while it does not. */
  get generation(): number {
    return this.#generation;
  }

  /** The groups of `view`, whose members are where the last view's were but at `patch`'s places, when `patch` is given. */
  update(view: FleetView, patch: ViewPatch | undefined): void {
    if (view === this.#view) return;
    if (patch !== undefined && this.#view !== undefined && patch.from === this.#view) {
      for (const place of patch.places) this.#move(place, patch.from.members[place] as MemberView, view.members[place] as MemberView);
    } else {
      this.#groups = new Map();
      this.#builds = new Map();
      this.#generation++;
      view.members.forEach((member, place) => {
        const group = this.#group(member.build, appliedOf(member));
        group.members.push(place);
        if (member.state !== "live") group.notLive.push(place);
        if (member.build !== null) this.#builds.set(member.build, (this.#builds.get(member.build) ?? 0) + 1);
      });
    }
    this.#view = view;
  }

  /** Every group with members. */
  list(): MemberGroup[] {
    return [...this.#groups.values()].flatMap((byApplied) => [...byApplied.values()]);
  }

  /** Moves the member at `place` from where `before` was to where `after` goes (same build). */
  #move(place: number, before: MemberView, after: MemberView): void {
    const from = this.#group(before.build, appliedOf(before));
    const to = this.#group(after.build, appliedOf(after));
    if (from !== to) {
      remove(from.members, place);
      insert(to.members, place);
    }
    if (from !== to || before.state !== after.state) {
      if (before.state !== "live") remove(from.notLive, place);
      if (after.state !== "live") insert(to.notLive, place);
    }
    if (from.members.length === 0) this.#groups.get(from.build)?.delete(from.applied);
  }

  #group(build: BuildRecord | null, applied: Applied | undefined): MemberGroup {
    let byApplied = this.#groups.get(build);
    if (byApplied === undefined) {
      byApplied = new Map();
      this.#groups.set(build, byApplied);
    }
    let group = byApplied.get(applied);
    if (group === undefined) {
      group = { build, applied, members: [], notLive: [] };
      byApplied.set(applied, group);
    }
    return group;
  }
}

function appliedOf(member: MemberView): Applied | undefined {
  return member.beat?.record?.applied;
}

/** The index of the first of `places` (ascending) not below `place`. */
function lowerBound(places: readonly number[], place: number): number {
  let low = 0;
  let high = places.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((places[middle] as number) < place) low = middle + 1;
    else high = middle;
  }
  return low;
}

function insert(places: number[], place: number): void {
  places.splice(lowerBound(places, place), 0, place);
}

function remove(places: number[], place: number): void {
  const at = lowerBound(places, place);
  if (places[at] === place) places.splice(at, 1);
}
