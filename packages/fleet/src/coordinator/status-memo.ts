import type { Blocker } from "../records/blocker.js";
import { readerBlocker } from "./find-blockers.js";
import type { Convergence } from "./fleet-status.js";
import type { MemberView } from "./fleet-view.js";
import { MemberGroups } from "./member-groups.js";

/** One member a capability waits on. */
type Waiting = Convergence["waiting"][number];

/**
 * What a coordinator's last status made, for the next: the status of each
 * member, the members grouped, and per capability who blocks its next level
 * and who it waits on. A view reuses the member
 * views that did not change (see `ViewMemory`), in the same order, so the
 * next status finds what it made by walking the lists side by side and
 * comparing objects, instead of looking each member up.
 */
export class StatusMemo<S> {
  #members: readonly MemberView[] = [];
  #statuses: readonly S[] = [];
  /** Per capability, the reader blockers of the last level asked, and what they were made of (see {@link StatusMemo.blockers}). */
  readonly #blockers = new Map<string, { readonly level: number; readonly made: Made<Blocker | undefined>; readonly blockers: readonly Blocker[] }>();
  /** Per capability, the places of the members that block the last level asked, and the groups' generation they were found in. */
  readonly #blocking = new Map<string, { readonly level: number; readonly generation: number; readonly places: readonly number[] }>();
  /** Per capability, what the last call of {@link StatusMemo.waiting} made. */
  readonly #waiting = new Map<string, Made<Waiting>>();
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

  /** `make(member)` for the member at each of `places` (ascending) of `members` (a view's) that `capability` waits on: see {@link remade}. */
  waiting(capability: string, places: readonly number[], members: readonly MemberView[], make: (member: MemberView) => Waiting): readonly Waiting[] {
    const made = remade(this.#waiting.get(capability), places, members, make);
    this.#waiting.set(capability, made);
    return made.values;
  }

  /**
   * The reader blockers, for `level` of `capability`, of the members at
   * `places` (ascending) of `members` (see `readerBlockers`): what the last
   * call made of each member view is reused (see {@link remade}), and the
   * very list of the last call when nothing changed.
   */
  blockers(capability: string, level: number, places: readonly number[], members: readonly MemberView[]): readonly Blocker[] {
    const last = this.#blockers.get(capability);
    const same = last !== undefined && last.level === level ? last : undefined;
    const made = remade(same?.made, places, members, (member) => this.#blockerFor(member, capability, level));
    const blockers =
      same !== undefined && made.remade === 0 && made.values.length === same.made.values.length
        ? same.blockers
        : made.values.filter((blocker): blocker is Blocker => blocker !== undefined);
    this.#blockers.set(capability, { level, made, blockers });
    return blockers;
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

/** What {@link remade} made: a value per member, with the member views it was made of. */
interface Made<T> {
  readonly members: readonly MemberView[];
  readonly places: readonly number[];
  readonly values: readonly T[];
  /**
   * How many values were made anew. None, with as many values as the last
   * call, means the very values of the last call in the same order (the
   * walk reuses them in order, one member view per place).
   */
  readonly remade: number;
}

/**
 * `make(member)` for the member at each of `places` (ascending) of
 * `members`, reusing what `last` made of the same member view (what is made
 * depends on nothing else), found by walking both lists of places in order:
 * a view patched from the last (see `patchLastView`) makes only what changed.
 */
function remade<T>(last: Made<T> | undefined, places: readonly number[], members: readonly MemberView[], make: (member: MemberView) => T): Made<T> {
  const at: MemberView[] = new Array(places.length);
  const values: T[] = new Array(places.length);
  let remadeCount = 0;
  let before = 0;
  for (let index = 0; index < places.length; index++) {
    const place = places[index] as number;
    const member = members[place] as MemberView;
    at[index] = member;
    if (last !== undefined) while (before < last.places.length && (last.places[before] as number) < place) before++;
    if (last !== undefined && last.members[before] === member) values[index] = last.values[before] as T;
    else {
      values[index] = make(member);
      remadeCount++;
    }
  }
  return { members: at, places, values, remade: remadeCount };
}
