import type { StoredEntry } from "../control-plane/control-plane.js";
import type { DecodeCache } from "./decode-cache.js";
import type { FleetView, MemberView, ViewOptions } from "./fleet-view.js";
import { beatDecoder, stateUntil, withBeat } from "./member-view.js";
import type { MemberSlot } from "./view-memory.js";

/**
 * The view of the fleet made from the last one, when only heartbeats of
 * its members changed since (the log entries read are the very ones it was
 * built from) and no member's state ended with time: the last view with
 * those members' views made again, in their places. Its cost grows with the
 * heartbeats that changed, not with the fleet: a long-running coordinator
 * of a steady fleet reads mostly this way.
 *
 * Undefined, for a view built in full, whenever the last view cannot tell
 * what a full one would: the log changed or was read again, the clock went
 * back or past the end of some member's state, the heartbeats were read
 * anew, a heartbeat changed that no member alone claims (an orphan, a
 * departed incarnation, an incarnation two node ids report), or a heartbeat
 * cannot be read (or could not be), which the view's list of what cannot be
 * read would tell. Also after as many members were patched as there are
 * members: the full view then sweeps the decode cache of what patches
 * decoded (heartbeats that arrive expired end no state, so time alone
 * would never make a view built in full), at a cost spread over them.
 */
export function patchLastView(entries: readonly StoredEntry[], position: number, now: number, options: ViewOptions, cache: DecodeCache): FleetView | undefined {
  const memory = cache.memory;
  const last = memory.last;
  const changed = memory.beats.changes();
  if (last === undefined || changed === null || now < last.view.now || now > last.until || position !== last.view.position) return undefined;
  // After as many patches as members (and a few), a view is built in full: what the patches decoded is swept then.
  if (last.patched + changed.size > Math.max(PATCHES_AT_LEAST, last.view.members.length) || !sameEntries(entries, last.entries)) return undefined;
  const decodeBeat = beatDecoder(cache);
  const patches: { readonly place: number; readonly slot: MemberSlot }[] = [];
  let until = last.until;
  for (const incarnation of changed) {
    const place = memory.placeOf(incarnation);
    if (place === undefined || place === -1 || memory.beats.shared(incarnation)) return undefined;
    const before = last.view.members[place] as MemberView;
    const slot = memory.slots.get(before.revision);
    const storedBeat = memory.beats.get(before.nodeId, incarnation);
    if (slot === undefined || slot.beatLine !== undefined || storedBeat === undefined) return undefined;
    const { view, beatLine } = withBeat(before, storedBeat, decodeBeat, now, options.clockMarginMs);
    if (beatLine !== undefined) return undefined;
    until = Math.min(until, stateUntil(view, view.state, options.clockMarginMs));
    patches.push({ place, slot: { ...slot, view, beat: storedBeat } });
  }
  let members = last.view.members;
  if (patches.length > 0) {
    const patched = [...members];
    for (const { place, slot } of patches) {
      patched[place] = slot.view;
      memory.slots.set(slot.view.revision, slot);
    }
    members = patched;
  }
  const view: FleetView = { ...last.view, now, members };
  memory.remember({ view, entries, until, patched: last.patched + patches.length }, { from: last.view, places: patches.map((patch) => patch.place) });
  return view;
}

/** How many member views may be patched between two views built in full, however few members there are. */
const PATCHES_AT_LEAST = 64;

/** True when `entries` are the very objects of `before`, in order. */
function sameEntries(entries: readonly StoredEntry[], before: readonly StoredEntry[]): boolean {
  if (entries.length !== before.length) return false;
  for (let index = 0; index < entries.length; index++) if (entries[index] !== before[index]) return false;
  return true;
}
