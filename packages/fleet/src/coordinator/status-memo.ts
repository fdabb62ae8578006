import type { Blocker } from "../records/blocker.js";
import { readerBlocker } from "./find-blockers.js";
import type { Convergence } from "./fleet-status.js";
import type { MemberView } from "./fleet-view.js";
import { MemberGroups } from "./member-groups.js";

/** One member a capability waits on. */
type Waiting = Convergence["waiting"][number];

/**
 * What a coordinator's last status made, for the next: the status of each
 * member, and each capability's reader blockers. A view reuses the member
 * views that did not change (see `ViewMemory`), in the same order, so the
 * next status finds what it made by walking the lists side by side and
 * comparing objects, instead of looking each member up.
 */
export class StatusMemo<S> {
  #members: readonly MemberView[] = [];
  #statuses: readonly S[] = [];
  readonly #blockers = new Map<
    string,
    {
      readonly level: number;
      readonly members: readonly MemberView[];
      /** The blocker of each of `members`, by place (undefined: it reads the level). */
      readonly byPlace: readonly (Blocker | undefined)[];
      readonly blockers: readonly Blocker[];
    }
  >();
  /** Per capability, the places of the members that block the last level asked, and the groups' generation they were found in. */
  readonly #blocking = new Map<string, { readonly level: number; readonly generation: number; readonly places: readonly number[] }>();
  /** Per capability, what the last call of {@link StatusMemo.waiting} made, by place. */
  readonly #waiting = new Map<string, { readonly places: readonly number[]; readonly members: readonly MemberView[]; readonly made: readonly Waiting[] }>();
  /** The members of the views asked of, grouped (kept from one view to the next). */
  readonly groups = new MemberGroups();
  /** Per member view, per capability, its reader blocker of the last level asked. */
  readonly #blockerOf = new WeakMap<MemberView, Map<string, { readonly level: number; readonly blocker: Blocker | undefined }>>();

  /** `make(member)` for each of `members`, reusing what the last call made of the same member view at the same place. */
  statuses(members: readonly MemberView[], make: (member: MemberView) => S): S[] {
    const before = this.#members;
    const made = this.#statuses;
    const statuses = members.map((member, index) => (before[index] === member ? (made[index] as S) : make(member)));
    this.#members = members;
    this.#statuses = statuses;
    return statuses;
  }

  /** The places of the members that block `level` of `capability`: `find()`, unless found for that level while the members of each build were the same (`generation`). */
  blocking(capability: string, level: number, generation: number, find: () => readonly number[]): readonly number[] {
    const last = this.#blocking.get(capability);
    if (last !== undefined && last.level === level && last.generation === generation) return last.places;
    const places = find();
    this.#blocking.set(capability, { level, generation, places });
    return places;
  }

  /**
   * `make(member)` for the member at each of `places` (ascending) of `members`
   * (a view's), for `capability`: what the last call for it made of the same
   * member view is reused (it depends on nothing else), found by walking
   * both lists of places in order, so that a patched view makes only what
   * changed.
   */
  waiting(capability: string, places: readonly number[], members: readonly MemberView[], make: (member: MemberView) => Waiting): Waiting[] {
    const last = this.#waiting.get(capability);
    const at: MemberView[] = new Array(places.length);
    const made: Waiting[] = new Array(places.length);
    let before = 0;
    for (let index = 0; index < places.length; index++) {
      const place = places[index] as number;
      const member = members[place] as MemberView;
      if (last !== undefined) while (before < last.places.length && (last.places[before] as number) < place) before++;
      at[index] = member;
      made[index] = last !== undefined && last.members[before] === member ? (last.made[before] as Waiting) : make(member);
    }
    this.#waiting.set(capability, { places, members: at, made });
    return made;
  }

  /**
   * The reader blockers of `members` for `level` of `capability` (see
   * `readerBlockers`): asked of the same members as the last time, or of
   * as many with a few changed (a view patched, see `patchLastView`), what
   * the last call made of the member at each place is reused by walking the
   * two lists side by side; the same list of blockers when none changed.
   */
  blockers(capability: string, level: number, members: readonly MemberView[]): readonly Blocker[] {
    const last = this.#blockers.get(capability);
    const alongside = last !== undefined && last.level === level && last.members.length === members.length ? last : undefined;
    const byPlace: (Blocker | undefined)[] = new Array(members.length);
    const blockers: Blocker[] = [];
    let changed = alongside === undefined;
    for (let place = 0; place < members.length; place++) {
      const member = members[place] as MemberView;
      let found: Blocker | undefined;
      if (alongside !== undefined && alongside.members[place] === member) found = alongside.byPlace[place];
      else {
        found = this.#blockerFor(member, capability, level);
        changed = true;
      }
      byPlace[place] = found;
      if (found !== undefined) blockers.push(found);
    }
    const made = changed ? blockers : (alongside?.blockers ?? blockers);
    this.#blockers.set(capability, { level, members, byPlace, blockers: made });
    return made;
  }

  #blockerFor(member: MemberView, capability: string, level: number): Blocker | undefined {
    let byCapability = this.#blockerOf.get(member);
    if (byCapability === undefined) {
      byCapability = new Map();
      this.#blockerOf.set(member, byCapability);
    }
    let known = byCapability.get(capability);
    if (known === undefined || known.level !== level) {
      known = { level, blocker: readerBlocker(member, capability, [level]) };
      byCapability.set(capability, known);
    }
    return known.blocker;
  }
}
